package fusion

import (
	"math/rand/v2"
	"testing"
	"time"

	"gonum.org/v1/gonum/spatial/r3"

	"github.com/athlete3d/athlete3d/skeleton"
)

// TestStageLanes runs four runners in adjacent lanes at 9 m/s past six
// cameras for 4 s at 50 Hz through the whole stage: each keeps one ID, and
// the joints land within a few centimetres.
func TestStageLanes(t *testing.T) {
	cams := trackside(6)
	st, err := NewStage(cams, StageConfig{Set: &skeleton.COCO17, Tracker: TrackerConfig{Rate: 50}})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(21, 22))
	ids := map[int]int{} // athlete -> ID
	var sum float64
	var n int
	for f := range 200 {
		var dets []Detection
		truth := make([][]r3.Vec, 4)
		for ath := range 4 {
			truth[ath] = figure(r3.Vec{X: -18 + 9*float64(f)/50 + 0.5*float64(ath), Y: 1.22 * float64(ath)}, 0.4*float64(f))
			for c, cam := range cams {
				kp := make([]Observation, 17)
				for k, X := range truth[ath] {
					if u, v, ok := cam.Project(X); ok && rng.Float64() > 0.05 {
						kp[k] = Observation{X: u + 2*rng.NormFloat64(), Y: v + 2*rng.NormFloat64(), Score: 0.8}
					}
				}
				dets = append(dets, Detection{Camera: c, Keypoints: kp})
			}
		}
		people, err := st.Fuse(time.Duration(f)*20*time.Millisecond, dets)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range people {
			// Whose is it? The nearest truth by the first joint.
			best, bestD := -1, 1e9
			for ath := range 4 {
				if d := r3.Norm(r3.Sub(p.Joints[0].P, truth[ath][0])); p.Joints[0].OK && d < bestD {
					best, bestD = ath, d
				}
			}
			if best < 0 || p.ID == 0 {
				continue
			}
			if id, seen := ids[best]; seen && id != p.ID {
				t.Fatalf("frame %d: athlete %d changed ID from %d to %d", f, best, id, p.ID)
			}
			ids[best] = p.ID
			for k, j := range p.Joints {
				if j.OK {
					sum += r3.Norm(r3.Sub(j.P, truth[best][k]))
					n++
				}
			}
		}
	}
	if len(ids) != 4 {
		t.Fatalf("got IDs for %d athletes, want 4", len(ids))
	}
	mpjpe := sum / float64(n)
	t.Logf("4 athletes, 6 cameras, 200 frames: IDs %v, MPJPE %.1f mm", ids, 1000*mpjpe)
	if mpjpe > 0.03 {
		t.Errorf("MPJPE %.1f mm, want <= 30", 1000*mpjpe)
	}
}
