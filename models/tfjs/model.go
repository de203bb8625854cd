package tfjs

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/athlete3d/athlete3d/models/onnx"
)

// graphModel is a parsed model.json with its weights decoded.
type graphModel struct {
	path        string
	format      string
	generatedBy string
	convertedBy string
	nodes       []*nodeDef
	inputs      []sigTensor // signature inputs in file order; nil when absent
	outputs     []sigTensor
	weights     map[string]*tensorData
}

type modelJSON struct {
	Format          string          `json:"format"`
	GeneratedBy     string          `json:"generatedBy"`
	ConvertedBy     string          `json:"convertedBy"`
	ModelTopology   *topologyJSON   `json:"modelTopology"`
	WeightsManifest []weightGroup   `json:"weightsManifest"`
	Signature       *signatureJSON  `json:"signature"`
	Metadata        json.RawMessage `json:"userDefinedMetadata"`
}

type topologyJSON struct {
	Node []*nodeDef `json:"node"`
}

// nodeDef is a TensorFlow NodeDef in its JSON form.
type nodeDef struct {
	Name  string               `json:"name"`
	Op    string               `json:"op"`
	Input []string             `json:"input"`
	Attr  map[string]attrValue `json:"attr"`
}

// attrValue is a TensorFlow AttrValue in its JSON form. Integers may be
// written as strings (int64 in proto JSON) or numbers.
type attrValue struct {
	S      *string          `json:"s"`
	I      *jsonInt         `json:"i"`
	F      *jsonFloat       `json:"f"`
	B      *bool            `json:"b"`
	Type   *string          `json:"type"`
	Shape  *shapeJSON       `json:"shape"`
	Tensor *tensorJSON      `json:"tensor"`
	List   *attrList        `json:"list"`
	Func   *json.RawMessage `json:"func"`
}

type attrList struct {
	S      []string     `json:"s"`
	I      []jsonInt    `json:"i"`
	F      []jsonFloat  `json:"f"`
	B      []bool       `json:"b"`
	Type   []string     `json:"type"`
	Shape  []shapeJSON  `json:"shape"`
	Tensor []tensorJSON `json:"tensor"`
}

type shapeJSON struct {
	Dim         []dimJSON `json:"dim"`
	UnknownRank bool      `json:"unknownRank"`
}

type dimJSON struct {
	Size jsonInt `json:"size"`
	Name string  `json:"name"`
}

// tensorJSON is a TensorProto in JSON form, as found in Const nodes that
// carry their value inline.
type tensorJSON struct {
	Dtype         string      `json:"dtype"`
	TensorShape   *shapeJSON  `json:"tensorShape"`
	TensorContent string      `json:"tensorContent"`
	FloatVal      []jsonFloat `json:"floatVal"`
	IntVal        []jsonInt   `json:"intVal"`
	Int64Val      []jsonInt   `json:"int64Val"`
	BoolVal       []bool      `json:"boolVal"`
}

type weightGroup struct {
	Paths   []string     `json:"paths"`
	Weights []weightSpec `json:"weights"`
}

type weightSpec struct {
	Name         string        `json:"name"`
	Shape        []int         `json:"shape"`
	Dtype        string        `json:"dtype"`
	Quantization *quantization `json:"quantization"`
}

type quantization struct {
	Dtype string   `json:"dtype"`
	Scale *float64 `json:"scale"`
	Min   *float64 `json:"min"`
}

type signatureJSON struct {
	Inputs  orderedTensors `json:"inputs"`
	Outputs orderedTensors `json:"outputs"`
}

// sigTensor is one signature entry: the key, the tensor it names
// ("node:0" or "node"), its dtype and shape.
type sigTensor struct {
	Key         string
	Name        string     `json:"name"`
	Dtype       string     `json:"dtype"`
	TensorShape *shapeJSON `json:"tensorShape"`
}

// orderedTensors keeps the order in which signature entries appear in the
// file, which is the order of the model's inputs and outputs.
type orderedTensors []sigTensor

func (o *orderedTensors) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok == nil {
		return nil
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return fmt.Errorf("signature: want an object, got %v", tok)
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key, ok := tok.(string)
		if !ok {
			return fmt.Errorf("signature: bad key %v", tok)
		}
		var t sigTensor
		if err := dec.Decode(&t); err != nil {
			return fmt.Errorf("signature %q: %w", key, err)
		}
		t.Key = key
		if t.Name == "" {
			t.Name = key
		}
		*o = append(*o, t)
	}
	_, err = dec.Token()
	return err
}

