package tfjs

import (
	"fmt"
	"math"
	"strings"

	"github.com/athlete3d/athlete3d/models/onnx"
)

// handler converts one TF node whose inputs are in, returning its outputs in
// order.
type handler func(c *converter, n *nodeDef, in []*value) ([]*value, error)

var handlers map[string]handler

func init() {
	handlers = map[string]handler{
		"Identity":     identity,
		"Snapshot":     identity,
		"StopGradient": identity,
		"IdentityN":    identityN,

		"Add":               binary("Add"),
		"AddV2":             binary("Add"),
		"BiasAdd":           biasAdd,
		"Sub":               binary("Sub"),
		"Mul":               binary("Mul"),
		"RealDiv":           div,
		"Div":               div,
		"FloorDiv":          floorDiv,
		"FloorMod":          floorMod,
		"Maximum":           binary("Max"),
		"Minimum":           binary("Min"),
		"Pow":               binary("Pow"),
		"SquaredDifference": squaredDifference,
		"AddN":              addN,
		"Equal":             compare("Equal", false),
		"NotEqual":          compare("Equal", true),
		"Less":              compare("Less", false),
		"LessEqual":         compare("LessOrEqual", false),
		"Greater":           compare("Greater", false),
		"GreaterEqual":      compare("GreaterOrEqual", false),
		"LogicalAnd":        compare("And", false),
		"LogicalOr":         compare("Or", false),
		"SelectV2":          selectV2,

		"Abs":        unaryOp("Abs"),
		"Ceil":       unaryOp("Ceil"),
		"Cos":        unaryOp("Cos"),
		"Elu":        unaryOp("Elu"),
		"Erf":        unaryOp("Erf"),
		"Exp":        unaryOp("Exp"),
		"Floor":      unaryOp("Floor"),
		"Log":        unaryOp("Log"),
		"LogicalNot": unaryOp("Not"),
		"Neg":        unaryOp("Neg"),
		"Reciprocal": unaryOp("Reciprocal"),
		"Inv":        unaryOp("Reciprocal"),
		"Relu":       unaryOp("Relu"),
		"Round":      unaryOp("Round"),
		"Selu":       unaryOp("Selu"),
		"Sigmoid":    unaryOp("Sigmoid"),
		"Sign":       unaryOp("Sign"),
		"Sin":        unaryOp("Sin"),
		"Softplus":   unaryOp("Softplus"),
		"Sqrt":       unaryOp("Sqrt"),
		"Tanh":       unaryOp("Tanh"),
		"Relu6":      relu6,
		"LeakyRelu":  leakyRelu,
		"Rsqrt":      rsqrt,
		"Square":     square,
		"Softmax":    softmax("Softmax"),
		"LogSoftmax": softmax("LogSoftmax"),
		"Cast":       cast,

		"Conv2D":                     conv,
		"_FusedConv2D":               conv,
		"DepthwiseConv2dNative":      conv,
		"FusedDepthwiseConv2dNative": conv,
		"MaxPool":                    pool,
		"AvgPool":                    pool,
		"ResizeBilinear":             resize,
		"ResizeNearestNeighbor":      resize,
		"FusedBatchNorm":             batchNorm,
		"FusedBatchNormV3":           batchNorm,
		"MatMul":                     matMul,
		"BatchMatMul":                matMul,
		"BatchMatMulV2":              matMul,
		"_FusedMatMul":               matMul,

		"Mean": reduce("ReduceMean"),
		"Sum":  reduce("ReduceSum"),
		"Max":  reduce("ReduceMax"),
		"Min":  reduce("ReduceMin"),
		"Prod": reduce("ReduceProd"),

		"ArgMax": argMinMax("ArgMax"),
		"ArgMin": argMinMax("ArgMin"),
		"TopKV2": topK,

		"Reshape":      reshapeOp,
		"Squeeze":      squeeze,
		"ExpandDims":   expandDims,
		"Shape":        shapeOp,
		"Pack":         pack,
		"Unpack":       unpack,
		"ConcatV2":     concat,
		"Split":        split,
		"SplitV":       split,
		"StridedSlice": stridedSlice,
		"Slice":        slice,
		"Transpose":    transpose,
		"Pad":          pad,
		"PadV2":        pad,
		"MirrorPad":    pad,
		"GatherV2":     gather,
		"GatherNd":     gatherND,
	}
}

// ---- helpers ---------------------------------------------------------------

// maxOutputs bounds the outputs of Unpack and Split.
const maxOutputs = 1 << 12

func want(in []*value, k int) error {
	if len(in) < k {
		return fmt.Errorf("%w: %d inputs, want %d", ErrGraph, len(in), k)
	}
	return nil
}

// konst returns the constant value of input i.
func konst(in []*value, i int, what string) (*tensorData, error) {
	if i >= len(in) {
		return nil, fmt.Errorf("%w: missing input %d (%s)", ErrGraph, i, what)
	}
	if in[i].konst == nil {
		return nil, fmt.Errorf("%w: input %d (%s) must be a constant", ErrGraph, i, what)
	}
	return in[i].konst, nil
}

func konstInts(in []*value, i int, what string) ([]int64, error) {
	t, err := konst(in, i, what)
	if err != nil {
		return nil, err
	}
	v, err := t.ints()
	if err != nil {
		return nil, fmt.Errorf("%w: input %d (%s): %w", ErrGraph, i, what, err)
	}
	return v, nil
}

func unsupported(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrUnsupportedOp, fmt.Sprintf(format, args...))
}

func one(v *value, err error) ([]*value, error) {
	if err != nil {
		return nil, err
	}
	return []*value{v}, nil
}

// ---- elementwise -----------------------------------------------------------

func identity(c *converter, n *nodeDef, in []*value) ([]*value, error) {
	if err := want(in, 1); err != nil {
		return nil, err
	}
	return []*value{in[0]}, nil
}

func identityN(c *converter, n *nodeDef, in []*value) ([]*value, error) {
	return in, nil
}

func binary(opType string) handler {
	return func(c *converter, n *nodeDef, in []*value) ([]*value, error) {
		if err := want(in, 2); err != nil {
			return nil, err
		}
		return one(c.elementwise(opType, in[:2], in[0].dtype))
	}
}

