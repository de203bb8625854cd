package overlay

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// testFrame builds a frame of athletes × joints × cameras with seeded values
// in the ranges a track produces.
func testFrame(seed uint64, athletes, joints, cameras int) *Frame {
	rng := rand.New(rand.NewPCG(seed, 1))
	f := &Frame{Number: 1234, Capture: 20.5833333333, Publish: 1_700_000_000_123_456}
	for a := range athletes {
		at := Athlete{ID: a + 1, Name: fmt.Sprintf("Runner %d", a+1), Lane: fmt.Sprint(a + 3), Bib: fmt.Sprint(400 + a)}
		for range joints {
			at.Joints = append(at.Joints, Joint{X: 20 + 10*rng.Float32(), Y: 1.22*float32(a) + rng.Float32(), Z: 1.8 * rng.Float32(), Conf: rng.Float32()})
		}
		for c := range cameras {
			v := View{Camera: c}
			for range joints {
				v.Points = append(v.Points, 1920*rng.Float32(), 1080*rng.Float32())
			}
			at.Views = append(at.Views, v)
		}
		at.Metrics = Metrics{Speed: 9 + rng.Float64(), TopSpeed: 10.5 + rng.Float64(), Distance: 50 * rng.Float64(),
			StepLength: 2 + rng.Float64()/5, StepFrequency: 4.5 + rng.Float64(), ContactTime: 0.09 + rng.Float64()/50,
			Split: &Split{Mark: 20, Time: 2.95 + rng.Float64()/10, Interval: 1.0 + rng.Float64()/10}}
		f.Athletes = append(f.Athletes, at)
	}
	f.Events = []Event{
		{Athlete: 1, Kind: KindTouchdown, Foot: "left", Time: 20.57},
		{Athlete: 2, Kind: KindSplit, Time: 20.56, Mark: 20},
	}
	return f
}

// sameFloat reports whether a and b are equal or both NaN.
func sameFloat(a, b float64) bool { return a == b || (math.IsNaN(a) && math.IsNaN(b)) }

// frameDiff describes the first difference between two frames, or "".
func frameDiff(got, want *Frame) string {
	if got.Number != want.Number || !sameFloat(got.Capture, want.Capture) || got.Publish != want.Publish {
		return fmt.Sprintf("header: got %d %v %d, want %d %v %d", got.Number, got.Capture, got.Publish, want.Number, want.Capture, want.Publish)
	}
	if len(got.Athletes) != len(want.Athletes) {
		return fmt.Sprintf("got %d athletes, want %d", len(got.Athletes), len(want.Athletes))
	}
	for i := range got.Athletes {
		g, w := &got.Athletes[i], &want.Athletes[i]
		if g.ID != w.ID || g.Name != w.Name || g.Lane != w.Lane || g.Bib != w.Bib {
			return fmt.Sprintf("athlete %d: got %d %q %q %q, want %d %q %q %q", i, g.ID, g.Name, g.Lane, g.Bib, w.ID, w.Name, w.Lane, w.Bib)
		}
		if len(g.Joints) != len(w.Joints) {
			return fmt.Sprintf("athlete %d: got %d joints, want %d", i, len(g.Joints), len(w.Joints))
		}
		for k := range g.Joints {
			if g.Joints[k] != w.Joints[k] {
				return fmt.Sprintf("athlete %d joint %d: got %v, want %v", i, k, g.Joints[k], w.Joints[k])
			}
		}
		if len(g.Views) != len(w.Views) {
			return fmt.Sprintf("athlete %d: got %d views, want %d", i, len(g.Views), len(w.Views))
		}
		for k := range g.Views {
			gv, wv := g.Views[k], w.Views[k]
			if gv.Camera != wv.Camera || len(gv.Points) != len(wv.Points) {
				return fmt.Sprintf("athlete %d view %d: got camera %d with %d values, want %d with %d", i, k, gv.Camera, len(gv.Points), wv.Camera, len(wv.Points))
			}
			for p := range gv.Points {
				if gv.Points[p] != wv.Points[p] {
					return fmt.Sprintf("athlete %d view %d value %d: got %v, want %v", i, k, p, gv.Points[p], wv.Points[p])
				}
			}
		}
		gm, wm := metricValues(&g.Metrics), metricValues(&w.Metrics)
		for k := range gm {
			if !sameFloat(gm[k], wm[k]) {
				return fmt.Sprintf("athlete %d metric %s: got %v, want %v", i, metricNames[k], gm[k], wm[k])
			}
		}
		if (g.Metrics.Split == nil) != (w.Metrics.Split == nil) {
			return fmt.Sprintf("athlete %d split: got %v, want %v", i, g.Metrics.Split, w.Metrics.Split)
		}
		if gs, ws := g.Metrics.Split, w.Metrics.Split; gs != nil &&
			(!sameFloat(gs.Mark, ws.Mark) || !sameFloat(gs.Time, ws.Time) || !sameFloat(gs.Interval, ws.Interval)) {
			return fmt.Sprintf("athlete %d split: got %+v, want %+v", i, *gs, *ws)
		}
	}
	if len(got.Events) != len(want.Events) {
		return fmt.Sprintf("got %d events, want %d", len(got.Events), len(want.Events))
	}
	for i := range got.Events {
		g, w := got.Events[i], want.Events[i]
		if g.Athlete != w.Athlete || g.Kind != w.Kind || g.Foot != w.Foot || !sameFloat(g.Time, w.Time) || !sameFloat(g.Mark, w.Mark) {
			return fmt.Sprintf("event %d: got %+v, want %+v", i, g, w)
		}
	}
	return ""
}

