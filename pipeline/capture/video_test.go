package capture

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gocv.io/x/gocv"
)

// vtestPath is OpenCV's sample video (Debian package opencv-doc): 795
// frames of 768x576 at 10 fps, MS-MPEG4 in AVI.
const vtestPath = "/usr/share/doc/opencv-doc/examples/data/vtest.avi"

func vtest(t testing.TB) string {
	t.Helper()
	if _, err := os.Stat(vtestPath); err != nil {
		t.Skipf("OpenCV's sample video is needed (Debian package opencv-doc): %v", err)
	}
	return vtestPath
}

// fingerprint sums a frame's pixels: equal frames, equal sums; a buffer
// overwritten by a later frame shows.
func fingerprint(m gocv.Mat) [3]float64 {
	s := m.Sum()
	return [3]float64{s.Val1, s.Val2, s.Val3}
}

// decodeAll reads path with OpenCV directly: the reference each grabber
// run is checked against.
func decodeAll(t testing.TB, path string) [][3]float64 {
	t.Helper()
	vc, err := gocv.VideoCaptureFileWithAPI(path, gocv.VideoCaptureFFmpeg)
	if err != nil {
		t.Fatal(err)
	}
	defer vc.Close()
	m := gocv.NewMat()
	defer m.Close()
	var sums [][3]float64
	for vc.Read(&m) && !m.Empty() {
		sums = append(sums, fingerprint(m))
	}
	return sums
}

// delivered is what an offline receiver saw.
type delivered struct {
	seq, index int64
	time       time.Duration
	sum        [3]float64
}

// grabAll runs an offline grabber on cfg to the end, keeping up to
// hold-1 frames at a time and checking that a frame held while others
// are read is left untouched.
func grabAll(t *testing.T, cfg SourceConfig, hold int) ([]delivered, *Grabber, error) {
	t.Helper()
	g, err := NewGrabber(1, cfg)
	if err != nil {
		t.Fatal(err)
	}
	out := make(chan *Frame)
	errc := make(chan error, 1)
	go func() {
		errc <- g.Run(context.Background(), out)
		close(out) // the test's own channel: closed once Run is over
	}()
	var got []delivered
	var held []*Frame
	var sums [][3]float64
	for f := range out {
		if f.Camera != 1 {
			t.Fatalf("frame %d: got camera %d, want 1", f.Seq, f.Camera)
		}
		s := fingerprint(f.Img)
		got = append(got, delivered{f.Seq, f.Index, f.Time, s})
		held, sums = append(held, f), append(sums, s)
		if len(held) == hold {
			for i, h := range held {
				if s := fingerprint(h.Img); s != sums[i] {
					t.Fatalf("held frame %d changed while frames after it were read", h.Seq)
				}
				h.Release()
			}
			held, sums = held[:0], sums[:0]
		}
	}
	for _, h := range held {
		h.Release()
	}
	return got, g, <-errc
}

// TestVideoFile: every frame of a real video, once, in order, the right
// image each time, stamped with its presentation time plus the offset;
// the end of the file ends the run with nil.
func TestVideoFile(t *testing.T) {
	path := vtest(t)
	want := decodeAll(t, path)
	if len(want) != 795 {
		t.Fatalf("OpenCV decodes %d frames of %s, want 795", len(want), path)
	}
	const offset = 1500 * time.Millisecond
	got, g, err := grabAll(t, SourceConfig{URL: "file:" + path, Offset: offset, Buffers: 3}, 2)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if len(got) != len(want) {
		t.Fatalf("got %d frames, want %d", len(got), len(want))
	}
	for i, f := range got {
		wantTime := time.Duration(i)*100*time.Millisecond + offset // 10 fps
		if f.seq != int64(i) || f.index != int64(i) || f.time != wantTime || f.sum != want[i] {
			t.Fatalf("frame %d: got seq %d index %d time %v sum %v, want %d %d %v %v",
				i, f.seq, f.index, f.time, f.sum, i, i, wantTime, want[i])
		}
	}
	if s := g.Stats(); s.Frames != 795 || s.Dropped != 0 || s.Corrupt != 0 || s.LastError != "" || s.Up {
		t.Errorf("stats: got %+v, want 795 frames, nothing else", s)
	}
}

