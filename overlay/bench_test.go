package overlay

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

var sinkBytes []byte

func BenchmarkAppendJSON(b *testing.B)   { benchAppend(b, AppendJSON) }
func BenchmarkAppendBinary(b *testing.B) { benchAppend(b, AppendBinary) }

// benchAppend encodes a 3-athlete, 17-joint, 4-camera frame into a reused
// buffer.
func benchAppend(b *testing.B, appendFrame func([]byte, *Frame) []byte) {
	f := testFrame(1, 3, 17, 4)
	buf := make([]byte, 0, 16<<10)
	b.ReportAllocs()
	for b.Loop() {
		buf = appendFrame(buf[:0], f)
	}
	b.ReportMetric(float64(len(buf)), "bytes/frame")
	sinkBytes = buf
}

// discardSender takes every message at once.
type discardSender struct{}

func (discardSender) Send(MessageKind, []byte) error { return nil }
func (discardSender) Close(int, string) error        { return nil }

// BenchmarkPublish publishes to 50 in-process clients in 4 subscription
// groups: the steady state should allocate nothing per frame.
func BenchmarkPublish(b *testing.B) {
	h, err := NewHub(HubConfig{}, testHello())
	if err != nil {
		b.Fatal(err)
	}
	defer h.Close()
	cam := 1
	for i := range 50 {
		ctrl := Control{}
		switch i % 4 {
		case 1:
			ctrl.Enc = EncodingBinary
		case 2:
			ctrl.Athletes = []int{2}
		case 3:
			ctrl.Camera = &cam
		}
		if _, err := h.Attach(discardSender{}, "bench", ctrl); err != nil {
			b.Fatal(err)
		}
	}
	f := testFrame(1, 3, 17, 4)
	b.ReportAllocs()
	for b.Loop() {
		h.Publish(f)
	}
}

// frameStamp reads the number and publish time of a frame message without
// decoding the rest.
func frameStamp(kind int, data []byte) (n, pub int64, ok bool) {
	if kind == websocket.BinaryMessage {
		if len(data) < binaryHeaderSize {
			return 0, 0, false
		}
		return int64(le.Uint64(data[8:])), int64(le.Uint64(data[24:])), true
	}
	field := func(key string) (int64, bool) {
		i := bytes.Index(data, []byte(key))
		if i < 0 {
			return 0, false
		}
		rest := data[i+len(key):]
		end := bytes.IndexAny(rest, ",}")
		if end < 0 {
			return 0, false
		}
		v, err := strconv.ParseInt(string(rest[:end]), 10, 64)
		return v, err == nil
	}
	n, ok1 := field(`"n":`)
	pub, ok2 := field(`"pub":`)
	return n, pub, ok1 && ok2
}

// BenchmarkHubLoad measures publish→receive latency on loopback with 200
// healthy WebSocket clients (half JSON, half binary) and one client that
// reads one message and then stops reading. Each iteration is one whole
// run of loadFrames frames at 60 Hz; run with -benchtime 1x.
func BenchmarkHubLoad(b *testing.B) {
	const (
		healthy    = 200
		loadFrames = 120 // 2 s at 60 Hz
		rate       = 60
	)
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err == nil && lim.Cur < 4096 {
		lim.Cur = min(4096, lim.Max)
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			b.Logf("raise open-file limit: %v", err)
		}
	}
	for b.Loop() {
		h, url := startHub(b, HubConfig{SendBuffer: 64 << 10})

		type result struct {
			lat      []float64 // ms
			received int
			last     int64
		}
		results := make([]result, healthy)
		var wg sync.WaitGroup
		conns := make([]*websocket.Conn, healthy)
		for i := range healthy {
			u := url
			if i%2 == 1 {
				u += "?enc=binary"
			}
			c, _, err := websocket.DefaultDialer.Dial(u, nil)
			if err != nil {
				b.Fatalf("dial client %d: %v", i, err)
			}
			conns[i] = c
			results[i].lat = make([]float64, 0, loadFrames)
			results[i].last = -1
			wg.Add(1)
			go func(c *websocket.Conn, r *result) {
				defer wg.Done()
				buf := make([]byte, 16<<10)
				for {
					kind, rd, err := c.NextReader()
					if err != nil {
						return
					}
					// Read the whole message into buf, reused.
					m := 0
					for err == nil && m < len(buf) {
						var k int
						k, err = rd.Read(buf[m:])
						m += k
					}
					now := time.Now().UnixMicro()
					data := buf[:m]
					n, pub, ok := frameStamp(kind, data)
					if !ok {
						continue // hello
					}
					r.lat = append(r.lat, float64(now-pub)/1000)
					r.received++
					r.last = n
				}
			}(c, &results[i])
		}

		// The slow client has a small receive buffer, reads hello and one
		// frame, then sleeps until the run is over.
		slowDialer := websocket.Dialer{NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			if tc, ok := c.(*net.TCPConn); ok {
				tc.SetReadBuffer(4096)
			}
			return c, err
		}}
		slow, _, err := slowDialer.Dial(url, nil)
		if err != nil {
			b.Fatalf("dial slow client: %v", err)
		}
		slowRead := make(chan struct{})
		go func() {
			defer close(slowRead)
			slow.ReadMessage()
			slow.ReadMessage()
		}()
		waitFor(b, "clients", clients(h, healthy+1))

		f := testFrame(1, 3, 17, 4)
		tick := time.NewTicker(time.Second / rate)
		for i := range loadFrames {
			<-tick.C
			f.Number = int64(i)
			h.Publish(f)
		}
		tick.Stop()
		waitFor(b, "last frame", func() bool {
			for _, cs := range h.Stats().PerClient {
				if cs.Remote != slow.LocalAddr().String() && cs.Queued > 0 {
					return false
				}
			}
			return true
		})
		time.Sleep(100 * time.Millisecond) // let the last messages land
		var slowDropped uint64
		for _, cs := range h.Stats().PerClient {
			if cs.Remote == slow.LocalAddr().String() {
				slowDropped = cs.Dropped
			}
		}
		for _, c := range conns {
			c.Close()
		}
		wg.Wait()
		slow.Close()
		<-slowRead
		h.Close()

		var lat []float64
		lost := 0
		for _, r := range results {
			lat = append(lat, r.lat...)
			lost += loadFrames - r.received
		}
		slices.Sort(lat)
		pct := func(p float64) float64 {
			if len(lat) == 0 {
				return 0
			}
			return lat[min(len(lat)-1, int(p*float64(len(lat))))]
		}
		b.ReportMetric(pct(0.50), "p50-ms")
		b.ReportMetric(pct(0.99), "p99-ms")
		b.ReportMetric(lat[len(lat)-1], "max-ms")
		b.ReportMetric(float64(lost), "lost-healthy")
		b.ReportMetric(float64(slowDropped), "dropped-slow")
		b.Logf("%d healthy clients × %d frames: %s", healthy, loadFrames, fmt.Sprintf("%d latencies", len(lat)))
	}
}
