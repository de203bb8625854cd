package record

import (
	"bytes"
	"errors"
	"io"
	"math"
	"strconv"
	"strings"
	"testing"

	"gonum.org/v1/gonum/spatial/r3"

	"github.com/athlete3d/athlete3d/pipeline/fusion"
	"github.com/athlete3d/athlete3d/pipeline/kinematics"
	"github.com/athlete3d/athlete3d/skeleton"
)

// jsonlPeople returns two people of set: person 3 with every joint placed,
// person 8 with only its knees.
func jsonlPeople(set *skeleton.Set, k int) []fusion.Skeleton3 {
	a := fusion.Skeleton3{ID: 3, Joints: make([]fusion.Joint3, set.Len())}
	b := fusion.Skeleton3{ID: 8, Joints: make([]fusion.Joint3, set.Len())}
	for j := range a.Joints {
		a.Joints[j] = fusion.Joint3{P: r3.Vec{X: float64(k) + 0.1234, Y: -float64(j) / 8, Z: 1.5 + float64(j)/1e4}, OK: true}
	}
	for _, name := range []string{"LKnee", "RKnee"} {
		b.Joints[set.Index(name)] = fusion.Joint3{P: r3.Vec{X: 10, Y: 2.5, Z: 0.5}, OK: true}
	}
	return []fusion.Skeleton3{a, b}
}