// jsonInt accepts 3, "3" and "-3".
type jsonInt int64

func (v *jsonInt) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return fmt.Errorf("bad integer %s", b)
	}
	*v = jsonInt(n)
	return nil
}

// jsonFloat accepts numbers and the proto JSON strings "NaN", "Infinity" and
// "-Infinity".
type jsonFloat float64

func (v *jsonFloat) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	switch s {
	case "NaN":
		*v = jsonFloat(math.NaN())
		return nil
	case "Infinity":
		*v = jsonFloat(math.Inf(1))
		return nil
	case "-Infinity":
		*v = jsonFloat(math.Inf(-1))
		return nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return fmt.Errorf("bad number %s", b)
	}
	*v = jsonFloat(f)
	return nil
}

// maxInlineElements bounds constants written in model.json itself (a single
// value may be broadcast to a declared shape).
const maxInlineElements = 1 << 24

// maxWeightBytes bounds the total size of the weight shards read for one
// model (and so the memory a hostile manifest can make us allocate).
const maxWeightBytes = 1 << 31

// load reads model.json at path and the weight shards it lists.
func load(path string) (*graphModel, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFormat, err)
	}
	m, err := parseModel(raw, path)
	if err != nil {
		return nil, err
	}
	dir := filepath.Dir(path)
	var shards [][]byte
	var specs []weightSpec
	for _, g := range m.groups {
		for _, p := range g.Paths {
			local, err := shardPath(dir, p)
			if err != nil {
				return nil, fmt.Errorf("%w: %s: %w", ErrWeights, path, err)
			}
			b, err := os.ReadFile(local)
			if err != nil {
				return nil, fmt.Errorf("%w: weight shard: %w", ErrWeights, err)
			}
			shards = append(shards, b)
		}
		specs = append(specs, g.Weights...)
	}
	w, err := decodeWeights(specs, shards, m.shardNames(dir))
	if err != nil {
		return nil, err
	}
	m.model.weights = w
	return m.model, nil
}

// parsed is a model.json before its weights are read.
type parsed struct {
	model  *graphModel
	groups []weightGroup
}

func (p *parsed) shardNames(dir string) []string {
	var names []string
	for _, g := range p.groups {
		for _, s := range g.Paths {
			names = append(names, filepath.Join(dir, filepath.FromSlash(s)))
		}
	}
	return names
}

// parseModel decodes model.json; name is used in errors.
func parseModel(raw []byte, name string) (*parsed, error) {
	var mj modelJSON
	if err := json.Unmarshal(raw, &mj); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrFormat, name, err)
	}
	if mj.Format != "" && mj.Format != "graph-model" {
		return nil, fmt.Errorf("%w: %s: format %q, want \"graph-model\" (layers models are not supported)", ErrFormat, name, mj.Format)
	}
	if mj.ModelTopology == nil || len(mj.ModelTopology.Node) == 0 {
		return nil, fmt.Errorf("%w: %s: no modelTopology.node list", ErrFormat, name)
	}
	seen := make(map[string]bool, len(mj.ModelTopology.Node))
	for i, n := range mj.ModelTopology.Node {
		if n == nil || n.Name == "" || n.Op == "" {
			return nil, fmt.Errorf("%w: %s: node %d has no name or op", ErrFormat, name, i)
		}
		if seen[n.Name] {
			return nil, fmt.Errorf("%w: %s: duplicate node name %q", ErrFormat, name, n.Name)
		}
		seen[n.Name] = true
	}
	m := &graphModel{
		path:        name,
		format:      mj.Format,
		generatedBy: mj.GeneratedBy,
		convertedBy: mj.ConvertedBy,
		nodes:       mj.ModelTopology.Node,
	}
	if mj.Signature != nil {
		m.inputs = mj.Signature.Inputs
		m.outputs = mj.Signature.Outputs
	}
	return &parsed{model: m, groups: mj.WeightsManifest}, nil
}

// shardPath resolves a manifest path against the model directory, refusing
// paths that leave it.
func shardPath(dir, p string) (string, error) {
	if p == "" || filepath.IsAbs(p) || strings.HasPrefix(p, "/") {
		return "", fmt.Errorf("weight path %q is not relative", p)
	}
	clean := filepath.Clean(filepath.FromSlash(p))
	if clean == ".." || strings.HasPrefix(clean, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("weight path %q leaves the model directory", p)
	}
	return filepath.Join(dir, clean), nil
}

