package calibrate

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/athlete3d/athlete3d/calibration"
	"github.com/athlete3d/athlete3d/calibration/solve"
	"gonum.org/v1/gonum/spatial/r3"
)

// SurveyReport is the outcome of FromSurvey.
type SurveyReport struct {
	// Cameras are the cameras given, each posed in the survey's world
	// frame.
	Cameras []calibration.Camera `json:"-"`
	// CameraRMS is each camera's PnP reprojection RMS over the points its
	// pose was solved from (flagged clicks left out), px.
	CameraRMS []float64 `json:"camera_rms_px"`
	// Residuals holds, per camera, one entry per point it sees, in the
	// survey's order, against the final pose.
	Residuals [][]PointResidual `json:"residuals"`
	// Flagged lists the clicks flagged as likely mis-clicks, as
	// "camera/point", camera by camera; empty when every click agrees.
	Flagged []string `json:"flagged"`
	// Meta holds RMS (CameraRMS), Error (the RMS over every camera's
	// points used), World ("surveyed points") for WriteFile.
	Meta calibration.Meta `json:"-"`
}

// PointResidual is one click's reprojection error: observed minus
// reprojected pixel.
type PointResidual struct {
	Name string  `json:"name"`
	DU   float64 `json:"du_px"`
	DV   float64 `json:"dv_px"`
	// Flagged marks a likely mis-click, or a point given the wrong name or
	// coordinates (see FromSurvey). When the pose could be solved without
	// it, it was, and DU, DV show how far off it is.
	Flagged bool `json:"flagged,omitempty"`
}

// Flagging thresholds for survey clicks: a click is suspect when its error
// exceeds both flagMinPx and flagMedians times the median error of the
// camera's other clicks. 5 px is beyond what a careful click on a marking
// misses by; 5 medians keeps a camera with a blurry view (every click a few
// pixels off) from flagging its ordinary errors.
const (
	flagMinPx   = 5.0
	flagMedians = 5.0
)

// FromSurvey poses each camera of cams, whose intrinsics are known (from
// an intrinsics file), from the surveyed points it sees: PnP through the
// full lens model (solve.PnP). The world frame is the survey's, in metres.
// Cameras are matched to the survey's pixel keys by Camera.Name; the
// survey may name only cameras of cams, and every camera must see enough
// points: 4 when they are coplanar (within a tenth of their extent, like
// a track's markings), 6 otherwise.
//
// # Mis-clicks
//
// PnP has no outlier rejection, and a bad click does not stand out in its
// residuals: the pose leans towards it and spreads its error over the
// other points (on the Pose2Sim demo's 8 points, a click 40 px off keeps a
// residual of about 30 px while the others' median rises to about 8). So
// each point in turn is left out and the pose solved from the others; the
// point whose removal lowers the sum of squared residuals most, relative
// to max(5 px, 5 × the median of the others' residuals) squared, is left
// out of the pose if that lowering exceeds the threshold. (The lowering
// is, for linear least squares exactly, the point's squared error under
// the others' pose discounted by its leverage: a corner that the others
// pin poorly is not blamed for their poor prediction of it.) This
// repeats while two points more than the minimum remain (with fewer, the
// others cannot tell a bad point from a good one). Finally, against the final pose, a click is flagged if it
// was left out or its error exceeds max(5 px, 5 × the median of the
// camera's errors). A flagged click is reported, not fatal: Flagged and
// PointResidual.Flagged name it.
//
// Errors wrap ErrMismatch (the survey names a camera not in cams, or none
// of them), ErrTooFewPoints (a camera sees too few points; the message
// names them and says how many are needed), ErrInput (non-finite values,
// a camera whose intrinsics cannot be inverted).
func FromSurvey(cams []calibration.Camera, s *calibration.Survey) (*SurveyReport, error) {
	if err := checkSurvey(cams, s); err != nil {
		return nil, fmt.Errorf("calibration from surveyed points: %w", err)
	}
	rep := &SurveyReport{
		Cameras:   make([]calibration.Camera, len(cams)),
		CameraRMS: make([]float64, len(cams)),
		Residuals: make([][]PointResidual, len(cams)),
	}
	var ss float64
	n := 0
	for c := range cams {
		cam := cams[c]
		names, world, pix := s.Seen(cam.Name)
		pose, used, err := poseFromSurvey(&cam, names, world, pix)
		if err != nil {
			return nil, fmt.Errorf("calibration from surveyed points: camera %q: %w", cam.Name, err)
		}
		cam.R, cam.T = pose.R, pose.T
		rep.Cameras[c] = cam
		rep.CameraRMS[c] = pose.RMS
		res := make([]PointResidual, len(names))
		for i := range names {
			u, v, ok := cam.Project(world[i])
			if !ok {
				return nil, fmt.Errorf("calibration from surveyed points: camera %q: %w: point %q is behind the camera as posed: wrong name or coordinates?",
					cam.Name, ErrInput, names[i])
			}
			res[i] = PointResidual{Name: names[i], DU: pix[i][0] - u, DV: pix[i][1] - v, Flagged: !used[i]}
		}
		// A point the search could not leave out still gets flagged when
		// it stands out from the others.
		flagOutstanding(res)
		for i, r := range res {
			if r.Flagged {
				rep.Flagged = append(rep.Flagged, cam.Name+"/"+r.Name)
			}
			if used[i] {
				ss += r.DU*r.DU + r.DV*r.DV
				n++
			}
		}
		rep.Residuals[c] = res
	}
	rep.Meta = calibration.Meta{RMS: append([]float64(nil), rep.CameraRMS...), World: "surveyed points"}
	if n > 0 {
		rep.Meta.Error = math.Sqrt(ss / float64(n))
	}
	return rep, nil
}

