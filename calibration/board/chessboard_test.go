package board

import (
	"errors"
	"fmt"
	"image"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gocv.io/x/gocv"

	"github.com/athlete3d/athlete3d/internal/testenv"
)

// opencvSamples is where Debian's opencv-doc puts OpenCV's sample data.
const opencvSamples = "/usr/share/doc/opencv-doc/examples/data"

func samplesDir(t testing.TB) string {
	t.Helper()
	if _, err := os.Stat(filepath.Join(opencvSamples, "left01.jpg")); err != nil {
		t.Skipf("OpenCV's sample images are missing (install Debian's opencv-doc): %v", err)
	}
	return opencvSamples
}

func read(t testing.TB, path string) gocv.Mat {
	t.Helper()
	img := gocv.IMRead(path, gocv.IMReadColor)
	if img.Empty() {
		t.Fatalf("cannot read %s", path)
	}
	return img
}

// OpenCV's stereo samples: 9×6 inner corners, 25 mm, pairs 01..14 but 10.
func TestDetectChessboardStereoSamples(t *testing.T) {
	dir := samplesDir(t)
	spec, err := Parse("chessboard:9x6:0.025")
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 14; i++ {
		if i == 10 {
			continue
		}
		t.Run(fmt.Sprintf("pair%02d", i), func(t *testing.T) {
			var det [2]Detection
			for j, side := range []string{"left", "right"} {
				img := read(t, filepath.Join(dir, fmt.Sprintf("%s%02d.jpg", side, i)))
				d, err := Detect(img, spec)
				img.Close()
				if err != nil {
					t.Fatalf("%s: %v", side, err)
				}
				if len(d.IDs) != 54 || len(d.Pix) != 54 || d.Size != image.Pt(640, 480) {
					t.Fatalf("%s: got %d ids, %d pixels in %v, want 54 in (640,480)", side, len(d.IDs), len(d.Pix), d.Size)
				}
				for k, id := range d.IDs {
					if id != k {
						t.Fatalf("%s: id %d at %d, want ascending from 0", side, id, k)
					}
				}
				det[j] = d
			}
			// The cameras stand side by side, so a corner is on nearly
			// the same image row in both; the same corner ids in both
			// images means the order is canonical (a half turn would
			// swap the top and bottom rows, ~200 px apart).
			var dy float64
			for k := range det[0].Pix {
				dy += math.Abs(det[0].Pix[k][1]-det[1].Pix[k][1]) / 54
			}
			if dy > 30 {
				t.Errorf("left and right disagree on the corners' order: mean row difference %.1f px, want < 30", dy)
			}
		})
	}
}

// Pose2Sim's intrinsics photos (4×7 inner corners, 60 mm). OpenCV's
// classic detector alone is the baseline: with the sector-based fallback
// at least as many photos must be found.
func TestDetectChessboardPose2Sim(t *testing.T) {
	root := testenv.SharedData(t, "pose2sim-s00/S00_Calibration/intrinsics")
	spec, err := Parse("chessboard:4x7:0.06")
	if err != nil {
		t.Fatal(err)
	}
	for cam := 1; cam <= 4; cam++ {
		files, err := filepath.Glob(filepath.Join(root, fmt.Sprintf("int_cam%02d_img", cam), "*.jpg"))
		if err != nil || len(files) == 0 {
			t.Fatalf("camera %d: no photos (%v)", cam, err)
		}
		found, classic := 0, 0
		var missed []string
		for _, f := range files {
			img := read(t, f)
			corners := gocv.NewMat()
			if gocv.FindChessboardCorners(img, image.Pt(4, 7), &corners, classicFlags) {
				classic++
			}
			corners.Close()
			d, err := Detect(img, spec)
			img.Close()
			switch {
			case err == nil && len(d.IDs) == 28:
				found++
			case errors.Is(err, ErrNotFound):
				missed = append(missed, filepath.Base(f))
			default:
				t.Errorf("%s: got %d corners, %v; want 28 or ErrNotFound", f, len(d.IDs), err)
			}
		}
		t.Logf("camera %d: board found in %d of %d photos (OpenCV classic alone: %d); missed %v", cam, found, len(files), classic, missed)
		if found < classic || found < len(files)-1 {
			t.Errorf("camera %d: found %d of %d, want at least %d and all but one", cam, found, len(files), max(classic, len(files)-1))
		}
	}
}

