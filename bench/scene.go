package bench

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/spatial/r3"

	"github.com/athlete3d/athlete3d/calibration"
	"github.com/athlete3d/athlete3d/pipeline/fusion"
	"github.com/athlete3d/athlete3d/skeleton"
)

// SceneConfig sets up NewSprintScene. The zero value is the default
// scene; a negative noise, rate or count means none (zero is the
// default).
type SceneConfig struct {
	// Run is a name from Runs, the path of a .trc file of the same marker
	// set with static.trc beside it, or Procedural (the runner of Runner,
	// which needs no data); "" means "run0900cms".
	Run string
	// Dir is the folder of the runs; "" means DefaultDir. Procedural
	// does not use it.
	Dir string
	// Runner configures the procedural runner when Run is Procedural;
	// zero fields take NewRunner's defaults.
	Runner RunnerConfig
	// Set is the keypoint set of the detections; nil means COCO17.
	Set *skeleton.Set
	// Rate is the camera frame rate, Hz, at most the mocap's 250 (any,
	// procedural); 0 means 50.
	Rate float64
	// Cameras is the number of cameras, 2 to 32; 0 means 8.
	Cameras int
	// NoisePx is the standard deviation of the Gaussian pixel noise on
	// each coordinate of a keypoint; 0 means 2 px.
	NoisePx float64
	// MissRate is the probability that a keypoint is not detected (score
	// 0); 0 means 5 %.
	MissRate float64
	// SwapRate is the probability, per view per frame per athlete, that
	// all left and right labels are exchanged; 0 means 2 %.
	SwapRate float64
	// OutlierRate is the probability that a keypoint jumps by about
	// OutlierPx in a random direction; 0 means 1 %.
	OutlierRate float64
	// OutlierPx is the typical size of an outlier jump (the jump is
	// uniform in 0.5–1.5 times it); 0 means 60 px.
	OutlierPx float64
	// Athletes is the number of athletes, in adjacent lanes; 0 means 3.
	Athletes int
	// LaneWidth is the distance between lane centres, m; 0 means 1.22.
	LaneWidth float64
	// Stagger is how much further into the run each athlete is than the
	// one in the lane before, s; 0 means 0.07 (about 0.65 m at 9.5 m/s).
	Stagger float64
	// Seed seeds the noise; scenes with the same config are identical.
	Seed uint64
}

// orDefault returns the value for a config field: zero means the default,
// negative means none.
func orDefault(v, def float64) float64 {
	switch {
	case v == 0:
		return def
	case v < 0:
		return 0
	}
	return v
}

func (c SceneConfig) withDefaults() (SceneConfig, error) {
	if c.Run == "" {
		c.Run = "run0900cms"
	}
	if c.Set == nil {
		c.Set = &skeleton.COCO17
	}
	if c.Rate == 0 {
		c.Rate = 50
	}
	if c.Cameras == 0 {
		c.Cameras = 8
	}
	if c.Athletes == 0 {
		c.Athletes = 3
	}
	c.NoisePx = orDefault(c.NoisePx, 2)
	c.MissRate = orDefault(c.MissRate, 0.05)
	c.SwapRate = orDefault(c.SwapRate, 0.02)
	c.OutlierRate = orDefault(c.OutlierRate, 0.01)
	c.OutlierPx = orDefault(c.OutlierPx, 60)
	c.LaneWidth = orDefault(c.LaneWidth, 1.22)
	c.Stagger = orDefault(c.Stagger, 0.07)
	switch {
	case c.Set.Len() == 0:
		return c, fmt.Errorf("keypoint set %q has no joints: %w", c.Set.Name, ErrConfig)
	case !(c.Rate > 0) || math.IsInf(c.Rate, 0):
		return c, fmt.Errorf("rate %v Hz: %w", c.Rate, ErrConfig)
	case c.Cameras < 2 || c.Cameras > maxCameras:
		return c, fmt.Errorf("%d cameras, want 2 to %d: %w", c.Cameras, maxCameras, ErrConfig)
	case c.Athletes < 1 || c.Athletes > 10:
		return c, fmt.Errorf("%d athletes, want 1 to 10: %w", c.Athletes, ErrConfig)
	case c.MissRate > 1 || c.SwapRate > 1 || c.OutlierRate > 1:
		return c, fmt.Errorf("rates above 1 (miss %v, swap %v, outlier %v): %w", c.MissRate, c.SwapRate, c.OutlierRate, ErrConfig)
	}
	for _, v := range []float64{c.NoisePx, c.OutlierPx, c.LaneWidth, c.Stagger, c.MissRate, c.SwapRate, c.OutlierRate} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return c, fmt.Errorf("non-finite value in %+v: %w", c, ErrConfig)
		}
	}
	return c, nil
}

