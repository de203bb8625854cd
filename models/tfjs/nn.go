package tfjs

import (
	"fmt"

	"github.com/athlete3d/athlete3d/models/onnx"
)

// spatial is the resolved geometry of a 2-D window op on one axis.
type spatial struct {
	k, stride, dilation int
	before, after, out  int
}

// window resolves TF padding for an input of size in along NHWC axis axis
// (1 or 2). SAME pads (out-1)*stride + effective kernel - in in total, the
// odd pixel after, exactly as TensorFlow.
func window(n *nodeDef, in, k, stride, dilation, axis int) (spatial, error) {
	s := spatial{k: k, stride: stride, dilation: dilation}
	if k <= 0 || stride <= 0 || dilation <= 0 {
		return s, fmt.Errorf("%w: kernel %d, stride %d, dilation %d", ErrGraph, k, stride, dilation)
	}
	eff := (k-1)*dilation + 1
	padding, err := n.attrString("padding", "VALID")
	if err != nil {
		return s, err
	}
	switch padding {
	case "SAME":
		s.out = (in + stride - 1) / stride
		total := max((s.out-1)*stride+eff-in, 0)
		s.before = total / 2
		s.after = total - s.before
	case "VALID":
		if in < eff {
			return s, fmt.Errorf("%w: VALID window of %d over %d", ErrGraph, eff, in)
		}
		s.out = (in-eff)/stride + 1
	case "EXPLICIT":
		p, err := n.attrInts("explicit_paddings", nil)
		if err != nil {
			return s, err
		}
		if len(p) != 8 {
			return s, fmt.Errorf("%w: %d explicit paddings, want 8", ErrGraph, len(p))
		}
		s.before, s.after = int(p[2*axis]), int(p[2*axis+1])
		if s.before < 0 || s.after < 0 || in+s.before+s.after < eff {
			return s, fmt.Errorf("%w: explicit paddings %v", ErrGraph, p)
		}
		s.out = (in+s.before+s.after-eff)/stride + 1
	default:
		return s, unsupported("padding %q", padding)
	}
	return s, nil
}

// nhwcAttr reads a 4-value NHWC attribute (strides, dilations, ksize) and
// returns its H and W entries.
func nhwcAttr(n *nodeDef, name string) (int, int, error) {
	v, err := n.attrInts(name, []int64{1, 1, 1, 1})
	if err != nil {
		return 0, 0, err
	}
	switch {
	case len(v) == 4 && v[0] == 1 && v[3] == 1:
		return int(v[1]), int(v[2]), nil
	case len(v) == 2:
		return int(v[0]), int(v[1]), nil
	case len(v) == 1:
		return int(v[0]), int(v[0]), nil
	}
	return 0, 0, unsupported("%s %v", name, v)
}

func checkNHWC(n *nodeDef) error {
	f, err := n.attrString("data_format", "NHWC")
	if err != nil {
		return err
	}
	if f != "NHWC" {
		return unsupported("data_format %s", f)
	}
	return nil
}

// image returns a rank-4 TF tensor [b,H,W,C] in NCHW for a window op, with
// the rep of the result.
func (c *converter) image(v *value) (string, rep, error) {
	if len(v.shape) != 4 {
		return "", 0, fmt.Errorf("%w: input of shape %v, want rank 4", ErrGraph, v.shape)
	}
	if !v.perItem() {
		return c.nchw(v), shared, nil
	}
	if v.shape[0] != 1 {
		return "", 0, unsupported("a window op over %d images of one batch item", v.shape[0])
	}
	return c.nchw(c.reshapeTo(v, v.shape, lead)), lead, nil
}

