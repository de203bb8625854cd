package capture

import "errors"

var (
	// ErrConfig means a SourceConfig cannot be used: an empty or unknown
	// URL, a negative or non-finite number, an image sequence without a
	// frame rate.
	ErrConfig = errors.New("invalid source configuration")

	// ErrOpen means an offline input cannot be read: the file is missing,
	// is a directory, is not a video OpenCV can decode, or yields no
	// usable frame; an image sequence matches no file. Live sources never
	// return it: they retry.
	ErrOpen = errors.New("cannot open source")

	// ErrStalled means a read gave no frame within the stall timeout. An
	// offline run ends with it; a live source reports it in
	// Stats.LastError and reconnects.
	ErrStalled = errors.New("source stalled")

	// ErrRunning means Run was called while another Run of the same
	// Grabber was going on.
	ErrRunning = errors.New("grabber already running")

	// ErrPoolClosed means Get was called on a closed Pool.
	ErrPoolClosed = errors.New("frame pool closed")
)
