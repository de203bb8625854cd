package pipeline_test

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"gonum.org/v1/gonum/spatial/r3"

	"github.com/athlete3d/athlete3d/bench"
	"github.com/athlete3d/athlete3d/calibration"
	"github.com/athlete3d/athlete3d/pipeline"
	"github.com/athlete3d/athlete3d/pipeline/fusion"
	"github.com/athlete3d/athlete3d/skeleton"
)

// standing holds a COCO-17 person's joints relative to the pelvis centre
// on the ground, m: x forward, y left, z up.
var standing = []r3.Vec{
	{X: 0.08, Z: 1.62}, {X: 0.06, Y: 0.03, Z: 1.66}, {X: 0.06, Y: -0.03, Z: 1.66}, {Y: 0.07, Z: 1.64}, {Y: -0.07, Z: 1.64},
	{Y: 0.19, Z: 1.45}, {Y: -0.19, Z: 1.45}, {X: 0.05, Y: 0.22, Z: 1.16}, {X: -0.05, Y: -0.22, Z: 1.16},
	{X: 0.15, Y: 0.22, Z: 0.92}, {X: -0.15, Y: -0.22, Z: 0.92},
	{Y: 0.1, Z: 0.95}, {Y: -0.1, Z: 0.95}, {X: 0.1, Y: 0.1, Z: 0.52}, {X: -0.1, Y: -0.1, Z: 0.52},
	{X: 0.05, Y: 0.1, Z: 0.08}, {X: -0.05, Y: -0.1, Z: 0.08},
}

// walkers is a ViewSource of people gliding along the track at constant
// speeds in their lanes, projected exactly into the cameras it delivers.
type walkers struct {
	cams   []calibration.Camera
	mine   []int
	frames int
	rate   float64
	speeds []float64
	// delay slows each send, as a source behind a slow network.
	delay time.Duration
	// failAt makes Run fail at that frame (0: never).
	failAt int
}

func (w *walkers) Cameras() []int { return w.mine }

func (w *walkers) truth(p, f int) []r3.Vec {
	off := r3.Vec{X: 5 + w.speeds[p]*float64(f)/w.rate, Y: 1.22 * float64(p)}
	js := make([]r3.Vec, len(standing))
	for j, s := range standing {
		js[j] = r3.Add(s, off)
	}
	return js
}

