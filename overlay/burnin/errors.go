package burnin

import "errors"

// Sentinel errors; functions wrap them with what was found, so check them
// with errors.Is.
var (
	// ErrImage reports an image Draw or Publish cannot take: empty, or
	// not 8-bit BGR.
	ErrImage = errors.New("unsupported image")

	// ErrClosed reports a Publish after Close.
	ErrClosed = errors.New("preview closed")

	// ErrEncode reports a frame OpenCV could not encode as JPEG.
	ErrEncode = errors.New("jpeg encoding failed")
)
