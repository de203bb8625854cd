package main

import (
	"fmt"
	"io"

	"github.com/athlete3d/athlete3d/calibration"
	"github.com/athlete3d/athlete3d/calibration/board"
	"github.com/athlete3d/athlete3d/calibration/calibrate"
	"github.com/athlete3d/athlete3d/calibration/solve"
	"github.com/athlete3d/athlete3d/pipeline"
	"github.com/athlete3d/athlete3d/skeleton"
)

const refineSynopsis = `calibrate refine --calib FILE --pose2d DIR[,DIR...] [--keypoints body25b|body25|coco] [--height M] [--min-score S] [--max-frames N] [--json] --out FILE

Refines the cameras' poses from the athletes' own 2D keypoints over a recording
(OpenPose JSON folders, one per camera in the calibration's order): a bundle
adjustment with no board. The scale stays the calibration's, or is set by
--height, the athlete's standing height.`

func calibrateRefine(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("calibrate refine", refineSynopsis, stderr)
	calib := fs.String("calib", "", "the calibration `file` to refine")
	pose2d := fs.String("pose2d", "", "comma-separated OpenPose JSON `folders`, one per camera in calibration order")
	keypoints := fs.String("keypoints", "body25b", "keypoint `set`: body25b, body25 or coco")
	height := fs.Float64("height", 0, "the athlete's standing height, `metres`, to set the scale (0: keep the calibration's)")
	minScore := fs.Float64("min-score", 0.3, "ignore 2D keypoints scoring below `score`")
	maxFrames := fs.Int("max-frames", 0, "use at most `n` frames, spread over the recording (0: the solver's default)")
	out := addOutputFlags(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	switch {
	case fs.NArg() != 0:
		return misuse(fs, "unexpected argument %q", fs.Arg(0))
	case *calib == "" || *pose2d == "":
		return misuse(fs, "--calib and --pose2d are required")
	case *out.out == "" && !*out.asJSON:
		return misuse(fs, "--out is required (or --json to print the result)")
	case *height < 0 || *maxFrames < 0:
		return misuse(fs, "--height and --max-frames cannot be negative")
	}
	if _, err := out.options(); err != nil {
		return misuse(fs, "%v", err)
	}
	kf, err := readKeypointFrames(fs.Name(), *calib, *pose2d, *keypoints, *minScore)
	if err != nil {
		return err
	}
	opt := calibrate.RefineOptions{MinScore: *minScore, MaxFrames: *maxFrames, Progress: progressBars(stderr)}
	if *height > 0 {
		if opt.HeightPoints, opt.KnownHeight, err = pipeline.HeightPoints(kf.set, *height); err != nil {
			return err
		}
	}
	rep, err := calibrate.Refine(kf.cams, kf.frames, opt)
	if err != nil {
		return err
	}
	if err := out.write(rep.Cameras, rep.Meta); err != nil {
		return err
	}
	if *out.asJSON {
		return printJSON(stdout, struct {
			Cameras        []cameraJSON `json:"cameras"`
			Frames         int          `json:"frames"`
			Points         int          `json:"points"`
			InitialRMS     float64      `json:"initial_rms_px"`
			RMS            float64      `json:"rms_px"`
			CameraRMS      []float64    `json:"camera_rms_px"`
			RotationChange []float64    `json:"rotation_change_deg"`
			CentreChange   []float64    `json:"centre_change_m"`
		}{camerasJSON(rep.Cameras), rep.Frames, rep.Points, rep.InitialRMS, rep.RMS, rep.CameraRMS, rep.RotationChange, rep.CentreChange})
	}
	fmt.Fprintf(stdout, "keypoints: %d frames, %d with nobody seen by two cameras, %d people placed, %d detections unconfirmed\n",
		kf.stats.Frames, kf.stats.Skipped, kf.stats.People, kf.stats.Unmatched)
	fmt.Fprintf(stdout, "refined from %d 3D keypoints over %d frames: reprojection RMS %.2f px (from %.2f)\n", rep.Points, rep.Frames, rep.RMS, rep.InitialRMS)
	writeCameraTable(stdout, rep.Cameras, rep.CameraRMS)
	for i := range rep.Cameras {
		fmt.Fprintf(stdout, "  %s moved by %.3f° and %.1f mm\n", rep.Cameras[i].Name, rep.RotationChange[i], rep.CentreChange[i]*1000)
	}
	wrote(stdout, out)
	return nil
}

// keypointFrames is a calibration with the keypoints its cameras recorded,
// each person associated across the cameras.
type keypointFrames struct {
	cams   []calibration.Camera
	set    *skeleton.Set
	frames []solve.KeypointFrame
	stats  pipeline.KeypointStats
}

// readKeypointFrames reads a calibration and the OpenPose folders recorded
// by its cameras, and associates each person across the cameras.
func readKeypointFrames(verb, calib, pose2d, keypoints string, minScore float64) (*keypointFrames, error) {
	kf := &keypointFrames{set: keypointSet(keypoints)}
	if kf.set == nil {
		return nil, fmt.Errorf("%s: keypoints %q: want body25b, body25 or coco", verb, keypoints)
	}
	var err error
	if kf.cams, _, err = calibration.ReadFile(calib); err != nil {
		return nil, err
	}
	views, err := readPose2D(kf.cams, calib, pose2d, kf.set)
	if err != nil {
		return nil, err
	}
	kf.frames, kf.stats, err = pipeline.AssociateForCalibration(kf.cams, kf.set, views, minScore)
	return kf, err
}

const checkSynopsis = `calibrate check --calib FILE [--json] (--board SPEC VIDEO|DIR... | --points SURVEY.toml | --pose2d DIR[,DIR...] [--keypoints SET])

Reports how far observations lie from where the calibration puts them, per
camera: board corners in synchronized recordings (one per camera, matched by
name or order), surveyed points' clicks, or the athletes' keypoints.`

func calibrateCheck(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("calibrate check", checkSynopsis, stderr)
	calib := fs.String("calib", "", "the calibration `file` to check")
	spec := fs.String("board", "", "check against this board `spec` in the recordings given")
	points := fs.String("points", "", "check against the surveyed points of `file`")
	pose2d := fs.String("pose2d", "", "check against the keypoints of these comma-separated OpenPose `folders`")
	keypoints := fs.String("keypoints", "body25b", "keypoint `set` of --pose2d: body25b, body25 or coco")
	minScore := fs.Float64("min-score", 0.3, "ignore 2D keypoints scoring below `score`")
	step := fs.Int("step", 1, "search every `n`th video frame for the board")
	asJSON := fs.Bool("json", false, "print the report as JSON on stdout")
	if err := parse(fs, args); err != nil {
		return err
	}
	given := 0
	for _, s := range []string{*spec, *points, *pose2d} {
		if s != "" {
			given++
		}
	}
	switch {
	case *calib == "":
		return misuse(fs, "--calib is required")
	case given != 1:
		return misuse(fs, "give exactly one of --board, --points and --pose2d")
	case *spec == "" && fs.NArg() > 0:
		return misuse(fs, "unexpected argument %q", fs.Arg(0))
	case *spec != "" && fs.NArg() == 0:
		return misuse(fs, "--board needs the recordings, one per camera")
	case *step < 1:
		return misuse(fs, "--step must be at least 1")
	}
	var rep *calibrate.CheckReport
	var err error
	switch {
	case *spec != "":
		b, perr := parseBoard(fs, *spec)
		if perr != nil {
			return perr
		}
		rep, err = checkBoard(*calib, b, fs.Args(), *step, stderr)
	case *points != "":
		rep, err = checkSurvey(*calib, *points)
	default:
		var kf *keypointFrames
		if kf, err = readKeypointFrames(fs.Name(), *calib, *pose2d, *keypoints, *minScore); err == nil {
			rep, err = calibrate.CheckKeypoints(kf.cams, kf.frames)
		}
	}
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(stdout, rep)
	}
	fmt.Fprintf(stdout, "%s: %d points, reprojection RMS %.3f px\n", rep.What, rep.Points, rep.RMS)
	fmt.Fprintf(stdout, "%-12s %8s %9s %9s %9s %9s\n", "camera", "observed", "rms px", "median", "95 %", "max")
	for _, c := range rep.Cameras {
		fmt.Fprintf(stdout, "%-12s %8d %9.3f %9.3f %9.3f %9.3f\n", c.Name, c.Observations, c.RMS, c.Median, c.P95, c.Max)
	}
	return nil
}

