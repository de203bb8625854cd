package movenet

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"gocv.io/x/gocv"

	"github.com/athlete3d/athlete3d/internal/modeltest"
	"github.com/athlete3d/athlete3d/internal/testenv"
	"github.com/athlete3d/athlete3d/models/ort"
)

// scene returns a deterministic 1280x720 BGR image (content does not change
// the network's cost).
func scene(t testing.TB) gocv.Mat {
	t.Helper()
	img := gocv.NewMatWithSize(720, 1280, gocv.MatTypeCV8UC3)
	px, err := img.DataPtrUint8()
	if err != nil {
		t.Fatal(err)
	}
	for i := range px {
		px[i] = uint8((i*7 + (i/3840)*13) % 251)
	}
	return img
}

func estimator(t testing.TB, cfg EstimatorConfig) *Estimator {
	t.Helper()
	modeltest.Model(t, "movenet-lightning.onnx")
	e, err := NewEstimator(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

// TestBatchMatchesSingle checks that crops run together give what each
// gives alone: the batch dimension of the converted model is real.
func TestBatchMatchesSingle(t *testing.T) {
	e := estimator(t, EstimatorConfig{Batch: 3})
	img := scene(t)
	defer img.Close()
	crops := []Crop{{X: 100, Y: 50, Size: 400}, {X: -50, Y: 300, Size: 500}, {X: 900, Y: 0, Size: 300}}
	together := make([]Pose, 3)
	if err := e.Estimate(together, img, crops); err != nil {
		t.Fatal(err)
	}
	for i, c := range crops {
		alone := make([]Pose, 1)
		if err := e.Estimate(alone, img, []Crop{c}); err != nil {
			t.Fatal(err)
		}
		for k := range alone[0] {
			a, b := alone[0][k], together[i][k]
			if d := max(abs(a.X-b.X), abs(a.Y-b.Y), abs(a.Score-b.Score)); d > 1e-3 {
				t.Fatalf("crop %d joint %d: batched %+v, alone %+v", i, k, b, a)
			}
		}
	}
}

// TestEstimateEach: crops of two images in one batch give what each image
// gives alone, and the image count must match the crops'.
func TestEstimateEach(t *testing.T) {
	e := estimator(t, EstimatorConfig{Batch: 3})
	img := scene(t)
	defer img.Close()
	flipped := gocv.NewMat()
	defer flipped.Close()
	gocv.Flip(img, &flipped, 1)
	imgs := []gocv.Mat{img, flipped, img}
	crops := []Crop{{X: 100, Y: 50, Size: 400}, {X: 100, Y: 50, Size: 400}, {X: 900, Y: 0, Size: 300}}
	together := make([]Pose, 3)
	if err := e.EstimateEach(together, imgs, crops); err != nil {
		t.Fatal(err)
	}
	for i, c := range crops {
		alone := make([]Pose, 1)
		if err := e.Estimate(alone, imgs[i], []Crop{c}); err != nil {
			t.Fatal(err)
		}
		if alone[0] != together[i] {
			t.Errorf("crop %d: batched %+v, alone %+v", i, together[i][0], alone[0][0])
		}
	}
	if together[0] == together[1] {
		t.Error("the same crop of an image and of its mirror gave the same pose: the images were not each used")
	}
	if err := e.EstimateEach(together, imgs[:2], crops); !errors.Is(err, ErrBatch) {
		t.Errorf("2 images for 3 crops: got %v, want ErrBatch", err)
	}
}

func TestEstimateBadInput(t *testing.T) {
	e := estimator(t, EstimatorConfig{Batch: 2})
	img := scene(t)
	defer img.Close()
	gray := gocv.NewMatWithSize(100, 100, gocv.MatTypeCV8U)
	defer gray.Close()
	empty := gocv.NewMat()
	defer empty.Close()
	dst := make([]Pose, 3)
	c := Crop{X: 0, Y: 0, Size: 100}
	for _, tt := range []struct {
		name  string
		img   gocv.Mat
		crops []Crop
		want  error
	}{
		{"empty image", empty, []Crop{c}, ErrImage},
		{"gray image", gray, []Crop{c}, ErrImage},
		{"too many crops", img, []Crop{c, c, c}, ErrBatch},
		{"zero-size crop", img, []Crop{{X: 1, Y: 1}}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := e.Estimate(dst, tt.img, tt.crops)
			if err == nil {
				t.Fatal("got no error")
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
		})
	}
}

func TestNewEstimatorBadModel(t *testing.T) {
	modeltest.Runtime(t)
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.onnx")
	if err := os.WriteFile(garbage, []byte("this is not a protobuf"), 0o644); err != nil {
		t.Fatal(err)
	}
	real := modeltest.Model(t, "movenet-lightning.onnx")
	raw, err := os.ReadFile(real)
	if err != nil {
		t.Fatal(err)
	}
	truncated := filepath.Join(dir, "truncated.onnx")
	if err := os.WriteFile(truncated, raw[:len(raw)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, model string
		want        error
	}{
		{"missing file", filepath.Join(dir, "absent.onnx"), os.ErrNotExist},
		{"not ONNX", garbage, nil},
		{"truncated", truncated, nil},
		{"another network", modeltest.Model(t, "centernet.onnx"), ort.ErrName},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e, err := NewEstimator(EstimatorConfig{Model: tt.model})
			if err == nil {
				e.Close()
				t.Fatal("got no error")
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			t.Log(err)
		})
	}
}

// TestEstimateAllocs checks the steady state allocates nothing.
func TestEstimateAllocs(t *testing.T) {
	e := estimator(t, EstimatorConfig{Batch: 2})
	img := scene(t)
	defer img.Close()
	dst := make([]Pose, 2)
	crops := []Crop{{X: 10, Y: 10, Size: 300}, {X: 400, Y: 100, Size: 500}}
	if n := testing.AllocsPerRun(5, func() {
		if err := e.Estimate(dst, img, crops); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Fatalf("Estimate allocates %.1f times per call, want 0", n)
	}
}

var sinkPose Pose

// BenchmarkPose compares the whole pose step on one crop (warp into the
// bound tensor, run, decode) with a bare session run on the same model and
// tensors, with one and two intra-op threads, and the batched throughput
// with four crops per run.
func BenchmarkPose(b *testing.B) {
	for _, threads := range []int{1, 2} {
		e := estimator(b, EstimatorConfig{Batch: 4, Threads: threads})
		img := scene(b)
		dst := make([]Pose, 4)
		crops := []Crop{{X: 100, Y: 50, Size: 400}, {X: 500, Y: 0, Size: 700}, {X: -40, Y: 200, Size: 300}, {X: 900, Y: 300, Size: 380}}
		b.Run(fmt.Sprintf("threads=%d/session-run", threads), func(b *testing.B) {
			// The same crop as the pose step, filled once: only the run is timed.
			if err := e.fill(e.in[:e.pixels], img, crops[0]); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if err := e.sess.RunBatch(1); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "crops/s")
		})
		b.Run(fmt.Sprintf("threads=%d/pose-step", threads), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := e.Estimate(dst, img, crops[:1]); err != nil {
					b.Fatal(err)
				}
			}
			sinkPose = dst[0]
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "crops/s")
		})
		b.Run(fmt.Sprintf("threads=%d/pose-step-batch4", threads), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := e.Estimate(dst, img, crops); err != nil {
					b.Fatal(err)
				}
			}
			sinkPose = dst[3]
			b.ReportMetric(float64(4*b.N)/b.Elapsed().Seconds(), "crops/s")
		})
		img.Close()
	}
}

// TestTrackAllocs checks that following people, and the detector runs in
// between, allocate nothing once the tracker has warmed up.
func TestTrackAllocs(t *testing.T) {
	modeltest.Model(t, "movenet-lightning.onnx")
	modeltest.Model(t, "centernet.onnx")
	tr, err := NewTracker(TrackerConfig{DetectEvery: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	photo := gocv.IMRead(testenv.SharedData(t, "coco-val-subset/000000196141.jpg"), gocv.IMReadColor)
	defer photo.Close()
	people, err := tr.Track(photo)
	if err != nil {
		t.Fatal(err)
	}
	if len(people) < 2 {
		t.Fatalf("found %d people in a photo of five, want at least 2", len(people))
	}
	if n := testing.AllocsPerRun(6, func() {
		if _, err := tr.Track(photo); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Fatalf("Track allocates %.1f times per frame, want 0", n)
	}
}
