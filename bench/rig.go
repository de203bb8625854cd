package bench

import (
	"fmt"
	"math"

	"github.com/athlete3d/athlete3d/calibration"
	"gonum.org/v1/gonum/spatial/r3"
)

// Rig constants; see NewRig.
const (
	rigWidth, rigHeight = 1920, 1080
	// athleteHeight is the standing height the focal lengths are chosen
	// for (m).
	athleteHeight = 1.8
	// maxCameras bounds a rig.
	maxCameras = 32
	// wideBelow is the rig size below which every camera frames the whole
	// section.
	wideBelow = 6
)

// Section is the straight piece of track a rig films: x from X0 to X1 (the
// running direction), lanes from Y0 to Y1 (m).
type Section struct {
	X0, X1, Y0, Y1 float64
}

var (
	rigHeights = [...]float64{1.5, 5, 3, 8}                           // camera heights, m
	rigPixels  = [...]float64{700, 450, 600, 350, 800, 500, 300, 650} // athlete height at the aim point, px
	rigRanges  = [...]float64{8, 15, 22}                              // distance from the nearest lane, m
)

// NewRig places n broadcast-like 1920x1080 pinhole cameras (no
// distortion) around a straight section, with calibration.LookAt. Camera
// i, counting pairs j = i/2 of m = ⌈n/2⌉:
//
//   - side: the main stand (y below the lanes) for even i, the infield
//     for odd i;
//   - along the track: x = X0 − L/4 + (j + ½)/m · 1.5 L, L the section's
//     length, so the outer pairs stand beyond the ends and look along the
//     track obliquely;
//   - range: 8, 15 or 22 m from the nearest lane (j mod 3); height 1.5,
//     5, 3 or 8 m ((i + j) mod 4);
//   - aim: the lanes' middle line, 1 m above the track, at the camera's x
//     clamped to the inner 60 % of the section;
//   - focal length: such that a 1.8 m athlete at the aim point is 700,
//     450, 600, 350, 800, 500, 300 or 650 px tall (i mod 8).
//
// Tight cameras see the athlete for part of the section only, as fixed
// cameras would; a point is seen when it projects inside the image. A rig
// of fewer than wideBelow (6) cameras would leave parts of the section to
// one camera, so there every focal length is capped to frame the whole
// section: both ends of the lanes' middle line, 1 m up, inside 95 % of the
// image width.
func NewRig(n int, s Section) ([]calibration.Camera, error) {
	if n < 2 || n > maxCameras {
		return nil, fmt.Errorf("rig of %d cameras, want 2 to %d: %w", n, maxCameras, ErrConfig)
	}
	if !(s.X1 > s.X0) || !(s.Y1 >= s.Y0) {
		return nil, fmt.Errorf("rig section %+v is empty: %w", s, ErrConfig)
	}
	l := s.X1 - s.X0
	yc := (s.Y0 + s.Y1) / 2
	m := (n + 1) / 2
	cams := make([]calibration.Camera, n)
	for i := range cams {
		j := i / 2
		x := s.X0 - l/4 + (float64(j)+0.5)/float64(m)*1.5*l
		eye := r3.Vec{X: x, Z: rigHeights[(i+j)%len(rigHeights)]}
		d := rigRanges[j%len(rigRanges)]
		if i%2 == 0 {
			eye.Y = s.Y0 - d
		} else {
			eye.Y = s.Y1 + d
		}
		target := r3.Vec{X: min(max(x, s.X0+0.2*l), s.X1-0.2*l), Y: yc, Z: 1}
		fx := rigPixels[i%len(rigPixels)] * r3.Norm(r3.Sub(target, eye)) / athleteHeight
		name := fmt.Sprintf("cam%02d", i+1)
		if n < wideBelow {
			// Normalised image x of the section's ends with a unit focal
			// length.
			unit := calibration.LookAt(name, eye, target, rigWidth, rigHeight, 1)
			for _, x := range []float64{s.X0, s.X1} {
				p := unit.ToCamera(r3.Vec{X: x, Y: yc, Z: 1})
				if p.Z > 0 {
					fx = math.Min(fx, 0.95*rigWidth/2/math.Abs(p.X/p.Z))
				}
			}
		}
		cams[i] = calibration.LookAt(name, eye, target, rigWidth, rigHeight, fx)
	}
	return cams, nil
}
