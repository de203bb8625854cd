package pose

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"gocv.io/x/gocv"

	"github.com/athlete3d/athlete3d/internal/metrics"
	"github.com/athlete3d/athlete3d/models/movenet"
	"github.com/athlete3d/athlete3d/pipeline"
	"github.com/athlete3d/athlete3d/pipeline/capture"
)

// source is what the stage needs of a camera's grabber.
type source interface {
	Run(ctx context.Context, out chan<- *capture.Frame) error
	Stats() capture.Stats
}

// Stage is the pose step of the live graph: it takes the frames of a set
// of grabbers, finds the people in each with a pool of workers, and sends
// one View per frame, each camera's views in capture order. It is a
// pipeline.ViewSource.
//
// See the package documentation for the scheduling, the live and offline
// policies and who owns what.
type Stage struct {
	cfg     Config
	srcs    []source
	cams    []*camera
	ids     []int
	workers []*worker
	views   *viewPool

	// mu guards the cameras' scheduling fields and the stage's run state;
	// cond signals every change of them (a frame waiting, a slot freed, a
	// camera ended, ctx done).
	mu      sync.Mutex
	cond    *sync.Cond
	running bool
	closed  bool
	active  int // cameras whose End has not been sent

	queue, infer, total *metrics.Histogram
	busy                atomic.Int64 // worker nanoseconds spent on frames in the last run
	started             atomic.Int64 // Unix nanoseconds the last Run started
	ended               atomic.Int64 // Unix nanoseconds it ended, 0 while it runs
}

// camera is one camera's place in the stage.
type camera struct {
	id    int
	state *movenet.TrackState // advanced by one worker at a time

	// Guarded by Stage.mu.
	waiting *capture.Frame // the next frame to process, nil if none
	arrived time.Time      // when waiting reached the stage
	since   time.Time      // when the camera began to wait: a live replacement keeps the replaced frame's
	busy    bool           // a worker (or the End view) holds the camera

	in, processed, dropped atomic.Int64
}

// worker owns one set of ONNX Runtime sessions, and the scratch of the
// cameras it takes together.
type worker struct {
	est *movenet.Estimator
	det *movenet.Detector

	jobs  []job
	imgs  []gocv.Mat
	crops []movenet.Crop
	poses []movenet.Pose
}

// job is one camera's frame in a worker's batch.
type job struct {
	c       *camera
	f       *capture.Frame
	arrived time.Time
	crops   int // the camera's crops in the batch
	view    *pipeline.View
}

// New returns a stage over the grabbers, one per camera, and loads each
// worker's models. The stage takes no ownership of the grabbers: it runs
// them in Run.
func New(grabbers []*capture.Grabber, cfg Config) (*Stage, error) {
	srcs := make([]source, len(grabbers))
	ids := make([]int, len(grabbers))
	for i, g := range grabbers {
		if g == nil {
			return nil, fmt.Errorf("%w: grabber %d is nil", ErrConfig, i)
		}
		srcs[i], ids[i] = g, g.Camera()
	}
	return newStage(srcs, ids, cfg)
}

func newStage(srcs []source, ids []int, cfg Config) (*Stage, error) {
	if len(srcs) == 0 {
		return nil, fmt.Errorf("%w: no camera", ErrConfig)
	}
	cfg, err := cfg.withDefaults(len(srcs))
	if err != nil {
		return nil, err
	}
	s := &Stage{
		cfg:   cfg,
		srcs:  srcs,
		ids:   ids,
		queue: metrics.NewLatency(),
		infer: metrics.NewLatency(),
		total: metrics.NewLatency(),
	}
	s.cond = sync.NewCond(&s.mu)
	seen := map[int]bool{}
	for _, id := range ids {
		if seen[id] {
			return nil, fmt.Errorf("%w: two grabbers for camera %d", ErrConfig, id)
		}
		seen[id] = true
		st, err := movenet.NewTrackState(cfg.Tracker)
		if err != nil {
			return nil, fmt.Errorf("pose: camera %d: %w", id, err)
		}
		s.cams = append(s.cams, &camera{id: id, state: st})
	}
	for i := range cfg.Workers {
		w, err := newWorker(cfg.Tracker, cfg.Batch)
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("pose: loading worker %d's models: %w", i, err)
		}
		s.workers = append(s.workers, w)
	}
	// Enough views for the pipeline's usual depth from the start: one in
	// each worker's hands and a few per camera downstream.
	s.views = newViewPool(s.cams[0].state.MaxPeople(), cfg.Workers+4*len(ids))
	return s, nil
}

func newWorker(cfg movenet.TrackerConfig, batch int) (*worker, error) {
	est, err := movenet.NewEstimator(cfg.Estimator)
	if err != nil {
		return nil, err
	}
	det, err := movenet.NewDetector(cfg.Detector)
	if err != nil {
		est.Close()
		return nil, err
	}
	n := est.Batch()
	return &worker{est: est, det: det, jobs: make([]job, 0, batch),
		imgs: make([]gocv.Mat, 0, n), crops: make([]movenet.Crop, 0, n), poses: make([]movenet.Pose, n)}, nil
}

// Cameras returns the indices, in the rig, of the stage's cameras, in the
// grabbers' order.
func (s *Stage) Cameras() []int { return append([]int(nil), s.ids...) }

// Close releases the workers' models. It must not be called while Run
// runs (it returns ErrRunning then and closes nothing).
func (s *Stage) Close() error {
	s.mu.Lock()
	if s.running {
		s.mu.Unlock()
		return ErrRunning
	}
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	var errs []error
	for _, w := range s.workers {
		errs = append(errs, w.est.Close(), w.det.Close())
	}
	return errors.Join(errs...)
}