// poseFromSurvey solves one camera's pose from the points it sees, leaving
// out mis-clicks as FromSurvey describes; used[i] reports whether point i
// went into the final pose.
func poseFromSurvey(cam *calibration.Camera, names []string, world []r3.Vec, pix [][2]float64) (solve.Pose, []bool, error) {
	need := solve.PointsNeeded(world)
	if len(world) < need {
		return solve.Pose{}, nil, tooFewPoints(names, world, need)
	}
	used := make([]bool, len(world))
	for i := range used {
		used[i] = true
	}
	pose, err := solveSubset(cam, world, pix, used, -1)
	if err != nil {
		return solve.Pose{}, nil, pnpError(err, names)
	}
	for kept := len(world); kept >= need+2; kept-- {
		worst, worstRatio := -1, 1.0
		rss := sumSquares(pose.Residuals)
		for i := range used {
			if !used[i] {
				continue
			}
			p, err := solveSubset(cam, world, pix, used, i)
			if err != nil {
				continue // the others alone are degenerate: i is needed
			}
			// How much the fit improves without i: its error under the
			// others' pose, discounted for its leverage (for linear least
			// squares, exactly its studentised prediction error).
			drop := math.Sqrt(math.Max(0, rss-sumSquares(p.Residuals)))
			if r := drop / limitOf(p.Residuals); r > worstRatio {
				worst, worstRatio = i, r
			}
		}
		if worst < 0 {
			break
		}
		used[worst] = false
		if pose, err = solveSubset(cam, world, pix, used, -1); err != nil {
			return solve.Pose{}, nil, pnpError(err, names)
		}
	}
	return pose, used, nil
}

// solveSubset runs PnP on the points marked in use, less point skip (-1
// for none). The pose's Residuals are those of the points it used.
func solveSubset(cam *calibration.Camera, world []r3.Vec, pix [][2]float64, use []bool, skip int) (solve.Pose, error) {
	obj := make([]r3.Vec, 0, len(world))
	px := make([][2]float64, 0, len(world))
	for i := range world {
		if use[i] && i != skip {
			obj, px = append(obj, world[i]), append(px, pix[i])
		}
	}
	return solve.PnP(cam, obj, px)
}

// sumSquares returns Σ xᵢ².
func sumSquares(xs []float64) float64 {
	var s float64
	for _, x := range xs {
		s += x * x
	}
	return s
}

// limitOf is the flagging threshold for a camera whose clicks have the
// reprojection errors errs: max(flagMinPx, flagMedians × their median).
func limitOf(errs []float64) float64 {
	return math.Max(flagMinPx, flagMedians*median(errs))
}

// flagOutstanding flags, among the points not yet flagged, those whose
// error exceeds max(flagMinPx, flagMedians × the median error of the
// points not yet flagged).
func flagOutstanding(res []PointResidual) {
	var errs []float64
	for _, r := range res {
		if !r.Flagged {
			errs = append(errs, math.Hypot(r.DU, r.DV))
		}
	}
	lim := limitOf(errs)
	for i := range res {
		if !res[i].Flagged && math.Hypot(res[i].DU, res[i].DV) > lim {
			res[i].Flagged = true
		}
	}
}

