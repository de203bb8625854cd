package overlay

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed web
var webFiles embed.FS

// ServerConfig configures a Server. The zero value serves the WebSocket
// feed and the pages, without WebRTC and without /status.
type ServerConfig struct {
	// WebRTC enables the WHEP endpoint /whep; without it /whep is 404.
	WebRTC bool
	// WebRTCConfig configures that endpoint.
	WebRTCConfig WebRTCConfig
	// Status, when not nil, returns the run's status for /status and the
	// dashboard (cameras up or down, latency, drops; RunStatus is the shape
	// the dashboard knows best). It is called once per request, from the
	// request's goroutine, and its result is encoded with encoding/json.
	// Without it /status is 404.
	Status func() any
}

// RunStatus is the status a run is expected to return from
// ServerConfig.Status. The dashboard shows its fields by name and shows any
// other JSON value generically, so a run may return something else.
type RunStatus struct {
	Cameras   []CameraStatus `json:"cameras"`
	LatencyMS float64        `json:"latency_ms"` // capture to publish, last frame
	FPS       float64        `json:"fps"`        // fused frames per second
	Dropped   uint64         `json:"dropped"`    // frames dropped by the pipeline
}

// CameraStatus is one camera's line in RunStatus.
type CameraStatus struct {
	Name    string  `json:"name"`
	Up      bool    `json:"up"`
	FPS     float64 `json:"fps"`
	Dropped uint64  `json:"dropped"`
	Error   string  `json:"error,omitempty"` // why it is down
}

// Server is the overlay's HTTP server: the feed over WebSocket and WebRTC,
// the broadcast overlay page, the operator dashboard and the status. It is
// an http.Handler; its routes:
//
//	/feed        the Hub's WebSocket endpoint
//	/whep        WebRTC offers (POST); /whep/<id> ends a session (DELETE)
//	/overlay     the overlay page
//	/dashboard   the dashboard page
//	/status      JSON: the run's status and the feed's figures
//	/assets/...  the pages' scripts and style sheets
//
// The pages and /status need the token (query parameter token, or an
// Authorization: Bearer header) when the hub has tokens, and pass the
// Origin check of the hub; the assets hold no data and need neither.
type Server struct {
	hub    *Hub
	cfg    ServerConfig
	webrtc *WebRTC // nil without WebRTC
	mux    *http.ServeMux
	assets fs.FS
}

// NewServer returns the server of hub. cfg is validated here. The caller
// closes the hub; Server.Close closes the WebRTC sessions.
func NewServer(hub *Hub, cfg ServerConfig) (*Server, error) {
	if hub == nil {
		return nil, fmt.Errorf("overlay: server: no hub")
	}
	assets, err := fs.Sub(webFiles, "web")
	if err != nil {
		return nil, fmt.Errorf("overlay: server: %w", err)
	}
	s := &Server{hub: hub, cfg: cfg, mux: http.NewServeMux(), assets: assets}
	if cfg.WebRTC {
		s.webrtc, err = NewWebRTC(hub, cfg.WebRTCConfig)
		if err != nil {
			return nil, err
		}
		s.mux.Handle("/whep", s.webrtc)
		s.mux.Handle("/whep/{id}", s.webrtc)
	}
	s.mux.Handle("/feed", hub)
	s.mux.HandleFunc("GET /overlay", s.page("overlay.html"))
	s.mux.HandleFunc("GET /dashboard", s.page("dashboard.html"))
	s.mux.HandleFunc("GET /status", s.status)
	s.mux.HandleFunc("GET /assets/{name}", s.asset)
	return s, nil
}

// ServeHTTP routes the request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mux.ServeHTTP(w, r)
}

// WebRTC returns the server's WebRTC endpoint, nil when it has none.
func (s *Server) WebRTC() *WebRTC { return s.webrtc }

// Close ends the WebRTC sessions and waits for their goroutines. The hub and
// any http.Server stay open.
func (s *Server) Close() error {
	if s.webrtc != nil {
		return s.webrtc.Close()
	}
	return nil
}

// pageCSP lets a page load only this server's scripts and styles and talk
// only to this server (its WebSocket included).
const pageCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; base-uri 'none'; form-action 'none'"

func (s *Server) page(name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.hub.admit(w, r) {
			return
		}
		data, err := fs.ReadFile(s.assets, name)
		if err != nil {
			http.Error(w, "page missing from the build", http.StatusInternalServerError)
			return
		}
		h := w.Header()
		h.Set("Content-Security-Policy", pageCSP)
		h.Set("Referrer-Policy", "no-referrer") // the URL may hold the token
		serve(w, "text/html; charset=utf-8", data)
	}
}

// serve writes data as content of type ctype that the browser must neither
// cache without asking again nor sniff as another type.
func serve(w http.ResponseWriter, ctype string, data []byte) {
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	w.Write(data)
}

// asset serves one file of web/ by name: no directories, no listing, and
// not the pages (they go through their routes and the token check).
func (s *Server) asset(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	ctype := mime.TypeByExtension(path.Ext(name))
	if ctype == "" || strings.HasSuffix(name, ".html") || strings.HasPrefix(name, ".") {
		http.NotFound(w, r)
		return
	}
	data, err := fs.ReadFile(s.assets, name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	serve(w, ctype, data)
}

// Status is the JSON document served at /status.
type Status struct {
	Time   time.Time    `json:"time"`
	Run    any          `json:"run"` // from ServerConfig.Status
	Feed   FeedStatus   `json:"feed"`
	WebRTC *WebRTCStats `json:"webrtc,omitempty"`
}

// FeedStatus are the hub's figures in Status.
type FeedStatus struct {
	Clients   int                `json:"clients"`
	Published uint64             `json:"published"`
	Sent      uint64             `json:"sent"`
	Dropped   uint64             `json:"dropped"`
	Rejected  uint64             `json:"rejected"`
	PerClient []FeedClientStatus `json:"per_client"`
}

// FeedClientStatus is one client's line in FeedStatus.
type FeedClientStatus struct {
	ID      uint64 `json:"id"`
	Remote  string `json:"remote"`
	Camera  int    `json:"camera"` // -1 = all
	Queued  int    `json:"queued"`
	Sent    uint64 `json:"sent"`
	Dropped uint64 `json:"dropped"`
}

func (s *Server) status(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Status == nil {
		http.NotFound(w, r)
		return
	}
	if !s.hub.admit(w, r) {
		return
	}
	hs := s.hub.Stats()
	st := Status{Time: time.Now().UTC(), Run: s.cfg.Status(), Feed: FeedStatus{
		Clients: hs.Clients, Published: hs.Published, Sent: hs.Sent, Dropped: hs.Dropped, Rejected: hs.Rejected,
		PerClient: make([]FeedClientStatus, 0, len(hs.PerClient)),
	}}
	for _, c := range hs.PerClient {
		st.Feed.PerClient = append(st.Feed.PerClient, FeedClientStatus{ID: c.ID, Remote: c.Remote,
			Camera: c.Camera, Queued: c.Queued, Sent: c.Sent, Dropped: c.Dropped})
	}
	if s.webrtc != nil {
		ws := s.webrtc.Stats()
		st.WebRTC = &ws
	}
	data, err := json.Marshal(st)
	if err != nil {
		http.Error(w, fmt.Sprintf("encode status: %v", err), http.StatusInternalServerError)
		return
	}
	serve(w, "application/json", data)
}
