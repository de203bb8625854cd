package onnx_test

import (
	"fmt"
	"os"

	"github.com/athlete3d/athlete3d/models/onnx"
)

func ExampleDescribe() {
	m := &onnx.Model{
		Opsets:       []onnx.Opset{{Version: 17}},
		ProducerName: "example",
		Graph: &onnx.Graph{
			Nodes: []*onnx.Node{
				{OpType: "Mul", Inputs: []string{"x", "two"}, Outputs: []string{"y"}},
				{OpType: "Relu", Inputs: []string{"y"}, Outputs: []string{"z"}},
			},
			Initializers: []*onnx.Tensor{onnx.NewFloat32("two", nil, []float32{2})},
			Inputs:       []*onnx.ValueInfo{onnx.TensorValue("x", onnx.Float, onnx.Symbolic("batch"), onnx.Fixed(3))},
			Outputs:      []*onnx.ValueInfo{onnx.TensorValue("z", onnx.Float, onnx.Symbolic("batch"), onnx.Fixed(3))},
		},
	}
	b, err := onnx.Encode(m)
	if err != nil {
		fmt.Println(err)
		return
	}
	back, err := onnx.Decode(b)
	if err != nil {
		fmt.Println(err)
		return
	}
	onnx.Describe(back).WriteText(os.Stdout)
	// Output:
	// producer:     example
	// ir version:   8
	// opsets:       ai.onnx 17
	// nodes:        2
	// initializers: 1 (1 parameters)
	// inputs:
	//   x float32[batch,3]
	// outputs:
	//   z float32[batch,3]
	// ops:
	//   Mul  1
	//   Relu 1
}
