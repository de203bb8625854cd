package onnx

import (
	"errors"
	"fmt"
	"math"
	"os"

	"google.golang.org/protobuf/encoding/protowire"
)

// Field numbers of onnx.proto used by Encode and Decode.
const (
	// ModelProto
	fModelIRVersion       = 1
	fModelProducerName    = 2
	fModelProducerVersion = 3
	fModelDomain          = 4
	fModelModelVersion    = 5
	fModelDocString       = 6
	fModelGraph           = 7
	fModelOpsetImport     = 8
	fModelMetadataProps   = 14

	// OperatorSetIdProto
	fOpsetDomain  = 1
	fOpsetVersion = 2

	// StringStringEntryProto
	fPairKey   = 1
	fPairValue = 2

	// GraphProto
	fGraphNode        = 1
	fGraphName        = 2
	fGraphInitializer = 5
	fGraphDocString   = 10
	fGraphInput       = 11
	fGraphOutput      = 12
	fGraphValueInfo   = 13

	// NodeProto
	fNodeInput     = 1
	fNodeOutput    = 2
	fNodeName      = 3
	fNodeOpType    = 4
	fNodeAttribute = 5
	fNodeDocString = 6
	fNodeDomain    = 7

	// AttributeProto
	fAttrName    = 1
	fAttrF       = 2
	fAttrI       = 3
	fAttrS       = 4
	fAttrT       = 5
	fAttrG       = 6
	fAttrFloats  = 7
	fAttrInts    = 8
	fAttrStrings = 9
	fAttrTensors = 10
	fAttrGraphs  = 11
	fAttrType    = 20

	// TensorProto
	fTensorDims         = 1
	fTensorDataType     = 2
	fTensorFloatData    = 4
	fTensorInt32Data    = 5
	fTensorStringData   = 6
	fTensorInt64Data    = 7
	fTensorName         = 8
	fTensorRawData      = 9
	fTensorDoubleData   = 10
	fTensorUint64Data   = 11
	fTensorDocString    = 12
	fTensorExternalData = 13
	fTensorDataLocation = 14

	// ValueInfoProto
	fValueName      = 1
	fValueType      = 2
	fValueDocString = 3

	// TypeProto
	fTypeTensor       = 1
	fTypeSequence     = 4
	fTypeMap          = 5
	fTypeSparseTensor = 8
	fTypeOptional     = 9

	// TypeProto.Tensor
	fTensorTypeElem  = 1
	fTensorTypeShape = 2

	// TensorShapeProto and its Dimension
	fShapeDim      = 1
	fDimValue      = 1
	fDimParam      = 2
	fDimDenotation = 3
)

// Encode returns the protobuf encoding of m. A zero IRVersion is written as
// IRVersion.
func Encode(m *Model) ([]byte, error) {
	if m == nil {
		return nil, errors.New("onnx: encode nil model")
	}
	if err := checkEncodable(m); err != nil {
		return nil, err
	}
	e := encoder{}
	n := e.modelSize(m)
	b := make([]byte, 0, n)
	b = e.appendModel(b, m)
	if len(b) != n {
		return nil, fmt.Errorf("onnx: encode: size %d, wrote %d", n, len(b))
	}
	return b, nil
}

// WriteFile encodes m and writes it to path.
func WriteFile(path string, m *Model) error {
	b, err := Encode(m)
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("onnx: write %s: %w", path, err)
	}
	return nil
}

func checkEncodable(m *Model) error {
	if m.Graph == nil {
		return errors.New("onnx: encode: model has no graph")
	}
	return checkGraph(m.Graph, 0)
}

func checkGraph(g *Graph, depth int) error {
	if depth > maxDepth {
		return fmt.Errorf("onnx: encode: subgraphs nested deeper than %d", maxDepth)
	}
	for i, n := range g.Nodes {
		if n == nil {
			return fmt.Errorf("onnx: encode: graph %q: node %d is nil", g.Name, i)
		}
		for _, a := range n.Attrs {
			if a == nil {
				return fmt.Errorf("onnx: encode: node %q: nil attribute", n.Name)
			}
			if a.G != nil {
				if err := checkGraph(a.G, depth+1); err != nil {
					return err
				}
			}
			for _, sg := range a.Graphs {
				if sg == nil {
					return fmt.Errorf("onnx: encode: node %q: nil subgraph", n.Name)
				}
				if err := checkGraph(sg, depth+1); err != nil {
					return err
				}
			}
			for _, t := range a.Tensors {
				if t == nil {
					return fmt.Errorf("onnx: encode: node %q: nil tensor", n.Name)
				}
			}
		}
	}
	for _, t := range g.Initializers {
		if t == nil {
			return fmt.Errorf("onnx: encode: graph %q: nil initializer", g.Name)
		}
	}
	for _, list := range [][]*ValueInfo{g.Inputs, g.Outputs, g.ValueInfo} {
		for _, v := range list {
			if v == nil {
				return fmt.Errorf("onnx: encode: graph %q: nil value info", g.Name)
			}
		}
	}
	return nil
}