// writeVideo writes n frames of w×h, frame i a flat grey of level(i), as
// Motion-JPEG in AVI at fps, and returns its path.
func writeVideo(t testing.TB, dir string, n int, fps float64) string {
	t.Helper()
	path := filepath.Join(dir, "clip.avi")
	vw, err := gocv.VideoWriterFile(path, "MJPG", fps, 64, 48, true)
	if err != nil {
		t.Fatal(err)
	}
	if !vw.IsOpened() {
		t.Fatalf("cannot write %s", path)
	}
	for i := range n {
		m := gocv.NewMatWithSizeFromScalar(gocv.NewScalar(level(i), level(i), level(i), 0), 48, 64, gocv.MatTypeCV8UC3)
		err := vw.Write(m)
		m.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := vw.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func level(i int) float64 { return float64(20 + 5*(i%40)) }

// TestWrittenVideo: a video made here, at 25 fps: frames in order, each
// the grey it was written with, 40 ms apart.
func TestWrittenVideo(t *testing.T) {
	path := writeVideo(t, t.TempDir(), 60, 25)
	got, _, err := grabAll(t, SourceConfig{URL: path}, 1)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if len(got) != 60 {
		t.Fatalf("got %d frames, want 60", len(got))
	}
	for i, f := range got {
		mean := f.sum[0] / (64 * 48)
		if d := mean - level(i); f.index != int64(i) || f.time != time.Duration(i)*40*time.Millisecond || d < -2 || d > 2 {
			t.Fatalf("frame %d: got index %d time %v grey %.1f, want %d %v %.0f", i, f.index, f.time, mean, i, time.Duration(i)*40*time.Millisecond, level(i))
		}
	}
}

// TestDamagedVideo: a truncated copy and a copy with garbage written
// over part of it end cleanly with every frame OpenCV can decode, in
// order, with increasing times; the early end is noted.
func TestDamagedVideo(t *testing.T) {
	data, err := os.ReadFile(vtest(t))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	garbage := append([]byte(nil), data...)
	r := rand.New(rand.NewPCG(1, 2))
	for i := len(garbage) / 3; i < len(garbage)/3+200_000; i++ {
		garbage[i] = byte(r.Uint32())
	}
	for _, tt := range []struct {
		name string
		data []byte
	}{
		{"truncated", data[:len(data)/2]},
		{"garbage", garbage},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, tt.name+".avi")
			if err := os.WriteFile(path, tt.data, 0o644); err != nil {
				t.Fatal(err)
			}
			want := decodeAll(t, path)
			got, g, err := grabAll(t, SourceConfig{URL: path}, 1)
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if len(got) != len(want) || len(got) < 300 {
				t.Fatalf("got %d frames, want the %d OpenCV decodes (at least 300)", len(got), len(want))
			}
			for i, f := range got {
				if f.sum != want[i] || (i > 0 && (f.time <= got[i-1].time || f.index <= got[i-1].index)) {
					t.Fatalf("frame %d: got index %d time %v sum %v after %d %v", i, f.index, f.time, f.sum, got[max(i-1, 0)].index, got[max(i-1, 0)].time)
				}
			}
			if s := g.Stats(); !strings.Contains(s.LastError, "of the 795 its container announces") {
				t.Errorf("last error: got %q, want a note of the early end", s.LastError)
			}
		})
	}
}

