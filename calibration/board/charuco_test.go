package board

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"testing"

	"gocv.io/x/gocv"

	"github.com/athlete3d/athlete3d/internal/testenv"
)

// The board's layout (markerCorners) against OpenCV's: render with
// cv::aruco::CharucoBoard::draw, detect the markers, and find each where
// the layout puts it, for even and odd numbers of columns and rows.
func TestLayoutMatchesOpenCV(t *testing.T) {
	const px = 80
	for _, str := range []string{
		"charuco:4x5:0.05:0.04:DICT_4X4_50",
		"charuco:5x7:0.05:0.035:DICT_5X5_100",
		"charuco:7x5:0.04:0.03:DICT_6X6_250",
		"charuco:3x3:0.1:0.07:DICT_ARUCO_ORIGINAL",
	} {
		t.Run(str, func(t *testing.T) {
			s, err := Parse(str)
			if err != nil {
				t.Fatal(err)
			}
			img, err := Render(s, px)
			if err != nil {
				t.Fatal(err)
			}
			defer img.Close()
			found, err := detectMarkers(nil, img, s.Dict)
			if err != nil {
				t.Fatal(err)
			}
			// OpenCV's draw does not find every marker of its own perfect
			// images (markers touching black squares at their corners), so
			// ask for most, each in its place.
			if len(found) < s.Markers()/2 {
				t.Fatalf("found %d markers of %d", len(found), s.Markers())
			}
			for _, m := range found {
				if m.id < 0 || m.id >= s.Markers() {
					t.Fatalf("marker id %d is not on the board", m.id)
				}
				for j, c := range s.markerCorners(m.id) {
					// The render's margin is one square; OpenCV draws the
					// markers to the pixel, and reports the corners of
					// their outer pixels.
					want := [2]float64{(c[0]/s.Square+1)*px - 0.5, (c[1]/s.Square+1)*px - 0.5}
					if d := dist(m.pix[j], want); d > 0.75 {
						t.Errorf("marker %d corner %d: got %v, want %v", m.id, j, m.pix[j], want)
					}
				}
			}
		})
	}
}

// Rendered ChArUco boards, warped, blurred and noisy: every corner found
// within 0.5 px of its true position, 0.1 px on average; a plain and an
// inverted print.
func TestDetectCharucoSynthetic(t *testing.T) {
	for _, str := range []string{
		"charuco:7x5:0.04:0.03:DICT_5X5_100",
		"charuco:4x5:0.054:0.0405:DICT_4X4_1000:inverted",
	} {
		spec, err := Parse(str)
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range views {
			t.Run(str+"/"+v.name, func(t *testing.T) {
				sc := scene{spec: spec, px: 80, quad: v.quad, size: image.Pt(640, 480), blur: 0.8, noise: 2, seed: uint64(i)}
				img, truth := sc.make(t)
				defer img.Close()
				d, err := Detect(img, spec)
				if err != nil {
					t.Fatal(err)
				}
				checkCorners(t, d, truth, spec.Len()*3/4, 0.1)
			})
		}
	}
}

// Half the board hidden (the right half of the image painted gray): the
// corners found are right, and none is reported from the hidden half.
func TestDetectCharucoOccluded(t *testing.T) {
	spec, err := Parse("charuco:7x5:0.04:0.03:DICT_5X5_100")
	if err != nil {
		t.Fatal(err)
	}
	sc := scene{spec: spec, px: 80, quad: views[0].quad, size: image.Pt(640, 480), blur: 0.8, noise: 2, seed: 7}
	img, truth := sc.make(t)
	defer img.Close()
	hidden := image.Rect(320, 0, 640, 480)
	gocv.Rectangle(&img, hidden, color.RGBA{128, 128, 128, 0}, -1)
	d, err := Detect(img, spec)
	if err != nil {
		t.Fatal(err)
	}
	checkCorners(t, d, truth, 8, 0.1)
	for i, id := range d.IDs {
		if p := truth[id]; p[0] > float64(hidden.Min.X) {
			t.Errorf("corner %d found at %v, under the cover (true position %v)", id, d.Pix[i], p)
		}
	}
}

