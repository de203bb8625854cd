package capture

import (
	"sync/atomic"
	"time"
)

// Stats are a grabber's counts since it was made.
type Stats struct {
	// Frames counts the frames delivered.
	Frames int64
	// Dropped counts the good frames read but not delivered: live, the
	// receiver had no room (out full or every pool frame held).
	Dropped int64
	// Corrupt counts the frames read but unusable (undecodable image
	// files, empty or non-BGR images), skipped.
	Corrupt int64
	// Reconnects counts the times a live source was opened again after it
	// had been open.
	Reconnects int64
	// Up is true while the source delivers good frames: from the first
	// good frame after opening until a failure or the end of Run.
	Up bool
	// LastError is the last failure met ("" if none): what made a live
	// source go down, the error an offline Run returned, or the note that
	// a video ended before the length its container announced.
	LastError string
	// LastFrame is the wall-clock time the last frame was delivered (zero
	// before the first).
	LastFrame time.Time
}

// counters back Stats; every field is safe from any goroutine.
type counters struct {
	frames, dropped, corrupt, reconnects atomic.Int64
	up                                   atomic.Bool
	lastErr                              atomic.Pointer[string]
	lastFrame                            atomic.Int64 // Unix nanoseconds, 0 before the first frame
}

func (c *counters) setError(err error) {
	s := err.Error()
	c.lastErr.Store(&s)
}

// Stats returns the grabber's counts. Any goroutine may call it, while
// Run runs or after.
func (g *Grabber) Stats() Stats {
	c := &g.stats
	s := Stats{
		Frames:     c.frames.Load(),
		Dropped:    c.dropped.Load(),
		Corrupt:    c.corrupt.Load(),
		Reconnects: c.reconnects.Load(),
		Up:         c.up.Load(),
	}
	if e := c.lastErr.Load(); e != nil {
		s.LastError = *e
	}
	if ns := c.lastFrame.Load(); ns != 0 {
		s.LastFrame = time.Unix(0, ns)
	}
	return s
}
