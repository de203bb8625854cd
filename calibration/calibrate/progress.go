package calibrate

// Progress receives the advance of a long run: stage names the work (for
// example "cam_0: searching for the board"), done of total units (frames,
// images, iterations; total 0 when unknown). It is called from the
// goroutine that runs the calibration, at most once per unit.
type Progress func(stage string, done, total int)

// report calls p if it is set.
func (p Progress) report(stage string, done, total int) {
	if p != nil {
		p(stage, done, total)
	}
}
