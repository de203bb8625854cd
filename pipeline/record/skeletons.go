package record

import (
	"bufio"
	"io"
	"math"
	"strconv"

	"gonum.org/v1/gonum/spatial/r3"

	"github.com/athlete3d/athlete3d/pipeline/fusion"
	"github.com/athlete3d/athlete3d/pipeline/kinematics"
	"github.com/athlete3d/athlete3d/skeleton"
)

// pose2simBODY25B is the marker order Pose2Sim writes for BODY_25B.
var pose2simBODY25B = []string{
	"RHip", "RKnee", "RAnkle", "RBigToe", "RSmallToe", "RHeel",
	"LHip", "LKnee", "LAnkle", "LBigToe", "LSmallToe", "LHeel",
	"Neck", "Head", "Nose", "RShoulder", "RElbow", "RWrist", "LShoulder", "LElbow", "LWrist",
}

// TRCMarkers returns the markers a TRC written for set carries, in order:
// Pose2Sim's for BODY_25B (so files drop into Pose2Sim and OpenSim
// workflows unchanged), the set's own joints otherwise.
func TRCMarkers(set *skeleton.Set) []string {
	if set.Name == skeleton.BODY25B.Name {
		return pose2simBODY25B
	}
	return set.Joints
}

// PersonTRC returns the TRC of one person over a recording: poses[f] is the
// person in frame f (nil where absent, and joints not OK are missing). The
// TRC's axes are Pose2Sim's and OpenSim's, y up: TRC (X, Y, Z) = world
// (y, z, x), metres; row N is at time N/rate, as Pose2Sim writes.
func PersonTRC(set *skeleton.Set, rate float64, poses []*fusion.Skeleton3) *TRC {
	markers := TRCMarkers(set)
	idx := make([]int, len(markers))
	for i, m := range markers {
		idx[i] = set.Index(m)
	}
	t := &TRC{Rate: rate, CameraRate: rate, Units: "m", OrigRate: rate, Markers: markers, Frames: make([]TRCFrame, len(poses))}
	nan := r3.Vec{X: math.NaN(), Y: math.NaN(), Z: math.NaN()}
	for f, p := range poses {
		fr := TRCFrame{Number: f + 1, Time: float64(f+1) / rate, Points: make([]r3.Vec, len(markers))}
		for i, j := range idx {
			fr.Points[i] = nan
			if p != nil && j >= 0 && j < len(p.Joints) && p.Joints[j].OK {
				w := p.Joints[j].P
				fr.Points[i] = r3.Vec{X: w.Y, Y: w.Z, Z: w.X}
			}
		}
		t.Frames[f] = fr
	}
	return t
}

// JSONLWriter writes the project's frame stream, one JSON object per line
// (docs/jsonl.md): per frame
//
//	{"frame":N,"t":SECONDS,"athletes":[{"id":ID,"joints":{"LKnee":[x,y,z],...},"speed":M_PER_S}]}
//
// in world metres, z up; joints not placed are left out, and so is a speed
// that is not known; and foot event lines (Event). It reuses one buffer; it is not safe for concurrent
// use.
type JSONLWriter struct {
	w   *bufio.Writer
	set *skeleton.Set
	buf []byte
}

// NewJSONLWriter returns a writer of frames of the given keypoint set.
func NewJSONLWriter(w io.Writer, set *skeleton.Set) *JSONLWriter {
	return &JSONLWriter{w: bufio.NewWriter(w), set: set, buf: make([]byte, 0, 4096)}
}

// Frame writes one frame line. speeds, when not nil, holds each person's
// speed in m/s (NaN when unknown).
func (j *JSONLWriter) Frame(number int, t float64, people []fusion.Skeleton3, speeds []float64) error {
	b := j.buf[:0]
	b = append(b, `{"frame":`...)
	b = strconv.AppendInt(b, int64(number), 10)
	b = append(b, `,"t":`...)
	b = appendFloat(b, t, 6)
	b = append(b, `,"athletes":[`...)
	for i, p := range people {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"id":`...)
		b = strconv.AppendInt(b, int64(p.ID), 10)
		b = append(b, `,"joints":{`...)
		first := true
		for k, jt := range p.Joints {
			if !jt.OK || k >= j.set.Len() {
				continue
			}
			if !first {
				b = append(b, ',')
			}
			first = false
			b = strconv.AppendQuote(b, j.set.Joints[k])
			b = append(b, ":["...)
			b = appendFloat(b, jt.P.X, 4)
			b = append(b, ',')
			b = appendFloat(b, jt.P.Y, 4)
			b = append(b, ',')
			b = appendFloat(b, jt.P.Z, 4)
			b = append(b, ']')
		}
		b = append(b, '}')
		if i < len(speeds) && !math.IsNaN(speeds[i]) && !math.IsInf(speeds[i], 0) {
			b = append(b, `,"speed":`...)
			b = appendFloat(b, speeds[i], 3)
		}
		b = append(b, '}')
	}
	b = append(b, "]}\n"...)
	j.buf = b
	_, err := j.w.Write(b)
	return err
}

// Event writes one foot event line of the given athlete (docs/jsonl.md).
func (j *JSONLWriter) Event(athlete int, e *kinematics.FootEvent) error {
	j.buf = append(e.AppendJSON(j.buf[:0], athlete), '\n')
	_, err := j.w.Write(j.buf)
	return err
}

// Flush writes out what is buffered.
func (j *JSONLWriter) Flush() error { return j.w.Flush() }

// appendFloat appends v rounded to digits decimals, without trailing zeros.
func appendFloat(b []byte, v float64, digits int) []byte {
	p := math.Pow(10, float64(digits))
	return strconv.AppendFloat(b, math.Round(v*p)/p, 'f', -1, 64)
}
