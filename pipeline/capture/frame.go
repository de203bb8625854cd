package capture

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"gocv.io/x/gocv"
)

// DefaultBuffers is the pool size of a camera whose SourceConfig.Buffers
// is zero.
const DefaultBuffers = 4

// Frame is one captured image, lent by its camera's Pool. The receiver
// owns it until Release; after Release it must not touch the Frame or
// its Img, which the pool hands out again for a later image.
type Frame struct {
	// Camera is the index of the camera in the rig.
	Camera int
	// Seq numbers the frames delivered by the camera, from 0; a gap
	// never occurs in Seq, drops show as gaps in Index.
	Seq int64
	// Index is the frame's position in the input: for video files the
	// count of frames the decoder gave before it, for image sequences the
	// file's number counted from the first (its position in a directory),
	// for live sources the count of frames read since Run started,
	// dropped and corrupt ones included.
	Index int64
	// Time is the capture time since the session start, the camera's
	// Offset added. Files count from their first frame's presentation
	// time, image sequences from Index/FPS, live sources from the
	// monotonic clock when the frame was read (see the package
	// documentation).
	Time time.Duration
	// Img is the image, BGR 8-bit. Its memory belongs to the pool.
	Img gocv.Mat

	pool *Pool
	lent atomic.Bool
}

// Release gives f back to its pool. A second Release of the same loan is
// ignored; a Frame without a pool is left alone.
func (f *Frame) Release() {
	if f.pool == nil || !f.lent.CompareAndSwap(true, false) {
		return
	}
	f.pool.free <- f // never blocks: the channel holds every frame
	f.pool.returned()
}

// Pool is a fixed set of frame buffers for one camera, allocated once:
// its Mats grow to the camera's image size on the first reads and are
// reused from then on, so a steady stream of frames allocates nothing.
//
// Get and TryGet lend a Frame; Frame.Release returns it. Any goroutine may
// call any method.
type Pool struct {
	frames []Frame
	free   chan *Frame
	done   chan struct{} // closed by Close: wakes a blocked Get

	lent      atomic.Int64 // frames out, plus Gets under way
	closed    atomic.Bool
	closeOnce sync.Once
	matsOnce  sync.Once
}

// NewPool returns a pool of n frames for the camera (n < 1: DefaultBuffers).
func NewPool(camera, n int) *Pool {
	if n < 1 {
		n = DefaultBuffers
	}
	p := &Pool{
		frames: make([]Frame, n),
		free:   make(chan *Frame, n),
		done:   make(chan struct{}),
	}
	for i := range p.frames {
		f := &p.frames[i]
		f.Camera, f.Img, f.pool = camera, gocv.NewMat(), p
		p.free <- f
	}
	return p
}

// Get lends a frame, waiting for one to be released if none is free: the
// offline policy, which loses nothing. It fails with ctx's error or
// ErrPoolClosed.
func (p *Pool) Get(ctx context.Context) (*Frame, error) {
	// Counting the Get as a loan before looking at closed is what keeps
	// Close from closing the Mats under it (see returned).
	p.lent.Add(1)
	if p.closed.Load() {
		p.returned()
		return nil, ErrPoolClosed
	}
	select {
	case f := <-p.free:
		f.lent.Store(true)
		return f, nil
	case <-ctx.Done():
		p.returned()
		return nil, ctx.Err()
	case <-p.done:
		p.returned()
		return nil, ErrPoolClosed
	}
}

// TryGet lends a frame if one is free, without waiting: the live policy,
// where an empty pool means the consumer is behind and the frame at hand
// is dropped.
func (p *Pool) TryGet() (*Frame, bool) {
	p.lent.Add(1)
	if p.closed.Load() {
		p.returned()
		return nil, false
	}
	select {
	case f := <-p.free:
		f.lent.Store(true)
		return f, true
	default:
		p.returned()
		return nil, false
	}
}

// Size returns the number of frames in the pool.
func (p *Pool) Size() int { return len(p.frames) }

// Free returns the number of frames not lent at the moment.
func (p *Pool) Free() int { return len(p.free) }

// Close ends the pool: Get fails from now on, and the Mats are closed as
// soon as every lent frame is back, at once if none is out, else by the
// last Release. Frames still lent stay valid until their Release. Close
// may be called more than once.
func (p *Pool) Close() {
	p.closeOnce.Do(func() {
		p.closed.Store(true)
		close(p.done)
		if p.lent.Load() == 0 {
			p.matsOnce.Do(p.closeMats)
		}
	})
}

// returned ends a loan (or a Get that lent nothing). Close and the last
// return race to see each other's write: Close stores closed then loads
// lent, a return decrements lent then loads closed, so with sequentially
// consistent atomics at least one of them sees both and closes the Mats,
// and a Get that incremented lent before Close looked keeps them open.
func (p *Pool) returned() {
	if p.lent.Add(-1) == 0 && p.closed.Load() {
		p.matsOnce.Do(p.closeMats)
	}
}

func (p *Pool) closeMats() {
	for i := range p.frames {
		p.frames[i].Img.Close()
	}
}
