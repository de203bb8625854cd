package calibrate

import (
	"context"
	"errors"
	"fmt"
	"image"
	"math"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"

	"gocv.io/x/gocv"

	"github.com/athlete3d/athlete3d/calibration/board"
)

// DetectOptions choose the frames Detect searches and how. The zero value
// searches every frame with one worker per CPU.
type DetectOptions struct {
	// Step searches every Step-th frame of a video (0 or 1: all). Images
	// are all searched.
	Step int
	// MaxFrames stops after this many frames or images searched (0: no
	// limit).
	MaxFrames int
	// Progress, if set, hears of each frame searched.
	Progress Progress
	// Workers is the number of frames searched at once; 0 means
	// runtime.NumCPU(). A video is decoded by one goroutine whatever it is.
	Workers int
}

// Detections is what a board search found in one source.
type Detections struct {
	Source Source
	Spec   board.Spec
	// Size is the image size, px.
	Size image.Point
	// Frames counts the frames or images searched.
	Frames int
	// Found holds the detections, in frame order; Found[i] was in frame
	// Frame[i] (an index into the video's frames or into Source.Images).
	Found []board.Detection
	Frame []int
	// Length is the recording's number of frames: the images given, or
	// the video's frame count (as decoded when the search read it to the
	// end, else as its container says; 0 when unknown). FPS is the
	// video's frame rate as its container says, 0 for images. The
	// synchronization checks of Extrinsics compare them.
	Length int
	FPS    float64
	// Step is the spacing of the frames searched: DetectOptions.Step for
	// a video, 1 for images.
	Step int
	// Lag is the camera's lag behind the reference camera, frames (0 for
	// synchronized cameras, or as ExtrinsicsReport.Lag estimates it):
	// ExtrinsicsFrom, CheckBoard and BoardGeometryError read this
	// camera's corners for frame k at position k + Lag of its recording,
	// interpolated between the frames around it (lag.go).
	Lag float64
}

// step returns the spacing of the frames searched, at least 1.
func (d *Detections) step() int { return max(d.Step, 1) }

// Detect searches src for the board of spec, frame by frame, opt.Workers
// frames at once, and returns what it found in frame order.
//
// Errors wrap ErrInput for a source that cannot be read: a missing file,
// a file that is not a video, an image that cannot be decoded or is
// truncated (named, with its frame), images of different sizes, a video
// whose decoding stops before the frames its container announces. When
// the board is in no frame, the error wraps ErrNoBoard and says how many
// frames were searched, what the detector saw, and whether a board of a
// neighbouring spec (another size; for ChArUco, the other colours or the
// transposed size) is in a few of the frames.
func Detect(src Source, spec board.Spec, opt DetectOptions) (*Detections, error) {
	if err := src.check(); err != nil {
		return nil, err
	}
	if err := spec.Validate(); err != nil {
		return nil, fmt.Errorf("camera %q: %w: %w", src.Name, ErrInput, err)
	}
	if opt.Step < 0 || opt.MaxFrames < 0 || opt.Workers < 0 {
		return nil, fmt.Errorf("camera %q: %w: step %d, max frames %d and workers %d must not be negative",
			src.Name, ErrInput, opt.Step, opt.MaxFrames, opt.Workers)
	}
	if opt.Workers == 0 {
		opt.Workers = runtime.NumCPU()
	}
	s := &search{src: &src, spec: spec, opt: opt, stage: src.Name + ": searching for the board"}
	var err error
	if src.Video != "" {
		err = s.video()
	} else {
		err = s.images()
	}
	if err != nil {
		return nil, fmt.Errorf("camera %q: %w", src.Name, err)
	}
	det := s.detections()
	if len(det.Found) == 0 {
		return nil, fmt.Errorf("camera %q: %w", src.Name, s.notFound())
	}
	return det, nil
}

// search is one run of Detect.
type search struct {
	src   *Source
	spec  board.Spec
	opt   DetectOptions
	stage string

	// Filled by run, by position among the frames searched.
	frames []frameResult
	length int
	fps    float64
}

// frameResult is what the search of one frame gave.
type frameResult struct {
	pos   int // position among the frames searched
	index int // frame index in the video or the images
	size  image.Point
	det   board.Detection
	found bool
	miss  string // the detector's reason when not found
	err   error  // a fatal error: the frame cannot be read
}

// job is a frame for a worker: a decoded video frame (owned by the job)
// or an image to read.
type job struct {
	pos, index int
	img        gocv.Mat
	path       string
}

