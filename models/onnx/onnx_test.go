package onnx

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
)

// tinyModel is a two-node graph with every attribute kind the converter
// writes, a symbolic batch and initializers of several types.
func tinyModel() *Model {
	return &Model{
		IRVersion:       8,
		Opsets:          []Opset{{Domain: "", Version: 17}},
		ProducerName:    "test",
		ProducerVersion: "1",
		DocString:       "doc",
		Metadata:        []StringPair{{Key: "k", Value: "v"}},
		Graph: &Graph{
			Name: "g",
			Nodes: []*Node{
				{Name: "conv", OpType: "Conv", Inputs: []string{"x", "w", ""}, Outputs: []string{"y"},
					Attrs: []*Attribute{Ints("pads", 0, 1, 0, 1), Int("group", 1), Floats("f", 1.5, -2),
						Float32("alpha", 0.25), Str("mode", "linear"),
						TensorAttr("value", NewInt64("", []int64{2}, []int64{-1, 7}))}},
				{Name: "relu", OpType: "Relu", Domain: "", Inputs: []string{"y"}, Outputs: []string{"z"}},
			},
			Initializers: []*Tensor{
				NewFloat32("w", []int64{1, 3, 1, 1}, []float32{1, -2.5, float32(math.Inf(1))}),
				NewInt32("i32", []int64{2}, []int32{-3, 4}),
				NewFloat16("h", []int64{2}, []uint16{0x3c00, 0x8001}),
				NewBool("b", []int64{}, []bool{true}),
			},
			Inputs:  []*ValueInfo{TensorValue("x", Float, Symbolic("batch"), Fixed(3), Fixed(4), Fixed(4))},
			Outputs: []*ValueInfo{TensorValue("z", Float, Symbolic("batch"), Fixed(1), Unknown(), Fixed(0))},
		},
	}
}

func TestRoundTrip(t *testing.T) {
	m := tinyModel()
	b, err := Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, m) {
		t.Errorf("round trip:\ngot  %+v\nwant %+v", got.Graph, m.Graph)
	}
	again, err := Encode(got)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again, b) {
		t.Errorf("re-encoding differs: got %d bytes, want %d", len(again), len(b))
	}
}

// TestFieldNumbers pins the wire layout of a few fields against onnx.proto
// by decoding hand-built bytes.
func TestFieldNumbers(t *testing.T) {
	var dim []byte
	dim = protowire.AppendTag(dim, 2, protowire.BytesType) // dim_param
	dim = protowire.AppendString(dim, "batch")
	var shape []byte
	shape = protowire.AppendTag(shape, 1, protowire.BytesType) // dim
	shape = protowire.AppendBytes(shape, dim)
	var tt []byte
	tt = protowire.AppendTag(tt, 1, protowire.VarintType) // elem_type
	tt = protowire.AppendVarint(tt, 6)
	tt = protowire.AppendTag(tt, 2, protowire.BytesType) // shape
	tt = protowire.AppendBytes(tt, shape)
	var typ []byte
	typ = protowire.AppendTag(typ, 1, protowire.BytesType) // tensor_type
	typ = protowire.AppendBytes(typ, tt)
	var vi []byte
	vi = protowire.AppendTag(vi, 1, protowire.BytesType) // name
	vi = protowire.AppendString(vi, "in")
	vi = protowire.AppendTag(vi, 2, protowire.BytesType) // type
	vi = protowire.AppendBytes(vi, typ)
	var node []byte
	node = protowire.AppendTag(node, 4, protowire.BytesType) // op_type
	node = protowire.AppendString(node, "Relu")
	var g []byte
	g = protowire.AppendTag(g, 1, protowire.BytesType) // node
	g = protowire.AppendBytes(g, node)
	g = protowire.AppendTag(g, 11, protowire.BytesType) // input
	g = protowire.AppendBytes(g, vi)
	var op []byte
	op = protowire.AppendTag(op, 2, protowire.VarintType) // version
	op = protowire.AppendVarint(op, 17)
	var b []byte
	b = protowire.AppendTag(b, 1, protowire.VarintType) // ir_version
	b = protowire.AppendVarint(b, 9)
	b = protowire.AppendTag(b, 8, protowire.BytesType) // opset_import
	b = protowire.AppendBytes(b, op)
	b = protowire.AppendTag(b, 2, protowire.BytesType) // producer_name
	b = protowire.AppendString(b, "p")
	b = protowire.AppendTag(b, 7, protowire.BytesType) // graph
	b = protowire.AppendBytes(b, g)

	m, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if m.IRVersion != 9 || m.Opset("") != 17 || m.ProducerName != "p" {
		t.Errorf("got ir %d opset %d producer %q, want 9 17 \"p\"", m.IRVersion, m.Opset(""), m.ProducerName)
	}
	in := m.Graph.Inputs[0]
	if in.Name != "in" || in.ElemType != Int32 || len(in.Shape) != 1 || in.Shape[0].Param != "batch" {
		t.Errorf("got input %+v, want in int32[batch]", in)
	}
	if m.Graph.Nodes[0].OpType != "Relu" {
		t.Errorf("got op %q, want Relu", m.Graph.Nodes[0].OpType)
	}
}

func TestDecodeErrors(t *testing.T) {
	good, err := Encode(tinyModel())
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"truncated", good[:len(good)/2]},
		{"one byte short", good[:len(good)-1]},
		{"bad tag", []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}},
		{"wrong wire type", protowire.AppendVarint(protowire.AppendTag(nil, 7, protowire.VarintType), 1)},
		{"length past end", append(protowire.AppendTag(nil, 7, protowire.BytesType), 0x7f)},
		{"not a model", []byte("hello world, this is text")},
		{"unknown fields only", protowire.AppendVarint(protowire.AppendTag(nil, 99, protowire.VarintType), 1)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			in := append([]byte(nil), tt.data...)
			m, err := Decode(in)
			if err == nil {
				t.Fatalf("got model %+v, want an error", m)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("got %v, want an error wrapping ErrInvalid", err)
			}
			if !bytes.Equal(in, tt.data) {
				t.Error("Decode modified its input")
			}
		})
	}
}

