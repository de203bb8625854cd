package main

import (
	"context"
	"fmt"
	"image"
	"math"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/athlete3d/athlete3d/internal/browsertest"
	"github.com/athlete3d/athlete3d/overlay"
	"github.com/athlete3d/athlete3d/pipeline"
)

// TestRunOverlay: a live virtual rig with an overlay: a client with the
// token gets the hello (the rig's cameras) and then frames of the three
// athletes in their lanes, the start list's name on lane 2; without the
// token it is refused.
func TestRunOverlay(t *testing.T) {
	_, addr := overlayRun(t, `
live = true
[synthetic]
url = "synthetic://sprint?cams=4&athletes=3&loop=1"

[overlay]
listen = "127.0.0.1:0"
tokens = ["s3cret"]
lane1_y = 0
lane_width = 1.22

[[athlete]]
lane = 2
name = "Runner Two"
bib = "202"
`)
	url := "ws://" + addr + "/feed"
	if _, resp, err := websocket.DefaultDialer.Dial(url, nil); err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("without the token: got %v, %v; want 401", resp, err)
	}
	conn, _, err := websocket.DefaultDialer.Dial(url+"?token=s3cret", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetReadDeadline(time.Now().Add(8 * time.Second))
	_, msg, err := conn.ReadMessage()
	if err != nil || overlay.MessageType(msg) != "hello" {
		t.Fatalf("first message %.80q, %v: want the hello", msg, err)
	}
	named, frames := false, 0
	lanes := map[string]bool{}
	for frames < 100 && !(named && len(lanes) == 3) {
		_, msg, err := conn.ReadMessage()
		if err != nil {
			t.Fatal(err)
		}
		if overlay.MessageType(msg) != "frame" {
			continue
		}
		f, err := overlay.DecodeJSON(msg)
		if err != nil {
			t.Fatal(err)
		}
		frames++
		for _, a := range f.Athletes {
			if a.Lane != "" {
				lanes[a.Lane] = true
			}
			named = named || a.Lane == "2" && a.Name == "Runner Two" && a.Bib == "202"
		}
	}
	t.Logf("%d frames read; lanes %v; lane 2 named: %v", frames, lanes, named)
	if !named || len(lanes) != 3 {
		t.Errorf("after %d frames: lanes %v, lane 2 named %v; want lanes 1-3 and the start list's name", frames, lanes, named)
	}
}

// overlayRun starts the run the configuration text describes, with its
// overlay served; both stop when the test ends. It returns the run and the
// overlay's address.
func overlayRun(t *testing.T, text string) (*pipelineRun, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "run.toml")
	writeFile(t, path, text)
	cfg, err := pipeline.LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	r, err := buildRun(cfg)
	if err != nil {
		t.Fatal(err)
	}
	addr, stop, err := r.serveOverlay(cfg.Overlay.Listen)
	if err != nil {
		r.close()
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- r.engine.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil && ctx.Err() == nil {
			t.Error(err)
		}
		stop()
		r.close()
	})
	return r, addr
}

