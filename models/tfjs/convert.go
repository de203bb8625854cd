package tfjs

import (
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/athlete3d/athlete3d/models/onnx"
)

// Opset is the ONNX operator set version of converted models.
const Opset = 17

// Batch selects how the batch dimension of the ONNX inputs and outputs is
// written.
type Batch int

const (
	// BatchAuto (the zero value) makes the batch dynamic when every input
	// has a leading dimension of 1 or unknown, and keeps the TF shapes
	// otherwise.
	BatchAuto Batch = iota
	// BatchDynamic requires a dynamic batch and fails with ErrDynamicBatch
	// when the inputs do not allow it.
	BatchDynamic
	// BatchStatic keeps the TF shapes: a batch of exactly what the model
	// declares (1 for an unknown batch dimension).
	BatchStatic
)

// Options tunes Convert. The zero value gives the defaults.
type Options struct {
	// Batch selects a dynamic or a static batch dimension.
	Batch Batch
	// BatchName is the dim_param of the dynamic batch dimension; "" means
	// "batch".
	BatchName string
}

// ConvertFile reads a TF.js graph model (model.json plus the weight shards
// beside it) and writes ONNX to dst.
func ConvertFile(src, dst string) error {
	m, err := Convert(src, Options{})
	if err != nil {
		return err
	}
	b, err := onnx.Encode(m)
	if err != nil {
		return fmt.Errorf("tfjs: convert %s: %w", src, err)
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		return fmt.Errorf("tfjs: convert %s: %w", src, err)
	}
	return nil
}

// Convert reads model.json from src's directory and returns the ONNX model.
// src is the model.json file (any name), or a directory holding model.json.
func Convert(src string, opts Options) (*onnx.Model, error) {
	path := src
	if fi, err := os.Stat(src); err == nil && fi.IsDir() {
		path = filepath.Join(src, "model.json")
	}
	gm, err := load(path)
	if err != nil {
		return nil, fmt.Errorf("tfjs: convert %s: %w", src, err)
	}
	m, err := convert(gm, opts)
	if err != nil {
		return nil, fmt.Errorf("tfjs: convert %s: %w", src, err)
	}
	return m, nil
}

// rep says how the batch of the ONNX tensor relates to the TF tensor, which
// always describes one batch item (see doc.go, "Dynamic batch").
type rep uint8

const (
	// shared: no batch axis, the value is the same for every item.
	shared rep = iota
	// lead: ONNX axis 0 is the batch and stands for TF axis 0, of size 1.
	lead
	// extra: ONNX axis 0 is the batch, prepended to the TF axes.
	extra
)

// value is a TF tensor during conversion.
type value struct {
	name  string // ONNX name; empty for a constant not yet emitted
	dtype dtype
	shape []int // TF shape of one batch item
	rep   rep
	nchw  bool        // the ONNX tensor holds a rank-4 TF tensor as NCHW
	konst *tensorData // the value, when known at conversion time
	hint  string      // base for ONNX names
	forms map[string]string
}

func (v *value) perItem() bool { return v.rep != shared }

// converter holds the state of one conversion.
type converter struct {
	gm      *graphModel
	dynamic bool
	batch   string // dim_param of the batch
	g       *onnx.Graph
	names   map[string]int
	values  map[string]*value
	consts  map[string]string
	batchN  string // ONNX name of an int64 [1] holding the batch size
	input0  string // first ONNX input, for the batch size
	node    *nodeDef
}