func checkBoard(calib string, b board.Spec, paths []string, step int, stderr io.Writer) (*calibrate.CheckReport, error) {
	cams, _, err := calibration.ReadFile(calib)
	if err != nil {
		return nil, err
	}
	dets := make([]*calibrate.Detections, len(paths))
	for i, p := range paths {
		src, err := calibrate.NewSource("", p)
		if err != nil {
			return nil, err
		}
		if dets[i], err = calibrate.Detect(src, b, calibrate.DetectOptions{Step: step, Progress: progressBars(stderr)}); err != nil {
			return nil, err
		}
	}
	return calibrate.CheckBoard(cams, dets)
}

func checkSurvey(calib, points string) (*calibrate.CheckReport, error) {
	cams, s, err := readSurveyRig(calib, points)
	if err != nil {
		return nil, err
	}
	return calibrate.CheckSurvey(cams, s)
}

const convertSynopsis = `calibrate convert [--from FORMAT] [--to FORMAT] [--unit METRES] IN OUT

Formats: project (Pose2Sim's Calib.toml), opencv-yaml, opencv-xml, anipose,
caliscope. IN's format is told from its content, OUT's from its extension
(.toml: project, .yml/.yaml, .xml) unless given. Anipose translations are in
the board's unit: --unit gives it in metres (default 0.001, millimetres).`

func calibrateConvert(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("calibrate convert", convertSynopsis, stderr)
	from := fs.String("from", "", "`format` of IN (default: detected)")
	to := fs.String("to", "", "`format` of OUT (default: from the extension)")
	unit := fs.Float64("unit", 0, "anipose only: length of one translation unit, `metres`")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		return misuse(fs, "convert takes IN and OUT")
	}
	if *unit < 0 {
		return misuse(fs, "--unit must be positive")
	}
	in, outPath := fs.Arg(0), fs.Arg(1)
	rOpt, wOpt := calibration.Options{Unit: *unit}, calibration.Options{Unit: *unit}
	var err error
	if *from != "" {
		if rOpt.Format, err = calibration.ParseFormat(*from); err != nil {
			return misuse(fs, "--from: %v", err)
		}
	}
	if *to != "" {
		if wOpt.Format, err = calibration.ParseFormat(*to); err != nil {
			return misuse(fs, "--to: %v", err)
		}
	}
	cams, meta, f, err := calibration.ReadFileWith(in, rOpt)
	if err != nil {
		return err
	}
	if err := calibration.WriteFileWith(outPath, cams, meta, wOpt); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s (%v, %d cameras) → %s\n", in, f, len(cams), outPath)
	return nil
}
