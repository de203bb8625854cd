package capture

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"
)

// Grabber reads one camera's input in the goroutine that calls Run and
// sends its frames on: every frame, in order, offline; the newest it can,
// never waiting, live. See the package documentation for the policies.
type Grabber struct {
	camera int
	cfg    SourceConfig // defaults filled in
	src    source
	label  string // how messages name the camera

	// open opens the input, in the session's goroutine; tests put fakes
	// here.
	open func(source) (reader, error)

	running atomic.Bool
	stats   counters
}

// NewGrabber returns a grabber for the camera with index camera in the
// rig, reading cfg's input. It checks the configuration; the input is
// opened by Run.
func NewGrabber(camera int, cfg SourceConfig) (*Grabber, error) {
	if camera < 0 {
		return nil, fmt.Errorf("%w: camera index %d is negative", ErrConfig, camera)
	}
	src, err := parseSource(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("camera %d: %w", camera, err)
	}
	cfg, err = withDefaults(cfg, src.kind)
	if err != nil {
		return nil, fmt.Errorf("camera %d: %w", camera, err)
	}
	label := fmt.Sprintf("camera %d (%s)", camera, src.label)
	if cfg.Name != "" {
		label = fmt.Sprintf("camera %d %q", camera, cfg.Name)
	}
	return &Grabber{camera: camera, cfg: cfg, src: src, label: label, open: openSource}, nil
}

// Camera returns the camera's index in the rig.
func (g *Grabber) Camera() int { return g.camera }

// Live reports whether the grabber follows the live policy.
func (g *Grabber) Live() bool { return g.cfg.Live }

// Run reads the input and sends its frames on out until the input ends
// or ctx is done. It owns out's sending side while it runs and does not
// close it. Frames are lent: the receiver calls Release on each.
//
// Offline (a file or an image sequence not played live) it sends every
// frame, waiting for the receiver, and returns nil at the end of the
// input; an input that cannot be opened or yields no frame gives an error
// wrapping ErrOpen, a read that hangs past the stall timeout one wrapping
// ErrStalled. Live, it never waits for the receiver, and a source that
// fails or stalls is reopened with backoff for as long as ctx lasts: Run
// returns only ctx.Err() (and, for a file played live, nil at its end).
//
// Run returns promptly when ctx is done, even when a read hangs (the
// read's goroutine then ends when the read returns; see the package
// documentation). Only one Run of a Grabber may be under way at a time;
// another call returns ErrRunning. Each Run has its own frame pool, closed
// when Run returns and the receiver has released every frame.
func (g *Grabber) Run(ctx context.Context, out chan<- *Frame) error {
	if !g.running.CompareAndSwap(false, true) {
		return fmt.Errorf("%s: %w", g.label, ErrRunning)
	}
	defer g.running.Store(false)
	r := newRun(g, out)
	defer r.close()
	err := r.loop(ctx)
	g.stats.up.Store(false)
	if err != nil && ctx.Err() == nil {
		g.stats.setError(err)
	}
	return err
}

// run is the state of one Run, owned by Run's goroutine.
type run struct {
	g       *Grabber
	out     chan<- *Frame
	pool    *Pool
	timer   *time.Timer // reused for every wait: no allocation per frame
	start   time.Time   // when Run started: the origin of live pacing
	epoch   time.Time   // the origin of live timestamps
	reopens bool        // a failure means reconnecting, not the end

	s       *session // the open session, nil while down
	reading bool     // s has a read under way (Run may have walked away from it)
	opened  int      // sessions opened
	frames  float64  // frame count the input announced when opened
	period  time.Duration
	stall   time.Duration
	good    time.Time // the last good frame, or the session's opening
	backoff time.Duration

	clock  streamClock
	seq    int64 // frames delivered
	usable int64 // good frames read, delivered or dropped
	index  int64 // the last frame's Index, -1 before the first
}

func newRun(g *Grabber, out chan<- *Frame) *run {
	now := time.Now()
	epoch := g.cfg.Epoch
	if epoch.IsZero() {
		epoch = now
	}
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &run{
		g:       g,
		out:     out,
		pool:    NewPool(g.camera, g.cfg.Buffers),
		timer:   t,
		start:   now,
		epoch:   epoch,
		reopens: g.src.kind == kindStream || g.src.kind == kindDevice,
		backoff: g.cfg.Backoff,
		index:   -1,
	}
}

