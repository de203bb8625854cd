package fusion

import (
	"fmt"
	"math"
	"math/cmplx"
	"time"

	"gonum.org/v1/gonum/spatial/r3"
)

// EuroConfig configures a One Euro filter (Casiraghi, Roussel and Vogel,
// CHI 2012): a first-order low-pass whose cutoff rises with speed,
//
//	cutoff = MinCutoff + Beta·speed,
//
// so a joint at rest is smoothed hard (jitter goes) and a fast one lightly
// (lag stays small). The zero value means the defaults, chosen for joints
// in metres triangulated at 50–60 Hz:
//
//   - MinCutoff 1 Hz: a still joint with 1 cm of jitter keeps about 2.5 mm
//     at 50 Hz.
//   - Beta 2 per metre (Hz per m/s): at constant velocity v the filter lags
//     v/(2π·(MinCutoff+Beta·v)), at most 1/(2π·Beta) ≈ 8 cm however fast the
//     joint moves (7.6 cm at 10 m/s, 6.4 cm at 2 m/s).
//   - DCutoff 1 Hz for the speed estimate.
//
// Beta < 0 turns the speed term off (a plain low-pass at MinCutoff).
//
// The speed is the low-passed difference of successive raw samples (not of
// the raw sample against the previous filtered value, which would overstate
// it by lag/Δt), so at constant velocity it settles on the true speed and
// the lag above is exact.
type EuroConfig struct {
	MinCutoff float64 // Hz, cutoff at rest
	Beta      float64 // Hz per m/s; 0 means the default, < 0 means none
	DCutoff   float64 // Hz, cutoff of the derivative's low-pass

	// Reset is the longest gap in a joint's samples across which the filter
	// keeps its state; after a longer gap the next sample starts afresh.
	// Default 250 ms.
	Reset time.Duration
}

// Defaults of EuroConfig.
const (
	defaultMinCutoff = 1.0
	defaultBeta      = 2.0
	defaultDCutoff   = 1.0
	defaultReset     = 250 * time.Millisecond
)

// resolve returns the configuration with defaults filled in.
func (c EuroConfig) resolve() (EuroConfig, error) {
	if c.MinCutoff == 0 {
		c.MinCutoff = defaultMinCutoff
	}
	if c.Beta == 0 {
		c.Beta = defaultBeta
	} else if c.Beta < 0 {
		c.Beta = 0
	}
	if c.DCutoff == 0 {
		c.DCutoff = defaultDCutoff
	}
	if c.Reset == 0 {
		c.Reset = defaultReset
	}
	if !(c.MinCutoff > 0) || math.IsInf(c.MinCutoff, 0) || !(c.DCutoff > 0) || math.IsInf(c.DCutoff, 0) ||
		math.IsNaN(c.Beta) || math.IsInf(c.Beta, 0) || c.Reset < 0 {
		return c, fmt.Errorf("one euro: min cutoff %v, beta %v, d cutoff %v, reset %v: %w",
			c.MinCutoff, c.Beta, c.DCutoff, c.Reset, ErrFilterConfig)
	}
	return c, nil
}

// smoothing returns the weight of a new sample in an exponential smoother
// with the given cutoff (Hz) after dt seconds: 1/(1 + τ/dt), τ = 1/(2π·fc).
func smoothing(cutoff, dt float64) float64 {
	return 1 / (1 + 1/(2*math.Pi*cutoff*dt))
}

// Euro is a One Euro filter for one scalar signal. Its zero value filters
// with the default configuration; set Config before the first sample.
type Euro struct {
	Config EuroConfig

	x, dx, raw float64
	last       time.Duration
	ok         bool
}

