package calibrate

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/athlete3d/athlete3d/calibration"
	"github.com/athlete3d/athlete3d/calibration/board"
	"github.com/athlete3d/athlete3d/calibration/solve"
)

// WorldKind says what defines the world frame of a board calibration.
type WorldKind int

const (
	// WorldCamera is the reference camera's frame, OpenCV's stereo
	// convention: x right, y down, z forward from the reference camera.
	WorldCamera WorldKind = iota
	// WorldBoard is the board's at one synchronized frame (World.Frame).
	WorldBoard
)

// World says which frame the calibrated cameras' coordinates are in.
//
// WorldBoard puts the origin at the board's corner 0 (the first inner
// corner: a chessboard's top-left one, a ChArUco board's corner one square
// in from its top-left), x along the board's x axis (its rows), z up: out
// of the board's face, towards the cameras that see it at that frame, and
// y = z × x, a right-handed frame. For a board laid face up on the start
// line with its x axis along the running direction, this is the track
// frame of package calibration. The zero World is WorldCamera.
type World struct {
	Kind WorldKind
	// Frame is, for WorldBoard, the synchronized frame whose board pose
	// is the world; -1 chooses the frame seen by the most cameras (the
	// earliest of ties).
	Frame int
}

// ParseWorld reads a world as String writes it: "camera", "board" (the
// frame seen by the most cameras) or "board:FRAME".
func ParseWorld(s string) (World, error) {
	switch kind, frame, ok := strings.Cut(strings.TrimSpace(s), ":"); {
	case kind == "camera" && !ok:
		return World{Kind: WorldCamera}, nil
	case kind == "board" && !ok:
		return World{Kind: WorldBoard, Frame: -1}, nil
	case kind == "board":
		f, err := strconv.Atoi(frame)
		if err != nil || f < 0 {
			return World{}, fmt.Errorf("%w: world %q: frame %q is not a frame number", ErrInput, s, frame)
		}
		return World{Kind: WorldBoard, Frame: f}, nil
	}
	return World{}, fmt.Errorf("%w: world %q: want camera, board or board:FRAME", ErrInput, s)
}

// String returns the world in ParseWorld's syntax.
func (w World) String() string {
	switch {
	case w.Kind == WorldCamera:
		return "camera"
	case w.Kind == WorldBoard && w.Frame < 0:
		return "board"
	case w.Kind == WorldBoard:
		return "board:" + strconv.Itoa(w.Frame)
	}
	return fmt.Sprintf("World(%d)", int(w.Kind))
}

// alignWorld moves the bundle's cameras (in the reference camera's frame)
// into the world w asks for. seen[f] lists the cameras that saw frame f.
// It returns the cameras, the frame whose board defines the world (-1 for
// WorldCamera) and the world in words for calibration.Meta.
func alignWorld(w World, spec board.Spec, cams []calibration.Camera, ref int, boards map[int]solve.Pose, seen map[int][]int) ([]calibration.Camera, int, string, error) {
	switch w.Kind {
	case WorldCamera:
		return cams, -1, fmt.Sprintf("camera %s's frame: x right, y down, z forward (OpenCV's)", cams[ref].Name), nil
	case WorldBoard:
	default:
		return nil, 0, "", fmt.Errorf("%w: unknown world kind %d", ErrInput, int(w.Kind))
	}
	frame := w.Frame
	if frame < 0 {
		frame = -1
		for f := range boards {
			if frame < 0 || len(seen[f]) > len(seen[frame]) || (len(seen[f]) == len(seen[frame]) && f < frame) {
				frame = f
			}
		}
	}
	b, ok := boards[frame]
	if !ok {
		return nil, 0, "", fmt.Errorf("%w: world board:%d: the bundle adjustment has no board at frame %d (%d frames with a board, %s)",
			ErrInput, frame, frame, len(boards), frameRange(boards))
	}
	// Corner 0 is the origin: shift the board's pose there.
	corner0 := spec.Points()[0]
	b.T = solve.Similarity{S: 1, R: b.R, T: b.T}.Apply(corner0)
	// z towards the cameras that see the board at that frame: align them
	// alone, then apply the same change to every camera.
	viewers := make([]calibration.Camera, 0, len(seen[frame]))
	for _, c := range seen[frame] {
		viewers = append(viewers, cams[c])
	}
	_, sim, err := solve.AlignToBoard(viewers, b)
	if err != nil {
		return nil, 0, "", fmt.Errorf("world board:%d: %w", frame, err)
	}
	return sim.Cameras(cams), frame, fmt.Sprintf("board at frame %d: origin at its corner 0, x along its rows, z out of its face towards the cameras", frame), nil
}

// frameRange describes the frames of boards as "frames A to B".
func frameRange(boards map[int]solve.Pose) string {
	lo, hi := -1, -1
	for f := range boards {
		if lo < 0 || f < lo {
			lo = f
		}
		hi = max(hi, f)
	}
	if lo < 0 {
		return "none"
	}
	return fmt.Sprintf("frames %d to %d", lo, hi)
}
