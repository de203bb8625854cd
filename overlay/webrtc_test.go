package overlay

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
)

// loopbackRTC keeps both ends of a test on the loopback interface.
var loopbackRTC = WebRTCConfig{ICELoopback: true, ICEInterfaces: []string{"lo"}}

// startServer serves NewServer over a new hub on a loopback test server;
// everything closes at cleanup.
func startServer(t testing.TB, hcfg HubConfig, scfg ServerConfig) (*Hub, *Server, *httptest.Server) {
	t.Helper()
	h, err := NewHub(hcfg, testHello())
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewServer(h, scfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(func() {
		s.Close()
		h.Close()
		srv.Close()
	})
	return h, s, srv
}

// rtcPeer is the browser's side of a session, played by pion.
type rtcPeer struct {
	pc       *webrtc.PeerConnection
	dc       *webrtc.DataChannel
	msgs     chan webrtc.DataChannelMessage
	open     chan struct{}
	resource string
}

// newRTCPeer makes a peer connection with an unordered, unreliable data
// channel and its complete offer. maxMsg, when not 0, is the largest message
// it says it accepts.
func newRTCPeer(t testing.TB, maxMsg uint32) (*rtcPeer, string) {
	t.Helper()
	var se webrtc.SettingEngine
	se.SetIncludeLoopbackCandidate(true)
	se.SetInterfaceFilter(func(name string) bool { return name == "lo" })
	if maxMsg != 0 {
		se.SetSCTPMaxMessageSize(maxMsg)
	}
	pc, err := webrtc.NewAPI(webrtc.WithSettingEngine(se)).NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.GracefulClose() })
	ordered, retransmits := false, uint16(0)
	dc, err := pc.CreateDataChannel("overlay", &webrtc.DataChannelInit{Ordered: &ordered, MaxRetransmits: &retransmits})
	if err != nil {
		t.Fatal(err)
	}
	p := &rtcPeer{pc: pc, dc: dc, msgs: make(chan webrtc.DataChannelMessage, 256), open: make(chan struct{})}
	dc.OnOpen(func() { close(p.open) })
	dc.OnMessage(func(m webrtc.DataChannelMessage) {
		select {
		case p.msgs <- m:
		default: // the test reads what it needs; the rest may go
		}
	})
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(offer); err != nil {
		t.Fatal(err)
	}
	<-gathered
	return p, pc.LocalDescription().SDP
}

// postOffer sends an offer and returns the response, its body read.
func postOffer(t testing.TB, endpoint, sdp string, hdr http.Header) (*http.Response, string) {
	t.Helper()
	return request(t, http.MethodPost, endpoint, "application/sdp", sdp, hdr)
}

// connectRTC runs the offer/answer exchange and waits for the data channel.
func connectRTC(t testing.TB, endpoint string, hdr http.Header, maxMsg uint32) *rtcPeer {
	t.Helper()
	p, offer := newRTCPeer(t, maxMsg)
	resp, answer := postOffer(t, endpoint, offer, hdr)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("offer: got HTTP %d %q, want 201", resp.StatusCode, answer)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/sdp" {
		t.Errorf("answer Content-Type %q, want application/sdp", ct)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || loc.Path == "" {
		t.Fatalf("Location %q: %v", resp.Header.Get("Location"), err)
	}
	base, _ := url.Parse(endpoint)
	p.resource = base.ResolveReference(loc).String()
	if err := p.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.open:
	case <-time.After(10 * time.Second):
		t.Fatal("data channel not open after 10 s")
	}
	return p
}

// next returns the next message whose JSON type is want (any binary message
// when want is "binary"), skipping others, within 5 s.
func (p *rtcPeer) next(t testing.TB, want string) webrtc.DataChannelMessage {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case m := <-p.msgs:
			if (want == "binary" && !m.IsString) || (m.IsString && MessageType(m.Data) == want) {
				return m
			}
		case <-timeout:
			t.Fatalf("no %q message within 5 s", want)
		}
	}
}

// publishUntil publishes f every 10 ms until p has a message of type want.
func publishUntil(t testing.TB, h *Hub, f *Frame, p *rtcPeer, want string) webrtc.DataChannelMessage {
	t.Helper()
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				g := *f
				h.Publish(&g)
			}
		}
	}()
	m := p.next(t, want)
	close(stop)
	<-done
	return m
}