// Filter takes the sample x at time t and returns the filtered value. A NaN
// sample is a missing one: it returns NaN and leaves the state as it was.
// Timestamps may be irregular but must increase.
func (e *Euro) Filter(t time.Duration, x float64) (float64, error) {
	c, err := e.Config.resolve()
	if err != nil {
		return math.NaN(), err
	}
	if math.IsNaN(x) {
		return x, nil
	}
	if e.ok && t <= e.last {
		return math.NaN(), fmt.Errorf("one euro: sample at %v after %v: %w", t, e.last, ErrNotMonotonic)
	}
	if !e.ok || t-e.last > c.Reset {
		e.x, e.dx, e.raw, e.last, e.ok = x, 0, x, t, true
		return x, nil
	}
	dt := (t - e.last).Seconds()
	e.dx += smoothing(c.DCutoff, dt) * ((x-e.raw)/dt - e.dx)
	e.x += smoothing(c.MinCutoff+c.Beta*math.Abs(e.dx), dt) * (x - e.x)
	e.raw, e.last = x, t
	return e.x, nil
}

// Reset forgets the state; the next sample passes unchanged.
func (e *Euro) Reset() { e.ok = false }

// EuroFilter filters skeletons of one track with a One Euro filter per
// joint, in place. Each joint keeps its own state per axis (position and
// velocity); the cutoff of a joint is set by its speed, the norm of its
// filtered 3D velocity, so the smoothing does not depend on how the world
// axes are laid out.
//
// An EuroFilter belongs to one track and one goroutine.
type EuroFilter struct {
	cfg    EuroConfig
	joints []euroJoint
}

type euroJoint struct {
	x, dx, raw r3.Vec // filtered position and velocity, last sample
	last       time.Duration
	ok         bool
}

// NewEuroFilter returns a filter for skeletons of the given number of
// joints.
func NewEuroFilter(joints int, cfg EuroConfig) (*EuroFilter, error) {
	c, err := cfg.resolve()
	if err != nil {
		return nil, err
	}
	if joints < 0 {
		return nil, fmt.Errorf("one euro: %d joints: %w", joints, ErrFilterConfig)
	}
	return &EuroFilter{cfg: c, joints: make([]euroJoint, joints)}, nil
}

// Filter replaces the position of every OK joint of s, seen at time t, by
// its filtered value. Joints that are not OK are left as they are and do
// not touch the state: a joint back after a gap of at most Config.Reset
// continues from where it was, after a longer gap it starts afresh.
// Timestamps may be irregular but must increase; a sample at or before the
// previous one is an error and leaves s and the state untouched.
func (f *EuroFilter) Filter(t time.Duration, s *Skeleton3) error {
	if len(s.Joints) != len(f.joints) {
		return fmt.Errorf("one euro: got %d joints, want %d: %w", len(s.Joints), len(f.joints), ErrJointsMismatch)
	}
	for i := range f.joints {
		if j := &f.joints[i]; j.ok && s.Joints[i].OK && t <= j.last {
			return fmt.Errorf("one euro: joint %d at %v after %v: %w", i, t, j.last, ErrNotMonotonic)
		}
	}
	c := &f.cfg
	for i := range f.joints {
		sj := &s.Joints[i]
		if !sj.OK {
			continue
		}
		j := &f.joints[i]
		if !j.ok || t-j.last > c.Reset {
			j.x, j.dx, j.raw, j.last, j.ok = sj.P, r3.Vec{}, sj.P, t, true
			continue
		}
		dt := (t - j.last).Seconds()
		v := r3.Scale(1/dt, r3.Sub(sj.P, j.raw))
		j.dx = r3.Add(j.dx, r3.Scale(smoothing(c.DCutoff, dt), r3.Sub(v, j.dx)))
		a := smoothing(c.MinCutoff+c.Beta*r3.Norm(j.dx), dt)
		j.x = r3.Add(j.x, r3.Scale(a, r3.Sub(sj.P, j.x)))
		j.raw, j.last = sj.P, t
		sj.P = j.x
	}
	return nil
}

// Reset forgets the state of every joint.
func (f *EuroFilter) Reset() {
	for i := range f.joints {
		f.joints[i].ok = false
	}
}

