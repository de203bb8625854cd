package pipeline

import (
	"errors"
	"fmt"
	"sync"
	"time"
)

// SyncConfig configures a Syncer.
type SyncConfig struct {
	// Cameras is the number of cameras in the rig.
	Cameras int
	// Tolerance is how far a view's capture time may lie from its set's
	// time: half a frame period for cameras running at one rate, more for
	// unsynchronized cameras with offsets. Required.
	Tolerance time.Duration
	// Live selects the live policy: a set goes out, with the views it has,
	// once the capture clock (the newest capture time seen, or Tick's) has
	// passed its time by Latency, and views that arrive for a set already
	// sent are dropped and counted as late. Offline, a set waits until
	// every camera has either contributed or moved past it (or ended):
	// nothing is dropped, whatever the delays.
	Live bool
	// Latency is, live, how long after its capture time a set waits for
	// its slowest camera; default 2 × Tolerance. Ignored offline.
	Latency time.Duration
}

// SyncStats counts what a Syncer did. Per-camera slices are indexed by
// camera.
type SyncStats struct {
	// Sets counts the sets sent, Complete those with every camera.
	Sets, Complete int64
	// Views counts each camera's views taken into a set.
	Views []int64
	// Late counts each camera's views that came after their set had gone
	// (live), or that went back in time (a camera's views out of order).
	Late []int64
}

// Syncer groups the cameras' views into frame sets by capture time. It
// expects each camera's views in capture order (the pose stage restores
// that order when its workers finish out of order); the cameras may
// interleave in any way.
//
// A view joins the open set whose time (the mean of its views' times) is
// nearest its own, within Tolerance, unless that set already has a view
// from its camera; otherwise it opens a set of its own. Sets go out in time order, as the policy of
// SyncConfig.Live allows.
//
// Add, End and Tick belong to one goroutine, the stage's; each returns the
// sets that became ready, in time order, in a slice the Syncer reuses at
// its next call. FrameSet.Release may be called from any goroutine. The
// Syncer keeps its sets in a pool: once the pool has grown to what the
// consumer holds at once, it allocates nothing.
type Syncer struct {
	cfg   SyncConfig
	open  []*FrameSet // ordered by Time
	ready []*FrameSet
	last  []time.Duration // each camera's newest view time
	seen  []bool          // a camera has sent a view
	ended []bool
	clock time.Duration // the newest capture time known
	sent  time.Duration // the Time of the last set sent
	any   bool          // a set has been sent
	stats SyncStats

	mu   sync.Mutex
	free []*FrameSet
}

// NewSyncer returns a Syncer for cfg.
func NewSyncer(cfg SyncConfig) (*Syncer, error) {
	switch {
	case cfg.Cameras < 1:
		return nil, fmt.Errorf("sync: %d cameras, need at least one", cfg.Cameras)
	case cfg.Tolerance <= 0:
		return nil, fmt.Errorf("sync: tolerance %v must be positive", cfg.Tolerance)
	case cfg.Latency < 0:
		return nil, fmt.Errorf("sync: latency %v cannot be negative", cfg.Latency)
	}
	if cfg.Latency == 0 {
		cfg.Latency = 2 * cfg.Tolerance
	}
	n := cfg.Cameras
	return &Syncer{
		cfg:   cfg,
		last:  make([]time.Duration, n),
		seen:  make([]bool, n),
		ended: make([]bool, n),
		stats: SyncStats{Views: make([]int64, n), Late: make([]int64, n)},
	}, nil
}

// ErrCamera means a view names a camera the Syncer does not have.
var ErrCamera = errors.New("sync: camera out of range")

// Add takes v into a set and returns the sets now ready. A view that
// cannot be used (late, or out of its camera's order) is released and
// counted; an End view is released and ends its camera (End). The Syncer owns v from here on; the set that holds it lends it
// on.
func (s *Syncer) Add(v *View) ([]*FrameSet, error) {
	s.ready = s.ready[:0]
	c := v.Camera
	if c < 0 || c >= s.cfg.Cameras {
		v.Release()
		return s.ready, fmt.Errorf("%w: view of camera %d, rig of %d", ErrCamera, c, s.cfg.Cameras)
	}
	if v.End {
		v.Release()
		return s.End(c), nil
	}
	if s.late(v) {
		s.stats.Late[c]++
		v.Release()
		return s.flush(), nil
	}
	s.seen[c], s.last[c] = true, v.Time
	s.clock = max(s.clock, v.Time)
	s.place(v)
	return s.flush(), nil
}

// End tells that camera c has no more views (the end of its file, or the
// camera removed): no set waits for it any longer.
func (s *Syncer) End(c int) []*FrameSet {
	s.ready = s.ready[:0]
	if c >= 0 && c < s.cfg.Cameras {
		s.ended[c] = true
	}
	return s.flush()
}

