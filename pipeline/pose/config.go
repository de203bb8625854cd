package pose

import (
	"fmt"
	"runtime"

	"github.com/athlete3d/athlete3d/models/movenet"
)

// Config configures a Stage. The zero value is the default: offline, one
// worker per core, one inference thread per session.
type Config struct {
	// Workers is the number of pose workers, each with its own ONNX
	// Runtime sessions; default runtime.NumCPU(). A camera is worked on by
	// one worker at a time, so more workers than cameras would idle: the
	// stage makes at most one per camera.
	Workers int
	// Threads is each session's intra-op thread count; default 1, so that
	// the workers, not the threads of one inference, share the cores. It
	// replaces the Threads of Tracker.Estimator and Tracker.Detector.
	Threads int
	// Batch is the most cameras a worker takes at once, their crops run
	// in one inference; default 1. A worker takes what is waiting and
	// never waits for more. Batching pays where one inference of several
	// crops costs less than several of one (a GPU, several threads per
	// session); on one CPU thread per worker it does not (see the package
	// documentation's figures).
	Batch int
	// Tracker configures the models and each camera's tracking (detector
	// cadence, people followed, scores). Its Estimator.Batch is set to
	// Batch times the people followed per camera.
	Tracker movenet.TrackerConfig
	// Live selects the latest-frame policy: a camera's frame waiting for
	// a worker is replaced by a newer one, released and counted as
	// dropped, so the views stay current whatever the load. Offline, every
	// frame is processed, in order, and nothing is dropped: the grabbers
	// wait for the workers.
	Live bool
}

// withDefaults checks cfg and fills its zero fields for cams cameras.
func (cfg Config) withDefaults(cams int) (Config, error) {
	if cfg.Workers < 0 || cfg.Threads < 0 || cfg.Batch < 0 {
		return cfg, fmt.Errorf("%w: %d workers, %d threads and batch %d must not be negative", ErrConfig, cfg.Workers, cfg.Threads, cfg.Batch)
	}
	if cfg.Workers == 0 {
		cfg.Workers = runtime.NumCPU()
	}
	cfg.Workers = min(cfg.Workers, cams)
	if cfg.Threads == 0 {
		cfg.Threads = 1
	}
	cfg.Tracker.Estimator.Threads = cfg.Threads
	cfg.Tracker.Detector.Threads = cfg.Threads
	cfg.Batch = min(max(cfg.Batch, 1), cams)
	if cfg.Tracker.MaxPeople == 0 {
		cfg.Tracker.MaxPeople = movenet.DefaultBatch
	}
	cfg.Tracker.Estimator.Batch = cfg.Batch * cfg.Tracker.MaxPeople
	return cfg, nil
}
