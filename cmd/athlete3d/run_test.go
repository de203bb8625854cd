package main

import (
	"math"
	"path/filepath"
	"sort"
	"sync"
	"testing"

	"gonum.org/v1/gonum/spatial/r3"

	"github.com/athlete3d/athlete3d/internal/modeltest"
	"github.com/athlete3d/athlete3d/internal/testenv"
	"github.com/athlete3d/athlete3d/pipeline"
	"github.com/athlete3d/athlete3d/pipeline/fusion"
	"github.com/athlete3d/athlete3d/pipeline/record"
	"github.com/athlete3d/athlete3d/skeleton"
)

// keepSink keeps a copy of every fused frame.
type keepSink struct {
	mu     sync.Mutex
	frames [][]fusion.Skeleton3
}

func (k *keepSink) Name() string { return "test" }
func (k *keepSink) Close() error { return nil }
func (k *keepSink) Write(f *pipeline.Fused) error {
	defer f.Release()
	var ps []fusion.Skeleton3
	for _, p := range f.People {
		ps = append(ps, fusion.Skeleton3{ID: p.ID, Joints: append([]fusion.Joint3(nil), p.Joints...)})
	}
	k.mu.Lock()
	k.frames = append(k.frames, ps)
	k.mu.Unlock()
	return nil
}

// TestRunPose2Sim runs the committed configuration examples/pose2sim.toml
// (the Pose2Sim demo's balancing trial: four real videos and the shipped
// calibration) through the whole pipeline, grabbers to fused frames, and
// holds the result against Pose2Sim's own triangulation of OpenPose
// keypoints (its TRC): the acceptance figures.
func TestRunPose2Sim(t *testing.T) {
	data := testenv.SharedData(t, "pose2sim-s00/S00_P00_SingleParticipant/S00_P00_T01_BalancingTrial")
	modeltest.Runtime(t)
	cfg, err := pipeline.LoadConfig(filepath.Join("..", "..", "examples", "pose2sim.toml"))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Sinks[0].Path = filepath.Join(t.TempDir(), "run.jsonl")
	keep := &keepSink{}
	r, err := buildRun(cfg, keep)
	if err != nil {
		t.Fatal(err)
	}
	defer r.close()
	if err := r.engine.Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	ref, err := record.ReadTRCFile(filepath.Join(data, "pose-3d", "S00_P00_T01_BalancingTrial_0-100.trc"))
	if err != nil {
		t.Fatal(err)
	}
	set := &skeleton.COCO17
	body := []string{"LShoulder", "RShoulder", "LElbow", "RElbow", "LWrist", "RWrist", "LHip", "RHip", "LKnee", "RKnee", "LAnkle", "RAnkle"}
	limbs := [][2]string{{"LHip", "LKnee"}, {"RHip", "RKnee"}, {"LKnee", "LAnkle"}, {"RKnee", "RAnkle"},
		{"LShoulder", "LElbow"}, {"RShoulder", "RElbow"}, {"LElbow", "LWrist"}, {"RElbow", "RWrist"}}
	marker := map[string]int{}
	for m, name := range ref.Markers {
		marker[name] = m
	}

	if len(keep.frames) != len(ref.Frames) {
		t.Fatalf("got %d fused frames, want %d", len(keep.frames), len(ref.Frames))
	}
	var dist, reproj []float64
	perJoint := map[string][]float64{}
	lengths := make([][]float64, len(limbs))
	placed := 0
	for f, people := range keep.frames {
		// The participant: the person nearest Pose2Sim's pelvis (bystanders
		// and a plastic skeleton stand in some views).
		hip := ref.Frames[f].Points[marker["Hip"]]
		pelvis := r3.Vec{X: hip.Z, Y: hip.X, Z: hip.Y} // TRC (X, Y, Z) = world (Y, Z, X)
		var best *fusion.Skeleton3
		bestD := math.Inf(1)
		for i := range people {
			p := &people[i]
			l, r := p.Joints[set.Index("LHip")], p.Joints[set.Index("RHip")]
			if !l.OK || !r.OK {
				continue
			}
			if d := r3.Norm(r3.Sub(r3.Scale(0.5, r3.Add(l.P, r.P)), pelvis)); d < bestD {
				best, bestD = p, d
			}
		}
		if best == nil || bestD > 0.3 {
			continue
		}
		placed++
		for _, name := range body {
			j := best.Joints[set.Index(name)]
			pt := ref.Frames[f].Points[marker[name]]
			if !j.OK || record.Missing(pt) {
				continue
			}
			d := r3.Norm(r3.Sub(j.P, r3.Vec{X: pt.Z, Y: pt.X, Z: pt.Y}))
			dist = append(dist, d)
			perJoint[name] = append(perJoint[name], d)
			reproj = append(reproj, j.Error)
		}
		for i, l := range limbs {
			a, b := best.Joints[set.Index(l[0])], best.Joints[set.Index(l[1])]
			if a.OK && b.OK {
				lengths[i] = append(lengths[i], r3.Norm(r3.Sub(a.P, b.P)))
			}
		}
	}
	median := func(xs []float64) float64 {
		s := append([]float64(nil), xs...)
		sort.Float64s(s)
		return s[len(s)/2]
	}
	share := float64(placed) / float64(len(ref.Frames))
	md, mr := 1000*median(dist), median(reproj)
	var sdSum float64
	for i, ls := range lengths {
		var mean, ss float64
		for _, x := range ls {
			mean += x
		}
		mean /= float64(len(ls))
		for _, x := range ls {
			ss += (x - mean) * (x - mean)
		}
		sd := math.Sqrt(ss / float64(len(ls)-1))
		sdSum += sd
		t.Logf("limb %s-%s: mean %.1f mm, SD %.1f mm over %d frames", limbs[i][0], limbs[i][1], 1000*mean, 1000*sd, len(ls))
	}
	sd := 1000 * sdSum / float64(len(limbs))
	for _, name := range body {
		t.Logf("%-9s median distance to Pose2Sim %.1f mm", name, 1000*median(perJoint[name]))
	}
	t.Logf("skeleton in %.0f %% of frames; body joints' median distance %.1f mm; limb length SD %.1f mm; median reprojection error %.2f px",
		100*share, md, sd, mr)
	if share < 0.95 || md > 50 {
		t.Errorf("got a skeleton in %.0f %% of frames at %.1f mm; want ≥ 95 %% and ≤ 50 mm", 100*share, md)
	}
	// The issue also asks for a limb length SD ≤ 12 mm and a median
	// reprojection error ≤ 10 px. Neither is met yet (22.3 mm, Pose2Sim's
	// raw TRC has 22 mm; 11.8 px): the issue stays open on them, and this
	// test will assert them once the pose step and the filters reach them.
	if sd > 12 || mr > 10 {
		t.Logf("not yet at the issue's bars: limb SD %.1f mm (≤ 12), reprojection %.2f px (≤ 10)", sd, mr)
	}
}