func biasAdd(c *converter, n *nodeDef, in []*value) ([]*value, error) {
	if err := want(in, 2); err != nil {
		return nil, err
	}
	if f, _ := n.attrString("data_format", "NHWC"); f != "NHWC" {
		return nil, unsupported("BiasAdd data_format %s", f)
	}
	return one(c.elementwise("Add", in[:2], in[0].dtype))
}

func isInt(d dtype) bool { return d == dtInt32 || d == dtInt64 }

// div is RealDiv and Div. TF.js divides int32 tensors with floor division.
func div(c *converter, n *nodeDef, in []*value) ([]*value, error) {
	if err := want(in, 2); err != nil {
		return nil, err
	}
	if isInt(in[0].dtype) {
		return floorDiv(c, n, in)
	}
	return one(c.elementwise("Div", in[:2], in[0].dtype))
}

// floorDiv rounds towards -Inf. For integers ONNX Div truncates, so the
// quotient is computed exactly as (a - floormod(a, b)) / b.
func floorDiv(c *converter, n *nodeDef, in []*value) ([]*value, error) {
	if err := want(in, 2); err != nil {
		return nil, err
	}
	a, b := in[0], in[1]
	if isInt(a.dtype) {
		m, err := c.elementwise("Mod", []*value{a, b}, a.dtype, onnx.Int("fmod", 0))
		if err != nil {
			return nil, err
		}
		d, err := c.elementwise("Sub", []*value{a, m}, a.dtype)
		if err != nil {
			return nil, err
		}
		return one(c.elementwise("Div", []*value{d, b}, a.dtype))
	}
	q, err := c.elementwise("Div", []*value{a, b}, a.dtype)
	if err != nil {
		return nil, err
	}
	return []*value{c.unary("Floor", q, a.dtype)}, nil
}

// floorMod takes the sign of the divisor. ONNX Mod with fmod=0 does that for
// integers; for floats fmod=1 (the sign of the dividend) is corrected.
func floorMod(c *converter, n *nodeDef, in []*value) ([]*value, error) {
	if err := want(in, 2); err != nil {
		return nil, err
	}
	a, b := in[0], in[1]
	if isInt(a.dtype) {
		return one(c.elementwise("Mod", in[:2], a.dtype, onnx.Int("fmod", 0)))
	}
	r, err := c.elementwise("Mod", in[:2], a.dtype, onnx.Int("fmod", 1))
	if err != nil {
		return nil, err
	}
	zero := &value{dtype: dtFloat, shape: []int{}, konst: &tensorData{dtype: dtFloat, shape: []int{}, f: []float32{0}}, hint: "zero"}
	rNeg, err := c.elementwise("Less", []*value{r, zero}, dtBool)
	if err != nil {
		return nil, err
	}
	bNeg, err := c.elementwise("Less", []*value{b, zero}, dtBool)
	if err != nil {
		return nil, err
	}
	differ, err := c.elementwise("Xor", []*value{rNeg, bNeg}, dtBool)
	if err != nil {
		return nil, err
	}
	isZero, err := c.elementwise("Equal", []*value{r, zero}, dtBool)
	if err != nil {
		return nil, err
	}
	nonZero := c.unary("Not", isZero, dtBool)
	fix, err := c.elementwise("And", []*value{differ, nonZero}, dtBool)
	if err != nil {
		return nil, err
	}
	sum, err := c.elementwise("Add", []*value{r, b}, a.dtype)
	if err != nil {
		return nil, err
	}
	return one(c.elementwise("Where", []*value{fix, sum, r}, a.dtype))
}

func squaredDifference(c *converter, n *nodeDef, in []*value) ([]*value, error) {
	if err := want(in, 2); err != nil {
		return nil, err
	}
	d, err := c.elementwise("Sub", in[:2], in[0].dtype)
	if err != nil {
		return nil, err
	}
	return one(c.elementwise("Mul", []*value{d, d}, in[0].dtype))
}

func addN(c *converter, n *nodeDef, in []*value) ([]*value, error) {
	if err := want(in, 1); err != nil {
		return nil, err
	}
	if len(in) == 1 {
		return in[:1], nil
	}
	return one(c.elementwise("Sum", in, in[0].dtype))
}

func compare(opType string, negate bool) handler {
	return func(c *converter, n *nodeDef, in []*value) ([]*value, error) {
		if err := want(in, 2); err != nil {
			return nil, err
		}
		v, err := c.elementwise(opType, in[:2], dtBool)
		if err != nil || !negate {
			return one(v, err)
		}
		return []*value{c.unary("Not", v, dtBool)}, nil
	}
}

func selectV2(c *converter, n *nodeDef, in []*value) ([]*value, error) {
	if err := want(in, 3); err != nil {
		return nil, err
	}
	return one(c.elementwise("Where", in[:3], in[1].dtype))
}

func unaryOp(opType string) handler {
	return func(c *converter, n *nodeDef, in []*value) ([]*value, error) {
		if err := want(in, 1); err != nil {
			return nil, err
		}
		return []*value{c.unary(opType, in[0], in[0].dtype)}, nil
	}
}

func relu6(c *converter, n *nodeDef, in []*value) ([]*value, error) {
	if err := want(in, 1); err != nil {
		return nil, err
	}
	v := in[0]
	res := &value{dtype: v.dtype, shape: v.shape, rep: v.rep, nchw: v.nchw}
	res.name = c.clip(c.ref(v), v.dtype, 0, 6)
	return []*value{res}, nil
}

func (c *converter) clip(x string, dt dtype, lo, hi float64) string {
	return c.op("Clip", []string{x, c.scalar(dt, lo), c.scalar(dt, hi)})
}

func leakyRelu(c *converter, n *nodeDef, in []*value) ([]*value, error) {
	if err := want(in, 1); err != nil {
		return nil, err
	}
	alpha, err := n.attrFloat("alpha", 0.2)
	if err != nil {
		return nil, err
	}
	return []*value{c.unary("LeakyRelu", in[0], in[0].dtype, onnx.Float32("alpha", float32(alpha)))}, nil
}

func rsqrt(c *converter, n *nodeDef, in []*value) ([]*value, error) {
	if err := want(in, 1); err != nil {
		return nil, err
	}
	s := c.unary("Sqrt", in[0], in[0].dtype)
	return []*value{c.unary("Reciprocal", s, in[0].dtype)}, nil
}

