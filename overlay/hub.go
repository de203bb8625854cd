package overlay

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// HubConfig configures a Hub. The zero value of every field means its
// default.
type HubConfig struct {
	// Tokens are the accepted access tokens. Empty disables authentication:
	// anyone who can reach the endpoint gets the feed.
	Tokens []string
	// Origins are the accepted values of a browser's Origin header, as
	// "scheme://host[:port]" (compared without regard to case). Empty
	// accepts only pages served from the endpoint's own host. A request
	// without an Origin header (not from a browser) is not checked.
	Origins []string
	// QueueLen is the number of frames a client may have waiting (default
	// 8); a new frame for a full queue drops the oldest.
	QueueLen int
	// PingInterval is the time between WebSocket pings (default 5 s).
	PingInterval time.Duration
	// PongTimeout is how long a WebSocket client may stay silent (no pong,
	// no message) before it is closed (default 2 × PingInterval). It must
	// exceed PingInterval.
	PongTimeout time.Duration
	// WriteTimeout bounds each write to a WebSocket client (default 5 s); a
	// client that cannot take a message in that time is closed.
	WriteTimeout time.Duration
	// ReadLimit is the largest message a client may send, in bytes (default
	// 4096); a larger one closes the connection with CloseMessageTooBig.
	ReadLimit int64
	// SendBuffer, when positive, sets the kernel send buffer of each
	// WebSocket connection in bytes. A small buffer keeps a slow client's
	// backlog in its queue, where old frames are dropped, rather than in the
	// kernel, where they go stale. 0 keeps the system's default.
	SendBuffer int
	// Now is the clock that stamps Frame.Publish (default time.Now).
	Now func() time.Time
}

func (c *HubConfig) setDefaults() error {
	if c.QueueLen == 0 {
		c.QueueLen = 8
	}
	if c.PingInterval == 0 {
		c.PingInterval = 5 * time.Second
	}
	if c.PongTimeout == 0 {
		c.PongTimeout = 2 * c.PingInterval
	}
	if c.WriteTimeout == 0 {
		c.WriteTimeout = 5 * time.Second
	}
	if c.ReadLimit == 0 {
		c.ReadLimit = 4096
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	switch {
	case c.QueueLen < 0:
		return fmt.Errorf("QueueLen %d is negative", c.QueueLen)
	case c.PingInterval < 0:
		return fmt.Errorf("PingInterval %v is negative", c.PingInterval)
	case c.PongTimeout <= c.PingInterval:
		return fmt.Errorf("PongTimeout %v must exceed PingInterval %v", c.PongTimeout, c.PingInterval)
	case c.WriteTimeout < 0:
		return fmt.Errorf("WriteTimeout %v is negative", c.WriteTimeout)
	case c.ReadLimit < 0:
		return fmt.Errorf("ReadLimit %d is negative", c.ReadLimit)
	case c.SendBuffer < 0:
		return fmt.Errorf("SendBuffer %d is negative", c.SendBuffer)
	}
	for i, t := range c.Tokens {
		if t == "" {
			return fmt.Errorf("token %d is empty", i)
		}
	}
	for _, o := range c.Origins {
		u, err := url.Parse(o)
		if err != nil || u.Scheme == "" || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
			return fmt.Errorf("origin %q is not scheme://host[:port]", o)
		}
	}
	return nil
}

// Hub fans published frames out to clients. Its methods are safe for
// concurrent use.
type Hub struct {
	cfg       HubConfig
	hello     Hello
	helloMsg  *message
	tokenSums [][sha256.Size]byte
	origins   map[string]bool
	upgrader  websocket.Upgrader

	mu      sync.Mutex // guards closed, nextID, changes to clients, wg.Add
	closed  atomic.Bool
	nextID  uint64
	clients atomic.Pointer[[]*Client] // replaced whole under mu, read freely
	wg      sync.WaitGroup            // writer goroutines and WebSocket handlers

	pubMu   sync.Mutex // serializes Publish; guards what follows
	groups  map[string]*message
	scratch Frame
	views   []View

	published, encoded, sent, dropped atomic.Uint64
	rejected, connected, disconnected atomic.Uint64
}

// Stats are a hub's figures since NewHub.
type Stats struct {
	Clients      int    // attached now
	Published    uint64 // frames published
	Encoded      uint64 // frame encodings made (one per distinct filter and encoding per frame)
	Sent         uint64 // messages delivered to clients, hello and replies included
	Dropped      uint64 // frames dropped from full client queues
	Rejected     uint64 // WebSocket requests refused (auth, origin, bad parameters)
	Connected    uint64 // clients attached
	Disconnected uint64 // clients closed
	PerClient    []ClientStats
}

