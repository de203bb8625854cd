package overlay

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Sender is the transport side of a client: the WebSocket endpoint of this
// package implements it, and so can any other transport (a WebRTC data
// channel, an in-process consumer) that registers with Hub.Attach.
type Sender interface {
	// Send delivers one message. It is called from one goroutine at a time
	// (the client's writer) and may block, but should give up after a
	// deadline of its own. data is valid only until Send returns.
	Send(kind MessageKind, data []byte) error
	// Close ends the transport, telling the peer code and reason where the
	// transport can. The hub calls it exactly once, possibly while a Send
	// is blocked; it must make that Send return promptly.
	Close(code int, reason string) error
}

// Pinger is implemented by a Sender whose transport needs keepalive
// messages; the client's writer calls Ping every HubConfig.PingInterval.
// Detecting a peer that stopped answering is the transport's job.
type Pinger interface {
	Ping() error
}

// maxReplies bounds the messages that are never dropped (hello, replies to
// control messages) waiting in a client's queue; a client that sends control
// messages faster than it reads the replies is closed.
const maxReplies = 8

// subscription is a client's filter and encoding. Clients with equal keys
// receive the very same bytes.
type subscription struct {
	enc      Encoding
	athletes []int // sorted, unique; nil = all
	camera   int   // -1 = all
	key      string
}

func (s *subscription) all() bool { return s.athletes == nil && s.camera < 0 }

func (s *subscription) wants(id int) bool {
	if s.athletes == nil {
		return true
	}
	_, ok := slices.BinarySearch(s.athletes, id)
	return ok
}

// filter returns f reduced to the subscription, built in dst and views
// (reused between calls), or f itself when nothing is filtered out.
func (s *subscription) filter(f, dst *Frame, views *[]View) *Frame {
	if s.all() {
		return f
	}
	*dst = Frame{Number: f.Number, Capture: f.Capture, Publish: f.Publish,
		Athletes: dst.Athletes[:0], Events: dst.Events[:0]}
	vs := (*views)[:0]
	for _, a := range f.Athletes {
		if !s.wants(a.ID) {
			continue
		}
		if s.camera >= 0 {
			start := len(vs)
			for _, v := range a.Views {
				if v.Camera == s.camera {
					vs = append(vs, v)
				}
			}
			a.Views = vs[start:len(vs):len(vs)]
		}
		dst.Athletes = append(dst.Athletes, a)
	}
	for _, e := range f.Events {
		if s.wants(e.Athlete) {
			dst.Events = append(dst.Events, e)
		}
	}
	*views = vs
	return dst
}

// newSubscription applies c to the subscription old (nil for a new client).
func (h *Hub) newSubscription(c Control, old *subscription) (*subscription, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	s := &subscription{enc: c.Enc, camera: -1}
	if s.enc == 0 {
		s.enc = EncodingJSON
		if old != nil {
			s.enc = old.enc
		}
	}
	if c.Camera != nil {
		if *c.Camera >= len(h.hello.Cameras) {
			return nil, fmt.Errorf("%w: camera %d out of range (the rig has %d)", ErrBadControl, *c.Camera, len(h.hello.Cameras))
		}
		s.camera = *c.Camera
	}
	if len(c.Athletes) > 0 {
		s.athletes = slices.Compact(slices.Sorted(slices.Values(c.Athletes)))
	}
	var b strings.Builder
	b.WriteString(s.enc.String())
	b.WriteString("|")
	b.WriteString(strconv.Itoa(s.camera))
	for _, id := range s.athletes {
		b.WriteString("|")
		b.WriteString(strconv.Itoa(id))
	}
	s.key = b.String()
	return s, nil
}

// queryControl returns the subscription asked for by a connection request's
// query parameters (ControlFromQuery), checked against the rig.
func (h *Hub) queryControl(q url.Values) (Control, error) {
	c, err := ControlFromQuery(q)
	if err != nil {
		return Control{}, err
	}
	if _, err := h.newSubscription(c, nil); err != nil {
		return Control{}, err
	}
	return c, nil
}

// Client is one consumer of the feed, attached to a Hub through a Sender.
// Its methods are safe for concurrent use.
type Client struct {
	hub    *Hub
	id     uint64
	remote string
	sender Sender
	sub    atomic.Pointer[subscription]

	mu      sync.Mutex
	queue   []*message // FIFO; frames and at most maxReplies others
	frames  int        // frames in queue
	replies int        // other messages in queue
	sent    uint64
	dropped uint64
	closed  bool // drained: queue nothing more

	wake      chan struct{} // capacity 1: the queue has something
	done      chan struct{} // closed by Close
	exited    chan struct{} // closed when the writer goroutine has returned
	closeOnce sync.Once
}

// ClientStats are one client's figures.
type ClientStats struct {
	ID       uint64
	Remote   string   // as given to Attach
	Encoding Encoding // of frames
	Athletes []int    // filter, nil = all
	Camera   int      // filter, -1 = all
	Queued   int      // messages waiting
	Sent     uint64   // messages delivered to the Sender
	Dropped  uint64   // frames dropped because the queue was full
}

// Stats returns the client's figures.
func (c *Client) Stats() ClientStats {
	s := c.sub.Load()
	c.mu.Lock()
	defer c.mu.Unlock()
	return ClientStats{ID: c.id, Remote: c.remote, Encoding: s.enc, Athletes: slices.Clone(s.athletes),
		Camera: s.camera, Queued: len(c.queue), Sent: c.sent, Dropped: c.dropped}
}

// Done is closed when the client has been closed.
func (c *Client) Done() <-chan struct{} { return c.done }