// close ends the session and the pool; the pool's Mats are closed once
// the receiver and any abandoned read have released their frames.
func (r *run) close() {
	r.hangUp()
	r.timer.Stop()
	r.pool.Close()
}

// hangUp ends the session, if any.
func (r *run) hangUp() {
	if r.s != nil {
		r.s.stop(r.reading)
		r.s, r.reading = nil, false
	}
}

// loop is Run's body: connect, read, stamp, deliver, and on a live
// source's failure hang up, wait and reconnect.
func (r *run) loop(ctx context.Context) error {
	st := &r.g.stats
	for {
		// Checked here too, not only in the waits: live, reads that
		// return at once would keep a select from ever choosing ctx.
		if err := ctx.Err(); err != nil {
			return err
		}
		if r.s == nil {
			if err := r.connect(ctx); err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				if !r.reopens {
					return fmt.Errorf("%s: %w", r.g.label, err)
				}
				if err := r.down(ctx, err); err != nil {
					return err
				}
				continue
			}
		}

		// Offline the frame waits for the receiver to release one; live
		// an empty pool means reading into the session's spare Mat and
		// dropping the frame.
		var f *Frame
		if r.g.cfg.Live {
			f, _ = r.pool.TryGet()
		} else {
			var err error
			if f, err = r.pool.Get(ctx); err != nil {
				return err
			}
		}

		wait := r.stall
		if r.reopens {
			wait = r.stall - time.Since(r.good)
		}
		if wait <= 0 {
			// Live only: frames come, but none good (corrupt ones).
			if f != nil {
				f.Release()
			}
			if err := r.down(ctx, r.stalled()); err != nil {
				return err
			}
			continue
		}
		res, err := r.read(ctx, f, wait)
		if err != nil {
			// The session's goroutine owns f now and releases it.
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if !r.reopens {
				return fmt.Errorf("%s: %w", r.g.label, r.stalled())
			}
			if err := r.down(ctx, r.stalled()); err != nil {
				return err
			}
			continue
		}

		switch res.st {
		case readEnd:
			if f != nil {
				f.Release()
			}
			if !r.reopens {
				return r.end()
			}
			if err := r.down(ctx, fmt.Errorf("read failed after frame %d", r.index)); err != nil {
				return err
			}
			continue
		case readCorrupt:
			r.index = r.nextIndex(res)
			st.corrupt.Add(1)
			if f != nil {
				f.Release()
			}
			continue
		}

		r.index = r.nextIndex(res)
		r.usable++
		t := r.timestamp(res)
		r.good = res.at
		r.backoff = r.g.cfg.Backoff
		st.up.Store(true)
		if f == nil {
			st.dropped.Add(1)
			continue
		}
		f.Seq, f.Index, f.Time = r.seq, r.index, t+r.g.cfg.Offset
		if err := r.deliver(ctx, f, t); err != nil {
			return err
		}
	}
}

// connect opens a session and waits for the outcome.
func (r *run) connect(ctx context.Context) error {
	s := startSession(r.g.open, r.g.src)
	var info openInfo
	select {
	case info = <-s.ready:
	case <-ctx.Done():
		s.stop(true) // opening may hang: do not wait for it
		return ctx.Err()
	}
	if info.err != nil {
		<-s.done
		return info.err
	}
	if r.opened > 0 {
		r.g.stats.reconnects.Add(1)
	}
	r.opened++
	r.s, r.reading = s, false
	r.frames = info.frames
	r.period = period(info.fps)
	if r.period == 0 {
		r.period = period(r.g.cfg.FPS)
	}
	if r.g.src.kind == kindSequence {
		r.period = period(r.g.cfg.FPS) // required by NewGrabber
	}
	if r.period == 0 {
		r.period = nominalPeriod
	}
	r.stall = r.g.cfg.StallTimeout
	if r.stall == 0 {
		r.stall = DefaultFileStallTimeout
		if r.reopens {
			r.stall = max(DefaultStallTimeout, stallPeriods*r.period)
		}
	}
	r.good = time.Now()
	return nil
}

