package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"gocv.io/x/gocv"

	"github.com/athlete3d/athlete3d/internal/modeltest"
	"github.com/athlete3d/athlete3d/internal/testenv"
)

// TestPoseImage runs the verb on a real photo of one person and checks the
// JSON line and the drawn image.
func TestPoseImage(t *testing.T) {
	photo := testenv.SharedData(t, "coco-val-subset/000000000785.jpg")
	modeltest.Model(t, "movenet-lightning.onnx")
	modeltest.Model(t, "centernet.onnx")
	drawn := filepath.Join(t.TempDir(), "drawn.png")

	code, stdout, stderr := run("pose", "--image", photo, "--json", "--draw", drawn)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 1 {
		t.Fatalf("got %d lines, want one JSON object for one image", len(lines))
	}
	var got poseFrameJSON
	if err := json.Unmarshal([]byte(lines[0]), &got); err != nil {
		t.Fatal(err)
	}
	if got.Frame != 0 || len(got.People) == 0 {
		t.Fatalf("got %+v, want frame 0 with people", got)
	}
	// The annotated skier stands in the box (281, 45, 219, 347).
	p := got.People[0]
	cx, cy := p.BBox[0]+p.BBox[2]/2, p.BBox[1]+p.BBox[3]/2
	if len(p.Keypoints) != 17 || cx < 281 || cx > 500 || cy < 45 || cy > 392 {
		t.Fatalf("best person %+v is not the skier", p)
	}

	img := gocv.IMRead(drawn, gocv.IMReadColor)
	defer img.Close()
	orig := gocv.IMRead(photo, gocv.IMReadColor)
	defer orig.Close()
	if img.Cols() != orig.Cols() || img.Rows() != orig.Rows() {
		t.Fatalf("drawn image is %dx%d, want %dx%d", img.Cols(), img.Rows(), orig.Cols(), orig.Rows())
	}
	diff := gocv.NewMat()
	defer diff.Close()
	gocv.AbsDiff(img, orig, &diff)
	gray := gocv.NewMat()
	defer gray.Close()
	gocv.CvtColor(diff, &gray, gocv.ColorBGRToGray)
	if n := gocv.CountNonZero(gray); n < 200 {
		t.Fatalf("only %d pixels changed: no skeleton drawn", n)
	}
}
