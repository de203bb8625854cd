package tfjs

import (
	"fmt"

	"github.com/athlete3d/athlete3d/models/onnx"
)

// dtype is the element type of a tensor in the TF graph.
type dtype int

const (
	dtUnknown dtype = iota
	dtFloat
	dtInt32
	dtInt64
	dtBool
)

func (d dtype) String() string {
	switch d {
	case dtFloat:
		return "float32"
	case dtInt32:
		return "int32"
	case dtInt64:
		return "int64"
	case dtBool:
		return "bool"
	}
	return "unknown"
}

func (d dtype) size() int {
	switch d {
	case dtFloat, dtInt32:
		return 4
	case dtInt64:
		return 8
	case dtBool:
		return 1
	}
	return 0
}

func (d dtype) onnx() onnx.DataType {
	switch d {
	case dtFloat:
		return onnx.Float
	case dtInt32:
		return onnx.Int32
	case dtInt64:
		return onnx.Int64
	case dtBool:
		return onnx.Bool
	}
	return onnx.Undefined
}

// tfDtype maps a TensorFlow DataType name ("DT_FLOAT").
func tfDtype(s string) (dtype, bool) {
	switch s {
	case "DT_FLOAT":
		return dtFloat, true
	case "DT_INT32":
		return dtInt32, true
	case "DT_INT64":
		return dtInt64, true
	case "DT_BOOL":
		return dtBool, true
	}
	return dtUnknown, false
}

// manifestDtype maps a weights manifest dtype ("float32").
func manifestDtype(s string) (dtype, bool) {
	switch s {
	case "float32":
		return dtFloat, true
	case "int32":
		return dtInt32, true
	case "bool":
		return dtBool, true
	}
	return dtUnknown, false
}

// tensorData is a constant known at conversion time. Integers of every width
// are held in i, floats in f, booleans in b.
type tensorData struct {
	dtype dtype
	shape []int
	f     []float32
	i     []int64
	b     []bool
}

func (t *tensorData) len() int {
	switch {
	case t.f != nil:
		return len(t.f)
	case t.i != nil:
		return len(t.i)
	}
	return len(t.b)
}

// ints returns the values of an integer constant.
func (t *tensorData) ints() ([]int64, error) {
	if t.dtype != dtInt32 && t.dtype != dtInt64 {
		return nil, fmt.Errorf("constant is %v, want an integer", t.dtype)
	}
	return t.i, nil
}

// onnxTensor returns the constant as an ONNX initializer of its own dtype.
func (t *tensorData) onnxTensor(name string) *onnx.Tensor {
	dims := make([]int64, len(t.shape))
	for i, d := range t.shape {
		dims[i] = int64(d)
	}
	switch t.dtype {
	case dtFloat:
		return onnx.NewFloat32(name, dims, t.f)
	case dtInt32:
		v := make([]int32, len(t.i))
		for i, x := range t.i {
			v[i] = int32(x)
		}
		return onnx.NewInt32(name, dims, v)
	case dtInt64:
		return onnx.NewInt64(name, dims, t.i)
	}
	return onnx.NewBool(name, dims, t.b)
}

// reshaped returns t viewed with another shape of the same size (the data is
// shared).
func (t *tensorData) reshaped(shape []int) *tensorData {
	c := *t
	c.shape = append([]int{}, shape...)
	return &c
}

// transposed returns a copy of t with its axes permuted: out axis k is in
// axis perm[k].
func (t *tensorData) transposed(perm []int) *tensorData {
	r := len(t.shape)
	out := &tensorData{dtype: t.dtype, shape: make([]int, r)}
	in := strides(t.shape)
	step := make([]int, r) // source stride of each output axis
	for k, p := range perm {
		out.shape[k] = t.shape[p]
		step[k] = in[p]
	}
	switch {
	case t.f != nil:
		out.f = permute(t.f, out.shape, step)
	case t.i != nil:
		out.i = permute(t.i, out.shape, step)
	default:
		out.b = permute(t.b, out.shape, step)
	}
	return out
}

// permute walks the output in order with an odometer over its index,
// keeping the source offset up to date by strides.
func permute[T any](src []T, shape, step []int) []T {
	dst := make([]T, len(src))
	if len(dst) == 0 {
		return dst
	}
	idx := make([]int, len(shape))
	off := 0
	for o := range dst {
		dst[o] = src[off]
		for k := len(shape) - 1; k >= 0; k-- {
			idx[k]++
			off += step[k]
			if idx[k] < shape[k] {
				break
			}
			off -= step[k] * shape[k]
			idx[k] = 0
		}
	}
	return dst
}

func strides(shape []int) []int {
	s := make([]int, len(shape))
	acc := 1
	for i := len(shape) - 1; i >= 0; i-- {
		s[i] = acc
		acc *= max(shape[i], 1)
	}
	return s
}

func numElements(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}
