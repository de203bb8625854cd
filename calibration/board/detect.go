package board

import (
	"fmt"
	"image"
	"math"
	"slices"

	"gocv.io/x/gocv"
	"gonum.org/v1/gonum/spatial/r3"

	"github.com/athlete3d/athlete3d/calibration/solve"
)

// Detection is a board found in one image.
type Detection struct {
	Spec Spec
	// IDs are the ids of the corners found, ascending: all Spec.Len() of a
	// chessboard, those of a ChArUco board that could be located.
	IDs []int
	// Pix holds the corners' pixels, sub-pixel, pixel centres at integer
	// coordinates (OpenCV's convention).
	Pix [][2]float64
	// Size is the image's width and height.
	Size image.Point
	// Sharpness is the variance of the Laplacian (3×3 aperture) of the gray
	// image over the corners' bounding box: high for a crisp board, low for
	// a blurred one. SelectViews ranks by it.
	Sharpness float64
}

// Detect finds the board of spec in img (8-bit gray, BGR or BGRA). It
// returns an error wrapping ErrNotFound when the board is not there (or,
// for a ChArUco board, no corner of it could be located), ErrImage for an
// image it cannot search and ErrSpec for an invalid spec.
func Detect(img gocv.Mat, spec Spec) (Detection, error) {
	if err := spec.Validate(); err != nil {
		return Detection{}, err
	}
	gray, err := grayOf(img)
	if err != nil {
		return Detection{}, err
	}
	defer gray.Close()

	d := Detection{Spec: spec, Size: image.Pt(gray.Cols(), gray.Rows())}
	switch spec.Kind {
	case Chessboard:
		d.Pix, err = detectChessboard(gray, spec)
		if err == nil {
			d.IDs = make([]int, len(d.Pix))
			for i := range d.IDs {
				d.IDs[i] = i
			}
		}
	case Charuco:
		d.IDs, d.Pix, err = detectCharuco(gray, spec)
	}
	if err != nil {
		return Detection{}, fmt.Errorf("%s: %w", spec, err)
	}
	d.Sharpness = sharpness(gray, d.Pix)
	return d, nil
}

// grayOf returns an 8-bit one-channel copy of img, for the caller to close.
func grayOf(img gocv.Mat) (gocv.Mat, error) {
	if img.Empty() {
		return gocv.Mat{}, fmt.Errorf("%w: empty", ErrImage)
	}
	gray := gocv.NewMat()
	switch img.Type() {
	case gocv.MatTypeCV8UC1:
		img.CopyTo(&gray)
	case gocv.MatTypeCV8UC3:
		gocv.CvtColor(img, &gray, gocv.ColorBGRToGray)
	case gocv.MatTypeCV8UC4:
		gocv.CvtColor(img, &gray, gocv.ColorBGRAToGray)
	default:
		gray.Close()
		return gocv.Mat{}, fmt.Errorf("%w: type %v, want 8-bit with 1, 3 or 4 channels", ErrImage, img.Type())
	}
	return gray, nil
}

// sharpness returns the variance of the Laplacian of gray over the
// bounding box of pts.
func sharpness(gray gocv.Mat, pts [][2]float64) float64 {
	if len(pts) == 0 {
		return 0
	}
	x0, y0, x1, y1 := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, p := range pts {
		x0, x1 = min(x0, p[0]), max(x1, p[0])
		y0, y1 = min(y0, p[1]), max(y1, p[1])
	}
	r := image.Rect(int(math.Floor(x0)), int(math.Floor(y0)), int(math.Ceil(x1))+1, int(math.Ceil(y1))+1).
		Intersect(image.Rect(0, 0, gray.Cols(), gray.Rows()))
	if r.Dx() < 3 || r.Dy() < 3 {
		return 0
	}
	roi := gray.Region(r)
	defer roi.Close()
	lap := gocv.NewMat()
	defer lap.Close()
	gocv.Laplacian(roi, &lap, gocv.MatTypeCV32F, 3, 1, 0, gocv.BorderReplicate)
	mean, std := gocv.NewMat(), gocv.NewMat()
	defer mean.Close()
	defer std.Close()
	gocv.MeanStdDev(lap, &mean, &std)
	s := std.GetDoubleAt(0, 0)
	return s * s
}

// View returns the detection as a known-target view for package solve:
// each corner's board coordinates (Spec.Points) with its pixel. The view
// owns copies of the slices.
func (d Detection) View(label string, frame int) solve.View {
	v := solve.View{
		Label: label,
		Frame: frame,
		IDs:   slices.Clone(d.IDs),
		Obj:   make([]r3.Vec, len(d.IDs)),
		Pix:   slices.Clone(d.Pix),
	}
	for i, id := range d.IDs {
		x, y := d.Spec.corner(id)
		v.Obj[i] = r3.Vec{X: x, Y: y}
	}
	return v
}