// atWirePrecision returns f as the encodings carry it (metrics in float32).
func atWirePrecision(f *Frame) *Frame {
	g := *f
	g.Capture = wireTime(f.Capture)
	g.Athletes = nil
	for _, a := range f.Athletes {
		a.Joints = append([]Joint(nil), a.Joints...)
		for i, j := range a.Joints {
			a.Joints[i] = wireJoint(j)
		}
		a.Views = append([]View(nil), a.Views...)
		for i, v := range a.Views {
			pts := make([]float32, len(v.Points))
			for k, p := range v.Points {
				pts[k] = wirePoint(p)
			}
			a.Views[i].Points = pts
		}
		for i, v := range metricValues(&a.Metrics) {
			setMetric(&a.Metrics, i, float64(wireMetric(v)))
		}
		if s := a.Metrics.Split; s != nil {
			a.Metrics.Split = &Split{Mark: float64(wireMetric(s.Mark)), Time: float64(wireMetric(s.Time)), Interval: float64(wireMetric(s.Interval))}
		}
		g.Athletes = append(g.Athletes, a)
	}
	g.Events = append([]Event(nil), f.Events...)
	for i, e := range g.Events {
		g.Events[i].Time = wireTime(e.Time)
		g.Events[i].Mark = float64(wireMark(e.Mark))
	}
	return &g
}

func TestRoundTrip(t *testing.T) {
	nan := math.NaN()
	odd := &Frame{Number: 7, Capture: math.Inf(1), Athletes: []Athlete{{
		ID: -3, Name: "Zoë \"Z\" \\ \x01 \xff",
		Joints:  []Joint{{X: float32(nan), Y: 1, Z: 2, Conf: 1}, {X: 1, Y: 2, Z: 3, Conf: 0.5}},
		Views:   []View{{Camera: 2, Points: []float32{float32(math.Inf(-1)), 5, -1, -1}}},
		Metrics: Metrics{Speed: nan, TopSpeed: 1e300, Distance: 3, StepLength: nan, StepFrequency: nan, ContactTime: nan},
	}}}
	oddWant := &Frame{Number: 7, Capture: 0, Athletes: []Athlete{{
		ID: -3, Name: "Zoë \"Z\" \\ \x01 \ufffd",
		Joints:  []Joint{{}, {X: 1, Y: 2, Z: 3, Conf: 0.5}},
		Views:   []View{{Camera: 2, Points: []float32{-1, 5, -1, -1}}},
		Metrics: Metrics{Speed: nan, TopSpeed: nan, Distance: 3, StepLength: nan, StepFrequency: nan, ContactTime: nan},
	}}}
	for _, tt := range []struct {
		name     string
		in, want *Frame
		binWant  *Frame // when binary differs from JSON (invalid UTF-8 is kept)
	}{
		{"empty", &Frame{}, &Frame{}, nil},
		{"3x17x4", testFrame(1, 3, 17, 4), atWirePrecision(testFrame(1, 3, 17, 4)), nil},
		{"non-finite", odd, oddWant, func() *Frame {
			g := *oddWant
			g.Athletes = []Athlete{oddWant.Athletes[0]}
			g.Athletes[0].Name = "Zoë \"Z\" \\ \x01 \xff"
			return &g
		}()},
	} {
		t.Run(tt.name, func(t *testing.T) {
			js := AppendJSON(nil, tt.in)
			if !json.Valid(js) {
				t.Fatalf("AppendJSON wrote invalid JSON: %s", js)
			}
			if bytes.Contains(js, []byte("NaN")) || bytes.Contains(js, []byte("Inf")) {
				t.Fatalf("AppendJSON wrote a non-finite number: %s", js)
			}
			fj, err := DecodeJSON(js)
			if err != nil {
				t.Fatalf("DecodeJSON: %v", err)
			}
			if d := frameDiff(fj, tt.want); d != "" {
				t.Errorf("JSON round trip: %s", d)
			}
			bin := AppendBinary(nil, tt.in)
			keep := bytes.Clone(bin)
			fb, err := DecodeBinary(bin)
			if err != nil {
				t.Fatalf("DecodeBinary: %v", err)
			}
			if !bytes.Equal(bin, keep) {
				t.Errorf("DecodeBinary changed its input")
			}
			bw := tt.want
			if tt.binWant != nil {
				bw = tt.binWant
			}
			if d := frameDiff(fb, bw); d != "" {
				t.Errorf("binary round trip: %s", d)
			}
			if tt.binWant == nil {
				if d := frameDiff(fb, fj); d != "" {
					t.Errorf("binary and JSON content differ: %s", d)
				}
			}
		})
	}
}

