package pipeline

import (
	"fmt"
	"math"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/athlete3d/athlete3d/calibration"
	"github.com/athlete3d/athlete3d/overlay"
	"github.com/athlete3d/athlete3d/pipeline/fusion"
	"github.com/athlete3d/athlete3d/pipeline/kinematics"
	"github.com/athlete3d/athlete3d/skeleton"
)

// Lanes maps athletes to the lanes of the track and names the athletes
// of the start list: lane n's centre is at world y = Lane1Y +
// (n−1)·Width (Width negative when lane numbers grow towards −y).
type Lanes struct {
	Lane1Y, Width float64
	// Entries are the start list, by lane.
	Entries []LaneEntry
}

// LaneEntry is one athlete of the start list.
type LaneEntry struct {
	Lane int    `toml:"lane"`
	Name string `toml:"name"`
	Bib  string `toml:"bib"`
}

// lane returns the lane number whose centre is nearest y, or 0 when
// lanes are not configured.
func (l *Lanes) lane(y float64) int {
	if l == nil || l.Width == 0 {
		return 0
	}
	return int(math.Round((y-l.Lane1Y)/l.Width)) + 1
}

// OverlayHello describes the feed of a rig: the cameras' names and picture
// sizes, the keypoint set's joints and limbs.
func OverlayHello(cams []calibration.Camera, set *skeleton.Set) overlay.Hello {
	h := overlay.Hello{Version: overlay.SchemaVersion, Joints: set.Joints, Limbs: set.Limbs}
	for _, c := range cams {
		h.Cameras = append(h.Cameras, overlay.Camera{Name: c.Name, Width: c.Width, Height: c.Height})
	}
	return h
}

// OverlaySink publishes the fused frames on an overlay hub: each person's
// joints, their reprojection into every camera's picture through its lens
// model, the athlete's live figures (package overlay's Metrics), foot
// events and splits passed, with the lane and start-list entry the
// person's pelvis is in.
//
// A joint's confidence in the feed is MaxError/(MaxError + its RMS
// reprojection error): 1 where the cameras agree exactly, ½ at the
// triangulator's rejection threshold; 0 when it was not placed.
//
// Write reuses the sink's frame: in steady state it allocates nothing. The hub encodes and queues
// the frame for its clients without waiting for any of them.
type OverlaySink struct {
	// Epoch, when set, is the wall-clock instant of capture time 0 (live
	// cameras): the sink then notes each frame's capture-to-publish
	// latency (Latency).
	Epoch time.Time

	latency  atomic.Int64 // ns, the last frame's
	hub      *overlay.Hub
	cams     []calibration.Camera
	hips     [2]int // the set's left and right hip, −1 if it has none
	lanes    *Lanes
	maxError float64
	frame    overlay.Frame
}

// NewOverlaySink publishes to hub the frames of a rig of cams and
// skeletons of set; lanes may be nil. maxError is the triangulator's
// rejection threshold, px (0 means 15).
func NewOverlaySink(hub *overlay.Hub, cams []calibration.Camera, set *skeleton.Set, lanes *Lanes, maxError float64) (*OverlaySink, error) {
	if hub == nil || set == nil || len(cams) == 0 {
		return nil, fmt.Errorf("overlay sink: needs a hub, a keypoint set and cameras")
	}
	if maxError == 0 {
		maxError = 15
	}
	return &OverlaySink{hub: hub, cams: cams, hips: [2]int{set.Index("LHip"), set.Index("RHip")}, lanes: lanes, maxError: maxError}, nil
}

// Name returns "overlay".
func (s *OverlaySink) Name() string { return "overlay" }

// Close does nothing: the hub belongs to the caller.
func (s *OverlaySink) Close() error { return nil }

