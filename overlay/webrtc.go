package overlay

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"path"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/webrtc/v4"
)

// WebRTC errors.
var (
	// ErrMessageTooBig is returned by a data channel's Send for a message
	// larger than the peer's SCTP max-message-size.
	ErrMessageTooBig = errors.New("overlay: message larger than the peer accepts")
	// ErrSendTimeout is returned by a data channel's Send when the channel's
	// buffer stays full for WebRTCConfig.WriteTimeout.
	ErrSendTimeout = errors.New("overlay: data channel send timed out")
	// ErrPeerClosed is returned by a data channel's Send after its peer
	// connection was closed.
	ErrPeerClosed = errors.New("overlay: peer connection closed")
)

// Limits of the WebRTC endpoint that are not configurable.
const (
	// sctpReceiveLimit is the largest message the server accepts on a data
	// channel; it is announced in the answer as a=max-message-size, so a
	// browser refuses to send more. Control messages are far smaller
	// (HubConfig.ReadLimit applies on top).
	sctpReceiveLimit = 64 << 10
	// sctpDefaultSendLimit is the peer's limit when its offer names none
	// (RFC 8841: 64 KiB - 1).
	sctpDefaultSendLimit = 65535
	// bufferHigh is the data channel buffer above which Send waits, and
	// bufferLow the level at which it resumes: the backlog then stays in
	// the client's queue, where old frames are dropped.
	bufferHigh = 256 << 10
	bufferLow  = 64 << 10
)

// WebRTCConfig configures the WebRTC endpoint. The zero value of every field
// means its default.
type WebRTCConfig struct {
	// MaxPeers bounds the peer connections open at once, including those
	// still connecting (default 16). An offer beyond it is answered 503.
	MaxPeers int
	// MaxOffer is the largest SDP offer accepted, in bytes (default 64 KiB);
	// a larger one is answered 413.
	MaxOffer int64
	// GatherTimeout bounds the wait for the server's ICE candidates before
	// answering (default 5 s).
	GatherTimeout time.Duration
	// ConnectTimeout is how long a peer may take to open its data channel
	// after the answer (default 15 s); then it is closed.
	ConnectTimeout time.Duration
	// WriteTimeout bounds how long Send waits for room in a data channel's
	// buffer (default 5 s); then the client is closed.
	WriteTimeout time.Duration
	// ICEPortMin and ICEPortMax, when set, restrict the UDP ports of host
	// candidates (for a firewall). Both or neither.
	ICEPortMin, ICEPortMax uint16
	// ICELoopback also offers loopback host candidates: needed when the
	// browser runs on the same machine and no other interface is up.
	ICELoopback bool
	// ICEInterfaces, when not empty, names the only network interfaces
	// whose addresses are offered.
	ICEInterfaces []string
	// Settings, when not nil, adjusts pion's SettingEngine after this
	// package has set it up (NAT 1:1 addresses, a UDP mux, logging, ...).
	Settings func(*webrtc.SettingEngine)
}

func (c *WebRTCConfig) setDefaults() error {
	if c.MaxPeers == 0 {
		c.MaxPeers = 16
	}
	if c.MaxOffer == 0 {
		c.MaxOffer = 64 << 10
	}
	if c.GatherTimeout == 0 {
		c.GatherTimeout = 5 * time.Second
	}
	if c.ConnectTimeout == 0 {
		c.ConnectTimeout = 15 * time.Second
	}
	if c.WriteTimeout == 0 {
		c.WriteTimeout = 5 * time.Second
	}
	switch {
	case c.MaxPeers < 0:
		return fmt.Errorf("MaxPeers %d is negative", c.MaxPeers)
	case c.MaxOffer < 0:
		return fmt.Errorf("MaxOffer %d is negative", c.MaxOffer)
	case c.GatherTimeout < 0:
		return fmt.Errorf("GatherTimeout %v is negative", c.GatherTimeout)
	case c.ConnectTimeout < 0:
		return fmt.Errorf("ConnectTimeout %v is negative", c.ConnectTimeout)
	case c.WriteTimeout < 0:
		return fmt.Errorf("WriteTimeout %v is negative", c.WriteTimeout)
	case (c.ICEPortMin == 0) != (c.ICEPortMax == 0) || c.ICEPortMin > c.ICEPortMax:
		return fmt.Errorf("ICE port range %d-%d: give both ends, min <= max", c.ICEPortMin, c.ICEPortMax)
	}
	return nil
}