func conv(c *converter, n *nodeDef, in []*value) ([]*value, error) {
	if err := want(in, 2); err != nil {
		return nil, err
	}
	if err := checkNHWC(n); err != nil {
		return nil, err
	}
	depthwise := n.Op == "DepthwiseConv2dNative" || n.Op == "FusedDepthwiseConv2dNative"
	fused := n.Op == "_FusedConv2D" || n.Op == "FusedDepthwiseConv2dNative"
	x, f := in[0], in[1]
	if len(f.shape) != 4 {
		return nil, fmt.Errorf("%w: filter of shape %v", ErrGraph, f.shape)
	}
	xn, r, err := c.image(x)
	if err != nil {
		return nil, err
	}
	kh, kw, cin, m := f.shape[0], f.shape[1], f.shape[2], f.shape[3]
	if x.shape[3] != cin {
		return nil, fmt.Errorf("%w: input has %d channels, filter %v", ErrGraph, x.shape[3], f.shape)
	}
	sh, sw, err := nhwcAttr(n, "strides")
	if err != nil {
		return nil, err
	}
	dh, dw, err := nhwcAttr(n, "dilations")
	if err != nil {
		return nil, err
	}
	hh, err := window(n, x.shape[1], kh, sh, dh, 1)
	if err != nil {
		return nil, err
	}
	ww, err := window(n, x.shape[2], kw, sw, dw, 2)
	if err != nil {
		return nil, err
	}
	cout, group := m, 1
	if depthwise {
		cout, group = cin*m, cin
	}
	// TF filters are [KH, KW, Cin, M]; ONNX wants [Cout, Cin/group, KH, KW].
	// A depthwise filter's output channel c*M+m is the reshape to
	// [KH, KW, 1, Cin*M].
	wshape := []int{kh, kw, cin, m}
	if depthwise {
		wshape = []int{kh, kw, 1, cin * m}
	}
	var wname string
	if f.konst != nil {
		wname = c.init(f.konst.reshaped(wshape).transposed([]int{3, 2, 0, 1}), f.hint)
	} else {
		fr := c.reshapeTo(f, wshape, shared)
		wname = c.op("Transpose", []string{c.nhwc(fr)}, onnx.Ints("perm", 3, 2, 0, 1))
	}
	inputs := []string{xn, wname}
	act, extraArgs := "", in[2:]
	if fused {
		ops, err := n.attrStrings("fused_ops")
		if err != nil {
			return nil, err
		}
		ops = lowerAll(ops)
		numArgs, err := n.attrInt("num_args", int64(len(extraArgs)))
		if err != nil {
			return nil, err
		}
		if len(ops) == 0 || ops[0] != "biasadd" {
			return nil, unsupported("fused_ops %v", ops)
		}
		if len(ops) > 2 {
			return nil, unsupported("fused_ops %v", ops)
		}
		if len(ops) == 2 {
			act = ops[1]
		}
		wantArgs := 1
		if act == "prelu" {
			wantArgs = 2
		}
		if int(numArgs) != wantArgs || len(extraArgs) < wantArgs {
			return nil, fmt.Errorf("%w: fused_ops %v with %d args", ErrGraph, ops, len(extraArgs))
		}
		b := extraArgs[0]
		if numElements(b.shape) != cout || b.perItem() {
			return nil, fmt.Errorf("%w: bias of shape %v for %d channels", ErrGraph, b.shape, cout)
		}
		inputs = append(inputs, c.nhwc(c.reshapeTo(b, []int{cout}, shared)))
	}
	y := c.op("Conv", inputs,
		onnx.Ints("kernel_shape", int64(kh), int64(kw)),
		onnx.Ints("strides", int64(sh), int64(sw)),
		onnx.Ints("dilations", int64(dh), int64(dw)),
		onnx.Ints("pads", int64(hh.before), int64(ww.before), int64(hh.after), int64(ww.after)),
		onnx.Int("group", int64(group)))
	res := &value{dtype: dtFloat, shape: []int{x.shape[0], hh.out, ww.out, cout}, rep: r, nchw: true}
	res.name, err = c.activate(n, act, y, extraArgs, res.shape)
	if err != nil {
		return nil, err
	}
	return []*value{res}, nil
}

// activate applies a fused activation to the NCHW tensor y of TF shape
// shape. args are the fused extra arguments (bias, then prelu alpha).
func (c *converter) activate(n *nodeDef, act, y string, args []*value, shape []int) (string, error) {
	switch act {
	case "", "linear":
		return y, nil
	case "relu":
		return c.op("Relu", []string{y}), nil
	case "relu6":
		return c.clip(y, dtFloat, 0, 6), nil
	case "elu":
		return c.op("Elu", []string{y}), nil
	case "sigmoid":
		return c.op("Sigmoid", []string{y}), nil
	case "tanh":
		return c.op("Tanh", []string{y}), nil
	case "leakyrelu":
		alpha, err := n.attrFloat("leakyrelu_alpha", 0.2)
		if err != nil {
			return "", err
		}
		return c.op("LeakyRelu", []string{y}, onnx.Float32("alpha", float32(alpha))), nil
	case "prelu":
		a := args[1]
		if a.perItem() {
			return "", unsupported("per-item prelu weights")
		}
		if _, err := broadcast(a.shape, shape); err != nil || len(a.shape) > 4 {
			return "", fmt.Errorf("%w: prelu weights of shape %v", ErrGraph, a.shape)
		}
		slope := c.nchw(c.reshapeTo(a, padRank(a.shape, 4), shared))
		return c.op("PRelu", []string{y, slope}), nil
	}
	return "", unsupported("fused activation %q", act)
}

