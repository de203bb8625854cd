package capture

import (
	"time"

	"gocv.io/x/gocv"
)

// session is one opening of a source, served by its own goroutine
// (serve), which owns the reader: it opens it, reads frames on request
// and closes it. Run talks to it through channels and never calls the
// reader itself, so that Run can walk away from a read that hangs.
//
// A gocv read cannot be interrupted: it is a cgo call, and closing the
// VideoCapture from another goroutine would free the C++ object under the
// read (gocv's Close deletes it). So Run abandons a stalled session
// (closes quit) and opens a new one; the abandoned goroutine ends as soon
// as its read returns, closing its reader and releasing the frame it was
// reading into. FFmpeg gives up on a silent network stream after its
// interrupt timeout (30 s in OpenCV 4.6), so an abandoned session lingers
// at most that long; a driver call that never returns would keep its
// goroutine and one pool frame forever.
type session struct {
	req   chan *Frame   // Run → serve: read into this frame (nil: into the spare Mat)
	res   chan result   // serve → Run: the read's outcome, handing the frame back
	ready chan openInfo // serve → Run: the outcome of opening, sent once
	quit  chan struct{} // closed by Run: stop after the read under way
	done  chan struct{} // closed by serve when it returns
}

// result is the outcome of one read.
type result struct {
	st  status
	at  time.Time // when the read returned (monotonic)
	pts float64   // CAP_PROP_POS_MSEC after the read
	pos float64   // CAP_PROP_POS_FRAMES after the read
}

// openInfo is the outcome of opening a source.
type openInfo struct {
	err    error
	fps    float64 // CAP_PROP_FPS
	frames float64 // CAP_PROP_FRAME_COUNT
}

// startSession starts a session's goroutine opening src with open.
func startSession(open func(source) (reader, error), src source) *session {
	s := &session{
		req:   make(chan *Frame),
		res:   make(chan result),
		ready: make(chan openInfo, 1),
		quit:  make(chan struct{}),
		done:  make(chan struct{}),
	}
	go s.serve(open, src)
	return s
}

// serve opens src and reads frames on request until quit is closed, then
// closes the reader. It returns when quit is closed and no read is under
// way, or at once when opening fails.
func (s *session) serve(open func(source) (reader, error), src source) {
	defer close(s.done)
	r, err := open(src)
	if err != nil {
		s.ready <- openInfo{err: err} // buffered: never blocks
		return
	}
	defer r.Close()
	s.ready <- openInfo{fps: r.Get(gocv.VideoCaptureFPS), frames: r.Get(gocv.VideoCaptureFrameCount)}

	// When the pool is empty (live, a slow consumer) the frame is still
	// read, so that the source's queue drains and the next frame
	// delivered is a fresh one; it lands here and is dropped.
	spare := gocv.NewMat()
	defer spare.Close()
	for {
		var f *Frame
		select {
		case f = <-s.req:
		case <-s.quit:
			return
		}
		dst := &spare
		if f != nil {
			dst = &f.Img
		}
		st := r.Read(dst)
		if st == readOK && (dst.Empty() || dst.Type() != gocv.MatTypeCV8UC3) {
			st = readCorrupt
		}
		res := result{st: st, at: time.Now(), pts: r.Get(gocv.VideoCapturePosMsec), pos: r.Get(gocv.VideoCapturePosFrames)}
		select {
		case s.res <- res:
		case <-s.quit:
			// Run gave up on this read: the frame is ours to return.
			if f != nil {
				f.Release()
			}
			return
		}
	}
}

// stop tells the session's goroutine to end, and waits for it unless a
// read is under way (which may hang).
func (s *session) stop(reading bool) {
	close(s.quit)
	if !reading {
		<-s.done
	}
}
