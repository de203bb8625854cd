// Package record keeps what the pipeline measured and reads what others
// recorded: today TRC marker files (read and write; PersonTRC writes a
// tracked person in Pose2Sim's layout), OpenPose JSON keypoints (read) and
// the JSONL frame stream (JSONLWriter, and JSONLReader for replays and
// burn-in; docs/jsonl.md); later the session store
// (SQLite), the replay reader and the other exports (CSV, C3D, BVH).
//
// # TRC files
//
// TRC is the tab-separated text format of OpenSim, Motion Analysis and
// Pose2Sim for 3D marker trajectories. A file is five header lines and one
// row per frame:
//
//	PathFileType	4	(X/Y/Z)	name.trc
//	DataRate	CameraRate	NumFrames	NumMarkers	Units	OrigDataRate	OrigDataStartFrame	OrigNumFrames
//	250	250	836	53	mm	250	1	836
//	Frame#	Time	C7			RSH			...
//			X1	Y1	Z1	X2	Y2	Z2	...
//	1	0.004	-5478.69	1588.10	209.90	...
//
// ReadTRC reads it into a TRC: the rate, the unit, the marker names and the
// frames, each with its number, time and one point per marker. A missing
// coordinate (an empty field, "NaN" or "nan") is NaN in the point; a row
// that stops early leaves its last markers missing. Blank lines, a final
// line without a line break and CRLF line ends are accepted, and so are
// header lines split by spaces where no name holds one. Header values are
// found by their names on the second line, in any order; DataRate and
// NumMarkers are required, the others default as the TRC type says.
// NumFrames is not checked against the rows: writers disagree on it and the
// rows are what the file holds.
//
// Errors name the line and what was wrong in it, and wrap ErrHeader or
// ErrRow. The reader never panics on bad input and never allocates from a
// count it read: a file claiming a billion frames costs what its rows cost.
//
// (*TRC).Write writes the same layout, missing coordinates as empty fields,
// numbers in the shortest form that reads back to the same float64, so
// ReadTRC(Write(t)) gives t back exactly.
//
// # Units and axes
//
// The package converts nothing: points are in the file's Units and axes.
// (*TRC).Metres gives the factor from the file's unit to metres. Axis
// conventions differ between sources (OpenSim and Pose2Sim use Y up; the
// project's world has z up); the code that imports a file into the world
// frame documents its conversion (package bench does it for the sprint
// mocap).
//
// # Ownership and goroutines
//
// A TRC is a plain value: the caller owns it and everything it points to.
// Nothing in this package keeps state or starts goroutines; separate TRC
// values may be used from separate goroutines.
package record
