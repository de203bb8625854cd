package capture

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// liveConfig is a stream with short waits, so faults play out in
// milliseconds.
func liveConfig() SourceConfig {
	return SourceConfig{
		URL:          "rtsp://user:secret@cam.local/stream",
		StallTimeout: 100 * time.Millisecond,
		Backoff:      2 * time.Millisecond,
		MaxBackoff:   10 * time.Millisecond,
	}
}

// seen is what a test's receiver noted of a frame before releasing it.
type seen struct {
	seq, index int64
	time       time.Duration
	marker     uint8 // the fake's frame number, written in pixel (0,0)
}

// collector receives frames in its own goroutine, notes and releases
// them.
type collector struct {
	mu     sync.Mutex
	frames []seen
	done   chan struct{}
}

func collect(ctx context.Context, out <-chan *Frame) *collector {
	c := &collector{done: make(chan struct{})}
	go func() {
		defer close(c.done)
		for {
			select {
			case f := <-out:
				s := seen{f.Seq, f.Index, f.Time, f.Img.GetUCharAt(0, 0)}
				f.Release()
				c.mu.Lock()
				c.frames = append(c.frames, s)
				c.mu.Unlock()
			case <-ctx.Done():
				return
			}
		}
	}()
	return c
}

func (c *collector) snapshot() []seen {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]seen(nil), c.frames...)
}

// checkOrder checks what every delivery must satisfy: Seq counts from 0
// without gaps, Index and Time increase, and each frame holds the image
// read for its Index (no buffer handed out twice).
func checkOrder(t *testing.T, frames []seen) {
	t.Helper()
	for i, f := range frames {
		if f.seq != int64(i) {
			t.Fatalf("frame %d: got seq %d, want %d", i, f.seq, i)
		}
		if f.marker != uint8(f.index) {
			t.Fatalf("frame %d: got image of frame %d, want %d (mod 256)", i, f.marker, uint8(f.index))
		}
		if i > 0 && (f.index <= frames[i-1].index || f.time <= frames[i-1].time) {
			t.Fatalf("frame %d: index %d time %v after index %d time %v", i, f.index, f.time, frames[i-1].index, frames[i-1].time)
		}
	}
}

// TestLiveDisconnect: a camera drops, stays away for a few attempts, and
// comes back: it is marked down meanwhile, reconnected once, and frames
// resume in order.
func TestLiveDisconnect(t *testing.T) {
	before := runtime.NumGoroutine()
	cam := newFakeCam(t)
	cam.period = time.Millisecond
	var back atomic.Bool
	cam.step = func(session, read int) action {
		if session == 0 && read == 20 {
			return actEnd
		}
		return actFrame
	}
	cam.openFail = func(n int) bool { return n > 0 && !back.Load() }
	g := fakeGrabber(t, cam, liveConfig())

	ctx, cancel := context.WithCancel(context.Background())
	out := make(chan *Frame, 1)
	col := collect(ctx, out)
	done := started(ctx, g, out)

	waitFor(t, "the camera to go down", func() bool {
		s := g.Stats()
		return s.Frames >= 20 && !s.Up && strings.Contains(s.LastError, "read failed after frame 19")
	})
	waitFor(t, "three attempts to reconnect", func() bool {
		cam.mu.Lock()
		defer cam.mu.Unlock()
		return cam.opens >= 4
	})
	if s := g.Stats(); s.Up || s.Reconnects != 0 || !strings.Contains(s.LastError, "connection refused") {
		t.Errorf("while away: got up %v, reconnects %d, last error %q; want down, 0, connection refused", s.Up, s.Reconnects, s.LastError)
	}
	back.Store(true)
	waitFor(t, "frames to resume", func() bool { return g.Stats().Frames >= 40 })

	s := g.Stats()
	if !s.Up || s.Reconnects != 1 {
		t.Errorf("after coming back: got up %v, reconnects %d, want true, 1", s.Up, s.Reconnects)
	}
	if strings.Contains(s.LastError, "secret") {
		t.Errorf("last error %q shows the stream's password", s.LastError)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Run: got %v, want context.Canceled", err)
	}
	<-col.done
	flush(out)
	checkOrder(t, col.snapshot())
	settled(t, before)
}

