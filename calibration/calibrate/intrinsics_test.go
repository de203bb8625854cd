package calibrate

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/athlete3d/athlete3d/calibration"
	"github.com/athlete3d/athlete3d/calibration/board"
	"github.com/athlete3d/athlete3d/internal/testenv"
)

// opencvSamples is where Debian's opencv-doc puts OpenCV's sample data.
const opencvSamples = "/usr/share/doc/opencv-doc/examples/data"

// stereoReference is testdata/opencv-stereo/reference.json: OpenCV 4.6's
// own calibration of its stereo sample (see its README).
type stereoReference struct {
	Left, Right stereoCamera
	Stereo      struct {
		RMS      float64 `json:"rms"`
		Baseline float64 `json:"baseline"`
	}
}

type stereoCamera struct {
	RMS            float64 `json:"rms"`
	FX, FY, CX, CY float64
}

// stereoSamples returns the left and right sources of OpenCV's stereo
// sample (pairs 01 to 14 but 10, paired by index) and OpenCV's reference
// calibration of them; it skips when opencv-doc is not installed.
func stereoSamples(t *testing.T) ([2]Source, *stereoReference) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(opencvSamples, "left01.jpg")); err != nil {
		t.Skipf("OpenCV's stereo sample is missing (install Debian's opencv-doc; make setup does): %v", err)
	}
	var srcs [2]Source
	for s, side := range []string{"left", "right"} {
		var paths []string
		for i := 1; i <= 14; i++ {
			if i != 10 {
				paths = append(paths, filepath.Join(opencvSamples, fmt.Sprintf("%s%02d.jpg", side, i)))
			}
		}
		var err error
		if srcs[s], err = NewSource(side, paths...); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(filepath.Join(testenv.Root(), "testdata", "opencv-stereo", "reference.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ref stereoReference
	if err := json.Unmarshal(data, &ref); err != nil {
		t.Fatal(err)
	}
	return srcs, &ref
}

func mustParse(t testing.TB, spec string) board.Spec {
	t.Helper()
	s, err := board.Parse(spec)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// OpenCV's stereo sample, each camera alone, with OpenCV's default lens
// model: fx and fy within 0.5 % and the principal point within 2 px of
// what cv::calibrateCamera finds on the same images.
func TestIntrinsicsOpenCVStereo(t *testing.T) {
	srcs, ref := stereoSamples(t)
	spec := mustParse(t, "chessboard:9x6:0.025")
	for s, want := range []stereoCamera{ref.Left, ref.Right} {
		t.Run(srcs[s].Name, func(t *testing.T) {
			start := time.Now()
			rep, err := Intrinsics(srcs[s], spec, IntrinsicsOptions{})
			if err != nil {
				t.Fatal(err)
			}
			c := &rep.Camera
			fx, fy, cx, cy := c.K[0][0], c.K[1][1], c.K[0][2], c.K[1][2]
			t.Logf("%d views of %d images in %v: RMS %.3f px (OpenCV %.3f); fx %.2f (%.2f), fy %.2f (%.2f), cx %.2f (%.2f), cy %.2f (%.2f)",
				len(rep.Views), rep.Frames, time.Since(start), rep.RMS, want.RMS, fx, want.FX, fy, want.FY, cx, want.CX, cy, want.CY)
			if c.Name != srcs[s].Name || c.Width != 640 || c.Height != 480 || len(c.Dist) != 5 || c.Fisheye {
				t.Errorf("got camera %q %dx%d with %d coefficients (fisheye %v), want %q 640x480 with k1 k2 p1 p2 k3",
					c.Name, c.Width, c.Height, len(c.Dist), c.Fisheye, srcs[s].Name)
			}
			if rep.Found != 13 || len(rep.Views) != 13 {
				t.Errorf("got the board in %d images and %d views used, want all 13", rep.Found, len(rep.Views))
			}
			for _, v := range []struct {
				name      string
				got, want float64
				tol       float64
			}{
				{"fx", fx, want.FX, 0.005 * want.FX},
				{"fy", fy, want.FY, 0.005 * want.FY},
				{"cx", cx, want.CX, 2},
				{"cy", cy, want.CY, 2},
			} {
				if math.Abs(v.got-v.want) > v.tol {
					t.Errorf("%s: got %.2f, want %.2f ± %.2f", v.name, v.got, v.want, v.tol)
				}
			}
			if rep.RMS > 1.5*want.RMS {
				t.Errorf("got RMS %.3f px, want at most 1.5 × OpenCV's %.3f", rep.RMS, want.RMS)
			}
		})
	}
}

// The Pose2Sim demo's intrinsic photos (4×7 inner corners, 60 mm, 7
// photos per camera): focal lengths within 1 % of the demo's Qualisys
// calibration. Its distortion figures are not OpenCV coefficients, so only
// the focal lengths are held to it; the principal points are logged.
func TestIntrinsicsPose2Sim(t *testing.T) {
	root := testenv.SharedData(t, "pose2sim-s00/S00_Calibration")
	ref, err := calibration.ReadPose2SimFile(filepath.Join(root, "Calib_qualisys.toml"))
	if err != nil {
		t.Fatal(err)
	}
	spec := mustParse(t, "chessboard:4x7:0.06")
	for i, want := range ref {
		t.Run(want.Name, func(t *testing.T) {
			start := time.Now()
			src, err := NewSource(want.Name, filepath.Join(root, "intrinsics", fmt.Sprintf("int_cam%02d_img", i+1)))
			if err != nil {
				t.Fatal(err)
			}
			rep, err := Intrinsics(src, spec, IntrinsicsOptions{})
			if err != nil {
				t.Fatal(err)
			}
			c := &rep.Camera
			dfx, dfy := c.K[0][0]/want.K[0][0]-1, c.K[1][1]/want.K[1][1]-1
			t.Logf("board in %d of %d photos, %v: RMS %.3f px; fx %.1f (Qualisys %.1f, %+.2f %%), fy %.1f (%.1f, %+.2f %%), cx %.1f (%+.1f px), cy %.1f (%+.1f px)",
				rep.Found, rep.Frames, time.Since(start), rep.RMS, c.K[0][0], want.K[0][0], 100*dfx, c.K[1][1], want.K[1][1], 100*dfy,
				c.K[0][2], c.K[0][2]-want.K[0][2], c.K[1][2], c.K[1][2]-want.K[1][2])
			if math.Abs(dfx) > 0.01 || math.Abs(dfy) > 0.01 {
				t.Errorf("got fx %.1f, fy %.1f; want within 1 %% of %.1f, %.1f", c.K[0][0], c.K[1][1], want.K[0][0], want.K[1][1])
			}
		})
	}
}

// Too few views: two images of the stereo sample hold two views, and a
// third identical to one of them adds no orientation.
func TestIntrinsicsTooFewViews(t *testing.T) {
	srcs, _ := stereoSamples(t)
	spec := mustParse(t, "chessboard:9x6:0.025")
	for _, tt := range []struct {
		name   string
		images []string
		msg    string
	}{
		{"two images", srcs[0].Images[:2], "2 usable views"},
		{"one image thrice", []string{srcs[0].Images[0], srcs[0].Images[0], srcs[0].Images[0]}, "intrinsics from 3 views"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Intrinsics(Source{Name: "left", Images: tt.images}, spec, IntrinsicsOptions{})
			if !errors.Is(err, ErrTooFewViews) || !containsAll(err.Error(), `"left"`, tt.msg) {
				t.Fatalf("got %v, want ErrTooFewViews naming the camera and saying %q", err, tt.msg)
			}
			t.Log(err)
		})
	}
}

func TestUsableView(t *testing.T) {
	// 7×7 corners, ids row-major.
	spec := mustParse(t, "charuco:8x8:0.04:0.03:DICT_5X5_100")
	for _, tt := range []struct {
		name string
		ids  []int
		want bool
	}{
		{"six on two rows", []int{0, 1, 2, 7, 8, 9}, true},
		{"five corners", []int{0, 1, 2, 7, 8}, false},
		{"six on one column", []int{0, 7, 14, 21, 28, 35}, false},
		{"six on a diagonal", []int{0, 8, 16, 24, 32, 40}, false},
		{"five on a diagonal and one off it", []int{0, 8, 16, 24, 32, 1}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := board.Detection{Spec: spec, IDs: tt.ids, Pix: make([][2]float64, len(tt.ids))}
			if got := usableView(&d); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func containsAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}