// Scene is a synthetic multi-camera recording of athletes running: the
// cameras, the 2D detections each camera would give per frame, and the
// ground truth to score against.
type Scene struct {
	Set     *skeleton.Set
	Rate    float64 // frames per second
	Run     string  // the mocap trial, or Procedural
	Cameras []calibration.Camera
	Frames  []SceneFrame
	Truth   []AthleteTruth // indexed by athlete ID
}

// SceneFrame is one capture instant.
type SceneFrame struct {
	Time float64 // seconds since the scene's start
	// Views holds, per camera (in the order of Scene.Cameras), the
	// detections of that camera, in random order.
	Views [][]Detection
}

// Detections returns the frame as the fusion stage's input, every
// camera's detections in camera order, and the true athlete of each for
// scoring (never for the pipeline under test).
func (fr *SceneFrame) Detections() (dets []fusion.Detection, athletes []int) {
	for c, view := range fr.Views {
		for _, d := range view {
			kp := make([]fusion.Observation, len(d.Keypoints))
			for j, k := range d.Keypoints {
				kp[j] = fusion.Observation{X: k.X, Y: k.Y, Score: k.Score}
			}
			dets = append(dets, fusion.Detection{Camera: c, Keypoints: kp})
			athletes = append(athletes, d.Athlete)
		}
	}
	return dets, athletes
}

// Detection is one person as a 2D pose network would report it.
type Detection struct {
	// Keypoints has one entry per joint of Scene.Set.
	Keypoints []Keypoint2
	// Athlete is the true athlete ID, for scoring only: a pipeline under
	// test must not read it.
	Athlete int
	// Swapped tells the scorer that this view's left and right labels were
	// exchanged.
	Swapped bool
}

// Keypoint2 is one 2D keypoint: pixels (pixel centres at integers, as in
// calibration) and a confidence in [0, 1]. A joint that is not detected has
// X = Y = Score = 0, as OpenPose writes it.
type Keypoint2 struct {
	X, Y, Score float64
}

// AthleteTruth is the ground truth of one athlete.
type AthleteTruth struct {
	ID   int
	Lane int // 0 is the lane nearest the main stand (lowest y)
	// Offset is added to the levelled mocap (or the runner) to put the
	// athlete in its lane (m).
	Offset r3.Vec
	// TimeShift is the mocap's (or the runner's) time at the scene's
	// start (s).
	TimeShift float64
	// Joints holds, per frame, the world position of every joint (m); NaN
	// for the joints the markers cannot give (see JointCentres; the
	// runner gives all but unknown names).
	Joints [][]r3.Vec
	// Gait holds the complete contacts and steps inside the scene, in
	// scene time, and the run's speed.
	Gait Gait
}

// NewSprintScene builds a scene from a sprint mocap run or, with Run
// Procedural, from the procedural runner (NewRunner with cfg.Runner): the
// joint centres of cfg.Set (JointCentres, resampled to cfg.Rate by
// Catmull–Rom cubics; the runner's at the frame times exactly), copied
// into cfg.Athletes adjacent lanes (athlete k in lane k, TimeShift
// k·Stagger further into the run), filmed by NewRig(cfg.Cameras), with the
// detection errors of SceneConfig. All athletes run through every frame,
// so the scene lasts the run less (Athletes−1)·Stagger.
func NewSprintScene(cfg SceneConfig) (*Scene, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	var mo *motion
	if cfg.Run == Procedural {
		mo, err = runnerMotion(cfg)
	} else {
		mo, err = mocapMotion(cfg)
	}
	if err != nil {
		return nil, err
	}
	span := mo.t1 - mo.t0
	dur := span - float64(cfg.Athletes-1)*cfg.Stagger
	nf := int(math.Floor(dur*cfg.Rate+1e-9)) + 1
	if dur < 0 || nf < 2 {
		return nil, fmt.Errorf("%d athletes %v s apart leave no time of the %.2f s run: %w", cfg.Athletes, cfg.Stagger, span, ErrConfig)
	}
	nj := cfg.Set.Len()
	sc := &Scene{Set: cfg.Set, Rate: cfg.Rate, Run: mo.name, Frames: make([]SceneFrame, nf)}
	for f := range sc.Frames {
		sc.Frames[f].Time = float64(f) / cfg.Rate
	}
	sec := Section{X0: math.Inf(1), X1: math.Inf(-1), Y0: -0.6, Y1: float64(cfg.Athletes-1)*cfg.LaneWidth + 0.6}
	for k := range cfg.Athletes {
		at := AthleteTruth{
			ID: k, Lane: k, TimeShift: mo.t0 + float64(k)*cfg.Stagger,
			Offset: r3.Vec{Y: float64(k)*cfg.LaneWidth - mo.midY},
			Joints: make([][]r3.Vec, nf),
		}
		for f := range at.Joints {
			js := mo.jointsTo(make([]r3.Vec, nj), at.TimeShift+sc.Frames[f].Time)
			for j := range js {
				js[j] = r3.Add(js[j], at.Offset)
				if !isNaN(js[j]) {
					sec.X0, sec.X1 = math.Min(sec.X0, js[j].X), math.Max(sec.X1, js[j].X)
				}
			}
			at.Joints[f] = js
		}
		at.Gait = mo.gait(at.TimeShift, dur, at.Offset)
		sc.Truth = append(sc.Truth, at)
	}
	if math.IsInf(sec.X0, 0) {
		return nil, fmt.Errorf("keypoint set %q: no joint the %s run gives: %w", cfg.Set.Name, mo.name, ErrConfig)
	}
	if sc.Cameras, err = NewRig(cfg.Cameras, sec); err != nil {
		return nil, err
	}
	newDetector(cfg).detect(sc)
	return sc, nil
}