// TestLiveStall: a read that hangs is noticed after the stall timeout,
// the camera marked down and reconnected; the hung read's goroutine ends
// when the read does.
func TestLiveStall(t *testing.T) {
	before := runtime.NumGoroutine()
	cam := newFakeCam(t)
	cam.period = time.Millisecond
	var back atomic.Bool
	cam.step = func(session, read int) action {
		if session == 0 && read == 10 {
			return actStall
		}
		return actFrame
	}
	cam.openFail = func(n int) bool { return n > 0 && !back.Load() }
	g := fakeGrabber(t, cam, liveConfig())

	ctx, cancel := context.WithCancel(context.Background())
	out := make(chan *Frame, 1)
	col := collect(ctx, out)
	done := started(ctx, g, out)

	waitFor(t, "the stall to be noticed", func() bool {
		s := g.Stats()
		return !s.Up && strings.Contains(s.LastError, "source stalled")
	})
	if s := g.Stats(); s.Frames+s.Dropped != 10 {
		t.Errorf("before the stall: got %d frames and %d dropped, want 10 in all", s.Frames, s.Dropped)
	}
	back.Store(true)
	waitFor(t, "frames to resume", func() bool { return g.Stats().Frames >= 30 })
	if s := g.Stats(); !s.Up || s.Reconnects != 1 {
		t.Errorf("after the stall: got up %v, reconnects %d, want true, 1", s.Up, s.Reconnects)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Run: got %v, want context.Canceled", err)
	}
	<-col.done
	flush(out)
	checkOrder(t, col.snapshot())
	cam.release() // the hung read returns: its goroutine must end
	settled(t, before)
}

// TestLiveErrorMidStream: reads that fail now and then make the grabber
// reconnect each time, and the frames go on without a gap in Seq.
func TestLiveErrorMidStream(t *testing.T) {
	before := runtime.NumGoroutine()
	cam := newFakeCam(t)
	cam.step = func(session, read int) action {
		if session < 2 && read == 15 {
			return actEnd
		}
		return actFrame
	}
	g := fakeGrabber(t, cam, liveConfig())

	ctx, cancel := context.WithCancel(context.Background())
	out := make(chan *Frame, 1)
	col := collect(ctx, out)
	done := started(ctx, g, out)
	waitFor(t, "two reconnections and frames after them", func() bool {
		s := g.Stats()
		return s.Reconnects == 2 && s.Frames >= 40
	})
	cancel()
	<-done
	<-col.done
	flush(out)
	s := g.Stats()
	if !strings.Contains(s.LastError, "read failed after frame 29") {
		t.Errorf("last error: got %q, want the second failure, after frame 29", s.LastError)
	}
	checkOrder(t, col.snapshot())
	settled(t, before)
}

// TestLiveCorrupt: unusable frames are counted and skipped, without a
// reconnection; Index keeps their places.
func TestLiveCorrupt(t *testing.T) {
	cam := newFakeCam(t)
	cam.step = func(_, read int) action {
		if read%3 == 2 {
			return actCorrupt
		}
		return actFrame
	}
	g := fakeGrabber(t, cam, liveConfig())
	ctx, cancel := context.WithCancel(context.Background())
	out := make(chan *Frame, 1)
	col := collect(ctx, out)
	done := started(ctx, g, out)
	waitFor(t, "30 frames", func() bool { return g.Stats().Frames >= 30 })
	cancel()
	<-done
	<-col.done
	flush(out)

	frames := col.snapshot()
	checkOrder(t, frames)
	for _, f := range frames {
		if f.index%3 == 2 {
			t.Fatalf("frame %d has the index of a corrupt frame, %d", f.seq, f.index)
		}
	}
	s := g.Stats()
	if last := frames[len(frames)-1].index; s.Corrupt < last/3 || s.Reconnects != 0 {
		t.Errorf("got %d corrupt, %d reconnects, want at least %d and 0", s.Corrupt, s.Reconnects, last/3)
	}
}

