package pipeline

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"gonum.org/v1/gonum/spatial/r3"

	"github.com/athlete3d/athlete3d/calibration"
	"github.com/athlete3d/athlete3d/pipeline/fusion"
	"github.com/athlete3d/athlete3d/pipeline/kinematics"
	"github.com/athlete3d/athlete3d/skeleton"
)

// EngineConfig configures an Engine.
type EngineConfig struct {
	// Cameras is the calibrated rig, in camera index order.
	Cameras []calibration.Camera
	// Set is the keypoint set of the views.
	Set *skeleton.Set
	// Rate is the cameras' nominal frame rate, Hz; it sets the defaults
	// of Sync. Required.
	Rate float64
	// Live selects the live policies: late views dropped, sinks that fall
	// behind lose their oldest frames. Offline, nothing is dropped
	// anywhere: the slowest part sets the pace.
	Live bool
	// Sync configures the frame-set grouping; zero fields take defaults
	// (Tolerance half a frame period, Cameras and Live from above).
	Sync SyncConfig
	// Fusion configures association, triangulation, tracking and
	// smoothing; Set is filled in.
	Fusion fusion.StageConfig
	// Kinematics configures each athlete's live metrics.
	Kinematics kinematics.Config
	// SinkQueue is the number of fused frames each sink may fall behind;
	// default 64.
	SinkQueue int
}

// Fused is one capture instant after fusion: every athlete in 3D with
// track IDs and live metrics. It is shared by the sinks: each calls
// Release once done with it, and must not keep it or its slices beyond.
type Fused struct {
	// Number counts the frame sets from 0.
	Number int64
	// Time is the capture time since the session start.
	Time time.Duration
	// Views is the number of cameras in the frame set; Spread the largest
	// difference of their capture times.
	Views  int
	Spread time.Duration
	// People holds each person placed, confirmed tracks first.
	People []fusion.Skeleton3
	// Athletes holds each person's live figures, in People's order; the
	// zero Athlete for a person not yet tracked.
	Athletes []Athlete
	// Events holds the foot events decided at this frame.
	Events []AthleteEvent

	refs  atomic.Int32
	owner *Engine
}

// Athlete is one tracked person's live figures at a fused frame: what a
// broadcast graphic shows.
type Athlete struct {
	// Sample is this frame's kinematics; its Valid says which fields are
	// set.
	Sample kinematics.Sample
	// TopSpeed is the largest smoothed speed so far, m/s; 0 before any
	// (kinematics.Summary's).
	TopSpeed float64
	// Split is the last split crossed, when HasSplit; NewSplit when it
	// was crossed at this frame.
	Split              kinematics.Split
	HasSplit, NewSplit bool
	// Step is the last touchdown with a step (length, time); Contact the
	// last toe-off with a contact time. Their Valid is 0 before any.
	Step, Contact kinematics.FootEvent
}

// Speed returns the smoothed speed, m/s, NaN when not yet known.
func (a *Athlete) Speed() float64 {
	if !a.Sample.Has(kinematics.FieldSmoothSpeed) {
		return math.NaN()
	}
	return a.Sample.SmoothSpeed
}

// AthleteEvent is a foot event of one tracked athlete.
type AthleteEvent struct {
	Athlete int
	Event   kinematics.FootEvent
}

// Release gives up one sink's hold on f.
func (f *Fused) Release() {
	if f.refs.Add(-1) == 0 && f.owner != nil {
		f.owner.putFused(f)
	}
}

// Sink receives the fused frames: the JSONL writer, the overlay feed, the
// recorder. Each runs in its own goroutine behind its own queue, so a slow
// sink never stalls fusion (live) — it loses its oldest frames instead,
// counted — or sets the pace for all (offline).
type Sink interface {
	// Name names the sink in statistics and errors.
	Name() string
	// Write takes one frame; the sink calls f.Release when done with it,
	// before or after returning. An error stops the run.
	Write(f *Fused) error
	// Close flushes and closes the sink at the end of the run.
	Close() error
}

// EngineStats counts what an Engine did.
type EngineStats struct {
	Sync SyncStats
	// Fused counts the frames fused; FuseTime is the total time fusion
	// and metrics took.
	Fused    int64
	FuseTime time.Duration
	// SinkDropped counts, per sink, the frames dropped because it fell
	// behind (live).
	SinkDropped []int64
}