// TestRunOverlayBrowser is the overlay page in headless Chromium against
// a running pipeline on the virtual rig (three sprinters, four cameras):
// the frames come over WebRTC, and over WebSocket when the run has WebRTC
// off; with the picture held, the skeletons are drawn where the frame's
// reprojections into camera 0 say: red at the limbs' midpoints, nothing
// far from every athlete.
func TestRunOverlayBrowser(t *testing.T) {
	browser := browsertest.Start(t, 960, 540)
	for _, tt := range []struct {
		webrtc bool
		want   string
	}{{true, "webrtc"}, {false, "ws"}} {
		t.Run(tt.want, func(t *testing.T) {
			r, addr := overlayRun(t, fmt.Sprintf(`
live = true
[synthetic]
url = "synthetic://sprint?cams=4&athletes=3&loop=1"
[overlay]
listen = "127.0.0.1:0"
tokens = ["t0ken"]
webrtc = %v
`, tt.webrtc))

			page := browsertest.Open(t, browser, "http://"+addr+"/overlay?camera=0&transport=auto&token=t0ken&color=ff0000", 960, 540, 20*time.Second)
			if err := browsertest.Wait(page, `window.overlayState && overlayState.frames > 10 && overlayState.transport !== ""`); err != nil {
				t.Fatalf("no frames: %v", err)
			}
			// Hold the picture, and read the frame it shows once drawn.
			var shown struct {
				Transport string
				Width     int
				Height    int
				Boxes     [][4]float64 // the lower thirds, page pixels
				Athletes  []struct {
					Views []struct{ Points []float64 }
				}
			}
			err := browsertest.Eval(page, `new Promise(done => {
				overlayState.hold = true;
				requestAnimationFrame(() => requestAnimationFrame(() => done({
					transport: overlayState.transport,
					width: overlayState.hello.cameras[0].width, height: overlayState.hello.cameras[0].height,
					boxes: [...document.querySelectorAll('#lowerthirds > *')].map(e => { const b = e.getBoundingClientRect(); return [b.left, b.top, b.right, b.bottom]; }),
					athletes: overlayState.drawn.athletes.map(a => ({views: a.views.map(v => ({points: v.uv}))})),
				})));
			})`, &shown)
			if err != nil {
				t.Fatal(err)
			}
			if shown.Transport != tt.want {
				t.Errorf("transport %q, want %q", shown.Transport, tt.want)
			}
			img := browsertest.Screenshot(t, page)
			fit := browsertest.NewContain(img, shown.Width, shown.Height)
			covered := func(p image.Point) bool {
				for _, b := range shown.Boxes {
					if float64(p.X) >= b[0]-2 && float64(p.X) <= b[2]+2 && float64(p.Y) >= b[1]-2 && float64(p.Y) <= b[3]+2 {
						return true
					}
				}
				return false
			}
			limbs := r.hub.Hello().Limbs
			var hit, checked int
			var pts [][2]float64
			for _, a := range shown.Athletes {
				if len(a.Views) != 1 {
					t.Fatalf("athlete with %d views: want camera 0's only", len(a.Views))
				}
				p := a.Views[0].Points
				if len(p) != 2*len(r.hub.Hello().Joints) {
					t.Fatalf("a view of %d coordinates, want 2 per joint", len(p))
				}
				for j := 0; 2*j+1 < len(p); j++ {
					if p[2*j] >= 0 {
						pts = append(pts, [2]float64{p[2*j], p[2*j+1]})
					}
				}
				for _, l := range limbs {
					u0, v0, u1, v1 := p[2*l[0]], p[2*l[0]+1], p[2*l[1]], p[2*l[1]+1]
					if u0 < 0 || u1 < 0 || math.Hypot(u1-u0, v1-v0) < 8 {
						continue
					}
					u, v := (u0+u1)/2, (v0+v1)/2
					if u < 0 || v < 0 || u >= float64(shown.Width) || v >= float64(shown.Height) {
						continue
					}
					at := fit.At(u, v)
					if covered(at) {
						continue
					}
					checked++
					if browsertest.Near(img, at, browsertest.Red) {
						hit++
					}
				}
			}
			// Nothing where no athlete is: a grid of points 100 px (camera
			// pixels) or more from every joint, outside the lower thirds.
			var empty, clear int
			for u := 40.0; u < float64(shown.Width); u += 160 {
				for v := 40.0; v < float64(shown.Height); v += 160 {
					far := true
					for _, q := range pts {
						far = far && math.Hypot(q[0]-u, q[1]-v) > 100
					}
					if at := fit.At(u, v); far && !covered(at) {
						empty++
						if browsertest.Transparent(img.At(at.X, at.Y)) {
							clear++
						}
					}
				}
			}
			t.Logf("%s: %d of %d limb midpoints red; %d of %d empty points transparent", shown.Transport, hit, checked, clear, empty)
			if checked < 10 || hit < checked*9/10 {
				t.Errorf("%d of %d limb midpoints drawn in the skeleton's colour, want nine in ten of at least 10", hit, checked)
			}
			if empty < 10 || clear != empty {
				t.Errorf("%d of %d points far from every athlete transparent, want all of at least 10", clear, empty)
			}

			// The operator's dashboard lists the rig's cameras, up, and the
			// overlay page among the feed's clients.
			dash := browsertest.Open(t, browser, "http://"+addr+"/dashboard?token=t0ken", 960, 540, 10*time.Second)
			if err := browsertest.Wait(dash, `document.querySelectorAll('#cameras tbody tr').length === 4 && document.querySelectorAll('#clients tbody tr').length >= 1`); err != nil {
				t.Fatalf("dashboard: %v", err)
			}
			var rows []string
			if err := browsertest.Eval(dash, `[...document.querySelectorAll('#cameras tbody tr')].map(r => r.innerText)`, &rows); err != nil {
				t.Fatal(err)
			}
			for i, row := range rows {
				if !strings.Contains(row, r.cams[i].Name) || !strings.Contains(row, "up") {
					t.Errorf("dashboard camera row %q: want %s up", row, r.cams[i].Name)
				}
			}
		})
	}
}