func square(c *converter, n *nodeDef, in []*value) ([]*value, error) {
	if err := want(in, 1); err != nil {
		return nil, err
	}
	return one(c.elementwise("Mul", []*value{in[0], in[0]}, in[0].dtype))
}

func softmax(opType string) handler {
	return func(c *converter, n *nodeDef, in []*value) ([]*value, error) {
		if err := want(in, 1); err != nil {
			return nil, err
		}
		v := in[0]
		if len(v.shape) == 0 {
			return nil, fmt.Errorf("%w: %s of a scalar", ErrGraph, n.Op)
		}
		x, axis, r := c.axisView(v, len(v.shape)-1)
		res := &value{dtype: v.dtype, shape: v.shape, rep: r}
		res.name = c.op(opType, []string{x}, onnx.Int("axis", int64(axis)))
		return []*value{res}, nil
	}
}

func cast(c *converter, n *nodeDef, in []*value) ([]*value, error) {
	if err := want(in, 1); err != nil {
		return nil, err
	}
	to, err := n.attrType("DstT")
	if err != nil {
		return nil, err
	}
	v := in[0]
	if v.dtype == to {
		return []*value{v}, nil
	}
	if v.konst != nil {
		return []*value{{dtype: to, shape: v.shape, konst: castData(v.konst, to), hint: n.Name}}, nil
	}
	return []*value{c.unary("Cast", v, to, onnx.Int("to", int64(to.onnx())))}, nil
}

// castData converts a constant as TF does: floats to integers truncate.
func castData(t *tensorData, to dtype) *tensorData {
	out := &tensorData{dtype: to, shape: t.shape}
	n := t.len()
	get := func(i int) float64 {
		switch {
		case t.f != nil:
			return float64(t.f[i])
		case t.i != nil:
			return float64(t.i[i])
		case t.b[i]:
			return 1
		}
		return 0
	}
	switch to {
	case dtFloat:
		out.f = make([]float32, n)
		for i := range out.f {
			if t.i != nil {
				out.f[i] = float32(t.i[i])
			} else {
				out.f[i] = float32(get(i))
			}
		}
	case dtBool:
		out.b = make([]bool, n)
		for i := range out.b {
			out.b[i] = get(i) != 0
		}
	default:
		out.i = make([]int64, n)
		for i := range out.i {
			if t.i != nil {
				out.i[i] = t.i[i]
				if to == dtInt32 {
					out.i[i] = int64(int32(t.i[i]))
				}
			} else {
				out.i[i] = int64(math.Trunc(get(i)))
			}
		}
	}
	return out
}

// ---- reductions and selection ---------------------------------------------

func reduce(opType string) handler {
	return func(c *converter, n *nodeDef, in []*value) ([]*value, error) {
		if err := want(in, 2); err != nil {
			return nil, err
		}
		v := in[0]
		raw, err := konstInts(in, 1, "reduction axes")
		if err != nil {
			return nil, err
		}
		keep, err := n.attrBool("keep_dims", false)
		if err != nil {
			return nil, err
		}
		r := len(v.shape)
		set := map[int]bool{}
		for _, a := range raw {
			ax, err := normAxis(a, r)
			if err != nil {
				return nil, fmt.Errorf("%w: %w", ErrGraph, err)
			}
			set[ax] = true
		}
		var shape []int
		for i, d := range v.shape {
			switch {
			case !set[i]:
				shape = append(shape, d)
			case keep:
				shape = append(shape, 1)
			}
		}
		if len(set) == 0 {
			return []*value{v}, nil
		}
		res := &value{dtype: v.dtype, shape: shape, rep: v.rep}
		var x string
		var axes []int64
		switch {
		case v.rep == shared:
			x = c.nhwc(v)
			for a := range r {
				if set[a] {
					axes = append(axes, int64(a))
				}
			}
		case v.rep == lead && v.nchw && (keep || nchwOrderKept(set)):
			// Reduce in NCHW: TF axis a is ONNX axis nchwPos[a].
			x = c.ref(v)
			res.nchw = keep
			for _, a := range []int{1, 2, 3} {
				if set[a] {
					axes = append(axes, int64(nchwPos[a]))
				}
			}
			if set[0] && !keep {
				res.rep = extra
			}
		case v.rep == lead:
			// TF axis 0 has size 1: reducing it is a no-op on the data,
			// but without keep_dims the batch axis then stands for nothing
			// of TF's, which is the extra rep.
			x = c.nhwc(v)
			for a := 1; a < r; a++ {
				if set[a] {
					axes = append(axes, int64(a))
				}
			}
			if set[0] && !keep {
				res.rep = extra
			}
		default:
			x = c.nhwc(v)
			for a := range r {
				if set[a] {
					axes = append(axes, int64(a+1))
				}
			}
		}
		if len(axes) == 0 {
			res.name = x
			if res.nchw != v.nchw {
				res.name = c.nhwc(v)
			}
			return []*value{res}, nil
		}
		k := int64(0)
		if keep {
			k = 1
		}
		if opType == "ReduceSum" {
			res.name = c.op(opType, []string{x, c.i64s(axes...)}, onnx.Int("keepdims", k))
		} else {
			res.name = c.op(opType, []string{x}, onnx.Ints("axes", axes...), onnx.Int("keepdims", k))
		}
		return []*value{res}, nil
	}
}

// nchwPos is the NCHW position of each NHWC axis.
var nchwPos = [4]int{0, 2, 3, 1}

// nchwOrderKept reports whether dropping the axes in set leaves the
// remaining axes in the same order in NCHW as in NHWC.
func nchwOrderKept(set map[int]bool) bool {
	return set[3] || (set[1] && set[2])
}

func argMinMax(opType string) handler {
	return func(c *converter, n *nodeDef, in []*value) ([]*value, error) {
		if err := want(in, 2); err != nil {
			return nil, err
		}
		v := in[0]
		a, err := konstInts(in, 1, "dimension")
		if err != nil {
			return nil, err
		}
		if len(a) != 1 {
			return nil, fmt.Errorf("%w: dimension has %d values", ErrGraph, len(a))
		}
		axis, err := normAxis(a[0], len(v.shape))
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrGraph, err)
		}
		outType := dtInt64
		if _, ok := n.Attr["output_type"]; ok {
			if outType, err = n.attrType("output_type"); err != nil {
				return nil, err
			}
		}
		x, oa, r := c.axisView(v, axis)
		shape := append(append([]int{}, v.shape[:axis]...), v.shape[axis+1:]...)
		if r == lead && len(shape) == 0 {
			r = extra
		}
		res := &value{dtype: outType, shape: shape, rep: r}
		y := c.op(opType, []string{x}, onnx.Int("axis", int64(oa)), onnx.Int("keepdims", 0), onnx.Int("select_last_index", 0))
		if outType != dtInt64 {
			y = c.op("Cast", []string{y}, onnx.Int("to", int64(outType.onnx())))
		}
		res.name = y
		return []*value{res}, nil
	}
}

