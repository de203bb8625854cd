package record

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"

	"gonum.org/v1/gonum/spatial/r3"

	"github.com/athlete3d/athlete3d/pipeline/fusion"
	"github.com/athlete3d/athlete3d/pipeline/kinematics"
	"github.com/athlete3d/athlete3d/skeleton"
)

// ErrJSONL reports a line of the JSONL frame stream that cannot be read:
// not a JSON object, neither a frame nor an event line, a required key
// missing, a value of the wrong type or out of range, a joint the keypoint
// set does not have, or a line longer than MaxJSONLLine. Errors wrap it
// with the line number and what was wrong.
var ErrJSONL = errors.New("bad jsonl line")

// MaxJSONLLine is the longest line JSONLReader accepts, in bytes.
const MaxJSONLLine = 16 << 20

// JSONLFrame is one frame line of the stream (docs/jsonl.md), in the shape
// JSONLWriter.Frame takes it.
type JSONLFrame struct {
	Number int
	T      float64 // seconds from the first frame
	// People holds each athlete placed at this instant: its track ID and
	// one joint per joint of the keypoint set, by the set's index; a joint
	// the line does not give has OK false. Views, Cams and Error are not
	// in the stream and are zero.
	People []fusion.Skeleton3
	// Speeds[i] is People[i]'s speed in m/s, NaN when the line has none.
	Speeds []float64
}

// JSONLEvent is one foot event line of the stream.
type JSONLEvent struct {
	Kind    kinematics.EventKind
	Athlete int // track ID
	Foot    kinematics.Foot
	T       float64 // seconds
	// StepLength (m) and ContactTime (s) are NaN when the line has none
	// (always on a toe-off line).
	StepLength  float64
	ContactTime float64
}

// JSONLEntry is what JSONLReader.Next read: a frame or an event, and the
// line it was on (from 1). Exactly one of Frame and Event is set.
type JSONLEntry struct {
	Line  int
	Frame *JSONLFrame
	Event *JSONLEvent
}

// JSONLReader reads the JSONL frame stream line by line, holding one line
// at a time: a long recording costs no more memory than its longest line.
// It is not safe for concurrent use.
type JSONLReader struct {
	sc    *bufio.Scanner
	set   *skeleton.Set
	line  int
	frame JSONLFrame
	event JSONLEvent
	raw   jsonlRaw
}

// NewJSONLReader returns a reader of a stream of the given keypoint set.
// With a nil set the reader finds the set from the stream: see Set.
func NewJSONLReader(r io.Reader, set *skeleton.Set) *JSONLReader {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), MaxJSONLLine)
	return &JSONLReader{sc: sc, set: set}
}

// Set returns the stream's keypoint set: the one given to NewJSONLReader,
// or, when that was nil, the first of COCO-17, BODY_25 and BODY_25B that
// has every joint of the first athlete read; nil until a frame line with
// an athlete is read. An athlete whose joints are in none of them is an
// error wrapping ErrJSONL.
func (r *JSONLReader) Set() *skeleton.Set { return r.set }

// Next reads the next frame or event line, skipping blank lines. It
// returns io.EOF after the last one. The entry's Frame or Event, and
// the slices in them, are the reader's and are overwritten by the next
// call: copy what must outlive it. A malformed line gives an error wrapping
// ErrJSONL that names the line; keys the reader does not know are ignored.
func (r *JSONLReader) Next() (JSONLEntry, error) {
	for r.sc.Scan() {
		r.line++
		b := bytes.TrimSpace(r.sc.Bytes())
		if len(b) == 0 {
			continue
		}
		e, err := r.parse(b)
		if err != nil {
			return JSONLEntry{}, fmt.Errorf("%w: line %d: %s", ErrJSONL, r.line, err)
		}
		return e, nil
	}
	if err := r.sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return JSONLEntry{}, fmt.Errorf("%w: line %d: longer than %d bytes", ErrJSONL, r.line+1, MaxJSONLLine)
		}
		return JSONLEntry{}, fmt.Errorf("line %d: %w", r.line+1, err)
	}
	return JSONLEntry{}, io.EOF
}

