package capture

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"gocv.io/x/gocv"
)

// status is the outcome of one read.
type status int8

const (
	// readOK: dst holds the next frame.
	readOK status = iota
	// readCorrupt: a frame was consumed from the input but cannot be used
	// (an image file that does not decode, an empty or non-BGR Mat).
	readCorrupt
	// readEnd: no frame: the end of a file, or a live source that failed.
	readEnd
)

// reader is an opened input. Its methods are called from one goroutine,
// the session's. Tests stand fakes in for it (Grabber.open).
type reader interface {
	// Read decodes the next frame into dst, reusing dst's memory when the
	// size has not changed. It may block (a network read, a device).
	Read(dst *gocv.Mat) status
	// Get returns a property as OpenCV does, 0 or -1 when unknown; the
	// grabber asks for CAP_PROP_POS_MSEC and CAP_PROP_POS_FRAMES after
	// each read, CAP_PROP_FPS and CAP_PROP_FRAME_COUNT after opening.
	Get(prop gocv.VideoCaptureProperties) float64
	// Close releases the input.
	Close() error
}

// capture is a reader over an OpenCV VideoCapture.
type capture struct{ vc *gocv.VideoCapture }

func (c capture) Read(dst *gocv.Mat) status {
	if !c.vc.Read(dst) {
		return readEnd
	}
	return readOK
}

func (c capture) Get(prop gocv.VideoCaptureProperties) float64 { return c.vc.Get(prop) }

func (c capture) Close() error { return c.vc.Close() }

// openSource opens src with the backend its kind calls for.
func openSource(src source) (reader, error) {
	switch src.kind {
	case kindSequence:
		return openSequence(src.target)
	case kindVideo:
		// OpenCV says no more than "cannot open" whatever the cause; stat
		// first for a precise message.
		fi, err := os.Stat(src.target)
		if err != nil {
			return nil, fmt.Errorf("%w: video %s: %w", ErrOpen, src.target, cause(err))
		}
		if fi.IsDir() {
			return nil, fmt.Errorf("%w: video %s: is a directory", ErrOpen, src.target)
		}
	}
	// The backend is chosen explicitly: with CAP_ANY OpenCV would try
	// every backend in turn, each printing its own failure on stderr, and
	// might read a file name with digits as an image sequence.
	vc, err := gocv.VideoCaptureFileWithAPI(src.target, src.api)
	if err != nil {
		// gocv allocates the VideoCapture even when opening fails.
		vc.Close()
		why := "opencv cannot open it"
		if src.kind == kindVideo {
			why = "not a video ffmpeg can read"
		}
		return nil, fmt.Errorf("%w: %s %s: %s", ErrOpen, src.kind, src.label, why)
	}
	return capture{vc}, nil
}

// cause strips the operation and path from a file system error, for
// messages that name the path already.
func cause(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