// WebRTC is the WHEP-style WebRTC endpoint of a Hub: a browser POSTs an SDP
// offer with a data channel, gets the answer, and the data channel then
// carries the feed as a Hub client. See docs/overlay-feed.md. Its methods
// are safe for concurrent use.
type WebRTC struct {
	hub *Hub
	cfg WebRTCConfig
	api *webrtc.API

	mu     sync.Mutex // guards peers, closed, wg.Add
	peers  map[string]*peer
	closed bool
	wg     sync.WaitGroup // peer goroutines

	answered, refused atomic.Uint64
}

// WebRTCStats are the figures of a WebRTC endpoint.
type WebRTCStats struct {
	Peers    int    `json:"peers"`    // peer connections open or connecting
	Answered uint64 `json:"answered"` // offers answered
	Refused  uint64 `json:"refused"`  // offers refused (auth, origin, size, limit, bad SDP)
}

// NewWebRTC returns the WebRTC endpoint of hub. cfg is validated here.
func NewWebRTC(hub *Hub, cfg WebRTCConfig) (*WebRTC, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, fmt.Errorf("overlay: webrtc config: %w", err)
	}
	var se webrtc.SettingEngine
	se.SetSCTPMaxMessageSize(sctpReceiveLimit)
	// A vanished peer fails after 8 s instead of pion's 30 s.
	se.SetICETimeouts(4*time.Second, 8*time.Second, 2*time.Second)
	se.SetIncludeLoopbackCandidate(cfg.ICELoopback)
	if cfg.ICEPortMin != 0 {
		if err := se.SetEphemeralUDPPortRange(cfg.ICEPortMin, cfg.ICEPortMax); err != nil {
			return nil, fmt.Errorf("overlay: webrtc config: ICE ports: %w", err)
		}
	}
	if len(cfg.ICEInterfaces) > 0 {
		names := slices.Clone(cfg.ICEInterfaces)
		se.SetInterfaceFilter(func(name string) bool { return slices.Contains(names, name) })
	}
	if cfg.Settings != nil {
		cfg.Settings(&se)
	}
	return &WebRTC{hub: hub, cfg: cfg, api: webrtc.NewAPI(webrtc.WithSettingEngine(se)),
		peers: make(map[string]*peer)}, nil
}

// Stats returns the endpoint's figures.
func (w *WebRTC) Stats() WebRTCStats {
	w.mu.Lock()
	n := len(w.peers)
	w.mu.Unlock()
	return WebRTCStats{Peers: n, Answered: w.answered.Load(), Refused: w.refused.Load()}
}