// ButterworthConfig configures a zero-phase Butterworth low-pass for
// recorded sequences. The zero value of a field means its default; Rate has
// none and must be set.
type ButterworthConfig struct {
	// Order of the filter run in each direction, 1 to 8; default 2 (the
	// biomechanics standard: the zero-phase result falls off as a 4th
	// order filter).
	Order int
	// Cutoff is the −3 dB frequency (amplitude 1/√2) of the zero-phase
	// result, forward and backward passes together, in Hz; default 8 Hz.
	// Each pass is designed with a higher cutoff (Winter's correction, see
	// Butterworth.PassCutoff) so that the two together meet this one.
	Cutoff float64
	// Rate is the sampling rate in Hz; required.
	Rate float64
	// MaxGap is the longest run of missing samples, inside a sequence, that
	// FiltFilt fills by linear interpolation before filtering; longer gaps
	// stay missing and split the sequence into parts filtered on their own.
	// Default round(0.2 s·Rate) (10 samples at 50 Hz); negative: fill none.
	MaxGap int
}

const (
	maxButterOrder      = 8
	defaultButterOrder  = 2
	defaultButterCutoff = 8.0
	defaultMaxGap       = 0.2 // seconds
)

// biquad is one second-order section, direct form II transposed, with
// unit gain at DC: y = b0·x + s1; s1 = b1·x − a1·y + s2; s2 = b2·x − a2·y.
type biquad struct{ b0, b1, b2, a1, a2 float64 }

// Butterworth is a digital Butterworth low-pass (bilinear transform with
// prewarping, as cascaded second-order sections) applied forward and
// backward for zero phase. It keeps scratch buffers between calls, so it
// belongs to one goroutine.
type Butterworth struct {
	cfg  ButterworthConfig
	pass float64 // −3 dB frequency of one pass, Hz
	sec  [(maxButterOrder + 1) / 2]biquad
	nsec int

	work, ext, col []float64
}

// NewButterworth designs the filter.
func NewButterworth(cfg ButterworthConfig) (*Butterworth, error) {
	if cfg.Order == 0 {
		cfg.Order = defaultButterOrder
	}
	if cfg.Cutoff == 0 {
		cfg.Cutoff = defaultButterCutoff
	}
	if cfg.MaxGap == 0 {
		cfg.MaxGap = int(math.Round(defaultMaxGap * cfg.Rate))
	}
	if cfg.Order < 1 || cfg.Order > maxButterOrder || !(cfg.Rate > 0) || math.IsInf(cfg.Rate, 0) ||
		!(cfg.Cutoff > 0) || cfg.Cutoff >= cfg.Rate/2 {
		return nil, fmt.Errorf("butterworth: order %d, cutoff %v Hz, rate %v Hz: %w",
			cfg.Order, cfg.Cutoff, cfg.Rate, ErrFilterConfig)
	}
	b := &Butterworth{cfg: cfg}

	// Each pass has |H|² = 1/(1 + (tan(πf/fs)/K)^(2N)) with K = tan(πfp/fs);
	// the zero-phase gain is |H|², which is 1/√2 at the cutoff fc when
	// K = tan(πfc/fs) / (√2−1)^(1/(2N)).
	n := cfg.Order
	k := math.Tan(math.Pi*cfg.Cutoff/cfg.Rate) / math.Pow(math.Sqrt2-1, 1/float64(2*n))
	b.pass = math.Atan(k) * cfg.Rate / math.Pi
	k2 := k * k
	for i := 0; i < n/2; i++ {
		// Analog pole pair at angle θ from the imaginary axis:
		// s² + 2 sin θ·s + 1.
		theta := float64(2*i+1) * math.Pi / float64(2*n)
		d := 2 * math.Sin(theta)
		norm := 1 / (1 + d*k + k2)
		b.sec[b.nsec] = biquad{
			b0: k2 * norm, b1: 2 * k2 * norm, b2: k2 * norm,
			a1: 2 * (k2 - 1) * norm, a2: (1 - d*k + k2) * norm,
		}
		b.nsec++
	}
	if n%2 == 1 {
		// Real pole: 1/(s+1).
		g := k / (1 + k)
		b.sec[b.nsec] = biquad{b0: g, b1: g, a1: (k - 1) / (k + 1)}
		b.nsec++
	}
	return b, nil
}