// encoder computes message sizes first so that the whole model is written
// into one buffer without intermediate copies.
type encoder struct{}

func sizeTagBytes(num protowire.Number, n int) int {
	return protowire.SizeTag(num) + protowire.SizeBytes(n)
}

func sizeString(num protowire.Number, s string) int {
	if s == "" {
		return 0
	}
	return sizeTagBytes(num, len(s))
}

func appendString(b []byte, num protowire.Number, s string) []byte {
	if s == "" {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendString(b, s)
}

func sizeVarint(num protowire.Number, v uint64) int {
	return protowire.SizeTag(num) + protowire.SizeVarint(v)
}

func appendVarint(b []byte, num protowire.Number, v uint64) []byte {
	b = protowire.AppendTag(b, num, protowire.VarintType)
	return protowire.AppendVarint(b, v)
}

func appendMessageHeader(b []byte, num protowire.Number, size int) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendVarint(b, uint64(size))
}

func packedVarintSize(v []int64) int {
	n := 0
	for _, x := range v {
		n += protowire.SizeVarint(uint64(x))
	}
	return n
}

func (e encoder) modelSize(m *Model) int {
	n := 0
	ir := m.IRVersion
	if ir == 0 {
		ir = IRVersion
	}
	n += sizeVarint(fModelIRVersion, uint64(ir))
	n += sizeString(fModelProducerName, m.ProducerName)
	n += sizeString(fModelProducerVersion, m.ProducerVersion)
	n += sizeString(fModelDomain, m.Domain)
	if m.ModelVersion != 0 {
		n += sizeVarint(fModelModelVersion, uint64(m.ModelVersion))
	}
	n += sizeString(fModelDocString, m.DocString)
	if m.Graph != nil {
		n += sizeTagBytes(fModelGraph, e.graphSize(m.Graph))
	}
	for _, o := range m.Opsets {
		n += sizeTagBytes(fModelOpsetImport, opsetSize(o))
	}
	for _, p := range m.Metadata {
		n += sizeTagBytes(fModelMetadataProps, pairSize(p))
	}
	return n
}

func (e encoder) appendModel(b []byte, m *Model) []byte {
	ir := m.IRVersion
	if ir == 0 {
		ir = IRVersion
	}
	b = appendVarint(b, fModelIRVersion, uint64(ir))
	b = appendString(b, fModelProducerName, m.ProducerName)
	b = appendString(b, fModelProducerVersion, m.ProducerVersion)
	b = appendString(b, fModelDomain, m.Domain)
	if m.ModelVersion != 0 {
		b = appendVarint(b, fModelModelVersion, uint64(m.ModelVersion))
	}
	b = appendString(b, fModelDocString, m.DocString)
	if m.Graph != nil {
		b = appendMessageHeader(b, fModelGraph, e.graphSize(m.Graph))
		b = e.appendGraph(b, m.Graph)
	}
	for _, o := range m.Opsets {
		b = appendMessageHeader(b, fModelOpsetImport, opsetSize(o))
		b = appendString(b, fOpsetDomain, o.Domain)
		b = appendVarint(b, fOpsetVersion, uint64(o.Version))
	}
	for _, p := range m.Metadata {
		b = appendMessageHeader(b, fModelMetadataProps, pairSize(p))
		b = appendPair(b, p)
	}
	return b
}

func opsetSize(o Opset) int {
	return sizeString(fOpsetDomain, o.Domain) + sizeVarint(fOpsetVersion, uint64(o.Version))
}

func pairSize(p StringPair) int {
	return sizeString(fPairKey, p.Key) + sizeString(fPairValue, p.Value)
}

func appendPair(b []byte, p StringPair) []byte {
	b = appendString(b, fPairKey, p.Key)
	return appendString(b, fPairValue, p.Value)
}

func (e encoder) graphSize(g *Graph) int {
	n := 0
	for _, nd := range g.Nodes {
		n += sizeTagBytes(fGraphNode, e.nodeSize(nd))
	}
	n += sizeString(fGraphName, g.Name)
	for _, t := range g.Initializers {
		n += sizeTagBytes(fGraphInitializer, e.tensorSize(t))
	}
	n += sizeString(fGraphDocString, g.DocString)
	for _, v := range g.Inputs {
		n += sizeTagBytes(fGraphInput, valueInfoSize(v))
	}
	for _, v := range g.Outputs {
		n += sizeTagBytes(fGraphOutput, valueInfoSize(v))
	}
	for _, v := range g.ValueInfo {
		n += sizeTagBytes(fGraphValueInfo, valueInfoSize(v))
	}
	return n
}