// Tick moves the capture clock to now when no view has (live, every camera
// silent), so that sets waiting for stalled cameras go out. Offline it
// changes nothing.
func (s *Syncer) Tick(now time.Duration) []*FrameSet {
	s.ready = s.ready[:0]
	s.clock = max(s.clock, now)
	return s.flush()
}

// Drain returns every open set, ready or not: the end of a run.
func (s *Syncer) Drain() []*FrameSet {
	s.ready = s.ready[:0]
	for len(s.open) > 0 {
		s.send()
	}
	return s.ready
}

// Stats returns a copy of the counts so far.
func (s *Syncer) Stats() SyncStats {
	var st SyncStats
	s.StatsInto(&st)
	return st
}

// StatsInto copies the counts so far into dst, reusing its slices: the
// allocation-free Stats for a caller that reports every frame.
func (s *Syncer) StatsInto(dst *SyncStats) {
	dst.Sets, dst.Complete = s.stats.Sets, s.stats.Complete
	dst.Views = append(dst.Views[:0], s.stats.Views...)
	dst.Late = append(dst.Late[:0], s.stats.Late...)
}

// late reports whether v cannot be used: it goes back in its camera's
// time, or before the last set sent, or, live, it belongs with a set
// already sent.
func (s *Syncer) late(v *View) bool {
	switch {
	case s.seen[v.Camera] && v.Time < s.last[v.Camera]:
		return true
	case !s.any:
		return false
	case v.Time < s.sent:
		return true
	default:
		return s.cfg.Live && v.Time <= s.sent+s.cfg.Tolerance && !s.joinsOpen(v)
	}
}

// joinsOpen reports whether v falls within the tolerance of an open set
// without a view of its camera: a view just after the last set sent may
// still belong to a later one.
func (s *Syncer) joinsOpen(v *View) bool {
	for _, fs := range s.open {
		if abs(v.Time-fs.Time) <= s.cfg.Tolerance && fs.Views[v.Camera] == nil {
			return true
		}
	}
	return false
}

// place puts v into the nearest open set that can take it, or a new one.
func (s *Syncer) place(v *View) {
	best := -1
	var bestD time.Duration
	for i, fs := range s.open {
		d := abs(v.Time - fs.Time)
		if d <= s.cfg.Tolerance && fs.Views[v.Camera] == nil && (best < 0 || d < bestD) {
			best, bestD = i, d
		}
	}
	if best < 0 {
		fs := s.get()
		fs.Time, fs.sum = v.Time, 0
		best = len(s.open)
		for best > 0 && s.open[best-1].Time > v.Time {
			best--
		}
		s.open = append(s.open, nil)
		copy(s.open[best+1:], s.open[best:])
		s.open[best] = fs
	}
	fs := s.open[best]
	fs.Views[v.Camera] = v
	fs.Count++
	fs.sum += v.Time
	fs.Time = fs.sum / time.Duration(fs.Count)
	s.stats.Views[v.Camera]++
}

// flush sends the open sets that are ready, earliest first, onto s.ready.
func (s *Syncer) flush() []*FrameSet {
	for len(s.open) > 0 && s.isReady(s.open[0]) {
		s.send()
	}
	return s.ready
}

// isReady reports whether the earliest open set fs can go: every camera
// has contributed, ended, or moved past it; or, live, the clock has passed
// it by Latency.
func (s *Syncer) isReady(fs *FrameSet) bool {
	if s.cfg.Live && s.clock > fs.Time+s.cfg.Latency {
		return true
	}
	for c, v := range fs.Views {
		if v == nil && !s.ended[c] && !(s.seen[c] && s.last[c] > fs.Time+s.cfg.Tolerance) {
			return false
		}
	}
	return true
}

// send moves the earliest open set to s.ready.
func (s *Syncer) send() {
	fs := s.open[0]
	copy(s.open, s.open[1:])
	s.open[len(s.open)-1] = nil
	s.open = s.open[:len(s.open)-1]
	s.stats.Sets++
	if fs.Count == s.cfg.Cameras {
		s.stats.Complete++
	}
	s.sent, s.any = fs.Time, true
	s.ready = append(s.ready, fs)
}

// get returns a free set, making one when the pool is empty.
func (s *Syncer) get() *FrameSet {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n := len(s.free); n > 0 {
		fs := s.free[n-1]
		s.free = s.free[:n-1]
		return fs
	}
	return &FrameSet{Views: make([]*View, s.cfg.Cameras), syncer: s}
}

// put takes a released set back.
func (s *Syncer) put(fs *FrameSet) {
	s.mu.Lock()
	s.free = append(s.free, fs)
	s.mu.Unlock()
}

func abs(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}
