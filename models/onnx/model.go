package onnx

import (
	"fmt"
	"strconv"
)

// IRVersion is the ONNX IR version written by Encode when Model.IRVersion is
// zero. IR 8 is the first to carry opset 17 and 18.
const IRVersion = 8

// DataType is an ONNX tensor element type (TensorProto.DataType).
type DataType int32

// Element types. The numbers are the ones of onnx.proto.
const (
	Undefined  DataType = 0
	Float      DataType = 1
	Uint8      DataType = 2
	Int8       DataType = 3
	Uint16     DataType = 4
	Int16      DataType = 5
	Int32      DataType = 6
	Int64      DataType = 7
	String     DataType = 8
	Bool       DataType = 9
	Float16    DataType = 10
	Double     DataType = 11
	Uint32     DataType = 12
	Uint64     DataType = 13
	Complex64  DataType = 14
	Complex128 DataType = 15
	BFloat16   DataType = 16
)

var dataTypeNames = [...]string{
	Undefined:  "undefined",
	Float:      "float32",
	Uint8:      "uint8",
	Int8:       "int8",
	Uint16:     "uint16",
	Int16:      "int16",
	Int32:      "int32",
	Int64:      "int64",
	String:     "string",
	Bool:       "bool",
	Float16:    "float16",
	Double:     "float64",
	Uint32:     "uint32",
	Uint64:     "uint64",
	Complex64:  "complex64",
	Complex128: "complex128",
	BFloat16:   "bfloat16",
}

// String returns the Go-like name of t ("float32", "int64", ...), or
// "type(N)" for a number this package does not know.
func (t DataType) String() string {
	if t >= 0 && int(t) < len(dataTypeNames) {
		return dataTypeNames[t]
	}
	return fmt.Sprintf("type(%d)", int32(t))
}

// Size returns the size in bytes of one element of type t in raw data, or 0
// for types without a fixed size (string, undefined, unknown numbers).
func (t DataType) Size() int {
	switch t {
	case Uint8, Int8, Bool:
		return 1
	case Uint16, Int16, Float16, BFloat16:
		return 2
	case Float, Int32, Uint32:
		return 4
	case Int64, Double, Uint64, Complex64:
		return 8
	case Complex128:
		return 16
	}
	return 0
}

// Model is an ONNX ModelProto.
type Model struct {
	IRVersion       int64
	Opsets          []Opset
	ProducerName    string
	ProducerVersion string
	Domain          string
	ModelVersion    int64
	DocString       string
	Graph           *Graph
	Metadata        []StringPair
}

// Opset returns the version of the operator set imported for domain ("" or
// "ai.onnx" for the default domain), or 0 when the model does not import it.
func (m *Model) Opset(domain string) int64 {
	if domain == "ai.onnx" {
		domain = ""
	}
	for _, o := range m.Opsets {
		d := o.Domain
		if d == "ai.onnx" {
			d = ""
		}
		if d == domain {
			return o.Version
		}
	}
	return 0
}

// Opset is an OperatorSetIdProto: a domain and its version.
type Opset struct {
	Domain  string `json:"domain"`
	Version int64  `json:"version"`
}

// StringPair is a StringStringEntryProto.
type StringPair struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Graph is an ONNX GraphProto. Nodes must be in topological order.
type Graph struct {
	Name         string
	Nodes        []*Node
	Initializers []*Tensor
	Inputs       []*ValueInfo
	Outputs      []*ValueInfo
	ValueInfo    []*ValueInfo
	DocString    string
}

// Node is an ONNX NodeProto. An empty string in Inputs is an omitted optional
// input.
type Node struct {
	Name      string
	OpType    string
	Domain    string
	Inputs    []string
	Outputs   []string
	Attrs     []*Attribute
	DocString string
}

// Attr returns the attribute called name, or nil.
func (n *Node) Attr(name string) *Attribute {
	for _, a := range n.Attrs {
		if a.Name == name {
			return a
		}
	}
	return nil
}