func convert(gm *graphModel, opts Options) (*onnx.Model, error) {
	c := &converter{
		gm:     gm,
		g:      &onnx.Graph{Name: graphName(gm.path)},
		names:  map[string]int{},
		values: map[string]*value{},
		consts: map[string]string{},
		batch:  opts.BatchName,
	}
	if c.batch == "" {
		c.batch = "batch"
	}
	nodes := make(map[string]*nodeDef, len(gm.nodes))
	for _, n := range gm.nodes {
		nodes[n.Name] = n
	}
	inputs, outputs, err := c.endpoints(nodes)
	if err != nil {
		return nil, err
	}
	switch opts.Batch {
	case BatchAuto, BatchDynamic:
		c.dynamic = true
		for _, in := range inputs {
			if reason := batchable(in); reason != "" {
				if opts.Batch == BatchDynamic {
					return nil, fmt.Errorf("%w: input %q: %s", ErrDynamicBatch, in.onnxName, reason)
				}
				c.dynamic = false
			}
		}
	case BatchStatic:
	default:
		return nil, fmt.Errorf("%w: Options.Batch %d", ErrGraph, opts.Batch)
	}
	order, err := topoOrder(nodes, outputs)
	if err != nil {
		return nil, err
	}
	inputByNode := map[string]*endpoint{}
	for i := range inputs {
		inputByNode[inputs[i].ref] = &inputs[i]
	}
	for _, in := range inputs {
		if err := c.addInput(in); err != nil {
			return nil, err
		}
	}
	// Reserve the output names so that no intermediate tensor takes one.
	for _, out := range outputs {
		if c.names[out.onnxName] > 0 {
			return nil, fmt.Errorf("%w: output name %q is used twice", ErrGraph, out.onnxName)
		}
		c.names[out.onnxName]++
	}
	for _, n := range order {
		if n.Op == "Placeholder" {
			if inputByNode[n.Name+":0"] == nil {
				return nil, fmt.Errorf("%w: placeholder %q is not a model input", ErrGraph, n.Name)
			}
			continue
		}
		if err := c.convertNode(n); err != nil {
			return nil, err
		}
	}
	c.node = nil
	for _, out := range outputs {
		if err := c.addOutput(out); err != nil {
			return nil, err
		}
	}
	producer := "athlete3d tfjs"
	m := &onnx.Model{
		IRVersion:    onnx.IRVersion,
		Opsets:       []onnx.Opset{{Domain: "", Version: Opset}},
		ProducerName: producer,
		Graph:        c.g,
	}
	if gm.generatedBy != "" {
		m.Metadata = append(m.Metadata, onnx.StringPair{Key: "tfjs.generatedBy", Value: gm.generatedBy})
	}
	if gm.convertedBy != "" {
		m.Metadata = append(m.Metadata, onnx.StringPair{Key: "tfjs.convertedBy", Value: gm.convertedBy})
	}
	return m, nil
}

func graphName(path string) string {
	b := filepath.Base(path)
	return strings.TrimSuffix(b, filepath.Ext(b))
}

// endpoint is a graph input or output: the TF tensor ("node:0") and the name
// it gets in ONNX.
type endpoint struct {
	ref      string
	onnxName string
	dtype    dtype
	shape    []int // -1 for unknown dimensions
}

func batchable(in endpoint) string {
	switch {
	case in.shape == nil:
		return "unknown rank"
	case len(in.shape) == 0:
		return "scalar input"
	case in.shape[0] != 1 && in.shape[0] != -1:
		return fmt.Sprintf("leading dimension is %d, not 1", in.shape[0])
	}
	return ""
}

// splitRef splits "node:1" into ("node", 1); "node" is ("node", 0).
func splitRef(s string) (string, int) {
	if i := strings.LastIndexByte(s, ':'); i >= 0 {
		if k, err := strconv.Atoi(s[i+1:]); err == nil && k >= 0 {
			return s[:i], k
		}
	}
	return s, 0
}

// resolveRef maps a signature name or node input to "node:k", checking the
// node exists.
func resolveRef(nodes map[string]*nodeDef, s string) (string, bool) {
	if _, ok := nodes[s]; ok {
		return s + ":0", true
	}
	name, k := splitRef(s)
	if _, ok := nodes[name]; ok {
		return name + ":" + strconv.Itoa(k), true
	}
	return "", false
}