func (w *walkers) Run(ctx context.Context, out chan<- *pipeline.View) error {
	for f := range w.frames {
		if w.failAt > 0 && f == w.failAt {
			return errors.New("camera link lost")
		}
		for _, c := range w.mine {
			v := &pipeline.View{Camera: c, Seq: int64(f), Time: time.Duration(float64(f) / w.rate * float64(time.Second))}
			for p := range w.speeds {
				det := fusion.Detection{Camera: c, Keypoints: make([]fusion.Observation, len(standing))}
				for j, X := range w.truth(p, f) {
					if u, vv, ok := w.cams[c].Project(X); ok {
						det.Keypoints[j] = fusion.Observation{X: u, Y: vv, Score: 0.9}
					}
				}
				v.People = append(v.People, det)
			}
			if w.delay > 0 {
				time.Sleep(w.delay)
			}
			select {
			case out <- v:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
	for _, c := range w.mine {
		select {
		case out <- &pipeline.View{Camera: c, End: true}:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// memSink keeps what it is given; slow makes it dawdle.
type memSink struct {
	mu     sync.Mutex
	frames []int64
	people [][]fusion.Skeleton3
	speeds [][]float64
	slow   time.Duration
	failAt int
	closed bool
}

func (s *memSink) Name() string { return "memory" }

func (s *memSink) Write(f *pipeline.Fused) error {
	defer f.Release()
	if s.slow > 0 {
		time.Sleep(s.slow)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failAt > 0 && len(s.frames) == s.failAt {
		return errors.New("disk full")
	}
	s.frames = append(s.frames, f.Number)
	var ps []fusion.Skeleton3
	for _, p := range f.People {
		ps = append(ps, fusion.Skeleton3{ID: p.ID, Joints: append([]fusion.Joint3(nil), p.Joints...)})
	}
	s.people = append(s.people, ps)
	var speeds []float64
	for i := range f.Athletes {
		speeds = append(speeds, f.Athletes[i].Speed())
	}
	s.speeds = append(s.speeds, speeds)
	return nil
}

func (s *memSink) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	return nil
}

func testRig(t *testing.T) []calibration.Camera {
	t.Helper()
	cams, err := bench.NewRig(4, bench.Section{X0: 0, X1: 30, Y0: -0.6, Y1: 3})
	if err != nil {
		t.Fatal(err)
	}
	return cams
}

// noLeak fails when goroutines started by the test outlive it.
func noLeak(t *testing.T) {
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		for range 100 {
			if runtime.NumGoroutine() <= before {
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
		t.Errorf("goroutines: %d before, %d after", before, runtime.NumGoroutine())
	})
}

// TestEngineOffline: two athletes seen by four cameras, split over two
// sources; offline, every instant reaches the sink, in order, with both
// athletes in place and their speeds measured.
func TestEngineOffline(t *testing.T) {
	noLeak(t)
	cams := testRig(t)
	speeds := []float64{9, 7}
	src := []pipeline.ViewSource{
		&walkers{cams: cams, mine: []int{0, 1}, frames: 150, rate: 50, speeds: speeds},
		&walkers{cams: cams, mine: []int{2, 3}, frames: 150, rate: 50, speeds: speeds},
	}
	sink := &memSink{slow: time.Millisecond}
	e, err := pipeline.NewEngine(pipeline.EngineConfig{Cameras: cams, Set: &skeleton.COCO17, Rate: 50}, src, []pipeline.Sink{sink})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(sink.frames) != 150 || !sink.closed {
		t.Fatalf("sink got %d frames (closed %v), want 150", len(sink.frames), sink.closed)
	}
	w := src[0].(*walkers)
	for i, n := range sink.frames {
		if n != int64(i) {
			t.Fatalf("frame %d numbered %d", i, n)
		}
	}
	// From the second second on, both athletes are tracked and placed
	// within a millimetre, at their speed within 1 %.
	for f := 100; f < 150; f++ {
		ps := sink.people[f]
		if len(ps) != 2 {
			t.Fatalf("frame %d: %d people, want 2", f, len(ps))
		}
		for i, p := range ps {
			lane := int(math.Round(p.Joints[11].P.Y / 1.22))
			if p.ID == 0 || lane < 0 || lane > 1 {
				t.Fatalf("frame %d: person %d has ID %d, lane %d", f, i, p.ID, lane)
			}
			for j, X := range w.truth(lane, f) {
				if d := r3.Norm(r3.Sub(p.Joints[j].P, X)); !p.Joints[j].OK || d > 1e-3 {
					t.Fatalf("frame %d athlete in lane %d joint %d: %.4f m off (placed %v)", f, lane, j, d, p.Joints[j].OK)
				}
			}
			if s := sink.speeds[f][i]; math.Abs(s-speeds[lane])/speeds[lane] > 0.01 {
				t.Errorf("frame %d lane %d: speed %.3f m/s, want %.1f", f, lane, s, speeds[lane])
			}
		}
	}
	st := e.Stats()
	if st.Fused != 150 || st.Sync.Complete != 150 {
		t.Errorf("stats: %d fused, %d complete sets; want 150 and 150", st.Fused, st.Sync.Complete)
	}
}

// TestEngineLiveSlowSink: live, a sink slower than the cameras loses
// frames, counted, and holds nothing else up.
func TestEngineLiveSlowSink(t *testing.T) {
	noLeak(t)
	cams := testRig(t)
	// The cameras deliver a frame set every 8 ms; the slow sink takes
	// 30 ms a frame.
	src := []pipeline.ViewSource{&walkers{cams: cams, mine: []int{0, 1, 2, 3}, frames: 100, rate: 50, speeds: []float64{8}, delay: 2 * time.Millisecond}}
	slow := &memSink{slow: 30 * time.Millisecond}
	fast := &memSink{}
	e, err := pipeline.NewEngine(pipeline.EngineConfig{Cameras: cams, Set: &skeleton.COCO17, Rate: 50, Live: true, SinkQueue: 8},
		src, []pipeline.Sink{slow, fast})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	st := e.Stats()
	if len(fast.frames) != 100 || st.SinkDropped[1] != 0 {
		t.Errorf("fast sink: %d frames, %d dropped; want 100, 0", len(fast.frames), st.SinkDropped[1])
	}
	if st.SinkDropped[0] == 0 || len(slow.frames)+int(st.SinkDropped[0]) != 100 {
		t.Errorf("slow sink: %d frames + %d dropped, want some dropped and 100 in all", len(slow.frames), st.SinkDropped[0])
	}
}

// TestEngineStops: cancelling, a failing source and a failing sink each
// end the run with every goroutine gone; the failures are reported.
func TestEngineStops(t *testing.T) {
	cams := testRig(t)
	t.Run("cancel", func(t *testing.T) {
		noLeak(t)
		src := []pipeline.ViewSource{&walkers{cams: cams, mine: []int{0, 1, 2, 3}, frames: 100000, rate: 50, speeds: []float64{8}, delay: time.Millisecond}}
		sink := &memSink{}
		e, err := pipeline.NewEngine(pipeline.EngineConfig{Cameras: cams, Set: &skeleton.COCO17, Rate: 50}, src, []pipeline.Sink{sink})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		if err := e.Run(ctx); !errors.Is(err, context.DeadlineExceeded) || !sink.closed {
			t.Errorf("got %v (sink closed %v), want the deadline and the sink closed", err, sink.closed)
		}
	})
	t.Run("source fails", func(t *testing.T) {
		noLeak(t)
		src := []pipeline.ViewSource{
			&walkers{cams: cams, mine: []int{0, 1}, frames: 100, rate: 50, speeds: []float64{8}, failAt: 30},
			&walkers{cams: cams, mine: []int{2, 3}, frames: 100, rate: 50, speeds: []float64{8}},
		}
		e, err := pipeline.NewEngine(pipeline.EngineConfig{Cameras: cams, Set: &skeleton.COCO17, Rate: 50}, src, []pipeline.Sink{&memSink{}})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "camera link lost") {
			t.Errorf("got %v, want the source's error", err)
		}
	})
	t.Run("sink fails", func(t *testing.T) {
		noLeak(t)
		src := []pipeline.ViewSource{&walkers{cams: cams, mine: []int{0, 1, 2, 3}, frames: 100, rate: 50, speeds: []float64{8}}}
		e, err := pipeline.NewEngine(pipeline.EngineConfig{Cameras: cams, Set: &skeleton.COCO17, Rate: 50}, src, []pipeline.Sink{&memSink{failAt: 10}})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "sink memory: disk full") {
			t.Errorf("got %v, want the sink's error", err)
		}
	})
}

func TestEngineConfigErrors(t *testing.T) {
	cams := testRig(t)
	src := &walkers{cams: cams, mine: []int{0, 1, 2, 3}}
	for _, tt := range []struct {
		name string
		cfg  pipeline.EngineConfig
		srcs []pipeline.ViewSource
	}{
		{"no cameras", pipeline.EngineConfig{Set: &skeleton.COCO17, Rate: 50}, []pipeline.ViewSource{src}},
		{"no set", pipeline.EngineConfig{Cameras: cams, Rate: 50}, []pipeline.ViewSource{src}},
		{"no rate", pipeline.EngineConfig{Cameras: cams, Set: &skeleton.COCO17}, []pipeline.ViewSource{src}},
		{"no source", pipeline.EngineConfig{Cameras: cams, Set: &skeleton.COCO17, Rate: 50}, nil},
		{"camera twice", pipeline.EngineConfig{Cameras: cams, Set: &skeleton.COCO17, Rate: 50}, []pipeline.ViewSource{src, src}},
		{"camera outside the rig", pipeline.EngineConfig{Cameras: cams[:2], Set: &skeleton.COCO17, Rate: 50}, []pipeline.ViewSource{src}},
	} {
		if _, err := pipeline.NewEngine(tt.cfg, tt.srcs, nil); err == nil {
			t.Errorf("%s: got no error", tt.name)
		}
	}
}

// TestJSONLSink: the engine's frames written as the triangulate verb's
// JSONL stream, one line per frame with the athletes' joints and speeds.
func TestJSONLSink(t *testing.T) {
	cams := testRig(t)
	var buf strings.Builder
	sink := pipeline.NewJSONLWriterSink("jsonl memory", &buf, &skeleton.COCO17)
	src := []pipeline.ViewSource{&walkers{cams: cams, mine: []int{0, 1, 2, 3}, frames: 100, rate: 50, speeds: []float64{8}}}
	e, err := pipeline.NewEngine(pipeline.EngineConfig{Cameras: cams, Set: &skeleton.COCO17, Rate: 50}, src, []pipeline.Sink{sink})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 100 {
		t.Fatalf("got %d lines, want 100", len(lines))
	}
	for i, l := range lines {
		var fr struct {
			Frame    int     `json:"frame"`
			T        float64 `json:"t"`
			Athletes []struct {
				ID     int                   `json:"id"`
				Joints map[string][3]float64 `json:"joints"`
				Speed  *float64              `json:"speed"`
			} `json:"athletes"`
		}
		if err := json.Unmarshal([]byte(l), &fr); err != nil {
			t.Fatalf("line %d: %v: %s", i, err, l)
		}
		if fr.Frame != i || math.Abs(fr.T-float64(i)/50) > 1e-6 || len(fr.Athletes) != 1 {
			t.Fatalf("line %d: frame %d at %v s with %d athletes", i, fr.Frame, fr.T, len(fr.Athletes))
		}
		if a := fr.Athletes[0]; i >= 60 && (a.Speed == nil || math.Abs(*a.Speed-8) > 0.08 || len(a.Joints) != 17) {
			t.Fatalf("line %d: athlete %+v, want 17 joints at 8 m/s", i, a)
		}
	}
}
