package fusion_test

import (
	"fmt"
	"math"
	"path/filepath"
	"testing"

	"gonum.org/v1/gonum/spatial/r3"

	"github.com/athlete3d/athlete3d/calibration"
	"github.com/athlete3d/athlete3d/internal/testenv"
	"github.com/athlete3d/athlete3d/pipeline/fusion"
	"github.com/athlete3d/athlete3d/pipeline/record"
	"github.com/athlete3d/athlete3d/skeleton"
)

type balancingTrial struct {
	cams  []calibration.Camera
	views [][][]record.OpenPosePerson // camera, frame, people
	trc   *record.TRC
}

func loadBalancingTrial(t *testing.T) *balancingTrial {
	t.Helper()
	root := testenv.SharedData(t, "pose2sim-s00")
	cams, err := calibration.ReadPose2SimFile(filepath.Join(root, "S00_Calibration", "Calib_qualisys.toml"))
	if err != nil {
		t.Fatal(err)
	}
	trial := filepath.Join(root, "S00_P00_SingleParticipant", "S00_P00_T01_BalancingTrial")
	bt := &balancingTrial{cams: cams}
	for i := range cams {
		frames, _, err := record.ReadOpenPoseDir(filepath.Join(trial, "pose-associated", fmt.Sprintf("cam%02d_json", i+1)), skeleton.BODY25B.Len())
		if err != nil {
			t.Fatal(err)
		}
		bt.views = append(bt.views, frames)
	}
	bt.trc, err = record.ReadTRCFile(filepath.Join(trial, "pose-3d", "S00_P00_T01_BalancingTrial_0-100.trc"))
	if err != nil {
		t.Fatal(err)
	}
	return bt
}

// agreement triangulates the trial and returns the share of the shipped
// TRC's points matched within 1 mm, the median distance and the median
// reprojection error.
func (bt *balancingTrial) agreement(t *testing.T, cfg fusion.TriangulatorConfig) (within1mm, median, reproj float64, n int) {
	tri, err := fusion.NewTriangulator(bt.cams, cfg)
	if err != nil {
		t.Fatal(err)
	}
	obs := make([]fusion.Observation, len(bt.cams))
	var d, e []float64
	hit := 0
	for f, row := range bt.trc.Frames {
		for _, name := range record.TRCMarkers(&skeleton.BODY25B) {
			ref := row.Points[bt.trc.Marker(name)]
			if record.Missing(ref) {
				continue
			}
			j := skeleton.BODY25B.Index(name)
			for c := range bt.cams {
				obs[c] = fusion.Observation{}
				if people := bt.views[c][f]; len(people) > 0 {
					kp := people[0][j]
					obs[c] = fusion.Observation{X: kp[0], Y: kp[1], Score: kp[2]}
				}
			}
			got := tri.Joint(obs)
			if !got.OK {
				continue
			}
			// TRC (X, Y, Z) = world (Y, Z, X).
			world := r3.Vec{X: ref.Z, Y: ref.X, Z: ref.Y}
			dist := r3.Norm(r3.Sub(got.P, world))
			d = append(d, dist)
			e = append(e, got.Error)
			if dist <= 0.001 {
				hit++
			}
		}
	}
	n = len(d)
	return float64(hit) / float64(n), medianOf(d), medianOf(e), n
}

// TestPose2SimParity triangulates the Pose2Sim demo's balancing trial from
// its associated OpenPose keypoints and compares with the TRC Pose2Sim wrote.
func TestPose2SimParity(t *testing.T) {
	bt := loadBalancingTrial(t)
	share, med, rep, n := bt.agreement(t, fusion.TriangulatorConfig{Selection: fusion.KeepAll, IgnoreDistortion: true})
	t.Logf("all views with score >= 0.3: %.1f%% of %d points within 1 mm of Pose2Sim's TRC, median %.2f mm; median reprojection error %.2f px", 100*share, n, 1000*med, rep)
	if share < 0.60 {
		t.Errorf("%.1f%% of points within 1 mm, want >= 60%%", 100*share)
	}
	share, med, rep, n = bt.agreement(t, fusion.TriangulatorConfig{IgnoreDistortion: true})
	t.Logf("with rejection above 15 px: %.1f%% of %d points within 1 mm, median %.2f mm; median reprojection error %.2f px", 100*share, n, 1000*med, rep)
}

func medianOf(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := append([]float64(nil), v...)
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	return s[len(s)/2]
}