func (c *converter) endpoints(nodes map[string]*nodeDef) (ins, outs []endpoint, err error) {
	if len(c.gm.inputs) > 0 {
		for _, s := range c.gm.inputs {
			ref, ok := resolveRef(nodes, s.Name)
			if !ok {
				return nil, nil, fmt.Errorf("%w: signature input %q names no node", ErrGraph, s.Name)
			}
			e := endpoint{ref: ref, onnxName: s.Name}
			if dt, ok := tfDtype(s.Dtype); ok {
				e.dtype = dt
			}
			if s.TensorShape != nil && !s.TensorShape.UnknownRank {
				e.shape = []int{}
				for _, d := range s.TensorShape.Dim {
					e.shape = append(e.shape, int(d.Size))
				}
			}
			ins = append(ins, e)
		}
	} else {
		for _, n := range c.gm.nodes {
			if n.Op == "Placeholder" {
				ins = append(ins, endpoint{ref: n.Name + ":0", onnxName: n.Name})
			}
		}
	}
	// Complete dtype and shape from the Placeholder node.
	for i := range ins {
		name, _ := splitRef(ins[i].ref)
		n := nodes[name]
		if n.Op != "Placeholder" {
			return nil, nil, fmt.Errorf("%w: input %q is a %s node, not a Placeholder", ErrGraph, ins[i].onnxName, n.Op)
		}
		if dt, err := n.attrType("dtype"); err == nil {
			ins[i].dtype = dt
		} else if ins[i].dtype == dtUnknown {
			return nil, nil, fmt.Errorf("%w: input %q: %w", ErrGraph, ins[i].onnxName, err)
		}
		if a, ok := n.Attr["shape"]; ok && a.Shape != nil && !a.Shape.UnknownRank {
			sh := []int{}
			for _, d := range a.Shape.Dim {
				sh = append(sh, int(d.Size))
			}
			if ins[i].shape == nil || len(sh) == len(ins[i].shape) {
				// Prefer known sizes from either source.
				if ins[i].shape != nil {
					for k := range sh {
						if sh[k] < 0 {
							sh[k] = ins[i].shape[k]
						}
					}
				}
				ins[i].shape = sh
			}
		}
	}
	if len(c.gm.outputs) > 0 {
		for _, s := range c.gm.outputs {
			ref, ok := resolveRef(nodes, s.Name)
			if !ok {
				return nil, nil, fmt.Errorf("%w: signature output %q names no node", ErrGraph, s.Name)
			}
			outs = append(outs, endpoint{ref: ref, onnxName: s.Name})
		}
	} else {
		used := map[string]bool{}
		for _, n := range c.gm.nodes {
			for _, in := range n.Input {
				if strings.HasPrefix(in, "^") {
					continue
				}
				name, _ := splitRef(in)
				used[name] = true
			}
		}
		for _, n := range c.gm.nodes {
			switch n.Op {
			case "Const", "Placeholder", "NoOp":
				continue
			}
			if !used[n.Name] {
				outs = append(outs, endpoint{ref: n.Name + ":0", onnxName: n.Name})
			}
		}
	}
	if len(ins) == 0 {
		return nil, nil, fmt.Errorf("%w: the graph has no inputs", ErrGraph)
	}
	if len(outs) == 0 {
		return nil, nil, fmt.Errorf("%w: the graph has no outputs", ErrGraph)
	}
	return ins, outs, nil
}

// topoOrder returns the nodes the outputs depend on, inputs first.
func topoOrder(nodes map[string]*nodeDef, outputs []endpoint) ([]*nodeDef, error) {
	const (
		unseen = iota
		active
		done
	)
	state := map[string]int{}
	var order []*nodeDef
	type frame struct {
		n    *nodeDef
		next int
	}
	for _, out := range outputs {
		root, _ := splitRef(out.ref)
		if state[root] == done {
			continue
		}
		stack := []frame{{n: nodes[root]}}
		state[root] = active
		for len(stack) > 0 {
			top := &stack[len(stack)-1]
			if top.next == len(top.n.Input) {
				state[top.n.Name] = done
				order = append(order, top.n)
				stack = stack[:len(stack)-1]
				continue
			}
			in := top.n.Input[top.next]
			top.next++
			if strings.HasPrefix(in, "^") {
				continue
			}
			ref, ok := resolveRef(nodes, in)
			if !ok {
				return nil, fmt.Errorf("%w: node %q: input %q names no node", ErrGraph, top.n.Name, in)
			}
			name, _ := splitRef(ref)
			switch state[name] {
			case active:
				return nil, fmt.Errorf("%w: node %q is part of a cycle", ErrGraph, name)
			case unseen:
				state[name] = active
				stack = append(stack, frame{n: nodes[name]})
			}
		}
	}
	return order, nil
}