// motion is what a scene films: one athlete's joints over a span of time
// and the truth of its gait.
type motion struct {
	name   string
	t0, t1 float64 // the span with joints
	// jointsTo fills dst with the joints of the scene's set at time t
	// (t0 ≤ t ≤ t1) and returns it.
	jointsTo func(dst []r3.Vec, t float64) []r3.Vec
	// gait returns the gait of an athlete who starts the scene at time
	// shift, in scene time, for a scene of dur seconds, its positions
	// moved by off.
	gait func(shift, dur float64, off r3.Vec) Gait
	// midY is the y of the athlete's line of running, which goes to the
	// lane's centre.
	midY float64
}

// mocapMotion is a sprint mocap trial: joint centres at the mocap rate,
// resampled by Catmull–Rom cubics.
func mocapMotion(cfg SceneConfig) (*motion, error) {
	trial, err := LoadTrial(cfg.Dir, cfg.Run)
	if err != nil {
		return nil, err
	}
	if cfg.Rate > trial.Rate {
		return nil, fmt.Errorf("rate %v Hz above the mocap's %v Hz: %w", cfg.Rate, trial.Rate, ErrConfig)
	}
	joints, err := trial.JointCentres(cfg.Set)
	if err != nil {
		return nil, err
	}
	g, err := trial.Gait()
	if err != nil {
		return nil, err
	}
	// Per joint trajectories at the mocap rate, for interpolation.
	traj := make([][]r3.Vec, cfg.Set.Len())
	for j := range traj {
		traj[j] = make([]r3.Vec, trial.Len())
		for f := range joints {
			traj[j][f] = joints[f][j]
		}
	}
	t0 := trial.Times[0]
	midY := 0.0
	for _, c := range g.Contacts {
		midY += c.Position.Y
	}
	midY /= float64(len(g.Contacts)) // Gait found two at least
	return &motion{
		name: trial.Name, t0: t0, t1: trial.Times[trial.Len()-1],
		jointsTo: func(dst []r3.Vec, t float64) []r3.Vec {
			fi := (t - t0) * trial.Rate
			for j := range dst {
				dst[j] = catmullRom(traj[j], min(fi, float64(trial.Len()-1)))
			}
			return dst
		},
		gait: func(shift, dur float64, off r3.Vec) Gait { return shiftGait(g, shift, dur, off) },
		midY: midY, // the mean contact
	}, nil
}

// runnerMotion is the procedural runner of cfg.Runner.
func runnerMotion(cfg SceneConfig) (*motion, error) {
	r, err := NewRunner(cfg.Runner)
	if err != nil {
		return nil, err
	}
	return &motion{
		name: Procedural, t0: 0, t1: r.cfg.Duration,
		jointsTo: func(dst []r3.Vec, t float64) []r3.Vec { return r.JointsTo(dst, cfg.Set, t) },
		gait: func(shift, dur float64, off r3.Vec) Gait {
			// The speed over the athlete's own window: the runner
			// accelerates, so later athletes run faster.
			return shiftGait(r.gaitIn(shift, shift+dur), shift, dur, off)
		},
		midY: 0, // the feet land either side of y = 0
	}, nil
}