// ServeHTTP answers "POST <endpoint>" with an SDP offer by creating a peer
// connection (201, the SDP answer, Location: the session resource) and
// "DELETE <endpoint>/<id>" by closing that session (200, or 404 for an
// unknown session). Checks, in order: hub open (503), Origin (403), token
// (401), method (405), query parameters
// as for the WebSocket endpoint (400), Content-Type application/sdp (415),
// offer size (413), peer limit (503), a valid offer with a data channel
// (400).
func (w *WebRTC) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	h := w.hub
	if h.closed.Load() {
		http.Error(rw, "overlay feed closed", http.StatusServiceUnavailable)
		return
	}
	if !h.admit(rw, r) {
		w.refused.Add(1)
		return
	}
	switch r.Method {
	case http.MethodPost:
		// The session resource is "<endpoint>/<id>"; Location names it
		// relative to the endpoint, so it holds behind a path prefix too.
		base := path.Base(r.URL.Path)
		if base == "/" || base == "." {
			base = ""
		} else {
			base += "/"
		}
		w.offer(rw, r, base)
	case http.MethodDelete:
		id := path.Base(r.URL.Path)
		w.mu.Lock()
		p := w.peers[id]
		w.mu.Unlock()
		if p == nil {
			http.Error(rw, "no such session", http.StatusNotFound)
			return
		}
		p.requestClose(CloseNormal, "session deleted")
		<-p.exited
		rw.WriteHeader(http.StatusOK)
	default:
		// PATCH (trickle ICE) is not supported: the offer and the answer
		// carry every candidate.
		rw.Header().Set("Allow", "POST, DELETE")
		http.Error(rw, "POST an SDP offer or DELETE a session; no trickle ICE", http.StatusMethodNotAllowed)
	}
}

func (w *WebRTC) offer(rw http.ResponseWriter, r *http.Request, base string) {
	refuse := func(code int, format string, args ...any) {
		w.refused.Add(1)
		if code == http.StatusServiceUnavailable {
			rw.Header().Set("Retry-After", "2")
		}
		http.Error(rw, fmt.Sprintf(format, args...), code)
	}
	sub, err := w.hub.queryControl(r.URL.Query())
	if err != nil {
		refuse(http.StatusBadRequest, "%v", err)
		return
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/sdp" {
		refuse(http.StatusUnsupportedMediaType, "the offer's Content-Type must be application/sdp")
		return
	}
	if r.ContentLength > w.cfg.MaxOffer {
		refuse(http.StatusRequestEntityTooLarge, "offer of %d bytes, at most %d", r.ContentLength, w.cfg.MaxOffer)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(rw, r.Body, w.cfg.MaxOffer))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			refuse(http.StatusRequestEntityTooLarge, "offer over %d bytes", w.cfg.MaxOffer)
		} else {
			refuse(http.StatusBadRequest, "read offer: %v", err)
		}
		return
	}
	offer := webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: string(body)}
	parsed, err := offer.Unmarshal()
	if err != nil {
		refuse(http.StatusBadRequest, "offer: %v", err)
		return
	}
	hasData := false
	for _, m := range parsed.MediaDescriptions {
		hasData = hasData || m.MediaName.Media == "application"
	}
	if !hasData {
		refuse(http.StatusBadRequest, "offer: no data channel (m=application section)")
		return
	}

	p, err := w.newPeer(r.RemoteAddr, sub)
	if err != nil {
		refuse(http.StatusServiceUnavailable, "%v", err)
		return
	}
	answer, err := p.answer(r.Context(), offer, w.cfg.GatherTimeout)
	if err != nil {
		p.requestClose(CloseInternalError, "no answer")
		if errors.Is(err, errBadOffer) {
			refuse(http.StatusBadRequest, "%v", err)
		} else {
			refuse(http.StatusInternalServerError, "%v", err)
		}
		return
	}
	w.answered.Add(1)
	rw.Header().Set("Content-Type", "application/sdp")
	rw.Header().Set("Location", base+p.id)
	rw.Header().Set("Cache-Control", "no-store")
	rw.WriteHeader(http.StatusCreated)
	io.WriteString(rw, answer)
}

var errBadOffer = errors.New("bad offer")

// Close closes every peer connection and waits for their goroutines; later
// offers are answered 503. It does not close the hub.
func (w *WebRTC) Close() error {
	w.mu.Lock()
	w.closed = true
	peers := make([]*peer, 0, len(w.peers))
	for _, p := range w.peers {
		peers = append(peers, p)
	}
	w.mu.Unlock()
	for _, p := range peers {
		p.requestClose(CloseGoingAway, "server closing")
	}
	w.wg.Wait()
	return nil
}