// decodeWeights splits the concatenated shards into tensors, in manifest
// order, dequantizing as TF.js does. names are the shard file names, for
// errors.
func decodeWeights(specs []weightSpec, shards [][]byte, names []string) (map[string]*tensorData, error) {
	total := 0
	for _, s := range shards {
		total += len(s)
	}
	if total > maxWeightBytes {
		return nil, fmt.Errorf("%w: shards hold %d bytes, more than %d", ErrWeights, total, maxWeightBytes)
	}
	all := make([]byte, 0, total)
	for _, s := range shards {
		all = append(all, s...)
	}
	where := func(off int) string {
		for i, s := range shards {
			if off < len(s) && i < len(names) {
				return names[i]
			}
			off -= len(s)
		}
		if len(names) > 0 {
			return names[len(names)-1]
		}
		return "(no shard)"
	}
	out := make(map[string]*tensorData, len(specs))
	off := 0
	for _, s := range specs {
		n, err := elemCount(s.Shape)
		if err != nil {
			return nil, fmt.Errorf("%w: weight %q: %w", ErrWeights, s.Name, err)
		}
		dt, ok := manifestDtype(s.Dtype)
		if !ok {
			return nil, fmt.Errorf("%w: weight %q: unsupported dtype %q", ErrWeights, s.Name, s.Dtype)
		}
		width := dt.size()
		if q := s.Quantization; q != nil {
			switch q.Dtype {
			case "uint8":
				width = 1
			case "uint16", "float16":
				width = 2
			default:
				return nil, fmt.Errorf("%w: weight %q: unsupported quantization dtype %q", ErrWeights, s.Name, q.Dtype)
			}
			if q.Dtype == "float16" && dt != dtFloat {
				return nil, fmt.Errorf("%w: weight %q: float16 quantization of %s", ErrWeights, s.Name, s.Dtype)
			}
			if q.Dtype != "float16" && (q.Scale == nil || q.Min == nil) {
				return nil, fmt.Errorf("%w: weight %q: %s quantization without scale and min", ErrWeights, s.Name, q.Dtype)
			}
			if q.Dtype != "float16" && dt == dtBool {
				return nil, fmt.Errorf("%w: weight %q: quantized bool", ErrWeights, s.Name)
			}
		}
		size := n * width
		if n > maxWeightBytes || size > len(all)-off {
			return nil, fmt.Errorf("%w: weight %q needs bytes %d..%d but the shards end at %d (%s is shorter than the manifest says)",
				ErrWeights, s.Name, off, off+size, len(all), where(len(all)-1))
		}
		t, err := decodeWeight(s, dt, all[off:off+size], n)
		if err != nil {
			return nil, err
		}
		if _, dup := out[s.Name]; dup {
			return nil, fmt.Errorf("%w: weight %q listed twice", ErrWeights, s.Name)
		}
		out[s.Name] = t
		off += size
	}
	return out, nil
}

func elemCount(shape []int) (int, error) {
	n := 1
	for _, d := range shape {
		if d < 0 {
			return 0, fmt.Errorf("negative dimension in shape %v", shape)
		}
		if d != 0 && n > maxWeightBytes/d {
			return 0, fmt.Errorf("shape %v is too large", shape)
		}
		n *= d
	}
	return n, nil
}

func decodeWeight(s weightSpec, dt dtype, b []byte, n int) (*tensorData, error) {
	t := &tensorData{dtype: dt, shape: append([]int{}, s.Shape...)}
	le16 := func(i int) uint16 { return uint16(b[2*i]) | uint16(b[2*i+1])<<8 }
	le32 := func(i int) uint32 {
		return uint32(b[4*i]) | uint32(b[4*i+1])<<8 | uint32(b[4*i+2])<<16 | uint32(b[4*i+3])<<24
	}
	q := s.Quantization
	switch {
	case q != nil && q.Dtype == "float16":
		t.f = make([]float32, n)
		for i := range t.f {
			t.f[i] = onnx.HalfToFloat32(le16(i))
		}
	case q != nil:
		scale, min := *q.Scale, *q.Min
		quant := func(i int) float64 {
			if q.Dtype == "uint8" {
				return float64(b[i])
			}
			return float64(le16(i))
		}
		if dt == dtFloat {
			t.f = make([]float32, n)
			for i := range t.f {
				// Two roundings as in TF.js: the product and the sum are
				// float64, the store is float32. The explicit conversion
				// keeps the compiler from fusing them into one FMA.
				t.f[i] = float32(float64(quant(i)*scale) + min)
			}
		} else {
			t.i = make([]int64, n)
			for i := range t.i {
				t.i[i] = int64(jsRound(float64(quant(i)*scale) + min))
			}
		}
	case dt == dtFloat:
		t.f = make([]float32, n)
		for i := range t.f {
			t.f[i] = math.Float32frombits(le32(i))
		}
	case dt == dtInt32:
		t.i = make([]int64, n)
		for i := range t.i {
			t.i[i] = int64(int32(le32(i)))
		}
	case dt == dtBool:
		t.b = make([]bool, n)
		for i := range t.b {
			t.b[i] = b[i] != 0
		}
	default:
		return nil, fmt.Errorf("%w: weight %q: unsupported dtype %q", ErrWeights, s.Name, s.Dtype)
	}
	return t, nil
}