func TestBoardMarkers(t *testing.T) {
	found := []marker{{id: 3}, {id: 12}, {id: 0}, {id: 5}, {id: 3}, {id: -1}, {id: 9}}
	seen := boardMarkers(found, 10)
	for id, m := range seen {
		want := id == 0 || id == 5 || id == 9 // 3 seen twice, 12 off the board
		if (m != nil) != want || (m != nil && m.id != id) {
			t.Errorf("marker %d: got %v, want kept %v", id, m, want)
		}
	}
}

// caliscope's four synchronized videos of a hand-held inverted ChArUco
// board (4×5 squares of 5.4 cm, DICT_4X4_1000 markers of 4.05 cm).
func TestDetectCharucoCaliscope(t *testing.T) {
	dir := testenv.SharedData(t, "caliscope/extrinsic")
	spec, err := Parse("charuco:4x5:0.054:0.0405:DICT_4X4_1000:inverted")
	if err != nil {
		t.Fatal(err)
	}
	for cam := range 4 {
		t.Run(fmt.Sprintf("cam_%d", cam), func(t *testing.T) {
			frames, usable, corners := 0, 0, 0
			var dets []Detection
			var index []int
			err := Frames(fmt.Sprintf("%s/cam_%d.mp4", dir, cam), FrameOptions{}, func(i int, img gocv.Mat) error {
				frames++
				d, err := Detect(img, spec)
				if err != nil {
					return nil
				}
				corners += len(d.IDs)
				if len(d.IDs) >= 6 {
					usable++
					dets, index = append(dets, d), append(index, i)
					// A wrong id would bend the board: the corners must
					// fit one homography (lens distortion over a board
					// this small is well under a pixel).
					if rms := planeRMS(d); rms > 1 {
						t.Errorf("frame %d: corners %v fit a plane to %.2f px RMS, want < 1", i, d.IDs, rms)
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%d frames, %d with ≥ 6 corners, %.1f corners per frame", frames, usable, float64(corners)/float64(frames))
			if frames < 50 || usable < frames*2/3 {
				t.Errorf("got %d of %d frames with ≥ 6 corners, want at least 2/3 of 50 or more", usable, frames)
			}

			// Ten views for calibration: spread wider than the frames
			// they come from.
			picked := SelectViews(dets, 10)
			var chosen []Detection
			var frameNos []int
			for _, i := range picked {
				chosen, frameNos = append(chosen, dets[i]), append(frameNos, index[i])
			}
			t.Logf("views picked: frames %v", frameNos)
			if len(picked) != 10 {
				t.Fatalf("got %d views, want 10", len(picked))
			}
			if sc, sa := spread(t, chosen), spread(t, dets); sc <= sa {
				t.Errorf("views picked: mean pairwise descriptor distance %.3f, want more than the %.3f of all frames", sc, sa)
			}
		})
	}
}

// spread is the mean distance between the descriptors (see SelectViews)
// of pairs of detections.
func spread(t *testing.T, dets []Detection) float64 {
	t.Helper()
	var sum float64
	var n int
	for i := range dets {
		a, ok := describe(&dets[i])
		if !ok {
			t.Fatalf("detection %d: no descriptor", i)
		}
		for j := range i {
			b, _ := describe(&dets[j])
			sum += descDist(a, b)
			n++
		}
	}
	return sum / float64(n)
}

// planeRMS is the RMS residual of the homography fitted to d's corners.
func planeRMS(d Detection) float64 {
	src := make([][2]float64, len(d.IDs))
	for i, id := range d.IDs {
		src[i][0], src[i][1] = d.Spec.corner(id)
	}
	h, ok := fitHomography(src, d.Pix)
	if !ok {
		return 1e9
	}
	var sum float64
	for i := range src {
		p, _ := h.apply(src[i][0], src[i][1])
		e := dist(p, d.Pix[i])
		sum += e * e
	}
	return math.Sqrt(sum / float64(len(src)))
}

func BenchmarkDetectCharuco(b *testing.B) {
	dir := testenv.SharedData(b, "caliscope/extrinsic")
	spec := Spec{Kind: Charuco, Cols: 4, Rows: 5, Square: 0.054, Marker: 0.0405, Dict: Dict4X4_1000, Inverted: true}
	var img gocv.Mat
	err := Frames(dir+"/cam_0.mp4", FrameOptions{Max: 1}, func(_ int, frame gocv.Mat) error {
		img = frame.Clone()
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	defer img.Close()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Detect(img, spec); err != nil {
			b.Fatal(err)
		}
	}
}
