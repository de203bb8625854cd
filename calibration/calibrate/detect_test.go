package calibrate

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gocv.io/x/gocv"

	"github.com/athlete3d/athlete3d/calibration"
	"github.com/athlete3d/athlete3d/calibration/board"
)

// clutter returns a 640×480 image of random grey ellipses on noise: a
// scene without a board.
func clutter(seed uint64) gocv.Mat {
	rng := rand.New(rand.NewPCG(seed, 7))
	b := make([]byte, 640*480)
	for i := range b {
		b[i] = byte(100 + rng.IntN(40))
	}
	img, _ := gocv.NewMatFromBytes(480, 640, gocv.MatTypeCV8UC1, b)
	for range 30 {
		c := image.Pt(rng.IntN(640), rng.IntN(480))
		ax := image.Pt(10+rng.IntN(80), 10+rng.IntN(60))
		v := float64(rng.IntN(256))
		gocv.EllipseWithParams(&img, c, ax, float64(rng.IntN(180)), 0, 360, colorOf(v), -1, gocv.LineAA, 0)
	}
	return img
}

func colorOf(v float64) color.RGBA { return color.RGBA{uint8(v), uint8(v), uint8(v), 0} }

// writeImages writes imgs (closing them) as dir/name_NN.ext.
func writeImages(t *testing.T, dir, name, ext string, imgs ...gocv.Mat) []string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var paths []string
	for i, img := range imgs {
		p := filepath.Join(dir, fmt.Sprintf("%s_%02d.%s", name, i, ext))
		ok := gocv.IMWrite(p, img)
		img.Close()
		if !ok {
			t.Fatalf("cannot write %s", p)
		}
		paths = append(paths, p)
	}
	return paths
}