// jsRound is JavaScript's Math.round: halves round towards +Inf.
func jsRound(x float64) float64 { return math.Floor(x + 0.5) }

// inlineTensor decodes the value of a Const node that carries it in its
// "value" attribute rather than in the weights.
func inlineTensor(t *tensorJSON) (*tensorData, error) {
	dt, ok := tfDtype(t.Dtype)
	if !ok {
		return nil, fmt.Errorf("unsupported dtype %q", t.Dtype)
	}
	var shape []int
	if t.TensorShape != nil {
		for _, d := range t.TensorShape.Dim {
			if d.Size < 0 {
				return nil, fmt.Errorf("unknown dimension in constant shape")
			}
			shape = append(shape, int(d.Size))
		}
	}
	n, err := elemCount(shape)
	if err != nil {
		return nil, err
	}
	if n > maxInlineElements {
		return nil, fmt.Errorf("inline constant of shape %v is larger than %d elements", shape, maxInlineElements)
	}
	out := &tensorData{dtype: dt, shape: shape}
	if t.TensorContent != "" {
		b, err := base64.StdEncoding.DecodeString(t.TensorContent)
		if err != nil {
			return nil, fmt.Errorf("tensorContent: %w", err)
		}
		if len(b) != n*dt.size() {
			return nil, fmt.Errorf("tensorContent has %d bytes, want %d", len(b), n*dt.size())
		}
		name := map[dtype]string{dtFloat: "float32", dtInt32: "int32", dtBool: "bool", dtInt64: "int64"}[dt]
		if dt == dtInt64 {
			out.i = make([]int64, n)
			for i := range out.i {
				var v uint64
				for k := 7; k >= 0; k-- {
					v = v<<8 | uint64(b[8*i+k])
				}
				out.i[i] = int64(v)
			}
			return out, nil
		}
		return decodeWeight(weightSpec{Name: "inline", Shape: shape, Dtype: name}, dt, b, n)
	}
	// Typed values: a single value is broadcast to the whole shape.
	fill := func(count int) (int, error) {
		switch {
		case count == n:
			return n, nil
		case count == 1:
			return 1, nil
		case count == 0 && n == 0:
			return 0, nil
		}
		return 0, fmt.Errorf("%d values for shape %v", count, shape)
	}
	switch dt {
	case dtFloat:
		if len(t.FloatVal) == 0 {
			out.f = make([]float32, n)
			return out, nil
		}
		k, err := fill(len(t.FloatVal))
		if err != nil {
			return nil, err
		}
		out.f = make([]float32, n)
		for i := range out.f {
			out.f[i] = float32(t.FloatVal[i%max(k, 1)])
		}
	case dtInt32, dtInt64:
		vals := t.IntVal
		if dt == dtInt64 {
			vals = t.Int64Val
		}
		if len(vals) == 0 {
			out.i = make([]int64, n)
			return out, nil
		}
		k, err := fill(len(vals))
		if err != nil {
			return nil, err
		}
		out.i = make([]int64, n)
		for i := range out.i {
			out.i[i] = int64(vals[i%max(k, 1)])
		}
	case dtBool:
		if len(t.BoolVal) == 0 {
			out.b = make([]bool, n)
			return out, nil
		}
		k, err := fill(len(t.BoolVal))
		if err != nil {
			return nil, err
		}
		out.b = make([]bool, n)
		for i := range out.b {
			out.b[i] = t.BoolVal[i%max(k, 1)]
		}
	}
	return out, nil
}
