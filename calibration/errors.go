package calibration

import "errors"

// ErrFormat means a calibration file is not what its format says: a
// missing key, a value of the wrong shape or type, a non-finite number, a
// rotation matrix that is not a rotation. The wrapping error names the
// file, the line where the format has lines, the camera and the key.
// Writers return it too when handed such a camera.
var ErrFormat = errors.New("malformed calibration")

// ErrUnsupported means a calibration is well formed but cannot be carried
// across: a lens model this package does not implement (OpenCV's rational,
// thin-prism or tilted models, whose extra coefficients are not zero), a
// camera name the target format cannot spell, two cameras with one name.
var ErrUnsupported = errors.New("unsupported calibration")

// ErrUnknownFormat means DetectFormat could not tell a file's format from
// its name and content, or a format name is not one of Format's.
var ErrUnknownFormat = errors.New("unknown calibration format")