// images searches the source's images.
func (s *search) images() error {
	n := len(s.src.Images)
	if s.opt.MaxFrames > 0 {
		n = min(n, s.opt.MaxFrames)
	}
	s.length = len(s.src.Images)
	return s.run(n, func(ctx context.Context, jobs chan<- job) error {
		for i := range n {
			select {
			case jobs <- job{pos: i, index: i, path: s.src.Images[i]}:
			case <-ctx.Done():
				return nil
			}
		}
		return nil
	})
}

// video searches the source's video: one goroutine decodes, the workers
// search.
func (s *search) video() error {
	path := s.src.Video
	count, fps, err := videoProps(path)
	if err != nil {
		return err
	}
	s.fps = fps
	step := max(s.opt.Step, 1)
	total := 0
	if count > 0 {
		total = (count + step - 1) / step
		if s.opt.MaxFrames > 0 {
			total = min(total, s.opt.MaxFrames)
		}
	}
	last := -1
	err = s.run(total, func(ctx context.Context, jobs chan<- job) error {
		pos := 0
		return board.Frames(path, board.FrameOptions{Step: step, Max: s.opt.MaxFrames}, func(i int, img gocv.Mat) error {
			j := job{pos: pos, index: i, img: img.Clone()}
			select {
			case jobs <- j:
			case <-ctx.Done():
				j.img.Close()
				return ctx.Err()
			}
			pos++
			last = i
			return nil
		})
	})
	if err != nil {
		if errors.Is(err, board.ErrVideo) {
			return fmt.Errorf("%w: %w", ErrInput, err)
		}
		return err
	}
	// A video read to the end must have the frames its container
	// announces: fewer means decoding stopped at a damaged frame (a
	// truncated file). One frame, or 1 %, of slack for containers that
	// estimate their count from the duration.
	reachedEnd := s.opt.MaxFrames == 0 || len(s.frames) < s.opt.MaxFrames
	switch {
	case !reachedEnd:
		s.length = count
	case count > 0 && last+step < count-max(1, count/100):
		return fmt.Errorf("%w: video %s: decoding stopped at frame %d of the %d its container announces: the file is truncated or damaged",
			ErrInput, path, last+step, count)
	case step == 1:
		s.length = last + 1
	default:
		s.length = count
	}
	return nil
}

// videoProps returns the frame count and rate a video's container
// announces (0 when unknown). A file that cannot be opened gives an error
// wrapping ErrInput.
func videoProps(path string) (count int, fps float64, err error) {
	if fi, err := os.Stat(path); err != nil {
		return 0, 0, fmt.Errorf("%w: video: %w", ErrInput, err)
	} else if fi.IsDir() {
		return 0, 0, fmt.Errorf("%w: video %s is a directory", ErrInput, path)
	}
	vc, err := gocv.VideoCaptureFileWithAPI(path, gocv.VideoCaptureFFmpeg)
	if err != nil {
		return 0, 0, fmt.Errorf("%w: %s is not a video OpenCV can open (FFmpeg), or it is damaged", ErrInput, path)
	}
	defer vc.Close()
	c, f := vc.Get(gocv.VideoCaptureFrameCount), vc.Get(gocv.VideoCaptureFPS)
	if c > 0 && c < math.MaxInt32 {
		count = int(c)
	}
	if f > 0 && !math.IsInf(f, 0) {
		fps = f
	}
	return count, fps, nil
}

// run searches frames with opt.Workers workers: produce sends the jobs
// (and returns when they are all sent, ctx is cancelled or it fails), the
// workers search them, and this goroutine collects the results in
// s.frames, reports progress (total frames, 0 if unknown) and stops the
// others at the first frame that cannot be read. Every goroutine started
// here has returned when run does.
func (s *search) run(total int, produce func(ctx context.Context, jobs chan<- job) error) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	jobs := make(chan job, s.opt.Workers)
	results := make(chan frameResult, s.opt.Workers)
	var prodErr error
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // exits when every job is sent or ctx is cancelled
		defer wg.Done()
		defer close(jobs)
		prodErr = produce(ctx, jobs)
	}()
	var workers sync.WaitGroup
	for range s.opt.Workers {
		workers.Add(1)
		go func() { // exits when jobs is closed and drained
			defer workers.Done()
			for j := range jobs {
				results <- s.searchFrame(j)
			}
		}()
	}
	go func() { // exits when the workers have
		workers.Wait()
		close(results)
	}()

	var fatal *frameResult
	done := 0
	for r := range results {
		if r.err != nil {
			if fatal == nil || r.index < fatal.index {
				fatal = &r
			}
			cancel()
			continue
		}
		for len(s.frames) <= r.pos {
			s.frames = append(s.frames, frameResult{index: -1})
		}
		s.frames[r.pos] = r
		done++
		s.opt.Progress.report(s.stage, done, total)
	}
	wg.Wait()
	if fatal != nil {
		return fatal.err
	}
	if prodErr != nil && !errors.Is(prodErr, context.Canceled) {
		return prodErr
	}
	// Frames and images come in order, so every position is filled; the
	// sizes must agree.
	for _, r := range s.frames {
		if r.size != s.frames[0].size {
			return fmt.Errorf("%w: %s is %dx%d, %s is %dx%d: one camera's images must all have one size",
				ErrInput, s.src.label(r.index), r.size.X, r.size.Y, s.src.label(s.frames[0].index), s.frames[0].size.X, s.frames[0].size.Y)
		}
	}
	return nil
}

