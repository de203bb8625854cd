package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"

	"gocv.io/x/gocv"

	"github.com/athlete3d/athlete3d/models/movenet"
)

const poseSynopsis = "pose (--image FILE | --video FILE) [--json] [--draw OUT] [--max-people N] [--threads N]"

func runPose(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("pose", poseSynopsis, stderr)
	imagePath := fs.String("image", "", "find people in the image `file`")
	videoPath := fs.String("video", "", "find people in every frame of the video `file`")
	asJSON := fs.Bool("json", false, "print one JSON object per image or frame")
	drawPath := fs.String("draw", "", "write the annotated image or video to `file` (.avi, .mp4, or an image extension)")
	maxPeople := fs.Int("max-people", 4, "follow at most `n` people, all run in one batch")
	threads := fs.Int("threads", 0, "ONNX Runtime intra-op `threads` per model (0: one per core)")
	minScore := fs.Float64("min-score", 0.3, "draw keypoints scoring at least `score`")
	if err := parse(fs, args); err != nil {
		return err
	}
	if (*imagePath == "") == (*videoPath == "") || fs.NArg() != 0 {
		return misuse(fs, "give exactly one of --image and --video")
	}
	if *maxPeople < 1 || *threads < 0 {
		return misuse(fs, "--max-people must be at least 1 and --threads not negative")
	}

	src, err := openSource(*imagePath, *videoPath)
	if err != nil {
		return err
	}
	defer src.Close()

	tr, err := movenet.NewTracker(movenet.TrackerConfig{
		Estimator: movenet.EstimatorConfig{Batch: *maxPeople, Threads: *threads},
		Detector:  movenet.DetectorConfig{Threads: *threads},
	})
	if err != nil {
		return err
	}
	defer tr.Close()

	var sink *drawSink
	if *drawPath != "" {
		sink = &drawSink{path: *drawPath, still: *imagePath != "", fps: src.fps()}
		defer sink.Close()
	}

	frame := gocv.NewMat()
	defer frame.Close()
	progress := isTerminal(stderr) && src.video != nil
	total := src.frames()
	enc := json.NewEncoder(stdout)
	n := 0
	for ; ; n++ {
		ok, err := src.Read(&frame)
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		people, err := tr.Track(frame)
		if err != nil {
			return fmt.Errorf("%s frame %d: %w", src.name, n, err)
		}
		if *asJSON {
			if err := enc.Encode(frameJSON(n, people)); err != nil {
				return err
			}
		} else {
			fmt.Fprintf(stdout, "frame %d: people %d\n", n, len(people))
		}
		if sink != nil {
			movenet.Draw(&frame, people, float32(*minScore))
			if err := sink.Write(frame); err != nil {
				return err
			}
		}
		if progress {
			fmt.Fprintf(stderr, "\rframe %d/%d", n+1, total)
		}
	}
	if progress {
		fmt.Fprintln(stderr)
	}
	if n == 0 {
		return fmt.Errorf("%s: no frame could be decoded", src.name)
	}
	if sink != nil {
		return sink.Close()
	}
	return nil
}

type personJSON struct {
	ID        int          `json:"id"`
	BBox      [4]float64   `json:"bbox"`
	Score     float64      `json:"score"`
	Keypoints [][3]float64 `json:"keypoints"`
}

type poseFrameJSON struct {
	Frame  int          `json:"frame"`
	People []personJSON `json:"people"`
}

// frameJSON rounds pixels to 0.01 and scores to 0.001: finer is noise.
func frameJSON(n int, people []movenet.Person) poseFrameJSON {
	out := poseFrameJSON{Frame: n, People: make([]personJSON, 0, len(people))}
	for _, p := range people {
		pj := personJSON{ID: p.ID, Score: round(p.Score, 1e3), Keypoints: make([][3]float64, len(p.Pose))}
		for i, b := range p.Box {
			pj.BBox[i] = round(b, 100)
		}
		for k, kp := range p.Pose {
			pj.Keypoints[k] = [3]float64{round(kp.X, 100), round(kp.Y, 100), round(kp.Score, 1e3)}
		}
		out.People = append(out.People, pj)
	}
	return out
}

func round(v float32, scale float64) float64 { return math.Round(float64(v)*scale) / scale }

// source yields BGR frames from one image or a video file.
type source struct {
	name  string
	still *gocv.Mat
	video *gocv.VideoCapture
	done  bool
}

func openSource(imagePath, videoPath string) (*source, error) {
	if imagePath != "" {
		if _, err := os.Stat(imagePath); err != nil {
			return nil, fmt.Errorf("image %w", err)
		}
		img := gocv.IMRead(imagePath, gocv.IMReadColor)
		if img.Empty() {
			img.Close()
			return nil, fmt.Errorf("image %s: not a readable image", imagePath)
		}
		return &source{name: imagePath, still: &img}, nil
	}
	if _, err := os.Stat(videoPath); err != nil {
		return nil, fmt.Errorf("video %w", err)
	}
	vc, err := gocv.VideoCaptureFile(videoPath)
	if err != nil || !vc.IsOpened() {
		if vc != nil {
			vc.Close()
		}
		return nil, fmt.Errorf("video %s: not a readable video", videoPath)
	}
	return &source{name: videoPath, video: vc}, nil
}

// Read puts the next frame into dst; ok is false at the end.
func (s *source) Read(dst *gocv.Mat) (ok bool, err error) {
	if s.still != nil {
		if s.done {
			return false, nil
		}
		s.done = true
		s.still.CopyTo(dst)
		return true, nil
	}
	if !s.video.Read(dst) || dst.Empty() {
		return false, nil
	}
	return true, nil
}

func (s *source) fps() float64 {
	if s.video == nil {
		return 0
	}
	if f := s.video.Get(gocv.VideoCaptureFPS); f > 0 && f < 1000 {
		return f
	}
	return 25
}

// frames returns the container's frame count, or 0 when unknown.
func (s *source) frames() int {
	if s.video == nil {
		return 1
	}
	return max(0, int(s.video.Get(gocv.VideoCaptureFrameCount)))
}

func (s *source) Close() {
	if s.still != nil {
		s.still.Close()
	}
	if s.video != nil {
		s.video.Close()
	}
}

// drawSink writes annotated frames: one image, or a video opened on the
// first frame (its size is known then).
type drawSink struct {
	path  string
	still bool
	fps   float64
	w     *gocv.VideoWriter
}

func (d *drawSink) Write(frame gocv.Mat) error {
	if d.still {
		if !gocv.IMWrite(d.path, frame) {
			return fmt.Errorf("draw %s: cannot write an image there (is the extension an image type?)", d.path)
		}
		return nil
	}
	if d.w == nil {
		codec := "MJPG"
		if strings.EqualFold(filepath.Ext(d.path), ".mp4") {
			codec = "mp4v"
		}
		w, err := gocv.VideoWriterFile(d.path, codec, d.fps, frame.Cols(), frame.Rows(), true)
		if err != nil || !w.IsOpened() {
			return fmt.Errorf("draw %s: cannot open a %s video writer: %v", d.path, codec, err)
		}
		d.w = w
	}
	return d.w.Write(frame)
}

func (d *drawSink) Close() error {
	if d.w == nil {
		return nil
	}
	err := d.w.Close()
	d.w = nil
	return err
}

// isTerminal reports whether w is a terminal (progress goes only there).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
