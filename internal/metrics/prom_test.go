package metrics

import (
	"errors"
	"strings"
	"testing"
)

func TestWriteProm(t *testing.T) {
	h, err := NewHistogramBounds([]float64{0.01, 0.1})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []float64{0.005, 0.05, 0.07, 2} {
		h.Observe(v)
	}
	var b strings.Builder
	if err := h.WriteProm(&b, "pose_latency_seconds", "Pose step latency.\nSecond line \\ end.", Label{"camera", `cam "1"`}); err != nil {
		t.Fatal(err)
	}
	if err := h.WriteProm(&b, "pose_latency_seconds", "", Label{"camera", "2"}, Label{"stage", "total"}); err != nil {
		t.Fatal(err)
	}
	want := `# HELP pose_latency_seconds Pose step latency.\nSecond line \\ end.
# TYPE pose_latency_seconds histogram
pose_latency_seconds_bucket{camera="cam \"1\"",le="0.01"} 1
pose_latency_seconds_bucket{camera="cam \"1\"",le="0.1"} 3
pose_latency_seconds_bucket{camera="cam \"1\"",le="+Inf"} 4
pose_latency_seconds_sum{camera="cam \"1\""} 2.125
pose_latency_seconds_count{camera="cam \"1\""} 4
pose_latency_seconds_bucket{camera="2",stage="total",le="0.01"} 1
pose_latency_seconds_bucket{camera="2",stage="total",le="0.1"} 3
pose_latency_seconds_bucket{camera="2",stage="total",le="+Inf"} 4
pose_latency_seconds_sum{camera="2",stage="total"} 2.125
pose_latency_seconds_count{camera="2",stage="total"} 4
`
	if got := b.String(); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}

func TestWriteCounterGauge(t *testing.T) {
	var b strings.Builder
	if err := WriteCounter(&b, "pose_frames_dropped_total", "Frames replaced before a worker took them.", 12, Label{"camera", "0"}); err != nil {
		t.Fatal(err)
	}
	if err := WriteGauge(&b, "pose_worker_utilisation", "", 0.875); err != nil {
		t.Fatal(err)
	}
	want := `# HELP pose_frames_dropped_total Frames replaced before a worker took them.
# TYPE pose_frames_dropped_total counter
pose_frames_dropped_total{camera="0"} 12
pose_worker_utilisation 0.875
`
	if got := b.String(); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}

func TestWriteBadNames(t *testing.T) {
	h := NewLatency()
	for _, tt := range []struct {
		name   string
		metric string
		labels []Label
	}{
		{"empty metric", "", nil},
		{"metric with dash", "pose-latency", nil},
		{"metric starting with digit", "9lives", nil},
		{"label with colon", "ok", []Label{{"a:b", "x"}}},
		{"reserved le", "ok", []Label{{"le", "1"}}},
		{"reserved prefix", "ok", []Label{{"__name__", "x"}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			if err := h.WriteProm(&b, tt.metric, "help", tt.labels...); !errors.Is(err, ErrName) {
				t.Fatalf("got %v, want %v", err, ErrName)
			}
			if err := WriteGauge(&b, tt.metric, "", 1, tt.labels...); !errors.Is(err, ErrName) {
				t.Fatalf("gauge: got %v, want %v", err, ErrName)
			}
			if b.Len() != 0 {
				t.Fatalf("wrote %q on error, want nothing", b.String())
			}
		})
	}
}
