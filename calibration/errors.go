package calibration

import "errors"

// ErrFormat means a calibration file is not what its format says: a
// missing key, a value of the wrong shape or type, a non-finite number. The
// wrapping error names the file, the camera and the key.
var ErrFormat = errors.New("malformed calibration")
