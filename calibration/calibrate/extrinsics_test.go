package calibrate

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"testing"

	"gocv.io/x/gocv"
	"gonum.org/v1/gonum/spatial/r3"

	"github.com/athlete3d/athlete3d/calibration"
	"github.com/athlete3d/athlete3d/calibration/board"
)

// synthRig is a synthetic rig recording a moving board: undistorted
// cameras, and the board's board→world pose at any instant.
type synthRig struct {
	spec   board.Spec
	cams   []calibration.Camera
	frames int
	// swing, when set, replaces the board's path by a gentler one: the
	// board swings back and forth about the origin, turning ±swing
	// radians and moving ±swing/3 m, once every frames.
	swing float64
	// lag[c] delays camera c: its frame f shows the board at instant
	// f − lag[c] (nil: all synchronized).
	lag []float64
}

type synthPose struct {
	R [3][3]float64
	T r3.Vec
}

// newSynthRig returns three 640×480 cameras 1.6 to 2 m from the origin,
// looking at it from the front (−y) and both sides, and a 9×6 chessboard
// of 6 cm squares standing at the origin facing them, turned and moved
// along a closed path over n frames.
func newSynthRig(n int) *synthRig {
	r := &synthRig{spec: board.Spec{Kind: board.Chessboard, Cols: 9, Rows: 6, Square: 0.06}, frames: n}
	target := r3.Vec{Z: 0.1}
	for i, eye := range []r3.Vec{{X: 0.1, Y: -1.8, Z: 0.6}, {X: 1.2, Y: -1.3, Z: 0.9}, {X: -1.1, Y: -1.4, Z: 0.3}} {
		r.cams = append(r.cams, calibration.LookAt(fmt.Sprintf("cam_%d", i), eye, target, 640, 480, 700+40*float64(i)))
	}
	return r
}

// board returns the board's pose at instant t (frames).
func (r *synthRig) board(t float64) synthPose {
	// Standing board: its x along world x, its y down (−z), its z (into
	// the board) along +y, away from the cameras.
	stand := [3][3]float64{{1, 0, 0}, {0, 0, 1}, {0, -1, 0}}
	a := 2 * math.Pi * t / float64(r.frames)
	tilt := calibration.Rodrigues(r3.Vec{X: 0.5 * math.Cos(a), Y: 0.2 * math.Sin(2*a), Z: 0.5 * math.Sin(a)})
	if r.swing != 0 {
		tilt = calibration.Rodrigues(r3.Vec{X: 0.3, Z: r.swing * math.Sin(a)})
	}
	R := calibration.MatMul(tilt, stand)
	// Centre the board's corners on a point moving about the origin.
	centre := r3.Vec{X: 0.3 * math.Sin(3*a), Y: 0.15 * math.Cos(a), Z: 0.1 + 0.2*math.Cos(2*a)}
	if r.swing != 0 {
		centre = r3.Vec{X: r.swing / 3 * math.Sin(a), Z: 0.1 + r.swing/3*math.Cos(a)}
	}
	half := r3.Vec{X: 4 * r.spec.Square, Y: 2.5 * r.spec.Square}
	return synthPose{R: R, T: r3.Sub(centre, calibration.MatVec(R, half))}
}