// searchFrame reads the job's image if need be and searches it.
func (s *search) searchFrame(j job) frameResult {
	r := frameResult{pos: j.pos, index: j.index}
	img := j.img
	if j.path != "" {
		var err error
		if img, err = readImage(j.path); err != nil {
			r.err = fmt.Errorf("%w (frame %d)", err, j.index)
			return r
		}
	}
	defer img.Close()
	r.size = image.Pt(img.Cols(), img.Rows())
	d, err := board.Detect(img, s.spec)
	switch {
	case err == nil:
		r.det, r.found = d, true
	case errors.Is(err, board.ErrNotFound):
		r.miss = err.Error()
	default:
		r.err = fmt.Errorf("%w: %s: %w", ErrInput, s.src.label(j.index), err)
	}
	return r
}

// readImage decodes the image file at path in colour. A JPEG must be
// complete: OpenCV decodes a truncated one without an error, grey below
// the cut.
func readImage(path string) (gocv.Mat, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return gocv.Mat{}, fmt.Errorf("%w: %w", ErrInput, err)
	}
	if ext := strings.ToLower(path); strings.HasSuffix(ext, ".jpg") || strings.HasSuffix(ext, ".jpeg") {
		if err := checkJPEG(data); err != nil {
			return gocv.Mat{}, fmt.Errorf("%w: image %s: %w", ErrInput, path, err)
		}
	}
	img, err := gocv.IMDecode(data, gocv.IMReadColor)
	if err != nil || img.Empty() {
		if err == nil {
			img.Close()
		}
		return gocv.Mat{}, fmt.Errorf("%w: image %s cannot be decoded (%d bytes)", ErrInput, path, len(data))
	}
	return img, nil
}

// checkJPEG walks a JPEG's markers from its start (SOI) to its end (EOI)
// and reports a stream that ends first, or that is no JPEG. Data after
// EOI (as some phones append) is allowed.
func checkJPEG(b []byte) error {
	if len(b) < 4 || b[0] != 0xFF || b[1] != 0xD8 {
		return errors.New("not a JPEG file (no start-of-image marker)")
	}
	i := 2
	for i+1 < len(b) {
		if b[i] != 0xFF {
			return fmt.Errorf("damaged JPEG: no marker at byte %d", i)
		}
		m := b[i+1]
		switch {
		case m == 0xFF: // fill byte
			i++
			continue
		case m == 0xD9: // EOI
			return nil
		case m == 0x01 || (m >= 0xD0 && m <= 0xD7): // no length
			i += 2
			continue
		}
		if i+3 >= len(b) {
			break
		}
		seg := int(b[i+2])<<8 | int(b[i+3])
		if seg < 2 {
			return fmt.Errorf("damaged JPEG: segment of length %d at byte %d", seg, i)
		}
		i += 2 + seg
		if m != 0xDA { // not SOS
			continue
		}
		// Entropy-coded data runs to the next marker other than a stuffed
		// 0xFF00 or a restart marker.
		for i+1 < len(b) && (b[i] != 0xFF || b[i+1] == 0x00 || (b[i+1] >= 0xD0 && b[i+1] <= 0xD7)) {
			i++
		}
	}
	return fmt.Errorf("truncated JPEG: the data end at byte %d before the end-of-image marker", len(b))
}

// detections returns what the search found.
func (s *search) detections() *Detections {
	d := &Detections{Source: *s.src, Spec: s.spec, Frames: len(s.frames), Length: s.length, FPS: s.fps, Step: 1}
	if s.src.Video != "" {
		d.Step = max(s.opt.Step, 1)
	}
	if len(s.frames) > 0 {
		d.Size = s.frames[0].size
	}
	for _, r := range s.frames {
		if r.found {
			d.Found = append(d.Found, r.det)
			d.Frame = append(d.Frame, r.index)
		}
	}
	return d
}

