package kinematics

// gait links the events of both feet into steps, strides, contacts and
// flights, and keeps the run's step statistics.
type gait struct {
	cfg *Config
	td  [2]mark // each foot's last touchdown
	to  [2]mark // each foot's last toe-off

	steps                              int
	sumStepLen, sumStepFreq, sumFlight float64
	flights                            int
	contacts                           int
	sumContact                         float64
}

// mark is a remembered event.
type mark struct {
	t, x    float64
	contact float64 // toe-offs: the contact time, when known
	ok      bool
	hasCT   bool
}

// forget drops foot f's history (after a gap in its data).
func (g *gait) forget(f Foot) {
	g.td[f] = mark{}
	g.to[f] = mark{}
}

// link fills the step, stride, contact and flight values of e from the
// events before it and remembers e.
func (g *gait) link(e *FootEvent) {
	f, o := e.Foot, 1-e.Foot
	if e.Kind == ToeOff {
		g.to[f] = mark{t: e.T, x: e.Pos.X, ok: true, contact: e.ContactTime, hasCT: e.Has(HasContactTime)}
		if e.Has(HasContactTime) {
			g.contacts++
			g.sumContact += e.ContactTime
		}
		return
	}
	if p := g.td[o]; p.ok && e.T > p.t && e.T-p.t <= g.cfg.MaxStepTime {
		e.StepLength, e.StepTime = e.Pos.X-p.x, e.T-p.t
		e.Valid |= HasStep
		g.steps++
		g.sumStepLen += e.StepLength
		g.sumStepFreq += 1 / e.StepTime
	}
	if p := g.td[f]; p.ok && e.T > p.t && e.T-p.t <= 2*g.cfg.MaxStepTime {
		e.StrideLength, e.StrideTime = e.Pos.X-p.x, e.T-p.t
		e.Valid |= HasStride
	}
	// The contact that ended last is the other foot's, if its toe-off
	// follows its own touchdown and precedes this one.
	if q, p := g.to[o], g.td[o]; q.ok && p.ok && q.t > p.t && q.t < e.T && e.T-q.t <= g.cfg.MaxStepTime {
		if q.hasCT {
			e.ContactTime = q.contact
			e.Valid |= HasContactTime
		}
		e.FlightTime = e.T - q.t
		e.Valid |= HasFlightTime
		g.flights++
		g.sumFlight += e.FlightTime
	}
	g.td[f] = mark{t: e.T, x: e.Pos.X, ok: true}
}

// summarize writes the step statistics into s.
func (g *gait) summarize(s *Summary) {
	s.Steps, s.Contacts = g.steps, g.contacts
	s.MeanStepLength, s.MeanStepFrequency, s.MeanFlightTime, s.MeanContactTime = 0, 0, 0, 0
	if g.steps > 0 {
		s.MeanStepLength = g.sumStepLen / float64(g.steps)
		s.MeanStepFrequency = g.sumStepFreq / float64(g.steps)
	}
	if g.flights > 0 {
		s.MeanFlightTime = g.sumFlight / float64(g.flights)
	}
	if g.contacts > 0 {
		s.MeanContactTime = g.sumContact / float64(g.contacts)
	}
}
