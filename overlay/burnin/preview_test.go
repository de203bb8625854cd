package burnin

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"image/jpeg"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"gocv.io/x/gocv"

	"github.com/athlete3d/athlete3d/internal/testenv"
)

// noise returns a w×h BGR image of random pixels: it compresses badly, so
// a few frames fill a stalled viewer's socket buffers.
func noise(w, h int) gocv.Mat {
	m := gocv.NewMatWithSize(h, w, gocv.MatTypeCV8UC3)
	gocv.RandU(&m, gocv.NewScalar(0, 0, 0, 0), gocv.NewScalar(255, 255, 255, 0))
	return m
}

// readParts reads n JPEG parts of an MJPEG stream and decodes each.
func readParts(ctx context.Context, url string, n int) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	mt, params, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/x-mixed-replace" {
		return errors.New("content type " + resp.Header.Get("Content-Type"))
	}
	mr := multipart.NewReader(resp.Body, params["boundary"])
	for range n {
		part, err := mr.NextPart()
		if err != nil {
			return err
		}
		if ct := part.Header.Get("Content-Type"); ct != "image/jpeg" {
			return errors.New("part type " + ct)
		}
		b, err := io.ReadAll(part)
		if err != nil {
			return err
		}
		img, err := jpeg.Decode(bytes.NewReader(b))
		if err != nil {
			return err
		}
		if s := img.Bounds().Size(); s.X != 640 || s.Y != 480 {
			return errors.New("wrong size " + s.String())
		}
	}
	return nil
}

func TestPreview(t *testing.T) {
	before := runtime.NumGoroutine()
	p := NewPreview()
	srv := httptest.NewServer(p)

	img := noise(640, 480)
	defer img.Close()
	if err := p.Publish(img); err != nil {
		t.Fatal(err)
	}

	// A viewer that asks for the stream and never reads it.
	stalled, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(stalled, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	if line, err := bufio.NewReader(stalled).ReadString('\n'); err != nil || !strings.Contains(line, "200") {
		t.Fatalf("stalled viewer's status line %q, %v", line, err)
	}

	// The producer publishes until both readers are done; no Publish may
	// take long, whatever the stalled viewer does.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	readers := make(chan error, 2)
	for range 2 {
		go func() { readers <- readParts(ctx, srv.URL, 8) }()
	}
	published, slowest, done := 0, time.Duration(0), 0
	for done < 2 {
		select {
		case err := <-readers:
			if err != nil {
				t.Errorf("viewer: %v", err)
			}
			done++
			continue
		case <-ctx.Done():
			t.Fatalf("readers not done after %d frames: %v", published, p.Stats())
		default:
		}
		start := time.Now()
		if err := p.Publish(img); err != nil {
			t.Fatal(err)
		}
		slowest = max(slowest, time.Since(start))
		published++
		time.Sleep(2 * time.Millisecond)
	}
	// Keep publishing for a while: the stalled viewer must have blocked
	// in a write by now (each part is ~0.4 MB), and it must not matter:
	// it falls behind by most of these frames.
	for range 200 {
		start := time.Now()
		if err := p.Publish(img); err != nil {
			t.Fatal(err)
		}
		slowest = max(slowest, time.Since(start))
	}
	st := p.Stats()
	t.Logf("%d frames published, slowest Publish %v, stats %+v", st.Published, slowest, st)
	if slowest > time.Second {
		t.Errorf("a Publish took %v: the producer waited for a viewer", slowest)
	}
	if st.Viewers != 1 || st.Lag < 100 {
		t.Errorf("stats %+v: want the stalled viewer still connected and 100 frames behind", st)
	}

	stalled.Close()
	p.Close()
	srv.Close()
	if err := p.Publish(img); !errors.Is(err, ErrClosed) {
		t.Errorf("Publish after Close: got %v, want ErrClosed", err)
	}
	http.DefaultClient.CloseIdleConnections()
	testenv.Settled(t, before)
}

func TestPreviewRejects(t *testing.T) {
	p := NewPreview()
	defer p.Close()
	gray := gocv.NewMatWithSize(4, 4, gocv.MatTypeCV8UC1)
	defer gray.Close()
	if err := p.Publish(gray); !errors.Is(err, ErrImage) {
		t.Errorf("grey image: got %v, want ErrImage", err)
	}
	rec := httptest.NewRecorder()
	p.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST: status %d, want 405", rec.Code)
	}
	p.Close()
	rec = httptest.NewRecorder()
	p.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("GET after Close: status %d, want 503", rec.Code)
	}
}

func BenchmarkPublish(b *testing.B) {
	p := NewPreview()
	defer p.Close()
	img := noise(1280, 720)
	defer img.Close()
	b.ReportAllocs()
	for b.Loop() {
		if err := p.Publish(img); err != nil {
			b.Fatal(err)
		}
	}
}
