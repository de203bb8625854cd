package overlay

import (
	"math"
	"unicode/utf8"
)

// The helpers below put values into the form both encodings carry, so a
// frame decodes to the same content whichever encoding a client chose.

// maxString is the longest name, lane, bib, event kind or foot sent, in
// bytes; longer strings are cut at a UTF-8 boundary.
const maxString = 255

// maxCount bounds every list in a frame (athletes, joints, views, points,
// events); longer lists are cut.
const maxCount = math.MaxUint16

func finite32(v float32) bool {
	f := float64(v)
	return !math.IsNaN(f) && !math.IsInf(f, 0)
}

func finite64(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// wireJoint returns j, or the zero joint ("not placed") when any of its
// values is not finite.
func wireJoint(j Joint) Joint {
	if !finite32(j.X) || !finite32(j.Y) || !finite32(j.Z) || !finite32(j.Conf) {
		return Joint{}
	}
	return j
}

// wirePoint returns a pixel coordinate, -1 when it is not finite.
func wirePoint(v float32) float32 {
	if !finite32(v) {
		return -1
	}
	return v
}

// wireMetric returns a metric rounded to float32, NaN when unknown or out of
// float32 range.
func wireMetric(v float64) float32 {
	f := float32(v)
	if !finite32(f) {
		return float32(math.NaN())
	}
	return f
}

// wireTime returns a time in seconds, 0 when not finite.
func wireTime(v float64) float64 {
	if !finite64(v) {
		return 0
	}
	return v
}

// wireMark returns an event's split mark rounded to float32, 0 when not
// finite.
func wireMark(v float64) float32 {
	f := float32(v)
	if !finite32(f) {
		return 0
	}
	return f
}

// wireID returns an ID clamped into the int32 range.
func wireID(id int) int32 {
	switch {
	case id > math.MaxInt32:
		return math.MaxInt32
	case id < math.MinInt32:
		return math.MinInt32
	}
	return int32(id)
}

// wireCamera clamps a camera index into the uint16 range of the binary
// encoding.
func wireCamera(c int) uint16 {
	switch {
	case c < 0:
		return 0
	case c > math.MaxUint16:
		return math.MaxUint16
	}
	return uint16(c)
}

// wireString cuts s to maxString bytes at a rune boundary.
func wireString(s string) string { return wireStringN(s, maxString) }

// wireStringN cuts s to n bytes at a rune boundary.
func wireStringN(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func wireCount(n int) int { return min(n, maxCount) }

// metric bits in the binary metrics mask, in the order the values follow.
const (
	bitSpeed = 1 << iota
	bitTopSpeed
	bitDistance
	bitStepLength
	bitStepFrequency
	bitContactTime
	bitSplit
)

// metricValues lists the plain metrics in the order of their mask bits.
func metricValues(m *Metrics) [6]float64 {
	return [6]float64{m.Speed, m.TopSpeed, m.Distance, m.StepLength, m.StepFrequency, m.ContactTime}
}

func setMetric(m *Metrics, i int, v float64) {
	switch i {
	case 0:
		m.Speed = v
	case 1:
		m.TopSpeed = v
	case 2:
		m.Distance = v
	case 3:
		m.StepLength = v
	case 4:
		m.StepFrequency = v
	case 5:
		m.ContactTime = v
	}
}

// unknownMetrics returns Metrics with every value unknown.
func unknownMetrics() Metrics {
	n := math.NaN()
	return Metrics{Speed: n, TopSpeed: n, Distance: n, StepLength: n, StepFrequency: n, ContactTime: n}
}
