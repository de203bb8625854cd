package synthetic_test

import (
	"math"
	"sync"
	"testing"
	"time"

	"gonum.org/v1/gonum/spatial/r3"

	"github.com/athlete3d/athlete3d/overlay"
	"github.com/athlete3d/athlete3d/pipeline"
	"github.com/athlete3d/athlete3d/pipeline/synthetic"
)

// frameCatcher is an in-process overlay client keeping the frames it is
// sent.
type frameCatcher struct {
	mu     sync.Mutex
	frames []*overlay.Frame
	err    error
}

func (c *frameCatcher) Send(kind overlay.MessageKind, data []byte) error {
	if overlay.MessageType(data) != "frame" {
		return nil
	}
	f, err := overlay.DecodeJSON(data)
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil && c.err == nil {
		c.err = err
	}
	c.frames = append(c.frames, f)
	return nil
}

func (c *frameCatcher) Close(int, string) error { return nil }

// TestOverlaySink: the virtual rig's three sprinters in lanes 1–3 through
// the engine into an overlay hub. Every fused frame reaches the client
// with each tracked athlete: lane and start-list name from the pelvis,
// joints, and their reprojections, which are where each camera sees the
// joints (the rig's own projection of the fused joints); speeds of a
// sprint, steps and touchdown events.
func TestOverlaySink(t *testing.T) {
	cfg, err := synthetic.Parse("synthetic://sprint?cams=6&athletes=3&seed=2")
	if err != nil {
		t.Fatal(err)
	}
	rig, err := synthetic.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cams, set := rig.Calibration(), rig.Scene().Set
	hub, err := overlay.NewHub(overlay.HubConfig{QueueLen: 4096}, pipeline.OverlayHello(cams, set))
	if err != nil {
		t.Fatal(err)
	}
	catcher := &frameCatcher{}
	client, err := hub.Attach(catcher, "test", overlay.Control{})
	if err != nil {
		t.Fatal(err)
	}
	lanes := &pipeline.Lanes{Lane1Y: 0, Width: 1.22, Entries: []pipeline.LaneEntry{{Lane: 2, Name: "Runner Two", Bib: "202"}}}
	sink, err := pipeline.NewOverlaySink(hub, cams, set, lanes, 15)
	if err != nil {
		t.Fatal(err)
	}
	e, err := pipeline.NewEngine(pipeline.EngineConfig{Cameras: cams, Set: set, Rate: rig.Scene().Rate},
		[]pipeline.ViewSource{rig}, []pipeline.Sink{sink})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	want := int(e.Stats().Fused)
	deadline := time.Now().Add(5 * time.Second)
	for {
		catcher.mu.Lock()
		n := len(catcher.frames)
		catcher.mu.Unlock()
		if n >= want || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	client.Close(1000, "done")
	hub.Close()
	if catcher.err != nil {
		t.Fatal(catcher.err)
	}
	if len(catcher.frames) != want {
		t.Fatalf("client got %d frames, want the %d fused", len(catcher.frames), want)
	}

	lanesSeen := map[string]string{}
	var top float64
	touchdowns, checked := 0, 0
	for _, f := range catcher.frames {
		for _, ev := range f.Events {
			if ev.Kind == overlay.KindTouchdown {
				touchdowns++
			}
		}
		for _, a := range f.Athletes {
			if a.Lane != "" { // empty while a hip is not placed
				lanesSeen[a.Lane] = a.Name
			}
			if !math.IsNaN(a.Metrics.TopSpeed) {
				top = max(top, a.Metrics.TopSpeed)
			}
			if len(a.Views) != len(cams) || len(a.Joints) != set.Len() {
				t.Fatalf("athlete %d: %d views, %d joints", a.ID, len(a.Views), len(a.Joints))
			}
			for c, v := range a.Views {
				for j, jt := range a.Joints {
					if jt.Conf == 0 {
						continue
					}
					u, w, ok := cams[c].Project(vec(jt))
					if !ok {
						continue
					}
					// float32 on the wire: within a hundredth of a pixel.
					if math.Abs(float64(v.Points[2*j])-u) > 0.01 || math.Abs(float64(v.Points[2*j+1])-w) > 0.01 {
						t.Fatalf("athlete %d camera %d joint %d at (%v, %v), the camera sees it at (%.2f, %.2f)", a.ID, c, j, v.Points[2*j], v.Points[2*j+1], u, w)
					}
					checked++
				}
			}
		}
	}
	t.Logf("%d frames; lanes %v; top speed %.2f m/s; %d touchdowns; %d reprojections checked", len(catcher.frames), lanesSeen, top, touchdowns, checked)
	if len(lanesSeen) != 3 || lanesSeen["2"] != "Runner Two" || lanesSeen["1"] != "" {
		t.Errorf("lanes and names seen %v, want lanes 1-3 with lane 2's entry named", lanesSeen)
	}
	if top < 5 || touchdowns < 6 || checked == 0 {
		t.Errorf("top speed %.2f m/s, %d touchdowns, %d reprojections: want a sprint's", top, touchdowns, checked)
	}
}

func vec(j overlay.Joint) r3.Vec {
	return r3.Vec{X: float64(j.X), Y: float64(j.Y), Z: float64(j.Z)}
}
