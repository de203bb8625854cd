package overlay

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// closeGrace bounds the time spent sending a close frame.
const closeGrace = 500 * time.Millisecond

// maxCloseReason is the longest close reason a WebSocket close frame holds.
const maxCloseReason = 123

// ServeHTTP is the WebSocket endpoint. Before upgrading it answers 503 when
// the hub is closed, 403 when the request's Origin is not allowed, 401
// when a token is required and missing or wrong, and 400 for bad query
// parameters. See docs/overlay-feed.md.
func (h *Hub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.closed.Load() {
		http.Error(w, "overlay feed closed", http.StatusServiceUnavailable)
		return
	}
	if !h.admit(w, r) {
		h.rejected.Add(1)
		return
	}
	ctrl, err := h.queryControl(r.URL.Query())
	if err != nil {
		h.rejected.Add(1)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}

	h.mu.Lock()
	if h.closed.Load() {
		h.mu.Unlock()
		http.Error(w, "overlay feed closed", http.StatusServiceUnavailable)
		return
	}
	h.wg.Add(1)
	h.mu.Unlock()
	defer h.wg.Done()

	conn, err := h.upgrader.Upgrade(w, r, nil)
	if err != nil {
		h.rejected.Add(1)
		return // the upgrader has answered
	}
	if h.cfg.SendBuffer > 0 {
		if tc, ok := conn.NetConn().(*net.TCPConn); ok {
			tc.SetWriteBuffer(h.cfg.SendBuffer)
		}
	}
	ws := &wsSender{conn: conn, writeTimeout: h.cfg.WriteTimeout}
	c, err := h.Attach(ws, r.RemoteAddr, ctrl)
	if err != nil {
		ws.Close(CloseGoingAway, "server closing")
		return
	}
	h.readLoop(conn, c)
	<-c.exited
}

// readLoop reads the client's control messages until the connection fails
// or a message is refused, then closes the client.
func (h *Hub) readLoop(conn *websocket.Conn, c *Client) {
	conn.SetReadLimit(h.cfg.ReadLimit)
	conn.SetReadDeadline(time.Now().Add(h.cfg.PongTimeout))
	conn.SetPongHandler(func(string) error {
		return conn.SetReadDeadline(time.Now().Add(h.cfg.PongTimeout))
	})
	for {
		kind, data, err := conn.ReadMessage()
		if err != nil {
			switch {
			case errors.Is(err, websocket.ErrReadLimit):
				c.Close(CloseMessageTooBig, "message too big")
			case websocket.IsCloseError(err, websocket.CloseNormalClosure, websocket.CloseGoingAway):
				c.Close(CloseNormal, "")
			default:
				c.Close(CloseNormal, "read failed")
			}
			return
		}
		conn.SetReadDeadline(time.Now().Add(h.cfg.PongTimeout))
		if !c.receive(kind == websocket.TextMessage, data) {
			return
		}
	}
}

// admit answers 403 or 401 and returns false when r fails the origin or
// the token check; every endpoint and page of the overlay asks it first.
func (h *Hub) admit(w http.ResponseWriter, r *http.Request) bool {
	if !h.originAllowed(r) {
		http.Error(w, "origin not allowed", http.StatusForbidden)
		return false
	}
	if !h.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="overlay"`)
		http.Error(w, "missing or wrong token", http.StatusUnauthorized)
		return false
	}
	return true
}

// originAllowed reports whether the request's Origin header, if any, is
// allowed.
func (h *Hub) originAllowed(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	if len(h.origins) > 0 {
		return h.origins[normalizeOrigin(o)]
	}
	u, err := url.Parse(o)
	return err == nil && strings.EqualFold(u.Host, r.Host)
}

// authorized reports whether the request carries an accepted token, from an
// "Authorization: Bearer" header or else a token query parameter. Every
// configured token is compared, in constant time, to the SHA-256 of the
// given one, so the time taken tells nothing about the tokens.
func (h *Hub) authorized(r *http.Request) bool {
	if len(h.tokenSums) == 0 {
		return true
	}
	tok := ""
	if a := r.Header.Get("Authorization"); len(a) > 7 && strings.EqualFold(a[:7], "bearer ") {
		tok = strings.TrimSpace(a[7:])
	} else {
		tok = r.URL.Query().Get("token")
	}
	if tok == "" {
		return false
	}
	sum := sha256.Sum256([]byte(tok))
	ok := 0
	for i := range h.tokenSums {
		ok |= subtle.ConstantTimeCompare(sum[:], h.tokenSums[i][:])
	}
	return ok == 1
}

// wsSender is the WebSocket transport of a client.
type wsSender struct {
	conn         *websocket.Conn
	writeTimeout time.Duration
	closeOnce    sync.Once
}

func (s *wsSender) Send(kind MessageKind, data []byte) error {
	t := websocket.TextMessage
	if kind == BinaryMessage {
		t = websocket.BinaryMessage
	}
	s.conn.SetWriteDeadline(time.Now().Add(s.writeTimeout))
	return s.conn.WriteMessage(t, data)
}

func (s *wsSender) Ping() error {
	return s.conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(s.writeTimeout))
}

// Close sends a close frame (waiting at most closeGrace for a blocked write)
// and closes the connection, which makes a blocked Send or read return.
func (s *wsSender) Close(code int, reason string) error {
	var err error
	s.closeOnce.Do(func() {
		if len(reason) > maxCloseReason {
			reason = wireStringN(reason, maxCloseReason)
		}
		s.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), time.Now().Add(closeGrace))
		err = s.conn.Close()
	})
	return err
}