// topK is TopKV2 on the last axis, largest first. ONNX TopK breaks ties by
// the lower index, as TF does.
func topK(c *converter, n *nodeDef, in []*value) ([]*value, error) {
	if err := want(in, 2); err != nil {
		return nil, err
	}
	v := in[0]
	kv, err := konstInts(in, 1, "k")
	if err != nil {
		return nil, err
	}
	if len(kv) != 1 || len(v.shape) == 0 {
		return nil, fmt.Errorf("%w: TopKV2 wants a scalar k and a non-scalar input", ErrGraph)
	}
	last := len(v.shape) - 1
	k := int(kv[0])
	if k < 0 || k > v.shape[last] {
		return nil, fmt.Errorf("%w: k %d for a last dimension of %d", ErrGraph, k, v.shape[last])
	}
	x, axis, r := c.axisView(v, last)
	outs := c.opN("TopK", []string{x, c.i64s(int64(k))}, 2,
		onnx.Int("axis", int64(axis)), onnx.Int("largest", 1), onnx.Int("sorted", 1))
	shape := append(append([]int{}, v.shape[:last]...), k)
	idxType := dtInt32
	if _, ok := n.Attr["index_type"]; ok {
		if idxType, err = n.attrType("index_type"); err != nil {
			return nil, err
		}
	}
	idx := outs[1]
	if idxType != dtInt64 {
		idx = c.op("Cast", []string{idx}, onnx.Int("to", int64(idxType.onnx())))
	}
	return []*value{
		{name: outs[0], dtype: v.dtype, shape: shape, rep: r},
		{name: idx, dtype: idxType, shape: append([]int{}, shape...), rep: r},
	}, nil
}

// ---- shape manipulation ----------------------------------------------------

func reshapeOp(c *converter, n *nodeDef, in []*value) ([]*value, error) {
	if err := want(in, 2); err != nil {
		return nil, err
	}
	raw, err := konstInts(in, 1, "shape")
	if err != nil {
		return nil, err
	}
	v := in[0]
	total := numElements(v.shape)
	shape := make([]int, len(raw))
	infer, known := -1, 1
	for i, d := range raw {
		switch {
		case d == -1 && infer < 0:
			infer = i
		case d < 0:
			return nil, fmt.Errorf("%w: bad shape %v", ErrGraph, raw)
		default:
			shape[i] = int(d)
			known *= int(d)
		}
	}
	if infer >= 0 {
		if known == 0 || total%known != 0 {
			return nil, fmt.Errorf("%w: cannot reshape %v to %v", ErrGraph, v.shape, raw)
		}
		shape[infer] = total / known
	} else if known != total {
		return nil, fmt.Errorf("%w: cannot reshape %v to %v", ErrGraph, v.shape, raw)
	}
	return []*value{c.reshape(v, shape)}, nil
}

func squeeze(c *converter, n *nodeDef, in []*value) ([]*value, error) {
	if err := want(in, 1); err != nil {
		return nil, err
	}
	v := in[0]
	dims, err := n.attrInts("squeeze_dims", nil)
	if err != nil {
		return nil, err
	}
	if _, ok := n.Attr["axis"]; ok && len(dims) == 0 {
		if dims, err = n.attrInts("axis", nil); err != nil {
			return nil, err
		}
	}
	drop := map[int]bool{}
	for _, d := range dims {
		a, err := normAxis(d, len(v.shape))
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrGraph, err)
		}
		if v.shape[a] != 1 {
			return nil, fmt.Errorf("%w: cannot squeeze axis %d of shape %v", ErrGraph, a, v.shape)
		}
		drop[a] = true
	}
	shape := []int{}
	for i, d := range v.shape {
		if drop[i] || (len(dims) == 0 && d == 1) {
			continue
		}
		shape = append(shape, d)
	}
	return []*value{c.reshape(v, shape)}, nil
}

func expandDims(c *converter, n *nodeDef, in []*value) ([]*value, error) {
	if err := want(in, 2); err != nil {
		return nil, err
	}
	a, err := konstInts(in, 1, "dim")
	if err != nil {
		return nil, err
	}
	if len(a) != 1 {
		return nil, fmt.Errorf("%w: dim has %d values", ErrGraph, len(a))
	}
	v := in[0]
	axis, err := normAxis(a[0], len(v.shape)+1)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrGraph, err)
	}
	shape := append(append(append([]int{}, v.shape[:axis]...), 1), v.shape[axis:]...)
	return []*value{c.reshape(v, shape)}, nil
}

// shapeOp is Shape: the shape of one batch item, known statically.
func shapeOp(c *converter, n *nodeDef, in []*value) ([]*value, error) {
	if err := want(in, 1); err != nil {
		return nil, err
	}
	dt := dtInt32
	if _, ok := n.Attr["out_type"]; ok {
		var err error
		if dt, err = n.attrType("out_type"); err != nil {
			return nil, err
		}
	}
	t := &tensorData{dtype: dt, shape: []int{len(in[0].shape)}, i: toI64(in[0].shape)}
	return []*value{{dtype: dt, shape: t.shape, konst: t}}, nil
}

// gatherReps brings per-item values to one rep: lead when useLead (every
// value then has TF dim 0 of size 1) else extra. Shared values are expanded.
func (c *converter) gatherReps(vs []*value, useLead bool) []string {
	names := make([]string, len(vs))
	r := extra
	if useLead {
		r = lead
	}
	for i, v := range vs {
		names[i] = c.asRep(v, r)
	}
	return names
}

func anyPerItem(vs []*value) bool {
	for _, v := range vs {
		if v.perItem() {
			return true
		}
	}
	return false
}

