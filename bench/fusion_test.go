package bench_test

import (
	"fmt"
	"math"
	"testing"
	"time"

	"gonum.org/v1/gonum/spatial/r3"

	"github.com/athlete3d/athlete3d/bench"
	"github.com/athlete3d/athlete3d/internal/testenv"
	"github.com/athlete3d/athlete3d/pipeline/fusion"
	"github.com/athlete3d/athlete3d/skeleton"
)

// detections turns a scene frame into the fusion stage's input, and the
// true athlete of each detection for scoring.
func detections(fr bench.SceneFrame) (dets []fusion.Detection, who []int) {
	for c, view := range fr.Views {
		for _, d := range view {
			kp := make([]fusion.Observation, len(d.Keypoints))
			for j, k := range d.Keypoints {
				kp[j] = fusion.Observation{X: k.X, Y: k.Y, Score: k.Score}
			}
			dets = append(dets, fusion.Detection{Camera: c, Keypoints: kp})
			who = append(who, d.Athlete)
		}
	}
	return dets, who
}

// tracks runs the scene through the fusion stage and returns, per athlete,
// the skeleton of the track nearest it in each frame (by the mean joint
// distance), and the frame-by-frame track assignments.
func tracks(t *testing.T, sc *bench.Scene) (per [][]fusion.Skeleton3, as []bench.Assignment) {
	t.Helper()
	st, err := fusion.NewStage(sc.Cameras, fusion.StageConfig{Set: sc.Set, Tracker: fusion.TrackerConfig{Rate: sc.Rate}})
	if err != nil {
		t.Fatal(err)
	}
	per = make([][]fusion.Skeleton3, len(sc.Truth))
	for a := range per {
		per[a] = make([]fusion.Skeleton3, len(sc.Frames))
		for f := range per[a] {
			per[a][f].Joints = make([]fusion.Joint3, sc.Set.Len()) // not seen: no joint OK
		}
	}
	for f, fr := range sc.Frames {
		dets, _ := detections(fr)
		people, err := st.Fuse(time.Duration(fr.Time*float64(time.Second)), dets)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range people {
			best, bestD := -1, math.Inf(1)
			for a, tr := range sc.Truth {
				if d := meanDistance(p.Joints, tr.Joints[f]); d < bestD {
					best, bestD = a, d
				}
			}
			if best < 0 || bestD > 0.5 {
				continue
			}
			per[best][f] = fusion.Skeleton3{ID: p.ID, Joints: append([]fusion.Joint3(nil), p.Joints...)}
			if p.ID != 0 {
				as = append(as, bench.Assignment{Frame: f, Track: p.ID, Athlete: sc.Truth[best].ID})
			}
		}
	}
	return per, as
}

func meanDistance(est []fusion.Joint3, truth []r3.Vec) float64 {
	var s float64
	n := 0
	for j, e := range est {
		if j < len(truth) && e.OK && !math.IsNaN(truth[j].X) {
			s += r3.Norm(r3.Sub(e.P, truth[j]))
			n++
		}
	}
	if n == 0 {
		return math.Inf(1)
	}
	return s / float64(n)
}

// positions returns a track's joints per frame, NaN where not placed.
func positions(seq []fusion.Skeleton3, joints int) [][]r3.Vec {
	out := make([][]r3.Vec, len(seq))
	nan := r3.Vec{X: math.NaN(), Y: math.NaN(), Z: math.NaN()}
	for f, s := range seq {
		out[f] = make([]r3.Vec, joints)
		for j := range out[f] {
			out[f][j] = nan
			if j < len(s.Joints) && s.Joints[j].OK {
				out[f][j] = s.Joints[j].P
			}
		}
	}
	return out
}

// TestSprintFusion: one athlete per run, 8 cameras, 2 px noise, 5 % missed
// joints, 2 % left/right swaps; after the zero-phase Butterworth filter the
// joints must be within 20 mm of the truth on average (MPJPE).
func TestSprintFusion(t *testing.T) {
	testenv.SharedData(t, "sprint-mocap")
	for _, run := range []string{"run0350cms", "run0500cms", "run0900cms"} {
		for _, set := range []*skeleton.Set{&skeleton.COCO17, &skeleton.BODY25B} {
			t.Run(fmt.Sprintf("%s/%s", run, set.Name), func(t *testing.T) {
				sc, err := bench.NewSprintScene(bench.SceneConfig{Run: run, Dir: testenv.SharedData(t, "sprint-mocap"), Set: set,
					Athletes: 1, Cameras: 8, NoisePx: 2, MissRate: 0.05, SwapRate: 0.02, OutlierRate: -1})
				if err != nil {
					t.Fatal(err)
				}
				per, _ := tracks(t, sc)
				raw, _ := bench.MPJPE(positions(per[0], set.Len()), sc.Truth[0].Joints)
				bw, err := fusion.NewButterworth(fusion.ButterworthConfig{Rate: sc.Rate, Cutoff: 12})
				if err != nil {
					t.Fatal(err)
				}
				if err := bw.FilterTrack(per[0]); err != nil {
					t.Fatal(err)
				}
				filtered, n := bench.MPJPE(positions(per[0], set.Len()), sc.Truth[0].Joints)
				t.Logf("%d frames, %d joints scored: MPJPE %.1f mm raw, %.1f mm filtered", len(sc.Frames), n, raw, filtered)
				if !(filtered <= 20) {
					t.Errorf("MPJPE after filtering %.1f mm, want <= 20", filtered)
				}
			})
		}
	}
}

// TestFourLanes: four athletes in adjacent lanes from the mocap, time
// shifted, six cameras: association precision and identity switches.
func TestFourLanes(t *testing.T) {
	dir := testenv.SharedData(t, "sprint-mocap")
	sc, err := bench.NewSprintScene(bench.SceneConfig{Dir: dir, Set: &skeleton.COCO17, Athletes: 4, Cameras: 6, Run: "run0500cms"})
	if err != nil {
		t.Fatal(err)
	}
	a, err := fusion.NewAssociator(sc.Cameras, fusion.AssociatorConfig{Mirror: sc.Set.Mirror()})
	if err != nil {
		t.Fatal(err)
	}
	var groups [][]int
	for _, fr := range sc.Frames {
		dets, who := detections(fr)
		for _, g := range a.Associate(dets) {
			if len(g) < 2 {
				continue
			}
			ids := make([]int, len(g))
			for i, m := range g {
				ids[i] = who[m]
			}
			groups = append(groups, ids)
		}
	}
	precision := bench.AssociationPrecision(groups)
	_, as := tracks(t, sc)
	switches := bench.IDSwitches(as)
	t.Logf("%d frames, 4 athletes, 6 cameras: association precision %.4f over %d groups, %d identity switches", len(sc.Frames), precision, len(groups), switches)
	if precision < 0.99 {
		t.Errorf("association precision %.4f, want >= 0.99", precision)
	}
	if switches != 0 {
		t.Errorf("%d identity switches, want 0", switches)
	}
}
