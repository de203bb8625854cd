package overlay

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Magic opens every binary frame.
const Magic = "A3DF"

// binaryHeaderSize is the size of the fixed part of a binary frame.
const binaryHeaderSize = 36

var le = binary.LittleEndian

// AppendBinary appends f in the binary encoding described in
// docs/overlay-feed.md to dst and returns the extended buffer.
func AppendBinary(dst []byte, f *Frame) []byte {
	dst = append(dst, Magic...)
	dst = le.AppendUint16(dst, SchemaVersion)
	dst = le.AppendUint16(dst, 0) // flags, none defined
	dst = le.AppendUint64(dst, uint64(f.Number))
	dst = le.AppendUint64(dst, math.Float64bits(wireTime(f.Capture)))
	dst = le.AppendUint64(dst, uint64(f.Publish))
	na, ne := wireCount(len(f.Athletes)), wireCount(len(f.Events))
	dst = le.AppendUint16(dst, uint16(na))
	dst = le.AppendUint16(dst, uint16(ne))
	for i := range na {
		dst = appendAthleteBinary(dst, &f.Athletes[i])
	}
	for i := range ne {
		e := &f.Events[i]
		dst = le.AppendUint32(dst, uint32(wireID(e.Athlete)))
		dst = appendShortString(dst, e.Kind)
		dst = appendShortString(dst, e.Foot)
		dst = le.AppendUint64(dst, math.Float64bits(wireTime(e.Time)))
		dst = le.AppendUint32(dst, math.Float32bits(wireMark(e.Mark)))
	}
	return dst
}

func appendShortString(dst []byte, s string) []byte {
	s = wireString(s)
	dst = append(dst, byte(len(s)))
	return append(dst, s...)
}

func appendFloat32Bits(dst []byte, v float32) []byte {
	return le.AppendUint32(dst, math.Float32bits(v))
}

func appendAthleteBinary(dst []byte, a *Athlete) []byte {
	dst = le.AppendUint32(dst, uint32(wireID(a.ID)))
	dst = appendShortString(dst, a.Name)
	dst = appendShortString(dst, a.Lane)
	dst = appendShortString(dst, a.Bib)
	nj := wireCount(len(a.Joints))
	dst = le.AppendUint16(dst, uint16(nj))
	for i := range nj {
		j := wireJoint(a.Joints[i])
		dst = appendFloat32Bits(dst, j.X)
		dst = appendFloat32Bits(dst, j.Y)
		dst = appendFloat32Bits(dst, j.Z)
		dst = appendFloat32Bits(dst, j.Conf)
	}
	nv := wireCount(len(a.Views))
	dst = le.AppendUint16(dst, uint16(nv))
	for i := range nv {
		v := &a.Views[i]
		dst = le.AppendUint16(dst, wireCamera(v.Camera))
		np := wireCount(len(v.Points) / 2)
		dst = le.AppendUint16(dst, uint16(np))
		for _, p := range v.Points[:2*np] {
			dst = appendFloat32Bits(dst, wirePoint(p))
		}
	}
	var mask byte
	var vals [6]float32
	for i, v := range metricValues(&a.Metrics) {
		vals[i] = wireMetric(v)
		if finite32(vals[i]) {
			mask |= 1 << i
		}
	}
	if a.Metrics.Split != nil {
		mask |= bitSplit
	}
	dst = append(dst, mask)
	for i, v := range vals {
		if mask&(1<<i) != 0 {
			dst = appendFloat32Bits(dst, v)
		}
	}
	if s := a.Metrics.Split; s != nil {
		dst = appendFloat32Bits(dst, wireMetric(s.Mark))
		dst = appendFloat32Bits(dst, wireMetric(s.Time))
		dst = appendFloat32Bits(dst, wireMetric(s.Interval))
	}
	return dst
}

// binReader reads a binary frame and remembers the first error.
type binReader struct {
	data []byte
	off  int
	err  error
	what string // the part being read, for errors
}

func (r *binReader) need(n int) bool {
	if r.err != nil {
		return false
	}
	if n < 0 || len(r.data)-r.off < n {
		r.err = fmt.Errorf("overlay: binary frame: %s: truncated at byte %d (need %d more, have %d)", r.what, r.off, n, len(r.data)-r.off)
		return false
	}
	return true
}

// take returns the next n bytes, or nil when fewer are left.
func (r *binReader) take(n int) []byte {
	if !r.need(n) {
		return nil
	}
	b := r.data[r.off : r.off+n]
	r.off += n
	return b
}

func (r *binReader) u8() byte {
	if b := r.take(1); b != nil {
		return b[0]
	}
	return 0
}

func (r *binReader) u16() uint16 {
	if b := r.take(2); b != nil {
		return le.Uint16(b)
	}
	return 0
}

func (r *binReader) u32() uint32 {
	if b := r.take(4); b != nil {
		return le.Uint32(b)
	}
	return 0
}

