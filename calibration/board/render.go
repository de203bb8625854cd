package board

import (
	"fmt"
	"image"

	"gocv.io/x/gocv"
)

// Render draws spec for printing: an 8-bit gray image with pxPerSquare
// pixels per square, the top-left square black, and a white margin of one
// square all round (the quiet zone both detectors need). A chessboard of
// Cols×Rows inner corners has (Cols+1)×(Rows+1) squares; a ChArUco board
// is drawn by OpenCV (cv::aruco::CharucoBoard::draw) and inverted,
// margin included, when Spec.Inverted. Print it at Square/pxPerSquare
// metres per pixel. The caller closes the image.
func Render(spec Spec, pxPerSquare int) (gocv.Mat, error) {
	if err := spec.Validate(); err != nil {
		return gocv.Mat{}, err
	}
	minPx := 2
	if spec.Kind == Charuco {
		// Each marker cell must be at least a pixel, and the margin
		// between a marker and its square's edge must show.
		cells := spec.Dict.Bits() + 2
		minPx = int(max(float64(cells)*spec.Square/spec.Marker, 2*spec.Square/(spec.Square-spec.Marker))) + 1
	}
	const maxPx = 1 << 13 // the image's longest side
	cols, rows := spec.Cols, spec.Rows
	if spec.Kind == Chessboard {
		cols, rows = cols+1, rows+1
	}
	if top := maxPx / (max(cols, rows) + 2); pxPerSquare < minPx || pxPerSquare > top {
		return gocv.Mat{}, fmt.Errorf("render %s: %d pixels per square: want %d to %d", spec, pxPerSquare, minPx, top)
	}
	size := image.Pt((cols+2)*pxPerSquare, (rows+2)*pxPerSquare)

	img := gocv.NewMatWithSizeFromScalar(gocv.NewScalar(255, 0, 0, 0), size.Y, size.X, gocv.MatTypeCV8UC1)
	switch spec.Kind {
	case Chessboard:
		for r := range rows {
			for c := range cols {
				if (r+c)%2 == 0 {
					// A region, not cv::rectangle, whose corners are both
					// inclusive.
					x, y := (c+1)*pxPerSquare, (r+1)*pxPerSquare
					sq := img.Region(image.Rect(x, y, x+pxPerSquare, y+pxPerSquare))
					sq.SetTo(gocv.NewScalar(0, 0, 0, 0))
					sq.Close()
				}
			}
		}
	case Charuco:
		if err := drawCharuco(&img, spec, size, pxPerSquare); err != nil {
			img.Close()
			return gocv.Mat{}, fmt.Errorf("render %s: %w", spec, err)
		}
		if spec.Inverted {
			gocv.BitwiseNot(img, &img)
		}
	}
	return img, nil
}
