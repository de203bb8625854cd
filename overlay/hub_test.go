package overlay

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/athlete3d/athlete3d/skeleton"
	"github.com/gorilla/websocket"
)

func testHello() Hello {
	return Hello{Joints: skeleton.COCO17.Joints, Limbs: skeleton.COCO17.Limbs,
		Cameras: []Camera{{"cam0", 1920, 1080}, {"cam1", 1920, 1080}, {"cam2", 1280, 720}, {"cam3", 1280, 720}}}
}

// startHub serves a hub on a loopback test server; both close at cleanup.
func startHub(t testing.TB, cfg HubConfig) (*Hub, string) {
	t.Helper()
	h, err := NewHub(cfg, testHello())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		h.Close()
		srv.Close()
	})
	return h, "ws" + strings.TrimPrefix(srv.URL, "http")
}

func dial(t testing.TB, url string, hdr http.Header) *websocket.Conn {
	t.Helper()
	c, resp, err := websocket.DefaultDialer.Dial(url, hdr)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		t.Fatalf("dial %s: %v (HTTP %d)", url, err, status)
	}
	t.Cleanup(func() { c.Close() })
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	return c
}

// readType reads one message and checks its JSON type.
func readType(t testing.TB, c *websocket.Conn, want string) []byte {
	t.Helper()
	kind, data, err := c.ReadMessage()
	if err != nil {
		t.Fatalf("read %s: %v", want, err)
	}
	if kind != websocket.TextMessage || MessageType(data) != want {
		t.Fatalf("got message kind %d %.80q, want a %q message", kind, data, want)
	}
	return data
}

// readFrame reads one frame message in either encoding.
func readFrame(t testing.TB, c *websocket.Conn) *Frame {
	t.Helper()
	kind, data, err := c.ReadMessage()
	if err != nil {
		t.Fatalf("read frame: %v", err)
	}
	var f *Frame
	if kind == websocket.BinaryMessage {
		f, err = DecodeBinary(data)
	} else {
		f, err = DecodeJSON(data)
	}
	if err != nil {
		t.Fatalf("decode frame: %v", err)
	}
	return f
}

// waitFor polls cond until it holds or 5 s pass.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(2 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

func clients(h *Hub, n int) func() bool { return func() bool { return h.Stats().Clients == n } }

func TestAuthAndOrigin(t *testing.T) {
	h, url := startHub(t, HubConfig{Tokens: []string{"s3cret", "other"}, Origins: []string{"https://gfx.example.org"}})
	for _, tt := range []struct {
		name   string
		query  string
		header http.Header
		want   int
	}{
		{"no token", "", nil, http.StatusUnauthorized},
		{"wrong token", "?token=s3cre", nil, http.StatusUnauthorized},
		{"wrong bearer", "", http.Header{"Authorization": {"Bearer nope"}}, http.StatusUnauthorized},
		{"bearer", "", http.Header{"Authorization": {"Bearer s3cret"}}, http.StatusSwitchingProtocols},
		{"query token", "?token=other", nil, http.StatusSwitchingProtocols},
		{"foreign origin", "?token=s3cret", http.Header{"Origin": {"https://evil.example.net"}}, http.StatusForbidden},
		{"allowed origin", "?token=s3cret", http.Header{"Origin": {"HTTPS://gfx.example.org"}}, http.StatusSwitchingProtocols},
		{"bad camera", "?token=s3cret&camera=9", nil, http.StatusBadRequest},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, resp, err := websocket.DefaultDialer.Dial(url+tt.query, tt.header)
			if c != nil {
				defer c.Close()
			}
			if resp == nil {
				t.Fatalf("no response: %v", err)
			}
			if resp.StatusCode != tt.want {
				t.Fatalf("got HTTP %d, want %d", resp.StatusCode, tt.want)
			}
			if tt.want == http.StatusSwitchingProtocols {
				readType(t, c, "hello")
			}
		})
	}
	if got := h.Stats().Rejected; got != 5 {
		t.Errorf("Stats.Rejected = %d, want 5", got)
	}
}

func TestNoTokensAndSameOrigin(t *testing.T) {
	_, url := startHub(t, HubConfig{})
	c := dial(t, url, nil)
	readType(t, c, "hello")
	_, resp, err := websocket.DefaultDialer.Dial(url, http.Header{"Origin": {"http://elsewhere.example.org"}})
	if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-origin page with no allow-list: got %v, want HTTP 403", err)
	}
}

