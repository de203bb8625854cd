package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gocv.io/x/gocv"
	"gonum.org/v1/gonum/spatial/r3"

	"github.com/athlete3d/athlete3d/calibration"
	"github.com/athlete3d/athlete3d/internal/pose2simtest"
	"github.com/athlete3d/athlete3d/pipeline/record"
	"github.com/athlete3d/athlete3d/skeleton"
)

func TestBurninVerb(t *testing.T) {
	tr := pose2simtest.BalancingTrial(t)
	calib, dirs := tr.Calib, tr.Pose2D
	video := filepath.Join(tr.Dir, "videos", "cam01.mp4")
	dir := t.TempDir()
	jsonl := filepath.Join(dir, "run.jsonl")
	if code, _, stderr := run("triangulate", "--calib", calib, "--pose2d", strings.Join(dirs, ","), "--out", jsonl); code != 0 {
		t.Fatalf("triangulate: exit %d: %s", code, stderr)
	}
	out := filepath.Join(dir, "burned.avi")
	code, stdout, stderr := run("burnin", "--video", video, "--calibration", calib, "--camera", "cam_01", "--jsonl", jsonl,
		"--ignore-distortion", "--out", out)
	if code != 0 || !strings.Contains(stdout, "100 frames, 100 with athletes drawn") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}

	// Frame 30, burned and original: they differ at the left shin's
	// midpoint reprojected, and not in the top-left corner.
	const k = 30
	burned, orig := burninFrame(t, out, k), burninFrame(t, video, k)
	defer burned.Close()
	defer orig.Close()
	f, err := os.Open(jsonl)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s, err := record.ReadJSONL(f, &skeleton.BODY25B)
	if err != nil {
		t.Fatal(err)
	}
	cams, _, err := calibration.ReadFile(calib)
	if err != nil {
		t.Fatal(err)
	}
	p := s.Frames[k].People[0]
	knee, ankle := p.Joints[skeleton.LKnee], p.Joints[skeleton.LAnkle]
	if !knee.OK || !ankle.OK {
		t.Fatal("frame 30 has no left shin")
	}
	c := cams[0].ToCamera(r3.Scale(0.5, r3.Add(knee.P, ankle.P)))
	u, v := cams[0].Pinhole(c.X/c.Z, c.Y/c.Z)
	if d := burninDiff(burned, orig, int(u), int(v), 1); d < 60 {
		t.Errorf("shin midpoint (%.0f, %.0f): burned frame differs by %d, want a bone drawn", u, v, d)
	}
	if d := burninDiff(burned, orig, 40, 40, 20); d > 30 {
		t.Errorf("top-left corner: burned frame differs by %d, want the picture untouched", d)
	}

	junk := filepath.Join(dir, "junk.mp4")
	os.WriteFile(junk, []byte("not a video"), 0o644)
	bad := filepath.Join(dir, "bad.jsonl")
	os.WriteFile(bad, []byte("{\"frame\":0,\"t\":0,\"athletes\":[]}\n{\"frame\":1,\"t\":\n"), 0o644)
	base := []string{"--video", video, "--calibration", calib, "--camera", "cam_01", "--jsonl", jsonl, "--out", filepath.Join(dir, "x.avi")}
	with := func(flag, value string) []string {
		a := append([]string(nil), base...)
		for i := range a {
			if a[i] == flag {
				a[i+1] = value
			}
		}
		return a
	}
	for _, tt := range []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"no flags", nil, 2, "required"},
		{"no output", base[:8], 2, "--out, --preview or both"},
		{"bad units", append(with("", ""), "--units", "mph"), 2, "units"},
		{"missing video", with("--video", filepath.Join(dir, "none.mp4")), 1, "none.mp4"},
		{"unreadable video", with("--video", junk), 1, "junk.mp4"},
		{"missing calibration", with("--calibration", filepath.Join(dir, "none.toml")), 1, "none.toml"},
		{"unknown camera", with("--camera", "cam_09"), 1, `no camera "cam_09" (it has cam_01, cam_02, cam_03, cam_04)`},
		{"missing jsonl", with("--jsonl", filepath.Join(dir, "none.jsonl")), 1, "none.jsonl"},
		{"malformed jsonl", with("--jsonl", bad), 1, "bad.jsonl: bad jsonl line: line 2"},
		{"wrong keypoints", append(with("", ""), "--keypoints", "coco"), 1, `is not in keypoint set coco17`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := run(append([]string{"burnin"}, tt.args...)...)
			if code != tt.code || !strings.Contains(stderr, tt.stderr) {
				t.Fatalf("exit %d, stderr %q; want %d and %q", code, stderr, tt.code, tt.stderr)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "x.avi")); err == nil {
		t.Error("a failed run left an output file")
	}
}

// burninFrame returns frame k of a video.
func burninFrame(t *testing.T, path string, k int) gocv.Mat {
	t.Helper()
	vc, err := gocv.VideoCaptureFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer vc.Close()
	m := gocv.NewMat()
	for i := 0; i <= k; i++ {
		if !vc.Read(&m) {
			m.Close()
			t.Fatalf("%s: no frame %d", path, i)
		}
	}
	return m
}

// burninDiff returns the largest channel difference of a and b's mean colours
// over the square of half-side r around (x, y).
func burninDiff(a, b gocv.Mat, x, y, r int) int {
	worst := 0
	var sa, sb [3]int
	for yy := y - r; yy <= y+r; yy++ {
		for xx := x - r; xx <= x+r; xx++ {
			va, vb := a.GetVecbAt(yy, xx), b.GetVecbAt(yy, xx)
			for c := range 3 {
				sa[c] += int(va[c])
				sb[c] += int(vb[c])
			}
		}
	}
	for c := range 3 {
		worst = max(worst, burninAbs(sa[c]-sb[c])/((2*r+1)*(2*r+1)))
	}
	return worst
}

func burninAbs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}
