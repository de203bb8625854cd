package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/athlete3d/athlete3d/internal/pose2simtest"
	"github.com/athlete3d/athlete3d/pipeline/record"
)

func TestTriangulateVerb(t *testing.T) {
	tr := pose2simtest.BalancingTrial(t)
	calib, trial, dirs := tr.Calib, tr.Dir, tr.Pose2D
	out := filepath.Join(t.TempDir(), "trial.trc")
	code, stdout, stderr := run("triangulate", "--calib", calib, "--pose2d", strings.Join(dirs, ","), "--keypoints", "body25b", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "100 frames") {
		t.Errorf("stdout %q, want a summary of 100 frames", stdout)
	}
	got, err := record.ReadTRCFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want, err := record.ReadTRCFile(filepath.Join(trial, "pose-3d", "S00_P00_T01_BalancingTrial_0-100.trc"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got.Markers, ",") != strings.Join(want.Markers, ",") || len(got.Frames) != len(want.Frames) || got.Rate != want.Rate {
		t.Fatalf("layout differs from Pose2Sim's: markers %v, %d frames at %v", got.Markers, len(got.Frames), got.Rate)
	}
	if got.Frames[0].Time != want.Frames[0].Time {
		t.Errorf("first time %v, Pose2Sim writes %v", got.Frames[0].Time, want.Frames[0].Time)
	}
	// The first frame's right hip, to the micrometre.
	if d := got.Frames[0].Points[0].X - want.Frames[0].Points[0].X; d > 1e-6 || d < -1e-6 {
		t.Errorf("RHip x %v, Pose2Sim %v", got.Frames[0].Points[0].X, want.Frames[0].Points[0].X)
	}

	// Bad input.
	dir := t.TempDir()
	badCalib := filepath.Join(dir, "bad.toml")
	os.WriteFile(badCalib, []byte("[cam_01]\nmatrix = 3\n"), 0o644)
	for _, tt := range []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"no flags", nil, 2, "required"},
		{"bad set", []string{"--calib", calib, "--pose2d", "a", "--out", "x.trc", "--keypoints", "h36m"}, 2, "keypoints"},
		{"bad extension", []string{"--calib", calib, "--pose2d", "a", "--out", "x.csv"}, 2, ".trc or .jsonl"},
		{"missing calibration", []string{"--calib", filepath.Join(dir, "none.toml"), "--pose2d", "a", "--out", "x.trc"}, 1, "none.toml"},
		{"malformed calibration", []string{"--calib", badCalib, "--pose2d", "a", "--out", "x.trc"}, 1, "bad.toml"},
		{"folder count", []string{"--calib", calib, "--pose2d", dirs[0], "--out", "x.trc"}, 1, "1 keypoint folders for the 4 cameras"},
		{"empty folder", []string{"--calib", calib, "--pose2d", strings.Join([]string{dir, dir, dir, dir}, ","), "--out", "x.trc"}, 1, "no OpenPose .json files"},
		{"wrong set for the files", []string{"--calib", calib, "--pose2d", strings.Join(dirs, ","), "--keypoints", "coco", "--out", filepath.Join(dir, "x.trc")}, 1, "want 51"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := run(append([]string{"triangulate"}, tt.args...)...)
			if code != tt.code || !strings.Contains(stderr, tt.stderr) {
				t.Fatalf("exit %d, stderr %q; want %d and %q", code, stderr, tt.code, tt.stderr)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "x.trc")); err == nil {
		t.Error("a failed run left an output file")
	}
}
