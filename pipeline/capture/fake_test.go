package capture

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gocv.io/x/gocv"
)

// action is what one read of a fake camera does.
type action int8

const (
	actFrame   action = iota // a good frame
	actCorrupt               // a frame that is not BGR
	actEnd                   // a failed read (end of file, lost stream)
	actStall                 // hang until the camera's gate opens, then fail
)

// fakeCam is a scripted camera standing in for OpenCV: each opening and
// each read does what the test says, so tests can make a source stall,
// fail, send garbage, go away and come back, without a real camera.
type fakeCam struct {
	img, gray gocv.Mat      // the good frame and an unusable one
	period    time.Duration // each read takes this long
	fps       float64       // what CAP_PROP_FPS reports

	// openFail says whether opening number n (from 0) fails; openGate,
	// when set, makes every opening wait for it first.
	openFail func(n int) bool
	openGate chan struct{}
	// step says what read number read (from 0) of session number
	// session does; nil: always a good frame.
	step func(session, read int) action
	// gate is what stalled reads wait for; the test closes it to let
	// them end.
	gate chan struct{}

	mu       sync.Mutex
	opens    int
	imgMu    sync.RWMutex // held by reads while they copy the images
	closed   bool         // the images are closed: the test is over
	produced atomic.Int64 // frames read, good or corrupt: the marker written into each
	reads    atomic.Int64 // Read calls
}

func newFakeCam(t testing.TB) *fakeCam {
	img := gocv.NewMatWithSize(24, 32, gocv.MatTypeCV8UC3)
	gray := gocv.NewMatWithSize(24, 32, gocv.MatTypeCV8U)
	c := &fakeCam{img: img, gray: gray, fps: 100, gate: make(chan struct{})}
	// A session may still be reading after Run returned (Run does not
	// wait for reads): its reads fail once the images are closed.
	t.Cleanup(func() {
		c.release()
		c.imgMu.Lock()
		defer c.imgMu.Unlock()
		c.closed = true
		img.Close()
		gray.Close()
	})
	return c
}

// release lets every hung opening and read go on.
func (c *fakeCam) release() {
	select {
	case <-c.gate:
	default:
		close(c.gate)
	}
	if c.openGate != nil {
		select {
		case <-c.openGate:
		default:
			close(c.openGate)
		}
	}
}

func (c *fakeCam) open(source) (reader, error) {
	if c.openGate != nil {
		<-c.openGate
	}
	c.mu.Lock()
	n := c.opens
	c.opens++
	c.mu.Unlock()
	if c.openFail != nil && c.openFail(n) {
		return nil, errors.New("connection refused")
	}
	return &fakeReader{cam: c, session: n}, nil
}

type fakeReader struct {
	cam     *fakeCam
	session int
	reads   int
}

func (r *fakeReader) Read(dst *gocv.Mat) status {
	c := r.cam
	c.reads.Add(1)
	a := actFrame
	if c.step != nil {
		a = c.step(r.session, r.reads)
	}
	r.reads++
	if c.period > 0 {
		time.Sleep(c.period)
	}
	switch a {
	case actEnd:
		return readEnd
	case actStall:
		<-c.gate
		return readEnd
	}
	c.imgMu.RLock()
	defer c.imgMu.RUnlock()
	if c.closed {
		return readEnd
	}
	if a == actCorrupt {
		c.produced.Add(1)
		c.gray.CopyTo(dst)
		return readOK
	}
	n := c.produced.Add(1) - 1
	c.img.CopyTo(dst)
	dst.SetUCharAt(0, 0, uint8(n))
	return readOK
}

func (r *fakeReader) Get(prop gocv.VideoCaptureProperties) float64 {
	switch prop {
	case gocv.VideoCaptureFPS:
		return r.cam.fps
	case gocv.VideoCapturePosFrames:
		return float64(r.reads)
	case gocv.VideoCapturePosMsec:
		return float64(r.reads-1) * 1000 / r.cam.fps
	}
	return 0
}

func (r *fakeReader) Close() error { return nil }

// fakeGrabber returns a grabber for url whose input is cam.
func fakeGrabber(t testing.TB, cam *fakeCam, cfg SourceConfig) *Grabber {
	t.Helper()
	g, err := NewGrabber(0, cfg)
	if err != nil {
		t.Fatal(err)
	}
	g.open = cam.open
	return g
}

// started runs g in a goroutine; the returned channel gives Run's error.
func started(ctx context.Context, g *Grabber, out chan<- *Frame) <-chan error {
	done := make(chan error, 1)
	go func() { done <- g.Run(ctx, out) }()
	return done
}

// waitFor polls cond every millisecond until it holds, failing the test
// after a generous deadline.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// settled fails the test unless the number of goroutines comes back to
// before within a grace period: goroutines that outlive their Run leak.
func settled(t *testing.T, before int) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			n := runtime.Stack(buf, true)
			t.Fatalf("goroutines: got %d, want %d\n%s", runtime.NumGoroutine(), before, buf[:n])
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// drain receives and releases frames from out until ctx is done.
func drain(ctx context.Context, out <-chan *Frame) {
	for {
		select {
		case f := <-out:
			f.Release()
		case <-ctx.Done():
			return
		}
	}
}

// flush releases the frames left in out once Run has returned: the
// receiver's duty, or the pool never closes its Mats.
func flush(out chan *Frame) {
	for len(out) > 0 {
		(<-out).Release()
	}
}
