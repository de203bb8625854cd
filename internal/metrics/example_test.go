package metrics_test

import (
	"fmt"
	"os"
	"time"

	"github.com/athlete3d/athlete3d/internal/metrics"
)

func ExampleHistogram() {
	h := metrics.NewLatency()
	for i := 1; i <= 100; i++ {
		h.ObserveDuration(time.Duration(i) * time.Millisecond)
	}
	s := h.Snapshot()
	fmt.Printf("%d values, mean %.1f ms, p50 %.0f ms, p99 %.0f ms, max %.0f ms\n",
		s.Count, 1e3*s.Mean(), 1e3*s.Quantile(0.5), 1e3*s.Quantile(0.99), 1e3*s.Max)
	// Output:
	// 100 values, mean 50.5 ms, p50 50 ms, p99 100 ms, max 100 ms
}

func ExampleWriteCounter() {
	metrics.WriteCounter(os.Stdout, "frames_total", "Frames processed.", 42, metrics.Label{Name: "camera", Value: "0"})
	// Output:
	// # HELP frames_total Frames processed.
	// # TYPE frames_total counter
	// frames_total{camera="0"} 42
}