func (c *converter) addInput(in endpoint) error {
	if in.shape == nil {
		return fmt.Errorf("%w: input %q has an unknown shape", ErrGraph, in.onnxName)
	}
	shape := append([]int{}, in.shape...)
	dims := make([]onnx.Dim, len(shape))
	for i, d := range shape {
		switch {
		case i == 0 && c.dynamic:
			shape[0] = 1
			dims[0] = onnx.Symbolic(c.batch)
		case d < 0 && i == 0:
			shape[0] = 1
			dims[0] = onnx.Fixed(1)
		case d < 0:
			return fmt.Errorf("%w: input %q: dimension %d is unknown; the converter needs static shapes", ErrGraph, in.onnxName, i)
		default:
			dims[i] = onnx.Fixed(int64(d))
		}
	}
	if in.dtype == dtUnknown {
		return fmt.Errorf("%w: input %q: unknown dtype", ErrGraph, in.onnxName)
	}
	if c.names[in.onnxName] > 0 {
		return fmt.Errorf("%w: input name %q is used twice", ErrGraph, in.onnxName)
	}
	c.names[in.onnxName]++
	c.g.Inputs = append(c.g.Inputs, onnx.TensorValue(in.onnxName, in.dtype.onnx(), dims...))
	v := &value{name: in.onnxName, dtype: in.dtype, shape: shape, hint: in.onnxName}
	if c.dynamic {
		v.rep = lead
		if c.input0 == "" {
			c.input0 = in.onnxName
		}
	}
	c.values[in.ref] = v
	return nil
}

func (c *converter) addOutput(out endpoint) error {
	v, ok := c.values[out.ref]
	if !ok {
		return fmt.Errorf("%w: output %q was not produced", ErrGraph, out.onnxName)
	}
	var src string
	var dims []onnx.Dim
	switch {
	case !c.dynamic:
		src = c.nhwc(v)
		dims = onnx.Dims(toI64(v.shape)...)
	case len(v.shape) > 0 && v.shape[0] == 1:
		src = c.asRep(v, lead)
		dims = append([]onnx.Dim{onnx.Symbolic(c.batch)}, onnx.Dims(toI64(v.shape[1:])...)...)
	default:
		src = c.asRep(v, extra)
		dims = append([]onnx.Dim{onnx.Symbolic(c.batch)}, onnx.Dims(toI64(v.shape)...)...)
	}
	c.g.Nodes = append(c.g.Nodes, &onnx.Node{
		Name: c.fresh(out.onnxName + "/output"), OpType: "Identity",
		Inputs: []string{src}, Outputs: []string{out.onnxName},
	})
	c.g.Outputs = append(c.g.Outputs, onnx.TensorValue(out.onnxName, v.dtype.onnx(), dims...))
	return nil
}

// convertNode converts one TF node, recording its output values.
func (c *converter) convertNode(n *nodeDef) error {
	c.node = n
	if n.Op == "Const" {
		t, err := c.constValue(n)
		if err != nil {
			return fmt.Errorf("%w: node %q: %w", ErrGraph, n.Name, err)
		}
		c.values[n.Name+":0"] = &value{dtype: t.dtype, shape: t.shape, konst: t, hint: n.Name}
		return nil
	}
	h, ok := handlers[n.Op]
	if !ok {
		return fmt.Errorf("%w: %s (node %q)", ErrUnsupportedOp, n.Op, n.Name)
	}
	var ins []*value
	for _, in := range n.Input {
		if strings.HasPrefix(in, "^") {
			continue
		}
		name, k := splitRef(in)
		v, ok := c.values[name+":"+strconv.Itoa(k)]
		if !ok {
			return fmt.Errorf("%w: node %q: input %q has no value (is it an output index the producer does not have?)", ErrGraph, n.Name, in)
		}
		ins = append(ins, v)
	}
	outs, err := h(c, n, ins)
	if err != nil {
		if errors.Is(err, ErrUnsupportedOp) || errors.Is(err, ErrGraph) {
			return fmt.Errorf("node %q (%s): %w", n.Name, n.Op, err)
		}
		return fmt.Errorf("%w: node %q (%s): %w", ErrGraph, n.Name, n.Op, err)
	}
	for i, v := range outs {
		if v.hint == "" {
			v.hint = n.Name
		}
		c.values[n.Name+":"+strconv.Itoa(i)] = v
	}
	return nil
}

func (c *converter) constValue(n *nodeDef) (*tensorData, error) {
	if t, ok := c.gm.weights[n.Name]; ok {
		return t, nil
	}
	if a, ok := n.Attr["value"]; ok && a.Tensor != nil {
		return inlineTensor(a.Tensor)
	}
	return nil, errors.New("constant has no value in the weights or in its attributes")
}

// ---- ONNX emission --------------------------------------------------------

// fresh returns an unused ONNX name based on base.
func (c *converter) fresh(base string) string {
	if base == "" {
		base = "t"
	}
	name := base
	for c.names[name] > 0 {
		c.names[base]++
		name = base + "_" + strconv.Itoa(c.names[base])
	}
	c.names[name]++
	return name
}