// notFound is the error for a search that found no board: what was
// searched, what the detector said, and a neighbouring spec found in a
// few of the frames, if any.
func (s *search) notFound() error {
	var msg strings.Builder
	fmt.Fprintf(&msg, "no %s in the %d frames searched of %s", s.spec, len(s.frames), s.src.where())
	// The detector's own words (ChArUco: the markers it saw), twice at
	// most.
	seen := map[string]bool{}
	for _, r := range s.frames {
		if r.miss == "" || seen[r.miss] || s.spec.Kind != board.Charuco {
			continue
		}
		seen[r.miss] = true
		fmt.Fprintf(&msg, "; %s: %s", s.src.label(r.index), strings.TrimPrefix(r.miss, s.spec.String()+": "))
		if len(seen) == 2 {
			break
		}
	}
	if hint := s.neighbour(); hint != "" {
		msg.WriteString("; ")
		msg.WriteString(hint)
	}
	return fmt.Errorf("%w: %s", ErrNoBoard, msg.String())
}

// hintFrames is how many frames, spread over those searched, neighbour
// searches for boards of other specs.
const hintFrames = 3

// neighbour searches a few frames for boards of specs near s.spec, the
// usual mistakes: a chessboard's squares counted instead of its inner
// corners (or one row or column off); a ChArUco board's colours inverted,
// or its columns and rows swapped. It returns a sentence naming the
// largest found, or "".
func (s *search) neighbour() string {
	cands := neighbourSpecs(s.spec)
	if len(cands) == 0 || len(s.frames) == 0 {
		return ""
	}
	var pick []int // frame indices
	n := len(s.frames)
	for k := range min(hintFrames, n) {
		pick = append(pick, s.frames[(2*k+1)*n/(2*min(hintFrames, n))].index)
	}
	type try struct{ frame, spec int }
	var tries []try
	for _, f := range pick {
		for c := range cands {
			tries = append(tries, try{f, c})
		}
	}
	imgs := map[int]gocv.Mat{}
	defer func() {
		for _, m := range imgs {
			m.Close()
		}
	}()
	if err := s.loadFrames(pick, imgs); err != nil {
		return ""
	}
	found := make([]bool, len(tries))
	var wg sync.WaitGroup
	next := make(chan int)
	for range s.opt.Workers {
		wg.Add(1)
		go func() { // exits when next is closed
			defer wg.Done()
			for t := range next {
				img, ok := imgs[tries[t].frame]
				if !ok {
					continue
				}
				if _, err := board.Detect(img, cands[tries[t].spec]); err == nil {
					found[t] = true
				}
			}
		}()
	}
	for t := range tries {
		next <- t
	}
	close(next)
	wg.Wait()
	// The largest board found: a chessboard detector may also lock onto a
	// part of a larger board.
	best := -1
	for t, ok := range found {
		if ok && (best < 0 || cands[tries[t].spec].Len() > cands[tries[best].spec].Len()) {
			best = t
		}
	}
	if best < 0 {
		return ""
	}
	c := cands[tries[best].spec]
	why := "is the board spec right?"
	if c.Kind == board.Chessboard {
		why = "is the board spec's size right? A chessboard's size counts its inner corners, not its squares"
	}
	return fmt.Sprintf("but %s is in %s: %s", c, s.src.label(tries[best].frame), why)
}

// loadFrames decodes the frames of the source at the given indices into
// imgs, for the caller to close.
func (s *search) loadFrames(indices []int, imgs map[int]gocv.Mat) error {
	if s.src.Video == "" {
		for _, i := range indices {
			img, err := readImage(s.src.Images[i])
			if err != nil {
				return err
			}
			imgs[i] = img
		}
		return nil
	}
	want := map[int]bool{}
	last := 0
	for _, i := range indices {
		want[i] = true
		last = max(last, i)
	}
	stop := errors.New("done")
	err := board.Frames(s.src.Video, board.FrameOptions{}, func(i int, img gocv.Mat) error {
		if want[i] {
			imgs[i] = img.Clone()
		}
		if i >= last {
			return stop
		}
		return nil
	})
	if err != nil && !errors.Is(err, stop) {
		return err
	}
	return nil
}

// neighbourSpecs returns the specs neighbour tries for spec, nearest
// first.
func neighbourSpecs(spec board.Spec) []board.Spec {
	var out []board.Spec
	add := func(c board.Spec) {
		if c != spec && c.Validate() == nil && !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	switch spec.Kind {
	case board.Chessboard:
		for _, d := range [][2]int{{-1, -1}, {1, 1}, {-1, 0}, {0, -1}, {1, 0}, {0, 1}} {
			c := spec
			c.Cols, c.Rows = spec.Cols+d[0], spec.Rows+d[1]
			add(c)
		}
	case board.Charuco:
		c := spec
		c.Inverted = !spec.Inverted
		add(c)
		c = spec
		c.Cols, c.Rows = spec.Rows, spec.Cols
		add(c)
		c.Inverted = !spec.Inverted
		add(c)
	}
	return out
}