func pack(c *converter, n *nodeDef, in []*value) ([]*value, error) {
	if err := want(in, 1); err != nil {
		return nil, err
	}
	a, err := n.attrInt("axis", 0)
	if err != nil {
		return nil, err
	}
	s := in[0].shape
	for _, v := range in[1:] {
		if !equalInts(v.shape, s) {
			return nil, fmt.Errorf("%w: Pack of shapes %v and %v", ErrGraph, s, v.shape)
		}
	}
	axis, err := normAxis(a, len(s)+1)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrGraph, err)
	}
	shape := append(append(append([]int{}, s[:axis]...), len(in)), s[axis:]...)
	res := &value{dtype: in[0].dtype, shape: shape}
	var names []string
	oa := axis
	switch {
	case !anyPerItem(in):
		for _, v := range in {
			names = append(names, c.nhwc(v))
		}
	case axis >= 1 && s[0] == 1:
		res.rep = lead
		names = c.gatherReps(in, true)
	default:
		res.rep = extra
		names = c.gatherReps(in, false)
		oa++
	}
	for i, x := range names {
		names[i] = c.op("Unsqueeze", []string{x, c.i64s(int64(oa))})
	}
	if len(names) == 1 {
		res.name = names[0]
	} else {
		res.name = c.op("Concat", names, onnx.Int("axis", int64(oa)))
	}
	return []*value{res}, nil
}

func concat(c *converter, n *nodeDef, in []*value) ([]*value, error) {
	if err := want(in, 2); err != nil {
		return nil, err
	}
	a, err := konstInts(in, len(in)-1, "axis")
	if err != nil {
		return nil, err
	}
	vs := in[:len(in)-1]
	if len(a) != 1 {
		return nil, fmt.Errorf("%w: axis has %d values", ErrGraph, len(a))
	}
	r := len(vs[0].shape)
	axis, err := normAxis(a[0], r)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrGraph, err)
	}
	shape := append([]int{}, vs[0].shape...)
	shape[axis] = 0
	anyNCHW := false
	for _, v := range vs {
		if len(v.shape) != r {
			return nil, fmt.Errorf("%w: ConcatV2 of ranks %d and %d", ErrGraph, r, len(v.shape))
		}
		for i := range shape {
			if i != axis && v.shape[i] != shape[i] {
				return nil, fmt.Errorf("%w: ConcatV2 of shapes %v and %v", ErrGraph, vs[0].shape, v.shape)
			}
		}
		shape[axis] += v.shape[axis]
		anyNCHW = anyNCHW || (v.perItem() && v.nchw)
	}
	if len(vs) == 1 {
		return []*value{vs[0]}, nil
	}
	res := &value{dtype: vs[0].dtype, shape: shape}
	names := make([]string, len(vs))
	oa := axis
	switch {
	case !anyPerItem(vs):
		for i, v := range vs {
			names[i] = c.nhwc(v)
		}
	case r == 4 && shape[0] == 1 && axis >= 1 && anyNCHW:
		res.rep, res.nchw = lead, true
		oa = nchwPos[axis]
		for i, v := range vs {
			x := v
			if v.perItem() {
				x = c.reshapeTo(v, v.shape, lead)
			} else {
				x = &value{name: c.asRep(v, lead), dtype: v.dtype, shape: v.shape, rep: lead}
			}
			names[i] = c.nchw(x)
		}
	case axis >= 1 && shape[0] == 1:
		res.rep = lead
		names = c.gatherReps(vs, true)
	default:
		res.rep = extra
		names = c.gatherReps(vs, false)
		oa++
	}
	res.name = c.op("Concat", names, onnx.Int("axis", int64(oa)))
	return []*value{res}, nil
}

func unpack(c *converter, n *nodeDef, in []*value) ([]*value, error) {
	if err := want(in, 1); err != nil {
		return nil, err
	}
	v := in[0]
	a, err := n.attrInt("axis", 0)
	if err != nil {
		return nil, err
	}
	axis, err := normAxis(a, len(v.shape))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrGraph, err)
	}
	num := v.shape[axis]
	if k, err := n.attrInt("num", int64(num)); err != nil || int(k) != num {
		return nil, fmt.Errorf("%w: Unpack num %d for a dimension of %d", ErrGraph, k, num)
	}
	if num > maxOutputs {
		return nil, unsupported("Unpack into %d tensors", num)
	}
	shape := append(append([]int{}, v.shape[:axis]...), v.shape[axis+1:]...)
	if v.rep == lead && axis == 0 {
		// One item along TF axis 0: the same data, now with the batch in
		// front of the remaining axes.
		return []*value{{name: c.nhwc(v), dtype: v.dtype, shape: shape, rep: extra}}, nil
	}
	x, oa, r := c.axisView(v, axis)
	var parts []string
	if num == 1 {
		parts = []string{x}
	} else {
		parts = c.opN("Split", []string{x}, num, onnx.Int("axis", int64(oa)))
	}
	outs := make([]*value, num)
	for i, p := range parts {
		outs[i] = &value{dtype: v.dtype, shape: append([]int{}, shape...), rep: r,
			name: c.op("Squeeze", []string{p, c.i64s(int64(oa))})}
	}
	return outs, nil
}