func TestHelloThenFramesInOrder(t *testing.T) {
	clock := time.Unix(1_700_000_000, 250_000)
	h, url := startHub(t, HubConfig{QueueLen: 64, Now: func() time.Time { return clock }})
	c := dial(t, url, nil)
	var hello struct {
		Type string `json:"type"`
		Hello
	}
	if err := jsonUnmarshal(readType(t, c, "hello"), &hello); err != nil {
		t.Fatal(err)
	}
	if hello.Version != SchemaVersion || len(hello.Joints) != 17 || len(hello.Cameras) != 4 || len(hello.Limbs) != len(skeleton.COCO17.Limbs) {
		t.Fatalf("hello = %+v", hello)
	}
	waitFor(t, "client", clients(h, 1))
	const n = 40
	for i := range n {
		f := testFrame(uint64(i), 3, 17, 4)
		f.Number = int64(i)
		h.Publish(f)
		if f.Publish != clock.UnixMicro() {
			t.Fatalf("Publish stamped %d, want %d", f.Publish, clock.UnixMicro())
		}
	}
	for i := range n {
		f := readFrame(t, c)
		if f.Number != int64(i) {
			t.Fatalf("frame %d has number %d", i, f.Number)
		}
		if d := frameDiff(f, atWirePrecision(withNumber(testFrame(uint64(i), 3, 17, 4), i, clock))); d != "" {
			t.Fatalf("frame %d: %s", i, d)
		}
	}
	if st := h.Stats(); st.Published != n || st.Encoded != n || st.Dropped != 0 {
		t.Errorf("stats %+v, want %d published and encoded, none dropped", st, n)
	}
}

func withNumber(f *Frame, n int, clock time.Time) *Frame {
	f.Number = int64(n)
	f.Publish = clock.UnixMicro()
	return f
}

func TestFiltersAndEncodings(t *testing.T) {
	h, url := startHub(t, HubConfig{})
	all := dial(t, url, nil)
	allBin := dial(t, url+"?enc=binary", nil)
	q := dial(t, url+"?athletes=2&camera=1&enc=binary", nil)
	ctl := dial(t, url, nil)
	for _, c := range []*websocket.Conn{all, allBin, q, ctl} {
		readType(t, c, "hello")
	}
	if err := ctl.WriteMessage(websocket.TextMessage, []byte(`{"type":"subscribe","athletes":[3,1,3],"camera":3}`)); err != nil {
		t.Fatal(err)
	}
	if got := string(readType(t, ctl, "subscribed")); got != `{"type":"subscribed","athletes":[1,3],"camera":3,"enc":"json"}` {
		t.Errorf("reply %s", got)
	}
	waitFor(t, "clients", clients(h, 4))
	h.Publish(testFrame(9, 3, 17, 4))
	want := atWirePrecision(testFrame(9, 3, 17, 4))

	fa, fb := readFrame(t, all), readFrame(t, allBin)
	want.Publish = fa.Publish
	if d := frameDiff(fa, want); d != "" {
		t.Errorf("unfiltered JSON: %s", d)
	}
	if d := frameDiff(fb, fa); d != "" {
		t.Errorf("binary differs from JSON: %s", d)
	}
	fq := readFrame(t, q)
	if len(fq.Athletes) != 1 || fq.Athletes[0].ID != 2 || len(fq.Athletes[0].Views) != 1 || fq.Athletes[0].Views[0].Camera != 1 {
		t.Errorf("query filter: got %d athletes %+v", len(fq.Athletes), fq.Athletes)
	} else if d := frameDiff(&Frame{Athletes: []Athlete{{Joints: fq.Athletes[0].Joints}}}, &Frame{Athletes: []Athlete{{Joints: want.Athletes[1].Joints}}}); d != "" {
		t.Errorf("query filter joints: %s", d)
	}
	if len(fq.Events) != 1 || fq.Events[0].Athlete != 2 {
		t.Errorf("query filter events: got %+v, want athlete 2's only", fq.Events)
	}
	fc := readFrame(t, ctl)
	if len(fc.Athletes) != 2 || fc.Athletes[0].ID != 1 || fc.Athletes[1].ID != 3 || len(fc.Athletes[1].Views) != 1 || fc.Athletes[1].Views[0].Camera != 3 {
		t.Errorf("control filter: got %+v", fc.Athletes)
	}
	if got := h.Stats().Encoded; got != 4 {
		t.Errorf("Encoded = %d, want 4 (one per distinct filter and encoding)", got)
	}
	// Switch the control client to binary, unfiltered: it now shares the
	// binary encoding of the "allBin" client.
	ctl.WriteMessage(websocket.TextMessage, []byte(`{"type":"subscribe","enc":"binary"}`))
	readType(t, ctl, "subscribed")
	h.Publish(testFrame(10, 3, 17, 4))
	if kind, _, err := ctl.ReadMessage(); err != nil || kind != websocket.BinaryMessage {
		t.Errorf("after switching: got kind %d, %v; want a binary frame", kind, err)
	}
	if got := h.Stats().Encoded; got != 4+3 {
		t.Errorf("Encoded = %d, want 7", got)
	}
	ctl.WriteMessage(websocket.TextMessage, []byte(`{"type":"stats"}`))
	if got := string(readType(t, ctl, "stats")); !strings.Contains(got, `"dropped":0`) {
		t.Errorf("stats reply %s", got)
	}
}