// jsonlRaw is either kind of line as encoding/json sees it. Pointers tell
// a missing key from a zero. Numbers are finite: encoding/json rejects
// what does not fit a float64, and JSON has no NaN.
type jsonlRaw struct {
	Frame    *float64          `json:"frame"`
	T        *float64          `json:"t"`
	Athletes []jsonlRawAthlete `json:"athletes"`

	Event       *string  `json:"event"`
	Athlete     *int     `json:"athlete"`
	Foot        *string  `json:"foot"`
	StepLength  *float64 `json:"step_length"`
	ContactTime *float64 `json:"contact_time"`
}

type jsonlRawAthlete struct {
	ID     *int                 `json:"id"`
	Joints map[string][]float64 `json:"joints"`
	Speed  *float64             `json:"speed"`
}

// jsonlProblem is what is wrong with one line, without the line number.
type jsonlProblem string

func (p jsonlProblem) Error() string { return string(p) }

func jsonlProblemf(format string, a ...any) error { return jsonlProblem(fmt.Sprintf(format, a...)) }

func (r *JSONLReader) parse(b []byte) (JSONLEntry, error) {
	if b[0] != '{' {
		return JSONLEntry{}, jsonlProblem("not a JSON object")
	}
	r.raw = jsonlRaw{}
	if err := json.Unmarshal(b, &r.raw); err != nil {
		return JSONLEntry{}, jsonlProblem(jsonlMessage(err))
	}
	raw := &r.raw
	switch {
	case raw.Frame != nil && raw.Event != nil:
		return JSONLEntry{}, jsonlProblem(`both "frame" and "event"`)
	case raw.Frame != nil:
		if err := r.parseFrame(raw); err != nil {
			return JSONLEntry{}, err
		}
		return JSONLEntry{Line: r.line, Frame: &r.frame}, nil
	case raw.Event != nil:
		if err := r.parseEvent(raw); err != nil {
			return JSONLEntry{}, err
		}
		return JSONLEntry{Line: r.line, Event: &r.event}, nil
	}
	return JSONLEntry{}, jsonlProblem(`neither a frame line (no "frame") nor an event line (no "event")`)
}

// jsonlMessage shortens encoding/json's messages to what a user can act on.
func jsonlMessage(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("%q: a JSON %s where %s is wanted", te.Field, te.Value, te.Type)
	}
	return "malformed JSON: " + err.Error()
}

func (r *JSONLReader) parseFrame(raw *jsonlRaw) error {
	n := *raw.Frame
	if n < 0 || n > math.MaxInt32 || n != math.Trunc(n) {
		return jsonlProblemf(`"frame" %v: want a whole frame number from 0`, n)
	}
	if raw.T == nil {
		return jsonlProblem(`frame line without "t"`)
	}
	f := &r.frame
	f.Number, f.T = int(n), *raw.T
	// Reuse the people slices and their joints from the previous frame.
	if cap(f.People) < len(raw.Athletes) {
		f.People = append(f.People[:cap(f.People)], make([]fusion.Skeleton3, len(raw.Athletes)-cap(f.People))...)
	}
	f.People = f.People[:len(raw.Athletes)]
	f.Speeds = f.Speeds[:0]
	for i := range raw.Athletes {
		a := &raw.Athletes[i]
		if a.ID == nil {
			return jsonlProblemf(`athlete %d: no "id"`, i)
		}
		p := &f.People[i]
		p.ID = *a.ID
		if r.set == nil {
			if r.set = jsonlSet(a.Joints); r.set == nil {
				return jsonlProblemf("athlete %d: joints of no known keypoint set (coco17, body25, body25b)", p.ID)
			}
		}
		nj := r.set.Len()
		if cap(p.Joints) < nj {
			p.Joints = make([]fusion.Joint3, nj)
		}
		p.Joints = p.Joints[:nj]
		clear(p.Joints)
		for name, xyz := range a.Joints {
			k := r.set.Index(name)
			if k < 0 {
				return jsonlProblemf("athlete %d: joint %q is not in keypoint set %s", p.ID, name, r.set.Name)
			}
			if len(xyz) != 3 {
				return jsonlProblemf("athlete %d: joint %q: want [x, y, z], got %d values", p.ID, name, len(xyz))
			}
			p.Joints[k] = fusion.Joint3{P: r3.Vec{X: xyz[0], Y: xyz[1], Z: xyz[2]}, OK: true}
		}
		s := math.NaN()
		if a.Speed != nil {
			s = *a.Speed
		}
		f.Speeds = append(f.Speeds, s)
	}
	return nil
}