// op appends a node with one output and returns the output name.
func (c *converter) op(opType string, inputs []string, attrs ...*onnx.Attribute) string {
	return c.opN(opType, inputs, 1, attrs...)[0]
}

// opN appends a node with n outputs.
func (c *converter) opN(opType string, inputs []string, n int, attrs ...*onnx.Attribute) []string {
	base := opType
	if c.node != nil {
		base = c.node.Name + "/" + opType
	}
	name := c.fresh(base)
	outs := make([]string, n)
	for i := range outs {
		if i == 0 {
			outs[i] = name
		} else {
			outs[i] = c.fresh(name + ":" + strconv.Itoa(i))
		}
	}
	c.g.Nodes = append(c.g.Nodes, &onnx.Node{Name: name, OpType: opType, Inputs: inputs, Outputs: outs, Attrs: attrs})
	return outs
}

// init adds an initializer and returns its name.
func (c *converter) init(t *tensorData, base string) string {
	name := c.fresh(base)
	c.g.Initializers = append(c.g.Initializers, t.onnxTensor(name))
	return name
}

// i64s returns an int64 1-D constant, shared between uses.
func (c *converter) i64s(v ...int64) string {
	key := fmt.Sprint("i64", v)
	if name, ok := c.consts[key]; ok {
		return name
	}
	name := c.init(&tensorData{dtype: dtInt64, shape: []int{len(v)}, i: v}, "const_i64")
	c.consts[key] = name
	return name
}

// scalar returns a 0-D constant of dtype dt, shared between uses.
func (c *converter) scalar(dt dtype, x float64) string {
	key := fmt.Sprint("scalar", dt, x)
	if name, ok := c.consts[key]; ok {
		return name
	}
	t := &tensorData{dtype: dt, shape: []int{}}
	switch dt {
	case dtFloat:
		t.f = []float32{float32(x)}
	case dtBool:
		t.b = []bool{x != 0}
	default:
		t.i = []int64{int64(x)}
	}
	name := c.init(t, "const_"+dt.String())
	c.consts[key] = name
	return name
}

// ref returns the ONNX name of v as stored, emitting a constant on first use.
func (c *converter) ref(v *value) string {
	if v.name == "" && v.konst != nil {
		v.name = c.init(v.konst, v.hint)
	}
	return v.name
}

// form returns a cached derived tensor of v, computing it with f once.
func (c *converter) form(v *value, key string, f func() string) string {
	if name, ok := v.forms[key]; ok {
		return name
	}
	name := f()
	if v.forms == nil {
		v.forms = map[string]string{}
	}
	v.forms[key] = name
	return name
}

// nhwc returns v in TF axis order, in v's rep.
func (c *converter) nhwc(v *value) string {
	if !v.nchw {
		return c.ref(v)
	}
	return c.form(v, "nhwc", func() string {
		return c.op("Transpose", []string{c.ref(v)}, onnx.Ints("perm", 0, 2, 3, 1))
	})
}

// nchw returns a rank-4 v of rep shared or lead in NCHW order.
func (c *converter) nchw(v *value) string {
	if v.nchw {
		return c.ref(v)
	}
	return c.form(v, "nchw", func() string {
		if v.konst != nil {
			return c.init(v.konst.transposed([]int{0, 3, 1, 2}), v.hint+"_nchw")
		}
		return c.op("Transpose", []string{c.ref(v)}, onnx.Ints("perm", 0, 3, 1, 2))
	})
}

// batchShape returns an int64 [1+len(dims)] tensor: the batch size then dims.
func (c *converter) batchShape(dims []int) string {
	key := fmt.Sprint("batchshape", dims)
	if name, ok := c.consts[key]; ok {
		return name
	}
	if c.batchN == "" {
		saved := c.node
		c.node = nil
		c.batchN = c.op("Shape", []string{c.input0}, onnx.Int("start", 0), onnx.Int("end", 1))
		c.node = saved
	}
	name := c.batchN
	if len(dims) > 0 {
		name = c.op("Concat", []string{c.batchN, c.i64s(toI64(dims)...)}, onnx.Int("axis", 0))
	}
	c.consts[key] = name
	return name
}

