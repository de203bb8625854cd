package solve_test

import (
	"fmt"
	"math"
	"slices"

	"github.com/athlete3d/athlete3d/calibration"
	"github.com/athlete3d/athlete3d/calibration/solve"
	"gonum.org/v1/gonum/spatial/r3"
)

// A 9×6 chessboard with 25 mm squares seen by a 640×480 camera from six
// poses. Each View is what a board detector returns for one image: the
// corners' board coordinates (z = 0) and the pixels where it found them;
// an image where it found nothing is a View without points, and is
// skipped.
func ExampleIntrinsics() {
	truth := calibration.Camera{
		K:    [3][3]float64{{536, 0, 342}, {0, 536, 235}, {0, 0, 1}},
		Dist: []float64{-0.27, 0.11, 0.001, 0, 0},
	}
	var corners []r3.Vec
	for row := range 6 {
		for col := range 9 {
			corners = append(corners, r3.Vec{X: float64(col) * 0.025, Y: float64(row) * 0.025})
		}
	}
	var views []solve.View
	for i := range 6 {
		// Board poses tilted about varied axes, 0.35 m away.
		a := float64(i) * math.Pi / 3
		truth.R = calibration.Rodrigues(r3.Vec{X: 0.5 * math.Cos(a), Y: 0.5 * math.Sin(a), Z: 0.1})
		truth.T = r3.Vec{X: -0.1, Y: -0.06, Z: 0.35}
		v := solve.View{Label: fmt.Sprintf("left%02d.jpg", i+1), Frame: -1, Obj: corners}
		for id, X := range corners {
			u, w, _ := truth.Project(X)
			v.IDs = append(v.IDs, id)
			v.Pix = append(v.Pix, [2]float64{u, w})
		}
		views = append(views, v)
	}
	views = append(views, solve.View{Label: "blurred.jpg", Frame: -1})

	res, err := solve.Intrinsics(views, 640, 480, solve.IntrinsicsOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	k := res.Camera.K
	fmt.Printf("fx %.1f fy %.1f cx %.1f cy %.1f\n", k[0][0], k[1][1], k[0][2], k[1][2])
	fmt.Printf("k1 %.3f k2 %.3f\n", res.Camera.Dist[0], res.Camera.Dist[1])
	fmt.Printf("RMS %.2f px; skipped %v; hurting %v\n", res.RMS, res.Skipped, res.Hurting)
	// Output:
	// fx 536.0 fy 536.0 cx 342.0 cy 235.0
	// k1 -0.270 k2 0.110
	// RMS 0.00 px; skipped [6]; hurting []
}

// A camera's pose on a track from six surveyed marks on the ground (two
// lane lines at 0, 5 and 10 m) and where they were clicked in its image,
// to the nearest pixel. The camera is truly at (5, −6, 2.5) m: the
// rounding of the clicks alone moves it by 2 cm.
func ExamplePnP() {
	cam := calibration.LookAt("cam1", r3.Vec{X: 5, Y: -6, Z: 2.5}, r3.Vec{X: 5, Y: 0, Z: 0}, 1920, 1080, 1400)
	marks := []r3.Vec{{X: 0}, {X: 5}, {X: 10}, {X: 0, Y: 1.22}, {X: 5, Y: 1.22}, {X: 10, Y: 1.22}}
	var clicks [][2]float64
	for _, X := range marks {
		u, v, _ := cam.Project(X)
		clicks = append(clicks, [2]float64{math.Round(u), math.Round(v)})
	}

	pose, err := solve.PnP(&cam, marks, clicks)
	if err != nil {
		fmt.Println(err)
		return
	}
	found := calibration.Camera{R: pose.R, T: pose.T}
	c := found.Center()
	fmt.Printf("camera at (%.2f, %.2f, %.2f) m, RMS %.1f px\n", c.X, c.Y, c.Z, pose.RMS)
	fmt.Printf("worst click %.1f px off\n", slices.Max(pose.Residuals))
	// Output:
	// camera at (4.99, -5.99, 2.52) m, RMS 0.2 px
	// worst click 0.2 px off
}