func TestJSONLRoundTrip(t *testing.T) {
	set := &skeleton.BODY25B
	var buf bytes.Buffer
	w := NewJSONLWriter(&buf, set)
	events := []kinematics.FootEvent{
		{Kind: kinematics.Touchdown, Foot: kinematics.Left, T: 0.0125, StepLength: 2.215, ContactTime: 0.1025, Valid: kinematics.HasStep | kinematics.HasContactTime},
		{Kind: kinematics.ToeOff, Foot: kinematics.Right, T: 0.02, ContactTime: 0.1, Valid: kinematics.HasContactTime},
		{Kind: kinematics.Touchdown, Foot: kinematics.Right, T: 0.03},
	}
	const n = 5
	for k := range n {
		speeds := []float64{9.412, math.NaN()}
		if k == 2 {
			speeds = nil
		}
		if err := w.Frame(k, float64(k)/100, jsonlPeople(set, k), speeds); err != nil {
			t.Fatal(err)
		}
		if k < len(events) {
			if err := w.Event(7, &events[k]); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	in := buf.Bytes()
	orig := bytes.Clone(in)
	s, err := ReadJSONL(bytes.NewReader(in), set)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Frames) != n || len(s.Events) != len(events) {
		t.Fatalf("got %d frames and %d events, want %d and %d", len(s.Frames), len(s.Events), n, len(events))
	}
	for k, f := range s.Frames {
		if f.Number != k || f.T != float64(k)/100 || s.FrameLines[k] != []int{1, 3, 5, 7, 8}[k] {
			t.Errorf("frame %d: number %d, t %v, line %d", k, f.Number, f.T, s.FrameLines[k])
		}
		want := jsonlPeople(set, k)
		if len(f.People) != len(want) {
			t.Fatalf("frame %d: %d people, want %d", k, len(f.People), len(want))
		}
		for i := range want {
			if f.People[i].ID != want[i].ID {
				t.Errorf("frame %d person %d: ID %d, want %d", k, i, f.People[i].ID, want[i].ID)
			}
			for j := range want[i].Joints {
				g, w := f.People[i].Joints[j], want[i].Joints[j]
				if g.OK != w.OK || (w.OK && g.P != w.P) {
					t.Errorf("frame %d person %d %s: got %+v, want %+v", k, i, set.Joints[j], g, w)
				}
			}
		}
		wantSpeed := []float64{9.412, math.NaN()}
		if k == 2 {
			wantSpeed = []float64{math.NaN(), math.NaN()}
		}
		for i, v := range wantSpeed {
			if g := f.Speeds[i]; g != v && !(math.IsNaN(g) && math.IsNaN(v)) {
				t.Errorf("frame %d person %d: speed %v, want %v", k, i, g, v)
			}
		}
	}
	for i, e := range s.Events {
		w := events[i]
		step, contact := math.NaN(), math.NaN()
		if w.Kind == kinematics.Touchdown && w.Has(kinematics.HasStep) {
			step = w.StepLength
		}
		if w.Kind == kinematics.Touchdown && w.Has(kinematics.HasContactTime) {
			contact = w.ContactTime
		}
		if e.Kind != w.Kind || e.Foot != w.Foot || e.Athlete != 7 || e.T != w.T || !sameFloat(e.StepLength, step) || !sameFloat(e.ContactTime, contact) {
			t.Errorf("event %d: got %+v, want %+v (step %v, contact %v)", i, e, w, step, contact)
		}
	}
	if s.EventLines[0] != 2 {
		t.Errorf("first event on line %d, want 2", s.EventLines[0])
	}
	if !bytes.Equal(in, orig) {
		t.Error("the reader changed its input")
	}
}

func sameFloat(a, b float64) bool { return a == b || (math.IsNaN(a) && math.IsNaN(b)) }

// jsonlCases feed both TestJSONLMalformed and the fuzz seeds.
var jsonlCases = []struct {
	name  string
	in    string
	line  int    // 0: no error
	wants string // in the error
}{
	{"frame", `{"frame":0,"t":0,"athletes":[{"id":1,"joints":{"LKnee":[1,2,3]},"speed":9.5}]}`, 0, ""},
	{"event", `{"event":"touchdown","athlete":1,"foot":"L","t":3.2145,"step_length":2.21,"contact_time":0.102}`, 0, ""},
	{"unknown keys", `{"frame":4,"t":0.1,"camera":"a","athletes":[{"id":2,"joints":{},"lane":4,"accel":[1]}]}` + "\n" +
		`{"event":"toeoff","athlete":1,"foot":"R","t":1,"flight_time":0.1}`, 0, ""},
	{"blank lines and CRLF", "\r\n" + `{"frame":0,"t":0,"athletes":[]}` + "\r\n\r\n", 0, ""},
	{"not an object", `{"frame":0,"t":0,"athletes":[]}` + "\n[1,2]", 2, "not a JSON object"},
	{"truncated", `{"frame":0,"t":0,"athletes":[{"id":1`, 1, "malformed JSON"},
	{"trailing data", `{"frame":0,"t":0,"athletes":[]}}`, 1, "malformed JSON"},
	{"neither", `{"t":0}`, 1, "neither a frame line"},
	{"both", `{"frame":0,"event":"toeoff","t":0}`, 1, `both "frame" and "event"`},
	{"negative frame", `{"frame":-1,"t":0,"athletes":[]}`, 1, `"frame" -1`},
	{"fractional frame", `{"frame":1.5,"t":0,"athletes":[]}`, 1, `"frame" 1.5`},
	{"frame as text", `{"frame":"1","t":0,"athletes":[]}`, 1, `"frame": a JSON string`},
	{"no t", `{"frame":1,"athletes":[]}`, 1, `without "t"`},
	{"no id", `{"frame":1,"t":0,"athletes":[{"joints":{}}]}`, 1, `athlete 0: no "id"`},
	{"unknown joint", "\n\n" + `{"frame":1,"t":0,"athletes":[{"id":5,"joints":{"Tail":[1,2,3]}}]}`, 3, `joint "Tail" is not in keypoint set body25b`},
	{"short joint", `{"frame":1,"t":0,"athletes":[{"id":5,"joints":{"LKnee":[1,2]}}]}`, 1, `joint "LKnee": want [x, y, z], got 2 values`},
	{"joint as text", `{"frame":1,"t":0,"athletes":[{"id":5,"joints":{"LKnee":"here"}}]}`, 1, "a JSON string"},
	{"bad event", `{"event":"jump","athlete":1,"foot":"L","t":1}`, 1, `"event" "jump"`},
	{"no athlete", `{"event":"toeoff","foot":"L","t":1}`, 1, `without "athlete"`},
	{"bad foot", `{"event":"toeoff","athlete":1,"foot":"X","t":1}`, 1, `"foot" "X"`},
	{"event without t", `{"event":"toeoff","athlete":1,"foot":"L"}`, 1, `without "t"`},
}

func TestJSONLMalformed(t *testing.T) {
	for _, tt := range jsonlCases {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadJSONL(strings.NewReader(tt.in), &skeleton.BODY25B)
			if tt.line == 0 {
				if err != nil {
					t.Fatalf("got %v, want no error", err)
				}
				return
			}
			if !errors.Is(err, ErrJSONL) {
				t.Fatalf("got %v, want an error wrapping ErrJSONL", err)
			}
			want := "line " + strconv.Itoa(tt.line) + ": "
			if !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), tt.wants) {
				t.Errorf("got %q, want %q and %q in it", err, want, tt.wants)
			}
		})
	}
}

