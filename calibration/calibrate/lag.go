package calibrate

import (
	"math"

	"gonum.org/v1/gonum/spatial/r3"

	"github.com/athlete3d/athlete3d/calibration"
	"github.com/athlete3d/athlete3d/calibration/board"
	"github.com/athlete3d/athlete3d/calibration/solve"
)

// Lag: cameras that are not triggered together take their frame k at
// slightly different instants, even when their frames are correctly
// paired. A moving board is then in a different place in each camera's
// frame k, which no camera pose can explain. On caliscope's four webcams
// (a hand-held board moving 1 to 3 cm per frame at 6 frames per second)
// it leaves 1.4 px of reprojection RMS, where each camera alone fits its
// corners to 0.2 px; one of them lags about half a frame behind the
// others.
//
// Camera c's lag λ_c, in frames, says that the instant of frame k is seen
// by camera c at position k + λ_c of its own recording: its corners there
// are interpolated linearly between the two frames searched around it
// (for an integer λ_c, frame k + λ_c itself). Linear interpolation
// assumes the board moves smoothly over one frame.
//
// Each camera's lag but the reference's is searched over ±maxLag of its
// current value, in steps of lagStep: at each frame the board's pose is
// fitted to the other cameras' corners (fitBoard), and for each candidate
// lag the camera is posed on its interpolated corners placed on those
// boards (PnP over the world points of all frames, so that no part of the
// lag is absorbed by the camera's current pose); the lag of the smallest
// RMS is kept. Lags and rig are refined in turn, lagRounds times: on
// caliscope the lags settle in two rounds.

// Bounds of the lag search, frames.
const (
	maxLag    = 1.0
	lagStep   = 0.05
	lagRounds = 2
)

// lagViews returns camera c's usable views on the synchronized timeline,
// its corners read lag frames later in its recording (see above); step is
// the spacing of the frames searched. A frame whose two neighbours were
// not both searched, or share no corner, gives no view. Lag 0 gives the
// detections as found.
func lagViews(d *Detections, tl *timeline, c int, lag float64, step int) []solve.View {
	at := make(map[int]int, len(d.Frame)) // frame index → detection
	for i, f := range d.Frame {
		at[f] = i
	}
	var views []solve.View
	for i, k := range d.Frame {
		s, ok := tl.sync(c, k)
		if !ok {
			continue
		}
		if lag == 0 {
			if usableView(&d.Found[i]) {
				views = append(views, d.Found[i].View(d.Source.label(k), s))
			}
			continue
		}
		k0 := k + step*int(math.Floor(lag))
		w := lag - math.Floor(lag)
		i0, ok0 := at[k0]
		i1, ok1 := at[k0+step]
		var det board.Detection
		switch {
		case ok0 && w == 0:
			det = d.Found[i0]
		case ok0 && ok1:
			det = interpolate(&d.Found[i0], &d.Found[i1], w)
		default:
			continue
		}
		if usableView(&det) {
			views = append(views, det.View(d.Source.label(k), s))
		}
	}
	return views
}

// interpolate returns the corners found in both a and b, at (1−w)·a + w·b.
func interpolate(a, b *board.Detection, w float64) board.Detection {
	pb := make(map[int][2]float64, len(b.IDs))
	for j, id := range b.IDs {
		pb[id] = b.Pix[j]
	}
	out := *a
	out.IDs, out.Pix = nil, nil
	for j, id := range a.IDs {
		if q, ok := pb[id]; ok {
			p := a.Pix[j]
			out.IDs = append(out.IDs, id)
			out.Pix = append(out.Pix, [2]float64{(1-w)*p[0] + w*q[0], (1-w)*p[1] + w*q[1]})
		}
	}
	return out
}

// estimateLags searches each camera's lag but the reference's, given the
// rig cams and the current lags (see above).
func estimateLags(cams []calibration.Camera, dets []*Detections, tl *timeline, ref int, lags []float64) []float64 {
	out := append([]float64(nil), lags...)
	for c := range cams {
		if c == ref {
			continue
		}
		// The board at each frame, from the other cameras alone.
		byFrame := map[int][]camObs{}
		for o := range cams {
			if o == c {
				continue
			}
			vs := lagViews(dets[o], tl, o, lags[o], dets[o].step())
			for i := range vs {
				byFrame[vs[i].Frame] = append(byFrame[vs[i].Frame], camObs{o, &vs[i]})
			}
		}
		boards := make(map[int]solve.Pose, len(byFrame))
		for f, obs := range byFrame {
			if p, ok := fitBoard(cams, obs); ok {
				boards[f] = p
			}
		}
		// The lag whose corners reproject best; a lag that loses more
		// than half the frames of the current one is not compared.
		current := lagFit(&cams[c], lagViews(dets[c], tl, c, lags[c], dets[c].step()), boards)
		best, bestErr := lags[c], current.rms
		for i := -int(maxLag / lagStep); i <= int(maxLag/lagStep); i++ {
			l := lags[c] + float64(i)*lagStep
			fit := lagFit(&cams[c], lagViews(dets[c], tl, c, l, dets[c].step()), boards)
			if fit.frames*2 >= current.frames && fit.rms < bestErr {
				best, bestErr = l, fit.rms
			}
		}
		out[c] = best
	}
	return out
}

// lagFitResult is how well one camera's views fit board poses.
type lagFitResult struct {
	rms    float64 // reprojection RMS, px
	frames int     // frames with a board pose
}

// lagFit poses cam on the corners of views placed where boards puts them
// (PnP over the world points of every frame, so that the camera's pose
// takes no part of the lag) and returns the reprojection RMS.
func lagFit(cam *calibration.Camera, views []solve.View, boards map[int]solve.Pose) lagFitResult {
	var obj []r3.Vec
	var pix [][2]float64
	frames := 0
	for _, v := range views {
		b, ok := boards[v.Frame]
		if !ok {
			continue
		}
		frames++
		for k, P := range v.Obj {
			obj = append(obj, r3.Add(calibration.MatVec(b.R, P), b.T))
			pix = append(pix, v.Pix[k])
		}
	}
	p, err := solve.PnP(cam, obj, pix)
	if err != nil {
		return lagFitResult{rms: math.Inf(1)}
	}
	return lagFitResult{rms: p.RMS, frames: frames}
}