func TestLongStringsCut(t *testing.T) {
	long := strings.Repeat("é", 200) // 400 bytes
	f := &Frame{Athletes: []Athlete{{Name: long}}}
	for name, dec := range map[string]func() (*Frame, error){
		"json":   func() (*Frame, error) { return DecodeJSON(AppendJSON(nil, f)) },
		"binary": func() (*Frame, error) { return DecodeBinary(AppendBinary(nil, f)) },
	} {
		g, err := dec()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if n := g.Athletes[0].Name; n != strings.Repeat("é", 127) {
			t.Errorf("%s: got a name of %d bytes, want 254 bytes of whole runes", name, len(n))
		}
	}
}

func TestDecodeBinaryErrors(t *testing.T) {
	good := AppendBinary(nil, testFrame(2, 2, 17, 2))
	// Every proper prefix is truncated and must fail.
	for n := range len(good) {
		if _, err := DecodeBinary(good[:n]); err == nil {
			t.Fatalf("DecodeBinary of the first %d of %d bytes: no error", n, len(good))
		}
	}
	bad := func(edit func(b []byte) []byte) []byte { return edit(bytes.Clone(good)) }
	for _, tt := range []struct {
		name, want string
		data       []byte
	}{
		{"magic", "bad magic", bad(func(b []byte) []byte { b[0] = 'X'; return b })},
		{"version", "version 2", bad(func(b []byte) []byte { b[4] = 2; return b })},
		{"trailing", "trailing", bad(func(b []byte) []byte { return append(b, 0) })},
		{"athlete count", "does not fit", bad(func(b []byte) []byte { b[32], b[33] = 0xff, 0xff; return b })},
		{"event count", "events", bad(func(b []byte) []byte { b[34], b[35] = 0xff, 0xff; return b })},
		{"joint count", "athlete 0 joints", bad(func(b []byte) []byte {
			off := 36 + 4 + 1 + int(b[40]) // id, name
			off += 1 + int(b[off])         // lane
			off += 1 + int(b[off])         // bib
			b[off], b[off+1] = 0xff, 0xff
			return b
		})},
		{"garbage", "bad magic", []byte(strings.Repeat("garbage!", 10))},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeBinary(tt.data)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestDecodeJSONErrors(t *testing.T) {
	for _, in := range []string{``, `{`, `[]`, `{"type":"hello"}`, `{"type":"frame"}`,
		`{"type":"frame","n":1,"athletes":[{"views":[{"cam":0,"uv":[1,2,3]}]}]}`} {
		if _, err := DecodeJSON([]byte(in)); err == nil {
			t.Errorf("DecodeJSON(%q): no error", in)
		}
	}
}

func FuzzDecodeBinary(f *testing.F) {
	f.Add(AppendBinary(nil, &Frame{}))
	f.Add(AppendBinary(nil, testFrame(3, 1, 3, 1)))
	f.Add(AppendBinary(nil, testFrame(4, 3, 17, 4)))
	f.Add([]byte(Magic))
	f.Fuzz(func(t *testing.T, data []byte) {
		keep := bytes.Clone(data)
		fr, err := DecodeBinary(data)
		if !bytes.Equal(data, keep) {
			t.Fatal("DecodeBinary changed its input")
		}
		if err != nil {
			return
		}
		// What decodes must encode back to a frame with the same content.
		again, err := DecodeBinary(AppendBinary(nil, fr))
		if err != nil {
			t.Fatalf("re-encoded frame does not decode: %v", err)
		}
		if d := frameDiff(again, atWirePrecision(fr)); d != "" {
			t.Fatalf("re-encoded frame differs: %s", d)
		}
	})
}

// TestFrameSize logs the sizes of a 3-athlete, 17-joint, 4-camera frame and
// checks the binary encoding is the smaller.
func TestFrameSize(t *testing.T) {
	f := testFrame(5, 3, 17, 4)
	js, bin := AppendJSON(nil, f), AppendBinary(nil, f)
	t.Logf("3 athletes × 17 joints × 4 cameras: JSON %d bytes, binary %d bytes", len(js), len(bin))
	if len(bin) >= len(js) {
		t.Errorf("binary %d bytes, not smaller than JSON %d bytes", len(bin), len(js))
	}
}

func TestMessageType(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{`{"type":"frame","n":1}`, "frame"},
		{`{ "n":1, "type":"hello"}`, "hello"},
		{`{"type":"a\"b"}`, `a"b`},
		{`nope`, ""},
	} {
		if got := MessageType([]byte(tt.in)); got != tt.want {
			t.Errorf("MessageType(%s) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func jsonUnmarshal(data []byte, v any) error { return json.Unmarshal(data, v) }
