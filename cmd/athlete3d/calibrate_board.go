package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"gocv.io/x/gocv"

	"github.com/athlete3d/athlete3d/calibration"
	"github.com/athlete3d/athlete3d/calibration/board"
	"github.com/athlete3d/athlete3d/calibration/calibrate"
	"github.com/athlete3d/athlete3d/internal/atomicfile"
)

const intrinsicsSynopsis = "calibrate intrinsics --board SPEC [--fisheye] [--fix-k3] [--max-views N] [--step N] [--name NAME] [--json] [--out FILE] IMAGES|DIR|VIDEO..."

func calibrateIntrinsics(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("calibrate intrinsics", intrinsicsSynopsis, stderr)
	spec := fs.String("board", "", "the board `spec`")
	fisheye := fs.Bool("fisheye", false, "equidistant fisheye lens model (k1..k4) instead of Brown–Conrady (k1, k2, p1, p2, k3)")
	fixK3 := fs.Bool("fix-k3", false, "hold k3 at zero (advisable for ordinary lenses and boards with few corners)")
	maxViews := fs.Int("max-views", 40, "use at most `n` views, the sharpest and most varied")
	step := fs.Int("step", 1, "search every `n`th video frame")
	name := fs.String("name", "", "camera `name` in the file (default: from the video's or folder's name)")
	out := addOutputFlags(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	b, err := parseBoard(fs, *spec)
	if err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return misuse(fs, "give the images, a folder of images or one video")
	}
	if *maxViews < 3 || *step < 1 {
		return misuse(fs, "--max-views must be at least 3 and --step at least 1")
	}
	if _, err := out.options(); err != nil {
		return misuse(fs, "%v", err)
	}
	src, err := calibrate.NewSource(*name, fs.Args()...)
	if err != nil {
		return err
	}
	rep, err := calibrate.Intrinsics(src, b, calibrate.IntrinsicsOptions{
		Fisheye: *fisheye, FixK3: *fixK3, MaxViews: *maxViews,
		Detect: calibrate.DetectOptions{Step: *step, Progress: progressBars(stderr)},
	})
	if err != nil {
		return err
	}
	if err := out.write([]calibration.Camera{rep.Camera}, calibration.Meta{RMS: []float64{rep.RMS}, Error: rep.RMS}); err != nil {
		return err
	}
	if *out.asJSON {
		return printJSON(stdout, intrinsicsJSON(rep))
	}
	writeIntrinsics(stdout, rep)
	wrote(stdout, out)
	return nil
}

type intrinsicsSummary struct {
	Camera cameraJSON            `json:"camera"`
	RMS    float64               `json:"rms_px"`
	Frames int                   `json:"frames_searched"`
	Found  int                   `json:"frames_with_board"`
	Views  []calibrate.ViewError `json:"views"`
	StdDev []float64             `json:"std_dev"`
}

func intrinsicsJSON(r *calibrate.IntrinsicsReport) intrinsicsSummary {
	return intrinsicsSummary{
		Camera: camerasJSON([]calibration.Camera{r.Camera})[0], RMS: r.RMS,
		Frames: r.Frames, Found: r.Found, Views: r.Views, StdDev: r.StdDev,
	}
}

func writeIntrinsics(w io.Writer, r *calibrate.IntrinsicsReport) {
	c := &r.Camera
	fmt.Fprintf(w, "camera %s, %dx%d: board in %d of %d frames, %d views used\n", c.Name, c.Width, c.Height, r.Found, r.Frames, len(r.Views))
	fmt.Fprintf(w, "fx %.3f  fy %.3f  cx %.3f  cy %.3f\n", c.K[0][0], c.K[1][1], c.K[0][2], c.K[1][2])
	if len(r.StdDev) >= 4 {
		fmt.Fprintf(w, "  ±  %.3f      %.3f      %.3f      %.3f (1 σ)\n", r.StdDev[0], r.StdDev[1], r.StdDev[2], r.StdDev[3])
	}
	model := "k1 k2 p1 p2 k3"
	if c.Fisheye {
		model = "fisheye k1..k4"
	}
	fmt.Fprintf(w, "distortion (%s): %s\n", model, formatDist(c.Dist))
	fmt.Fprintf(w, "reprojection RMS %.3f px\n", r.RMS)
	var hurting []string
	for _, v := range r.Views {
		if v.Hurting {
			hurting = append(hurting, fmt.Sprintf("%s (%.2f px)", v.Label, v.RMS))
		}
	}
	if len(hurting) > 0 {
		fmt.Fprintf(w, "views that hurt: %s — check them, or leave them out and calibrate again\n", strings.Join(hurting, ", "))
	}
}

