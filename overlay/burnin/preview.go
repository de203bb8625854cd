package burnin

// #cgo noescape burnin_jpeg_encode
// #cgo nocallback burnin_jpeg_encode
// #include <stdlib.h>
// #include "burnin.h"
import "C"

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"
	"unsafe"

	"gocv.io/x/gocv"
)

// boundary separates the JPEG parts of the preview stream.
const boundary = "athlete3dframe"

// Preview is an http.Handler serving the latest published frame as an
// MJPEG stream (multipart/x-mixed-replace, one JPEG per part) to any
// number of viewers. Publish encodes each frame once, whatever the number
// of viewers, and never waits for one: a viewer still sending an older
// frame skips to the latest when it is done. Make it with NewPreview; set
// the fields before serving.
type Preview struct {
	// Quality is the JPEG quality, 1 to 100; 0 means 80.
	Quality int
	// WriteTimeout bounds the sending of one part to a viewer; a viewer
	// that takes longer is dropped. 0 means 10 s.
	WriteTimeout time.Duration

	encMu sync.Mutex
	enc   unsafe.Pointer // C encoder; nil once closed

	mu      sync.Mutex
	latest  *jpegFrame
	seq     uint64 // number of frames published (PreviewStats.Published)
	viewers map[*viewer]struct{}
	closed  bool
	done    chan struct{}
	stats   PreviewStats
	free    chan *jpegFrame // leaky free list of encoded frames
}

// PreviewStats counts what a Preview did.
type PreviewStats struct {
	Published int64 // frames published
	Viewers   int   // viewers connected now
	Sent      int64 // parts sent, over all viewers
	Skipped   int64 // frames viewers did not get because they were busy
	// Lag is the most frames any connected viewer is behind the latest:
	// a viewer stalled in a write falls behind while the others go on.
	Lag int64
}

// jpegFrame is one encoded frame, shared by the Preview (while it is the
// latest) and the viewers sending it; refs is guarded by Preview.mu.
type jpegFrame struct {
	buf  []byte
	seq  uint64
	refs int
}

type viewer struct {
	wake chan struct{} // capacity 1: a pending "there is a newer frame"
	last uint64        // seq of the last frame taken; guarded by Preview.mu
}

// NewPreview returns a Preview with no frame yet. Close releases it.
func NewPreview() *Preview {
	return &Preview{
		enc:     C.burnin_jpeg_new(),
		viewers: make(map[*viewer]struct{}),
		done:    make(chan struct{}),
		free:    make(chan *jpegFrame, 4),
	}
}

// Publish encodes img (8-bit BGR) as JPEG and makes it the frame every
// viewer gets next. It does no network I/O and waits for no viewer; it
// takes locks only held for a few assignments. Concurrent calls are safe
// but serialised. Steady state allocates nothing in Go: encoded frames come
// back to a free list when the last viewer has sent them.
func (p *Preview) Publish(img gocv.Mat) error {
	if img.Empty() || img.Type() != gocv.MatTypeCV8UC3 {
		return imageError(&img)
	}
	q := p.Quality
	if q <= 0 || q > 100 {
		q = 80
	}
	p.encMu.Lock()
	if p.enc == nil {
		p.encMu.Unlock()
		return ErrClosed
	}
	var data *C.uchar
	var n C.size_t
	msg := C.burnin_jpeg_encode(p.enc, unsafe.Pointer(img.Ptr()), C.int(q), &data, &n)
	if msg != nil {
		p.encMu.Unlock()
		defer C.free(unsafe.Pointer(msg))
		return fmt.Errorf("%w: %s", ErrEncode, C.GoString(msg))
	}
	var f *jpegFrame
	select {
	case f = <-p.free:
	default:
		f = new(jpegFrame)
	}
	f.buf = append(f.buf[:0], unsafe.Slice((*byte)(unsafe.Pointer(data)), int(n))...)
	p.encMu.Unlock()

	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return ErrClosed
	}
	p.seq++
	f.seq, f.refs = p.seq, 1
	old := p.latest
	p.latest = f
	if old != nil {
		p.releaseLocked(old)
	}
	for v := range p.viewers {
		select {
		case v.wake <- struct{}{}:
		default: // already woken: it will take the latest frame then
		}
	}
	return nil
}

// releaseLocked drops one reference to f; the last one returns it to the
// free list (or to the garbage collector when the list is full).
func (p *Preview) releaseLocked(f *jpegFrame) {
	f.refs--
	if f.refs > 0 {
		return
	}
	select {
	case p.free <- f:
	default:
	}
}

// Stats returns the counters so far.
func (p *Preview) Stats() PreviewStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.stats
	s.Published = int64(p.seq)
	s.Viewers = len(p.viewers)
	for v := range p.viewers {
		s.Lag = max(s.Lag, int64(p.seq-v.last))
	}
	return s
}

// Close ends every viewer's stream (each handler returns once the part it
// is sending is done, or its write timeout expires) and releases the
// encoder. Publish then returns ErrClosed. Close is idempotent.
func (p *Preview) Close() error {
	p.mu.Lock()
	if !p.closed {
		p.closed = true
		close(p.done)
	}
	p.mu.Unlock()
	p.encMu.Lock()
	if p.enc != nil {
		C.burnin_jpeg_free(p.enc)
		p.enc = nil
	}
	p.encMu.Unlock()
	return nil
}

// ServeHTTP streams the frames to one viewer until it goes away or the
// Preview is closed: a GET gets the stream, other methods 405.
func (p *Preview) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	v := &viewer{wake: make(chan struct{}, 1)}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		http.Error(w, "preview closed", http.StatusServiceUnavailable)
		return
	}
	p.viewers[v] = struct{}{}
	if p.latest != nil {
		v.wake <- struct{}{}
	}
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		delete(p.viewers, v)
		p.mu.Unlock()
	}()

	h := w.Header()
	h.Set("Content-Type", "multipart/x-mixed-replace; boundary="+boundary)
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	if err := rc.Flush(); err != nil {
		return
	}
	timeout := p.WriteTimeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	hdr := make([]byte, 0, 128)
	for {
		select {
		case <-v.wake:
		case <-r.Context().Done():
			return
		case <-p.done:
			return
		}
		p.mu.Lock()
		f := p.latest
		if f == nil || f.seq == v.last {
			p.mu.Unlock()
			continue
		}
		f.refs++
		if v.last > 0 {
			p.stats.Skipped += int64(f.seq - v.last - 1)
		}
		v.last = f.seq
		p.mu.Unlock()

		err := rc.SetWriteDeadline(time.Now().Add(timeout))
		if err != nil && !errors.Is(err, http.ErrNotSupported) {
			p.release(f)
			return
		}
		hdr = append(hdr[:0], "--"+boundary+"\r\nContent-Type: image/jpeg\r\nContent-Length: "...)
		hdr = strconv.AppendInt(hdr, int64(len(f.buf)), 10)
		hdr = append(hdr, "\r\n\r\n"...)
		_, err = w.Write(hdr)
		if err == nil {
			_, err = w.Write(f.buf)
		}
		if err == nil {
			_, err = w.Write(crlf)
		}
		if err == nil {
			err = rc.Flush()
		}
		p.mu.Lock()
		p.releaseLocked(f)
		if err == nil {
			p.stats.Sent++
		}
		p.mu.Unlock()
		if err != nil {
			return
		}
	}
}

var crlf = []byte("\r\n")

func (p *Preview) release(f *jpegFrame) {
	p.mu.Lock()
	p.releaseLocked(f)
	p.mu.Unlock()
}
