package pipeline

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/athlete3d/athlete3d/bench"
	"github.com/athlete3d/athlete3d/internal/testenv"
	"github.com/athlete3d/athlete3d/pipeline/fusion"
	"github.com/athlete3d/athlete3d/skeleton"
)

// TestJSONLStream runs a synthetic 9.5 m/s sprint through fusion and the
// metrics and reads the JSONL stream back: every frame line, speeds near
// the truth, and touchdowns carrying step lengths near the truth's.
func TestJSONLStream(t *testing.T) {
	sc, err := bench.NewSprintScene(bench.SceneConfig{Dir: testenv.SharedData(t, "sprint-mocap"), Set: &skeleton.BODY25B, Athletes: 1, OutlierRate: -1})
	if err != nil {
		t.Fatal(err)
	}
	st, err := fusion.NewStage(sc.Cameras, fusion.StageConfig{Set: sc.Set, Tracker: fusion.TrackerConfig{Rate: sc.Rate}})
	if err != nil {
		t.Fatal(err)
	}
	frames := make([]Frame3, len(sc.Frames))
	for f, fr := range sc.Frames {
		dets, _ := fr.Detections()
		people, err := st.Fuse(time.Duration(fr.Time*float64(time.Second)), dets)
		if err != nil {
			t.Fatal(err)
		}
		frames[f] = Frame3{Number: f, T: fr.Time}
		for _, p := range people {
			frames[f].People = append(frames[f].People, fusion.Skeleton3{ID: p.ID, Joints: append([]fusion.Joint3(nil), p.Joints...)})
		}
	}
	reports, err := Analyze(frames, sc.Set, sc.Rate)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteJSONL(&buf, sc.Set, frames, reports); err != nil {
		t.Fatal(err)
	}
	var nFrames, touchdowns int
	var speeds, steps []float64
	lastT := -1.0
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var m struct {
			Frame    *int    `json:"frame"`
			T        float64 `json:"t"`
			Event    string  `json:"event"`
			Step     float64 `json:"step_length"`
			Athletes []struct {
				ID     int                   `json:"id"`
				Joints map[string][3]float64 `json:"joints"`
				Speed  *float64              `json:"speed"`
			} `json:"athletes"`
		}
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		if m.T < lastT {
			t.Fatalf("line %q goes back in time from %v", line, lastT)
		}
		lastT = m.T
		switch {
		case m.Frame != nil:
			nFrames++
			for _, a := range m.Athletes {
				if a.Speed != nil {
					speeds = append(speeds, *a.Speed)
				}
			}
		case m.Event == "touchdown":
			touchdowns++
			if m.Step > 0 {
				steps = append(steps, m.Step)
			}
		}
	}
	truth := sc.Truth[0].Gait
	if nFrames != len(frames) || len(speeds) == 0 || touchdowns < len(truth.Contacts)-1 || len(steps) == 0 {
		t.Fatalf("%d frame lines for %d frames, %d speeds, %d touchdowns (truth %d contacts), %d steps", nFrames, len(frames), len(speeds), touchdowns, len(truth.Contacts), len(steps))
	}
	mean := func(v []float64) float64 {
		s := 0.0
		for _, x := range v {
			s += x
		}
		return s / float64(len(v))
	}
	t.Logf("%d frames, mean speed %.2f m/s (truth %.2f), %d touchdowns, mean step %.3f m (truth %.3f)", nFrames, mean(speeds), truth.Speed, touchdowns, mean(steps), truth.MeanStepLength())
	if d := mean(speeds) - truth.Speed; d > 0.2 || d < -0.2 {
		t.Errorf("mean speed %.2f, truth %.2f", mean(speeds), truth.Speed)
	}
	if d := mean(steps) - truth.MeanStepLength(); d > 0.05 || d < -0.05 {
		t.Errorf("mean step %.3f, truth %.3f", mean(steps), truth.MeanStepLength())
	}
}