func TestJSONLTooLong(t *testing.T) {
	in := `{"frame":0,"t":0,"athletes":[]}` + "\n" + strings.Repeat(" ", MaxJSONLLine+1) + "\n"
	_, err := ReadJSONL(strings.NewReader(in), &skeleton.COCO17)
	if !errors.Is(err, ErrJSONL) || !strings.Contains(err.Error(), "line 2: longer than") {
		t.Fatalf("got %v, want line 2 too long", err)
	}
}

// TestJSONLSet checks a reader given no keypoint set finds it from the
// first athlete's joints.
func TestJSONLSet(t *testing.T) {
	frame := func(joints string) string {
		return `{"frame":1,"t":0,"athletes":[{"id":4,"joints":{` + joints + `}},{"id":5,"joints":{"Nose":[1,2,3]}}]}` + "\n"
	}
	empty := `{"frame":0,"t":0,"athletes":[]}` + "\n"
	for _, tt := range []struct {
		name string
		in   string
		want *skeleton.Set // nil: none found
		err  string        // in the error; "" for none
	}{
		{"coco", empty + frame(`"LKnee":[1,2,3],"LEar":[1,2,3]`), &skeleton.COCO17, ""},
		{"body25", frame(`"MidHip":[1,2,3],"LBigToe":[1,2,3]`), &skeleton.BODY25, ""},
		{"body25b", frame(`"Head":[1,2,3],"LKnee":[1,2,3]`), &skeleton.BODY25B, ""},
		{"nobody", empty + empty, nil, ""},
		{"unknown", empty + frame(`"LKnee":[1,2,3],"Tail":[1,2,3]`), nil, "line 2: athlete 4: joints of no known keypoint set"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := NewJSONLReader(strings.NewReader(tt.in), nil)
			var err error
			people := 0
			for err == nil {
				var e JSONLEntry
				if e, err = r.Next(); err == nil {
					people += len(e.Frame.People)
				}
			}
			if tt.err != "" {
				if !errors.Is(err, ErrJSONL) || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("got %v, want an error wrapping ErrJSONL with %q", err, tt.err)
				}
				return
			}
			if err != io.EOF {
				t.Fatal(err)
			}
			if got := r.Set(); got != tt.want {
				name := func(s *skeleton.Set) string {
					if s == nil {
						return "none"
					}
					return s.Name
				}
				t.Errorf("set %s, want %s", name(got), name(tt.want))
			}
			if tt.want != nil && people != 2 {
				t.Errorf("read %d people, want 2", people)
			}
		})
	}
}