// peer is one WebRTC session. Its goroutine (run) owns the peer connection's
// end: every way a session ends (DELETE, the peer connection failing or
// closing, the data channel closing, the client being closed by the hub or
// for a bad message, the connect timeout, WebRTC.Close) goes through
// requestClose, and run then closes the client and the peer connection.
type peer struct {
	w      *WebRTC
	id     string
	remote string
	sub    Control
	pc     *webrtc.PeerConnection

	mu      sync.Mutex
	client  *Client
	dc      *webrtc.DataChannel
	closing bool
	code    int
	reason  string

	opened    chan struct{} // closed when the client is attached
	openOnce  sync.Once
	stop      chan struct{} // closed by requestClose
	stopOnce  sync.Once
	exited    chan struct{} // closed when run has returned
	lowWater  chan struct{} // capacity 1: the data channel's buffer drained
	sendLimit atomic.Int64  // the peer's max-message-size
}

func (w *WebRTC) newPeer(remote string, sub Control) (*peer, error) {
	var idb [16]byte
	rand.Read(idb[:])
	p := &peer{w: w, id: hex.EncodeToString(idb[:]), remote: remote, sub: sub,
		opened: make(chan struct{}), stop: make(chan struct{}), exited: make(chan struct{}),
		lowWater: make(chan struct{}, 1)}
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return nil, errors.New("WebRTC endpoint closed")
	}
	if len(w.peers) >= w.cfg.MaxPeers {
		w.mu.Unlock()
		return nil, fmt.Errorf("%d peer connections already, the limit", w.cfg.MaxPeers)
	}
	pc, err := w.api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		w.mu.Unlock()
		return nil, fmt.Errorf("new peer connection: %w", err)
	}
	p.pc = pc
	w.peers[p.id] = p
	w.wg.Add(1)
	w.mu.Unlock()

	pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		switch s {
		case webrtc.PeerConnectionStateFailed:
			p.requestClose(CloseNormal, "peer connection failed")
		case webrtc.PeerConnectionStateClosed:
			p.requestClose(CloseNormal, "peer connection closed")
		}
	})
	pc.OnDataChannel(p.onDataChannel)
	go p.run()
	return p, nil
}

// answer applies the offer and returns the answer with every local
// candidate, once gathering is complete.
func (p *peer) answer(ctx context.Context, offer webrtc.SessionDescription, timeout time.Duration) (string, error) {
	if err := p.pc.SetRemoteDescription(offer); err != nil {
		return "", fmt.Errorf("%w: %v", errBadOffer, err)
	}
	ans, err := p.pc.CreateAnswer(nil)
	if err != nil {
		return "", fmt.Errorf("%w: create answer: %v", errBadOffer, err)
	}
	gathered := webrtc.GatheringCompletePromise(p.pc)
	if err := p.pc.SetLocalDescription(ans); err != nil {
		return "", fmt.Errorf("set local description: %w", err)
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-gathered:
	case <-t.C:
		return "", fmt.Errorf("ICE gathering took over %v", timeout)
	case <-ctx.Done():
		return "", ctx.Err()
	case <-p.stop:
		return "", ErrPeerClosed
	}
	return p.pc.LocalDescription().SDP, nil
}

func (p *peer) onDataChannel(dc *webrtc.DataChannel) {
	p.mu.Lock()
	if p.dc != nil || p.closing {
		p.mu.Unlock()
		dc.Close() // one data channel per session
		return
	}
	p.dc = dc
	p.mu.Unlock()

	dc.SetBufferedAmountLowThreshold(bufferLow)
	dc.OnBufferedAmountLow(func() {
		select {
		case p.lowWater <- struct{}{}:
		default:
		}
	})
	dc.OnOpen(func() {
		limit := int64(sctpDefaultSendLimit)
		if t := p.pc.SCTP(); t != nil {
			if m := t.GetCapabilities().MaxMessageSize; m > 0 {
				limit = int64(m)
			}
		}
		p.sendLimit.Store(limit)
		p.mu.Lock()
		if p.closing {
			p.mu.Unlock()
			return
		}
		c, err := p.w.hub.Attach(&dcSender{p: p, dc: dc}, "webrtc "+p.remote, p.sub)
		if err != nil {
			p.mu.Unlock()
			p.requestClose(CloseGoingAway, "hub closed")
			return
		}
		p.client = c
		p.mu.Unlock()
		p.openOnce.Do(func() { close(p.opened) })
	})
	dc.OnClose(func() { p.requestClose(CloseNormal, "data channel closed") })
	dc.OnMessage(func(msg webrtc.DataChannelMessage) {
		p.mu.Lock()
		c := p.client
		p.mu.Unlock()
		if c != nil {
			c.receive(msg.IsString, msg.Data)
		}
	})
}