const extrinsicsSynopsis = `calibrate extrinsics --board SPEC [--intrinsics FILE[,FILE...]] [--fisheye] [--fix-k3=false] [--refine-intrinsics=false] [--estimate-lag] [--world camera|board[:FRAME]] [--align SURVEY.toml] [--reference N] [--step N] [--json] --out FILE VIDEO|DIR...
       athlete3d calibrate extrinsics --points SURVEY.toml --intrinsics FILE[,FILE...] [--json] --out FILE

With --board, one video or folder of images per camera, synchronized (frame i of
every camera at the same instant). Without --intrinsics each camera's lens is
calibrated from its own recording first. With --points, each camera is posed
from surveyed 3D points clicked in its image (a survey file: [[point]] name,
world = [x, y, z] in metres, pixels = {camera = [u, v]}); the world is the
survey's.`

func calibrateExtrinsics(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("calibrate extrinsics", extrinsicsSynopsis, stderr)
	spec := fs.String("board", "", "the board `spec`")
	points := fs.String("points", "", "pose the cameras from the surveyed points of `file` instead of a board")
	intrinsics := fs.String("intrinsics", "", "calibration `files` (comma-separated) holding the cameras' intrinsics, matched by camera name")
	fisheye := fs.Bool("fisheye", false, "fisheye lenses, when calibrating the intrinsics here")
	refineK := fs.Bool("refine-intrinsics", true, "let the bundle adjustment refine fx, fy, cx, cy, k1, k2 too")
	fixK3 := fs.Bool("fix-k3", true, "hold k3 at zero when calibrating the intrinsics here")
	lag := fs.Bool("estimate-lag", false, "estimate each camera's sub-frame lag (cameras not triggered together) and pair corners accordingly")
	world := fs.String("world", "camera", "world frame: `camera` (the reference camera's), board (the board where most cameras see it) or board:FRAME")
	align := fs.String("align", "", "then move the rig into the world of the surveyed points of `file` (rotation and translation; the board keeps the scale)")
	ref := fs.Int("reference", 0, "index of the reference camera")
	step := fs.Int("step", 1, "search every `n`th video frame")
	out := addOutputFlags(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if _, err := out.options(); err != nil {
		return misuse(fs, "%v", err)
	}
	if *out.out == "" && !*out.asJSON {
		return misuse(fs, "--out is required (or --json to print the result)")
	}
	if *points != "" {
		if *spec != "" || fs.NArg() > 0 {
			return misuse(fs, "--points takes no board and no recordings")
		}
		if *intrinsics == "" {
			return misuse(fs, "--points needs --intrinsics")
		}
		return extrinsicsFromSurvey(*points, *intrinsics, out, stdout)
	}
	b, err := parseBoard(fs, *spec)
	if err != nil {
		return err
	}
	if fs.NArg() < 2 {
		return misuse(fs, "give one video or folder of images per camera, at least two")
	}
	w, err := calibrate.ParseWorld(*world)
	if err != nil {
		return misuse(fs, "%v", err)
	}
	if *ref < 0 || *ref >= fs.NArg() || *step < 1 {
		return misuse(fs, "--reference must index a recording and --step be at least 1")
	}
	opt := calibrate.ExtrinsicsOptions{
		Fisheye: *fisheye, FixK3: *fixK3, RefineIntrinsics: *refineK, EstimateLag: *lag, Reference: *ref, World: w,
		Detect: calibrate.DetectOptions{Step: *step, Progress: progressBars(stderr)},
	}
	if *intrinsics != "" {
		if opt.Intrinsics, err = readCameras(*intrinsics); err != nil {
			return err
		}
	}
	var survey *calibration.Survey
	if *align != "" {
		if survey, err = calibration.ReadSurveyFile(*align); err != nil {
			return err
		}
	}
	srcs := make([]calibrate.Source, fs.NArg())
	for i, p := range fs.Args() {
		if srcs[i], err = calibrate.NewSource("", p); err != nil {
			return err
		}
	}
	rep, err := calibrate.Extrinsics(srcs, b, opt)
	if err != nil {
		return err
	}
	cams, meta := rep.Cameras, rep.Meta
	var aligned *calibrate.AlignReport
	if survey != nil {
		c, ar, err := calibrate.AlignToSurvey(cams, survey, false)
		if err != nil {
			return fmt.Errorf("aligning to %s: %w", *align, err)
		}
		cams, aligned = c, &ar
		meta.World = "surveyed points of " + filepath.Base(*align)
	}
	if err := out.write(cams, meta); err != nil {
		return err
	}
	if *out.asJSON {
		return printJSON(stdout, extrinsicsSummary{
			Cameras: camerasJSON(cams), RMS: rep.RMS, InitialRMS: rep.InitialRMS, CameraRMS: rep.CameraRMS,
			CameraCorners: rep.CameraCorners, Frames: rep.Frames, SharedFrames: rep.SharedFrames,
			RotationSD: rep.RotationSD, CentreSD: rep.CentreSD, World: meta.World, Aligned: aligned,
			Sync: rep.Sync, Lag: rep.Lag,
		})
	}
	for _, ir := range rep.Intrinsics {
		if ir != nil {
			writeIntrinsics(stdout, ir)
			fmt.Fprintln(stdout)
		}
	}
	fmt.Fprintf(stdout, "frames paired: %s\n", rep.Sync)
	fmt.Fprintf(stdout, "bundle adjustment over %d synchronized frames: reprojection RMS %.3f px (from %.3f)\n", rep.Frames, rep.RMS, rep.InitialRMS)
	writeCameraTable(stdout, cams, rep.CameraRMS)
	for i, l := range rep.Lag {
		fmt.Fprintf(stdout, "  %s lags the reference by %+.2f frames\n", cams[i].Name, l)
	}
	if len(rep.RotationSD) == len(cams) {
		for i := range cams {
			fmt.Fprintf(stdout, "  %s: σ rotation %.3f°, σ centre %.1f mm\n", cams[i].Name, rep.RotationSD[i], rep.CentreSD[i]*1000)
		}
	}
	if rep.RMS > 1 && !*lag {
		fmt.Fprintln(stdout, "an RMS above 1 px with sharp views often means cameras not triggered together: try --estimate-lag")
	}
	fmt.Fprintf(stdout, "world: %s\n", meta.World)
	if aligned != nil {
		fmt.Fprintf(stdout, "aligned to %d surveyed points, RMS %.1f mm\n", aligned.Points, aligned.RMS*1000)
	}
	wrote(stdout, out)
	return nil
}

type extrinsicsSummary struct {
	Cameras       []cameraJSON           `json:"cameras"`
	RMS           float64                `json:"rms_px"`
	InitialRMS    float64                `json:"initial_rms_px"`
	CameraRMS     []float64              `json:"camera_rms_px"`
	CameraCorners []int                  `json:"camera_corners"`
	Frames        int                    `json:"frames"`
	SharedFrames  [][]int                `json:"shared_frame_counts"`
	RotationSD    []float64              `json:"rotation_sd_deg"`
	CentreSD      []float64              `json:"centre_sd_m"`
	World         string                 `json:"world"`
	Sync          string                 `json:"sync"`
	Lag           []float64              `json:"lag_frames,omitempty"`
	Aligned       *calibrate.AlignReport `json:"aligned,omitempty"`
}

// extrinsicsFromSurvey poses the cameras of the intrinsics files from
// surveyed points.
func extrinsicsFromSurvey(points, intrinsics string, out outputFlags, stdout io.Writer) error {
	cams, s, err := readSurveyRig(intrinsics, points)
	if err != nil {
		return err
	}
	rep, err := calibrate.FromSurvey(cams, s)
	if err != nil {
		return err
	}
	if err := out.write(rep.Cameras, rep.Meta); err != nil {
		return err
	}
	if *out.asJSON {
		return printJSON(stdout, struct {
			Cameras   []cameraJSON                `json:"cameras"`
			CameraRMS []float64                   `json:"camera_rms_px"`
			Residuals [][]calibrate.PointResidual `json:"residuals"`
		}{camerasJSON(rep.Cameras), rep.CameraRMS, rep.Residuals})
	}
	writeCameraTable(stdout, rep.Cameras, rep.CameraRMS)
	for i, rs := range rep.Residuals {
		for _, r := range rs {
			fmt.Fprintf(stdout, "  %s %-16s %+7.2f %+7.2f px\n", rep.Cameras[i].Name, r.Name, r.DU, r.DV)
		}
	}
	wrote(stdout, out)
	return nil
}

const boardSynopsis = "calibrate board --board SPEC [--px N] --out FILE.png"

// calibrateBoard draws a board for printing.
func calibrateBoard(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("calibrate board", boardSynopsis, stderr)
	spec := fs.String("board", "", "the board `spec`")
	px := fs.Int("px", 200, "`pixels` per square")
	out := fs.String("out", "", "image `file` to write (.png)")
	if err := parse(fs, args); err != nil {
		return err
	}
	b, err := parseBoard(fs, *spec)
	if err != nil {
		return err
	}
	if *out == "" || fs.NArg() > 0 {
		return misuse(fs, "--out is required and no argument is taken")
	}
	if *px < 10 {
		return misuse(fs, "--px must be at least 10")
	}
	img, err := board.Render(b, *px)
	if err != nil {
		return err
	}
	defer img.Close()
	if err := writeImageAtomic(*out, img); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s: %s, %dx%d px; print it at %.0f dpi for squares of %g m\n",
		*out, b, img.Cols(), img.Rows(), float64(*px)/(b.Square/0.0254), b.Square)
	return nil
}

// writeImageAtomic encodes img by the file's extension and writes it
// atomically.
func writeImageAtomic(path string, img gocv.Mat) error {
	ext := strings.ToLower(filepath.Ext(path))
	var f gocv.FileExt
	switch ext {
	case ".png":
		f = gocv.PNGFileExt
	case ".jpg", ".jpeg":
		f = gocv.JPEGFileExt
	default:
		return fmt.Errorf("%s: write a .png or .jpg", path)
	}
	buf, err := gocv.IMEncode(f, img)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	defer buf.Close()
	return atomicfile.Write(path, func(w io.Writer) error {
		_, err := w.Write(buf.GetBytes())
		return err
	})
}
