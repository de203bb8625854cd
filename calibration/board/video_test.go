package board

import (
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gocv.io/x/gocv"
)

// writeVideo writes n 64×48 frames, frame i uniformly gray at level 20·i,
// as Motion-JPEG (OpenCV's built-in AVI encoder, no codec library needed).
func writeVideo(t *testing.T, n int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "levels.avi")
	vw, err := gocv.VideoWriterFile(path, "MJPG", 25, 64, 48, true)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		level := float64(20 * i)
		img := gocv.NewMatWithSizeFromScalar(gocv.NewScalar(level, level, level, 0), 48, 64, gocv.MatTypeCV8UC3)
		err := vw.Write(img)
		img.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := vw.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestFrames(t *testing.T) {
	path := writeVideo(t, 10)
	for _, tt := range []struct {
		name string
		opt  FrameOptions
		want []int
	}{
		{"all", FrameOptions{}, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}},
		{"every third", FrameOptions{Step: 3}, []int{0, 3, 6, 9}},
		{"first four of every other", FrameOptions{Step: 2, Max: 4}, []int{0, 2, 4, 6}},
		{"max beyond the end", FrameOptions{Max: 20}, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var got []int
			err := Frames(path, tt.opt, func(i int, img gocv.Mat) error {
				got = append(got, i)
				// The frame's content must be frame i's (JPEG moves a
				// uniform level by a unit or two).
				if v := img.Mean().Val1; math.Abs(v-float64(20*i)) > 3 {
					t.Errorf("frame %d: got mean level %.1f, want %d", i, v, 20*i)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if !equalInts(got, tt.want) {
				t.Fatalf("got frames %v, want %v", got, tt.want)
			}
		})
	}
}

func TestFramesErrors(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.mp4")
	b := make([]byte, 64<<10)
	for i := range b {
		b[i] = byte(i*7919 + i>>8)
	}
	if err := os.WriteFile(garbage, b, 0o644); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty.avi")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	stop := errors.New("enough")
	for _, tt := range []struct {
		name string
		path string
		opt  FrameOptions
		fn   func(int, gocv.Mat) error
		want []error
		msg  string
	}{
		{"missing file", filepath.Join(dir, "none.mp4"), FrameOptions{}, nil, []error{ErrVideo, fs.ErrNotExist}, "none.mp4"},
		{"garbage bytes", garbage, FrameOptions{}, nil, []error{ErrVideo}, "garbage.mp4"},
		{"empty file", empty, FrameOptions{}, nil, []error{ErrVideo}, "empty.avi"},
		{"directory", dir, FrameOptions{}, nil, []error{ErrVideo}, dir},
		{"negative step", garbage, FrameOptions{Step: -1}, nil, nil, "must not be negative"},
		{"callback error", writeVideo(t, 5), FrameOptions{}, func(i int, _ gocv.Mat) error {
			if i == 2 {
				return stop
			}
			return nil
		}, []error{stop}, "frame 2: enough"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fn := tt.fn
			if fn == nil {
				fn = func(int, gocv.Mat) error { return nil }
			}
			err := Frames(tt.path, tt.opt, fn)
			if err == nil || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("got %v, want an error containing %q", err, tt.msg)
			}
			for _, w := range tt.want {
				if !errors.Is(err, w) {
					t.Errorf("got %v, want it to wrap %v", err, w)
				}
			}
		})
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