// render draws camera c's view of frame f: the board's render warped by
// the plane-to-image homography, 4×4 supersampled, on a grey background.
func (r *synthRig) render(t testing.TB, c, f int) gocv.Mat {
	t.Helper()
	const px, ss = 40, 4 // render pixels per square, supersampling
	src, err := board.Render(r.spec, px)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	t0 := float64(f)
	if r.lag != nil {
		t0 -= r.lag[c]
	}
	cam, b := &r.cams[c], r.board(t0)
	// Board (x, y, 0) → camera: Xc = Rc·(Rb·P + Tb) + Tc.
	rc := calibration.MatMul(cam.R, b.R)
	tc := r3.Add(calibration.MatVec(cam.R, b.T), cam.T)
	h := calibration.MatMul(cam.K, [3][3]float64{{rc[0][0], rc[0][1], tc.X}, {rc[1][0], rc[1][1], tc.Y}, {rc[2][0], rc[2][1], tc.Z}}) // K·[r1 r2 t]
	// Render pixel (u, v) is board point ((u+0.5)/px − 2, (v+0.5)/px − 2)·Square
	// (a chessboard's corner 0 is two squares in from the render's edge).
	s := r.spec.Square / px
	o := (0.5/px - 2) * r.spec.Square
	m := calibration.MatMul(h, [3][3]float64{{s, 0, o}, {0, s, o}, {0, 0, 1}})
	m = calibration.MatMul([3][3]float64{{ss, 0, (ss - 1) / 2.}, {0, ss, (ss - 1) / 2.}, {0, 0, 1}}, m)
	mm := gocv.NewMatWithSize(3, 3, gocv.MatTypeCV64F)
	defer mm.Close()
	for i := range 3 {
		for j := range 3 {
			mm.SetDoubleAt(i, j, m[i][j])
		}
	}
	big := gocv.NewMat()
	defer big.Close()
	size := image.Pt(cam.Width, cam.Height)
	gocv.WarpPerspectiveWithParams(src, &big, mm, size.Mul(ss), gocv.InterpolationLinear, gocv.BorderConstant, color.RGBA{128, 128, 128, 0})
	img := gocv.NewMat()
	gocv.Resize(big, &img, size, 0, 0, gocv.InterpolationArea)
	return img
}

// write renders every camera's views into dir/cam_N/frame_FF.png and
// returns the sources.
func (r *synthRig) write(t testing.TB, dir string) []Source {
	t.Helper()
	var srcs []Source
	for c := range r.cams {
		d := filepath.Join(dir, r.cams[c].Name)
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		for f := range r.frames {
			img := r.render(t, c, f)
			ok := gocv.IMWrite(filepath.Join(d, fmt.Sprintf("frame_%02d.png", f)), img)
			img.Close()
			if !ok {
				t.Fatalf("cannot write camera %d frame %d", c, f)
			}
		}
		src, err := NewSource("", d)
		if err != nil {
			t.Fatal(err)
		}
		srcs = append(srcs, src)
	}
	return srcs
}

// poseError returns the rotation angle (degrees) between two cameras'
// orientations and the distance between their centres (m).
func poseError(a, b *calibration.Camera) (deg, m float64) {
	rel := calibration.MatMul(a.R, calibration.Transpose(b.R))
	return r3.Norm(calibration.RotationVector(rel)) * 180 / math.Pi, r3.Norm(r3.Sub(a.Center(), b.Center()))
}

// inFrameOf returns cams re-expressed in the world whose coordinates are
// X' = R·(X − origin).
func inFrameOf(cams []calibration.Camera, R [3][3]float64, origin r3.Vec) []calibration.Camera {
	out := make([]calibration.Camera, len(cams))
	for i, c := range cams {
		// Xc = Rc·X + Tc with X = Rᵀ·X' + origin.
		c.T = r3.Add(calibration.MatVec(c.R, origin), c.T)
		c.R = calibration.MatMul(c.R, calibration.Transpose(R))
		out[i] = c
	}
	return out
}