// Write publishes f and releases it.
func (s *OverlaySink) Write(f *Fused) error {
	defer f.Release()
	fr := &s.frame
	fr.Number, fr.Capture = f.Number, f.Time.Seconds()
	fr.Events = fr.Events[:0]
	n := 0
	for i := range f.People {
		p := &f.People[i]
		if p.ID == 0 {
			continue // not yet a track: no identity to draw or name
		}
		if n == len(fr.Athletes) {
			fr.Athletes = append(fr.Athletes, overlay.Athlete{})
		}
		a := &fr.Athletes[n]
		n++
		fig := &f.Athletes[i]
		s.athlete(a, p, fig)
		if fig.NewSplit {
			fr.Events = append(fr.Events, overlay.Event{Athlete: p.ID, Kind: overlay.KindSplit, Time: fig.Split.T, Mark: fig.Split.Mark})
		}
	}
	fr.Athletes = fr.Athletes[:n]
	for _, ev := range f.Events {
		kind := overlay.KindTouchdown
		if ev.Event.Kind == kinematics.ToeOff {
			kind = overlay.KindToeOff
		}
		foot := "left"
		if ev.Event.Foot == kinematics.Right {
			foot = "right"
		}
		fr.Events = append(fr.Events, overlay.Event{Athlete: ev.Athlete, Kind: kind, Foot: foot, Time: ev.Event.T})
	}
	s.hub.Publish(fr)
	if !s.Epoch.IsZero() {
		s.latency.Store(int64(time.Since(s.Epoch) - f.Time))
	}
	return nil
}

// Latency returns the last frame's capture-to-publish latency, 0 without
// an Epoch; safe from any goroutine.
func (s *OverlaySink) Latency() time.Duration { return time.Duration(s.latency.Load()) }

// athlete fills a from person p and its live figures.
func (s *OverlaySink) athlete(a *overlay.Athlete, p *fusion.Skeleton3, fig *Athlete) {
	a.ID = p.ID
	a.Name, a.Lane, a.Bib = "", "", ""
	if len(a.Joints) != len(p.Joints) {
		a.Joints = make([]overlay.Joint, len(p.Joints))
	}
	for j, jt := range p.Joints {
		a.Joints[j] = overlay.Joint{}
		if jt.OK {
			a.Joints[j] = overlay.Joint{X: float32(jt.P.X), Y: float32(jt.P.Y), Z: float32(jt.P.Z),
				Conf: float32(s.maxError / (s.maxError + jt.Error))}
		}
	}
	if len(a.Views) != len(s.cams) {
		a.Views = make([]overlay.View, len(s.cams))
	}
	for c := range s.cams {
		v := &a.Views[c]
		v.Camera = c
		if len(v.Points) != 2*len(p.Joints) {
			v.Points = make([]float32, 2*len(p.Joints))
		}
		for j, jt := range p.Joints {
			u, w, ok := float64(-1), float64(-1), false
			if jt.OK {
				u, w, ok = s.cams[c].Project(jt.P)
			}
			if !ok {
				u, w = -1, -1
			}
			v.Points[2*j], v.Points[2*j+1] = float32(u), float32(w)
		}
	}
	if lh, rh := s.hips[0], s.hips[1]; lh >= 0 && rh >= 0 && p.Joints[lh].OK && p.Joints[rh].OK {
		if lane := s.lanes.lane((p.Joints[lh].P.Y + p.Joints[rh].P.Y) / 2); lane > 0 {
			a.Lane = strconv.Itoa(lane)
			for _, e := range s.lanes.Entries {
				if e.Lane == lane {
					a.Name, a.Bib = e.Name, e.Bib
				}
			}
		}
	}
	nan := math.NaN()
	m := overlay.Metrics{Speed: fig.Speed(), TopSpeed: nan, Distance: nan, StepLength: nan, StepFrequency: nan, ContactTime: nan}
	if fig.TopSpeed > 0 {
		m.TopSpeed = fig.TopSpeed
	}
	if fig.Sample.Has(kinematics.FieldX) {
		m.Distance = fig.Sample.Distance
	}
	if fig.Step.Has(kinematics.HasStep) {
		m.StepLength, m.StepFrequency = fig.Step.StepLength, fig.Step.StepFrequency()
	}
	if fig.Contact.Has(kinematics.HasContactTime) {
		m.ContactTime = fig.Contact.ContactTime
	}
	if fig.HasSplit {
		if a.Metrics.Split == nil {
			a.Metrics.Split = &overlay.Split{}
		}
		*a.Metrics.Split = overlay.Split{Mark: fig.Split.Mark, Time: fig.Split.T, Interval: fig.Split.Interval}
		m.Split = a.Metrics.Split
	}
	a.Metrics = m
}