func (e encoder) appendGraph(b []byte, g *Graph) []byte {
	for _, nd := range g.Nodes {
		b = appendMessageHeader(b, fGraphNode, e.nodeSize(nd))
		b = e.appendNode(b, nd)
	}
	b = appendString(b, fGraphName, g.Name)
	for _, t := range g.Initializers {
		b = appendMessageHeader(b, fGraphInitializer, e.tensorSize(t))
		b = e.appendTensor(b, t)
	}
	b = appendString(b, fGraphDocString, g.DocString)
	for _, v := range g.Inputs {
		b = appendMessageHeader(b, fGraphInput, valueInfoSize(v))
		b = appendValueInfo(b, v)
	}
	for _, v := range g.Outputs {
		b = appendMessageHeader(b, fGraphOutput, valueInfoSize(v))
		b = appendValueInfo(b, v)
	}
	for _, v := range g.ValueInfo {
		b = appendMessageHeader(b, fGraphValueInfo, valueInfoSize(v))
		b = appendValueInfo(b, v)
	}
	return b
}

func (e encoder) nodeSize(nd *Node) int {
	n := 0
	for _, s := range nd.Inputs {
		n += sizeTagBytes(fNodeInput, len(s)) // empty names are kept: they mark omitted inputs
	}
	for _, s := range nd.Outputs {
		n += sizeTagBytes(fNodeOutput, len(s))
	}
	n += sizeString(fNodeName, nd.Name)
	n += sizeString(fNodeOpType, nd.OpType)
	for _, a := range nd.Attrs {
		n += sizeTagBytes(fNodeAttribute, e.attrSize(a))
	}
	n += sizeString(fNodeDocString, nd.DocString)
	n += sizeString(fNodeDomain, nd.Domain)
	return n
}

func (e encoder) appendNode(b []byte, nd *Node) []byte {
	for _, s := range nd.Inputs {
		b = protowire.AppendTag(b, fNodeInput, protowire.BytesType)
		b = protowire.AppendString(b, s)
	}
	for _, s := range nd.Outputs {
		b = protowire.AppendTag(b, fNodeOutput, protowire.BytesType)
		b = protowire.AppendString(b, s)
	}
	b = appendString(b, fNodeName, nd.Name)
	b = appendString(b, fNodeOpType, nd.OpType)
	for _, a := range nd.Attrs {
		b = appendMessageHeader(b, fNodeAttribute, e.attrSize(a))
		b = e.appendAttr(b, a)
	}
	b = appendString(b, fNodeDocString, nd.DocString)
	b = appendString(b, fNodeDomain, nd.Domain)
	return b
}

// attrSize and appendAttr write the field selected by Type and any other
// field that holds a value, so that decoding and encoding loses nothing.
func (e encoder) attrSize(a *Attribute) int {
	n := sizeString(fAttrName, a.Name)
	n += sizeVarint(fAttrType, uint64(a.Type))
	if a.Type == AttrFloat || math.Float32bits(a.F) != 0 {
		n += protowire.SizeTag(fAttrF) + 4
	}
	if a.Type == AttrInt || a.I != 0 {
		n += sizeVarint(fAttrI, uint64(a.I))
	}
	if a.Type == AttrString || len(a.S) > 0 {
		n += sizeTagBytes(fAttrS, len(a.S))
	}
	if a.T != nil {
		n += sizeTagBytes(fAttrT, e.tensorSize(a.T))
	}
	if a.G != nil {
		n += sizeTagBytes(fAttrG, e.graphSize(a.G))
	}
	if len(a.Floats) > 0 {
		n += sizeTagBytes(fAttrFloats, 4*len(a.Floats))
	}
	if len(a.Ints) > 0 {
		n += sizeTagBytes(fAttrInts, packedVarintSize(a.Ints))
	}
	for _, s := range a.Strings {
		n += sizeTagBytes(fAttrStrings, len(s))
	}
	for _, t := range a.Tensors {
		n += sizeTagBytes(fAttrTensors, e.tensorSize(t))
	}
	for _, g := range a.Graphs {
		n += sizeTagBytes(fAttrGraphs, e.graphSize(g))
	}
	return n
}

