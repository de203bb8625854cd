package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gocv.io/x/gocv"

	"github.com/athlete3d/athlete3d/internal/pose2simtest"
	"github.com/athlete3d/athlete3d/pipeline"
)

// genlock ticks for a rig of test cameras, so that they all send their
// frames at the same instants, as broadcast cameras locked to one
// reference do.
type genlock struct {
	mu   sync.Mutex
	n    int64         // ticks so far
	next chan struct{} // closed at the next tick
	stop chan struct{}
}

func startGenlock(fps float64) *genlock {
	g := &genlock{next: make(chan struct{}), stop: make(chan struct{})}
	tick := time.NewTicker(time.Duration(float64(time.Second) / fps))
	go func() {
		defer tick.Stop()
		for {
			select {
			case <-tick.C:
			case <-g.stop:
				return
			}
			g.mu.Lock()
			g.n++
			close(g.next)
			g.next = make(chan struct{})
			g.mu.Unlock()
		}
	}()
	return g
}

// Stop ends the ticks.
func (g *genlock) Stop() { close(g.stop) }

// wait returns the tick count at the next tick, or false when ctx ends.
func (g *genlock) wait(ctx context.Context) (int64, bool) {
	g.mu.Lock()
	next := g.next
	g.mu.Unlock()
	select {
	case <-next:
		g.mu.Lock()
		defer g.mu.Unlock()
		return g.n, true
	case <-ctx.Done():
		return 0, false
	}
}

// mjpegCamera serves a video's frames, looping, as an MJPEG stream over
// HTTP at the genlock's ticks: a network camera a test can unplug. While
// down, the stream in progress ends and new requests get 503.
type mjpegCamera struct {
	jpegs [][]byte // each a whole part: boundary, headers, image, CRLF
	clock *genlock
	down  atomic.Bool
}

// newMJPEGCamera reads the first frames of video as the camera's loop.
func newMJPEGCamera(video string, frames int, clock *genlock) (*mjpegCamera, error) {
	vc, err := gocv.VideoCaptureFile(video)
	if err != nil {
		return nil, err
	}
	defer vc.Close()
	img := gocv.NewMat()
	defer img.Close()
	c := &mjpegCamera{clock: clock}
	for len(c.jpegs) < frames && vc.Read(&img) && !img.Empty() {
		buf, err := gocv.IMEncode(gocv.JPEGFileExt, img)
		if err != nil {
			return nil, err
		}
		jpg := buf.GetBytes()
		part := fmt.Appendf(nil, "--frame\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n", len(jpg))
		part = append(append(part, jpg...), "\r\n"...)
		c.jpegs = append(c.jpegs, part)
		buf.Close()
	}
	if len(c.jpegs) == 0 {
		return nil, fmt.Errorf("no frame read from %s", video)
	}
	return c, nil
}

func (c *mjpegCamera) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if c.down.Load() {
		http.Error(w, "camera unplugged", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "multipart/x-mixed-replace; boundary=frame")
	for {
		n, ok := c.clock.wait(r.Context())
		if !ok || c.down.Load() {
			return
		}
		if _, err := w.Write(c.jpegs[n%int64(len(c.jpegs))]); err != nil {
			return
		}
		w.(http.Flusher).Flush()
	}
}

// cameraRig serves the Pose2Sim trial's four videos as genlocked MJPEG
// cameras on loopback.
type cameraRig struct {
	once    sync.Once
	clock   *genlock
	cams    []*mjpegCamera
	servers []*http.Server
	URLs    []string
}

func startCameraRig(trial string, fps float64) (*cameraRig, error) {
	r := &cameraRig{clock: startGenlock(fps)}
	for i := 1; i <= 4; i++ {
		c, err := newMJPEGCamera(filepath.Join(trial, "videos", fmt.Sprintf("cam%02d.mp4", i)), 30, r.clock)
		if err != nil {
			r.Close()
			return nil, err
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			r.Close()
			return nil, err
		}
		srv := &http.Server{Handler: c, ReadHeaderTimeout: time.Second}
		go srv.Serve(ln)
		r.cams, r.servers = append(r.cams, c), append(r.servers, srv)
		r.URLs = append(r.URLs, "http://"+ln.Addr().String()+"/stream.mjpg")
	}
	return r, nil
}

// Close stops the servers and the clock.
func (r *cameraRig) Close() {
	r.once.Do(func() {
		for _, s := range r.servers {
			s.Close()
		}
		r.clock.Stop()
	})
}

// rigConfig is a live run's configuration over the rig's cameras, with
// the trial's calibration; extra is appended.
func rigConfig(tb testing.TB, trial pose2simtest.Trial, urls []string, fps int, extra string) *pipeline.Config {
	tb.Helper()
	calib, err := filepath.Abs(trial.Calib)
	if err != nil {
		tb.Fatal(err)
	}
	text := fmt.Sprintf("calibration = %q\nrate = %d\nlive = true\n", calib, fps)
	for i, u := range urls {
		text += fmt.Sprintf("[[camera]]\nname = \"cam_%02d\"\nsource = %q\nfps = %d\n", i+1, u, fps)
	}
	path := filepath.Join(tb.TempDir(), "rig.toml")
	writeFile(tb, path, text+extra+"[[sink]]\ntype = \"jsonl\"\npath = \"rig.jsonl\"\n")
	cfg, err := pipeline.LoadConfig(path)
	if err != nil {
		tb.Fatal(err)
	}
	return cfg
}

// arrivalSink notes, for each fused frame, its capture time and the wall
// time it arrived.
type arrivalSink struct {
	mu      sync.Mutex
	capture []time.Duration
	wall    []time.Time
}

func (s *arrivalSink) Name() string { return "arrivals" }
func (s *arrivalSink) Close() error { return nil }
func (s *arrivalSink) Write(f *pipeline.Fused) error {
	now := time.Now()
	f.Release()
	s.mu.Lock()
	s.capture = append(s.capture, f.Time)
	s.wall = append(s.wall, now)
	s.mu.Unlock()
	return nil
}

// latencies returns, for the frames that arrived after from, the time from
// capture (epoch + capture time) to arrival.
func (s *arrivalSink) latencies(epoch, from time.Time) []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	var lat []time.Duration
	for i, w := range s.wall {
		if w.After(from) {
			lat = append(lat, w.Sub(epoch)-s.capture[i])
		}
	}
	return lat
}

// between counts the frames that arrived between a and b.
func (s *arrivalSink) between(a, b time.Time) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, w := range s.wall {
		if w.After(a) && w.Before(b) {
			n++
		}
	}
	return n
}
