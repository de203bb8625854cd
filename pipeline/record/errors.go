package record

import "errors"

// Sentinel errors. Functions wrap them with the line number and what was
// found, so check them with errors.Is.
var (
	// ErrHeader reports a TRC header (the first five lines) that is missing,
	// truncated or malformed.
	ErrHeader = errors.New("bad trc header")

	// ErrRow reports a TRC data row that cannot be read: a frame number or
	// time that is not a number, a coordinate that is neither a number nor
	// missing, or more values than the header has markers for.
	ErrRow = errors.New("bad trc row")

	// ErrUnits reports a length unit other than m, cm, mm.
	ErrUnits = errors.New("unknown length unit")

	// ErrInvalid reports a TRC value that cannot be written: a rate that is
	// not a positive finite number, a frame whose point count differs from
	// the marker count, an infinite coordinate, or a marker name that is
	// empty, has surrounding spaces or holds a tab or a line break.
	ErrInvalid = errors.New("invalid trc")
)