func (e encoder) appendAttr(b []byte, a *Attribute) []byte {
	b = appendString(b, fAttrName, a.Name)
	if a.Type == AttrFloat || math.Float32bits(a.F) != 0 {
		b = protowire.AppendTag(b, fAttrF, protowire.Fixed32Type)
		b = protowire.AppendFixed32(b, math.Float32bits(a.F))
	}
	if a.Type == AttrInt || a.I != 0 {
		b = appendVarint(b, fAttrI, uint64(a.I))
	}
	if a.Type == AttrString || len(a.S) > 0 {
		b = protowire.AppendTag(b, fAttrS, protowire.BytesType)
		b = protowire.AppendBytes(b, a.S)
	}
	if a.T != nil {
		b = appendMessageHeader(b, fAttrT, e.tensorSize(a.T))
		b = e.appendTensor(b, a.T)
	}
	if a.G != nil {
		b = appendMessageHeader(b, fAttrG, e.graphSize(a.G))
		b = e.appendGraph(b, a.G)
	}
	if len(a.Floats) > 0 {
		b = appendMessageHeader(b, fAttrFloats, 4*len(a.Floats))
		for _, f := range a.Floats {
			b = protowire.AppendFixed32(b, math.Float32bits(f))
		}
	}
	if len(a.Ints) > 0 {
		b = appendMessageHeader(b, fAttrInts, packedVarintSize(a.Ints))
		for _, v := range a.Ints {
			b = protowire.AppendVarint(b, uint64(v))
		}
	}
	for _, s := range a.Strings {
		b = protowire.AppendTag(b, fAttrStrings, protowire.BytesType)
		b = protowire.AppendBytes(b, s)
	}
	for _, t := range a.Tensors {
		b = appendMessageHeader(b, fAttrTensors, e.tensorSize(t))
		b = e.appendTensor(b, t)
	}
	for _, g := range a.Graphs {
		b = appendMessageHeader(b, fAttrGraphs, e.graphSize(g))
		b = e.appendGraph(b, g)
	}
	b = appendVarint(b, fAttrType, uint64(a.Type))
	return b
}

func (e encoder) tensorSize(t *Tensor) int {
	n := 0
	if len(t.Dims) > 0 {
		n += sizeTagBytes(fTensorDims, packedVarintSize(t.Dims))
	}
	n += sizeVarint(fTensorDataType, uint64(t.DataType))
	if len(t.FloatData) > 0 {
		n += sizeTagBytes(fTensorFloatData, 4*len(t.FloatData))
	}
	if len(t.Int32Data) > 0 {
		s := 0
		for _, v := range t.Int32Data {
			s += protowire.SizeVarint(uint64(int64(v)))
		}
		n += sizeTagBytes(fTensorInt32Data, s)
	}
	for _, s := range t.StringData {
		n += sizeTagBytes(fTensorStringData, len(s))
	}
	if len(t.Int64Data) > 0 {
		n += sizeTagBytes(fTensorInt64Data, packedVarintSize(t.Int64Data))
	}
	n += sizeString(fTensorName, t.Name)
	if t.Raw != nil {
		n += sizeTagBytes(fTensorRawData, len(t.Raw))
	}
	if len(t.DoubleData) > 0 {
		n += sizeTagBytes(fTensorDoubleData, 8*len(t.DoubleData))
	}
	if len(t.Uint64Data) > 0 {
		s := 0
		for _, v := range t.Uint64Data {
			s += protowire.SizeVarint(v)
		}
		n += sizeTagBytes(fTensorUint64Data, s)
	}
	n += sizeString(fTensorDocString, t.DocString)
	for _, p := range t.ExternalData {
		n += sizeTagBytes(fTensorExternalData, pairSize(p))
	}
	if t.External {
		n += sizeVarint(fTensorDataLocation, 1)
	}
	return n
}

