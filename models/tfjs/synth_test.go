package tfjs_test

// The synthetic test images of testdata/golden/generate.mjs, pattern
// "athlete3d-synth-v1". Only unsigned 32-bit integer arithmetic, so the Go
// and JavaScript versions agree bit for bit; keep them in step.

func mix32(x uint32) uint32 {
	x ^= x >> 16
	x *= 0x7feb352d
	x ^= x >> 15
	x *= 0x846ca68b
	x ^= x >> 16
	return x
}

// key hashes a list of small non-negative integers.
func key(parts ...int) uint32 {
	h := uint32(0x2545f491)
	for _, p := range parts {
		h = mix32((h ^ uint32(p)) + 0x9e3779b9)
	}
	return h
}

// synthPixel is the value 0..255 of channel c of pixel (y, x) of image seed
// of size h×w.
func synthPixel(seed, h, w, y, x, c int) int {
	gx := x * 255 / (w - 1)
	gy := y * 255 / (h - 1)
	var v int
	switch (c + seed) % 3 {
	case 0:
		v = (gx + 2*gy) / 3
	case 1:
		v = (255 - gx + gy) / 2
	default:
		v = gx * gy / 255
	}
	blobs := 3 + seed%4
	for k := range blobs {
		cx := int(key(seed, k, 1) % uint32(w))
		cy := int(key(seed, k, 2) % uint32(h))
		r := 8 + int(key(seed, k, 3)%uint32(h/4))
		dx, dy := x-cx, y-cy
		if dx*dx+dy*dy <= r*r {
			color := int(key(seed, k, 4, c) % 256)
			v = (v + 3*color) / 4
		}
	}
	v += int(key(seed, y, x, c, 5)%41) - 20
	return min(max(v, 0), 255)
}

// synthImage fills dst (h×w×3, HWC) with image seed.
func synthImage[T int32 | float32](dst []T, seed, h, w int) {
	i := 0
	for y := range h {
		for x := range w {
			for c := range 3 {
				dst[i] = T(synthPixel(seed, h, w, y, x, c))
				i++
			}
		}
	}
}
