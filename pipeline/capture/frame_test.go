package capture

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestPoolLending(t *testing.T) {
	p := NewPool(3, 2)
	defer p.Close()
	ctx := context.Background()
	a, err := p.Get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b, ok := p.TryGet()
	if !ok || a == b || a.Camera != 3 || b.Camera != 3 {
		t.Fatalf("got frames %p %p of cameras %d %d, want two distinct frames of camera 3", a, b, a.Camera, b.Camera)
	}
	if _, ok := p.TryGet(); ok {
		t.Error("TryGet on an empty pool: got a frame, want none")
	}
	if got := p.Free(); got != 0 {
		t.Errorf("free: got %d, want 0", got)
	}

	// A blocked Get gets the next released frame; its ctx ends the wait.
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if _, err := p.Get(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Get on an empty pool: got %v, want context.DeadlineExceeded", err)
	}
	got := make(chan *Frame)
	go func() {
		f, _ := p.Get(ctx)
		got <- f
	}()
	time.Sleep(10 * time.Millisecond)
	a.Release()
	if f := <-got; f != a {
		t.Errorf("blocked Get: got %p, want the released frame %p", f, a)
	}
	defer a.Release()

	// A second Release of one loan must not put the frame in twice.
	b.Release()
	b.Release()
	if got := p.Free(); got != 1 {
		t.Errorf("after a double release: got %d free, want 1", got)
	}
	if f := (&Frame{}); true {
		f.Release() // a frame made by hand: nothing to do
	}
}

func TestPoolClose(t *testing.T) {
	for _, tt := range []struct {
		name string
		n    int
	}{
		{"default size", 0},
		{"one", 1},
		{"five", 5},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := NewPool(0, tt.n)
			want := tt.n
			if want == 0 {
				want = DefaultBuffers
			}
			if p.Size() != want || p.Free() != want {
				t.Fatalf("got size %d free %d, want %d", p.Size(), p.Free(), want)
			}
			f, _ := p.TryGet()
			p.Close()
			p.Close()
			if _, err := p.Get(context.Background()); !errors.Is(err, ErrPoolClosed) {
				t.Errorf("Get after Close: got %v, want ErrPoolClosed", err)
			}
			if _, ok := p.TryGet(); ok {
				t.Error("TryGet after Close: got a frame")
			}
			// Every Mat stays open while a frame is lent (the lent one is
			// in use), and all are closed with the last release.
			for i := range p.frames {
				if p.frames[i].Img.Ptr() == nil {
					t.Fatalf("frame %d closed while a frame is still lent", i)
				}
			}
			f.Release()
			for i := range p.frames {
				if p.frames[i].Img.Ptr() != nil {
					t.Errorf("frame %d still open after the last release", i)
				}
			}
		})
	}
}

// TestPoolCloseWakesGet: a Get waiting on an empty pool returns when the
// pool closes.
func TestPoolCloseWakesGet(t *testing.T) {
	p := NewPool(0, 1)
	f, _ := p.TryGet()
	errc := make(chan error)
	go func() {
		_, err := p.Get(context.Background())
		errc <- err
	}()
	time.Sleep(10 * time.Millisecond)
	p.Close()
	if err := <-errc; !errors.Is(err, ErrPoolClosed) {
		t.Errorf("got %v, want ErrPoolClosed", err)
	}
	f.Release()
	if f.Img.Ptr() != nil {
		t.Error("Mat still open after the last release")
	}
}
