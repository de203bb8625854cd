package pose

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/athlete3d/athlete3d/pipeline"
	"github.com/athlete3d/athlete3d/pipeline/capture"
)

// Run runs the grabbers and the workers and sends the views on out until
// every camera's input is over, each camera's End view last, and returns
// nil; or until ctx is done, and returns ctx.Err(); or until a grabber or
// a worker fails, and returns that error after stopping the rest. Every
// goroutine it starts has returned, and every frame it received has been
// released, when it returns. Run does not close out.
//
// Each Run starts the cameras' tracking afresh (the grabbers open their
// inputs anew); only one Run may be under way at a time.
func (s *Stage) Run(ctx context.Context, out chan<- *pipeline.View) error {
	s.mu.Lock()
	switch {
	case s.closed:
		s.mu.Unlock()
		return ErrClosed
	case s.running:
		s.mu.Unlock()
		return ErrRunning
	}
	s.running = true
	s.active = len(s.cams)
	for _, c := range s.cams {
		c.state.Reset()
		c.waiting, c.busy = nil, false
	}
	s.mu.Unlock()
	s.busy.Store(0)
	s.started.Store(time.Now().UnixNano())
	s.ended.Store(0)
	defer func() {
		s.ended.Store(time.Now().UnixNano())
		s.mu.Lock()
		s.running = false
		s.mu.Unlock()
	}()

	run, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		failOnce sync.Once
		failure  error
	)
	fail := func(err error) {
		failOnce.Do(func() { failure = err })
		cancel()
	}
	// Waiters on cond do not watch ctx: wake them all when it is done.
	stop := context.AfterFunc(run, func() {
		s.mu.Lock()
		s.cond.Broadcast()
		s.mu.Unlock()
	})
	defer stop()

	var wg sync.WaitGroup
	for i, c := range s.cams {
		// Unbuffered: the grabber's own pool is the camera's queue, and
		// the frame it holds while it waits here is its read-ahead.
		frames := make(chan *capture.Frame)
		wg.Add(2)
		// The grabber returns at the end of its input, on failure, or
		// when run is done; it closes frames so that the feeder ends.
		go func() {
			defer wg.Done()
			defer close(frames)
			if err := s.srcs[i].Run(run, frames); err != nil && run.Err() == nil {
				fail(fmt.Errorf("pose: %w", err)) // the grabber's error names the camera
			}
		}()
		// The feeder returns once frames is closed and the camera's End
		// view is sent, or once run is done and frames is drained.
		go func() {
			defer wg.Done()
			s.feed(run, c, frames, out)
		}()
	}
	for _, w := range s.workers {
		wg.Add(1)
		// A worker returns when every camera has ended, when run is done,
		// or on an inference error.
		go func() {
			defer wg.Done()
			if err := s.work(run, w, out); err != nil {
				fail(err)
			}
		}()
	}
	wg.Wait()
	if failure != nil {
		return failure
	}
	s.mu.Lock()
	ended := s.active == 0
	s.mu.Unlock()
	if !ended {
		// Only ctx ends a run early without a failure.
		return ctx.Err()
	}
	return nil
}

// feed takes the camera's frames from its grabber into the camera's slot,
// where a worker picks them up: offline it waits for the slot to be free;
// live it replaces a frame still waiting there, releasing it and counting
// a drop. When the grabber is done it sends the camera's End view once the
// last frame's view has gone.
func (s *Stage) feed(ctx context.Context, c *camera, frames <-chan *capture.Frame, out chan<- *pipeline.View) {
	defer func() {
		// Frames that arrive once the run is over are released at once;
		// the loop ends when the grabber closes frames.
		for f := range frames {
			f.Release()
		}
	}()
	for f := range frames {
		arrived := time.Now()
		c.in.Add(1)
		s.mu.Lock()
		since := arrived
		if s.cfg.Live {
			if c.waiting != nil {
				since = c.since
				c.waiting.Release()
				c.dropped.Add(1)
			}
		} else {
			for c.waiting != nil && ctx.Err() == nil {
				s.cond.Wait()
			}
		}
		if ctx.Err() != nil {
			s.drop(c)
			s.mu.Unlock()
			f.Release()
			return
		}
		c.waiting, c.arrived, c.since = f, arrived, since
		s.cond.Broadcast()
		s.mu.Unlock()
	}

	// The input is over: the End view goes after the last frame's view,
	// so wait until no frame waits and no worker holds the camera, then
	// hold it for the End view.
	s.mu.Lock()
	for (c.waiting != nil || c.busy) && ctx.Err() == nil {
		s.cond.Wait()
	}
	if ctx.Err() != nil {
		s.drop(c)
		s.mu.Unlock()
		return
	}
	c.busy = true
	s.mu.Unlock()
	v := s.views.get()
	v.Camera, v.End = c.id, true
	sent := false
	select {
	case out <- v:
		sent = true
	case <-ctx.Done():
		v.Release()
	}
	s.mu.Lock()
	c.busy = false
	if sent {
		s.active--
	}
	s.cond.Broadcast()
	s.mu.Unlock()
}