// caliscope's 9×6 intrinsics frames: the board is absent from cam_0 frame
// 000; OpenCV's classic detector misses it in cam_0 frames 200 and 300,
// where the sector-based fallback is expected to find it.
func TestDetectChessboardCaliscope(t *testing.T) {
	dir := testenv.SharedData(t, "caliscope/chessboard_intrinsic")
	spec, err := Parse("chessboard:9x6:0.025")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		frame string
		found bool
	}{
		{"cam_0_frame_000", false},
		{"cam_0_frame_100", true},
		{"cam_0_frame_200", true}, // by the fallback
		{"cam_0_frame_300", true}, // by the fallback
		{"cam_0_frame_1070", true},
		{"cam_1_frame_1070", true},
		{"cam_2_frame_1070", true},
		{"cam_3_frame_1070", true},
	} {
		t.Run(tt.frame, func(t *testing.T) {
			img := read(t, filepath.Join(dir, tt.frame+".jpg"))
			defer img.Close()
			d, err := Detect(img, spec)
			if !tt.found {
				if !errors.Is(err, ErrNotFound) {
					t.Fatalf("got %d corners, %v; want ErrNotFound", len(d.IDs), err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(d.IDs) != 54 {
				t.Fatalf("got %d corners, want 54", len(d.IDs))
			}
			// Whichever detector found it, the square beyond corner 0 is
			// black: the inner squares of its colour are the darker ones.
			if dark, light := squareShades(img, d); dark >= light {
				t.Errorf("squares of corner 0's colour: got mean level %.0f, the others %.0f; want darker", dark, light)
			}
		})
	}
}

// squareShades returns the mean gray level at the centres of the inner
// squares of a chessboard detection that have the colour of the square
// beyond corner 0, and that of the others.
func squareShades(img gocv.Mat, d Detection) (same, other float64) {
	gray := gocv.NewMat()
	defer gray.Close()
	gocv.CvtColor(img, &gray, gocv.ColorBGRToGray)
	cols := d.Spec.Cols
	var n [2]int
	var sum [2]float64
	for r := range d.Spec.Rows - 1 {
		for c := range cols - 1 {
			m := mid(d.Pix[r*cols+c], d.Pix[r*cols+c+1], d.Pix[(r+1)*cols+c], d.Pix[(r+1)*cols+c+1])
			sum[(r+c)%2] += float64(gray.GetUCharAt(int(m[1]+0.5), int(m[0]+0.5)))
			n[(r+c)%2]++
		}
	}
	return sum[0] / float64(n[0]), sum[1] / float64(n[1])
}

// A rendered 9×6 board, warped, blurred and noisy: corners within 0.1 px of
// the truth on average, each with its own id, from every side (the board's
// colours fix the order of a 9×6 board, so even upside down).
func TestDetectChessboardSynthetic(t *testing.T) {
	spec, err := Parse("chessboard:9x6:0.025")
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range views {
		t.Run(v.name, func(t *testing.T) {
			sc := scene{spec: spec, px: 48, quad: v.quad, size: image.Pt(640, 480), blur: 0.8, noise: 2, seed: uint64(i)}
			img, truth := sc.make(t)
			defer img.Close()
			d, err := Detect(img, spec)
			if err != nil {
				t.Fatal(err)
			}
			checkCorners(t, d, truth, spec.Len(), 0.1)
		})
	}
}

// checkCorners compares d's corners with the truth by id: at least want
// corners, none farther than 0.5 px, mean error at most tol.
func checkCorners(t *testing.T, d Detection, truth [][2]float64, want int, tol float64) {
	t.Helper()
	if len(d.IDs) < want || len(d.IDs) != len(d.Pix) {
		t.Fatalf("got %d ids and %d pixels, want %d", len(d.IDs), len(d.Pix), want)
	}
	var sum, worst float64
	for i, id := range d.IDs {
		if id < 0 || id >= len(truth) || (i > 0 && id <= d.IDs[i-1]) {
			t.Fatalf("ids %v: want distinct, ascending, below %d", d.IDs, len(truth))
		}
		e := dist(d.Pix[i], truth[id])
		sum += e
		worst = max(worst, e)
	}
	mean := sum / float64(len(d.IDs))
	t.Logf("%d corners: mean error %.3f px, worst %.3f px", len(d.IDs), mean, worst)
	if mean > tol || worst > 0.5 {
		t.Errorf("got mean error %.3f px, worst %.3f px; want at most %.2f and 0.5", mean, worst, tol)
	}
}

func TestDetectErrors(t *testing.T) {
	dir := samplesDir(t)
	left := read(t, filepath.Join(dir, "left01.jpg"))
	defer left.Close()
	blank := gocv.NewMatWithSizeFromScalar(gocv.NewScalar(128, 128, 128, 0), 480, 640, gocv.MatTypeCV8UC3)
	defer blank.Close()
	deep := gocv.NewMatWithSize(480, 640, gocv.MatTypeCV16UC1)
	defer deep.Close()
	empty := gocv.NewMat()
	defer empty.Close()

	chess := Spec{Kind: Chessboard, Cols: 9, Rows: 6, Square: 0.025}
	charuco := Spec{Kind: Charuco, Cols: 4, Rows: 5, Square: 0.05, Marker: 0.04, Dict: Dict4X4_50}
	for _, tt := range []struct {
		name string
		img  gocv.Mat
		spec Spec
		want error
		msg  string
	}{
		{"empty image", empty, chess, ErrImage, "empty"},
		{"16-bit image", deep, chess, ErrImage, "want 8-bit"},
		{"invalid spec", left, Spec{Kind: Chessboard, Cols: 9, Rows: 6}, ErrSpec, "square side 0 m"},
		{"wrong board size", left, Spec{Kind: Chessboard, Cols: 7, Rows: 5, Square: 0.025}, ErrNotFound, "chessboard:7x5:0.025: no board found"},
		{"blank chessboard", blank, chess, ErrNotFound, "no board found"},
		{"blank charuco", blank, charuco, ErrNotFound, "no marker of the board"},
		{"chessboard for charuco", left, charuco, ErrNotFound, "no marker of the board"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Detect(tt.img, tt.spec)
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("got %d corners, error %v; want %v containing %q", len(d.IDs), err, tt.want, tt.msg)
			}
		})
	}
}

func BenchmarkDetectChessboard(b *testing.B) {
	img := read(b, filepath.Join(samplesDir(b), "left01.jpg"))
	defer img.Close()
	spec := Spec{Kind: Chessboard, Cols: 9, Rows: 6, Square: 0.025}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Detect(img, spec); err != nil {
			b.Fatal(err)
		}
	}
}