// Engine runs the graph behind the view sources: frame-set sync, fusion,
// live metrics and fan-out to the sinks.
//
// Goroutines: one per source (its Run), one for sync, fusion and
// metrics (the stage's owner), one per sink. Run returns when every source
// has ended and every sink has written and closed, or when ctx is done or
// any part fails; in every case all of them have returned first.
type Engine struct {
	cfg     EngineConfig
	sources []ViewSource
	sinks   []Sink
	sync    *Syncer
	fuse    *fusion.Stage
	live    map[int]*athlete
	frame   kinematics.Frame
	// maxError is the reprojection error, px, above which a fused joint
	// does not enter the metrics: the triangulator's view-rejection bound.
	maxError float64

	mu        sync.Mutex
	free      []*Fused
	fused     atomic.Int64
	fuseNanos atomic.Int64
	dropped   []atomic.Int64
	syncStats SyncStats
}

// NewEngine checks cfg and builds the stages.
func NewEngine(cfg EngineConfig, sources []ViewSource, sinks []Sink) (*Engine, error) {
	switch {
	case len(cfg.Cameras) == 0:
		return nil, errors.New("engine: no camera")
	case cfg.Set == nil:
		return nil, errors.New("engine: no keypoint set")
	case !(cfg.Rate > 0) || math.IsInf(cfg.Rate, 0):
		return nil, fmt.Errorf("engine: frame rate %v must be positive", cfg.Rate)
	case len(sources) == 0:
		return nil, errors.New("engine: no view source")
	}
	seen := make([]bool, len(cfg.Cameras))
	for _, s := range sources {
		for _, c := range s.Cameras() {
			if c < 0 || c >= len(cfg.Cameras) {
				return nil, fmt.Errorf("engine: a source delivers camera %d, the rig has %d", c, len(cfg.Cameras))
			}
			if seen[c] {
				return nil, fmt.Errorf("engine: camera %d (%s) has two sources", c, cfg.Cameras[c].Name)
			}
			seen[c] = true
		}
	}
	sc := cfg.Sync
	sc.Cameras, sc.Live = len(cfg.Cameras), cfg.Live
	if sc.Tolerance == 0 {
		sc.Tolerance = time.Duration(float64(time.Second) / cfg.Rate / 2)
	}
	syncer, err := NewSyncer(sc)
	if err != nil {
		return nil, fmt.Errorf("engine: %w", err)
	}
	fc := cfg.Fusion
	fc.Set = cfg.Set
	stage, err := fusion.NewStage(cfg.Cameras, fc)
	if err != nil {
		return nil, fmt.Errorf("engine: %w", err)
	}
	if _, err := kinematics.NewLive(cfg.Set, cfg.Kinematics); err != nil {
		return nil, fmt.Errorf("engine: %w", err)
	}
	if cfg.SinkQueue == 0 {
		cfg.SinkQueue = 64
	}
	if cfg.SinkQueue < 1 {
		return nil, fmt.Errorf("engine: sink queue %d must be positive", cfg.SinkQueue)
	}
	n := cfg.Set.Len()
	maxError := fc.Triangulator.MaxError
	if maxError == 0 {
		maxError = 15 // the triangulator's default
	}
	return &Engine{
		maxError: maxError,
		cfg:      cfg, sources: sources, sinks: sinks, sync: syncer, fuse: stage,
		live:    map[int]*athlete{},
		frame:   kinematics.Frame{Joints: make([]r3.Vec, n), OK: make([]bool, n)},
		dropped: make([]atomic.Int64, len(sinks)),
	}, nil
}

// Stats returns the counts so far; safe from any goroutine.
func (e *Engine) Stats() EngineStats {
	var st EngineStats
	e.mu.Lock()
	st.Sync = e.syncStats
	st.Sync.Views = append([]int64(nil), e.syncStats.Views...)
	st.Sync.Late = append([]int64(nil), e.syncStats.Late...)
	e.mu.Unlock()
	st.Fused = e.fused.Load()
	st.FuseTime = time.Duration(e.fuseNanos.Load())
	st.SinkDropped = make([]int64, len(e.dropped))
	for i := range e.dropped {
		st.SinkDropped[i] = e.dropped[i].Load()
	}
	return st
}