// TestOpenErrors: inputs that cannot be read fail with ErrOpen, and the
// message names the path.
func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "notes.mp4")
	if err := os.WriteFile(text, []byte("not a video\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad")
	if err := os.Mkdir(bad, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"a.png", "b.jpg"} {
		if err := os.WriteFile(filepath.Join(bad, name), []byte("not an image"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	missing := filepath.Join(dir, "missing.mp4")
	for _, tt := range []struct {
		name, url, path string
		fps             float64
	}{
		{"missing file", missing, missing, 0},
		{"missing file url", "file:" + missing, missing, 0},
		{"text named mp4", text, text, 0},
		{"directory without images", empty, empty, 25},
		{"directory of undecodable images", bad, bad, 25},
		{"pattern matching nothing", filepath.Join(dir, "img_%04d.png"), filepath.Join(dir, "img_%04d.png"), 25},
		{"pattern in a missing directory", filepath.Join(dir, "nope", "%d.jpg"), filepath.Join(dir, "nope", "%d.jpg"), 25},
	} {
		t.Run(tt.name, func(t *testing.T) {
			g, err := NewGrabber(0, SourceConfig{URL: tt.url, FPS: tt.fps})
			if err != nil {
				t.Fatal(err)
			}
			err = g.Run(context.Background(), make(chan *Frame, 1))
			if !errors.Is(err, ErrOpen) || !strings.Contains(err.Error(), tt.path) {
				t.Errorf("got %v, want ErrOpen naming %s", err, tt.path)
			}
		})
	}
	t.Run("missing file is fs.ErrNotExist", func(t *testing.T) {
		g, _ := NewGrabber(0, SourceConfig{URL: missing})
		if err := g.Run(context.Background(), nil); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("got %v, want os.ErrNotExist", err)
		}
	})
}

// writeImages writes a flat image of grey level(i) for each name, and
// returns the paths.
func writeImages(t testing.TB, dir string, names map[string]int) {
	t.Helper()
	for name, i := range names {
		m := gocv.NewMatWithSizeFromScalar(gocv.NewScalar(level(i), level(i), level(i), 0), 12, 16, gocv.MatTypeCV8UC3)
		ok := gocv.IMWrite(filepath.Join(dir, name), m)
		m.Close()
		if !ok {
			t.Fatalf("cannot write %s", name)
		}
	}
}

// TestImageSequence: a pattern numbers its frames (a gap stays a gap in
// Index and Time); a directory is read in natural order; an image that
// does not decode is counted and skipped.
func TestImageSequence(t *testing.T) {
	dir := t.TempDir()
	writeImages(t, dir, map[string]int{
		"img_0001.png": 0, "img_0002.png": 1, "img_0003.png": 2, "img_0005.png": 4,
		"img_12.png": 99, // not printed by img_%04d.png
	})
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, _, err := grabAll(t, SourceConfig{URL: filepath.Join(dir, "img_%04d.png"), FPS: 10}, 1)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	wantIndex := []int64{0, 1, 2, 4}
	if len(got) != len(wantIndex) {
		t.Fatalf("got %d frames, want %d", len(got), len(wantIndex))
	}
	for i, f := range got {
		w := wantIndex[i]
		mean := f.sum[0] / (16 * 12)
		if f.seq != int64(i) || f.index != w || f.time != time.Duration(w)*100*time.Millisecond || mean != level(int(w)) {
			t.Errorf("frame %d: got seq %d index %d time %v grey %.0f, want %d %d %v %.0f",
				i, f.seq, f.index, f.time, mean, i, w, time.Duration(w)*100*time.Millisecond, level(int(w)))
		}
	}

	t.Run("directory", func(t *testing.T) {
		dir := t.TempDir()
		writeImages(t, dir, map[string]int{"f10.jpg": 2, "f2.png": 1, "f1.png": 0})
		if err := os.WriteFile(filepath.Join(dir, "f5.png"), []byte("not an image"), 0o644); err != nil {
			t.Fatal(err)
		}
		got, g, err := grabAll(t, SourceConfig{URL: dir, FPS: 4}, 1)
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
		// f1, f2, f5 (corrupt), f10.
		wantIndex, wantGrey := []int64{0, 1, 3}, []float64{level(0), level(1), level(2)}
		if len(got) != 3 {
			t.Fatalf("got %d frames, want 3", len(got))
		}
		for i, f := range got {
			mean := f.sum[0] / (16 * 12)
			if d := mean - wantGrey[i]; f.index != wantIndex[i] || f.time != time.Duration(wantIndex[i])*250*time.Millisecond || d < -2 || d > 2 {
				t.Errorf("frame %d: got index %d time %v grey %.1f, want %d %v %.0f",
					i, f.index, f.time, mean, wantIndex[i], time.Duration(wantIndex[i])*250*time.Millisecond, wantGrey[i])
			}
		}
		if s := g.Stats(); s.Corrupt != 1 || s.Frames != 3 {
			t.Errorf("got %d corrupt, %d frames, want 1, 3", s.Corrupt, s.Frames)
		}
	})
}

// TestFilePlayedLive: a file played live is paced at its own rate and
// drops what a slow receiver has no room for.
func TestFilePlayedLive(t *testing.T) {
	path := writeVideo(t, t.TempDir(), 30, 100)

	t.Run("paced", func(t *testing.T) {
		start := time.Now()
		got, _, err := grabAll(t, SourceConfig{URL: path, Live: true}, 1)
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
		// The last frame is due 290 ms in; a generous lower bound only.
		if d := time.Since(start); d < 250*time.Millisecond {
			t.Errorf("30 frames at 100 fps played in %v, want about 290 ms", d)
		}
		for i, f := range got {
			if i > 0 && (f.index <= got[i-1].index || f.time != time.Duration(f.index)*10*time.Millisecond) {
				t.Fatalf("frame %d: got index %d time %v after index %d", i, f.index, f.time, got[i-1].index)
			}
		}
	})

	t.Run("slow receiver", func(t *testing.T) {
		g, err := NewGrabber(0, SourceConfig{URL: path, Live: true})
		if err != nil {
			t.Fatal(err)
		}
		out := make(chan *Frame)
		errc := make(chan error, 1)
		go func() { errc <- g.Run(context.Background(), out) }()
		n := 0
		for {
			select {
			case f := <-out:
				n++
				time.Sleep(35 * time.Millisecond)
				f.Release()
				continue
			case err := <-errc:
				if err != nil {
					t.Fatalf("Run: %v", err)
				}
			}
			break
		}
		if s := g.Stats(); s.Dropped == 0 || s.Frames != int64(n) || s.Frames+s.Dropped != 30 {
			t.Errorf("got %d delivered (%d received), %d dropped; want drops, 30 in all", s.Frames, n, s.Dropped)
		}
	})
}
