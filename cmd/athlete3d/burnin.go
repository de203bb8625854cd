package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"gocv.io/x/gocv"
	"gonum.org/v1/gonum/spatial/r2"
	"gonum.org/v1/gonum/spatial/r3"

	"github.com/athlete3d/athlete3d/calibration"
	"github.com/athlete3d/athlete3d/overlay/burnin"
	"github.com/athlete3d/athlete3d/pipeline/record"
	"github.com/athlete3d/athlete3d/skeleton"
)

const burninSynopsis = `burnin --video FILE --calibration FILE --camera NAME --jsonl FILE [--out FILE.mp4|FILE.avi] [--preview ADDR] [flags]

Draws the athletes of a JSONL frame stream (docs/jsonl.md) onto one
camera's video: each athlete's 3D joints reprojected through the camera's
calibration, as a skeleton, and a lower third with speed, step length and
contact time (docs/burnin.md). Video frame N shows JSONL frame
N + --offset-frames. Writes the result to --out (mp4v in .mp4, MJPG
otherwise) and/or serves it as an MJPEG stream at http://ADDR/ while it
runs (paced at the video's rate when there is no --out).`

func runBurnin(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("burnin", burninSynopsis, stderr)
	video := fs.String("video", "", "the camera's video `file`")
	calib := fs.String("calibration", "", "calibration `file` (any supported format)")
	camera := fs.String("camera", "", "the camera's `name` in the calibration")
	jsonl := fs.String("jsonl", "", "the JSONL frame stream `file` (athlete3d triangulate or run)")
	out := fs.String("out", "", "write the burned video to `file` (.mp4 or .avi)")
	preview := fs.String("preview", "", "serve an MJPEG preview at `addr` (host:port)")
	offset := fs.Int("offset-frames", 0, "video frame N shows JSONL frame N+`n`")
	units := fs.String("units", "kmh", "speed `units`: kmh or ms")
	keypoints := fs.String("keypoints", "auto", "the stream's keypoint `set`: auto (from its joint names), body25b, body25 or coco")
	ignoreDist := fs.Bool("ignore-distortion", false, "project with the pinhole model only (for calibrations whose distortion is not OpenCV's)")
	if err := parse(fs, args); err != nil {
		return err
	}
	switch {
	case fs.NArg() != 0:
		return misuse(fs, "unexpected argument %q", fs.Arg(0))
	case *video == "" || *calib == "" || *camera == "" || *jsonl == "":
		return misuse(fs, "--video, --calibration, --camera and --jsonl are required")
	case *out == "" && *preview == "":
		return misuse(fs, "give --out, --preview or both")
	case *units != "kmh" && *units != "ms":
		return misuse(fs, "units %q: want kmh or ms", *units)
	}
	var set *skeleton.Set
	if *keypoints != "auto" {
		if set = keypointSet(*keypoints); set == nil {
			return misuse(fs, "keypoints %q: want auto, body25b, body25 or coco", *keypoints)
		}
	}
	opts := burnin.Options{}
	if *units == "ms" {
		opts.Units = burnin.MS
	}

	cams, _, err := calibration.ReadFile(*calib)
	if err != nil {
		return err
	}
	cam, err := findCamera(cams, *camera, *calib)
	if err != nil {
		return err
	}
	jf, err := os.Open(*jsonl)
	if err != nil {
		return fmt.Errorf("jsonl %w", err)
	}
	defer jf.Close()
	src, err := openSource("", *video)
	if err != nil {
		return err
	}
	defer src.Close()

	// With --keypoints auto (set nil) the reader finds the set from the
	// stream's first athlete.
	b := &burner{
		cam: cam, ignoreDist: *ignoreDist,
		stream: record.NewJSONLReader(jf, set), streamName: *jsonl,
		figures: make(map[int]*burnin.Person),
	}
	var sink *drawSink
	if *out != "" {
		sink = &drawSink{path: *out, fps: src.fps()}
		defer sink.Close()
	}
	var pv *burnin.Preview
	if *preview != "" {
		ln, err := net.Listen("tcp", *preview)
		if err != nil {
			return fmt.Errorf("preview: %w", err)
		}
		pv = burnin.NewPreview()
		defer pv.Close()
		srv := &http.Server{Handler: pv, ReadHeaderTimeout: 10 * time.Second}
		go srv.Serve(ln) // returns when srv is closed below
		defer srv.Close()
		fmt.Fprintf(stderr, "preview on http://%s/\n", ln.Addr())
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var tick *time.Ticker
	if sink == nil {
		tick = time.NewTicker(time.Duration(float64(time.Second) / src.fps()))
		defer tick.Stop()
	}
	frame := gocv.NewMat()
	defer frame.Close()
	n, drawn := 0, 0
	for ; ctx.Err() == nil; n++ {
		ok, err := src.Read(&frame)
		if err != nil {
			return fmt.Errorf("video %s: frame %d: %w", *video, n, err)
		}
		if !ok {
			break
		}
		if n == 0 && (frame.Cols() != cam.Width || frame.Rows() != cam.Height) && cam.Width > 0 {
			fmt.Fprintf(stderr, "athlete3d burnin: video %s is %dx%d, camera %s calibrated at %dx%d\n",
				*video, frame.Cols(), frame.Rows(), cam.Name, cam.Width, cam.Height)
		}
		people, err := b.people(n + *offset)
		if err != nil {
			b.removeOutput(sink)
			return err
		}
		if len(people) > 0 {
			drawn++
		}
		var limbs [][2]int // the stream's set is known once it has given an athlete
		if s := b.stream.Set(); s != nil {
			limbs = s.Limbs
		}
		if err := burnin.Draw(&frame, people, limbs, opts); err != nil {
			return fmt.Errorf("video %s: frame %d: %w", *video, n, err)
		}
		if sink != nil {
			if err := sink.Write(frame); err != nil {
				b.removeOutput(sink)
				return err
			}
		}
		if pv != nil {
			if err := pv.Publish(frame); err != nil {
				return fmt.Errorf("preview: %w", err)
			}
		}
		if tick != nil {
			select {
			case <-tick.C:
			case <-ctx.Done():
			}
		}
	}
	if n == 0 {
		b.removeOutput(sink)
		return fmt.Errorf("video %s: no frame could be read", *video)
	}
	if sink != nil {
		if err := sink.Close(); err != nil {
			return fmt.Errorf("%s: %w", *out, err)
		}
	}
	name := *out
	if name == "" {
		name = "preview"
	}
	fmt.Fprintf(stdout, "%s: %d frames, %d with athletes drawn\n", name, n, drawn)
	return nil
}

// findCamera returns the camera called name in cams.
func findCamera(cams []calibration.Camera, name, path string) (*calibration.Camera, error) {
	names := make([]string, len(cams))
	for i := range cams {
		if cams[i].Name == name {
			return &cams[i], nil
		}
		names[i] = cams[i].Name
	}
	return nil, fmt.Errorf("calibration %s: no camera %q (it has %s)", path, name, strings.Join(names, ", "))
}

// burner matches video frames to the stream's frames and places the
// athletes in the picture. It reuses its buffers from frame to frame.
type burner struct {
	cam        *calibration.Camera
	ignoreDist bool

	stream     *record.JSONLReader
	streamName string
	cur        *record.JSONLFrame // the last frame line read; nil before the first
	eof        bool
	// figures holds each athlete's step length and contact time from the
	// latest touchdown read.
	figures map[int]*burnin.Person
	out     []burnin.Person
}

// people returns the athletes of stream frame number, reprojected, or
// none when the stream has no such frame.
func (b *burner) people(number int) ([]burnin.Person, error) {
	for !b.eof && (b.cur == nil || b.cur.Number < number) {
		e, err := b.stream.Next()
		if errors.Is(err, io.EOF) {
			b.eof = true
			break
		}
		if err != nil {
			return nil, fmt.Errorf("jsonl %s: %w", b.streamName, err)
		}
		if e.Frame != nil {
			b.cur = e.Frame
			continue
		}
		if ev := e.Event; !math.IsNaN(ev.StepLength) || !math.IsNaN(ev.ContactTime) {
			f := b.figure(ev.Athlete)
			if !math.IsNaN(ev.StepLength) {
				f.StepLength = ev.StepLength
			}
			if !math.IsNaN(ev.ContactTime) {
				f.ContactTime = ev.ContactTime
			}
		}
	}
	b.out = b.out[:0]
	if b.cur == nil || b.cur.Number != number {
		return b.out, nil
	}
	for i, p := range b.cur.People {
		if cap(b.out) > len(b.out) {
			b.out = b.out[:len(b.out)+1]
		} else {
			b.out = append(b.out, burnin.Person{})
		}
		q := &b.out[len(b.out)-1]
		pts := q.Points[:0]
		for _, j := range p.Joints {
			pts = append(pts, b.project(j.P, j.OK))
		}
		f := b.figure(p.ID)
		*q = burnin.Person{ID: p.ID, Points: pts, Speed: b.cur.Speeds[i], StepLength: f.StepLength, ContactTime: f.ContactTime}
	}
	return b.out, nil
}

// figure returns the figures kept for athlete id.
func (b *burner) figure(id int) *burnin.Person {
	f := b.figures[id]
	if f == nil {
		f = &burnin.Person{ID: id, StepLength: math.NaN(), ContactTime: math.NaN()}
		b.figures[id] = f
	}
	return f
}

// project returns the pixel where the camera sees X, or NaN when X is not
// placed or not in front of the camera.
func (b *burner) project(X r3.Vec, ok bool) r2.Vec {
	nan := r2.Vec{X: math.NaN(), Y: math.NaN()}
	if !ok {
		return nan
	}
	if b.ignoreDist {
		c := b.cam.ToCamera(X)
		if !(c.Z > 0) {
			return nan
		}
		u, v := b.cam.Pinhole(c.X/c.Z, c.Y/c.Z)
		return r2.Vec{X: u, Y: v}
	}
	u, v, ok := b.cam.Project(X)
	if !ok {
		return nan
	}
	return r2.Vec{X: u, Y: v}
}

// removeOutput closes and deletes a partly written video.
func (b *burner) removeOutput(sink *drawSink) {
	if sink == nil {
		return
	}
	sink.Close()
	os.Remove(sink.path)
}