func pool(c *converter, n *nodeDef, in []*value) ([]*value, error) {
	if err := want(in, 1); err != nil {
		return nil, err
	}
	if err := checkNHWC(n); err != nil {
		return nil, err
	}
	x := in[0]
	xn, r, err := c.image(x)
	if err != nil {
		return nil, err
	}
	kh, kw, err := nhwcAttr(n, "ksize")
	if err != nil {
		return nil, err
	}
	sh, sw, err := nhwcAttr(n, "strides")
	if err != nil {
		return nil, err
	}
	hh, err := window(n, x.shape[1], kh, sh, 1, 1)
	if err != nil {
		return nil, err
	}
	ww, err := window(n, x.shape[2], kw, sw, 1, 2)
	if err != nil {
		return nil, err
	}
	attrs := []*onnx.Attribute{
		onnx.Ints("kernel_shape", int64(kh), int64(kw)),
		onnx.Ints("strides", int64(sh), int64(sw)),
		onnx.Ints("pads", int64(hh.before), int64(ww.before), int64(hh.after), int64(ww.after)),
	}
	opType := "MaxPool"
	if n.Op == "AvgPool" {
		// TF averages over the valid pixels only.
		opType = "AveragePool"
		attrs = append(attrs, onnx.Int("count_include_pad", 0))
	}
	res := &value{dtype: x.dtype, shape: []int{x.shape[0], hh.out, ww.out, x.shape[3]}, rep: r, nchw: true}
	res.name = c.op(opType, []string{xn}, attrs...)
	return []*value{res}, nil
}

// resize is ResizeBilinear and ResizeNearestNeighbor with TF's coordinate
// rules (see doc.go).
func resize(c *converter, n *nodeDef, in []*value) ([]*value, error) {
	if err := want(in, 2); err != nil {
		return nil, err
	}
	x := in[0]
	size, err := konstInts(in, 1, "size")
	if err != nil {
		return nil, err
	}
	if len(size) != 2 || size[0] <= 0 || size[1] <= 0 {
		return nil, fmt.Errorf("%w: size %v", ErrGraph, size)
	}
	align, err := n.attrBool("align_corners", false)
	if err != nil {
		return nil, err
	}
	half, err := n.attrBool("half_pixel_centers", false)
	if err != nil {
		return nil, err
	}
	if align && half {
		return nil, unsupported("align_corners with half_pixel_centers")
	}
	xn, r, err := c.image(x)
	if err != nil {
		return nil, err
	}
	attrs := []*onnx.Attribute{}
	if n.Op == "ResizeBilinear" {
		coord := "asymmetric"
		switch {
		case align:
			coord = "align_corners"
		case half:
			coord = "half_pixel"
		}
		attrs = append(attrs, onnx.Str("mode", "linear"), onnx.Str("coordinate_transformation_mode", coord))
	} else {
		coord, nearest := "asymmetric", "floor"
		switch {
		case align:
			coord, nearest = "align_corners", "round_prefer_ceil"
		case half:
			coord = "tf_half_pixel_for_nn"
		}
		attrs = append(attrs, onnx.Str("mode", "nearest"), onnx.Str("coordinate_transformation_mode", coord),
			onnx.Str("nearest_mode", nearest))
	}
	var sizes string
	if r == shared {
		sizes = c.i64s(int64(x.shape[0]), int64(x.shape[3]), size[0], size[1])
	} else {
		nc := c.op("Shape", []string{xn}, onnx.Int("start", 0), onnx.Int("end", 2))
		sizes = c.op("Concat", []string{nc, c.i64s(size...)}, onnx.Int("axis", 0))
	}
	dt := x.dtype
	xin := xn
	if dt != dtFloat {
		xin = c.op("Cast", []string{xn}, onnx.Int("to", int64(onnx.Float)))
	}
	y := c.op("Resize", []string{xin, "", "", sizes}, attrs...)
	res := &value{dtype: dtFloat, shape: []int{x.shape[0], int(size[0]), int(size[1]), x.shape[3]}, rep: r, nchw: true}
	if n.Op == "ResizeNearestNeighbor" && dt != dtFloat {
		y = c.op("Cast", []string{y}, onnx.Int("to", int64(dt.onnx())))
		res.dtype = dt
	}
	res.name = y
	return []*value{res}, nil
}