func (p *rtcPeer) sendText(t testing.TB, s string) {
	t.Helper()
	if err := p.dc.SendText(s); err != nil {
		t.Fatal(err)
	}
}

// pionGoroutines counts goroutines running code of pion or of this
// package's WebRTC endpoint.
func pionGoroutines() int {
	return goroutinesRunning("github.com/pion/", "overlay.(*peer)")
}

func waitNoPion(t *testing.T) {
	t.Helper()
	end := time.Now().Add(10 * time.Second)
	for pionGoroutines() != 0 {
		if time.Now().After(end) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d pion or peer goroutines left:\n%s", pionGoroutines(), buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestWebRTCFeed(t *testing.T) {
	h, s, srv := startServer(t, HubConfig{Tokens: []string{"s3cret"}}, ServerConfig{WebRTC: true, WebRTCConfig: loopbackRTC})
	auth := http.Header{"Authorization": {"Bearer s3cret"}}
	p := connectRTC(t, srv.URL+"/whep", auth, 0)
	if !strings.HasPrefix(p.resource, srv.URL+"/whep/") {
		t.Errorf("session resource %s, want under %s/whep/", p.resource, srv.URL)
	}
	if p.dc.Ordered() || p.dc.MaxRetransmits() == nil || *p.dc.MaxRetransmits() != 0 {
		t.Errorf("data channel ordered=%v maxRetransmits=%v, want unordered with 0", p.dc.Ordered(), p.dc.MaxRetransmits())
	}

	var hello Hello
	if err := json.Unmarshal(p.next(t, "hello").Data, &hello); err != nil || len(hello.Cameras) != 4 {
		t.Fatalf("hello %+v, %v", hello, err)
	}
	waitFor(t, "one client", clients(h, 1))
	if r := h.Stats().PerClient[0].Remote; !strings.HasPrefix(r, "webrtc ") {
		t.Errorf("client remote %q, want it to name webrtc", r)
	}

	src := testFrame(7, 2, 17, 4)
	m := publishUntil(t, h, src, p, "frame")
	got, err := DecodeJSON(m.Data)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Athletes) != 2 || len(got.Athletes[0].Views) != 4 {
		t.Fatalf("got %d athletes with %d views, want 2 with 4", len(got.Athletes), len(got.Athletes[0].Views))
	}

	// A subscribe control message on the channel is applied and answered.
	p.sendText(t, `{"type":"subscribe","camera":1,"enc":"binary"}`)
	var sub struct {
		Camera *int   `json:"camera"`
		Enc    string `json:"enc"`
	}
	if err := json.Unmarshal(p.next(t, "subscribed").Data, &sub); err != nil || sub.Camera == nil || *sub.Camera != 1 || sub.Enc != "binary" {
		t.Fatalf("subscribed %+v %v, want camera 1, binary", sub, err)
	}
	m = publishUntil(t, h, src, p, "binary")
	bf, err := DecodeBinary(m.Data)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range bf.Athletes {
		if len(a.Views) != 1 || a.Views[0].Camera != 1 {
			t.Errorf("athlete %d views %+v, want only camera 1", a.ID, a.Views)
		}
	}
	p.sendText(t, `{"type":"stats"}`)
	p.next(t, "stats")
	if st := s.WebRTC().Stats(); st.Peers != 1 || st.Answered != 1 {
		t.Errorf("stats %+v, want 1 peer, 1 answered", st)
	}

	// DELETE ends the session and the hub client.
	req, _ := http.NewRequest(http.MethodDelete, p.resource, nil)
	req.Header = auth
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("DELETE: %v %v, want 200", resp, err)
	}
	resp.Body.Close()
	if n := h.Stats().Clients; n != 0 {
		t.Errorf("%d hub clients after DELETE, want 0", n)
	}
	if n := s.WebRTC().Stats().Peers; n != 0 {
		t.Errorf("%d peers after DELETE, want 0", n)
	}
	resp, err = http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusNotFound {
		t.Errorf("second DELETE: %v %v, want 404", resp, err)
	}
	resp.Body.Close()
}