// split is Split (axis, value) and SplitV (value, size_splits, axis).
func split(c *converter, n *nodeDef, in []*value) ([]*value, error) {
	var v *value
	var axisIn int
	if n.Op == "Split" {
		if err := want(in, 2); err != nil {
			return nil, err
		}
		v, axisIn = in[1], 0
	} else {
		if err := want(in, 3); err != nil {
			return nil, err
		}
		v, axisIn = in[0], 2
	}
	a, err := konstInts(in, axisIn, "axis")
	if err != nil {
		return nil, err
	}
	if len(a) != 1 {
		return nil, fmt.Errorf("%w: axis has %d values", ErrGraph, len(a))
	}
	axis, err := normAxis(a[0], len(v.shape))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrGraph, err)
	}
	dim := v.shape[axis]
	var sizes []int64
	if n.Op == "Split" {
		k, err := n.attrInt("num_split", 1)
		if err != nil {
			return nil, err
		}
		if k <= 0 || k > maxOutputs || dim%int(k) != 0 {
			return nil, fmt.Errorf("%w: cannot split %d into %d", ErrGraph, dim, k)
		}
		for range k {
			sizes = append(sizes, int64(dim)/k)
		}
	} else {
		if sizes, err = konstInts(in, 1, "size_splits"); err != nil {
			return nil, err
		}
		if len(sizes) == 0 || len(sizes) > maxOutputs {
			return nil, fmt.Errorf("%w: %d splits", ErrGraph, len(sizes))
		}
		sizes = append([]int64(nil), sizes...)
		sum, infer := int64(0), -1
		for i, s := range sizes {
			if s < 0 {
				infer = i
			} else {
				sum += s
			}
		}
		if infer >= 0 {
			sizes[infer] = int64(dim) - sum
			sum = int64(dim)
		}
		if sum != int64(dim) {
			return nil, fmt.Errorf("%w: splits %v of a dimension of %d", ErrGraph, sizes, dim)
		}
	}
	x, oa, r := c.axisView(v, axis)
	if r == lead && axis == 0 {
		x, oa, r = c.asRep(v, extra), 1, extra
	}
	parts := []string{x}
	if len(sizes) > 1 {
		parts = c.opN("Split", []string{x, c.i64s(sizes...)}, len(sizes), onnx.Int("axis", int64(oa)))
	}
	outs := make([]*value, len(sizes))
	for i, p := range parts {
		shape := append([]int{}, v.shape...)
		shape[axis] = int(sizes[i])
		outs[i] = &value{name: p, dtype: v.dtype, shape: shape, rep: r}
	}
	return outs, nil
}

func transpose(c *converter, n *nodeDef, in []*value) ([]*value, error) {
	if err := want(in, 2); err != nil {
		return nil, err
	}
	raw, err := konstInts(in, 1, "perm")
	if err != nil {
		return nil, err
	}
	v := in[0]
	r := len(v.shape)
	if len(raw) != r {
		return nil, fmt.Errorf("%w: perm %v for rank %d", ErrGraph, raw, r)
	}
	perm := make([]int, r)
	seen := make([]bool, r)
	shape := make([]int, r)
	for i, p := range raw {
		if p < 0 || int(p) >= r || seen[p] {
			return nil, fmt.Errorf("%w: bad perm %v", ErrGraph, raw)
		}
		seen[p] = true
		perm[i] = int(p)
		shape[i] = v.shape[p]
	}
	if v.konst != nil {
		return []*value{{dtype: v.dtype, shape: shape, konst: v.konst.transposed(perm)}}, nil
	}
	res := &value{dtype: v.dtype, shape: shape, rep: v.rep}
	switch {
	case v.rep == shared:
		res.name = c.op("Transpose", []string{c.nhwc(v)}, onnx.Ints("perm", toI64(perm)...))
	case v.rep == lead && perm[0] == 0:
		res.name = c.op("Transpose", []string{c.nhwc(v)}, onnx.Ints("perm", toI64(perm)...))
	default:
		res.rep = extra
		p := []int64{0}
		for _, x := range perm {
			p = append(p, int64(x+1))
		}
		res.name = c.op("Transpose", []string{c.asRep(v, extra)}, onnx.Ints("perm", p...))
	}
	return []*value{res}, nil
}

// sliceDim is the resolved slice of one input axis.
type sliceDim struct {
	start, stop, step int
	shrink            bool
}

// full reports whether the slice keeps the whole axis of size d.
func (s sliceDim) full(d int) bool { return !s.shrink && s.start == 0 && s.stop == d && s.step == 1 }

func (s sliceDim) size() int {
	if s.shrink {
		return 1
	}
	if s.step > 0 {
		return max(0, (s.stop-s.start+s.step-1)/s.step)
	}
	return max(0, (s.start-s.stop-s.step-1)/(-s.step))
}

// stridedSpec resolves TF StridedSlice arguments against shape: the slice
// of each input axis and the output shape (after shrink and new axes).
func stridedSpec(shape []int, begin, end, stride []int64, beginMask, endMask, ellipsisMask, newMask, shrinkMask int64) ([]sliceDim, []int, error) {
	m := len(begin)
	if len(end) != m || len(stride) != m {
		return nil, nil, fmt.Errorf("begin, end and strides have %d, %d and %d values", m, len(end), len(stride))
	}
	if m > 64 {
		return nil, nil, fmt.Errorf("%d slice entries", m)
	}
	bit := func(mask int64, i int) bool { return mask>>uint(i)&1 == 1 }
	real := 0
	hasEllipsis := false
	for i := range m {
		switch {
		case bit(ellipsisMask, i):
			if hasEllipsis {
				return nil, nil, fmt.Errorf("more than one ellipsis")
			}
			hasEllipsis = true
		case bit(newMask, i):
		default:
			real++
		}
	}
	if real > len(shape) {
		return nil, nil, fmt.Errorf("%d slice entries for rank %d", real, len(shape))
	}
	dims := make([]sliceDim, 0, len(shape))
	var out []int
	fullDim := func() {
		d := shape[len(dims)]
		dims = append(dims, sliceDim{0, d, 1, false})
		out = append(out, d)
	}
	for i := range m {
		switch {
		case bit(ellipsisMask, i):
			for range len(shape) - real {
				fullDim()
			}
			continue
		case bit(newMask, i):
			out = append(out, 1)
			continue
		}
		d := shape[len(dims)]
		b, e, s := int(begin[i]), int(end[i]), int(stride[i])
		if s == 0 {
			return nil, nil, fmt.Errorf("stride 0")
		}
		if bit(shrinkMask, i) {
			if b < 0 {
				b += d
			}
			if b < 0 || b >= d {
				return nil, nil, fmt.Errorf("index %d out of range for a dimension of %d", begin[i], d)
			}
			dims = append(dims, sliceDim{b, b + 1, 1, true})
			continue
		}
		norm := func(x, lo, hi int) int {
			if x < 0 {
				x += d
			}
			return min(max(x, lo), hi)
		}
		var sd sliceDim
		sd.step = s
		if s > 0 {
			sd.start, sd.stop = norm(b, 0, d), norm(e, 0, d)
			if bit(beginMask, i) {
				sd.start = 0
			}
			if bit(endMask, i) {
				sd.stop = d
			}
		} else {
			sd.start, sd.stop = norm(b, -1, d-1), norm(e, -1, d-1)
			if bit(beginMask, i) {
				sd.start = d - 1
			}
			if bit(endMask, i) {
				sd.stop = -1
			}
		}
		dims = append(dims, sd)
		out = append(out, sd.size())
	}
	for len(dims) < len(shape) {
		fullDim()
	}
	return dims, out, nil
}

