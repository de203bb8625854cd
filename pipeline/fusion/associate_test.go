package fusion

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/spatial/r3"

	"github.com/athlete3d/athlete3d/calibration"
	"github.com/athlete3d/athlete3d/skeleton"
)

// trackside returns n cameras along a straight, alternating sides, 20 m
// from lane 1, 3 to 8 m high, looking at the lanes.
func trackside(n int) []calibration.Camera {
	cams := make([]calibration.Camera, n)
	for i := range cams {
		x := -15 + 30*float64(i)/float64(max(1, n-1))
		y, target := -20.0, r3.Vec{X: x * 0.3, Y: 2, Z: 1}
		if i%2 == 1 {
			y = 25
		}
		cams[i] = calibration.LookAt(fmt.Sprintf("cam%d", i), r3.Vec{X: x, Y: y, Z: 3 + float64(i%3)*2.5}, target, 1920, 1080, 2200)
	}
	return cams
}

// figure returns a 17-joint standing figure at base.
func figure(base r3.Vec, phase float64) []r3.Vec {
	j := make([]r3.Vec, 17)
	for k := range j {
		side := float64(k%2)*2 - 1 // left joints odd in COCO order
		j[k] = r3.Add(base, r3.Vec{X: 0.25 * math.Sin(phase+float64(k)), Y: 0.18 * side, Z: 0.1 + 1.65*float64(16-k)/16})
	}
	return j
}

// TestAssociateLanes: four athletes in adjacent lanes, six cameras, noisy
// and incomplete 2D keypoints with left/right swaps, shuffled: every group
// must be one athlete, and every athlete one group.
func TestAssociateLanes(t *testing.T) {
	cams := trackside(6)
	a, err := NewAssociator(cams, AssociatorConfig{Mirror: skeleton.COCO17.Mirror()})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(11, 12))
	pure, complete, total := 0, 0, 0
	for frame := range 200 {
		var dets []Detection
		var who []int
		for ath := range 4 {
			base := r3.Vec{X: -8 + 0.19*float64(frame) + 0.7*float64(ath), Y: 1.22 * float64(ath)}
			joints := figure(base, 0.3*float64(frame))
			for c, cam := range cams {
				kp := make([]Observation, len(joints))
				for k, X := range joints {
					u, v, ok := cam.Project(X)
					if !ok || rng.Float64() < 0.05 {
						continue
					}
					kp[k] = Observation{X: u + 2*rng.NormFloat64(), Y: v + 2*rng.NormFloat64(), Score: 0.8}
				}
				if rng.Float64() < 0.02 {
					for k := 1; k+1 < len(kp); k += 2 {
						kp[k], kp[k+1] = kp[k+1], kp[k]
					}
				}
				dets = append(dets, Detection{Camera: c, Keypoints: kp})
				who = append(who, ath)
			}
		}
		rng.Shuffle(len(dets), func(i, k int) { dets[i], dets[k] = dets[k], dets[i]; who[i], who[k] = who[k], who[i] })
		groups := a.Associate(dets)
		for _, g := range groups {
			total++
			ok := true
			for _, m := range g {
				ok = ok && who[m] == who[g[0]]
			}
			if ok {
				pure++
				if len(g) == len(cams) {
					complete++
				}
			}
		}
	}
	precision := float64(pure) / float64(total)
	t.Logf("%d groups for 800 athlete-frames: %.2f%% hold one athlete only (precision), %d hold one athlete in all six views", total, 100*precision, complete)
	if complete < 780 {
		t.Errorf("%d of 800 athlete-frames grouped whole, want >= 780", complete)
	}
	if precision < 0.99 {
		t.Errorf("association precision %.4f, want >= 0.99", precision)
	}
}

func TestAssociateAllocs(t *testing.T) {
	cams := trackside(4)
	a, _ := NewAssociator(cams, AssociatorConfig{})
	var dets []Detection
	for ath := range 3 {
		for c, cam := range cams {
			kp := make([]Observation, 17)
			for k, X := range figure(r3.Vec{Y: 1.22 * float64(ath)}, 0) {
				u, v, _ := cam.Project(X)
				kp[k] = Observation{X: u, Y: v, Score: 0.9}
			}
			dets = append(dets, Detection{Camera: c, Keypoints: kp})
		}
	}
	if g := a.Associate(dets); len(g) != 3 {
		t.Fatalf("got %d groups, want 3", len(g))
	}
	if n := testing.AllocsPerRun(10, func() { a.Associate(dets) }); n != 0 {
		t.Fatalf("Associate allocates %.1f times, want 0 once warmed up", n)
	}
	// Bad input: a camera out of range, NaN keypoints, no detections.
	bad := append([]Detection{{Camera: 9, Keypoints: dets[0].Keypoints}, {Camera: 0, Keypoints: []Observation{{X: math.NaN(), Y: 1, Score: 1}}}}, dets...)
	if g := a.Associate(bad); len(g) != 4 {
		t.Fatalf("with bad detections: got %d groups, want 3 athletes and the lone NaN detection", len(g))
	}
	if g := a.Associate(nil); len(g) != 0 {
		t.Fatalf("no detections: got %d groups", len(g))
	}
}

var sinkGroups [][]int

// BenchmarkAssociate is the cost of grouping one frame of four athletes
// seen by n cameras.
func BenchmarkAssociate(b *testing.B) {
	for _, n := range []int{4, 8} {
		cams := trackside(n)
		a, _ := NewAssociator(cams, AssociatorConfig{Mirror: skeleton.COCO17.Mirror()})
		var dets []Detection
		for ath := range 4 {
			for c, cam := range cams {
				kp := make([]Observation, 17)
				for k, X := range figure(r3.Vec{X: 0.7 * float64(ath), Y: 1.22 * float64(ath)}, 0) {
					u, v, _ := cam.Project(X)
					kp[k] = Observation{X: u, Y: v, Score: 0.9}
				}
				dets = append(dets, Detection{Camera: c, Keypoints: kp})
			}
		}
		b.Run(fmt.Sprintf("cameras=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sinkGroups = a.Associate(dets)
			}
		})
	}
}