// Close detaches the client from the hub and closes its Sender with code
// and reason. Later calls do nothing. It returns once the Sender is closed;
// the writer goroutine exits soon after (Hub.Close waits for it).
func (c *Client) Close(code int, reason string) {
	c.closeOnce.Do(func() {
		close(c.done)
		c.hub.detach(c)
		c.sender.Close(code, reason)
	})
}

// Apply handles a control message from the client's peer: a "subscribe"
// changes the filter and encoding of the frames published from now on and
// is answered with a "subscribed" message; a "stats" is answered with a
// "stats" message. An error (wrapping ErrBadControl) means the message was
// refused; the transport should close the client with ClosePolicyViolation.
func (c *Client) Apply(ctrl Control) error {
	switch ctrl.Type {
	case ControlSubscribe:
		s, err := c.hub.newSubscription(ctrl, c.sub.Load())
		if err != nil {
			return err
		}
		c.sub.Store(s)
		r := subscribedReply{Type: "subscribed", Athletes: s.athletes, Enc: s.enc.String()}
		if r.Athletes == nil {
			r.Athletes = []int{}
		}
		if s.camera >= 0 {
			r.Camera = &s.camera
		}
		return c.reply(r)
	case ControlStats:
		st := c.Stats()
		return c.reply(statsReply{Type: "stats", Queued: st.Queued, Sent: st.Sent, Dropped: st.Dropped})
	}
	return fmt.Errorf("%w: unknown type %q", ErrBadControl, ctrl.Type)
}

// receive handles a message from the client's peer: it closes the client
// with CloseUnsupportedData for a binary message, CloseMessageTooBig for one
// over HubConfig.ReadLimit and ClosePolicyViolation for a refused control
// message, and otherwise applies it. It returns false when it closed the
// client.
func (c *Client) receive(text bool, data []byte) bool {
	switch {
	case !text:
		c.Close(CloseUnsupportedData, "control messages are JSON text")
		return false
	case int64(len(data)) > c.hub.cfg.ReadLimit:
		c.Close(CloseMessageTooBig, "message too big")
		return false
	}
	ctrl, err := ParseControl(data)
	if err == nil {
		err = c.Apply(ctrl)
	}
	if err != nil {
		c.Close(ClosePolicyViolation, err.Error())
		return false
	}
	return true
}

type subscribedReply struct {
	Type     string `json:"type"`
	Athletes []int  `json:"athletes"`
	Camera   *int   `json:"camera,omitempty"`
	Enc      string `json:"enc"`
}

type statsReply struct {
	Type    string `json:"type"`
	Queued  int    `json:"queued"`
	Sent    uint64 `json:"sent"`
	Dropped uint64 `json:"dropped"`
}

func (c *Client) reply(v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("overlay: encode reply: %w", err)
	}
	if !c.pushReply(&message{kind: TextMessage, data: data}) {
		return fmt.Errorf("%w: more than %d replies waiting; read them before sending more", ErrBadControl, maxReplies)
	}
	return nil
}

// pushReply queues a message that is never dropped. It returns false when
// maxReplies are already waiting.
func (c *Client) pushReply(m *message) bool {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return true
	}
	if c.replies >= maxReplies {
		c.mu.Unlock()
		return false
	}
	c.queue = append(c.queue, m)
	c.replies++
	c.mu.Unlock()
	c.signal()
	return true
}

// push queues a frame, dropping the oldest queued frame when the client
// already has HubConfig.QueueLen of them. It never blocks on the transport.
func (c *Client) push(m *message) {
	var old *message
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	if c.frames >= c.hub.cfg.QueueLen {
		for i, q := range c.queue {
			if q.frame {
				old = q
				copy(c.queue[i:], c.queue[i+1:])
				c.queue[len(c.queue)-1] = nil
				c.queue = c.queue[:len(c.queue)-1]
				c.frames--
				c.dropped++
				break
			}
		}
	}
	m.retain()
	c.queue = append(c.queue, m)
	c.frames++
	c.mu.Unlock()
	if old != nil {
		old.release()
		c.hub.dropped.Add(1)
	}
	c.signal()
}

func (c *Client) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// pop takes the oldest queued message, or nil.
func (c *Client) pop() *message {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.queue) == 0 {
		return nil
	}
	m := c.queue[0]
	copy(c.queue, c.queue[1:])
	c.queue[len(c.queue)-1] = nil
	c.queue = c.queue[:len(c.queue)-1]
	if m.frame {
		c.frames--
	} else {
		c.replies--
	}
	return m
}

// run is the client's writer goroutine: it hands queued messages to the
// Sender in order and pings. It returns when the client is closed (by the
// transport, a failed send, or Hub.Close).
func (c *Client) run() {
	defer c.hub.wg.Done()
	defer close(c.exited)
	defer c.drain()
	var tick <-chan time.Time
	pinger, ok := c.sender.(Pinger)
	if ok && c.hub.cfg.PingInterval > 0 {
		t := time.NewTicker(c.hub.cfg.PingInterval)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-c.done:
			return
		case <-tick:
			if err := pinger.Ping(); err != nil {
				c.Close(CloseInternalError, "ping failed")
				return
			}
		case <-c.wake:
			for {
				select {
				case <-c.done:
					return
				default:
				}
				m := c.pop()
				if m == nil {
					break
				}
				err := c.sender.Send(m.kind, m.data)
				m.release()
				if err != nil {
					c.Close(CloseInternalError, "send failed")
					return
				}
				c.mu.Lock()
				c.sent++
				c.mu.Unlock()
				c.hub.sent.Add(1)
			}
		}
	}
}

// drain releases whatever is left in the queue of a closed client.
func (c *Client) drain() {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	for m := c.pop(); m != nil; m = c.pop() {
		m.release()
	}
}