// tooFewPoints is the error for a camera that sees too few points.
func tooFewPoints(names []string, world []r3.Vec, need int) error {
	seen := "none"
	if len(names) > 0 {
		seen = strings.Join(names, ", ")
	}
	why := "4 coplanar points or 6 in general position"
	switch {
	case need == 6:
		why = "6, as its points are not coplanar"
	case len(world) >= 3:
		why = "4, as its points are coplanar"
	}
	return fmt.Errorf("%w: sees %d surveyed points (%s); PnP needs %s", ErrTooFewPoints, len(names), seen, why)
}

// pnpError wraps an error of solve.PnP with the sentinel of this package
// that says what to do about it.
func pnpError(err error, names []string) error {
	switch {
	case errors.Is(err, solve.ErrInvalid):
		return fmt.Errorf("%w: %w", ErrInput, err)
	case errors.Is(err, solve.ErrTooFewPoints), errors.Is(err, solve.ErrDegenerate), errors.Is(err, solve.ErrNotPlanar):
		return fmt.Errorf("%w: points %s: %w", ErrTooFewPoints, strings.Join(names, ", "), err)
	}
	return fmt.Errorf("points %s: %w", strings.Join(names, ", "), err)
}

// AlignReport is the outcome of AlignToSurvey.
type AlignReport struct {
	// Points is the number of surveyed points triangulated and fitted.
	Points int `json:"points"`
	// RMS is the RMS distance between the fitted points and their
	// surveyed coordinates, m.
	RMS float64 `json:"rms_m"`
	// Scale is the factor applied to the rig: 1 unless scale was asked.
	Scale float64 `json:"scale"`
	// FreeScale is the factor a similarity fit finds, applied or not: far
	// from 1 means the rig's scale and the survey's disagree (a board's
	// square size mistyped, say).
	FreeScale float64 `json:"free_scale"`
	// Residuals holds each fitted point's offset, in the survey's order.
	Residuals []PointResidual3D `json:"residuals"`
	// Skipped names the points clicked in two cameras or more whose rays
	// did not meet in front of the cameras.
	Skipped []string `json:"skipped,omitempty"`
}

// PointResidual3D is one surveyed point's offset after alignment: its
// surveyed coordinates minus its triangulated ones, m.
type PointResidual3D struct {
	Name string  `json:"name"`
	DX   float64 `json:"dx_m"`
	DY   float64 `json:"dy_m"`
	DZ   float64 `json:"dz_m"`
	// Views is the number of cameras it was triangulated from, and
	// ReprojectionRMS the triangulation's RMS over them, px: a large one
	// points at a mis-click rather than at the survey.
	Views           int     `json:"views"`
	ReprojectionRMS float64 `json:"reprojection_rms_px"`
}

// AlignToSurvey moves an already calibrated rig (from a board, say) into
// the survey's world: each surveyed point clicked in two calibrated
// cameras or more is triangulated (solve.Triangulate, through the lens
// model), and the change of coordinates that takes the triangulated points
// onto their surveyed coordinates in the least-squares sense is applied to
// the cameras (solve.AlignToPoints). With scale it is a similarity; without,
// rotation and translation only, so the rig keeps its own scale.
//
// Errors wrap ErrMismatch (the survey names a camera not in cams, or
// none of them), ErrTooFewPoints (fewer than 3 points triangulated, or all
// on a line), ErrInput (non-finite values).
func AlignToSurvey(cams []calibration.Camera, s *calibration.Survey, scale bool) ([]calibration.Camera, AlignReport, error) {
	if err := checkSurvey(cams, s); err != nil {
		return nil, AlignReport{}, fmt.Errorf("align to surveyed points: %w", err)
	}
	index := cameraIndex(cams)
	var rep AlignReport
	var world, measured []r3.Vec
	var names []string
	var tris []solve.Triangulation
	for _, p := range s.Points {
		var obs []solve.KeypointObs
		for _, name := range sortedKeys(p.Pixels) {
			px := p.Pixels[name]
			obs = append(obs, solve.KeypointObs{Camera: index[name], U: px[0], V: px[1], Weight: 1})
		}
		if len(obs) < 2 {
			continue
		}
		tri, ok := solve.Triangulate(cams, obs)
		if !ok {
			rep.Skipped = append(rep.Skipped, p.Name)
			continue
		}
		world, measured = append(world, p.World), append(measured, tri.X)
		names, tris = append(names, p.Name), append(tris, tri)
	}
	if len(world) < 3 {
		return nil, AlignReport{}, fmt.Errorf("align to surveyed points: %w: %d points clicked in two cameras or more (%s), need 3",
			ErrTooFewPoints, len(world), strings.Join(names, ", "))
	}
	free, _, err := solve.FitSimilarity(world, measured, true)
	if err != nil {
		return nil, AlignReport{}, fmt.Errorf("align to surveyed points: %w: %w", ErrTooFewPoints, err)
	}
	out, sim, rms, err := solve.AlignToPoints(cams, world, measured, scale)
	if err != nil {
		return nil, AlignReport{}, fmt.Errorf("align to surveyed points: %w: %w", ErrTooFewPoints, err)
	}
	rep.Points, rep.RMS, rep.Scale, rep.FreeScale = len(world), rms, sim.S, free.S
	for i := range world {
		d := r3.Sub(world[i], sim.Apply(measured[i]))
		rep.Residuals = append(rep.Residuals, PointResidual3D{
			Name: names[i], DX: d.X, DY: d.Y, DZ: d.Z, Views: tris[i].Views, ReprojectionRMS: tris[i].RMS,
		})
	}
	return out, rep, nil
}