// asRep returns v in TF axis order with exactly the rep r (lead or extra),
// expanding a shared value over the batch.
func (c *converter) asRep(v *value, r rep) string {
	if v.rep == r {
		return c.nhwc(v)
	}
	return c.form(v, fmt.Sprint("rep", r), func() string {
		switch {
		case v.rep == shared && r == lead:
			return c.op("Expand", []string{c.nhwc(v), c.batchShape(v.shape[1:])})
		case v.rep == shared:
			return c.op("Expand", []string{c.nhwc(v), c.batchShape(v.shape)})
		case v.rep == lead: // to extra
			return c.op("Unsqueeze", []string{c.nhwc(v), c.i64s(1)})
		}
		// extra to lead
		return c.op("Squeeze", []string{c.nhwc(v), c.i64s(1)})
	})
}

// onnxDims returns the ONNX dims of per-item v after the batch axis, in TF
// order.
func onnxDims(v *value) []int {
	if v.rep == lead {
		return v.shape[1:]
	}
	return v.shape
}

// reshape returns v with TF shape shape (same element count), in rep lead
// when shape[0] is 1 and extra otherwise.
func (c *converter) reshape(v *value, shape []int) *value {
	r := extra
	if len(shape) > 0 && shape[0] == 1 {
		r = lead
	}
	return c.reshapeTo(v, shape, r)
}

// reshapeTo is reshape with a chosen rep; for shared values r is ignored.
func (c *converter) reshapeTo(v *value, shape []int, r rep) *value {
	if equalInts(v.shape, shape) && (v.rep == r || (!v.perItem() && r == shared)) {
		return v
	}
	out := &value{dtype: v.dtype, shape: append([]int{}, shape...), hint: v.hint}
	if !v.perItem() {
		if v.konst != nil {
			out.konst = v.konst.reshaped(shape)
			return out
		}
		if equalInts(v.shape, shape) {
			out.name = c.nhwc(v)
			return out
		}
		out.name = c.op("Reshape", []string{c.nhwc(v), c.i64s(toI64(shape)...)})
		return out
	}
	out.rep = r
	want := shape
	if r == lead {
		want = shape[1:]
	}
	if equalInts(onnxDims(v), want) {
		out.name = c.nhwc(v)
		return out
	}
	out.name = c.form(v, fmt.Sprint("reshape", r, want), func() string {
		return c.op("Reshape", []string{c.nhwc(v), c.i64s(append([]int64{0}, toI64(want)...)...)})
	})
	return out
}

// padRank returns shape with leading ones up to rank r.
func padRank(shape []int, r int) []int {
	out := make([]int, 0, r)
	for i := len(shape); i < r; i++ {
		out = append(out, 1)
	}
	return append(out, shape...)
}

// broadcast returns the numpy broadcast of shapes.
func broadcast(shapes ...[]int) ([]int, error) {
	r := 0
	for _, s := range shapes {
		r = max(r, len(s))
	}
	out := make([]int, r)
	for i := range out {
		out[i] = 1
	}
	for _, s := range shapes {
		p := padRank(s, r)
		for i, d := range p {
			switch {
			case d == out[i] || d == 1:
			case out[i] == 1:
				out[i] = d
			default:
				return nil, fmt.Errorf("shapes %v do not broadcast", shapes)
			}
		}
	}
	return out, nil
}

// elementwise emits a broadcasting n-ary ONNX op over ins.
func (c *converter) elementwise(opType string, ins []*value, out dtype, attrs ...*onnx.Attribute) (*value, error) {
	shapes := make([][]int, len(ins))
	anyItem, anyNCHW := false, false
	for i, v := range ins {
		shapes[i] = v.shape
		anyItem = anyItem || v.perItem()
		anyNCHW = anyNCHW || (v.perItem() && v.nchw)
	}
	shape, err := broadcast(shapes...)
	if err != nil {
		return nil, err
	}
	res := &value{dtype: out, shape: shape}
	names := make([]string, len(ins))
	r := len(shape)
	switch {
	case !anyItem:
		for i, v := range ins {
			names[i] = c.nhwc(v)
		}
	case r == 4 && shape[0] == 1 && anyNCHW:
		res.rep, res.nchw = lead, true
		for i, v := range ins {
			p := padRank(v.shape, 4)
			if v.perItem() {
				names[i] = c.nchw(c.reshapeTo(v, p, lead))
			} else {
				names[i] = c.nchw(c.reshapeTo(v, p, shared))
			}
		}
	case r >= 1 && shape[0] == 1:
		res.rep = lead
		for i, v := range ins {
			if v.perItem() {
				names[i] = c.nhwc(c.reshapeTo(v, padRank(v.shape, r), lead))
			} else {
				names[i] = c.nhwc(v)
			}
		}
	default:
		res.rep = extra
		for i, v := range ins {
			if v.perItem() {
				names[i] = c.nhwc(c.reshapeTo(v, padRank(v.shape, r), extra))
			} else {
				names[i] = c.nhwc(v)
			}
		}
	}
	res.name = c.op(opType, names, attrs...)
	return res, nil
}

