package overlay

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"
)

// metricNames are the JSON names of the plain metrics, in mask-bit order.
var metricNames = [6]string{"speed", "top_speed", "distance", "step_length", "step_freq", "contact"}

// AppendJSON appends f as a JSON "frame" message to dst and returns the
// extended buffer. Values are written at the precision described in
// docs/overlay-feed.md; NaN never appears (unknown metrics are left out).
func AppendJSON(dst []byte, f *Frame) []byte {
	dst = append(dst, `{"type":"frame","n":`...)
	dst = strconv.AppendInt(dst, f.Number, 10)
	dst = append(dst, `,"pub":`...)
	dst = strconv.AppendInt(dst, f.Publish, 10)
	dst = append(dst, `,"t":`...)
	dst = appendFloat64(dst, wireTime(f.Capture))
	dst = append(dst, `,"athletes":[`...)
	for i := range wireCount(len(f.Athletes)) {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendAthleteJSON(dst, &f.Athletes[i])
	}
	dst = append(dst, ']')
	if n := wireCount(len(f.Events)); n > 0 {
		dst = append(dst, `,"events":[`...)
		for i := range n {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendEventJSON(dst, &f.Events[i])
		}
		dst = append(dst, ']')
	}
	return append(dst, '}')
}

func appendAthleteJSON(dst []byte, a *Athlete) []byte {
	dst = append(dst, `{"id":`...)
	dst = strconv.AppendInt(dst, int64(wireID(a.ID)), 10)
	for _, s := range [3]struct{ key, val string }{{"name", a.Name}, {"lane", a.Lane}, {"bib", a.Bib}} {
		if s.val != "" {
			dst = append(dst, ',', '"')
			dst = append(dst, s.key...)
			dst = append(dst, '"', ':')
			dst = appendString(dst, wireString(s.val))
		}
	}
	dst = append(dst, `,"joints":[`...)
	for i := range wireCount(len(a.Joints)) {
		if i > 0 {
			dst = append(dst, ',')
		}
		j := wireJoint(a.Joints[i])
		dst = append(dst, '[')
		dst = appendFloat32(dst, j.X)
		dst = append(dst, ',')
		dst = appendFloat32(dst, j.Y)
		dst = append(dst, ',')
		dst = appendFloat32(dst, j.Z)
		dst = append(dst, ',')
		dst = appendFloat32(dst, j.Conf)
		dst = append(dst, ']')
	}
	dst = append(dst, `],"views":[`...)
	for i := range wireCount(len(a.Views)) {
		v := &a.Views[i]
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"cam":`...)
		dst = strconv.AppendInt(dst, int64(wireCamera(v.Camera)), 10)
		dst = append(dst, `,"uv":[`...)
		for k := range 2 * wireCount(len(v.Points)/2) {
			if k > 0 {
				dst = append(dst, ',')
			}
			dst = appendFloat32(dst, wirePoint(v.Points[k]))
		}
		dst = append(dst, ']', '}')
	}
	dst = append(dst, `],"metrics":{`...)
	for i, v := range metricValues(&a.Metrics) {
		dst = appendMetricJSON(dst, metricNames[i], v)
	}
	if s := a.Metrics.Split; s != nil {
		if dst[len(dst)-1] != '{' {
			dst = append(dst, ',')
		}
		dst = append(dst, `"split":{`...)
		dst = appendMetricJSON(dst, "mark", s.Mark)
		dst = appendMetricJSON(dst, "time", s.Time)
		dst = appendMetricJSON(dst, "interval", s.Interval)
		dst = append(dst, '}')
	}
	return append(dst, '}', '}')
}

// appendMetricJSON appends "key":v to the object dst is writing, or nothing
// when v is unknown at float32 precision.
func appendMetricJSON(dst []byte, key string, v float64) []byte {
	w := wireMetric(v)
	if !finite32(w) {
		return dst
	}
	if dst[len(dst)-1] != '{' {
		dst = append(dst, ',')
	}
	dst = append(dst, '"')
	dst = append(dst, key...)
	dst = append(dst, '"', ':')
	return appendFloat32(dst, w)
}

func appendEventJSON(dst []byte, e *Event) []byte {
	dst = append(dst, `{"athlete":`...)
	dst = strconv.AppendInt(dst, int64(wireID(e.Athlete)), 10)
	dst = append(dst, `,"kind":`...)
	dst = appendString(dst, wireString(e.Kind))
	if e.Foot != "" {
		dst = append(dst, `,"foot":`...)
		dst = appendString(dst, wireString(e.Foot))
	}
	dst = append(dst, `,"t":`...)
	dst = appendFloat64(dst, wireTime(e.Time))
	if m := wireMark(e.Mark); m != 0 {
		dst = append(dst, `,"mark":`...)
		dst = appendFloat32(dst, m)
	}
	return append(dst, '}')
}

func appendFloat32(dst []byte, v float32) []byte {
	return strconv.AppendFloat(dst, float64(v), 'g', -1, 32)
}

func appendFloat64(dst []byte, v float64) []byte {
	return strconv.AppendFloat(dst, v, 'g', -1, 64)
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string. Invalid UTF-8 becomes U+FFFD.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				dst = append(dst, '\\', c)
			case c < 0x20:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			default:
				dst = append(dst, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, `\ufffd`...)
		} else {
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return append(dst, '"')
}

// JSON shapes used by DecodeJSON.
type jsonFrame struct {
	Type     string        `json:"type"`
	N        *int64        `json:"n"`
	Pub      int64         `json:"pub"`
	T        float64       `json:"t"`
	Athletes []jsonAthlete `json:"athletes"`
	Events   []jsonEvent   `json:"events"`
}

type jsonAthlete struct {
	ID      int          `json:"id"`
	Name    string       `json:"name"`
	Lane    string       `json:"lane"`
	Bib     string       `json:"bib"`
	Joints  [][4]float32 `json:"joints"`
	Views   []jsonView   `json:"views"`
	Metrics jsonMetrics  `json:"metrics"`
}

type jsonView struct {
	Cam int       `json:"cam"`
	UV  []float32 `json:"uv"`
}

type jsonMetrics struct {
	Speed         *float32   `json:"speed"`
	TopSpeed      *float32   `json:"top_speed"`
	Distance      *float32   `json:"distance"`
	StepLength    *float32   `json:"step_length"`
	StepFrequency *float32   `json:"step_freq"`
	ContactTime   *float32   `json:"contact"`
	Split         *jsonSplit `json:"split"`
}

type jsonSplit struct {
	Mark     *float32 `json:"mark"`
	Time     *float32 `json:"time"`
	Interval *float32 `json:"interval"`
}

type jsonEvent struct {
	Athlete int     `json:"athlete"`
	Kind    string  `json:"kind"`
	Foot    string  `json:"foot"`
	T       float64 `json:"t"`
	Mark    float32 `json:"mark"`
}

func metricOf(p *float32) float64 {
	if p == nil {
		return math.NaN()
	}
	return float64(*p)
}

// DecodeJSON decodes a JSON "frame" message as AppendJSON writes it. Missing
// metrics decode as NaN. Unknown fields are ignored, so that fields added
// within a schema version do not break old clients.
func DecodeJSON(data []byte) (*Frame, error) {
	var jf jsonFrame
	if err := json.Unmarshal(data, &jf); err != nil {
		return nil, fmt.Errorf("overlay: json frame: %w", err)
	}
	if jf.Type != "frame" {
		return nil, fmt.Errorf("overlay: json frame: type is %q, want \"frame\"", jf.Type)
	}
	if jf.N == nil {
		return nil, fmt.Errorf("overlay: json frame: no frame number \"n\"")
	}
	f := &Frame{Number: *jf.N, Capture: jf.T, Publish: jf.Pub}
	for i, ja := range jf.Athletes {
		a := Athlete{ID: ja.ID, Name: ja.Name, Lane: ja.Lane, Bib: ja.Bib}
		for _, j := range ja.Joints {
			a.Joints = append(a.Joints, Joint{X: j[0], Y: j[1], Z: j[2], Conf: j[3]})
		}
		for k, jv := range ja.Views {
			if len(jv.UV)%2 != 0 {
				return nil, fmt.Errorf("overlay: json frame: athlete %d view %d: odd number of coordinates (%d)", i, k, len(jv.UV))
			}
			a.Views = append(a.Views, View{Camera: jv.Cam, Points: jv.UV})
		}
		m := &ja.Metrics
		a.Metrics = Metrics{
			Speed: metricOf(m.Speed), TopSpeed: metricOf(m.TopSpeed), Distance: metricOf(m.Distance),
			StepLength: metricOf(m.StepLength), StepFrequency: metricOf(m.StepFrequency),
			ContactTime: metricOf(m.ContactTime),
		}
		if s := m.Split; s != nil {
			a.Metrics.Split = &Split{Mark: metricOf(s.Mark), Time: metricOf(s.Time), Interval: metricOf(s.Interval)}
		}
		f.Athletes = append(f.Athletes, a)
	}
	for _, je := range jf.Events {
		f.Events = append(f.Events, Event{Athlete: je.Athlete, Kind: je.Kind, Foot: je.Foot, Time: je.T, Mark: float64(je.Mark)})
	}
	return f, nil
}

// MessageType returns the "type" of a JSON message from the feed ("hello",
// "frame", ...), or "" when data is not a JSON object with a string "type".
// It looks at the first field only when that is "type", as the hub writes
// it, and falls back to a full parse otherwise.
func MessageType(data []byte) string {
	const prefix = `{"type":"`
	if bytes.HasPrefix(data, []byte(prefix)) {
		rest := data[len(prefix):]
		if end := bytes.IndexByte(rest, '"'); end >= 0 && bytes.IndexByte(rest[:end], '\\') < 0 {
			return string(rest[:end])
		}
	}
	var m struct {
		Type string `json:"type"`
	}
	if json.Unmarshal(data, &m) != nil {
		return ""
	}
	return m.Type
}
