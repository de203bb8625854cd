package capture

import (
	"context"
	"runtime"
	"testing"

	"gocv.io/x/gocv"
)

// grabLoop keeps a grabber running over its input for a benchmark or an
// allocation count, restarting it at the end of the input.
type grabLoop struct {
	tb   testing.TB
	g    *Grabber
	ctx  context.Context
	out  chan *Frame
	errc chan error
}

func newGrabLoop(ctx context.Context, tb testing.TB, g *Grabber) *grabLoop {
	ctx, cancel := context.WithCancel(ctx)
	l := &grabLoop{tb: tb, g: g, ctx: ctx, out: make(chan *Frame, 1)}
	l.start()
	tb.Cleanup(func() {
		cancel()
		<-l.errc
		flush(l.out)
	})
	return l
}

func (l *grabLoop) start() {
	l.errc = make(chan error, 1)
	go func() { l.errc <- l.g.Run(l.ctx, l.out) }()
}

// next returns the next frame; restarted reports whether the input had
// to be opened again for it (a cost that is not per frame).
func (l *grabLoop) next() (f *Frame, restarted bool) {
	for {
		select {
		case f := <-l.out:
			return f, restarted
		case err := <-l.errc:
			if err != nil {
				l.tb.Fatal(err)
			}
			l.start()
			restarted = true
		}
	}
}

// BenchmarkGrabVideo: one op is one frame of OpenCV's sample video
// (768x576 MS-MPEG4) decoded into a pool frame, stamped, delivered and
// released: the steady state of an offline camera. Reopening the file at
// its end is left out of the timing and of the allocation count.
func BenchmarkGrabVideo(b *testing.B) {
	g, err := NewGrabber(0, SourceConfig{URL: vtest(b)})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	l := newGrabLoop(ctx, b, g)
	b.ReportAllocs()
	for b.Loop() {
		f, restarted := l.next()
		if restarted {
			b.StopTimer()
			f.Release()
			f, _ = l.next()
			b.StartTimer()
		}
		f.Release()
	}
}

// BenchmarkReadVideo is the baseline for BenchmarkGrabVideo: the same
// frames read with OpenCV directly into one Mat, in the benchmark's
// goroutine.
func BenchmarkReadVideo(b *testing.B) {
	path := vtest(b)
	m := gocv.NewMat()
	defer m.Close()
	var vc *gocv.VideoCapture
	open := func() {
		var err error
		if vc, err = gocv.VideoCaptureFileWithAPI(path, gocv.VideoCaptureFFmpeg); err != nil {
			b.Fatal(err)
		}
	}
	open()
	defer func() { vc.Close() }()
	b.ReportAllocs()
	for b.Loop() {
		if !vc.Read(&m) {
			b.StopTimer()
			vc.Close()
			open()
			vc.Read(&m)
			b.StartTimer()
		}
	}
}

// BenchmarkGrabOverhead: the grabber's own cost per frame, with a reader
// that decodes nothing (it copies a 32x24 image): the hand-offs between
// the session goroutine, Run and the receiver, the pool and the stamps.
func BenchmarkGrabOverhead(b *testing.B) {
	for _, tt := range []struct {
		name string
		url  string
	}{
		{"offline", "clip.mp4"},
		{"live", "rtsp://cam/stream"},
	} {
		b.Run(tt.name, func(b *testing.B) {
			cam := newFakeCam(b)
			g := fakeGrabber(b, cam, SourceConfig{URL: tt.url})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			l := newGrabLoop(ctx, b, g)
			b.ReportAllocs()
			for b.Loop() {
				f, _ := l.next()
				f.Release()
			}
			// Live, the grabber reads on while the receiver is busy: the
			// frames it drops meanwhile are part of the cost of each
			// delivered one.
			b.ReportMetric(float64(g.Stats().Dropped)/float64(b.N), "drops/op")
		})
	}
}

// TestSteadyStateAllocs: once its pool is warm, grabbing a real video
// allocates nothing per frame. MemStats counts the whole process, and
// the runtime allocates a little on its own (threads for blocking cgo
// calls, select's wait records): a few dozen over the count, where one
// allocation per frame would give at least 400.
func TestSteadyStateAllocs(t *testing.T) {
	if testing.Short() {
		t.Skip("decodes 420 frames")
	}
	g, err := NewGrabber(0, SourceConfig{URL: vtest(t)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	l := newGrabLoop(ctx, t, g)
	for range 20 {
		f, _ := l.next()
		f.Release()
	}
	const frames = 400
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range frames {
		f, restarted := l.next()
		if restarted {
			t.Fatal("the video ended during the count")
		}
		f.Release()
	}
	runtime.ReadMemStats(&after)
	n := after.Mallocs - before.Mallocs
	if n >= frames/4 {
		t.Errorf("got %d allocations over %d frames, want none per frame", n, frames)
	}
	t.Logf("%d allocations over %d frames", n, frames)
}
