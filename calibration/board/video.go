package board

import (
	"fmt"
	"os"

	"gocv.io/x/gocv"
)

// FrameOptions choose the frames Frames delivers. The zero value delivers
// every frame.
type FrameOptions struct {
	// Step delivers every Step-th frame (0 or 1: all); the others are
	// only grabbed (decoded, not converted to BGR).
	Step int
	// Max stops after Max frames delivered (0: no limit).
	Max int
}

// Frames decodes the video at path and calls fn with each frame chosen by
// opt, in order, with its index in the video (0-based, counting every
// frame). img is BGR, owned by Frames and reused for the next frame: clone
// it to keep it. Reading ends at the end of the video or at the first
// frame that cannot be decoded. An error from fn stops the reading and is
// returned, wrapped. A file that is missing, not a video, or has no
// decodable frame gives an error wrapping ErrVideo.
func Frames(path string, opt FrameOptions, fn func(index int, img gocv.Mat) error) error {
	if opt.Step < 0 || opt.Max < 0 {
		return fmt.Errorf("video %s: step %d and max %d must not be negative", path, opt.Step, opt.Max)
	}
	step := max(opt.Step, 1)
	// OpenCV says no more than "cannot open" whatever the cause; stat
	// first for a precise message.
	if fi, err := os.Stat(path); err != nil {
		return fmt.Errorf("video %s: %w: %w", path, ErrVideo, err)
	} else if fi.IsDir() {
		return fmt.Errorf("video %s: %w: is a directory", path, ErrVideo)
	}
	// FFmpeg only: OpenCV would otherwise try GStreamer and image
	// sequences in turn, each printing its own failure on stderr.
	vc, err := gocv.VideoCaptureFileWithAPI(path, gocv.VideoCaptureFFmpeg)
	if err != nil {
		return fmt.Errorf("video %s: %w: opencv cannot open it", path, ErrVideo)
	}
	defer vc.Close()

	img := gocv.NewMat()
	defer img.Close()
	delivered := 0
	for index := 0; ; index++ {
		if index%step != 0 {
			vc.Grab(1)
			continue
		}
		if !vc.Read(&img) || img.Empty() {
			break
		}
		if err := fn(index, img); err != nil {
			return fmt.Errorf("video %s frame %d: %w", path, index, err)
		}
		delivered++
		if opt.Max > 0 && delivered == opt.Max {
			return nil
		}
	}
	if delivered == 0 {
		return fmt.Errorf("video %s: %w: no frame could be decoded", path, ErrVideo)
	}
	return nil
}
