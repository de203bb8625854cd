package kinematics

import (
	"math"
	"strconv"

	"gonum.org/v1/gonum/spatial/r3"
)

// Frame is one athlete's 3D joints at one instant: world metres (z up, x
// along the running direction from the start line), joints indexed like the
// keypoint set the analysis was built with.
type Frame struct {
	// T is the capture time in seconds.
	T float64
	// Joints holds one position per joint of the keypoint set.
	Joints []r3.Vec
	// OK tells which joints were placed; nil means all were. A joint whose
	// position is NaN or infinite counts as missing whatever OK says.
	OK []bool
}

// joint returns joint i and whether it is usable.
func (f *Frame) joint(i int) (r3.Vec, bool) {
	if i < 0 || i >= len(f.Joints) || (f.OK != nil && !f.OK[i]) {
		return r3.Vec{}, false
	}
	p := f.Joints[i]
	if !finite(p.X) || !finite(p.Y) || !finite(p.Z) {
		return r3.Vec{}, false
	}
	return p, true
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// Foot names a side.
type Foot int

const (
	Left Foot = iota
	Right
)

// String returns "L" or "R".
func (f Foot) String() string {
	if f == Left {
		return "L"
	}
	return "R"
}

// EventKind tells a touchdown from a toe-off.
type EventKind int

const (
	// Touchdown is the instant a foot reaches the ground.
	Touchdown EventKind = iota + 1
	// ToeOff is the instant a foot leaves the ground.
	ToeOff
)

// String returns "touchdown" or "toeoff".
func (k EventKind) String() string {
	switch k {
	case Touchdown:
		return "touchdown"
	case ToeOff:
		return "toeoff"
	}
	return "unknown"
}

// EventField flags the optional values of a FootEvent.
type EventField uint8

const (
	// HasStep: StepLength and StepTime hold the step that this touchdown
	// completes (from the other foot's previous touchdown).
	HasStep EventField = 1 << iota
	// HasStride: StrideLength and StrideTime hold the stride that this
	// touchdown completes (from the same foot's previous touchdown).
	HasStride
	// HasContactTime: ContactTime holds a contact's duration: for a toe-off
	// its own contact, for a touchdown the previous contact (the other
	// foot's).
	HasContactTime
	// HasFlightTime: FlightTime holds the time from the other foot's
	// toe-off to this touchdown.
	HasFlightTime
)

// FootEvent is a touchdown or a toe-off, timed between frames.
type FootEvent struct {
	Kind EventKind
	Foot Foot
	// T is the event time in seconds.
	T float64
	// Pos is the foot's position at contact: the heel–toe midpoint when the
	// set has both and they were seen, else the ankle, with z the foot's
	// ground level. For a toe-off, the position at the end of the contact.
	Pos r3.Vec

	StepLength   float64 // m along x, touchdowns only
	StepTime     float64 // s
	StrideLength float64 // m along x, touchdowns only
	StrideTime   float64 // s
	ContactTime  float64 // s
	FlightTime   float64 // s; negative would mean double support
	// Valid tells which of the values above are set; the others are 0.
	Valid EventField
}

// Has reports whether the values behind f are set.
func (e *FootEvent) Has(f EventField) bool { return e.Valid&f == f }

// StepFrequency returns 1/StepTime in Hz, or 0 without a step.
func (e *FootEvent) StepFrequency() float64 {
	if !e.Has(HasStep) || e.StepTime <= 0 {
		return 0
	}
	return 1 / e.StepTime
}

// AppendJSON appends the event as one line of the JSONL stream
// (docs/jsonl.md), without the newline, to dst:
// {"event":"touchdown"|"toeoff","athlete":ID,"foot":"L"|"R","t":SECONDS,
// "step_length":M,"contact_time":S}. step_length and contact_time are
// written for touchdowns only, and only when known. Times are written to
// 0.1 ms, lengths to 1 mm. It does not allocate when dst has room.
func (e *FootEvent) AppendJSON(dst []byte, athlete int) []byte {
	dst = append(dst, `{"event":"`...)
	dst = append(dst, e.Kind.String()...)
	dst = append(dst, `","athlete":`...)
	dst = strconv.AppendInt(dst, int64(athlete), 10)
	dst = append(dst, `,"foot":"`...)
	dst = append(dst, e.Foot.String()...)
	dst = append(dst, `","t":`...)
	dst = strconv.AppendFloat(dst, e.T, 'f', 4, 64)
	if e.Kind == Touchdown && e.Has(HasStep) {
		dst = append(dst, `,"step_length":`...)
		dst = strconv.AppendFloat(dst, e.StepLength, 'f', 3, 64)
	}
	if e.Kind == Touchdown && e.Has(HasContactTime) {
		dst = append(dst, `,"contact_time":`...)
		dst = strconv.AppendFloat(dst, e.ContactTime, 'f', 4, 64)
	}
	return append(dst, '}')
}

// Field flags the values of a Sample that could be computed.
type Field uint16

const (
	FieldX           Field = 1 << iota // X and Distance
	FieldSpeed                         // Speed
	FieldSmoothSpeed                   // SmoothSpeed
	FieldAccel                         // Accel
	FieldKneeL                         // Knee[Left]
	FieldKneeR                         // Knee[Right]
	FieldHipL                          // Hip[Left]
	FieldHipR                          // Hip[Right]
	FieldTrunk                         // TrunkLean
	FieldContactL                      // Contact[Left] is known
	FieldContactR                      // Contact[Right] is known
)

// KneeField, HipField and ContactField return the flag of a side's value.
func KneeField(f Foot) Field    { return FieldKneeL << f }
func HipField(f Foot) Field     { return FieldHipL << f }
func ContactField(f Foot) Field { return FieldContactL << f }

// Sample is the metrics at one frame. A value whose flag is not in Valid
// could not be computed (missing joints, too short a history) and is 0.
type Sample struct {
	T float64 // s
	// X is the pelvis (hip midpoint) position along the track, m.
	X float64
	// Distance is X minus the first known X, m.
	Distance float64
	// Speed is the instantaneous horizontal speed along x, m/s.
	Speed float64
	// SmoothSpeed is the speed over Config.SmoothWindow, m/s.
	SmoothSpeed float64
	// Accel is the acceleration along x over Config.AccelWindow, m/s².
	Accel float64
	// Knee is the sagittal knee flexion per side, degrees (0 straight).
	Knee [2]float64
	// Hip is the sagittal hip flexion per side, thigh against trunk,
	// degrees (0 when thigh and trunk are aligned, positive forward).
	Hip [2]float64
	// TrunkLean is the angle of the hip-mid→shoulder-mid line from the
	// vertical in the sagittal plane, degrees, positive leaning forward.
	TrunkLean float64
	// Contact tells whether each foot is on the ground (live: as decided
	// at T, so with the confirmation latency).
	Contact [2]bool
	Valid   Field
}

// Has reports whether the values behind f are set.
func (s *Sample) Has(f Field) bool { return s.Valid&f == f }

// Split is the crossing of a mark by the pelvis.
type Split struct {
	// Mark is the distance from the start line, m.
	Mark float64
	// T is the crossing time, interpolated between frames, s.
	T float64
	// Interval is T minus the previous split's T (for the first split,
	// minus Config.StartTime), s.
	Interval float64
}

// Summary gathers the whole-run figures.
type Summary struct {
	// TopSpeed is the largest smoothed speed and TopSpeedT its time;
	// both 0 when no smoothed speed was computed.
	TopSpeed, TopSpeedT float64
	// Distance is the last known Distance, m.
	Distance float64
	// Steps counts the touchdowns with a step; MeanStepLength (m) and
	// MeanStepFrequency (Hz) are over them, MeanFlightTime (s) over the
	// touchdowns with a flight time.
	Steps                                             int
	MeanStepLength, MeanStepFrequency, MeanFlightTime float64
	// Contacts counts the toe-offs with a contact time; MeanContactTime
	// is their mean, s.
	Contacts        int
	MeanContactTime float64
}