func (r *JSONLReader) parseEvent(raw *jsonlRaw) error {
	e := &r.event
	*e = JSONLEvent{StepLength: math.NaN(), ContactTime: math.NaN()}
	switch *raw.Event {
	case "touchdown":
		e.Kind = kinematics.Touchdown
	case "toeoff":
		e.Kind = kinematics.ToeOff
	default:
		return jsonlProblemf(`"event" %q: want "touchdown" or "toeoff"`, *raw.Event)
	}
	if raw.Athlete == nil {
		return jsonlProblem(`event line without "athlete"`)
	}
	e.Athlete = *raw.Athlete
	switch {
	case raw.Foot == nil:
		return jsonlProblem(`event line without "foot"`)
	case *raw.Foot == "L":
		e.Foot = kinematics.Left
	case *raw.Foot == "R":
		e.Foot = kinematics.Right
	default:
		return jsonlProblemf(`"foot" %q: want "L" or "R"`, *raw.Foot)
	}
	if raw.T == nil {
		return jsonlProblem(`event line without "t"`)
	}
	e.T = *raw.T
	if raw.StepLength != nil {
		e.StepLength = *raw.StepLength
	}
	if raw.ContactTime != nil {
		e.ContactTime = *raw.ContactTime
	}
	return nil
}

// jsonlSet returns the first of the keypoint sets that has every joint
// named, or nil.
func jsonlSet(joints map[string][]float64) *skeleton.Set {
sets:
	for _, set := range []*skeleton.Set{&skeleton.COCO17, &skeleton.BODY25, &skeleton.BODY25B} {
		for name := range joints {
			if set.Index(name) < 0 {
				continue sets
			}
		}
		return set
	}
	return nil
}

// JSONLStream is a whole stream in memory, as ReadJSONL returns it.
type JSONLStream struct {
	Frames []JSONLFrame
	Events []JSONLEvent
	// FrameLines[i] and EventLines[i] are the lines Frames[i] and
	// Events[i] were read from, for messages.
	FrameLines, EventLines []int
}

// ReadJSONL reads a whole stream of the given keypoint set into memory.
// Prefer JSONLReader for long recordings.
func ReadJSONL(r io.Reader, set *skeleton.Set) (*JSONLStream, error) {
	jr := NewJSONLReader(r, set)
	s := &JSONLStream{}
	for {
		e, err := jr.Next()
		if err == io.EOF {
			return s, nil
		}
		if err != nil {
			return nil, err
		}
		if e.Event != nil {
			s.Events = append(s.Events, *e.Event)
			s.EventLines = append(s.EventLines, e.Line)
			continue
		}
		f := JSONLFrame{Number: e.Frame.Number, T: e.Frame.T, People: make([]fusion.Skeleton3, len(e.Frame.People)),
			Speeds: append([]float64(nil), e.Frame.Speeds...)}
		for i, p := range e.Frame.People {
			f.People[i] = fusion.Skeleton3{ID: p.ID, Joints: append([]fusion.Joint3(nil), p.Joints...)}
		}
		s.Frames = append(s.Frames, f)
		s.FrameLines = append(s.FrameLines, e.Line)
	}
}
