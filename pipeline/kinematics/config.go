package kinematics

import (
	"fmt"
	"math"
	"slices"

	"github.com/athlete3d/athlete3d/skeleton"
)

// Config holds the tuning of an analysis. The zero value means "defaults
// for sprint analysis from 50–60 Hz markerless 3D"; every zero field takes
// the default written beside it. Lengths are in metres, times in seconds,
// speeds in metres per second. docs/metrics.md explains each choice.
type Config struct {
	// SpeedWindow is the span of the local quadratic fit of the pelvis
	// position that gives the instantaneous speed (default 0.1 s: short
	// enough to keep the within-step speed changes).
	SpeedWindow float64
	// SmoothWindow is the span of the fit that gives the smoothed speed
	// (default 0.5 s, about two sprint steps).
	SmoothWindow float64
	// AccelWindow is the span of the fit whose second derivative is the
	// acceleration (default 1.0 s).
	AccelWindow float64

	// SplitEvery places split marks every SplitEvery metres from the start
	// line (default 10 m). Negative: no automatic marks.
	SplitEvery float64
	// Splits, when not empty, are the split marks (metres from the start
	// line, increasing) and replace SplitEvery.
	Splits []float64
	// StartTime is the time of the start signal, the origin of the first
	// split's interval (default 0).
	StartTime float64

	// MaxGap is the longest run of missing data bridged: a longer gap in a
	// foot's data resets its contact state (no event is made up across
	// it), and the offline analysis interpolates gaps up to this long
	// (default 0.1 s).
	MaxGap float64

	// ContactHeight is the height of a foot's lowest point above the ground
	// level under which the foot may be in contact (default 0.04 m).
	ContactHeight float64
	// ReleaseHeight is the height over which a foot in contact is released
	// (default 0.07 m). It is larger than ContactHeight: hysteresis.
	ReleaseHeight float64
	// GroundTolerance is the height under which a sample counts as on the
	// ground when an event is timed between samples (default 0.015 m).
	GroundTolerance float64
	// TouchHeight defines the events: a foot touches down when its lowest
	// marker comes within TouchHeight of that marker's ground level and
	// lifts off when the last one rises above it (default 0.005 m: a
	// marker on a shoe resting on the ground moves by a few millimetres).
	TouchHeight float64

	// ContactSpeed is the horizontal speed of the foot's lowest point under
	// which the foot may be in contact: the larger of ContactSpeedMin
	// (default 1.0 m/s) and ContactSpeedFrac times the smoothed running
	// speed (default 0.35).
	ContactSpeedMin, ContactSpeedFrac float64
	// ReleaseSpeed is the horizontal speed over which a foot in contact is
	// released: the larger of ReleaseSpeedMin (default 2.0 m/s) and
	// ReleaseSpeedFrac times the smoothed running speed (default 0.6).
	ReleaseSpeedMin, ReleaseSpeedFrac float64

	// Confirm is the number of consecutive frames a new contact state must
	// hold before it is accepted (default 3). The live analysis emits an
	// event Confirm-1 frames after the first frame of the new state.
	Confirm int

	// MaxStepTime is the longest time between two touchdowns still linked
	// into a step (default 1.0 s); a stride may last twice that.
	MaxStepTime float64
}