// requestClose asks run to end the session; the first code and reason win.
func (p *peer) requestClose(code int, reason string) {
	p.stopOnce.Do(func() {
		p.mu.Lock()
		p.code, p.reason = code, reason
		p.mu.Unlock()
		close(p.stop)
	})
}

// run waits for the session to end, then closes the client and the peer
// connection and forgets the session. It returns after pion's goroutines
// for this peer connection have returned.
func (p *peer) run() {
	defer p.w.wg.Done()
	defer close(p.exited)
	connect := time.NewTimer(p.w.cfg.ConnectTimeout)
	defer connect.Stop()
	opened := p.opened
wait:
	for {
		select {
		case <-opened:
			connect.Stop()
			opened = nil
		case <-connect.C:
			p.requestClose(CloseNormal, "data channel not opened in time")
		case <-p.stop:
			break wait
		}
	}
	p.mu.Lock()
	p.closing = true
	c, code, reason := p.client, p.code, p.reason
	p.mu.Unlock()
	if c != nil {
		c.Close(code, reason)
		// Give the "close" message (and what precedes it) a moment to
		// leave before the association goes.
		p.mu.Lock()
		dc := p.dc
		p.mu.Unlock()
		for end := time.Now().Add(closeGrace); dc.BufferedAmount() > 0 && time.Now().Before(end); {
			time.Sleep(5 * time.Millisecond)
		}
	}
	p.pc.GracefulClose()
	p.w.mu.Lock()
	delete(p.w.peers, p.id)
	p.w.mu.Unlock()
}

// dcSender is the data channel transport of a client.
type dcSender struct {
	p  *peer
	dc *webrtc.DataChannel
}

// Send sends one message, text or binary as its kind says. It waits while
// more than bufferHigh bytes are queued in the channel, so a backlog stays
// in the client's queue where old frames are dropped.
func (s *dcSender) Send(kind MessageKind, data []byte) error {
	if limit := s.p.sendLimit.Load(); int64(len(data)) > limit {
		return fmt.Errorf("%w: %d bytes, the peer's max-message-size is %d", ErrMessageTooBig, len(data), limit)
	}
	if s.dc.BufferedAmount() > bufferHigh {
		t := time.NewTimer(s.p.w.cfg.WriteTimeout)
		defer t.Stop()
		for s.dc.BufferedAmount() > bufferHigh {
			select {
			case <-s.p.lowWater:
			case <-s.p.stop:
				return ErrPeerClosed
			case <-t.C:
				return ErrSendTimeout
			}
		}
	}
	if kind == BinaryMessage {
		return s.dc.Send(data)
	}
	return s.dc.SendText(string(data))
}

// Close tells the peer code and reason with a last "close" message (best
// effort: the channel may be unreliable) and has the session end.
func (s *dcSender) Close(code int, reason string) error {
	msg, _ := json.Marshal(struct {
		Type   string `json:"type"`
		Code   int    `json:"code"`
		Reason string `json:"reason,omitempty"`
	}{"close", code, reason})
	if s.dc.ReadyState() == webrtc.DataChannelStateOpen {
		s.dc.SendText(string(msg))
	}
	s.p.requestClose(code, reason)
	return nil
}
