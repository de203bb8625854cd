package kinematics

import "math"

// splitter finds the times the pelvis crosses the split marks.
type splitter struct {
	cfg   *Config
	next  int // index of the next mark
	prevT float64
	prevX float64
	prev  bool
	lastT float64 // time of the previous split, or the start time
}

// mark returns the k-th mark and whether there is one.
func (s *splitter) mark(k int) (float64, bool) {
	if len(s.cfg.Splits) > 0 {
		if k < len(s.cfg.Splits) {
			return s.cfg.Splits[k], true
		}
		return 0, false
	}
	if s.cfg.SplitEvery < 0 {
		return 0, false
	}
	return float64(k+1) * s.cfg.SplitEvery, true
}

// maxRunSpeed bounds the pelvis speed between two frames (m/s) that a
// split crossing is interpolated over: a faster jump is a tracking glitch,
// and the position is ignored by the splits.
const maxRunSpeed = 15

// update feeds the pelvis position x at time t and appends to dst the
// splits crossed since the previous position. Marks already passed at the
// first position, or crossed during a gap longer than Config.MaxGap, are
// skipped.
func (s *splitter) update(dst []Split, t, x float64) []Split {
	if !s.prev {
		s.lastT = s.cfg.StartTime
		s.skip(x)
		s.prevT, s.prevX, s.prev = t, x, true
		return dst
	}
	if (x-s.prevX)/(t-s.prevT) > maxRunSpeed || (s.prevX-x)/(t-s.prevT) > maxRunSpeed {
		return dst
	}
	if t-s.prevT > s.cfg.MaxGap {
		s.skip(x)
	}
	for {
		m, ok := s.mark(s.next)
		if !ok || x < m {
			break
		}
		s.next++
		if s.prevX >= m {
			continue
		}
		tc := s.prevT + (m-s.prevX)/(x-s.prevX)*(t-s.prevT)
		dst = append(dst, Split{Mark: m, T: tc, Interval: tc - s.lastT})
		s.lastT = tc
	}
	s.prevT, s.prevX = t, x
	return dst
}

// skip moves past the marks at or before x without splits.
func (s *splitter) skip(x float64) {
	if len(s.cfg.Splits) == 0 {
		if s.cfg.SplitEvery > 0 && x >= s.cfg.SplitEvery {
			s.next = max(s.next, int(min(math.Floor(x/s.cfg.SplitEvery), 1e9)))
		}
		return
	}
	for s.next < len(s.cfg.Splits) && s.cfg.Splits[s.next] <= x {
		s.next++
	}
}