// PassCutoff returns the −3 dB frequency of a single pass, in Hz: above
// Config.Cutoff, since the zero-phase result squares the gain.
func (b *Butterworth) PassCutoff() float64 { return b.pass }

// Config returns the configuration with defaults filled in.
func (b *Butterworth) Config() ButterworthConfig { return b.cfg }

// Response returns the complex frequency response of a single pass at f Hz.
// The zero-phase gain of FiltFilt is |Response(f)|², with no phase.
func (b *Butterworth) Response(f float64) complex128 {
	z1 := cmplx.Exp(complex(0, -2*math.Pi*f/b.cfg.Rate)) // z⁻¹
	z2 := z1 * z1
	h := complex(1, 0)
	for _, s := range b.sec[:b.nsec] {
		num := complex(s.b0, 0) + complex(s.b1, 0)*z1 + complex(s.b2, 0)*z2
		den := 1 + complex(s.a1, 0)*z1 + complex(s.a2, 0)*z2
		h *= num / den
	}
	return h
}

// padLen is the number of samples added by odd reflection at each end of
// a segment: 3·(order+1) (as scipy's filtfilt) plus three periods of the
// pass cutoff, enough for the start-up transient (already small, since
// each pass starts in the steady state of the ramp through its first two
// samples) to die away. A segment shorter than that is padded by one
// sample less than its length.
func (b *Butterworth) padLen() int {
	return 3*(b.cfg.Order+1) + int(math.Ceil(3*b.cfg.Rate/b.pass))
}

// FiltFilt writes to dst the zero-phase filtered src (sampled at
// Config.Rate). dst and src must have the same length and may be the same
// slice. NaN or infinite samples are missing: runs of at most
// Config.MaxGap of them with samples on both sides are filled by linear
// interpolation and filtered with the rest; longer runs and runs at either
// end stay NaN in dst, and the parts between them are filtered separately,
// each padded at both ends by odd reflection (2·x₀ − x_k) so that levels and
// slopes carry through the edges.
func (b *Butterworth) FiltFilt(dst, src []float64) error {
	n := len(src)
	if len(dst) != n {
		return fmt.Errorf("butterworth: dst has %d samples, src %d: %w", len(dst), n, ErrFilterConfig)
	}
	b.work = growFloats(b.work, n)
	w := b.work
	copy(w, src)

	// Fill short interior gaps.
	for i := 0; i < n; {
		if finiteSample(w[i]) {
			i++
			continue
		}
		e := i
		for e < n && !finiteSample(w[e]) {
			e++
		}
		if i > 0 && e < n && e-i <= b.cfg.MaxGap {
			x0, x1 := w[i-1], w[e]
			span := float64(e - i + 1)
			for k := i; k < e; k++ {
				w[k] = x0 + (x1-x0)*float64(k-i+1)/span
			}
		} else {
			for k := i; k < e; k++ {
				w[k] = math.NaN()
			}
		}
		i = e
	}

	// Filter each run of samples.
	for i := 0; i < n; {
		if math.IsNaN(w[i]) {
			dst[i] = math.NaN()
			i++
			continue
		}
		e := i
		for e < n && !math.IsNaN(w[e]) {
			e++
		}
		b.segment(dst[i:e], w[i:e])
		i = e
	}
	return nil
}

