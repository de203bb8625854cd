package overlay

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
)

func get(t *testing.T, url string, hdr http.Header) (*http.Response, string) {
	t.Helper()
	return request(t, http.MethodGet, url, "", "", hdr)
}

// request sends a request with body of type ctype (none when "") and
// headers hdr, and returns the response with its body read.
func request(t testing.TB, method, url, ctype, body string, hdr http.Header) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp, string(data)
}

func TestServerRoutes(t *testing.T) {
	run := RunStatus{Cameras: []CameraStatus{{Name: "cam0", Up: true, FPS: 50}, {Name: "cam1", Error: "no signal"}},
		LatencyMS: 42.5, FPS: 50, Dropped: 3}
	_, _, srv := startServer(t, HubConfig{Tokens: []string{"s3cret"}},
		ServerConfig{WebRTC: true, WebRTCConfig: loopbackRTC, Status: func() any { return run }})
	for _, tt := range []struct {
		path  string
		want  int
		ctype string // prefix
		body  string // substring
	}{
		{"/overlay?token=s3cret", 200, "text/html", `src="assets/overlay.js"`},
		{"/overlay?token=s3cret&camera=cam1&transport=ws&units=ms", 200, "text/html", "<canvas"},
		{"/dashboard?token=s3cret", 200, "text/html", `src="assets/dashboard.js"`},
		{"/status?token=s3cret", 200, "application/json", `"latency_ms":42.5`},
		{"/assets/overlay.js", 200, "text/javascript", "overlayState"},
		{"/assets/overlay.css", 200, "text/css", "transparent"},
		{"/assets/dashboard.js", 200, "text/javascript", "status"},
		{"/assets/dashboard.css", 200, "text/css", ""},
		{"/overlay", 401, "", "token"},
		{"/overlay?token=wrong", 401, "", "token"},
		{"/dashboard", 401, "", "token"},
		{"/status", 401, "", "token"},
		{"/feed", 401, "", "token"},
		{"/", 404, "", ""},
		{"/assets/", 404, "", ""},
		{"/assets", 404, "", ""},
		{"/assets/overlay.html", 404, "", ""},
		{"/assets/nothing.js", 404, "", ""},
		{"/assets/../server.go", 404, "", ""},
		{"/web/overlay.js", 404, "", ""},
		{"/overlay/", 404, "", ""},
	} {
		t.Run(tt.path, func(t *testing.T) {
			resp, body := get(t, srv.URL+tt.path, nil)
			if resp.StatusCode != tt.want {
				t.Fatalf("got HTTP %d %.100q, want %d", resp.StatusCode, body, tt.want)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, tt.ctype) {
				t.Errorf("Content-Type %q, want %q", ct, tt.ctype)
			}
			if !strings.Contains(body, tt.body) {
				t.Errorf("body %.200q does not hold %q", body, tt.body)
			}
			if tt.want == 200 && resp.Header.Get("Cache-Control") != "no-cache" {
				t.Errorf("Cache-Control %q, want no-cache", resp.Header.Get("Cache-Control"))
			}
			if tt.want == 200 && strings.HasPrefix(tt.ctype, "text/html") && !strings.Contains(resp.Header.Get("Content-Security-Policy"), "connect-src 'self'") {
				t.Errorf("page without the Content-Security-Policy")
			}
		})
	}

	// Bearer header instead of the query, and the status document.
	resp, body := get(t, srv.URL+"/status", http.Header{"Authorization": {"Bearer s3cret"}})
	if resp.StatusCode != 200 {
		t.Fatalf("status with bearer: HTTP %d", resp.StatusCode)
	}
	var st struct {
		Run    RunStatus   `json:"run"`
		Feed   FeedStatus  `json:"feed"`
		WebRTC WebRTCStats `json:"webrtc"`
	}
	if err := json.Unmarshal([]byte(body), &st); err != nil {
		t.Fatal(err)
	}
	if len(st.Run.Cameras) != 2 || st.Run.Cameras[1].Error != "no signal" || st.Run.Dropped != 3 {
		t.Errorf("run status %+v, want what Status returned", st.Run)
	}

	// A feed client shows up in the status.
	c := dial(t, "ws"+strings.TrimPrefix(srv.URL, "http")+"/feed?token=s3cret&camera=2", nil)
	readType(t, c, "hello")
	_, body = get(t, srv.URL+"/status?token=s3cret", nil)
	if err := json.Unmarshal([]byte(body), &st); err != nil {
		t.Fatal(err)
	}
	if st.Feed.Clients != 1 || len(st.Feed.PerClient) != 1 || st.Feed.PerClient[0].Camera != 2 {
		t.Errorf("feed status %+v, want one client on camera 2", st.Feed)
	}

	// Foreign origins are refused on the pages and the status too.
	if resp, _ := get(t, srv.URL+"/status?token=s3cret", http.Header{"Origin": {"https://evil.example.net"}}); resp.StatusCode != 403 {
		t.Errorf("status from a foreign origin: HTTP %d, want 403", resp.StatusCode)
	}
	if resp, err := http.Post(srv.URL+"/overlay?token=s3cret", "text/plain", nil); err != nil || resp.StatusCode != 405 {
		t.Errorf("POST /overlay: %v %v, want 405", resp, err)
	}
}

func TestServerWithoutStatusOrTokens(t *testing.T) {
	_, _, srv := startServer(t, HubConfig{}, ServerConfig{})
	for path, want := range map[string]int{"/status": 404, "/whep": 404, "/overlay": 200, "/dashboard": 200} {
		if resp, _ := get(t, srv.URL+path, nil); resp.StatusCode != want {
			t.Errorf("%s: HTTP %d, want %d", path, resp.StatusCode, want)
		}
	}
	c, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http")+"/feed", nil)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
}

func TestNewServerErrors(t *testing.T) {
	if _, err := NewServer(nil, ServerConfig{}); err == nil {
		t.Error("NewServer(nil): no error")
	}
	h, err := NewHub(HubConfig{}, testHello())
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	for _, cfg := range []WebRTCConfig{{MaxPeers: -1}, {ICEPortMin: 5000}, {ICEPortMin: 6000, ICEPortMax: 5000}} {
		if _, err := NewServer(h, ServerConfig{WebRTC: true, WebRTCConfig: cfg}); err == nil || !strings.Contains(err.Error(), "webrtc config") {
			t.Errorf("%+v: got %v, want a webrtc config error", cfg, err)
		}
	}
}
