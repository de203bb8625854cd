package pipeline

import (
	"fmt"
	"path/filepath"
	"sort"
	"testing"

	"gonum.org/v1/gonum/spatial/r3"

	"github.com/athlete3d/athlete3d/calibration"
	"github.com/athlete3d/athlete3d/internal/testenv"
	"github.com/athlete3d/athlete3d/pipeline/fusion"
	"github.com/athlete3d/athlete3d/pipeline/record"
	"github.com/athlete3d/athlete3d/skeleton"
)

// TestTriangulateWithBystanders runs the Pose2Sim balancing trial from the
// raw OpenPose output, bystanders included, through association and
// tracking: one track must be the participant, matching the TRC Pose2Sim
// wrote from its own associated keypoints.
func TestTriangulateWithBystanders(t *testing.T) {
	root := testenv.SharedData(t, "pose2sim-s00")
	cams, err := calibration.ReadPose2SimFile(filepath.Join(root, "S00_Calibration", "Calib_qualisys.toml"))
	if err != nil {
		t.Fatal(err)
	}
	trial := filepath.Join(root, "S00_P00_SingleParticipant", "S00_P00_T01_BalancingTrial")
	views := make([][][]record.OpenPosePerson, len(cams))
	for i := range cams {
		if views[i], _, err = record.ReadOpenPoseDir(filepath.Join(trial, "pose", fmt.Sprintf("cam%02d_json", i+1)), skeleton.BODY25B.Len()); err != nil {
			t.Fatal(err)
		}
	}
	ref, err := record.ReadTRCFile(filepath.Join(trial, "pose-3d", "S00_P00_T01_BalancingTrial_0-100.trc"))
	if err != nil {
		t.Fatal(err)
	}
	frames, err := Triangulate(OfflineConfig{Cameras: cams, Set: &skeleton.BODY25B, Triangulator: fusion.TriangulatorConfig{IgnoreDistortion: true}}, views)
	if err != nil {
		t.Fatal(err)
	}
	dist := map[int][]float64{}
	for f, fr := range frames {
		for _, p := range fr.People {
			for m, name := range ref.Markers {
				j, pt := skeleton.BODY25B.Index(name), ref.Frames[f].Points[m]
				if j < 0 || record.Missing(pt) || !p.Joints[j].OK {
					continue
				}
				// TRC (X, Y, Z) = world (Y, Z, X).
				dist[p.ID] = append(dist[p.ID], r3.Norm(r3.Sub(p.Joints[j].P, r3.Vec{X: pt.Z, Y: pt.X, Z: pt.Y})))
			}
		}
	}
	best, share := 0, 0.0
	for id, d := range dist {
		hit := 0
		for _, x := range d {
			if x <= 0.001 {
				hit++
			}
		}
		s := float64(hit) / float64(len(ref.Frames)*len(ref.Markers))
		sort.Float64s(d)
		t.Logf("track %d: %d points, median distance to Pose2Sim's participant %.1f mm, %.1f%% of the TRC within 1 mm", id, len(d), 1000*d[len(d)/2], 100*s)
		if s > share {
			best, share = id, s
		}
	}
	if best == 0 || share < 0.9 {
		t.Fatalf("no confirmed track reproduces the participant: best %d with %.1f%%", best, 100*share)
	}
}