// withDefaults returns c with zero fields replaced by their defaults, or an
// error naming the first field out of range.
func (c Config) withDefaults() (Config, error) {
	def := func(p *float64, v float64) {
		if *p == 0 {
			*p = v
		}
	}
	def(&c.SpeedWindow, 0.1)
	def(&c.SmoothWindow, 0.5)
	def(&c.AccelWindow, 1.0)
	def(&c.SplitEvery, 10)
	def(&c.MaxGap, 0.1)
	def(&c.ContactHeight, 0.04)
	def(&c.ReleaseHeight, 0.07)
	def(&c.GroundTolerance, 0.015)
	def(&c.TouchHeight, 0.005)
	def(&c.ContactSpeedMin, 1.0)
	def(&c.ContactSpeedFrac, 0.35)
	def(&c.ReleaseSpeedMin, 2.0)
	def(&c.ReleaseSpeedFrac, 0.6)
	def(&c.MaxStepTime, 1.0)
	if c.Confirm == 0 {
		c.Confirm = 3
	}

	positive := []struct {
		name string
		v    float64
	}{
		{"SpeedWindow", c.SpeedWindow},
		{"SmoothWindow", c.SmoothWindow},
		{"AccelWindow", c.AccelWindow},
		{"MaxGap", c.MaxGap},
		{"ContactHeight", c.ContactHeight},
		{"ReleaseHeight", c.ReleaseHeight},
		{"GroundTolerance", c.GroundTolerance},
		{"TouchHeight", c.TouchHeight},
		{"ContactSpeedMin", c.ContactSpeedMin},
		{"ContactSpeedFrac", c.ContactSpeedFrac},
		{"ReleaseSpeedMin", c.ReleaseSpeedMin},
		{"ReleaseSpeedFrac", c.ReleaseSpeedFrac},
		{"MaxStepTime", c.MaxStepTime},
	}
	for _, p := range positive {
		if !(p.v > 0) || math.IsInf(p.v, 0) {
			return c, fmt.Errorf("%w: %s = %v, want a finite positive value", ErrConfig, p.name, p.v)
		}
	}
	if math.IsNaN(c.SplitEvery) || math.IsInf(c.SplitEvery, 0) {
		return c, fmt.Errorf("%w: SplitEvery = %v", ErrConfig, c.SplitEvery)
	}
	if math.IsNaN(c.StartTime) || math.IsInf(c.StartTime, 0) {
		return c, fmt.Errorf("%w: StartTime = %v", ErrConfig, c.StartTime)
	}
	if c.TouchHeight > c.GroundTolerance {
		return c, fmt.Errorf("%w: TouchHeight %v above GroundTolerance %v", ErrConfig, c.TouchHeight, c.GroundTolerance)
	}
	if c.ReleaseHeight < c.ContactHeight {
		return c, fmt.Errorf("%w: ReleaseHeight %v below ContactHeight %v", ErrConfig, c.ReleaseHeight, c.ContactHeight)
	}
	if c.ReleaseSpeedMin < c.ContactSpeedMin || c.ReleaseSpeedFrac < c.ContactSpeedFrac {
		return c, fmt.Errorf("%w: release speed below contact speed", ErrConfig)
	}
	if c.Confirm < 1 || c.Confirm > maxConfirm {
		return c, fmt.Errorf("%w: Confirm = %d, want 1..%d", ErrConfig, c.Confirm, maxConfirm)
	}
	for i, m := range c.Splits {
		if math.IsNaN(m) || math.IsInf(m, 0) || (i > 0 && m <= c.Splits[i-1]) {
			return c, fmt.Errorf("%w: Splits[%d] = %v, want finite increasing marks", ErrConfig, i, m)
		}
	}
	c.Splits = slices.Clone(c.Splits)
	return c, nil
}

// prepare resolves the joints of set and completes cfg: what both
// analyses start with.
func prepare(set *skeleton.Set, cfg Config) (layout, Config, error) {
	lay, err := newLayout(set)
	if err != nil {
		return layout{}, cfg, fmt.Errorf("kinematics: %w", err)
	}
	c, err := cfg.withDefaults()
	if err != nil {
		return layout{}, cfg, fmt.Errorf("kinematics: %w", err)
	}
	return lay, c, nil
}

// contactSpeed and releaseSpeed are the foot-speed thresholds at running
// speed v.
func (c *Config) contactSpeed(v float64) float64 {
	return max(c.ContactSpeedMin, c.ContactSpeedFrac*math.Abs(v))
}

func (c *Config) releaseSpeed(v float64) float64 {
	return max(c.ReleaseSpeedMin, c.ReleaseSpeedFrac*math.Abs(v))
}

// maxWindow is the longest of the fit windows.
func (c *Config) maxWindow() float64 {
	return max(c.SpeedWindow, c.SmoothWindow, c.AccelWindow)
}