func batchNorm(c *converter, n *nodeDef, in []*value) ([]*value, error) {
	if err := want(in, 5); err != nil {
		return nil, err
	}
	if err := checkNHWC(n); err != nil {
		return nil, err
	}
	if training, _ := n.attrBool("is_training", false); training {
		return nil, unsupported("is_training")
	}
	eps, err := n.attrFloat("epsilon", 1e-4)
	if err != nil {
		return nil, err
	}
	x := in[0]
	xn, r, err := c.image(x)
	if err != nil {
		return nil, err
	}
	ins := []string{xn}
	for _, p := range in[1:5] {
		if p.perItem() || numElements(p.shape) != x.shape[3] {
			return nil, fmt.Errorf("%w: batch norm parameter of shape %v", ErrGraph, p.shape)
		}
		ins = append(ins, c.nhwc(c.reshapeTo(p, []int{x.shape[3]}, shared)))
	}
	res := &value{dtype: x.dtype, shape: x.shape, rep: r, nchw: true}
	res.name = c.op("BatchNormalization", ins, onnx.Float32("epsilon", float32(eps)))
	return []*value{res}, nil
}

// matMul is MatMul, BatchMatMul(V2) and _FusedMatMul.
func matMul(c *converter, n *nodeDef, in []*value) ([]*value, error) {
	if err := want(in, 2); err != nil {
		return nil, err
	}
	ta, tb := "transpose_a", "transpose_b"
	if n.Op == "BatchMatMul" || n.Op == "BatchMatMulV2" {
		ta, tb = "adj_x", "adj_y"
	}
	a, b := in[0], in[1]
	var err error
	for i, name := range []string{ta, tb} {
		t, err := n.attrBool(name, false)
		if err != nil {
			return nil, err
		}
		if !t {
			continue
		}
		v := in[i]
		if len(v.shape) < 2 {
			return nil, fmt.Errorf("%w: transposing rank %d", ErrGraph, len(v.shape))
		}
		perm := make([]int64, len(v.shape))
		for k := range perm {
			perm[k] = int64(k)
		}
		r := len(perm)
		perm[r-1], perm[r-2] = perm[r-2], perm[r-1]
		pv := &value{dtype: dtInt64, shape: []int{r}, konst: &tensorData{dtype: dtInt64, shape: []int{r}, i: perm}}
		tv, err := transpose(c, n, []*value{v, pv})
		if err != nil {
			return nil, err
		}
		if i == 0 {
			a = tv[0]
		} else {
			b = tv[0]
		}
	}
	if len(a.shape) < 2 || len(b.shape) < 2 {
		return nil, unsupported("MatMul of ranks %d and %d", len(a.shape), len(b.shape))
	}
	ra, rb := len(a.shape), len(b.shape)
	if a.shape[ra-1] != b.shape[rb-2] {
		return nil, fmt.Errorf("%w: MatMul of %v and %v", ErrGraph, a.shape, b.shape)
	}
	batchShape, err := broadcast(a.shape[:ra-2], b.shape[:rb-2])
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrGraph, err)
	}
	shape := append(batchShape, a.shape[ra-2], b.shape[rb-1])
	r := len(shape)
	res := &value{dtype: a.dtype, shape: shape}
	var an, bn string
	switch {
	case !a.perItem() && !b.perItem():
		an, bn = c.nhwc(a), c.nhwc(b)
	case !b.perItem() && ra == r && a.shape[0] == 1:
		res.rep = lead
		an, bn = c.nhwc(c.reshapeTo(a, a.shape, lead)), c.nhwc(b)
	default:
		res.rep = extra
		an, bn = c.nhwc(a), c.nhwc(b)
		if a.perItem() {
			an = c.nhwc(c.reshapeTo(a, padRank(a.shape, r), extra))
		}
		if b.perItem() {
			bn = c.nhwc(c.reshapeTo(b, padRank(b.shape, r), extra))
		}
	}
	res.name = c.op("MatMul", []string{an, bn})
	if n.Op != "_FusedMatMul" {
		return []*value{res}, nil
	}
	ops, err := n.attrStrings("fused_ops")
	if err != nil {
		return nil, err
	}
	ops = lowerAll(ops)
	if len(ops) == 0 || ops[0] != "biasadd" || len(ops) > 2 || len(in) < 3 {
		return nil, unsupported("fused_ops %v", ops)
	}
	out, err := c.elementwise("Add", []*value{res, in[2]}, res.dtype)
	if err != nil {
		return nil, err
	}
	if len(ops) == 2 {
		switch ops[1] {
		case "relu":
			out = c.unary("Relu", out, out.dtype)
		case "relu6":
			out2 := &value{dtype: out.dtype, shape: out.shape, rep: out.rep}
			out2.name = c.clip(c.ref(out), out.dtype, 0, 6)
			out = out2
		case "sigmoid":
			out = c.unary("Sigmoid", out, out.dtype)
		case "tanh":
			out = c.unary("Tanh", out, out.dtype)
		case "elu":
			out = c.unary("Elu", out, out.dtype)
		default:
			return nil, unsupported("fused activation %q", ops[1])
		}
	}
	return []*value{out}, nil
}
