package calibrate

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeVideos returns detections of videos named names in a new
// directory, with the given lengths and rates (nothing found), and writes
// timestamps there when it is not empty.
func fakeVideos(t *testing.T, names []string, lengths []int, fps []float64, timestamps string) []*Detections {
	t.Helper()
	dir := t.TempDir()
	if timestamps != "" {
		if err := os.WriteFile(filepath.Join(dir, "timestamps.csv"), []byte(timestamps), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	dets := make([]*Detections, len(names))
	for i, n := range names {
		dets[i] = &Detections{Source: Source{Name: baseName(n), Video: filepath.Join(dir, n)}, Length: lengths[i], FPS: fps[i]}
	}
	return dets
}

func TestSynchronize(t *testing.T) {
	// cam_1 dropped sync_index 11; rows out of order within the file.
	const ts = "sync_index,cam_id,frame_time\n10,0,1.0\n10,1,1.01\n11,0,1.2\n12,1,1.4\n12,0,1.41\n"
	for _, tt := range []struct {
		name    string
		names   []string
		lengths []int
		fps     []float64
		ts      string
		want    [][]int // want[c][k]: camera c's frame k on the timeline, -1 for none
		err     error
		msg     string
	}{
		{"frame for frame", []string{"a.mp4", "b.mp4"}, []int{50, 51}, []float64{30, 30}, "",
			[][]int{{0, 1, 49}, {0, 1, 50}}, nil, ""},
		{"lengths differ", []string{"a.mp4", "b.mp4"}, []int{50, 60}, []float64{30, 30}, "",
			nil, ErrUnsynchronized, "a 50, b 60 frames"},
		{"rates differ", []string{"a.mp4", "b.mp4"}, []int{50, 50}, []float64{30, 25}, "",
			nil, ErrUnsynchronized, "a 30, b 25 frames per second"},
		{"by timestamps", []string{"cam_0.mp4", "cam_1.mp4"}, []int{3, 2}, []float64{30, 30}, ts,
			[][]int{{10, 11, 12}, {10, 12, -1}}, nil, ""},
		{"timestamps and video disagree", []string{"cam_0.mp4", "cam_1.mp4"}, []int{3, 3}, []float64{30, 30}, ts,
			nil, ErrUnsynchronized, "timestamps.csv lists 2 for cam_id 1"},
		{"camera not in timestamps", []string{"cam_0.mp4", "cam_7.mp4"}, []int{3, 2}, []float64{30, 30}, ts,
			nil, ErrInput, "no frame of cam_id 7"},
		{"video name without id", []string{"cam_0.mp4", "left.mp4"}, []int{3, 2}, []float64{30, 30}, ts,
			nil, ErrInput, "left.mp4's name ends in no number"},
		{"not caliscope's timestamps", []string{"cam_0.mp4", "cam_1.mp4"}, []int{3, 2}, []float64{30, 30}, "time,frame\n1,2\n",
			nil, ErrInput, "lacks sync_index and cam_id"},
		{"frame listed twice", []string{"cam_0.mp4", "cam_1.mp4"}, []int{3, 2}, []float64{30, 30}, ts + "12,1,1.5\n",
			nil, ErrInput, "cam_id 1 has two frames at sync_index 12"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dets := fakeVideos(t, tt.names, tt.lengths, tt.fps, tt.ts)
			tl, err := synchronize(dets)
			if tt.err != nil {
				if !errors.Is(err, tt.err) || !strings.Contains(err.Error(), tt.msg) {
					t.Fatalf("got %v, want %v saying %q", err, tt.err, tt.msg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for c, frames := range tt.want {
				ks := []int{0, 1, 2}
				if tt.ts == "" {
					ks = []int{0, 1, tt.lengths[c] - 1}
				}
				for i, want := range frames {
					got, ok := tl.sync(c, ks[i])
					if !ok {
						got = -1
					}
					if got != want {
						t.Errorf("camera %d frame %d: got synchronized frame %d, want %d", c, ks[i], got, want)
					}
				}
			}
		})
	}
}

// Images must have the same count exactly: there is no slack for a
// camera started late.
func TestSynchronizeImages(t *testing.T) {
	dets := []*Detections{
		{Source: Source{Name: "left", Images: make([]string, 13)}, Length: 13},
		{Source: Source{Name: "right", Images: make([]string, 12)}, Length: 12},
	}
	if _, err := synchronize(dets); !errors.Is(err, ErrUnsynchronized) || !strings.Contains(err.Error(), "left 13, right 12") {
		t.Fatalf("got %v, want ErrUnsynchronized listing the counts", err)
	}
}