// writeVideo writes imgs (closing them) as a Motion-JPEG AVI at fps
// (OpenCV's own encoder: no codec library needed).
func writeVideo(t *testing.T, path string, fps float64, imgs ...gocv.Mat) string {
	t.Helper()
	vw, err := gocv.VideoWriterFile(path, "MJPG", fps, imgs[0].Cols(), imgs[0].Rows(), true)
	if err != nil {
		t.Fatal(err)
	}
	for _, img := range imgs {
		bgr := gocv.NewMat()
		gocv.CvtColor(img, &bgr, gocv.ColorGrayToBGR)
		err := vw.Write(bgr)
		bgr.Close()
		img.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := vw.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// Frames searched in parallel come back in frame order, with their
// indices, and progress is reported once per frame from the caller's
// goroutine; a video is searched every Step-th frame.
func TestDetectOrder(t *testing.T) {
	rig := newSynthRig(6)
	dir := t.TempDir()
	// Boards at frames 1, 2, 4 and 5; clutter at 0 and 3.
	frames := func() []gocv.Mat {
		return []gocv.Mat{clutter(1), rig.render(t, 0, 1), rig.render(t, 0, 2), clutter(2), rig.render(t, 0, 4), rig.render(t, 0, 5)}
	}
	paths := writeImages(t, dir, "shot", "png", frames()...)
	var done []int
	src := Source{Name: "cam", Images: paths}
	det, err := Detect(src, rig.spec, DetectOptions{Workers: 3, Progress: func(stage string, d, total int) {
		if stage != "cam: searching for the board" || total != 6 {
			t.Errorf("got progress %q %d/%d, want \"cam: searching for the board\" of 6", stage, d, total)
		}
		done = append(done, d)
	}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(det.Frame, []int{1, 2, 4, 5}) || det.Frames != 6 || det.Length != 6 || det.Size != image.Pt(640, 480) {
		t.Errorf("got frames %v of %d (length %d, size %v), want [1 2 4 5] of 6, 640x480", det.Frame, det.Frames, det.Length, det.Size)
	}
	if !slices.Equal(done, []int{1, 2, 3, 4, 5, 6}) {
		t.Errorf("got progress %v, want 1 to 6", done)
	}

	// The same frames as a video, every other frame searched.
	video := writeVideo(t, filepath.Join(dir, "cam.avi"), 10, frames()...)
	vsrc, err := NewSource("", video)
	if err != nil {
		t.Fatal(err)
	}
	det, err = Detect(vsrc, rig.spec, DetectOptions{Step: 2, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(det.Frame, []int{2, 4}) || det.Frames != 3 || det.Step != 2 || det.Length != 6 || det.FPS != 10 {
		t.Errorf("got frames %v of %d searched (step %d, length %d, %g fps), want [2 4] of 3 (step 2, length 6, 10 fps)",
			det.Frame, det.Frames, det.Step, det.Length, det.FPS)
	}
	det, err = Detect(vsrc, rig.spec, DetectOptions{MaxFrames: 3})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(det.Frame, []int{1, 2}) || det.Frames != 3 {
		t.Errorf("got frames %v of %d searched, want [1 2] of 3", det.Frame, det.Frames)
	}
}

// Bad recordings: each a clear error wrapping the right sentinel, naming
// the file or camera and what was found.
func TestDetectBadInput(t *testing.T) {
	dir := t.TempDir()
	rig := newSynthRig(3)
	boards := writeImages(t, filepath.Join(dir, "boards"), "frame", "png", rig.render(t, 0, 0), rig.render(t, 0, 1), rig.render(t, 0, 2))
	noBoard := writeImages(t, filepath.Join(dir, "clutter"), "frame", "png", clutter(1), clutter(2), clutter(3))
	charuco := mustParse(t, "charuco:5x7:0.04:0.03:DICT_5X5_100")
	plain, err := board.Render(charuco, 60)
	if err != nil {
		t.Fatal(err)
	}
	charucoImg := writeImages(t, filepath.Join(dir, "charuco"), "frame", "png", plain)

	jpg := writeImages(t, filepath.Join(dir, "jpg"), "frame", "jpg", rig.render(t, 0, 0), rig.render(t, 0, 1))
	data, err := os.ReadFile(jpg[1])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(jpg[1], data[:len(data)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	text := filepath.Join(dir, "notes.mp4")
	if err := os.WriteFile(text, []byte("not a video\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	fakePNG := filepath.Join(dir, "fake.png")
	if err := os.WriteFile(fakePNG, []byte("not an image"), 0o644); err != nil {
		t.Fatal(err)
	}
	var frames []gocv.Mat
	for i := range 30 {
		frames = append(frames, clutter(uint64(i)))
	}
	avi := writeVideo(t, filepath.Join(dir, "whole.avi"), 25, frames...)
	data, err = os.ReadFile(avi)
	if err != nil {
		t.Fatal(err)
	}
	truncated := filepath.Join(dir, "truncated.avi")
	if err := os.WriteFile(truncated, data[:len(data)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	small := gocv.NewMatWithSize(240, 320, gocv.MatTypeCV8UC1)
	other := writeImages(t, filepath.Join(dir, "sizes"), "small", "png", small)

	chess := rig.spec
	wrongSize := chess
	wrongSize.Cols = 8
	inverted := charuco
	inverted.Inverted = true
	for _, tt := range []struct {
		name string
		src  Source
		spec board.Spec
		err  error
		msg  []string
	}{
		{"no board anywhere", Source{Name: "cam", Images: noBoard}, chess, ErrNoBoard,
			[]string{`camera "cam"`, "no chessboard:9x6:0.06 in the 3 frames searched"}},
		{"wrong chessboard size", Source{Name: "cam", Images: boards}, wrongSize, ErrNoBoard,
			[]string{"no chessboard:8x6:0.06", "but chessboard:9x6:0.06 is in frame_", "counts its inner corners"}},
		{"charuco colours inverted", Source{Name: "cam", Images: charucoImg}, inverted, ErrNoBoard,
			[]string{"but charuco:5x7:0.04:0.03:DICT_5X5_100 is in frame_00.png", "no marker of the board"}},
		{"truncated jpeg", Source{Name: "cam", Images: jpg}, chess, ErrInput,
			[]string{"frame_01.jpg", "truncated JPEG", "(frame 1)"}},
		{"text file named mp4", Source{Name: "cam", Video: text}, chess, ErrInput, []string{"notes.mp4"}},
		{"missing video", Source{Name: "cam", Video: filepath.Join(dir, "none.mp4")}, chess, ErrInput, []string{"none.mp4"}},
		{"garbage named png", Source{Name: "cam", Images: []string{boards[0], fakePNG}}, chess, ErrInput,
			[]string{"fake.png cannot be decoded", "(frame 1)"}},
		{"truncated video", Source{Name: "cam", Video: truncated}, chess, ErrInput,
			[]string{"truncated.avi", "decoding stopped at frame", "of the 30 its container announces"}},
		{"images of different sizes", Source{Name: "cam", Images: append(slices.Clone(boards[:2]), other...)}, chess, ErrInput,
			[]string{"small_00.png is 320x240", "640x480"}},
		{"bad spec", Source{Name: "cam", Images: boards}, board.Spec{Kind: board.Chessboard, Cols: 2, Rows: 2, Square: 0.1}, ErrInput,
			[]string{"want 3 to"}},
		{"no recording", Source{Name: "cam"}, chess, ErrInput, []string{`camera "cam" has neither a video nor images`}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Detect(tt.src, tt.spec, DetectOptions{})
			if !errors.Is(err, tt.err) || !containsAll(fmt.Sprint(err), tt.msg...) {
				t.Fatalf("got %v, want %v saying %q", err, tt.err, tt.msg)
			}
			t.Log(err)
		})
	}
}

// Recordings that cannot be one calibration: each a clear error wrapping
// the right sentinel.
func TestExtrinsicsBadInput(t *testing.T) {
	dir := t.TempDir()
	rig := newSynthRig(8)
	srcs := rig.write(t, filepath.Join(dir, "rig"))
	spec := rig.spec

	short := writeVideo(t, filepath.Join(dir, "short.avi"), 25, clutter(1), clutter(2), clutter(3))
	var long []gocv.Mat
	for i := range 8 {
		long = append(long, clutter(uint64(i)))
	}
	longer := writeVideo(t, filepath.Join(dir, "long.avi"), 25, long...)
	slow := writeVideo(t, filepath.Join(dir, "slow.avi"), 12, clutter(1), clutter(2), clutter(3))
	fewer := Source{Name: "fewer", Images: srcs[1].Images[:6]}
	video := func(p string) Source { return Source{Name: baseName(p), Video: p} }

	for _, tt := range []struct {
		name string
		srcs []Source
		opt  ExtrinsicsOptions
		err  error
		msg  []string
	}{
		{"one camera", srcs[:1], ExtrinsicsOptions{}, ErrInput, []string{"1 cameras, need 2"}},
		{"videos of different lengths", []Source{video(short), video(longer)}, ExtrinsicsOptions{}, ErrUnsynchronized,
			[]string{"short 3, long 8 frames"}},
		{"videos at different rates", []Source{video(short), video(slow)}, ExtrinsicsOptions{}, ErrUnsynchronized,
			[]string{"short 25, slow 12 frames per second"}},
		{"image folders of different counts", []Source{srcs[0], fewer}, ExtrinsicsOptions{}, ErrUnsynchronized,
			[]string{"cam_0 8, fewer 6 frames"}},
		{"bad reference", srcs, ExtrinsicsOptions{Reference: 3}, ErrInput, []string{"reference camera 3 of 3"}},
		{"intrinsics of another size", srcs, ExtrinsicsOptions{Intrinsics: resized(rig.cams, 1280, 960)}, ErrMismatch,
			[]string{`camera "cam_0" is calibrated for 1280x960 images`, "640x480"}},
		{"intrinsics of other cameras", srcs, ExtrinsicsOptions{Intrinsics: rig.cams[:2]}, ErrMismatch,
			[]string{"no camera named cam_2 among the 2 given (cam_0, cam_1)"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Extrinsics(tt.srcs, spec, tt.opt)
			if !errors.Is(err, tt.err) || !containsAll(fmt.Sprint(err), tt.msg...) {
				t.Fatalf("got %v, want %v saying %q", err, tt.err, tt.msg)
			}
			t.Log(err)
		})
	}

	// A camera that saw the board only when the others did not.
	dets := make([]*Detections, len(srcs))
	var err error
	for i := range srcs {
		if dets[i], err = Detect(srcs[i], spec, DetectOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	apart := *dets[2]
	apart.Found, apart.Frame = nil, nil
	for i, f := range dets[2].Frame {
		if f >= 4 {
			apart.Found, apart.Frame = append(apart.Found, dets[2].Found[i]), append(apart.Frame, f)
		}
	}
	early := make([]*Detections, 2)
	for c := range early {
		d := *dets[c]
		d.Found, d.Frame = d.Found[:4], d.Frame[:4]
		early[c] = &d
	}
	_, err = ExtrinsicsFrom([]*Detections{early[0], early[1], &apart}, ExtrinsicsOptions{Intrinsics: rig.cams})
	if !errors.Is(err, ErrTooFewViews) || !containsAll(fmt.Sprint(err), `"cam_2" (board in 4 of 8 frames, 4 usable views, 4 posed)`, "cam_0–cam_2 0", "cam_0–cam_1 4") {
		t.Fatalf("got %v, want ErrTooFewViews naming cam_2 and the shared frames", err)
	}
	t.Log(err)

	// A calibration that does not match the recordings.
	if _, err := CheckBoard(rig.cams[:2], dets); !errors.Is(err, ErrMismatch) {
		t.Errorf("check with 2 cameras for 3 recordings: got %v, want ErrMismatch", err)
	}
	if _, _, err := BoardGeometryError(resized(rig.cams, 320, 240), dets); !errors.Is(err, ErrMismatch) {
		t.Errorf("geometry with cameras of another size: got %v, want ErrMismatch", err)
	}
}

// resized returns copies of cams claiming another image size.
func resized(cams []calibration.Camera, w, h int) []calibration.Camera {
	out := slices.Clone(cams)
	for i := range out {
		out[i].Width, out[i].Height = w, h
	}
	return out
}

func TestCheckJPEG(t *testing.T) {
	img := clutter(5)
	defer img.Close()
	buf, err := gocv.IMEncode(gocv.JPEGFileExt, img)
	if err != nil {
		t.Fatal(err)
	}
	whole := slices.Clone(buf.GetBytes())
	buf.Close()
	for _, tt := range []struct {
		name string
		data []byte
		msg  string // "" when complete
	}{
		{"complete", whole, ""},
		{"data appended after the end", append(slices.Clone(whole), "trailing video"...), ""},
		{"cut in the scan", whole[:len(whole)*2/3], "truncated JPEG"},
		{"cut in the headers", whole[:40], "truncated JPEG"},
		{"not a JPEG", []byte("\x89PNG\r\n\x1a\n...."), "not a JPEG"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := checkJPEG(tt.data)
			if tt.msg == "" && err != nil {
				t.Fatalf("got %v, want nil", err)
			}
			if tt.msg != "" && (err == nil || !strings.Contains(err.Error(), tt.msg)) {
				t.Fatalf("got %v, want an error saying %q", err, tt.msg)
			}
		})
	}
}