// blockSender is an in-process Sender that blocks every Send until release
// is closed, standing for a client that stopped reading.
type blockSender struct {
	release chan struct{}
	once    sync.Once
	mu      sync.Mutex
	got     int
	code    int
}

func newBlockSender() *blockSender { return &blockSender{release: make(chan struct{})} }

func (s *blockSender) Send(kind MessageKind, data []byte) error {
	<-s.release
	s.mu.Lock()
	s.got++
	s.mu.Unlock()
	return nil
}

func (s *blockSender) Close(code int, reason string) error {
	s.mu.Lock()
	s.code = code
	s.mu.Unlock()
	s.once.Do(func() { close(s.release) })
	return nil
}

func TestSlowClientDropsOldest(t *testing.T) {
	h, url := startHub(t, HubConfig{QueueLen: 4})
	fast := dial(t, url, nil)
	readType(t, fast, "hello")
	slow := newBlockSender()
	sc, err := h.Attach(slow, "slow", Control{})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "clients", clients(h, 2))
	const n = 30
	for i := range n {
		h.Publish(&Frame{Number: int64(i)})
		if f := readFrame(t, fast); f.Number != int64(i) {
			t.Fatalf("fast client got frame %d, want %d", f.Number, i)
		}
	}
	// The slow client's writer holds hello in a blocked Send; its queue
	// keeps the 4 newest frames.
	st := sc.Stats()
	if st.Dropped != n-4 || st.Queued != 4 {
		t.Errorf("slow client: dropped %d, queued %d; want %d and 4", st.Dropped, st.Queued, n-4)
	}
	if hs := h.Stats(); hs.Dropped != n-4 {
		t.Errorf("hub Dropped = %d, want %d", hs.Dropped, n-4)
	}
	for _, cs := range h.Stats().PerClient {
		if cs.Remote != "slow" && cs.Dropped != 0 {
			t.Errorf("fast client dropped %d", cs.Dropped)
		}
	}
	sc.Close(CloseNormal, "")
	waitFor(t, "slow client gone", clients(h, 1))
}

// closeCode reads until the connection fails and returns the close code.
func closeCode(t *testing.T, c *websocket.Conn) (int, string) {
	t.Helper()
	for {
		if _, _, err := c.ReadMessage(); err != nil {
			var ce *websocket.CloseError
			if errors.As(err, &ce) {
				return ce.Code, ce.Text
			}
			t.Fatalf("connection ended without a close frame: %v", err)
		}
	}
}

func TestBadClientMessages(t *testing.T) {
	h, url := startHub(t, HubConfig{ReadLimit: 1024})
	good := dial(t, url, nil)
	readType(t, good, "hello")
	for _, tt := range []struct {
		name   string
		kind   int
		msg    []byte
		code   int
		reason string
	}{
		{"oversized", websocket.TextMessage, bytes.Repeat([]byte(" "), 2000), websocket.CloseMessageTooBig, ""},
		{"malformed", websocket.TextMessage, []byte(`{"type":"subscribe",`), websocket.ClosePolicyViolation, "bad control message"},
		{"unknown type", websocket.TextMessage, []byte(`{"type":"reboot"}`), websocket.ClosePolicyViolation, `unknown type "reboot"`},
		{"missing camera", websocket.TextMessage, []byte(`{"type":"subscribe","camera":4}`), websocket.ClosePolicyViolation, "out of range"},
		{"binary", websocket.BinaryMessage, []byte{1, 2, 3}, websocket.CloseUnsupportedData, "JSON text"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			bad := dial(t, url, nil)
			readType(t, bad, "hello")
			if err := bad.WriteMessage(tt.kind, tt.msg); err != nil {
				t.Fatal(err)
			}
			code, reason := closeCode(t, bad)
			if code != tt.code || !strings.Contains(reason, tt.reason) {
				t.Errorf("closed with %d %q, want %d with %q", code, reason, tt.code, tt.reason)
			}
			waitFor(t, "bad client gone", clients(h, 1))
			// The other client and the server are unaffected.
			h.Publish(&Frame{Number: 5})
			if f := readFrame(t, good); f.Number != 5 {
				t.Errorf("good client got frame %d", f.Number)
			}
			again := dial(t, url, nil)
			readType(t, again, "hello")
			again.Close()
			waitFor(t, "new client gone", clients(h, 1))
		})
	}
}