func TestWebRTCRefusals(t *testing.T) {
	_, _, srv := startServer(t, HubConfig{Tokens: []string{"s3cret"}}, ServerConfig{WebRTC: true,
		WebRTCConfig: WebRTCConfig{MaxOffer: 8 << 10, ICELoopback: true, ICEInterfaces: []string{"lo"}}})
	_, offer := newRTCPeer(t, 0)
	auth := http.Header{"Authorization": {"Bearer s3cret"}}
	for _, tt := range []struct {
		name   string
		method string
		query  string
		ctype  string
		body   string
		header http.Header
		want   int
	}{
		{"no token", "POST", "", "application/sdp", offer, nil, http.StatusUnauthorized},
		{"wrong token", "POST", "?token=nope", "application/sdp", offer, nil, http.StatusUnauthorized},
		{"foreign origin", "POST", "", "application/sdp", offer,
			http.Header{"Authorization": {"Bearer s3cret"}, "Origin": {"https://evil.example.net"}}, http.StatusForbidden},
		{"garbage offer", "POST", "", "application/sdp", "v=0\r\nthis is not SDP\r\n", auth, http.StatusBadRequest},
		{"no data channel", "POST", "", "application/sdp",
			"v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n", auth, http.StatusBadRequest},
		{"oversized offer", "POST", "", "application/sdp", offer + strings.Repeat("a=x-padding\r\n", 1000), auth, http.StatusRequestEntityTooLarge},
		{"wrong content type", "POST", "", "text/plain", offer, auth, http.StatusUnsupportedMediaType},
		{"bad camera", "POST", "?camera=9", "application/sdp", offer, auth, http.StatusBadRequest},
		{"GET", "GET", "", "", "", auth, http.StatusMethodNotAllowed},
		{"PATCH", "PATCH", "", "application/trickle-ice-sdpfrag", "a=end-of-candidates", auth, http.StatusMethodNotAllowed},
		{"token in query", "POST", "?token=s3cret", "application/sdp", offer, nil, http.StatusCreated},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := request(t, tt.method, srv.URL+"/whep"+tt.query, tt.ctype, tt.body, tt.header)
			if resp.StatusCode != tt.want {
				t.Errorf("got HTTP %d %q, want %d", resp.StatusCode, body, tt.want)
			}
		})
	}
}

func TestWebRTCPeerLimit(t *testing.T) {
	h, _, srv := startServer(t, HubConfig{}, ServerConfig{WebRTC: true,
		WebRTCConfig: WebRTCConfig{MaxPeers: 1, ICELoopback: true, ICEInterfaces: []string{"lo"}}})
	connectRTC(t, srv.URL+"/whep", nil, 0)
	_, offer := newRTCPeer(t, 0)
	resp, body := postOffer(t, srv.URL+"/whep", offer, nil)
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("second peer: got HTTP %d %q, want 503", resp.StatusCode, body)
	}
	waitFor(t, "one client", clients(h, 1))
}

func TestWebRTCNotEnabled(t *testing.T) {
	_, _, srv := startServer(t, HubConfig{}, ServerConfig{})
	_, offer := newRTCPeer(t, 0)
	if resp, _ := postOffer(t, srv.URL+"/whep", offer, nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("got HTTP %d, want 404 without WebRTC", resp.StatusCode)
	}
}

// closeMessage reads the "close" message a session ends with.
func closeMessage(t *testing.T, p *rtcPeer) (int, string) {
	t.Helper()
	var c struct {
		Code   int    `json:"code"`
		Reason string `json:"reason"`
	}
	if err := json.Unmarshal(p.next(t, "close").Data, &c); err != nil {
		t.Fatal(err)
	}
	return c.Code, c.Reason
}