// AttrType is the discriminator of an attribute value.
type AttrType int32

// Attribute types, numbered as in onnx.proto.
const (
	AttrUndefined AttrType = 0
	AttrFloat     AttrType = 1
	AttrInt       AttrType = 2
	AttrString    AttrType = 3
	AttrTensor    AttrType = 4
	AttrGraph     AttrType = 5
	AttrFloats    AttrType = 6
	AttrInts      AttrType = 7
	AttrStrings   AttrType = 8
	AttrTensors   AttrType = 9
	AttrGraphs    AttrType = 10
)

// Attribute is an ONNX AttributeProto. Only the field selected by Type is
// meaningful.
type Attribute struct {
	Name    string
	Type    AttrType
	F       float32
	I       int64
	S       []byte
	T       *Tensor
	G       *Graph
	Floats  []float32
	Ints    []int64
	Strings [][]byte
	Tensors []*Tensor
	Graphs  []*Graph
}

// Int returns an INT attribute.
func Int(name string, v int64) *Attribute { return &Attribute{Name: name, Type: AttrInt, I: v} }

// Float32 returns a FLOAT attribute.
func Float32(name string, v float32) *Attribute {
	return &Attribute{Name: name, Type: AttrFloat, F: v}
}

// Ints returns an INTS attribute.
func Ints(name string, v ...int64) *Attribute {
	return &Attribute{Name: name, Type: AttrInts, Ints: v}
}

// Floats returns a FLOATS attribute.
func Floats(name string, v ...float32) *Attribute {
	return &Attribute{Name: name, Type: AttrFloats, Floats: v}
}

// Str returns a STRING attribute.
func Str(name, v string) *Attribute {
	return &Attribute{Name: name, Type: AttrString, S: []byte(v)}
}

// TensorAttr returns a TENSOR attribute.
func TensorAttr(name string, t *Tensor) *Attribute {
	return &Attribute{Name: name, Type: AttrTensor, T: t}
}

// GraphAttr returns a GRAPH attribute.
func GraphAttr(name string, g *Graph) *Attribute {
	return &Attribute{Name: name, Type: AttrGraph, G: g}
}

// ValueInfo is a ValueInfoProto restricted to what this package models: a
// name and, for tensors, an element type and a shape.
type ValueInfo struct {
	Name string
	// Kind is "tensor" for tensor types, or the TypeProto case of any
	// other type ("sequence", "map", "optional", "sparse_tensor"); empty when
	// the type is absent.
	Kind     string
	ElemType DataType
	// Shape is nil when the shape is unknown, even its rank.
	Shape     []Dim
	DocString string
}

// TensorValue returns a ValueInfo of kind "tensor".
func TensorValue(name string, elem DataType, shape ...Dim) *ValueInfo {
	if shape == nil {
		shape = []Dim{}
	}
	return &ValueInfo{Name: name, Kind: "tensor", ElemType: elem, Shape: shape}
}

// Dim is one dimension of a shape: a fixed size (Value >= 0), a symbolic
// name (Param != ""), or unknown (Value < 0 and no Param).
type Dim struct {
	Value int64
	Param string
}

// Fixed returns a dimension of known size.
func Fixed(v int64) Dim { return Dim{Value: v} }

// Symbolic returns a named symbolic dimension, such as Symbolic("batch").
func Symbolic(name string) Dim { return Dim{Value: -1, Param: name} }

// Unknown returns a dimension of unknown size.
func Unknown() Dim { return Dim{Value: -1} }

// Dims returns fixed dimensions for sizes.
func Dims(sizes ...int64) []Dim {
	d := make([]Dim, len(sizes))
	for i, s := range sizes {
		d[i] = Fixed(s)
	}
	return d
}

// String returns the size, the symbolic name, or "?".
func (d Dim) String() string {
	switch {
	case d.Param != "":
		return d.Param
	case d.Value < 0:
		return "?"
	}
	return strconv.FormatInt(d.Value, 10)
}
