package solve

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/spatial/r3"
)

// encodePnP lays out a PnP input as the fuzzers read it: the number of
// target points, their coordinates, then the pixels' coordinates, as
// little-endian float64 bits, so that every value — NaN, infinities,
// subnormals, 1e308 — can be reached.
func encodePnP(obj []r3.Vec, pix [][2]float64) []byte {
	b := []byte{byte(len(obj))}
	for _, X := range obj {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(X.X))
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(X.Y))
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(X.Z))
	}
	for _, p := range pix {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(p[0]))
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(p[1]))
	}
	return b
}

func decodePnP(b []byte) (obj []r3.Vec, pix [][2]float64) {
	if len(b) == 0 {
		return nil, nil
	}
	n := int(b[0])
	f := make([]float64, 0, len(b)/8)
	for b = b[1:]; len(b) >= 8; b = b[8:] {
		f = append(f, math.Float64frombits(binary.LittleEndian.Uint64(b)))
	}
	for ; n > 0 && len(f) >= 3; n-- {
		obj = append(obj, r3.Vec{X: f[0], Y: f[1], Z: f[2]})
		f = f[3:]
	}
	for ; len(f) >= 2; f = f[2:] {
		pix = append(pix, [2]float64{f[0], f[1]})
	}
	return obj, pix
}

func finitePose(p *Pose) bool {
	for i := range 3 {
		if !allFinite(p.R[i][:]) {
			return false
		}
	}
	return finiteVec(p.T) && isFinite(p.RMS) && allFinite(p.Residuals)
}

// FuzzPnP feeds PnP arbitrary points: it must return an error or a finite
// pose with one residual per point, and never panic.
func FuzzPnP(f *testing.F) {
	for _, tt := range pnpBadInputs() {
		f.Add(encodePnP(tt.obj, tt.pix), false)
	}
	rng := rand.New(rand.NewPCG(91, 92))
	cam := teleCamera()
	obj := cloud(rng, 8, r3.Vec{X: 2, Y: 2, Z: 1})
	_, pix := viewOf(f, rng, &cam, obj, 3, math.Pi, 0.3)
	f.Add(encodePnP(obj, pix), false)
	f.Add(encodePnP(obj, pix), true)
	huge := append([]r3.Vec(nil), obj...)
	huge[3].X = 1e300
	f.Add(encodePnP(huge, pix), false)
	dup := append([]r3.Vec(nil), obj[:4]...)
	f.Add(encodePnP(append(dup, dup...), append(pix[:4:4], pix[:4]...)), false)

	tele, fish := teleCamera(), fisheyeCamera()
	f.Fuzz(func(t *testing.T, data []byte, fisheye bool) {
		obj, pix := decodePnP(data)
		cam := &tele
		if fisheye {
			cam = &fish
		}
		p, err := PnP(cam, obj, pix)
		if err != nil {
			return
		}
		if !finitePose(&p) || len(p.Residuals) != len(obj) {
			t.Fatalf("no error, but pose %+v for %d points", p, len(obj))
		}
	})
}

// FuzzIntrinsics starts from a valid calibration set and lets the fuzzer
// overwrite coordinates with arbitrary values and cut views short: it must
// return an error or a finite camera, and never panic. Each edit is 11
// bytes: view, point, coordinate (0–2 target, 3–4 pixel; 5 cuts the view
// at point), float64.
func FuzzIntrinsics(f *testing.F) {
	cam := brownCamera()
	rng := rand.New(rand.NewPCG(93, 94))
	base, _ := boardViews(f, rng, &cam, chessboard(5, 4, 0.04), shots{4, 0.3, 0.5, 20, 50, 0.3})
	edit := func(view, point, field byte, v float64) []byte {
		return binary.LittleEndian.AppendUint64([]byte{view, point, field}, math.Float64bits(v))
	}
	f.Add([]byte{})
	f.Add(edit(0, 3, 3, math.NaN()))
	f.Add(edit(1, 0, 0, math.Inf(1)))
	f.Add(edit(2, 7, 2, 0.5))
	f.Add(edit(3, 2, 4, 1e300))
	f.Add(edit(1, 3, 5, 0))
	f.Add(append(edit(0, 1, 0, 0), edit(0, 1, 1, 0)...))
	f.Fuzz(func(t *testing.T, data []byte) {
		views := make([]View, len(base))
		for i, v := range base {
			views[i] = View{Label: v.Label, Obj: append([]r3.Vec(nil), v.Obj...), Pix: append([][2]float64(nil), v.Pix...)}
		}
		for ; len(data) >= 11; data = data[11:] {
			v := &views[int(data[0])%len(views)]
			if len(v.Obj) == 0 {
				continue
			}
			i := int(data[1]) % len(v.Obj)
			x := math.Float64frombits(binary.LittleEndian.Uint64(data[3:]))
			switch data[2] % 6 {
			case 0:
				v.Obj[i].X = x
			case 1:
				v.Obj[i].Y = x
			case 2:
				v.Obj[i].Z = x
			case 3:
				v.Pix[i][0] = x
			case 4:
				v.Pix[i][1] = x
			case 5:
				v.Obj, v.Pix = v.Obj[:i], v.Pix[:i]
			}
		}
		res, err := Intrinsics(views, cam.Width, cam.Height, IntrinsicsOptions{})
		if err != nil {
			return
		}
		k := res.Camera.K
		if !allFinite(k[0][:]) || !allFinite(k[1][:]) || !allFinite(res.Camera.Dist) || !isFinite(res.RMS) {
			t.Fatalf("no error, but camera %+v, RMS %v", res.Camera, res.RMS)
		}
		for v, p := range res.Poses {
			if len(views[v].Obj) > 0 && !finitePose(&p) {
				t.Fatalf("no error, but view %d's pose %+v", v, p)
			}
		}
	})
}
