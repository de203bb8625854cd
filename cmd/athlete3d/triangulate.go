package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/athlete3d/athlete3d/calibration"
	"github.com/athlete3d/athlete3d/internal/atomicfile"
	"github.com/athlete3d/athlete3d/pipeline"
	"github.com/athlete3d/athlete3d/pipeline/fusion"
	"github.com/athlete3d/athlete3d/pipeline/record"
	"github.com/athlete3d/athlete3d/skeleton"
)

const triangulateSynopsis = "triangulate --calib FILE --pose2d DIR[,DIR...] [--format openpose] [--keypoints body25b|body25|coco] --out FILE.trc|FILE.jsonl [--fps N]"

func runTriangulate(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("triangulate", triangulateSynopsis, stderr)
	calib := fs.String("calib", "", "calibration `file` (any supported format)")
	pose2d := fs.String("pose2d", "", "comma-separated OpenPose JSON `folders`, one per camera in calibration order")
	format := fs.String("format", "openpose", "2D keypoint `format` (openpose)")
	keypoints := fs.String("keypoints", "body25b", "keypoint `set`: body25b, body25 or coco")
	out := fs.String("out", "", "write the 3D result to `file` (.trc or .jsonl)")
	fps := fs.Float64("fps", 60, "frame `rate` of the recording")
	minScore := fs.Float64("min-score", 0.3, "ignore 2D keypoints scoring below `score`")
	maxError := fs.Float64("max-error", 15, "drop views while the mean reprojection error exceeds `pixels`")
	keepAll := fs.Bool("keep-all", false, "use every view above --min-score, with no rejection")
	undistort := fs.Bool("undistort", false, "undistort keypoints with the calibration's lens model (Pose2Sim does not)")
	refine := fs.Bool("refine", false, "polish each joint by Gauss-Newton on the reprojection error")
	filter := fs.Float64("filter", 0, "smooth each person's joints with a zero-phase Butterworth low-pass at `hz` (0: raw, as Pose2Sim's unfiltered TRC)")
	if err := parse(fs, args); err != nil {
		return err
	}
	switch {
	case fs.NArg() != 0:
		return misuse(fs, "unexpected argument %q", fs.Arg(0))
	case *calib == "" || *pose2d == "" || *out == "":
		return misuse(fs, "--calib, --pose2d and --out are required")
	case *format != "openpose":
		return misuse(fs, "format %q: only openpose is read", *format)
	case !(*fps > 0):
		return misuse(fs, "--fps must be positive")
	case *filter < 0 || (*filter > 0 && *filter >= *fps/2):
		return misuse(fs, "--filter must be 0 or below half the frame rate")
	}
	set := keypointSet(*keypoints)
	if set == nil {
		return misuse(fs, "keypoints %q: want body25b, body25 or coco", *keypoints)
	}
	ext := strings.ToLower(filepath.Ext(*out))
	if ext != ".trc" && ext != ".jsonl" {
		return misuse(fs, "--out %s: the extension must be .trc or .jsonl", *out)
	}

	cams, _, err := calibration.ReadFile(*calib)
	if err != nil {
		return err
	}
	views, err := readPose2D(cams, *calib, *pose2d, set)
	if err != nil {
		return err
	}
	cfg := pipeline.OfflineConfig{Cameras: cams, Set: set, Rate: *fps, Triangulator: fusion.TriangulatorConfig{
		MinScore: *minScore, MaxError: *maxError, Refine: *refine, IgnoreDistortion: !*undistort,
	}}
	if *keepAll {
		cfg.Triangulator.Selection = fusion.KeepAll
	}
	frames, err := pipeline.Triangulate(cfg, views)
	if err != nil {
		return err
	}
	if *filter > 0 {
		if err := pipeline.Smooth(frames, set, *fps, *filter); err != nil {
			return err
		}
	}
	placed, total := 0, 0
	for _, f := range frames {
		for _, p := range f.People {
			for _, j := range p.Joints {
				total++
				if j.OK {
					placed++
				}
			}
		}
	}
	if err := writeFrames(*out, ext, set, *fps, frames, stdout); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: %d frames, %d of %d joints placed\n", *out, len(frames), placed, total)
	return nil
}

// writeFrames writes the result: one JSONL file, or one TRC file per
// tracked person (FILE.trc when there is one, FILE_idN.trc otherwise, as
// Pose2Sim writes one TRC per person).
func writeFrames(path, ext string, set *skeleton.Set, fps float64, frames []pipeline.Frame3, stdout io.Writer) error {
	if ext == ".jsonl" {
		reports, err := pipeline.Analyze(frames, set, fps)
		if err != nil {
			return err
		}
		return atomicfile.Write(path, func(f io.Writer) error { return pipeline.WriteJSONL(f, set, frames, reports) })
	}
	ids := pipeline.TrackIDs(frames)
	for _, id := range ids {
		name := path
		if len(ids) > 1 {
			name = strings.TrimSuffix(path, filepath.Ext(path)) + fmt.Sprintf("_id%d", id) + filepath.Ext(path)
			fmt.Fprintf(stdout, "person %d: %s\n", id, name)
		}
		poses := make([]*fusion.Skeleton3, len(frames))
		for i := range frames {
			for k := range frames[i].People {
				if frames[i].People[k].ID == id {
					poses[i] = &frames[i].People[k]
				}
			}
		}
		trc := record.PersonTRC(set, fps, poses)
		trc.Name = filepath.Base(name)
		if err := atomicfile.Write(name, trc.Write); err != nil {
			return err
		}
	}
	return nil
}

// keypointSet returns the keypoint set a --keypoints flag names, nil if
// none.
func keypointSet(name string) *skeleton.Set {
	if set := skeleton.ByName(map[string]string{"coco": "coco17"}[name]); set != nil {
		return set
	}
	return skeleton.ByName(name)
}

// readPose2D reads comma-separated OpenPose folders, one per camera of the
// calibration file calib, in its order.
func readPose2D(cams []calibration.Camera, calib, pose2d string, set *skeleton.Set) ([][][]record.OpenPosePerson, error) {
	dirs := strings.Split(pose2d, ",")
	if len(dirs) != len(cams) {
		return nil, fmt.Errorf("%d keypoint folders for the %d cameras of %s", len(dirs), len(cams), calib)
	}
	views := make([][][]record.OpenPosePerson, len(dirs))
	for i, d := range dirs {
		var err error
		if views[i], _, err = record.ReadOpenPoseDir(d, set.Len()); err != nil {
			return nil, fmt.Errorf("camera %s: %w", cams[i].Name, err)
		}
	}
	return views, nil
}