// NewHub returns a hub that greets every client with hello (whose Version is
// set to SchemaVersion). cfg is validated here.
func NewHub(cfg HubConfig, hello Hello) (*Hub, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, fmt.Errorf("overlay: hub config: %w", err)
	}
	for i, l := range hello.Limbs {
		if l[0] < 0 || l[0] >= len(hello.Joints) || l[1] < 0 || l[1] >= len(hello.Joints) {
			return nil, fmt.Errorf("overlay: hello: limb %d %v joins joints outside the %d named", i, l, len(hello.Joints))
		}
	}
	hello.Version = SchemaVersion
	data, err := json.Marshal(struct {
		Type string `json:"type"`
		Hello
	}{"hello", hello})
	if err != nil {
		return nil, fmt.Errorf("overlay: hello: %w", err)
	}
	h := &Hub{
		cfg:      cfg,
		hello:    hello,
		helloMsg: &message{kind: TextMessage, data: data},
		origins:  make(map[string]bool),
		groups:   make(map[string]*message),
	}
	for _, t := range cfg.Tokens {
		h.tokenSums = append(h.tokenSums, sha256.Sum256([]byte(t)))
	}
	for _, o := range cfg.Origins {
		h.origins[normalizeOrigin(o)] = true
	}
	h.upgrader = websocket.Upgrader{
		HandshakeTimeout: 10 * time.Second,
		WriteBufferPool:  &sync.Pool{},
		// ServeHTTP checks the origin before upgrading.
		CheckOrigin: func(*http.Request) bool { return true },
	}
	h.clients.Store(new([]*Client))
	return h, nil
}

func normalizeOrigin(o string) string {
	return strings.TrimSuffix(strings.ToLower(o), "/")
}

// Hello returns the hello the hub sends.
func (h *Hub) Hello() Hello { return h.hello }

// Publish stamps f.Publish with the hub's clock and queues f for every
// client. It encodes f once per distinct (encoding, filter) among the
// clients, does no I/O and never waits for a client; a client whose queue is
// full loses its oldest frame. f is not kept: the caller may reuse it when
// Publish returns. Concurrent calls are serialized.
func (h *Hub) Publish(f *Frame) {
	h.pubMu.Lock()
	defer h.pubMu.Unlock()
	if h.closed.Load() {
		return
	}
	f.Publish = h.cfg.Now().UnixMicro()
	h.published.Add(1)
	for _, c := range *h.clients.Load() {
		s := c.sub.Load()
		m := h.groups[s.key]
		if m == nil {
			m = h.encode(f, s)
			h.groups[s.key] = m
		}
		c.push(m)
	}
	for _, m := range h.groups {
		m.release()
	}
	clear(h.groups)
	clear(h.scratch.Athletes[:cap(h.scratch.Athletes)])
	clear(h.views[:cap(h.views)])
}

func (h *Hub) encode(f *Frame, s *subscription) *message {
	g := s.filter(f, &h.scratch, &h.views)
	var m *message
	if s.enc == EncodingBinary {
		m = newFrameMessage(BinaryMessage)
		m.data = AppendBinary(m.data, g)
	} else {
		m = newFrameMessage(TextMessage)
		m.data = AppendJSON(m.data, g)
	}
	h.encoded.Add(1)
	return m
}

// Attach registers a client whose messages go to s, with the filter and
// encoding of sub (a "subscribe" Control; the zero Control means every
// athlete and camera, JSON). remote names the peer in Stats. The client's
// queue holds Hello first; a writer goroutine hands queued messages to s
// until the client is closed. The transport passes the peer's control
// messages to Client.Apply and calls Client.Close when the peer goes.
func (h *Hub) Attach(s Sender, remote string, sub Control) (*Client, error) {
	sub.Type = ControlSubscribe
	ss, err := h.newSubscription(sub, nil)
	if err != nil {
		return nil, err
	}
	c := &Client{hub: h, remote: remote, sender: s,
		queue:  make([]*message, 0, h.cfg.QueueLen+maxReplies),
		wake:   make(chan struct{}, 1),
		done:   make(chan struct{}),
		exited: make(chan struct{}),
	}
	c.sub.Store(ss)
	c.pushReply(h.helloMsg)

	h.mu.Lock()
	if h.closed.Load() {
		h.mu.Unlock()
		return nil, ErrHubClosed
	}
	h.nextID++
	c.id = h.nextID
	list := append(slices.Clone(*h.clients.Load()), c)
	h.clients.Store(&list)
	h.wg.Add(1)
	h.mu.Unlock()
	h.connected.Add(1)
	go c.run()
	return c, nil
}

// detach removes c from the client list.
func (h *Hub) detach(c *Client) {
	h.mu.Lock()
	list := slices.DeleteFunc(slices.Clone(*h.clients.Load()), func(x *Client) bool { return x == c })
	h.clients.Store(&list)
	h.mu.Unlock()
	h.disconnected.Add(1)
}

// Stats returns the hub's figures.
func (h *Hub) Stats() Stats {
	list := *h.clients.Load()
	st := Stats{
		Clients:   len(list),
		Published: h.published.Load(), Encoded: h.encoded.Load(),
		Sent: h.sent.Load(), Dropped: h.dropped.Load(),
		Rejected: h.rejected.Load(), Connected: h.connected.Load(), Disconnected: h.disconnected.Load(),
	}
	for _, c := range list {
		st.PerClient = append(st.PerClient, c.Stats())
	}
	return st
}

// Close closes every client with CloseGoingAway and waits for the hub's
// goroutines (client writers, WebSocket handlers) to return. Publish and
// Attach do nothing after Close; ServeHTTP answers 503. Later calls wait
// the same way and return nil.
func (h *Hub) Close() error {
	h.mu.Lock()
	h.closed.Store(true)
	list := *h.clients.Load()
	h.mu.Unlock()
	var wg sync.WaitGroup
	for _, c := range list {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.Close(CloseGoingAway, "server closing")
		}()
	}
	wg.Wait()
	h.wg.Wait()
	return nil
}
