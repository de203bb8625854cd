package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/athlete3d/athlete3d/calibration"
	"github.com/athlete3d/athlete3d/calibration/board"
	"github.com/athlete3d/athlete3d/calibration/calibrate"
	"github.com/athlete3d/athlete3d/internal/progress"
)

const calibrateSynopsis = `calibrate <subcommand> [arguments]

Subcommands:
	intrinsics  a camera's lens from a board in images or a video
	extrinsics  several cameras' poses from a board in synchronized videos, or from surveyed points
	refine      the cameras' poses from the athletes' own 2D keypoints over a recording
	check       a calibration's reprojection errors against boards, surveyed points or keypoints
	convert     a calibration file from one format to another
	board       an image of a board to print

Boards: chessboard:COLSxROWS:SQUARE_M (inner corners) or
charuco:COLSxROWS:SQUARE_M:MARKER_M:DICT[:inverted] (squares).
Calibration files: the project's TOML (Pose2Sim's Calib.toml), OpenCV YAML/XML,
anipose calibration.toml, caliscope camera_array.toml; told apart by content.

Use "athlete3d calibrate <subcommand> -h" for more.`

func runCalibrate(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("calibrate", calibrateSynopsis, stderr)
	fs.Usage = func() { fmt.Fprintf(stderr, "usage: athlete3d %s\n", calibrateSynopsis) }
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return misuse(fs, "missing subcommand")
	}
	sub, rest := fs.Arg(0), fs.Args()[1:]
	switch sub {
	case "intrinsics":
		return calibrateIntrinsics(rest, stdout, stderr)
	case "extrinsics":
		return calibrateExtrinsics(rest, stdout, stderr)
	case "refine":
		return calibrateRefine(rest, stdout, stderr)
	case "check":
		return calibrateCheck(rest, stdout, stderr)
	case "convert":
		return calibrateConvert(rest, stdout, stderr)
	case "board":
		return calibrateBoard(rest, stdout, stderr)
	default:
		return misuse(fs, "unknown subcommand %q", sub)
	}
}

// outputFlags are the flags every solving subcommand shares: where the
// calibration goes and how the summary is printed.
type outputFlags struct {
	out    *string
	format *string
	unit   *float64
	asJSON *bool
}

func addOutputFlags(fs *flag.FlagSet) outputFlags {
	return outputFlags{
		out:    fs.String("out", "", "write the calibration to `file`, atomically (nothing is written on failure)"),
		format: fs.String("format", "", "`format` of --out: project (default for .toml), opencv-yaml, opencv-xml, anipose, caliscope"),
		unit:   fs.Float64("unit", 0, "anipose files only: length of one translation unit, `metres` (default 0.001: millimetres)"),
		asJSON: fs.Bool("json", false, "print the summary as JSON on stdout"),
	}
}

// options returns the file options of --format and --unit.
func (o outputFlags) options() (calibration.Options, error) {
	opt := calibration.Options{Unit: *o.unit}
	if *o.format != "" {
		f, err := calibration.ParseFormat(*o.format)
		if err != nil {
			return opt, err
		}
		opt.Format = f
	}
	return opt, nil
}

// write writes cams to --out if it is set.
func (o outputFlags) write(cams []calibration.Camera, m calibration.Meta) error {
	if *o.out == "" {
		return nil
	}
	opt, err := o.options()
	if err != nil {
		return err
	}
	if m.Tool == "" {
		m.Tool = "athlete3d"
	}
	return calibration.WriteFileWith(*o.out, cams, m, opt)
}

// readCameras reads and merges the cameras of comma-separated calibration
// files, refusing a camera name given twice.
func readCameras(list string) ([]calibration.Camera, error) {
	var cams []calibration.Camera
	seen := map[string]string{}
	for _, path := range strings.Split(list, ",") {
		if path = strings.TrimSpace(path); path == "" {
			continue
		}
		cs, _, err := calibration.ReadFile(path)
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			if prev, ok := seen[c.Name]; ok && c.Name != "" {
				return nil, fmt.Errorf("camera %q is in both %s and %s", c.Name, prev, path)
			}
			seen[c.Name] = path
			cams = append(cams, c)
		}
	}
	if len(cams) == 0 {
		return nil, fmt.Errorf("no calibration file in %q", list)
	}
	return cams, nil
}