func TestTensorValues(t *testing.T) {
	for _, tt := range []struct {
		name   string
		tensor *Tensor
		want   []float32
	}{
		{"float32", NewFloat32("a", []int64{2}, []float32{1, -2}), []float32{1, -2}},
		{"float16", NewFloat16("h", []int64{4}, []uint16{0x3c00, 0xc000, 0x0001, 0x7bff}),
			[]float32{1, -2, float32(math.Ldexp(1, -24)), 65504}},
		{"float_data", &Tensor{DataType: Float, Dims: []int64{2}, FloatData: []float32{3, 4}}, []float32{3, 4}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.tensor.Float32s()
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	ints, err := NewInt32("i", []int64{3}, []int32{-1, 0, 1 << 30}).Int64s()
	if err != nil || !reflect.DeepEqual(ints, []int64{-1, 0, 1 << 30}) {
		t.Errorf("got %v %v, want [-1 0 1073741824]", ints, err)
	}
	bad := &Tensor{Name: "bad", DataType: Float, Dims: []int64{3}, Raw: make([]byte, 8)}
	if _, err := bad.Float32s(); !errors.Is(err, ErrInvalid) {
		t.Errorf("got %v, want ErrInvalid for short raw data", err)
	}
	ext := &Tensor{Name: "ext", DataType: Float, Dims: []int64{1}, External: true}
	if _, err := ext.Float32s(); !errors.Is(err, ErrUnsupported) {
		t.Errorf("got %v, want ErrUnsupported for external data", err)
	}
}

func TestHalfToFloat32(t *testing.T) {
	for _, tt := range []struct {
		bits uint16
		want float32
	}{
		{0x0000, 0},
		{0x3c00, 1},
		{0x3555, 0.333251953125},
		{0x0400, float32(math.Ldexp(1, -14))},
		{0x03ff, float32(math.Ldexp(1023, -24))},
		{0xfc00, float32(math.Inf(-1))},
	} {
		if got := HalfToFloat32(tt.bits); got != tt.want {
			t.Errorf("HalfToFloat32(%#04x): got %v, want %v", tt.bits, got, tt.want)
		}
	}
	if got := HalfToFloat32(0x7e00); !math.IsNaN(float64(got)) {
		t.Errorf("HalfToFloat32(0x7e00): got %v, want NaN", got)
	}
	if got := math.Float32bits(HalfToFloat32(0x8000)); got != 0x80000000 {
		t.Errorf("HalfToFloat32(0x8000): got bits %#x, want negative zero", got)
	}
}

func TestDescribe(t *testing.T) {
	m := tinyModel()
	d := Describe(m)
	if got, want := len(d.Inputs), 1; got != want {
		t.Fatalf("got %d inputs, want %d", got, want)
	}
	if got, want := d.Inputs[0].String(), "x float32[batch,3,4,4]"; got != want {
		t.Errorf("got input %q, want %q", got, want)
	}
	if got, want := d.Outputs[0].String(), "z float32[batch,1,?,0]"; got != want {
		t.Errorf("got output %q, want %q", got, want)
	}
	if got, want := d.Ops, []OpCount{{Op: "Conv", Count: 1}, {Op: "Relu", Count: 1}}; !reflect.DeepEqual(got, want) {
		t.Errorf("got ops %v, want %v", got, want)
	}
	if d.Parameters != 3+2+2+1 {
		t.Errorf("got %d parameters, want 8", d.Parameters)
	}
	text := d.String()
	for _, s := range []string{"producer:     test 1", "opsets:       ai.onnx 17", "x float32[batch,3,4,4]", "Conv 1"} {
		if !strings.Contains(text, s) {
			t.Errorf("text output lacks %q:\n%s", s, text)
		}
	}
	var buf bytes.Buffer
	if err := d.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var back Description
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.Inputs, d.Inputs) || back.Nodes != d.Nodes {
		t.Errorf("JSON round trip: got %+v, want %+v", back, d)
	}
}

func TestEncodeErrors(t *testing.T) {
	if _, err := Encode(nil); err == nil {
		t.Error("Encode(nil): got no error")
	}
	if _, err := Encode(&Model{}); err == nil {
		t.Error("Encode without graph: got no error")
	}
	m := tinyModel()
	m.Graph.Nodes = append(m.Graph.Nodes, nil)
	if _, err := Encode(m); err == nil {
		t.Error("Encode with a nil node: got no error")
	}
}

func FuzzDecode(f *testing.F) {
	good, err := Encode(tinyModel())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:len(good)/3])
	f.Add([]byte{0x3a, 0x02, 0x0a, 0x00})
	f.Fuzz(func(t *testing.T, data []byte) {
		in := append([]byte(nil), data...)
		m, err := Decode(in)
		if !bytes.Equal(in, data) {
			t.Fatal("Decode modified its input")
		}
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v does not wrap ErrInvalid", err)
			}
			return
		}
		// What decodes must encode, and decode again to the same encoding.
		b, err := Encode(m)
		if err != nil {
			return // e.g. a nil graph: nothing to compare
		}
		m2, err := Decode(b)
		if err != nil {
			t.Fatalf("re-decode: %v", err)
		}
		b2, err := Encode(m2)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		if !bytes.Equal(b, b2) {
			t.Fatalf("encode(decode(encode(m))) != encode(m)")
		}
		_ = Describe(m).String()
	})
}
