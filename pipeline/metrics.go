package pipeline

import (
	"cmp"
	"fmt"
	"io"
	"math"
	"slices"

	"gonum.org/v1/gonum/spatial/r3"

	"github.com/athlete3d/athlete3d/pipeline/fusion"
	"github.com/athlete3d/athlete3d/pipeline/kinematics"
	"github.com/athlete3d/athlete3d/pipeline/record"
	"github.com/athlete3d/athlete3d/skeleton"
)

// MetricsCutoff is the low-pass cutoff (Hz) of the zero-phase filter a
// track goes through before its metrics are computed.
const MetricsCutoff = 12

// Smooth filters every confirmed track of a recording in place with a
// zero-phase Butterworth low-pass at cutoff Hz (short gaps filled, see
// fusion.Butterworth).
func Smooth(frames []Frame3, set *skeleton.Set, rate, cutoff float64) error {
	bw, err := fusion.NewButterworth(fusion.ButterworthConfig{Rate: rate, Cutoff: cutoff})
	if err != nil {
		return err
	}
	for _, id := range TrackIDs(frames) {
		seq := trackOf(frames, id, set.Len())
		if err := bw.FilterTrack(seq); err != nil {
			return fmt.Errorf("track %d: %w", id, err)
		}
		for f := range frames {
			for k := range frames[f].People {
				if frames[f].People[k].ID == id {
					copy(frames[f].People[k].Joints, seq[f].Joints)
				}
			}
		}
	}
	return nil
}

// Analyze computes each confirmed track's metrics (package kinematics,
// offline) on a copy smoothed at MetricsCutoff. A track too short or too
// incomplete for them is left out: its metrics are unknown.
func Analyze(frames []Frame3, set *skeleton.Set, rate float64) (map[int]*kinematics.Report, error) {
	bw, err := fusion.NewButterworth(fusion.ButterworthConfig{Rate: rate, Cutoff: MetricsCutoff})
	if err != nil {
		return nil, err
	}
	out := map[int]*kinematics.Report{}
	for _, id := range TrackIDs(frames) {
		seq := trackOf(frames, id, set.Len())
		if err := bw.FilterTrack(seq); err != nil {
			continue
		}
		kf := make([]kinematics.Frame, len(seq))
		for f, s := range seq {
			kf[f] = kinematics.Frame{T: frames[f].T, Joints: make([]r3.Vec, len(s.Joints)), OK: make([]bool, len(s.Joints))}
			for j, jt := range s.Joints {
				kf[f].Joints[j], kf[f].OK[j] = jt.P, jt.OK
			}
		}
		if rep, err := kinematics.Analyze(set, kf, kinematics.Config{}); err == nil {
			out[id] = rep
		}
	}
	return out, nil
}

// WriteJSONL writes the recording as the JSONL frame stream
// (docs/jsonl.md): a line per frame with each athlete's joints and speed,
// and the foot events in time order between the frames.
func WriteJSONL(w io.Writer, set *skeleton.Set, frames []Frame3, reports map[int]*kinematics.Report) error {
	jw := record.NewJSONLWriter(w, set)
	type event struct {
		id int
		e  *kinematics.FootEvent
	}
	var events []event
	for id, r := range reports {
		for i := range r.Events {
			events = append(events, event{id, &r.Events[i]})
		}
	}
	slices.SortFunc(events, func(a, b event) int {
		return cmp.Or(cmp.Compare(a.e.T, b.e.T), cmp.Compare(a.id, b.id))
	})
	var speeds []float64
	next := 0
	for f, fr := range frames {
		speeds = speeds[:0]
		for _, p := range fr.People {
			s := math.NaN()
			if r := reports[p.ID]; r != nil && f < len(r.Samples) && r.Samples[f].Valid&kinematics.FieldSmoothSpeed != 0 {
				s = r.Samples[f].SmoothSpeed
			}
			speeds = append(speeds, s)
		}
		if err := jw.Frame(fr.Number, fr.T, fr.People, speeds); err != nil {
			return err
		}
		end := math.Inf(1)
		if f+1 < len(frames) {
			end = frames[f+1].T
		}
		for ; next < len(events) && events[next].e.T < end; next++ {
			if err := jw.Event(events[next].id, events[next].e); err != nil {
				return err
			}
		}
	}
	return jw.Flush()
}

// TrackIDs returns the confirmed track IDs of a recording, ascending.
func TrackIDs(frames []Frame3) []int {
	var ids []int
	for _, fr := range frames {
		for _, p := range fr.People {
			if p.ID != 0 && !slices.Contains(ids, p.ID) {
				ids = append(ids, p.ID)
			}
		}
	}
	slices.Sort(ids)
	return ids
}

// trackOf copies one track out of a recording, a skeleton per frame (no
// joint placed where the track is absent).
func trackOf(frames []Frame3, id, joints int) []fusion.Skeleton3 {
	seq := make([]fusion.Skeleton3, len(frames))
	for f, fr := range frames {
		seq[f] = fusion.Skeleton3{ID: id, Joints: make([]fusion.Joint3, joints)}
		for _, p := range fr.People {
			if p.ID == id {
				copy(seq[f].Joints, p.Joints)
			}
		}
	}
	return seq
}
