// Package pose2simtest reads, for tests, the Pose2Sim demo in
// ../shared/data/pose2sim-s00: its Qualisys calibration and the scene
// points of its Config.toml. Tests skip when the data is absent.
package pose2simtest

import (
	"path/filepath"
	"testing"

	"github.com/BurntSushi/toml"
	"gonum.org/v1/gonum/spatial/r3"

	"github.com/athlete3d/athlete3d/calibration"
	"github.com/athlete3d/athlete3d/internal/testenv"
)

// Scene returns the demo's four cameras as Calib_qualisys.toml gives them
// and the 8 scene points its Config.toml lists for the "scene" extrinsic
// method (points an operator clicks in each camera's image): 2 m × 0.6 m
// on the floor, two of them raised 5 cm, metres. The file's distortion
// figures are Qualisys's divided by 64, not OpenCV coefficients (Pose2Sim
// triangulates without them): a test that projects through the cameras
// should zero them.
func Scene(t testing.TB) ([]calibration.Camera, []r3.Vec) {
	t.Helper()
	dir := testenv.SharedData(t, "pose2sim-s00")
	cams, err := calibration.ReadPose2SimFile(filepath.Join(dir, "S00_Calibration", "Calib_qualisys.toml"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Calibration struct {
			Calculate struct {
				Extrinsics struct {
					Scene struct {
						ObjectCoords3D [][3]float64 `toml:"object_coords_3d"`
					}
				}
			}
		}
	}
	if _, err := toml.DecodeFile(filepath.Join(dir, "Config.toml"), &cfg); err != nil {
		t.Fatal(err)
	}
	var pts []r3.Vec
	for _, p := range cfg.Calibration.Calculate.Extrinsics.Scene.ObjectCoords3D {
		pts = append(pts, r3.Vec{X: p[0], Y: p[1], Z: p[2]})
	}
	if len(cams) != 4 || len(pts) != 8 {
		t.Fatalf("got %d cameras and %d scene points, want 4 and 8", len(cams), len(pts))
	}
	return cams, pts
}

// Trial is the demo's balancing trial: the calibration, the trial's
// folder (videos/, pose-3d/) and its associated OpenPose folders, one per
// camera in the calibration's order.
type Trial struct {
	Calib, Dir string
	Pose2D     []string
}

// BalancingTrial returns the balancing trial's paths.
func BalancingTrial(t testing.TB) Trial {
	t.Helper()
	root := testenv.SharedData(t, "pose2sim-s00")
	tr := Trial{
		Calib: filepath.Join(root, "S00_Calibration", "Calib_qualisys.toml"),
		Dir:   filepath.Join(root, "S00_P00_SingleParticipant", "S00_P00_T01_BalancingTrial"),
	}
	for _, c := range []string{"cam01", "cam02", "cam03", "cam04"} {
		tr.Pose2D = append(tr.Pose2D, filepath.Join(tr.Dir, "pose-associated", c+"_json"))
	}
	return tr
}
