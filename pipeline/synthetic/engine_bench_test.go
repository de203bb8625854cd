package synthetic_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/athlete3d/athlete3d/pipeline"
	"github.com/athlete3d/athlete3d/pipeline/fusion"
	"github.com/athlete3d/athlete3d/pipeline/synthetic"
)

// countSink counts the fused frames and stops the run after limit; with
// start set it also records each frame's latency from capture.
type countSink struct {
	n, limit int
	stop     context.CancelFunc
	start    time.Time
	latency  []time.Duration
}

func (s *countSink) Name() string { return "count" }
func (s *countSink) Close() error { return nil }
func (s *countSink) Write(f *pipeline.Fused) error {
	if !s.start.IsZero() {
		s.latency = append(s.latency, time.Since(s.start)-f.Time)
	}
	f.Release()
	if s.n++; s.limit > 0 && s.n == s.limit {
		s.stop()
	}
	return nil
}

func engineOn(b *testing.B, url string, fc fusion.StageConfig, sink pipeline.Sink) *pipeline.Engine {
	b.Helper()
	cfg, err := synthetic.Parse(url)
	if err != nil {
		b.Fatal(err)
	}
	rig, err := synthetic.New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	e, err := pipeline.NewEngine(pipeline.EngineConfig{
		Cameras: rig.Calibration(), Set: rig.Scene().Set, Rate: rig.Scene().Rate, Live: cfg.Live, Fusion: fc,
	}, []pipeline.ViewSource{rig}, []pipeline.Sink{sink})
	if err != nil {
		b.Fatal(err)
	}
	return e
}

// BenchmarkEngine: the graph behind the views (sync, association,
// triangulation, tracking, live metrics, fan-out) on a looping virtual
// rig of 8 cameras and 3 athletes, offline: one op is one fused frame.
// The run's setup is amortised over b.N frames. "fit+smooth" adds each
// track's limb fit and One Euro filter.
func BenchmarkEngine(b *testing.B) {
	for _, c := range []struct {
		name string
		fc   fusion.StageConfig
	}{
		{"plain", fusion.StageConfig{}},
		{"fit+smooth", fusion.StageConfig{Limbs: true, Limb: fusion.LimbConfig{Correct: true, Fit: true}, Smooth: true}},
	} {
		b.Run(c.name, func(b *testing.B) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			sink := &countSink{limit: b.N, stop: cancel}
			e := engineOn(b, "synthetic://sprint?cams=8&athletes=3&loop=1", c.fc, sink)
			b.ReportAllocs()
			b.ResetTimer()
			if err := e.Run(ctx); err != nil && ctx.Err() == nil {
				b.Fatal(err)
			}
		})
	}
}

// BenchmarkEngineLatency: live, 4 cameras at 50 Hz for 3 s; reports the
// time from a frame's capture (its place on the rig's wall clock) to its
// fused frame reaching the sink, p50 and p99.
func BenchmarkEngineLatency(b *testing.B) {
	for range b.N {
		ctx, cancel := context.WithCancel(context.Background())
		sink := &countSink{limit: 150, stop: cancel}
		e := engineOn(b, "synthetic://sprint?cams=4&athletes=3&dur=3.2&live=1", fusion.StageConfig{}, sink)
		sink.start = time.Now()
		if err := e.Run(ctx); err != nil && ctx.Err() == nil {
			b.Fatal(err)
		}
		cancel()
		slices.Sort(sink.latency)
		n := len(sink.latency)
		b.ReportMetric(float64(sink.latency[n/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(sink.latency[n*99/100].Microseconds())/1000, "p99-ms")
	}
}
