package movenet

import "github.com/athlete3d/athlete3d/skeleton"

// Crop is a square region of an image in continuous pixel coordinates (the
// image spans [0, width] x [0, height]). It may reach outside the image: the
// outside is seen as black, as a letterbox.
type Crop struct {
	X, Y, Size float32 // top-left corner and side
}

// CropAround returns the square crop centred on box (x, y, w, h) whose side
// is scale times the box's longer side.
func CropAround(x, y, w, h, scale float32) Crop {
	side := max(w, h) * scale
	return Crop{X: x + w/2 - side/2, Y: y + h/2 - side/2, Size: side}
}

// followCrop returns the crop for the next frame from a person's keypoints,
// after MoveNet's own cropping: centred on the hips (else the shoulders,
// else the confident keypoints' middle), with a half-side that covers the
// torso 1.9 times and every confident keypoint 1.2 times. With too few
// confident keypoints it keeps prev.
func followCrop(p *Pose, minScore float32, prev Crop) Crop {
	ok := func(k int) bool { return p[k].Score >= minScore }
	var cx, cy float32
	switch {
	case ok(skeleton.LHip) && ok(skeleton.RHip):
		cx, cy = (p[skeleton.LHip].X+p[skeleton.RHip].X)/2, (p[skeleton.LHip].Y+p[skeleton.RHip].Y)/2
	case ok(skeleton.LShoulder) && ok(skeleton.RShoulder):
		cx, cy = (p[skeleton.LShoulder].X+p[skeleton.RShoulder].X)/2, (p[skeleton.LShoulder].Y+p[skeleton.RShoulder].Y)/2
	default:
		box, found := keypointBox(p, minScore)
		if !found {
			return prev
		}
		cx, cy = box[0]+box[2]/2, box[1]+box[3]/2
	}
	var torso, body float32
	for k := range p {
		if !ok(k) {
			continue
		}
		r := max(abs(p[k].X-cx), abs(p[k].Y-cy))
		body = max(body, r)
		switch k {
		case skeleton.LShoulder, skeleton.RShoulder, skeleton.LHip, skeleton.RHip:
			torso = max(torso, r)
		}
	}
	half := max(1.9*torso, 1.2*body)
	if half < prev.Size/8 {
		return prev
	}
	return Crop{X: cx - half, Y: cy - half, Size: 2 * half}
}

func abs(x float32) float32 {
	if x < 0 {
		return -x
	}
	return x
}