// Run runs the graph until the sources end or ctx is done. It returns nil
// after a complete run, ctx.Err() when cancelled, or the first error of a
// source, the stage or a sink.
func (e *Engine) Run(parent context.Context) error {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	var (
		errMu    sync.Mutex
		firstErr error
	)
	fail := func(err error) {
		if err == nil {
			return
		}
		errMu.Lock()
		if firstErr == nil {
			firstErr = err
		}
		errMu.Unlock()
		cancel()
	}

	views := make(chan *View, 4*len(e.cfg.Cameras))
	var srcWG sync.WaitGroup
	for _, s := range e.sources {
		srcWG.Add(1)
		go func() {
			defer srcWG.Done()
			if err := s.Run(ctx, views); err != nil && ctx.Err() == nil {
				fail(fmt.Errorf("source of cameras %v: %w", s.Cameras(), err))
			}
		}()
	}
	// Close views once every source has returned, so that the stage sees
	// the end of the input.
	go func() {
		srcWG.Wait()
		close(views)
	}()

	var sinkWG sync.WaitGroup
	queues := make([]chan *Fused, len(e.sinks))
	for i, s := range e.sinks {
		queues[i] = make(chan *Fused, e.cfg.SinkQueue)
		sinkWG.Add(1)
		go func() {
			defer sinkWG.Done()
			fail(e.runSink(s, queues[i]))
		}()
	}

	fail(e.runStage(ctx, views, queues))
	// The stage is done: stop the sources (a no-op after a complete run),
	// let the sinks write what is queued and close, and take back every
	// view still in flight.
	cancel()
	for _, q := range queues {
		close(q)
	}
	sinkWG.Wait()
	for v := range views {
		v.Release()
	}
	errMu.Lock()
	defer errMu.Unlock()
	if firstErr != nil {
		return firstErr
	}
	return parent.Err()
}

// runStage is the stage owner's loop: views in, frame sets synced, fused,
// measured and handed to the sinks' queues.
func (e *Engine) runStage(ctx context.Context, views <-chan *View, queues []chan *Fused) error {
	var dets []fusion.Detection
	var number int64
	emit := func(sets []*FrameSet) error {
		for _, fs := range sets {
			start := time.Now()
			dets = fs.Detections(dets[:0])
			people, err := e.fuse.Fuse(fs.Time, dets)
			if err != nil {
				fs.Release()
				return fmt.Errorf("fusion at %v: %w", fs.Time, err)
			}
			f := e.getFused()
			f.Number, f.Time, f.Views, f.Spread = number, fs.Time, fs.Count, fs.Spread()
			fs.Release()
			number++
			if err := e.measure(f, people); err != nil {
				return err
			}
			e.fuseNanos.Add(int64(time.Since(start)))
			e.fused.Add(1)
			if err := e.fanOut(ctx, f, queues); err != nil {
				return err
			}
		}
		e.mu.Lock()
		e.sync.StatsInto(&e.syncStats)
		e.mu.Unlock()
		return nil
	}
	var tick <-chan time.Time
	var clock0 time.Time
	var t0 time.Duration
	if e.cfg.Live {
		tk := time.NewTicker(time.Duration(float64(time.Second) / e.cfg.Rate))
		defer tk.Stop()
		tick = tk.C
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case now := <-tick:
			// Live: the capture clock runs on while every camera is
			// silent, so that frames waiting for a dead camera go out.
			if !clock0.IsZero() {
				if err := emit(e.sync.Tick(t0 + now.Sub(clock0))); err != nil {
					return err
				}
			}
		case v, ok := <-views:
			if !ok {
				return emit(e.sync.Drain())
			}
			if clock0.IsZero() && !v.End {
				clock0, t0 = time.Now(), v.Time
			}
			sets, err := e.sync.Add(v)
			if err != nil {
				return err
			}
			if err := emit(sets); err != nil {
				return err
			}
		}
	}
}

