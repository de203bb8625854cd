package pose

import (
	"time"

	"github.com/athlete3d/athlete3d/internal/metrics"
	"github.com/athlete3d/athlete3d/pipeline/capture"
)

// Stats counts what a Stage did. Latencies are in seconds.
type Stats struct {
	// Cameras holds each camera's counts, in the order of Cameras().
	Cameras []CameraStats
	// Queue is the time from a frame's arrival from its grabber to a
	// worker starting on it; Inference the pose step itself (detector
	// when due, MoveNet on every crop, conversion); Total from arrival
	// to the view handed on, the wait for the receiver included.
	Queue, Inference, Total metrics.Snapshot
	// Workers is the number of workers; Utilisation the share of their
	// time spent in the pose step since the last Run started (to its end
	// once it has ended), between 0 and 1.
	Workers     int
	Utilisation float64
}

// CameraStats counts one camera's frames.
type CameraStats struct {
	// Camera is the camera's index in the rig.
	Camera int
	// In counts the frames received from the grabber; Processed those
	// turned into views; Dropped those replaced by a newer frame before
	// a worker took them (live only). Frames still in the stage when a
	// run is cancelled count in none but In.
	In, Processed, Dropped int64
	// Capture is the grabber's own counts (its drops happen before In).
	Capture capture.Stats
}

// Stats returns the counts so far, summed over the stage's runs, except
// Utilisation, which is the last run's. Any goroutine may call it; it
// allocates, so call it from the reporting side, not per frame.
func (s *Stage) Stats() Stats {
	st := Stats{
		Cameras:   make([]CameraStats, len(s.cams)),
		Queue:     s.queue.Snapshot(),
		Inference: s.infer.Snapshot(),
		Total:     s.total.Snapshot(),
		Workers:   len(s.workers),
	}
	for i, c := range s.cams {
		st.Cameras[i] = CameraStats{
			Camera:    c.id,
			In:        c.in.Load(),
			Processed: c.processed.Load(),
			Dropped:   c.dropped.Load(),
			Capture:   s.srcs[i].Stats(),
		}
	}
	if start := s.started.Load(); start != 0 && len(s.workers) > 0 {
		end := s.ended.Load()
		if end == 0 {
			end = time.Now().UnixNano()
		}
		if wall := end - start; wall > 0 {
			st.Utilisation = min(1, float64(s.busy.Load())/float64(wall)/float64(len(s.workers)))
		}
	}
	return st
}