// drop releases the frame waiting in c's slot, if any, at the end of a
// run. s.mu must be held.
func (s *Stage) drop(c *camera) {
	if c.waiting != nil {
		c.waiting.Release()
		c.waiting = nil
	}
}

// work takes waiting frames, the oldest first, up to Config.Batch
// cameras at a time, and turns each into a view. A camera stays held
// until its view is sent, which keeps each camera's views in capture
// order.
func (s *Stage) work(ctx context.Context, w *worker, out chan<- *pipeline.View) error {
	for {
		s.mu.Lock()
		for {
			if ctx.Err() != nil || s.active == 0 {
				s.mu.Unlock()
				return nil
			}
			if c := s.pick(); c != nil {
				break
			}
			s.cond.Wait()
		}
		w.jobs = w.jobs[:0]
		for len(w.jobs) < s.cfg.Batch {
			c := s.pick()
			if c == nil {
				break
			}
			w.jobs = append(w.jobs, job{c: c, f: c.waiting, arrived: c.arrived})
			c.waiting, c.busy = nil, true
		}
		s.cond.Broadcast() // the cameras' feeders may wait for their slots
		s.mu.Unlock()

		err := s.process(w)
		for i := range w.jobs {
			j := &w.jobs[i]
			if j.view != nil {
				select {
				case out <- j.view:
					s.total.ObserveDuration(time.Since(j.arrived))
				case <-ctx.Done():
					j.view.Release()
				}
			}
			s.mu.Lock()
			j.c.busy = false
			s.cond.Broadcast()
			s.mu.Unlock()
			*j = job{}
		}
		if err != nil {
			return err
		}
	}
}

// process runs the pose step on the frames of w's jobs with w's models,
// their crops in one inference, releases the frames, and leaves each
// job's view in it (none after an error).
func (s *Stage) process(w *worker) error {
	start := time.Now()
	w.imgs, w.crops = w.imgs[:0], w.crops[:0]
	var err error
	for i := range w.jobs {
		j := &w.jobs[i]
		s.queue.ObserveDuration(start.Sub(j.arrived))
		crops, e := j.c.state.Prepare(j.f.Img, w.det)
		if e != nil {
			err = fmt.Errorf("pose: camera %d frame %d: %w", j.c.id, j.f.Index, e)
			break
		}
		j.crops = len(crops)
		for _, c := range crops {
			w.imgs, w.crops = append(w.imgs, j.f.Img), append(w.crops, c)
		}
	}
	if err == nil {
		if e := w.est.EstimateEach(w.poses, w.imgs, w.crops); e != nil {
			j := &w.jobs[0]
			err = fmt.Errorf("pose: camera %d frame %d: %w", j.c.id, j.f.Index, e)
		}
	}
	off := 0
	for i := range w.jobs {
		j := &w.jobs[i]
		if err == nil {
			people := j.c.state.Finish(w.poses[off : off+j.crops])
			off += j.crops
			v := s.views.get()
			fill(v, j.c.id, people)
			// Seq follows the input's frame numbers, so that drops
			// anywhere before the pose step show as gaps.
			v.Seq, v.Time = j.f.Index, j.f.Time
			j.view = v
			j.c.processed.Add(1)
		}
		j.f.Release()
		j.f = nil
	}
	w.imgs = w.imgs[:0] // hold no Mat beyond the frames' release
	if err != nil {
		return err
	}
	end := time.Now()
	for range w.jobs {
		s.infer.ObserveDuration(end.Sub(start))
	}
	s.busy.Add(int64(end.Sub(start)))
	return nil
}

// pick returns, among the cameras with a frame waiting and no worker,
// the one that has waited longest, or nil. A live replacement does not
// reset the wait, so each camera is served in turn however often its
// frames are replaced; offline it serves the cameras in turn too, and a
// camera whose frames cost more (more people, more detector runs), the
// run's critical path, is taken as soon as it is free. Capture times would
// be a poorer key: files played live, or cameras with offsets, have clocks
// that do not compare. s.mu must be held.
func (s *Stage) pick() *camera {
	var best *camera
	for _, c := range s.cams {
		if c.waiting != nil && !c.busy && (best == nil || c.since.Before(best.since)) {
			best = c
		}
	}
	return best
}