// readSurveyRig reads the cameras of comma-separated calibration files
// and a survey file.
func readSurveyRig(calibs, points string) ([]calibration.Camera, *calibration.Survey, error) {
	cams, err := readCameras(calibs)
	if err != nil {
		return nil, nil, err
	}
	s, err := calibration.ReadSurveyFile(points)
	if err != nil {
		return nil, nil, err
	}
	return cams, s, nil
}

// parseBoard parses --board, required.
func parseBoard(fs *flag.FlagSet, spec string) (board.Spec, error) {
	if spec == "" {
		return board.Spec{}, misuse(fs, "--board is required")
	}
	s, err := board.Parse(spec)
	if err != nil {
		return board.Spec{}, misuse(fs, "%v", err)
	}
	return s, nil
}

// progressBars draws one bar per stage of a run on w (a terminal; nothing
// otherwise).
func progressBars(w io.Writer) calibrate.Progress {
	var bar *progress.Bar
	var stage string
	var done int
	return func(s string, n, total int) {
		if bar == nil || s != stage {
			if bar != nil {
				bar.Done()
			}
			bar, stage, done = progress.New(w, s, total), s, 0
		}
		bar.Add(n - done)
		done = n
		if total > 0 && n >= total {
			bar.Done()
			bar = nil
		}
	}
}

// printJSON writes v as indented JSON.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// cameraJSON is a camera as the JSON summaries print it: OpenCV's
// conventions, with the rotation as a Rodrigues vector and the optical
// centre in world coordinates beside the translation.
type cameraJSON struct {
	Name    string        `json:"name"`
	Size    [2]int        `json:"size"`
	K       [3][3]float64 `json:"K"`
	Dist    []float64     `json:"dist"`
	Fisheye bool          `json:"fisheye,omitempty"`
	Rvec    [3]float64    `json:"rvec"`
	Tvec    [3]float64    `json:"tvec"`
	Centre  [3]float64    `json:"centre"`
}

func camerasJSON(cams []calibration.Camera) []cameraJSON {
	out := make([]cameraJSON, len(cams))
	for i := range cams {
		c := &cams[i]
		rv, ctr := calibration.RotationVector(c.R), c.Center()
		out[i] = cameraJSON{
			Name: c.Name, Size: [2]int{c.Width, c.Height}, K: c.K, Dist: c.Dist, Fisheye: c.Fisheye,
			Rvec: [3]float64{rv.X, rv.Y, rv.Z}, Tvec: [3]float64{c.T.X, c.T.Y, c.T.Z},
			Centre: [3]float64{ctr.X, ctr.Y, ctr.Z},
		}
	}
	return out
}

// writeCameraTable prints each camera's intrinsics and pose in a line.
func writeCameraTable(w io.Writer, cams []calibration.Camera, rms []float64) {
	fmt.Fprintf(w, "%-12s %9s %9s %8s %8s %8s  %-22s %s\n", "camera", "fx", "fy", "cx", "cy", "rms px", "centre m", "k")
	for i := range cams {
		c := &cams[i]
		r := math.NaN()
		if i < len(rms) {
			r = rms[i]
		}
		ctr := c.Center()
		fmt.Fprintf(w, "%-12s %9.2f %9.2f %8.2f %8.2f %8.3f  %-22s %s\n", c.Name, c.K[0][0], c.K[1][1], c.K[0][2], c.K[1][2], r,
			fmt.Sprintf("%.3f %.3f %.3f", ctr.X, ctr.Y, ctr.Z), formatDist(c.Dist))
	}
}

func formatDist(d []float64) string {
	parts := make([]string, len(d))
	for i, v := range d {
		parts[i] = fmt.Sprintf("%.4g", v)
	}
	return strings.Join(parts, " ")
}

// wrote reports where the calibration went.
func wrote(w io.Writer, o outputFlags) {
	if *o.out != "" && !*o.asJSON {
		fmt.Fprintf(w, "wrote %s\n", *o.out)
	}
}