func (e encoder) appendTensor(b []byte, t *Tensor) []byte {
	if len(t.Dims) > 0 {
		b = appendMessageHeader(b, fTensorDims, packedVarintSize(t.Dims))
		for _, d := range t.Dims {
			b = protowire.AppendVarint(b, uint64(d))
		}
	}
	b = appendVarint(b, fTensorDataType, uint64(t.DataType))
	if len(t.FloatData) > 0 {
		b = appendMessageHeader(b, fTensorFloatData, 4*len(t.FloatData))
		for _, f := range t.FloatData {
			b = protowire.AppendFixed32(b, math.Float32bits(f))
		}
	}
	if len(t.Int32Data) > 0 {
		s := 0
		for _, v := range t.Int32Data {
			s += protowire.SizeVarint(uint64(int64(v)))
		}
		b = appendMessageHeader(b, fTensorInt32Data, s)
		for _, v := range t.Int32Data {
			b = protowire.AppendVarint(b, uint64(int64(v)))
		}
	}
	for _, s := range t.StringData {
		b = protowire.AppendTag(b, fTensorStringData, protowire.BytesType)
		b = protowire.AppendBytes(b, s)
	}
	if len(t.Int64Data) > 0 {
		b = appendMessageHeader(b, fTensorInt64Data, packedVarintSize(t.Int64Data))
		for _, v := range t.Int64Data {
			b = protowire.AppendVarint(b, uint64(v))
		}
	}
	b = appendString(b, fTensorName, t.Name)
	if t.Raw != nil {
		b = protowire.AppendTag(b, fTensorRawData, protowire.BytesType)
		b = protowire.AppendBytes(b, t.Raw)
	}
	if len(t.DoubleData) > 0 {
		b = appendMessageHeader(b, fTensorDoubleData, 8*len(t.DoubleData))
		for _, f := range t.DoubleData {
			b = protowire.AppendFixed64(b, math.Float64bits(f))
		}
	}
	if len(t.Uint64Data) > 0 {
		s := 0
		for _, v := range t.Uint64Data {
			s += protowire.SizeVarint(v)
		}
		b = appendMessageHeader(b, fTensorUint64Data, s)
		for _, v := range t.Uint64Data {
			b = protowire.AppendVarint(b, v)
		}
	}
	b = appendString(b, fTensorDocString, t.DocString)
	for _, p := range t.ExternalData {
		b = appendMessageHeader(b, fTensorExternalData, pairSize(p))
		b = appendPair(b, p)
	}
	if t.External {
		b = appendVarint(b, fTensorDataLocation, 1)
	}
	return b
}

func valueInfoSize(v *ValueInfo) int {
	n := sizeString(fValueName, v.Name)
	if v.Kind != "" {
		n += sizeTagBytes(fValueType, typeSize(v))
	}
	n += sizeString(fValueDocString, v.DocString)
	return n
}

func appendValueInfo(b []byte, v *ValueInfo) []byte {
	b = appendString(b, fValueName, v.Name)
	if v.Kind != "" {
		b = appendMessageHeader(b, fValueType, typeSize(v))
		b = appendType(b, v)
	}
	b = appendString(b, fValueDocString, v.DocString)
	return b
}

// typeSize is the size of the TypeProto of v. Only tensor types carry
// content; other kinds are written as empty messages of their case.
func typeSize(v *ValueInfo) int {
	switch v.Kind {
	case "tensor":
		return sizeTagBytes(fTypeTensor, tensorTypeSize(v))
	case "sequence", "map", "sparse_tensor", "optional":
		return sizeTagBytes(kindField(v.Kind), 0)
	}
	return 0
}

func appendType(b []byte, v *ValueInfo) []byte {
	switch v.Kind {
	case "tensor":
		b = appendMessageHeader(b, fTypeTensor, tensorTypeSize(v))
		b = appendVarint(b, fTensorTypeElem, uint64(v.ElemType))
		if v.Shape != nil {
			b = appendMessageHeader(b, fTensorTypeShape, shapeSize(v.Shape))
			for _, d := range v.Shape {
				b = appendMessageHeader(b, fShapeDim, dimSize(d))
				b = appendDim(b, d)
			}
		}
	case "sequence", "map", "sparse_tensor", "optional":
		b = appendMessageHeader(b, kindField(v.Kind), 0)
	}
	return b
}

func kindField(kind string) protowire.Number {
	switch kind {
	case "sequence":
		return fTypeSequence
	case "map":
		return fTypeMap
	case "sparse_tensor":
		return fTypeSparseTensor
	}
	return fTypeOptional
}

func tensorTypeSize(v *ValueInfo) int {
	n := sizeVarint(fTensorTypeElem, uint64(v.ElemType))
	if v.Shape != nil {
		n += sizeTagBytes(fTensorTypeShape, shapeSize(v.Shape))
	}
	return n
}

func shapeSize(s []Dim) int {
	n := 0
	for _, d := range s {
		n += sizeTagBytes(fShapeDim, dimSize(d))
	}
	return n
}

func dimSize(d Dim) int {
	switch {
	case d.Param != "":
		return sizeString(fDimParam, d.Param)
	case d.Value >= 0:
		return sizeVarint(fDimValue, uint64(d.Value))
	}
	return 0
}

func appendDim(b []byte, d Dim) []byte {
	switch {
	case d.Param != "":
		return appendString(b, fDimParam, d.Param)
	case d.Value >= 0:
		return appendVarint(b, fDimValue, uint64(d.Value))
	}
	return b
}