// read has the session read the next frame into f (nil: the spare Mat)
// and waits for it at most wait. On an error (ctx done, or the wait over)
// the session is left reading and keeps f.
func (r *run) read(ctx context.Context, f *Frame, wait time.Duration) (result, error) {
	r.s.req <- f // the session's goroutine waits for requests when idle
	r.reading = true
	r.timer.Reset(wait)
	select {
	case res := <-r.s.res:
		r.timer.Stop()
		r.reading = false
		return res, nil
	case <-r.timer.C:
		return result{}, ErrStalled
	case <-ctx.Done():
		r.timer.Stop()
		return result{}, ctx.Err()
	}
}

// stalled describes a stall: live, no good frame came for the stall
// timeout (hung reads, or only corrupt frames); offline, one read took
// that long.
func (r *run) stalled() error {
	if r.reopens {
		return fmt.Errorf("%w: no good frame for %v after frame %d", ErrStalled, r.stall, r.index)
	}
	return fmt.Errorf("%w: no frame for %v after frame %d", ErrStalled, r.stall, r.index)
}

// down marks a live source down after err, hangs up, and waits before the
// next attempt to connect: the backoff, jittered, doubled for next time.
func (r *run) down(ctx context.Context, err error) error {
	st := &r.g.stats
	st.up.Store(false)
	st.setError(fmt.Errorf("%s: %w", r.g.label, err))
	r.hangUp()
	wait := jitter(r.backoff)
	r.backoff = min(2*r.backoff, r.g.cfg.MaxBackoff)
	return r.sleep(ctx, wait)
}

// sleep waits for d or until ctx is done.
func (r *run) sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	r.timer.Reset(d)
	select {
	case <-r.timer.C:
		return nil
	case <-ctx.Done():
		r.timer.Stop()
		return ctx.Err()
	}
}

// nextIndex returns the Index of the frame just read: for files and
// sequences the position the reader reports (OpenCV's POS_FRAMES counts
// the frame just read), for live sources, or when the reader reports
// nothing usable, one more than the last.
func (r *run) nextIndex(res result) int64 {
	next := r.index + 1
	if r.reopens {
		return next
	}
	if p := int64(res.pos) - 1; res.pos >= 1 && p > r.index {
		return p
	}
	return next
}

// timestamp returns the stream time of the frame just read, before the
// camera's offset: the session clock for live sources, the frame's place
// in an image sequence, the presentation time for a video file.
func (r *run) timestamp(res result) time.Duration {
	switch {
	case r.reopens:
		return res.at.Sub(r.epoch)
	case r.g.src.kind == kindSequence:
		return time.Duration(r.index) * r.period
	default:
		return r.clock.next(res.pts, r.period)
	}
}

// deliver sends f on out: offline waiting for the receiver, live only if
// out has room, else the frame is dropped. A file played live first waits
// until its stream time t has come on the clock since Run started.
func (r *run) deliver(ctx context.Context, f *Frame, t time.Duration) error {
	st := &r.g.stats
	if !r.g.cfg.Live {
		select {
		case r.out <- f:
		case <-ctx.Done():
			f.Release()
			return ctx.Err()
		}
	} else {
		if !r.reopens {
			if err := r.sleep(ctx, t-time.Since(r.start)); err != nil {
				f.Release()
				return err
			}
		}
		select {
		case r.out <- f:
		default:
			f.Release()
			st.dropped.Add(1)
			return nil
		}
	}
	r.seq++
	st.frames.Add(1)
	st.lastFrame.Store(time.Now().UnixNano())
	return nil
}

// end finishes an offline run at the end of its input: nil, unless not a
// single frame could be used. A video that ends before the frame count
// its container announced is noted in Stats.LastError but ends cleanly:
// the count is often an estimate, and every decodable frame was sent.
func (r *run) end() error {
	st := &r.g.stats
	switch {
	case r.index < 0:
		return fmt.Errorf("%s: %w: %s %s: no frame could be decoded", r.g.label, ErrOpen, r.g.src.kind, r.g.src.label)
	case r.usable == 0:
		return fmt.Errorf("%s: %w: %s %s: none of its %d frames is a usable image", r.g.label, ErrOpen, r.g.src.kind, r.g.src.label, r.index+1)
	}
	if r.g.src.kind == kindVideo && r.frames > 0 && float64(r.index+1) < r.frames {
		st.setError(fmt.Errorf("%s: video ended after %d frames of the %.0f its container announces: truncated or damaged?",
			r.g.label, r.index+1, r.frames))
	}
	return nil
}