// The synthetic rig end to end: rendered views of a board in three
// cameras, calibrated from the images alone (intrinsics too) or with the
// intrinsics given, in each world; the recovered poses must match the
// truth. Rendering is exact but for the resampling, so the corners are
// good to a few hundredths of a pixel.
func TestExtrinsicsSynthetic(t *testing.T) {
	rig := newSynthRig(12)
	srcs := rig.write(t, t.TempDir())
	spec := rig.spec
	dets := make([]*Detections, len(srcs))
	for i := range srcs {
		var err error
		if dets[i], err = Detect(srcs[i], spec, DetectOptions{}); err != nil {
			t.Fatal(err)
		}
		if len(dets[i].Found) < 8 {
			t.Fatalf("camera %d: board found in %d of %d frames, want 8 or more", i, len(dets[i].Found), dets[i].Frames)
		}
	}
	// Truth in each world: the reference camera's frame, and the board's at
	// frame 3 (corner 0 the origin, z towards the cameras: the board's −z).
	ref := rig.cams[1]
	camWorld := inFrameOf(rig.cams, ref.R, ref.Center())
	b := rig.board(3)
	flip := [3][3]float64{{1, 0, 0}, {0, -1, 0}, {0, 0, -1}}
	boardWorld := inFrameOf(rig.cams, calibration.MatMul(flip, calibration.Transpose(b.R)), b.T)

	for _, tt := range []struct {
		name  string
		opt   ExtrinsicsOptions
		truth []calibration.Camera
		deg   float64
		m     float64
	}{
		{"given intrinsics, camera world", ExtrinsicsOptions{Intrinsics: rig.cams, Reference: 1}, camWorld, 0.05, 0.002},
		{"given intrinsics, board world", ExtrinsicsOptions{Intrinsics: rig.cams, Reference: 1, World: World{Kind: WorldBoard, Frame: 3}}, boardWorld, 0.05, 0.002},
		{"own intrinsics", ExtrinsicsOptions{Reference: 1}, camWorld, 0.1, 0.005},
		// Refined intrinsics trade a principal point shift for a turn of
		// the camera (1 px is 0.08° here), which 12 frames of one board
		// pin only to about a pixel.
		{"own intrinsics, refined", ExtrinsicsOptions{Reference: 1, RefineIntrinsics: true}, camWorld, 0.25, 0.005},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := ExtrinsicsFrom(dets, tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("RMS %.3f px (initial %.3f) over %d frames; world %s", rep.RMS, rep.InitialRMS, rep.Frames, rep.Meta.World)
			if rep.RMS > 0.1 {
				t.Errorf("got bundle RMS %.3f px, want ≤ 0.1 for rendered views", rep.RMS)
			}
			for c := range rep.Cameras {
				deg, m := poseError(&rep.Cameras[c], &tt.truth[c])
				t.Logf("%s: rotation off %.4f°, centre off %.2f mm", rep.Cameras[c].Name, deg, m*1000)
				if deg > tt.deg || m > tt.m {
					t.Errorf("%s: got rotation off %.4f° and centre off %.2f mm, want ≤ %g° and %g mm", rep.Cameras[c].Name, deg, m*1000, tt.deg, tt.m*1000)
				}
			}
			geo, pairs, err := BoardGeometryError(rep.Cameras, dets)
			if err != nil {
				t.Fatal(err)
			}
			chk, err := CheckBoard(rep.Cameras, dets)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("board geometry RMS %.3f mm over %d pairs; board check RMS %.3f px over %d corners", geo*1000, pairs, chk.RMS, chk.Points)
			if geo > 0.0005 || chk.RMS > 0.1 {
				t.Errorf("got geometry RMS %.3f mm and check RMS %.3f px, want ≤ 0.5 mm and 0.1 px", geo*1000, chk.RMS)
			}
		})
	}

	// A camera moved by 2 cm after calibration (about 8 px in its image)
	// shows in the check. The board's fit spreads the error over the
	// cameras: the check says the calibration is off, not which camera.
	moved := append([]calibration.Camera(nil), rig.cams...)
	moved[2].T.X += 0.02
	chk, err := CheckBoard(moved, dets)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("camera 2 moved 2 cm: check RMS %.2f px (%.2f, %.2f, %.2f)", chk.RMS, chk.Cameras[0].RMS, chk.Cameras[1].RMS, chk.Cameras[2].RMS)
	for _, c := range chk.Cameras {
		if c.RMS < 1 {
			t.Errorf("camera 2 moved 2 cm: got camera %s's check RMS %.2f px, want ≥ 1", c.Name, c.RMS)
		}
	}

	// The world's default board frame is the one most cameras see,
	// earliest of ties.
	rep, err := ExtrinsicsFrom(dets, ExtrinsicsOptions{Intrinsics: rig.cams, World: World{Kind: WorldBoard, Frame: -1}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.WorldFrame != 0 {
		t.Errorf("got world frame %d, want 0 (every frame is seen by all three cameras)", rep.WorldFrame)
	}
	if _, err := ExtrinsicsFrom(dets, ExtrinsicsOptions{Intrinsics: rig.cams, World: World{Kind: WorldBoard, Frame: 99}}); !errors.Is(err, ErrInput) {
		t.Errorf("world board:99: got %v, want ErrInput", err)
	}
}