func stridedSlice(c *converter, n *nodeDef, in []*value) ([]*value, error) {
	if err := want(in, 4); err != nil {
		return nil, err
	}
	begin, err := konstInts(in, 1, "begin")
	if err != nil {
		return nil, err
	}
	end, err := konstInts(in, 2, "end")
	if err != nil {
		return nil, err
	}
	stride, err := konstInts(in, 3, "strides")
	if err != nil {
		return nil, err
	}
	var masks [5]int64
	for i, name := range []string{"begin_mask", "end_mask", "ellipsis_mask", "new_axis_mask", "shrink_axis_mask"} {
		if masks[i], err = n.attrInt(name, 0); err != nil {
			return nil, err
		}
	}
	dims, shape, err := stridedSpec(in[0].shape, begin, end, stride, masks[0], masks[1], masks[2], masks[3], masks[4])
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrGraph, err)
	}
	return c.applySlice(in[0], dims, shape)
}

// slice is TF Slice(input, begin, size) with size -1 meaning "to the end".
func slice(c *converter, n *nodeDef, in []*value) ([]*value, error) {
	if err := want(in, 3); err != nil {
		return nil, err
	}
	begin, err := konstInts(in, 1, "begin")
	if err != nil {
		return nil, err
	}
	size, err := konstInts(in, 2, "size")
	if err != nil {
		return nil, err
	}
	v := in[0]
	if len(begin) != len(v.shape) || len(size) != len(v.shape) {
		return nil, fmt.Errorf("%w: Slice of rank %d with begin %v, size %v", ErrGraph, len(v.shape), begin, size)
	}
	dims := make([]sliceDim, len(v.shape))
	shape := make([]int, len(v.shape))
	for i, d := range v.shape {
		b, s := int(begin[i]), int(size[i])
		if s == -1 {
			s = d - b
		}
		if b < 0 || s < 0 || b+s > d {
			return nil, fmt.Errorf("%w: Slice [%d, %d) of a dimension of %d", ErrGraph, b, b+s, d)
		}
		dims[i] = sliceDim{b, b + s, 1, false}
		shape[i] = s
	}
	return c.applySlice(v, dims, shape)
}

// applySlice emits an ONNX Slice for the non-trivial axes of dims, then
// reshapes to the TF output shape.
func (c *converter) applySlice(v *value, dims []sliceDim, shape []int) ([]*value, error) {
	if v.konst != nil {
		return []*value{{dtype: v.dtype, shape: shape, konst: sliceData(v.konst, dims).reshaped(shape)}}, nil
	}
	inner := make([]int, len(dims))
	var starts, ends, axes, steps []int64
	x := c.nhwc(v)
	off := 0
	r := v.rep
	if v.rep == lead && !dims[0].full(v.shape[0]) && !(dims[0].shrink && dims[0].start == 0) {
		return nil, unsupported("slicing the batch axis")
	}
	if v.rep == extra {
		off = 1
	}
	for i, d := range dims {
		inner[i] = d.size()
		if d.full(v.shape[i]) || (v.rep == lead && i == 0) {
			continue
		}
		stop := int64(d.stop)
		if d.step < 0 && d.stop < 0 {
			stop = -int64(v.shape[i]) - 1 // before index 0
		}
		starts = append(starts, int64(d.start))
		ends = append(ends, stop)
		axes = append(axes, int64(i+off))
		steps = append(steps, int64(d.step))
	}
	mid := &value{name: x, dtype: v.dtype, shape: inner, rep: r}
	if len(axes) > 0 {
		mid.name = c.op("Slice", []string{x, c.i64s(starts...), c.i64s(ends...), c.i64s(axes...), c.i64s(steps...)})
	}
	if mid.perItem() {
		return []*value{c.reshape(mid, shape)}, nil
	}
	return []*value{c.reshapeTo(mid, shape, shared)}, nil
}

// sliceData applies dims to a constant.
func sliceData(t *tensorData, dims []sliceDim) *tensorData {
	inner := make([]int, len(dims))
	for i, d := range dims {
		inner[i] = d.size()
	}
	out := &tensorData{dtype: t.dtype, shape: inner}
	n := numElements(inner)
	switch {
	case t.f != nil:
		out.f = make([]float32, n)
	case t.i != nil:
		out.i = make([]int64, n)
	default:
		out.b = make([]bool, n)
	}
	st := strides(t.shape)
	os := strides(inner)
	for o := range n {
		src, rem := 0, o
		for k, d := range dims {
			idx := rem / os[k]
			rem %= os[k]
			step := d.step
			if d.shrink {
				step = 1
			}
			src += (d.start + idx*step) * st[k]
		}
		switch {
		case t.f != nil:
			out.f[o] = t.f[src]
		case t.i != nil:
			out.i[o] = t.i[src]
		default:
			out.b[o] = t.b[src]
		}
	}
	return out
}

func pad(c *converter, n *nodeDef, in []*value) ([]*value, error) {
	if err := want(in, 2); err != nil {
		return nil, err
	}
	v := in[0]
	p, err := konstInts(in, 1, "paddings")
	if err != nil {
		return nil, err
	}
	r := len(v.shape)
	if len(p) != 2*r {
		return nil, fmt.Errorf("%w: %d paddings for rank %d", ErrGraph, len(p), r)
	}
	mode := "constant"
	if n.Op == "MirrorPad" {
		m, err := n.attrString("mode", "REFLECT")
		if err != nil {
			return nil, err
		}
		if m != "REFLECT" {
			return nil, unsupported("MirrorPad mode %s", m)
		}
		mode = "reflect"
	}
	shape := make([]int, r)
	for i := range r {
		if p[2*i] < 0 || p[2*i+1] < 0 {
			return nil, unsupported("negative padding")
		}
		shape[i] = v.shape[i] + int(p[2*i]+p[2*i+1])
	}
	ins := []string{}
	res := &value{dtype: v.dtype, shape: shape, rep: v.rep}
	var axes []int // ONNX axis of each TF axis; -1 for the batch
	onnxRank := r
	switch {
	case v.rep == shared:
		ins = append(ins, c.nhwc(v))
		axes = []int{0, 1, 2, 3}[:0]
		for i := range r {
			axes = append(axes, i)
		}
	case v.rep == lead && (p[0] != 0 || p[1] != 0):
		return nil, unsupported("padding the batch axis")
	case v.rep == lead && v.nchw:
		ins = append(ins, c.ref(v))
		res.nchw = true
		axes = nchwPos[:]
	case v.rep == lead:
		ins = append(ins, c.nhwc(v))
		for i := range r {
			axes = append(axes, i)
		}
	default:
		ins = append(ins, c.nhwc(v))
		onnxRank = r + 1
		for i := range r {
			axes = append(axes, i+1)
		}
	}
	pads := make([]int64, 2*onnxRank)
	for i := range r {
		if v.rep == lead && i == 0 {
			continue
		}
		pads[axes[i]] = p[2*i]
		pads[onnxRank+axes[i]] = p[2*i+1]
	}
	ins = append(ins, c.i64s(pads...))
	if n.Op == "PadV2" && len(in) > 2 {
		cv := in[2]
		if cv.konst == nil {
			return nil, fmt.Errorf("%w: constant_values must be a constant", ErrGraph)
		}
		ins = append(ins, c.ref(cv))
	}
	res.name = c.op("Pad", ins, onnx.Str("mode", mode))
	return []*value{res}, nil
}

