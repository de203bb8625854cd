package movenet_test

import (
	"path/filepath"
	"testing"

	"gocv.io/x/gocv"

	"github.com/athlete3d/athlete3d/internal/modeltest"
	"github.com/athlete3d/athlete3d/internal/testenv"
	"github.com/athlete3d/athlete3d/models/movenet"
)

// TestSharedModels advances two cameras' TrackStates, frame by frame in
// turn, with one shared Estimator and Detector, and checks that each gives
// what a Tracker of its own gives on the same frames: the models keep no
// state of a sequence between calls, so sharing them changes nothing.
func TestSharedModels(t *testing.T) {
	videos := testenv.SharedData(t, "pose2sim-s00/S00_P00_SingleParticipant/S00_P00_T01_BalancingTrial/videos")
	modeltest.Model(t, "centernet.onnx")
	est := newEstimator(t, movenet.EstimatorConfig{})
	det, err := movenet.NewDetector(movenet.DetectorConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer det.Close()

	// DetectEvery 3 makes the detector's turns and the followed crops
	// alternate within a few frames.
	cfg := movenet.TrackerConfig{DetectEvery: 3}
	const frames = 6
	names := []string{"cam01.mp4", "cam02.mp4"}
	imgs := make([][]gocv.Mat, len(names))
	for c, name := range names {
		imgs[c] = readFrames(t, filepath.Join(videos, name), frames)
	}

	want := make([][][]movenet.Person, len(names))
	for c := range names {
		tr, err := movenet.NewTracker(cfg)
		if err != nil {
			t.Fatal(err)
		}
		for _, img := range imgs[c] {
			people, err := tr.Track(img)
			if err != nil {
				t.Fatal(err)
			}
			want[c] = append(want[c], append([]movenet.Person(nil), people...))
		}
		tr.Close()
	}

	states := make([]*movenet.TrackState, len(names))
	for c := range states {
		if states[c], err = movenet.NewTrackState(cfg); err != nil {
			t.Fatal(err)
		}
	}
	found := 0
	for f := range frames {
		for c, s := range states {
			got, err := s.Track(imgs[c][f], est, det)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want[c][f]) {
				t.Fatalf("camera %d frame %d: got %d people, want %d", c, f, len(got), len(want[c][f]))
			}
			for i := range got {
				g, w := got[i], want[c][f][i]
				if g.ID != w.ID {
					t.Fatalf("camera %d frame %d person %d: got ID %d, want %d", c, f, i, g.ID, w.ID)
				}
				for k := range g.Pose {
					if d := max(abs(g.Pose[k].X-w.Pose[k].X), abs(g.Pose[k].Y-w.Pose[k].Y), abs(g.Pose[k].Score-w.Pose[k].Score)); d > 1e-3 {
						t.Fatalf("camera %d frame %d person %d joint %d: got %+v, want %+v", c, f, i, k, g.Pose[k], w.Pose[k])
					}
				}
			}
			found += len(got)
		}
	}
	if found < len(names)*frames {
		t.Fatalf("got %d people in %d frames, want at least one a frame", found, len(names)*frames)
	}
}

func TestNewTrackStateBadConfig(t *testing.T) {
	for _, tt := range []struct {
		name string
		cfg  movenet.TrackerConfig
	}{
		{"negative batch", movenet.TrackerConfig{Estimator: movenet.EstimatorConfig{Batch: -1}}},
		{"negative max people", movenet.TrackerConfig{MaxPeople: -2}},
		{"negative detect every", movenet.TrackerConfig{DetectEvery: -1}},
		{"negative min score", movenet.TrackerConfig{MinScore: -0.1}},
		{"negative crop scale", movenet.TrackerConfig{CropScale: -1}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := movenet.NewTrackState(tt.cfg); err == nil {
				t.Fatal("got no error")
			}
		})
	}
	for _, tt := range []struct {
		name string
		cfg  movenet.TrackerConfig
		want int
	}{
		{"default", movenet.TrackerConfig{}, movenet.DefaultBatch},
		{"batch", movenet.TrackerConfig{Estimator: movenet.EstimatorConfig{Batch: 2}}, 2},
		{"capped by batch", movenet.TrackerConfig{MaxPeople: 9, Estimator: movenet.EstimatorConfig{Batch: 3}}, 3},
		{"fewer than batch", movenet.TrackerConfig{MaxPeople: 1}, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, err := movenet.NewTrackState(tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if got := s.MaxPeople(); got != tt.want {
				t.Fatalf("got max people %d, want %d", got, tt.want)
			}
		})
	}
}

// readFrames decodes the first n frames of a video.
func readFrames(t *testing.T, path string, n int) []gocv.Mat {
	t.Helper()
	vc, err := gocv.VideoCaptureFileWithAPI(path, gocv.VideoCaptureFFmpeg)
	if err != nil {
		t.Fatal(err)
	}
	defer vc.Close()
	out := make([]gocv.Mat, 0, n)
	t.Cleanup(func() {
		for _, m := range out {
			m.Close()
		}
	})
	for range n {
		m := gocv.NewMat()
		if !vc.Read(&m) || m.Empty() {
			m.Close()
			t.Fatalf("%s: %d frames, want %d", path, len(out), n)
		}
		out = append(out, m)
	}
	return out
}

func abs(x float32) float32 {
	if x < 0 {
		return -x
	}
	return x
}