func TestWebRTCBadControlClosesPeer(t *testing.T) {
	h, s, srv := startServer(t, HubConfig{}, ServerConfig{WebRTC: true, WebRTCConfig: loopbackRTC})
	bad := connectRTC(t, srv.URL+"/whep", nil, 0)
	good := connectRTC(t, srv.URL+"/whep", nil, 0)
	bad.next(t, "hello")
	good.next(t, "hello")
	waitFor(t, "two clients", clients(h, 2))
	bad.sendText(t, `{"type":"subscribe","camera":-1}`)
	if code, reason := closeMessage(t, bad); code != ClosePolicyViolation || !strings.Contains(reason, "negative") {
		t.Errorf("closed with %d %q, want %d naming the negative camera", code, reason, ClosePolicyViolation)
	}
	waitFor(t, "one client", clients(h, 1))
	waitFor(t, "one peer", func() bool { return s.WebRTC().Stats().Peers == 1 })
	publishUntil(t, h, testFrame(1, 1, 17, 4), good, "frame") // the other peer is unaffected
}

// A frame larger than the peer accepts is not dropped silently: the client
// is closed and told why, and the page then reconnects.
func TestWebRTCMessageTooBig(t *testing.T) {
	h, _, srv := startServer(t, HubConfig{}, ServerConfig{WebRTC: true, WebRTCConfig: loopbackRTC})
	p := connectRTC(t, srv.URL+"/whep", nil, 2000)
	p.next(t, "hello")
	waitFor(t, "one client", clients(h, 1))
	h.Publish(testFrame(3, 3, 17, 4)) // about 7 KB of JSON
	if code, _ := closeMessage(t, p); code != CloseInternalError {
		t.Errorf("closed with %d, want %d", code, CloseInternalError)
	}
	waitFor(t, "no client", clients(h, 0))
}

// A peer that never connects is closed after ConnectTimeout, and closing the
// server leaves no goroutine of pion or of the endpoint.
func TestWebRTCNoLeaks(t *testing.T) {
	before := runtime.NumGoroutine()
	// The subtest's cleanup closes the test's own pion peers.
	t.Run("sessions", func(t *testing.T) {
		h, err := NewHub(HubConfig{}, testHello())
		if err != nil {
			t.Fatal(err)
		}
		cfg := loopbackRTC
		cfg.ConnectTimeout = 300 * time.Millisecond
		s, err := NewServer(h, ServerConfig{WebRTC: true, WebRTCConfig: cfg})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(s)
		defer srv.Close()
		defer h.Close()

		// An answered offer whose peer never applies the answer.
		_, offer := newRTCPeer(t, 0)
		if resp, body := postOffer(t, srv.URL+"/whep", offer, nil); resp.StatusCode != http.StatusCreated {
			t.Fatalf("offer: HTTP %d %q", resp.StatusCode, body)
		}
		waitFor(t, "the unconnected peer closed", func() bool { return s.WebRTC().Stats().Peers == 0 })

		for range 3 {
			p := connectRTC(t, srv.URL+"/whep", nil, 0)
			p.next(t, "hello")
		}
		waitFor(t, "three clients", clients(h, 3))
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if n := h.Stats().Clients; n != 0 {
			t.Errorf("%d hub clients after Server.Close, want 0", n)
		}
		resp, _ := postOffer(t, srv.URL+"/whep", offer, nil)
		if resp.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("offer after Close: HTTP %d, want 503", resp.StatusCode)
		}
	})
	waitNoPion(t)
	end := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(end) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<20)
		t.Errorf("%d goroutines, %d before:\n%s", n, before, buf[:runtime.Stack(buf, true)])
	}
}

// BenchmarkWebRTCLatency measures publish to receipt of a 3-athlete JSON
// frame over a loopback data channel, one frame at a time.
func BenchmarkWebRTCLatency(b *testing.B) {
	h, _, srv := startServer(b, HubConfig{}, ServerConfig{WebRTC: true, WebRTCConfig: loopbackRTC})
	p := connectRTC(b, srv.URL+"/whep", nil, 0)
	p.next(b, "hello")
	f := testFrame(5, 3, 17, 4)
	b.ReportAllocs()
	var total time.Duration
	lost := 0
	for b.Loop() {
		g := *f
		start := time.Now()
		h.Publish(&g)
		select {
		case <-p.msgs:
			total += time.Since(start)
		case <-time.After(time.Second):
			lost++
		}
	}
	b.ReportMetric(float64(total.Microseconds())/float64(b.N), "µs/frame")
	b.ReportMetric(float64(lost), "lost")
}