// segment filters one gap-free run x into dst.
func (b *Butterworth) segment(dst, x []float64) {
	m := len(x)
	if m < 2 {
		copy(dst, x)
		return
	}
	pad := min(m-1, b.padLen())
	b.ext = growFloats(b.ext, m+2*pad)
	ext := b.ext
	copy(ext[pad:], x)
	for k := 1; k <= pad; k++ {
		ext[pad-k] = 2*x[0] - x[k]
		ext[pad+m-1+k] = 2*x[m-1] - x[m-1-k]
	}
	for _, s := range b.sec[:b.nsec] {
		s.forward(ext)
	}
	for _, s := range b.sec[:b.nsec] {
		s.backward(ext)
	}
	copy(dst, ext[pad:pad+m])
}

// init returns the state in which the section would be after an infinite
// ramp through x0 with the given step per sample: the output of a ramp is
// the same ramp delayed by the section's group delay at DC, D.
func (s biquad) init(x0, step float64) (s1, s2 float64) {
	d := (s.b1+2*s.b2)/(s.b0+s.b1+s.b2) - (s.a1+2*s.a2)/(1+s.a1+s.a2)
	x1, x2 := x0-step, x0-2*step // inputs one and two samples back
	y1, y2 := x1-step*d, x2-step*d
	return s.b1*x1 - s.a1*y1 + s.b2*x2 - s.a2*y2, s.b2*x1 - s.a2*y1
}

// forward runs the section over x (at least two samples) in place,
// starting in the steady state of the ramp through x[0] and x[1], so that
// lines pass without a start-up transient.
func (s biquad) forward(x []float64) {
	s1, s2 := s.init(x[0], x[1]-x[0])
	for i, in := range x {
		y := s.b0*in + s1
		s1 = s.b1*in - s.a1*y + s2
		s2 = s.b2*in - s.a2*y
		x[i] = y
	}
}

// backward is forward run from the last sample to the first.
func (s biquad) backward(x []float64) {
	n := len(x)
	s1, s2 := s.init(x[n-1], x[n-2]-x[n-1])
	for i := n - 1; i >= 0; i-- {
		in := x[i]
		y := s.b0*in + s1
		s1 = s.b1*in - s.a1*y + s2
		s2 = s.b2*in - s.a2*y
		x[i] = y
	}
}

// FilterTrack filters, in place, the recorded skeletons of one track,
// seq[k] sampled at time k/Config.Rate (a frame where the person was not
// seen is a skeleton with no OK joint). Each joint's each axis goes through
// FiltFilt, with joints that are not OK as missing samples. A joint filled
// by interpolation becomes OK with Views 0 and Error 0, which marks it as
// filled; IDs are left alone.
func (b *Butterworth) FilterTrack(seq []Skeleton3) error {
	if len(seq) == 0 {
		return nil
	}
	joints := len(seq[0].Joints)
	for k := range seq {
		if len(seq[k].Joints) != joints {
			return fmt.Errorf("butterworth: frame %d has %d joints, frame 0 %d: %w", k, len(seq[k].Joints), joints, ErrJointsMismatch)
		}
	}
	b.col = growFloats(b.col, 3*len(seq))
	x, y, z := b.col[:len(seq)], b.col[len(seq):2*len(seq)], b.col[2*len(seq):]
	for j := 0; j < joints; j++ {
		for k := range seq {
			if jt := seq[k].Joints[j]; jt.OK {
				x[k], y[k], z[k] = jt.P.X, jt.P.Y, jt.P.Z
			} else {
				x[k], y[k], z[k] = math.NaN(), math.NaN(), math.NaN()
			}
		}
		for _, c := range [3][]float64{x, y, z} {
			if err := b.FiltFilt(c, c); err != nil {
				return err
			}
		}
		for k := range seq {
			jt := &seq[k].Joints[j]
			if math.IsNaN(x[k]) {
				continue
			}
			if !jt.OK {
				jt.OK, jt.Views, jt.Error = true, 0, 0
			}
			jt.P = r3.Vec{X: x[k], Y: y[k], Z: z[k]}
		}
	}
	return nil
}

func finiteSample(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// growFloats returns s resized to n, reallocating only when it is too small.
func growFloats(s []float64, n int) []float64 {
	if cap(s) < n {
		return make([]float64, n)
	}
	return s[:n]
}
