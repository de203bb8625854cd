package tfjs_test

import (
	"fmt"

	"github.com/athlete3d/athlete3d/models/onnx"
	"github.com/athlete3d/athlete3d/models/tfjs"
)

func ExampleConvert() {
	m, err := tfjs.Convert("testdata/tiny/model.json", tfjs.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	d := onnx.Describe(m)
	fmt.Println("in: ", d.Inputs[0])
	fmt.Println("out:", d.Outputs[0])
	fmt.Println("opset", m.Opset(""))
	// Output:
	// in:  x:0 float32[batch,3]
	// out: out:0 float32[batch,3]
	// opset 17
}
