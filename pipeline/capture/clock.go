package capture

import (
	"math"
	"math/rand/v2"
	"time"
)

// nominalPeriod spaces the frames of a video that gives neither usable
// presentation times nor a frame rate, when SourceConfig.FPS is unset: a
// guess, but one that keeps the frames in order.
const nominalPeriod = time.Second / 30

// streamClock turns a video's presentation times (OpenCV's
// CAP_PROP_POS_MSEC after each read) into strictly increasing stream
// times, counted from the first frame.
//
// Decoders do not always give a usable time: OpenCV reports 0 when a
// packet has none (the last frame of some AVI files), and a stream with
// B-frames may stamp its first frame one period late. So the first frame
// is time 0 and the origin of the presentation times; a time that is
// missing, negative or not after the last one is replaced by the previous
// frame's time plus one period.
type streamClock struct {
	n       int64         // frames stamped
	havePTS bool          // a usable presentation time has been seen
	base    time.Duration // the presentation time of stream time 0
	lastPTS time.Duration // the last usable presentation time
	last    time.Duration // the previous frame's stream time
}

// next returns the stream time of the frame whose presentation time is
// ptsMsec (milliseconds); period is the frame period (positive).
func (c *streamClock) next(ptsMsec float64, period time.Duration) time.Duration {
	p, ok := msec(ptsMsec)
	ok = ok && (!c.havePTS || p > c.lastPTS)
	var t time.Duration
	switch {
	case c.n == 0:
		t = 0
	case !ok:
		t = c.last + period
	case !c.havePTS:
		// The first usable time after frames without one: it continues
		// their spacing.
		t = c.last + period
	default:
		t = p - c.base
	}
	if c.n > 0 && t <= c.last {
		// Times replaced earlier ran ahead of the presentation times.
		t = c.last + period
	}
	if ok {
		if !c.havePTS {
			c.base = p - t
		}
		c.havePTS, c.lastPTS = true, p
	}
	c.n++
	c.last = t
	return t
}

// msec converts OpenCV's milliseconds, reporting whether the value is a
// usable time.
func msec(ms float64) (time.Duration, bool) {
	if math.IsNaN(ms) || ms < 0 || ms > float64(math.MaxInt64/int64(time.Millisecond)) {
		return 0, false
	}
	return time.Duration(math.Round(ms * float64(time.Millisecond))), true
}

// period returns the frame period of rate fps, 0 when the rate is not a
// usable number; rates above 10 kHz are taken for junk.
func period(fps float64) time.Duration {
	if math.IsNaN(fps) || fps <= 0 || fps > 10000 {
		return 0
	}
	return time.Duration(math.Round(float64(time.Second) / fps))
}

// jitter returns a wait drawn evenly from [d/2, d], so that cameras
// dropped together (a switch reboot) do not all knock again together.
func jitter(d time.Duration) time.Duration {
	if d < 2 {
		return d
	}
	return d/2 + rand.N(d/2+1)
}