// shiftGait moves a trial's gait into scene time (trial time − shift) and
// the athlete's lane, keeping the contacts and steps inside [0, dur].
func shiftGait(g *Gait, shift, dur float64, off r3.Vec) Gait {
	const eps = 1e-9
	in := func(t float64) bool { return t >= -eps && t <= dur+eps }
	out := Gait{Speed: g.Speed}
	for _, c := range g.Contacts {
		c.Touchdown -= shift
		c.ToeOff -= shift
		c.Position = r3.Add(c.Position, off)
		if in(c.Touchdown) && in(c.ToeOff) {
			out.Contacts = append(out.Contacts, c)
		}
	}
	for _, s := range g.Steps {
		s.Start -= shift
		s.End -= shift
		if in(s.Start) && in(s.Start+s.Contact) && in(s.End) {
			out.Steps = append(out.Steps, s)
		}
	}
	return out
}

// detector adds the detection errors.
type detector struct {
	cfg   SceneConfig
	rng   *rand.Rand
	pairs [][2]int // left/right joint pairs of the set
}

func newDetector(cfg SceneConfig) *detector {
	d := &detector{cfg: cfg, rng: rand.New(rand.NewPCG(cfg.Seed, 0x61746831))}
	for i, n := range cfg.Set.Joints {
		if len(n) > 1 && n[0] == 'L' {
			if j := cfg.Set.Index("R" + n[1:]); j >= 0 {
				d.pairs = append(d.pairs, [2]int{i, j})
			}
		}
	}
	return d
}

// detect fills every frame's views. The draws run in a fixed order
// (frame, camera, athlete, joint), so a seed gives one scene.
func (d *detector) detect(sc *Scene) {
	for f := range sc.Frames {
		views := make([][]Detection, len(sc.Cameras))
		for c := range sc.Cameras {
			cam := &sc.Cameras[c]
			for _, at := range sc.Truth {
				if det, ok := d.view(cam, at.Joints[f]); ok {
					det.Athlete = at.ID
					views[c] = append(views[c], det)
				}
			}
			d.rng.Shuffle(len(views[c]), func(i, j int) { views[c][i], views[c][j] = views[c][j], views[c][i] })
		}
		sc.Frames[f].Views = views
	}
}

// view projects one athlete into one camera with the detection errors:
//
//  1. projection of every joint; a joint without truth, behind the camera
//     or outside the image is not detected;
//  2. with SwapRate, the left and right keypoints exchange places;
//  3. per detected keypoint: with MissRate it is dropped (score 0); else
//     with OutlierRate it jumps 0.5–1.5 × OutlierPx in a random direction
//     and scores 0.3–0.8 (uniform); else it gets Gaussian noise of NoisePx
//     per axis and scores 0.95 − 0.08·r + N(0, 0.03) clamped to
//     [0.3, 1], r the error over NoisePx (so about 0.85 on average).
//
// ok is false when no keypoint was detected.
func (d *detector) view(cam *calibration.Camera, joints []r3.Vec) (Detection, bool) {
	kps := make([]Keypoint2, len(joints))
	seen := 0
	for j, p := range joints {
		if isNaN(p) {
			continue
		}
		u, v, ok := cam.Project(p)
		if !ok || u < 0 || v < 0 || u > float64(cam.Width-1) || v > float64(cam.Height-1) {
			continue
		}
		kps[j] = Keypoint2{X: u, Y: v, Score: 1}
		seen++
	}
	if seen == 0 {
		return Detection{}, false
	}
	det := Detection{Keypoints: kps}
	if d.rng.Float64() < d.cfg.SwapRate {
		det.Swapped = true
		for _, p := range d.pairs {
			kps[p[0]], kps[p[1]] = kps[p[1]], kps[p[0]]
		}
	}
	cfg := &d.cfg
	found := false
	for j := range kps {
		k := &kps[j]
		if k.Score == 0 {
			continue
		}
		switch {
		case d.rng.Float64() < cfg.MissRate:
			*k = Keypoint2{}
			continue
		case d.rng.Float64() < cfg.OutlierRate:
			a := 2 * math.Pi * d.rng.Float64()
			r := cfg.OutlierPx * (0.5 + d.rng.Float64())
			k.X += r * math.Cos(a)
			k.Y += r * math.Sin(a)
			k.Score = 0.3 + 0.5*d.rng.Float64()
		default:
			ex, ey := cfg.NoisePx*d.rng.NormFloat64(), cfg.NoisePx*d.rng.NormFloat64()
			k.X += ex
			k.Y += ey
			r := 0.0
			if cfg.NoisePx > 0 {
				r = math.Hypot(ex, ey) / cfg.NoisePx
			}
			k.Score = min(max(0.95-0.08*r+0.03*d.rng.NormFloat64(), 0.3), 1)
		}
		found = true
	}
	return det, found
}
