package overlay

import (
	"fmt"
	"image"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/athlete3d/athlete3d/internal/browsertest"
)

// browserPose is a standing figure in camera 0's picture (1920x1080),
// COCO-17 order; the eyes and ears are not placed (-1) and must be skipped.
var browserPose = [17][2]float32{
	{1260, 200},                            // nose
	{-1, -1}, {-1, -1}, {-1, -1}, {-1, -1}, // eyes, ears
	{1160, 350}, {1360, 350}, // shoulders
	{1100, 500}, {1420, 500}, // elbows
	{1080, 650}, {1440, 650}, // wrists
	{1200, 650}, {1320, 650}, // hips
	{1180, 820}, {1340, 820}, // knees
	{1170, 980}, {1350, 980}, // ankles
}

// browserFrame is a frame with one athlete in browserPose for camera 0 and
// elsewhere (top left) for camera 1, which the page must not draw.
func browserFrame(n int64) *Frame {
	v0 := View{Camera: 0, Points: make([]float32, 0, 34)}
	v1 := View{Camera: 1, Points: make([]float32, 0, 34)}
	for _, p := range browserPose {
		v0.Points = append(v0.Points, p[0], p[1])
		v1.Points = append(v1.Points, p[0]/8, p[1]/8)
	}
	return &Frame{Number: n, Capture: float64(n) / 30, Athletes: []Athlete{{
		ID: 1, Name: "Runner One", Lane: "4", Bib: "401",
		Joints: make([]Joint, 17),
		Views:  []View{v0, v1},
		Metrics: Metrics{Speed: 10, TopSpeed: 10.5, Distance: 42, StepLength: 2.1, StepFrequency: 4.6,
			ContactTime: 0.095},
	}}}
}

// TestBrowserOverlay opens the overlay page in headless Chromium and checks
// the transport it uses, the frames it gets and what it draws.
func TestBrowserOverlay(t *testing.T) {
	browsertest.Chromium(t)
	if testing.Short() {
		t.Skip("browser test in -short mode")
	}
	const token = "browser-token"
	rtcCfg := WebRTCConfig{ICELoopback: true}
	_, _, withRTC := startPublishing(t, ServerConfig{WebRTC: true, WebRTCConfig: rtcCfg}, token)
	_, _, wsOnly := startPublishing(t, ServerConfig{}, token)
	browser := browsertest.Start(t, 960, 540)

	for _, tt := range []struct {
		name, base, transport, want string
		pixels                      bool
	}{
		{"auto uses webrtc", withRTC.URL, "auto", "webrtc", true},
		{"ws", withRTC.URL, "ws", "ws", false},
		{"auto falls back to ws", wsOnly.URL, "auto", "ws", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			url := fmt.Sprintf("%s/overlay?camera=0&transport=%s&token=%s&color=ff0000&units=kmh", tt.base, tt.transport, token)
			ctx := browsertest.Open(t, browser, url, 960, 540, 15*time.Second)
			start := time.Now()
			err := browsertest.Wait(ctx, `window.overlayState && overlayState.frames > 10 && overlayState.transport !== ""`)
			if err != nil {
				var st any
				browsertest.Eval(ctx, `({t: overlayState.transport, f: overlayState.frames, e: overlayState.error})`, &st)
				t.Fatalf("no frames: %v; page state %v", err, st)
			}
			var st struct {
				Transport  string
				Frames     int
				Views      int
				Subscribed bool
				Text       string
			}
			err = browsertest.Eval(ctx, `({
				transport: overlayState.transport, frames: overlayState.frames,
				views: overlayState.lastFrame.athletes[0].views.length,
				subscribed: !!overlayState.subscribed,
				text: document.getElementById('lowerthirds').innerText})`, &st)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: %d frames over %s in %v", tt.name, st.Frames, st.Transport, time.Since(start).Round(time.Millisecond))
			if st.Transport != tt.want {
				t.Errorf("transport %q, want %q", st.Transport, tt.want)
			}
			if st.Views != 1 || !st.Subscribed {
				t.Errorf("last frame has %d views (subscribed %v), want only camera 0's", st.Views, st.Subscribed)
			}
			for _, s := range []string{"Runner One", "Lane 4", "Bib 401", "36.0", "37.8", "2.10", "4.60", "95"} {
				if !strings.Contains(st.Text, s) {
					t.Errorf("lower third %q does not show %q", st.Text, s)
				}
			}
			if tt.pixels {
				checkSkeletonPixels(t, browsertest.Screenshot(t, ctx))
			}
		})
	}
}

// startPublishing serves a hub with token on a test server and publishes
// browserFrame at 30 Hz until cleanup.
func startPublishing(t *testing.T, cfg ServerConfig, token string) (*Hub, *Server, *httptest.Server) {
	h, s, srv := startServer(t, HubConfig{Tokens: []string{token}}, cfg)
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(time.Second / 30)
		defer tick.Stop()
		for n := int64(0); ; n++ {
			select {
			case <-stop:
				return
			case <-tick.C:
				h.Publish(browserFrame(n))
			}
		}
	}()
	t.Cleanup(func() { close(stop); <-done })
	return h, s, srv
}

// checkSkeletonPixels checks a screenshot of the overlay: the midpoints of
// limbs are the skeleton colour (red) and a point far from the skeleton is
// transparent.
func checkSkeletonPixels(t *testing.T, img image.Image) {
	t.Helper()
	// The canvas has camera 0's size, scaled to fit the window and centred.
	fit := browsertest.NewContain(img, 1920, 1080)
	for _, limb := range [][2]int{{5, 6}, {5, 7}, {8, 10}, {11, 13}, {14, 16}, {12, 14}} {
		a, c := browserPose[limb[0]], browserPose[limb[1]]
		p := fit.At(float64(a[0]+c[0])/2, float64(a[1]+c[1])/2)
		if !browsertest.Near(img, p, browsertest.Red) {
			t.Errorf("limb %v midpoint at %v: colour %v, want the skeleton's red", limb, p, img.At(p.X, p.Y))
		}
	}
	// Far from the skeleton and from the lower third: top right.
	for _, uv := range [][2]float64{{1850, 60}, {300, 300}} {
		p := fit.At(uv[0], uv[1])
		if !browsertest.Transparent(img.At(p.X, p.Y)) {
			t.Errorf("pixel at %v (camera %v): %v, want transparent", p, uv, img.At(p.X, p.Y))
		}
	}
	// Camera 1's view (the same figure at 1/8 size, top left) is not drawn.
	p := fit.At(float64(browserPose[5][0]+browserPose[7][0])/16, float64(browserPose[5][1]+browserPose[7][1])/16)
	if browsertest.Near(img, p, browsertest.Red) {
		t.Errorf("pixel at %v is red: camera 1's view was drawn", p)
	}
}