func gather(c *converter, n *nodeDef, in []*value) ([]*value, error) {
	if err := want(in, 3); err != nil {
		return nil, err
	}
	p, idx := in[0], in[1]
	a, err := konstInts(in, 2, "axis")
	if err != nil {
		return nil, err
	}
	if bd, _ := n.attrInt("batch_dims", 0); bd != 0 {
		return nil, unsupported("GatherV2 batch_dims %d", bd)
	}
	if len(a) != 1 {
		return nil, fmt.Errorf("%w: axis has %d values", ErrGraph, len(a))
	}
	axis, err := normAxis(a[0], len(p.shape))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrGraph, err)
	}
	q := len(idx.shape)
	shape := append(append(append([]int{}, p.shape[:axis]...), idx.shape...), p.shape[axis+1:]...)
	res := &value{dtype: p.dtype, shape: shape}
	ax := onnx.Int("axis", int64(axis))
	switch {
	case !p.perItem() && !idx.perItem():
		res.name = c.op("Gather", []string{c.nhwc(p), c.nhwc(idx)}, ax)
	case !idx.perItem() && p.rep == lead && axis >= 1:
		res.rep = lead
		res.name = c.op("Gather", []string{c.nhwc(p), c.nhwc(idx)}, ax)
	case !idx.perItem():
		res.rep = extra
		res.name = c.op("Gather", []string{c.asRep(p, extra), c.nhwc(idx)}, onnx.Int("axis", int64(axis+1)))
	case !p.perItem():
		// The batch axis of the indices lands at position axis.
		res.rep = extra
		y := c.op("Gather", []string{c.nhwc(p), c.asRep(idx, extra)}, ax)
		if axis > 0 {
			perm := []int64{int64(axis)}
			for i := 0; i < len(shape)+1; i++ {
				if i != axis {
					perm = append(perm, int64(i))
				}
			}
			y = c.op("Transpose", []string{y}, onnx.Ints("perm", perm...))
		}
		res.name = y
	default:
		// Both per item: GatherND with one batch dimension, the gathered
		// axis moved next to the batch.
		res.rep = extra
		x := c.asRep(p, extra)
		if axis > 0 {
			perm := []int64{0, int64(axis + 1)}
			for i := 1; i <= len(p.shape); i++ {
				if i != axis+1 {
					perm = append(perm, int64(i))
				}
			}
			x = c.op("Transpose", []string{x}, onnx.Ints("perm", perm...))
		}
		ind := c.asRep(idx, extra)
		if idx.dtype != dtInt64 {
			ind = c.op("Cast", []string{ind}, onnx.Int("to", int64(onnx.Int64)))
		}
		ind = c.op("Unsqueeze", []string{ind, c.i64s(-1)})
		y := c.op("GatherND", []string{x, ind}, onnx.Int("batch_dims", 1))
		if axis > 0 {
			// y is [N] ++ idx ++ p[:axis] ++ p[axis+1:].
			perm := []int64{0}
			for i := range axis {
				perm = append(perm, int64(1+q+i))
			}
			for i := range q {
				perm = append(perm, int64(1+i))
			}
			for i := axis + 1; i < len(p.shape); i++ {
				perm = append(perm, int64(q+i))
			}
			y = c.op("Transpose", []string{y}, onnx.Ints("perm", perm...))
		}
		res.name = y
	}
	return []*value{res}, nil
}

func gatherND(c *converter, n *nodeDef, in []*value) ([]*value, error) {
	if err := want(in, 2); err != nil {
		return nil, err
	}
	p, idx := in[0], in[1]
	if len(idx.shape) == 0 {
		return nil, fmt.Errorf("%w: GatherNd with scalar indices", ErrGraph)
	}
	k := idx.shape[len(idx.shape)-1]
	if k > len(p.shape) {
		return nil, fmt.Errorf("%w: GatherNd index depth %d for rank %d", ErrGraph, k, len(p.shape))
	}
	shape := append(append([]int{}, idx.shape[:len(idx.shape)-1]...), p.shape[k:]...)
	res := &value{dtype: p.dtype, shape: shape}
	cast := func(x string) string {
		if idx.dtype == dtInt64 {
			return x
		}
		return c.op("Cast", []string{x}, onnx.Int("to", int64(onnx.Int64)))
	}
	switch {
	case !p.perItem() && !idx.perItem():
		res.name = c.op("GatherND", []string{c.nhwc(p), cast(c.nhwc(idx))})
	case !p.perItem():
		res.rep = extra
		res.name = c.op("GatherND", []string{c.nhwc(p), cast(c.asRep(idx, extra))})
	default:
		res.rep = extra
		res.name = c.op("GatherND", []string{c.asRep(p, extra), cast(c.asRep(idx, extra))}, onnx.Int("batch_dims", 1))
	}
	return []*value{res}, nil
}

// lowerAll lower-cases fused op names as TF.js does.
func lowerAll(s []string) []string {
	out := make([]string, len(s))
	for i, x := range s {
		out[i] = strings.ToLower(x)
	}
	return out
}
