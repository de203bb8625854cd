package board

import "errors"

// ErrSpec means a board spec string does not parse or describes an
// impossible board. The wrapping error quotes the spec and names the bad
// part.
var ErrSpec = errors.New("bad board spec")

// ErrImage means an image cannot be searched for a board: empty, or not
// 8-bit with 1, 3 or 4 channels.
var ErrImage = errors.New("unusable image")

// ErrNotFound means no board of the spec was found in the image. It is the
// ordinary outcome for frames without the board, not a failure of the
// detector.
var ErrNotFound = errors.New("no board found")

// ErrVideo means a video cannot be opened or decoded. The wrapping error
// names the file.
var ErrVideo = errors.New("unreadable video")