func TestSilentClientClosed(t *testing.T) {
	h, url := startHub(t, HubConfig{PingInterval: 20 * time.Millisecond, PongTimeout: 60 * time.Millisecond})
	c := dial(t, url, nil) // never reads, so never answers pings
	_ = c
	waitFor(t, "client", clients(h, 1))
	waitFor(t, "silent client closed", clients(h, 0))
	// A client that reads (and so answers pings) stays.
	live := dial(t, url, nil)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			live.SetReadDeadline(time.Now().Add(5 * time.Second))
			if _, _, err := live.ReadMessage(); err != nil {
				return
			}
		}
	}()
	waitFor(t, "client", clients(h, 1))
	time.Sleep(200 * time.Millisecond)
	if got := h.Stats().Clients; got != 1 {
		t.Errorf("a client answering pings was closed (%d clients)", got)
	}
	live.Close()
	<-done
}

// goroutinesRunning counts the goroutines whose stack holds any of marks.
func goroutinesRunning(marks ...string) int {
	buf := make([]byte, 4<<20)
	buf = buf[:runtime.Stack(buf, true)]
	n := 0
	for _, g := range strings.Split(string(buf), "\n\n") {
		for _, m := range marks {
			if strings.Contains(g, m) {
				n++
				break
			}
		}
	}
	return n
}

// hubGoroutines counts goroutines running code of this package's hub.
func hubGoroutines() int {
	return goroutinesRunning("overlay.(*Client).run", "overlay.(*Hub).ServeHTTP")
}

func TestCloseWithClients(t *testing.T) {
	h, err := NewHub(HubConfig{}, testHello())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	url := "ws" + strings.TrimPrefix(srv.URL, "http")
	var conns []*websocket.Conn
	for range 5 {
		conns = append(conns, dial(t, url, nil))
	}
	stuck := newBlockSender()
	if _, err := h.Attach(stuck, "stuck", Control{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "clients", clients(h, 6))
	h.Publish(&Frame{})
	// 6 writers and 5 WebSocket handlers; shows the count below can see them.
	waitFor(t, "11 hub goroutines", func() bool { return hubGoroutines() == 11 })
	closed := make(chan struct{})
	go func() { h.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return")
	}
	if n := hubGoroutines(); n != 0 {
		t.Errorf("%d hub goroutines after Close, want 0", n)
	}
	for i, c := range conns {
		if code, _ := closeCode(t, c); code != websocket.CloseGoingAway {
			t.Errorf("client %d closed with %d, want %d", i, code, websocket.CloseGoingAway)
		}
	}
	if stuck.code != CloseGoingAway {
		t.Errorf("attached client closed with %d, want %d", stuck.code, CloseGoingAway)
	}
	if _, err := h.Attach(newBlockSender(), "late", Control{}); !errors.Is(err, ErrHubClosed) {
		t.Errorf("Attach after Close: got %v, want ErrHubClosed", err)
	}
	h.Publish(&Frame{}) // does nothing, must not panic
	resp, err := http.Get(srv.URL)
	if err != nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("request after Close: got %v %v, want 503", resp, err)
	}
}

func TestNewHubErrors(t *testing.T) {
	for _, tt := range []struct {
		name string
		cfg  HubConfig
		want string
	}{
		{"pong", HubConfig{PingInterval: time.Second, PongTimeout: time.Second}, "must exceed"},
		{"origin", HubConfig{Origins: []string{"gfx.example.org"}}, "not scheme://host"},
		{"token", HubConfig{Tokens: []string{""}}, "token 0 is empty"},
		{"queue", HubConfig{QueueLen: -1}, "negative"},
	} {
		if _, err := NewHub(tt.cfg, testHello()); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got %v, want %q", tt.name, err, tt.want)
		}
	}
	bad := testHello()
	bad.Limbs = append(bad.Limbs, [2]int{0, 17})
	if _, err := NewHub(HubConfig{}, bad); err == nil || !strings.Contains(err.Error(), "limb") {
		t.Errorf("bad limb: got %v", err)
	}
}
