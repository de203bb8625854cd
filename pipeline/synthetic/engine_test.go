package synthetic_test

import (
	"testing"

	"github.com/athlete3d/athlete3d/pipeline"
	"github.com/athlete3d/athlete3d/pipeline/kinematics"
	"github.com/athlete3d/athlete3d/pipeline/synthetic"
)

// athleteSink keeps, per track, the last live figures and the largest
// smoothed speed seen frame by frame.
type athleteSink struct {
	last  map[int]pipeline.Athlete
	top   map[int]float64
	valid bool // Athletes always parallel to People
}

func (s *athleteSink) Name() string { return "athletes" }
func (s *athleteSink) Close() error { return nil }
func (s *athleteSink) Write(f *pipeline.Fused) error {
	defer f.Release()
	if len(f.Athletes) != len(f.People) {
		s.valid = false
	}
	for i, p := range f.People {
		if p.ID == 0 || i >= len(f.Athletes) {
			continue
		}
		a := f.Athletes[i]
		s.last[p.ID] = a
		if a.Sample.Has(kinematics.FieldSmoothSpeed) {
			s.top[p.ID] = max(s.top[p.ID], a.Sample.SmoothSpeed)
		}
	}
	return nil
}

// TestEngineAthletes: the live figures each fused frame carries for a
// sprinter on the virtual rig: top speed the largest smoothed speed of
// the frames, the last step and contact of a sprint's size.
func TestEngineAthletes(t *testing.T) {
	sink := &athleteSink{last: map[int]pipeline.Athlete{}, top: map[int]float64{}, valid: true}
	cfg, err := synthetic.Parse("synthetic://sprint?cams=8&athletes=1&seed=0")
	if err != nil {
		t.Fatal(err)
	}
	rig, err := synthetic.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e, err := pipeline.NewEngine(pipeline.EngineConfig{
		Cameras: rig.Calibration(), Set: rig.Scene().Set, Rate: rig.Scene().Rate,
	}, []pipeline.ViewSource{rig}, []pipeline.Sink{sink})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	if !sink.valid {
		t.Error("a fused frame's Athletes is not parallel to its People")
	}
	if len(sink.last) == 0 {
		t.Fatal("no tracked athlete")
	}
	for id, a := range sink.last {
		t.Logf("athlete %d: top speed %.2f m/s, last step %.2f m at %.2f Hz, last contact %.3f s", id, a.TopSpeed, a.Step.StepLength, a.Step.StepFrequency(), a.Contact.ContactTime)
		if a.TopSpeed != sink.top[id] || !(a.TopSpeed > 5) {
			t.Errorf("athlete %d: top speed %.3f m/s, want the frames' largest smoothed speed %.3f, a sprinter's", id, a.TopSpeed, sink.top[id])
		}
		if !a.Step.Has(kinematics.HasStep) || a.Step.StepLength < 1 || a.Step.StepLength > 3 {
			t.Errorf("athlete %d: last step %+v, want a sprint step of 1-3 m", id, a.Step)
		}
		if !a.Contact.Has(kinematics.HasContactTime) || a.Contact.ContactTime < 0.05 || a.Contact.ContactTime > 0.3 {
			t.Errorf("athlete %d: last contact %+v, want 0.05-0.3 s", id, a.Contact)
		}
	}
}