func (r *binReader) u64() uint64 {
	if b := r.take(8); b != nil {
		return le.Uint64(b)
	}
	return 0
}

func (r *binReader) f32() float32 { return math.Float32frombits(r.u32()) }

func (r *binReader) str() string { return string(r.take(int(r.u8()))) }

// count reads a uint16 count of items of at least size bytes each and checks
// that they can fit in what is left.
func (r *binReader) count(size int) int {
	n := int(r.u16())
	return r.fit(n, size, r.off-2)
}

// fit returns n when n items of at least size bytes each can fit in what is
// left, so garbage cannot make the decoder allocate much; otherwise it
// records an error naming the count, read at byte at, and returns 0.
func (r *binReader) fit(n, size, at int) int {
	if r.err == nil && n*size > len(r.data)-r.off {
		r.err = fmt.Errorf("overlay: binary frame: %s: count %d at byte %d does not fit in the %d bytes left", r.what, n, at, len(r.data)-r.off)
		return 0
	}
	return n
}

// Smallest encoded sizes, used to bound counts.
const (
	minAthleteSize = 4 + 3 + 2 + 2 + 1
	minEventSize   = 4 + 1 + 1 + 8 + 4
)

// DecodeBinary decodes a binary frame as AppendBinary writes it. It returns
// an error naming the part and byte offset for a wrong magic, an unknown
// version, a truncated frame or trailing bytes. It does not keep data.
func DecodeBinary(data []byte) (*Frame, error) {
	r := &binReader{data: data, what: "header"}
	if !r.need(binaryHeaderSize) {
		return nil, r.err
	}
	if string(data[:4]) != Magic {
		return nil, fmt.Errorf("overlay: binary frame: bad magic %q, want %q", data[:4], Magic)
	}
	r.off = 4
	if v := r.u16(); v != SchemaVersion {
		return nil, fmt.Errorf("overlay: binary frame: version %d, want %d", v, SchemaVersion)
	}
	r.u16() // flags
	f := &Frame{}
	f.Number = int64(r.u64())
	f.Capture = math.Float64frombits(r.u64())
	f.Publish = int64(r.u64())
	na := r.count(minAthleteSize)
	ne := int(r.u16())
	if na > 0 {
		f.Athletes = make([]Athlete, na)
	}
	for i := range na {
		r.what = fmt.Sprintf("athlete %d", i)
		decodeAthlete(r, &f.Athletes[i])
		if r.err != nil {
			return nil, r.err
		}
	}
	r.what = "events"
	if ne = r.fit(ne, minEventSize, 34); r.err != nil {
		return nil, r.err
	}
	if ne > 0 {
		f.Events = make([]Event, ne)
	}
	for i := range ne {
		r.what = fmt.Sprintf("event %d", i)
		e := &f.Events[i]
		e.Athlete = int(int32(r.u32()))
		e.Kind = r.str()
		e.Foot = r.str()
		e.Time = math.Float64frombits(r.u64())
		e.Mark = float64(r.f32())
	}
	if r.err != nil {
		return nil, r.err
	}
	if r.off != len(data) {
		return nil, fmt.Errorf("overlay: binary frame: %d trailing bytes at byte %d", len(data)-r.off, r.off)
	}
	return f, nil
}

func decodeAthlete(r *binReader, a *Athlete) {
	a.ID = int(int32(r.u32()))
	a.Name = r.str()
	a.Lane = r.str()
	a.Bib = r.str()
	what := r.what
	r.what = what + " joints"
	if nj := r.count(16); nj > 0 {
		a.Joints = make([]Joint, nj)
		for i := range a.Joints {
			a.Joints[i] = Joint{X: r.f32(), Y: r.f32(), Z: r.f32(), Conf: r.f32()}
		}
	}
	r.what = what + " views"
	if nv := r.count(4); nv > 0 {
		a.Views = make([]View, nv)
		for i := range a.Views {
			v := &a.Views[i]
			v.Camera = int(r.u16())
			r.what = fmt.Sprintf("%s view %d points", what, i)
			np := r.count(8)
			if np > 0 {
				v.Points = make([]float32, 2*np)
				for k := range v.Points {
					v.Points[k] = r.f32()
				}
			}
		}
	}
	r.what = what + " metrics"
	mask := r.u8()
	if mask&^(1<<7-1) != 0 {
		if r.err == nil {
			r.err = fmt.Errorf("overlay: binary frame: %s: unknown bits in metrics mask %#02x at byte %d", r.what, mask, r.off-1)
		}
		return
	}
	a.Metrics = unknownMetrics()
	for i := range 6 {
		if mask&(1<<i) != 0 {
			setMetric(&a.Metrics, i, float64(r.f32()))
		}
	}
	if mask&bitSplit != 0 {
		a.Metrics.Split = &Split{Mark: float64(r.f32()), Time: float64(r.f32()), Interval: float64(r.f32())}
	}
}