// TestLiveOnlyCorrupt: a source that sends nothing but garbage counts as
// stalled: no good frame within the stall timeout.
func TestLiveOnlyCorrupt(t *testing.T) {
	cam := newFakeCam(t)
	cam.period = time.Millisecond
	cam.step = func(session, _ int) action {
		if session == 0 {
			return actCorrupt
		}
		return actFrame
	}
	cfg := liveConfig()
	cfg.StallTimeout = 50 * time.Millisecond
	g := fakeGrabber(t, cam, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	out := make(chan *Frame, 1)
	col := collect(ctx, out)
	done := started(ctx, g, out)
	waitFor(t, "a reconnection and frames", func() bool {
		s := g.Stats()
		return s.Reconnects == 1 && s.Frames > 0
	})
	cancel()
	<-done
	<-col.done
	flush(out)
	s := g.Stats()
	if !strings.Contains(s.LastError, "no good frame for 50ms") || s.Corrupt < 10 {
		t.Errorf("got last error %q, %d corrupt; want no good frame for 50ms, at least 10", s.LastError, s.Corrupt)
	}
}

// TestLiveSlowConsumer: a receiver that stops taking frames, or holds
// every frame of the pool, never holds the grabber up: it goes on
// reading, drops what has no room, and delivers again once there is.
func TestLiveSlowConsumer(t *testing.T) {
	before := runtime.NumGoroutine()
	cam := newFakeCam(t)
	cam.period = 500 * time.Microsecond
	cfg := liveConfig()
	cfg.Buffers = 3
	g := fakeGrabber(t, cam, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	out := make(chan *Frame, 1)
	done := started(ctx, g, out)

	// Not receiving at all: out fills, then frames are dropped.
	waitFor(t, "a first frame", func() bool { return g.Stats().Up })
	reads := cam.reads.Load()
	time.Sleep(100 * time.Millisecond)
	if n := cam.reads.Load() - reads; n < 20 {
		t.Errorf("receiver away 100 ms: got %d reads, want the grabber reading on (at least 20)", n)
	}
	if s := g.Stats(); s.Dropped < 10 || s.Frames > 1 {
		t.Errorf("receiver away: got %d dropped, %d delivered; want at least 10 and at most 1", s.Dropped, s.Frames)
	}

	// Holding every frame: the pool runs dry, frames are dropped.
	var held []*Frame
	for len(held) < cfg.Buffers {
		held = append(held, <-out)
	}
	dropped, reads := g.Stats().Dropped, cam.reads.Load()
	time.Sleep(100 * time.Millisecond)
	if s := g.Stats(); s.Dropped-dropped < 20 || cam.reads.Load()-reads < 20 {
		t.Errorf("pool held: got %d more dropped, %d more reads, want at least 20 each", s.Dropped-dropped, cam.reads.Load()-reads)
	}
	for _, f := range held {
		if f.Img.GetUCharAt(0, 0) != uint8(f.Index) {
			t.Errorf("held frame %d overwritten: got image of frame %d", f.Index, f.Img.GetUCharAt(0, 0))
		}
		f.Release()
	}

	// Released: frames flow again.
	frames := g.Stats().Frames
	for range 10 {
		f := <-out
		if f.Img.GetUCharAt(0, 0) != uint8(f.Index) {
			t.Errorf("frame %d: got image of frame %d", f.Index, f.Img.GetUCharAt(0, 0))
		}
		f.Release()
	}
	if s := g.Stats(); s.Frames < frames+10 {
		t.Errorf("after release: got %d frames delivered, want at least %d", s.Frames, frames+10)
	}
	cancel()
	<-done
	flush(out)
	settled(t, before)
}

// TestRunCancel: whatever Run waits for (a hung read or opening, the
// backoff, the receiver, a free frame), cancelling ctx makes it return
// promptly, and once the hung calls return every goroutine is gone.
func TestRunCancel(t *testing.T) {
	const buffers = 2
	for _, tt := range []struct {
		name  string
		url   string
		setup func(cam *fakeCam)
		// ready reports that Run is waiting where the case wants it.
		ready func(cam *fakeCam, g *Grabber, held []*Frame) bool
		hold  bool // the receiver takes frames and keeps them
	}{
		{
			name: "live read hangs",
			url:  "rtsp://cam.local/stream",
			setup: func(cam *fakeCam) {
				cam.step = func(_, read int) action {
					if read >= 3 {
						return actStall
					}
					return actFrame
				}
			},
			ready: func(cam *fakeCam, _ *Grabber, _ []*Frame) bool { return cam.reads.Load() >= 4 },
		},
		{
			name:  "live opening hangs",
			url:   "v4l2:/dev/video7",
			setup: func(cam *fakeCam) { cam.openGate = make(chan struct{}) },
			ready: func(*fakeCam, *Grabber, []*Frame) bool { return true },
		},
		{
			name:  "live backoff",
			url:   "/dev/video7",
			setup: func(cam *fakeCam) { cam.openFail = func(int) bool { return true } },
			ready: func(_ *fakeCam, g *Grabber, _ []*Frame) bool { return g.Stats().LastError != "" },
		},
		{
			name:  "offline receiver away",
			url:   "clip.mp4",
			ready: func(cam *fakeCam, _ *Grabber, _ []*Frame) bool { return cam.reads.Load() >= 1 },
		},
		{
			name:  "offline pool empty",
			url:   "clip.mp4",
			hold:  true,
			ready: func(_ *fakeCam, _ *Grabber, held []*Frame) bool { return len(held) == buffers },
		},
		{
			name: "offline read hangs",
			url:  "clip.mp4",
			setup: func(cam *fakeCam) {
				cam.step = func(_, read int) action {
					if read >= 1 {
						return actStall
					}
					return actFrame
				}
			},
			hold:  true,
			ready: func(cam *fakeCam, _ *Grabber, _ []*Frame) bool { return cam.reads.Load() >= 2 },
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := runtime.NumGoroutine()
			cam := newFakeCam(t)
			if tt.setup != nil {
				tt.setup(cam)
			}
			g := fakeGrabber(t, cam, SourceConfig{
				URL: tt.url, Buffers: buffers, StallTimeout: time.Minute,
				Backoff: time.Minute, MaxBackoff: time.Minute,
			})
			ctx, cancel := context.WithCancel(context.Background())
			out := make(chan *Frame)
			done := started(ctx, g, out)
			var held []*Frame
			waitFor(t, "Run to wait", func() bool {
				if tt.hold {
					select {
					case f := <-out:
						held = append(held, f)
					default:
					}
				}
				return tt.ready(cam, g, held)
			})
			time.Sleep(10 * time.Millisecond) // let Run settle into its wait

			cancel()
			start := time.Now()
			select {
			case err := <-done:
				if !errors.Is(err, context.Canceled) {
					t.Errorf("Run: got %v, want context.Canceled", err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("Run did not return after cancel")
			}
			// A generous bound: Run returns in microseconds; this only
			// catches a wait that ignores ctx.
			if d := time.Since(start); d > time.Second {
				t.Errorf("Run returned %v after cancel, want well under a second", d)
			}
			for _, f := range held {
				f.Release()
			}
			cam.release()
			settled(t, before)
		})
	}
}

// TestOfflineStall: an offline read that hangs ends the run with
// ErrStalled, naming the camera and where; the frames before it were all
// delivered.
func TestOfflineStall(t *testing.T) {
	before := runtime.NumGoroutine()
	cam := newFakeCam(t)
	cam.step = func(_, read int) action {
		if read == 5 {
			return actStall
		}
		return actFrame
	}
	g := fakeGrabber(t, cam, SourceConfig{Name: "finish", URL: "clip.mp4", StallTimeout: 50 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := make(chan *Frame)
	go drain(ctx, out)
	err := g.Run(ctx, out)
	if !errors.Is(err, ErrStalled) || !strings.Contains(err.Error(), `camera 0 "finish"`) || !strings.Contains(err.Error(), "after frame 4") {
		t.Errorf("Run: got %v, want ErrStalled naming camera 0 \"finish\" and frame 4", err)
	}
	if s := g.Stats(); s.Frames != 5 || s.Up {
		t.Errorf("got %d frames, up %v; want 5, false", s.Frames, s.Up)
	}
	cancel()
	cam.release()
	settled(t, before)
}

// TestOfflineLosesNothing: a receiver much slower than the source, with
// a pool of two, still gets every frame, in order, stamped from the
// presentation times.
func TestOfflineLosesNothing(t *testing.T) {
	const n = 200
	cam := newFakeCam(t)
	cam.fps = 50
	cam.step = func(_, read int) action {
		if read == n {
			return actEnd
		}
		return actFrame
	}
	g := fakeGrabber(t, cam, SourceConfig{URL: "file:clip.mp4", Buffers: 2, Offset: -time.Second})
	out := make(chan *Frame, 1)
	errc := started(context.Background(), g, out)
	var frames []seen
	var held []*Frame
	for f := range out {
		frames = append(frames, seen{f.Seq, f.Index, f.Time, f.Img.GetUCharAt(0, 0)})
		// Hold frames in pairs now and then: the grabber has to wait.
		held = append(held, f)
		if len(held) == 2 || f.Seq%7 != 0 {
			for _, h := range held {
				h.Release()
			}
			held = held[:0]
		}
		if len(frames) == n {
			break
		}
	}
	if err := <-errc; err != nil {
		t.Fatalf("Run: %v", err)
	}
	checkOrder(t, frames)
	for i, f := range frames {
		if want := time.Duration(i)*20*time.Millisecond - time.Second; f.index != int64(i) || f.time != want {
			t.Fatalf("frame %d: got index %d time %v, want %d %v", i, f.index, f.time, i, want)
		}
	}
	if s := g.Stats(); s.Frames != n || s.Dropped != 0 {
		t.Errorf("got %d frames, %d dropped, want %d, 0", s.Frames, s.Dropped, n)
	}
}

// TestRunOnce: a second Run while one is under way is refused.
func TestRunOnce(t *testing.T) {
	cam := newFakeCam(t)
	g := fakeGrabber(t, cam, liveConfig())
	ctx, cancel := context.WithCancel(context.Background())
	out := make(chan *Frame, 1)
	done := started(ctx, g, out)
	waitFor(t, "Run to start", func() bool { return cam.reads.Load() > 0 })
	if err := g.Run(ctx, out); !errors.Is(err, ErrRunning) {
		t.Errorf("second Run: got %v, want ErrRunning", err)
	}
	cancel()
	<-done
	flush(out)
}