// unary emits a one-input op that keeps shape, rep and layout.
func (c *converter) unary(opType string, v *value, out dtype, attrs ...*onnx.Attribute) *value {
	res := &value{dtype: out, shape: v.shape, rep: v.rep, nchw: v.nchw}
	res.name = c.op(opType, []string{c.ref(v)}, attrs...)
	return res
}

// axisView returns v's ONNX tensor in TF order and the ONNX axis of TF axis
// a, converting a lead value to extra when a is 0 (the batch stands there).
func (c *converter) axisView(v *value, a int) (string, int, rep) {
	switch v.rep {
	case shared:
		return c.nhwc(v), a, shared
	case lead:
		if a > 0 {
			return c.nhwc(v), a, lead
		}
	}
	return c.asRep(v, extra), a + 1, extra
}

// normAxis maps a possibly negative axis into [0, rank).
func normAxis(a int64, rank int) (int, error) {
	if a < 0 {
		a += int64(rank)
	}
	if a < 0 || a >= int64(rank) {
		return 0, fmt.Errorf("axis %d out of range for rank %d", a, rank)
	}
	return int(a), nil
}

func toI64(v []int) []int64 {
	out := make([]int64, len(v))
	for i, x := range v {
		out[i] = int64(x)
	}
	return out
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// ---- attributes -----------------------------------------------------------

func (n *nodeDef) attrInt(name string, def int64) (int64, error) {
	a, ok := n.Attr[name]
	if !ok {
		return def, nil
	}
	if a.I == nil {
		return 0, fmt.Errorf("attribute %q is not an integer", name)
	}
	return int64(*a.I), nil
}

func (n *nodeDef) attrInts(name string, def []int64) ([]int64, error) {
	a, ok := n.Attr[name]
	if !ok {
		return def, nil
	}
	if a.List == nil {
		return nil, fmt.Errorf("attribute %q is not a list", name)
	}
	out := make([]int64, len(a.List.I))
	for i, v := range a.List.I {
		out[i] = int64(v)
	}
	return out, nil
}

func (n *nodeDef) attrBool(name string, def bool) (bool, error) {
	a, ok := n.Attr[name]
	if !ok {
		return def, nil
	}
	if a.B == nil {
		return false, fmt.Errorf("attribute %q is not a bool", name)
	}
	return *a.B, nil
}

func (n *nodeDef) attrFloat(name string, def float64) (float64, error) {
	a, ok := n.Attr[name]
	if !ok {
		return def, nil
	}
	if a.F == nil {
		return 0, fmt.Errorf("attribute %q is not a float", name)
	}
	return float64(*a.F), nil
}

func (n *nodeDef) attrString(name, def string) (string, error) {
	a, ok := n.Attr[name]
	if !ok {
		return def, nil
	}
	if a.S == nil {
		return "", fmt.Errorf("attribute %q is not a string", name)
	}
	b, err := base64.StdEncoding.DecodeString(*a.S)
	if err != nil {
		return "", fmt.Errorf("attribute %q: %w", name, err)
	}
	return string(b), nil
}

func (n *nodeDef) attrStrings(name string) ([]string, error) {
	a, ok := n.Attr[name]
	if !ok {
		return nil, nil
	}
	if a.List == nil {
		return nil, fmt.Errorf("attribute %q is not a list", name)
	}
	out := make([]string, len(a.List.S))
	for i, s := range a.List.S {
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, fmt.Errorf("attribute %q: %w", name, err)
		}
		out[i] = string(b)
	}
	return out, nil
}

func (n *nodeDef) attrType(name string) (dtype, error) {
	a, ok := n.Attr[name]
	if !ok || a.Type == nil {
		return dtUnknown, fmt.Errorf("no type attribute %q", name)
	}
	dt, ok := tfDtype(*a.Type)
	if !ok {
		return dtUnknown, fmt.Errorf("%w: dtype %s", ErrUnsupportedOp, *a.Type)
	}
	return dt, nil
}