// measure copies the fused people into f and updates each confirmed
// athlete's live metrics.
func (e *Engine) measure(f *Fused, people []fusion.Skeleton3) error {
	n := e.cfg.Set.Len()
	for i := range people {
		p := &people[i]
		// Reuse the pooled skeletons' joint buffers.
		if len(f.People) < cap(f.People) {
			f.People = f.People[:len(f.People)+1]
		} else {
			f.People = append(f.People, fusion.Skeleton3{})
		}
		dst := &f.People[len(f.People)-1]
		dst.ID, dst.Joints = p.ID, append(dst.Joints[:0], p.Joints...)
		var fig Athlete
		if p.ID != 0 && len(p.Joints) == n {
			a := e.live[p.ID]
			if a == nil {
				l, err := kinematics.NewLive(e.cfg.Set, e.cfg.Kinematics)
				if err != nil {
					return err
				}
				a = &athlete{live: l}
				e.live[p.ID] = a
			}
			// A joint left with views that disagree (two views, so none
			// could be rejected) is no measurement: one such foot would
			// set the ground level.
			for j, jt := range p.Joints {
				e.frame.Joints[j], e.frame.OK[j] = jt.P, jt.OK && jt.Error <= e.maxError
			}
			e.frame.T = f.Time.Seconds()
			s, err := a.live.Update(e.frame)
			if err != nil {
				return fmt.Errorf("metrics of athlete %d: %w", p.ID, err)
			}
			a.fig.Sample, a.fig.TopSpeed = s, a.live.Summary().TopSpeed
			sp := a.live.Splits()
			a.fig.NewSplit = len(sp) > a.splits
			if a.fig.NewSplit {
				a.fig.Split, a.fig.HasSplit, a.splits = sp[len(sp)-1], true, len(sp)
			}
			for _, ev := range a.live.Events() {
				f.Events = append(f.Events, AthleteEvent{Athlete: p.ID, Event: ev})
				if ev.Has(kinematics.HasStep) {
					a.fig.Step = ev
				}
				if ev.Has(kinematics.HasContactTime) {
					a.fig.Contact = ev
				}
			}
			fig = a.fig
		}
		f.Athletes = append(f.Athletes, fig)
	}
	return nil
}

// athlete is one track's live metrics and the last figures taken from
// them.
type athlete struct {
	live   *kinematics.Live
	fig    Athlete
	splits int // splits crossed so far
}

// fanOut hands f to every sink's queue. Live, a full queue loses its
// oldest frame; offline, the stage waits.
func (e *Engine) fanOut(ctx context.Context, f *Fused, queues []chan *Fused) error {
	if len(queues) == 0 {
		f.refs.Store(1)
		f.Release()
		return nil
	}
	f.refs.Store(int32(len(queues)))
	for i, q := range queues {
		if !e.cfg.Live {
			select {
			case q <- f:
			case <-ctx.Done():
				f.Release()
			}
			continue
		}
		for {
			select {
			case q <- f:
			default:
				select {
				case old := <-q:
					old.Release()
					e.dropped[i].Add(1)
				default:
				}
				continue
			}
			break
		}
	}
	return nil
}

// runSink feeds one sink from its queue until the queue closes, then
// closes the sink: the frames queued when a run is stopped are still
// written. After a failure it only drains, so that every frame goes back
// to the pool.
func (e *Engine) runSink(s Sink, q <-chan *Fused) error {
	var err error
	for f := range q {
		if err != nil {
			f.Release()
			continue
		}
		if werr := s.Write(f); werr != nil {
			err = fmt.Errorf("sink %s: %w", s.Name(), werr)
		}
	}
	if cerr := s.Close(); cerr != nil && err == nil {
		err = fmt.Errorf("sink %s: %w", s.Name(), cerr)
	}
	return err
}

// getFused returns an empty Fused from the pool.
func (e *Engine) getFused() *Fused {
	e.mu.Lock()
	defer e.mu.Unlock()
	if n := len(e.free); n > 0 {
		f := e.free[n-1]
		e.free = e.free[:n-1]
		return f
	}
	return &Fused{owner: e}
}

// putFused takes a released Fused back, keeping its buffers.
func (e *Engine) putFused(f *Fused) {
	f.People, f.Athletes, f.Events = f.People[:0], f.Athletes[:0], f.Events[:0]
	e.mu.Lock()
	e.free = append(e.free, f)
	e.mu.Unlock()
}