// TestJSONLReaderReuses checks the streaming reader reuses its frame: a
// long stream costs one frame's memory.
func TestJSONLReaderReuses(t *testing.T) {
	set := &skeleton.COCO17
	var buf bytes.Buffer
	w := NewJSONLWriter(&buf, set)
	for k := range 50 {
		w.Frame(k, float64(k), jsonlPeople(set, k), nil)
	}
	w.Flush()
	r := NewJSONLReader(&buf, set)
	var first *fusion.Joint3
	for k := 0; ; k++ {
		e, err := r.Next()
		if err == io.EOF {
			if k != 50 {
				t.Fatalf("read %d frames, want 50", k)
			}
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if e.Line != k+1 || e.Frame == nil || e.Frame.Number != k {
			t.Fatalf("entry %d: %+v", k, e)
		}
		if first == nil {
			first = &e.Frame.People[0].Joints[0]
		} else if &e.Frame.People[0].Joints[0] != first {
			t.Fatalf("frame %d: joints were allocated again", k)
		}
		// A joint placed in the previous frame but not in this one reads
		// as not placed.
		if e.Frame.People[1].Joints[skeleton.Nose].OK {
			t.Fatalf("frame %d: person 8's nose is OK", k)
		}
	}
}

func BenchmarkJSONLReader(b *testing.B) {
	set := &skeleton.BODY25B
	var buf bytes.Buffer
	w := NewJSONLWriter(&buf, set)
	const n = 100
	for k := range n {
		w.Frame(k, float64(k)/50, jsonlPeople(set, k), []float64{9.5, 9.25})
	}
	w.Flush()
	in := buf.Bytes()
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		r := NewJSONLReader(bytes.NewReader(in), set)
		for {
			if _, err := r.Next(); err != nil {
				if err != io.EOF {
					b.Fatal(err)
				}
				break
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/frame")
}

func FuzzJSONL(f *testing.F) {
	for _, tt := range jsonlCases {
		f.Add(tt.in)
	}
	set := &skeleton.BODY25B
	f.Fuzz(func(t *testing.T, in string) {
		s, err := ReadJSONL(strings.NewReader(in), set)
		if err != nil {
			if !errors.Is(err, ErrJSONL) {
				t.Fatalf("error %v does not wrap ErrJSONL", err)
			}
			if !strings.Contains(err.Error(), "line ") {
				t.Fatalf("error %q names no line", err)
			}
			return
		}
		// What was read writes out and reads back the same, up to the
		// writer's rounding: a second round trip is exact. (The writer
		// rounds by scaling, which overflows near 1e300: such values
		// are left out of this check.)
		if !moderate(s) {
			return
		}
		once := rewriteJSONL(t, s, set)
		s2, err := ReadJSONL(bytes.NewReader(once), set)
		if err != nil {
			t.Fatalf("rewritten stream does not read: %v\n%s", err, once)
		}
		if twice := rewriteJSONL(t, s2, set); !bytes.Equal(once, twice) {
			t.Fatalf("second round trip differs:\n%s\n%s", once, twice)
		}
	})
}

// rewriteJSONL writes s with JSONLWriter: frames, then the events.
func rewriteJSONL(t *testing.T, s *JSONLStream, set *skeleton.Set) []byte {
	var buf bytes.Buffer
	w := NewJSONLWriter(&buf, set)
	for _, f := range s.Frames {
		if err := w.Frame(f.Number, f.T, f.People, f.Speeds); err != nil {
			t.Fatal(err)
		}
	}
	for _, e := range s.Events {
		fe := kinematics.FootEvent{Kind: e.Kind, Foot: e.Foot, T: e.T, StepLength: e.StepLength, ContactTime: e.ContactTime}
		if !math.IsNaN(e.StepLength) {
			fe.Valid |= kinematics.HasStep
		}
		if !math.IsNaN(e.ContactTime) {
			fe.Valid |= kinematics.HasContactTime
		}
		if err := w.Event(e.Athlete, &fe); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// moderate reports whether every number of s is below 1e200 in magnitude.
func moderate(s *JSONLStream) bool {
	ok := func(v float64) bool { return math.IsNaN(v) || math.Abs(v) < 1e200 }
	for _, f := range s.Frames {
		if !ok(f.T) {
			return false
		}
		for i, p := range f.People {
			if !ok(f.Speeds[i]) {
				return false
			}
			for _, j := range p.Joints {
				if !ok(j.P.X) || !ok(j.P.Y) || !ok(j.P.Z) {
					return false
				}
			}
		}
	}
	for _, e := range s.Events {
		if !ok(e.T) || !ok(e.StepLength) || !ok(e.ContactTime) {
			return false
		}
	}
	return true
}