// checkSurvey checks that s names cameras of cams only, at least one, and
// that the cameras' intrinsics and the survey's numbers are finite.
func checkSurvey(cams []calibration.Camera, s *calibration.Survey) error {
	if s == nil || len(s.Points) == 0 {
		return fmt.Errorf("%w: no surveyed points", ErrInput)
	}
	if err := checkCameraNames(cams); err != nil {
		return err
	}
	index := cameraIndex(cams)
	unknown := map[string]bool{}
	known := 0
	for _, p := range s.Points {
		if !finite3(p.World) {
			return fmt.Errorf("%w: point %q: non-finite world coordinates %v", ErrInput, p.Name, p.World)
		}
		for name, px := range p.Pixels {
			if _, ok := index[name]; !ok {
				unknown[name] = true
				continue
			}
			known++
			if !finite(px[0]) || !finite(px[1]) {
				return fmt.Errorf("%w: point %q: camera %q: non-finite pixel %v", ErrInput, p.Name, name, px)
			}
		}
	}
	if len(unknown) > 0 {
		return fmt.Errorf("%w: the survey has clicks of cameras %s, which the calibration does not have (it has %s)",
			ErrMismatch, strings.Join(sortedKeys(unknown), ", "), strings.Join(cameraNames(cams), ", "))
	}
	if known == 0 {
		return fmt.Errorf("%w: the survey has no click of any camera of the calibration (%s)", ErrMismatch, strings.Join(cameraNames(cams), ", "))
	}
	return nil
}

// checkCameraNames checks that the cameras can be told apart by name, as
// surveys key their clicks by it, and that their intrinsics are finite.
func checkCameraNames(cams []calibration.Camera) error {
	if len(cams) == 0 {
		return fmt.Errorf("%w: no cameras", ErrInput)
	}
	seen := map[string]bool{}
	for _, c := range cams {
		if seen[c.Name] {
			return fmt.Errorf("%w: two cameras named %q", ErrInput, c.Name)
		}
		seen[c.Name] = true
		if err := checkCamera(&c); err != nil {
			return err
		}
	}
	return nil
}

// checkCamera rejects a camera whose numbers are not finite or whose
// focal lengths are not positive.
func checkCamera(c *calibration.Camera) error {
	ok := finite3(c.T) && c.K[0][0] > 0 && c.K[1][1] > 0
	for i := range 3 {
		for j := range 3 {
			ok = ok && finite(c.K[i][j]) && finite(c.R[i][j])
		}
	}
	for _, d := range c.Dist {
		ok = ok && finite(d)
	}
	if !ok {
		return fmt.Errorf("%w: camera %q: non-finite numbers or focal lengths not positive", ErrInput, c.Name)
	}
	return nil
}

func cameraIndex(cams []calibration.Camera) map[string]int {
	m := make(map[string]int, len(cams))
	for i, c := range cams {
		m[c.Name] = i
	}
	return m
}

func cameraNames(cams []calibration.Camera) []string {
	names := make([]string, len(cams))
	for i, c := range cams {
		names[i] = c.Name
	}
	return names
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// median returns the median of xs without changing it; 0 for none.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

func finite3(v r3.Vec) bool { return finite(v.X) && finite(v.Y) && finite(v.Z) }
