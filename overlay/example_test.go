package overlay_test

import (
	"fmt"
	"math"

	"github.com/athlete3d/athlete3d/overlay"
)

func ExampleAppendBinary() {
	f := &overlay.Frame{Number: 42, Capture: 0.7, Athletes: []overlay.Athlete{{
		ID: 1, Lane: "4",
		Joints: []overlay.Joint{{X: 10.5, Y: 4.9, Z: 1.7, Conf: 0.9}},
		// Unknown metrics are NaN; the zero value would mean a known 0.
		Metrics: overlay.Metrics{Speed: 9.5, TopSpeed: math.NaN(), Distance: math.NaN(),
			StepLength: math.NaN(), StepFrequency: math.NaN(), ContactTime: math.NaN()},
	}}}
	bin := overlay.AppendBinary(nil, f)
	g, err := overlay.DecodeBinary(bin)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(bin), g.Number, g.Athletes[0].Lane, g.Athletes[0].Joints[0])
	fmt.Println(string(overlay.AppendJSON(nil, f)))
	// Output:
	// 69 42 4 {10.5 4.9 1.7 0.9}
	// {"type":"frame","n":42,"pub":0,"t":0.7,"athletes":[{"id":1,"lane":"4","joints":[[10.5,4.9,1.7,0.9]],"views":[],"metrics":{"speed":9.5}}]}
}
