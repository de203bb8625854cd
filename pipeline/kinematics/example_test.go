package kinematics_test

import (
	"fmt"
	"math"

	"github.com/athlete3d/athlete3d/pipeline/kinematics"
	"github.com/athlete3d/athlete3d/skeleton"
	"gonum.org/v1/gonum/spatial/r3"
)

// runner returns a COCO-17 frame of a runner at 9 m/s: 0.1 s contacts,
// 0.12 s flights, the ankles 8 cm above the ground in contact and on an
// arc in between. The events fall 1.2 ms outside the contacts: they are
// the instants the ankle is within Config.TouchHeight (5 mm) of its level.
func runner(t float64) kinematics.Frame {
	const v, tc, ts = 9.0, 0.10, 0.22
	set := &skeleton.COCO17
	fr := kinematics.Frame{T: t, Joints: make([]r3.Vec, set.Len()), OK: make([]bool, set.Len())}
	put := func(name string, p r3.Vec) {
		i := set.Index(name)
		fr.Joints[i], fr.OK[i] = p, true
	}
	x := 40 + v*t
	put("LHip", r3.Vec{X: x, Y: 0.1, Z: 0.95})
	put("RHip", r3.Vec{X: x, Y: -0.1, Z: 0.95})
	for f, name := range []string{"LAnkle", "RAnkle"} {
		phase := t - float64(f)*ts // left lands at 0, 0.44, ...; right at 0.22, ...
		k := math.Floor(phase / (2 * ts))
		td := k * 2 * ts
		stand := 40 + v*(td+float64(f)*ts+tc/2) // under the pelvis mid-contact
		p := r3.Vec{X: stand, Y: 0.1 - 0.2*float64(f), Z: 0.08}
		if s := (phase - td - tc) / (2*ts - tc); s > 0 {
			p.X += 2 * v * ts * (s - math.Sin(2*math.Pi*s)/(2*math.Pi))
			p.Z += 0.2 * math.Sin(math.Pi*s)
		}
		put(name, p)
	}
	return fr
}

func ExampleLive() {
	live, err := kinematics.NewLive(&skeleton.COCO17, kinematics.Config{})
	if err != nil {
		fmt.Println(err)
		return
	}
	var line []byte
	for i := range 100 { // 2 s at 50 Hz
		s, err := live.Update(runner(float64(i) / 50))
		if err != nil {
			fmt.Println(err)
			return
		}
		for _, e := range live.Events() {
			if e.T > 1 && e.T < 1.5 {
				line = e.AppendJSON(line[:0], 7)
				fmt.Println(string(line))
			}
		}
		if i == 99 {
			fmt.Printf("t=%.2f s x=%.2f m speed=%.2f m/s\n", s.T, s.X, s.SmoothSpeed)
		}
	}
	for _, sp := range live.Splits() {
		fmt.Printf("%.0f m at %.3f s\n", sp.Mark, sp.T)
	}
	// Output:
	// {"event":"touchdown","athlete":7,"foot":"R","t":1.0988,"step_length":1.980,"contact_time":0.1025}
	// {"event":"toeoff","athlete":7,"foot":"R","t":1.2012}
	// {"event":"touchdown","athlete":7,"foot":"L","t":1.3188,"step_length":1.980,"contact_time":0.1025}
	// {"event":"toeoff","athlete":7,"foot":"L","t":1.4212}
	// t=1.98 s x=57.82 m speed=9.00 m/s
	// 50 m at 1.111 s
}
