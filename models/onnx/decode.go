package onnx

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"

	"google.golang.org/protobuf/encoding/protowire"
)

// maxDepth bounds the nesting of subgraphs (If, Loop, Scan bodies) so that a
// hostile file cannot exhaust the stack.
const maxDepth = 64

// Decode parses an ONNX model. It reads the fields modelled by this package,
// skips unknown ones, and returns an error wrapping ErrInvalid for truncated
// or corrupt data. Decode copies what it keeps: the returned model does not
// alias data, and data is not modified.
func Decode(data []byte) (*Model, error) {
	m, err := decodeModel(data)
	if err != nil {
		return nil, fmt.Errorf("onnx: decode: %w: %w", ErrInvalid, err)
	}
	return m, nil
}

// ReadFile reads and decodes the ONNX model at path.
func ReadFile(path string) (*Model, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("onnx: %w", err)
	}
	m, err := decodeModel(b)
	if err != nil {
		return nil, fmt.Errorf("onnx: decode %s: %w: %w", path, ErrInvalid, err)
	}
	return m, nil
}

// field is one decoded tag and the bytes that follow it.
type field struct {
	num protowire.Number
	typ protowire.Type
}

// walk calls fn for each field of the message b. fn consumes the value from
// the slice it is given and returns the number of bytes read, or -1 to have
// the value skipped.
func walk(b []byte, fn func(f field, b []byte) (int, error)) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return invalid("bad tag: %v", protowire.ParseError(n))
		}
		b = b[n:]
		used, err := fn(field{num, typ}, b)
		if err != nil {
			return err
		}
		if used < 0 {
			used = protowire.ConsumeFieldValue(num, typ, b)
			if used < 0 {
				return invalid("field %d: %v", num, protowire.ParseError(used))
			}
		}
		b = b[used:]
	}
	return nil
}

// invalid describes malformed data; Decode wraps ErrInvalid around it once.
func invalid(format string, args ...any) error {
	return fmt.Errorf(format, args...)
}

func wireError(f field, want protowire.Type) error {
	return invalid("field %d has wire type %d, want %d", f.num, f.typ, want)
}

func readBytes(f field, b []byte) ([]byte, int, error) {
	if f.typ != protowire.BytesType {
		return nil, 0, wireError(f, protowire.BytesType)
	}
	v, n := protowire.ConsumeBytes(b)
	if n < 0 {
		return nil, 0, invalid("field %d: %v", f.num, protowire.ParseError(n))
	}
	return v, n, nil
}

func readString(f field, b []byte, dst *string) (int, error) {
	v, n, err := readBytes(f, b)
	if err != nil {
		return 0, err
	}
	*dst = string(v)
	return n, nil
}

func readVarint(f field, b []byte) (uint64, int, error) {
	if f.typ != protowire.VarintType {
		return 0, 0, wireError(f, protowire.VarintType)
	}
	v, n := protowire.ConsumeVarint(b)
	if n < 0 {
		return 0, 0, invalid("field %d: %v", f.num, protowire.ParseError(n))
	}
	return v, n, nil
}

func readInt64(f field, b []byte, dst *int64) (int, error) {
	v, n, err := readVarint(f, b)
	*dst = int64(v)
	return n, err
}

// readVarints reads a repeated varint field in packed or unpacked form.
func readVarints(f field, b []byte, dst *[]int64) (int, error) {
	switch f.typ {
	case protowire.VarintType:
		v, n, err := readVarint(f, b)
		if err != nil {
			return 0, err
		}
		*dst = append(*dst, int64(v))
		return n, nil
	case protowire.BytesType:
		p, n, err := readBytes(f, b)
		if err != nil {
			return 0, err
		}
		for len(p) > 0 {
			v, m := protowire.ConsumeVarint(p)
			if m < 0 {
				return 0, invalid("packed field %d: %v", f.num, protowire.ParseError(m))
			}
			*dst = append(*dst, int64(v))
			p = p[m:]
		}
		return n, nil
	}
	return 0, wireError(f, protowire.BytesType)
}

// readFloats reads a repeated float field in packed or unpacked form.
func readFloats(f field, b []byte, dst *[]float32) (int, error) {
	return readFixed(f, b, dst, protowire.Fixed32Type, 4, func(p []byte) float32 {
		return math.Float32frombits(binary.LittleEndian.Uint32(p))
	})
}

// readDoubles reads a repeated double field in packed or unpacked form.
func readDoubles(f field, b []byte, dst *[]float64) (int, error) {
	return readFixed(f, b, dst, protowire.Fixed64Type, 8, func(p []byte) float64 {
		return math.Float64frombits(binary.LittleEndian.Uint64(p))
	})
}

// readFixed reads a repeated field of fixed-width values of wire type wt,
// packed or not.
func readFixed[T any](f field, b []byte, dst *[]T, wt protowire.Type, width int, conv func([]byte) T) (int, error) {
	switch f.typ {
	case wt:
		if len(b) < width {
			return 0, invalid("field %d: truncated", f.num)
		}
		*dst = append(*dst, conv(b[:width]))
		return width, nil
	case protowire.BytesType:
		p, n, err := readBytes(f, b)
		if err != nil {
			return 0, err
		}
		if len(p)%width != 0 {
			return 0, invalid("packed field %d has %d bytes, not a multiple of %d", f.num, len(p), width)
		}
		for i := 0; i < len(p); i += width {
			*dst = append(*dst, conv(p[i:i+width]))
		}
		return n, nil
	}
	return 0, wireError(f, protowire.BytesType)
}

func decodeModel(b []byte) (*Model, error) {
	if len(b) == 0 {
		return nil, invalid("empty input")
	}
	m := &Model{}
	err := walk(b, func(f field, b []byte) (int, error) {
		switch f.num {
		case fModelIRVersion:
			return readInt64(f, b, &m.IRVersion)
		case fModelProducerName:
			return readString(f, b, &m.ProducerName)
		case fModelProducerVersion:
			return readString(f, b, &m.ProducerVersion)
		case fModelDomain:
			return readString(f, b, &m.Domain)
		case fModelModelVersion:
			return readInt64(f, b, &m.ModelVersion)
		case fModelDocString:
			return readString(f, b, &m.DocString)
		case fModelGraph:
			p, n, err := readBytes(f, b)
			if err != nil {
				return 0, fmt.Errorf("graph: %w", err)
			}
			g, err := decodeGraph(p, 0)
			if err != nil {
				return 0, fmt.Errorf("graph: %w", err)
			}
			m.Graph = g
			return n, nil
		case fModelOpsetImport:
			p, n, err := readBytes(f, b)
			if err != nil {
				return 0, fmt.Errorf("opset_import: %w", err)
			}
			var o Opset
			err = walk(p, func(f field, b []byte) (int, error) {
				switch f.num {
				case fOpsetDomain:
					return readString(f, b, &o.Domain)
				case fOpsetVersion:
					return readInt64(f, b, &o.Version)
				}
				return -1, nil
			})
			if err != nil {
				return 0, fmt.Errorf("opset_import: %w", err)
			}
			m.Opsets = append(m.Opsets, o)
			return n, nil
		case fModelMetadataProps:
			p, n, err := readBytes(f, b)
			if err != nil {
				return 0, fmt.Errorf("metadata_props: %w", err)
			}
			kv, err := decodePair(p)
			if err != nil {
				return 0, fmt.Errorf("metadata_props: %w", err)
			}
			m.Metadata = append(m.Metadata, kv)
			return n, nil
		}
		return -1, nil
	})
	if err != nil {
		return nil, err
	}
	if m.Graph == nil && m.IRVersion == 0 && len(m.Opsets) == 0 {
		return nil, invalid("no ir_version, opset_import or graph: not an ONNX model")
	}
	return m, nil
}

func decodePair(b []byte) (StringPair, error) {
	var kv StringPair
	err := walk(b, func(f field, b []byte) (int, error) {
		switch f.num {
		case fPairKey:
			return readString(f, b, &kv.Key)
		case fPairValue:
			return readString(f, b, &kv.Value)
		}
		return -1, nil
	})
	return kv, err
}

func decodeGraph(b []byte, depth int) (*Graph, error) {
	if depth > maxDepth {
		return nil, invalid("subgraphs nested deeper than %d", maxDepth)
	}
	g := &Graph{}
	err := walk(b, func(f field, b []byte) (int, error) {
		switch f.num {
		case fGraphNode:
			p, n, err := readBytes(f, b)
			if err != nil {
				return 0, fmt.Errorf("node %d: %w", len(g.Nodes), err)
			}
			nd, err := decodeNode(p, depth)
			if err != nil {
				return 0, fmt.Errorf("node %d: %w", len(g.Nodes), err)
			}
			g.Nodes = append(g.Nodes, nd)
			return n, nil
		case fGraphName:
			return readString(f, b, &g.Name)
		case fGraphInitializer:
			p, n, err := readBytes(f, b)
			if err != nil {
				return 0, fmt.Errorf("initializer %d: %w", len(g.Initializers), err)
			}
			t, err := decodeTensor(p)
			if err != nil {
				return 0, fmt.Errorf("initializer %d: %w", len(g.Initializers), err)
			}
			g.Initializers = append(g.Initializers, t)
			return n, nil
		case fGraphDocString:
			return readString(f, b, &g.DocString)
		case fGraphInput, fGraphOutput, fGraphValueInfo:
			dst, what := &g.Inputs, "input"
			if f.num == fGraphOutput {
				dst, what = &g.Outputs, "output"
			} else if f.num == fGraphValueInfo {
				dst, what = &g.ValueInfo, "value_info"
			}
			p, n, err := readBytes(f, b)
			if err != nil {
				return 0, fmt.Errorf("%s %d: %w", what, len(*dst), err)
			}
			v, err := decodeValueInfo(p)
			if err != nil {
				return 0, fmt.Errorf("%s %d: %w", what, len(*dst), err)
			}
			*dst = append(*dst, v)
			return n, nil
		}
		return -1, nil
	})
	return g, err
}

func decodeNode(b []byte, depth int) (*Node, error) {
	nd := &Node{}
	err := walk(b, func(f field, b []byte) (int, error) {
		switch f.num {
		case fNodeInput, fNodeOutput:
			var s string
			n, err := readString(f, b, &s)
			if err != nil {
				return 0, err
			}
			if f.num == fNodeInput {
				nd.Inputs = append(nd.Inputs, s)
			} else {
				nd.Outputs = append(nd.Outputs, s)
			}
			return n, nil
		case fNodeName:
			return readString(f, b, &nd.Name)
		case fNodeOpType:
			return readString(f, b, &nd.OpType)
		case fNodeDomain:
			return readString(f, b, &nd.Domain)
		case fNodeDocString:
			return readString(f, b, &nd.DocString)
		case fNodeAttribute:
			p, n, err := readBytes(f, b)
			if err != nil {
				return 0, fmt.Errorf("attribute %d: %w", len(nd.Attrs), err)
			}
			a, err := decodeAttr(p, depth)
			if err != nil {
				return 0, fmt.Errorf("attribute %d: %w", len(nd.Attrs), err)
			}
			nd.Attrs = append(nd.Attrs, a)
			return n, nil
		}
		return -1, nil
	})
	return nd, err
}

func decodeAttr(b []byte, depth int) (*Attribute, error) {
	a := &Attribute{}
	err := walk(b, func(f field, b []byte) (int, error) {
		switch f.num {
		case fAttrName:
			return readString(f, b, &a.Name)
		case fAttrType:
			v, n, err := readVarint(f, b)
			a.Type = AttrType(int32(v))
			return n, err
		case fAttrF:
			if f.typ != protowire.Fixed32Type {
				return 0, wireError(f, protowire.Fixed32Type)
			}
			v, n := protowire.ConsumeFixed32(b)
			if n < 0 {
				return 0, invalid("attribute f: %v", protowire.ParseError(n))
			}
			a.F = math.Float32frombits(v)
			return n, nil
		case fAttrI:
			return readInt64(f, b, &a.I)
		case fAttrS:
			v, n, err := readBytes(f, b)
			a.S = append([]byte{}, v...)
			return n, err
		case fAttrT, fAttrTensors:
			p, n, err := readBytes(f, b)
			if err != nil {
				return 0, err
			}
			t, err := decodeTensor(p)
			if err != nil {
				return 0, fmt.Errorf("tensor: %w", err)
			}
			if f.num == fAttrT {
				a.T = t
			} else {
				a.Tensors = append(a.Tensors, t)
			}
			return n, nil
		case fAttrG, fAttrGraphs:
			p, n, err := readBytes(f, b)
			if err != nil {
				return 0, err
			}
			g, err := decodeGraph(p, depth+1)
			if err != nil {
				return 0, fmt.Errorf("subgraph: %w", err)
			}
			if f.num == fAttrG {
				a.G = g
			} else {
				a.Graphs = append(a.Graphs, g)
			}
			return n, nil
		case fAttrFloats:
			return readFloats(f, b, &a.Floats)
		case fAttrInts:
			return readVarints(f, b, &a.Ints)
		case fAttrStrings:
			v, n, err := readBytes(f, b)
			a.Strings = append(a.Strings, append([]byte{}, v...))
			return n, err
		}
		return -1, nil
	})
	if err == nil && a.Name == "" {
		err = invalid("attribute without a name")
	}
	return a, err
}

func decodeTensor(b []byte) (*Tensor, error) {
	t := &Tensor{}
	err := walk(b, func(f field, b []byte) (int, error) {
		switch f.num {
		case fTensorDims:
			return readVarints(f, b, &t.Dims)
		case fTensorDataType:
			v, n, err := readVarint(f, b)
			t.DataType = DataType(int32(v))
			return n, err
		case fTensorFloatData:
			return readFloats(f, b, &t.FloatData)
		case fTensorInt32Data:
			var v []int64
			n, err := readVarints(f, b, &v)
			for _, x := range v {
				t.Int32Data = append(t.Int32Data, int32(x))
			}
			return n, err
		case fTensorStringData:
			v, n, err := readBytes(f, b)
			t.StringData = append(t.StringData, append([]byte{}, v...))
			return n, err
		case fTensorInt64Data:
			return readVarints(f, b, &t.Int64Data)
		case fTensorName:
			return readString(f, b, &t.Name)
		case fTensorRawData:
			v, n, err := readBytes(f, b)
			t.Raw = append([]byte{}, v...)
			return n, err
		case fTensorDoubleData:
			return readDoubles(f, b, &t.DoubleData)
		case fTensorUint64Data:
			var v []int64
			n, err := readVarints(f, b, &v)
			for _, x := range v {
				t.Uint64Data = append(t.Uint64Data, uint64(x))
			}
			return n, err
		case fTensorDocString:
			return readString(f, b, &t.DocString)
		case fTensorExternalData:
			p, n, err := readBytes(f, b)
			if err != nil {
				return 0, err
			}
			kv, err := decodePair(p)
			if err != nil {
				return 0, fmt.Errorf("external_data: %w", err)
			}
			t.ExternalData = append(t.ExternalData, kv)
			return n, nil
		case fTensorDataLocation:
			v, n, err := readVarint(f, b)
			t.External = v == 1
			return n, err
		}
		return -1, nil
	})
	if err != nil {
		return nil, err
	}
	if _, err := numElements(t.Dims); err != nil {
		return nil, fmt.Errorf("tensor %q: %w", t.Name, err)
	}
	return t, nil
}

func decodeValueInfo(b []byte) (*ValueInfo, error) {
	v := &ValueInfo{}
	err := walk(b, func(f field, b []byte) (int, error) {
		switch f.num {
		case fValueName:
			return readString(f, b, &v.Name)
		case fValueDocString:
			return readString(f, b, &v.DocString)
		case fValueType:
			p, n, err := readBytes(f, b)
			if err != nil {
				return 0, err
			}
			if err := decodeType(p, v); err != nil {
				return 0, fmt.Errorf("value %q: type: %w", v.Name, err)
			}
			return n, nil
		}
		return -1, nil
	})
	return v, err
}

func decodeType(b []byte, v *ValueInfo) error {
	return walk(b, func(f field, b []byte) (int, error) {
		switch f.num {
		case fTypeTensor, fTypeSparseTensor:
			// TypeProto.Tensor and TypeProto.SparseTensor share their layout.
			p, n, err := readBytes(f, b)
			if err != nil {
				return 0, err
			}
			v.Kind = "tensor"
			if f.num == fTypeSparseTensor {
				v.Kind = "sparse_tensor"
			}
			err = walk(p, func(f field, b []byte) (int, error) {
				switch f.num {
				case fTensorTypeElem:
					x, n, err := readVarint(f, b)
					v.ElemType = DataType(int32(x))
					return n, err
				case fTensorTypeShape:
					p, n, err := readBytes(f, b)
					if err != nil {
						return 0, err
					}
					s, err := decodeShape(p)
					if err != nil {
						return 0, fmt.Errorf("shape: %w", err)
					}
					v.Shape = s
					return n, nil
				}
				return -1, nil
			})
			return n, err
		case fTypeSequence, fTypeMap, fTypeOptional:
			if f.typ != protowire.BytesType {
				return 0, wireError(f, protowire.BytesType)
			}
			v.Kind = map[protowire.Number]string{fTypeSequence: "sequence", fTypeMap: "map", fTypeOptional: "optional"}[f.num]
			return -1, nil
		}
		return -1, nil
	})
}

func decodeShape(b []byte) ([]Dim, error) {
	dims := []Dim{}
	err := walk(b, func(f field, b []byte) (int, error) {
		if f.num != fShapeDim {
			return -1, nil
		}
		p, n, err := readBytes(f, b)
		if err != nil {
			return 0, err
		}
		d := Dim{Value: -1}
		err = walk(p, func(f field, b []byte) (int, error) {
			switch f.num {
			case fDimValue:
				return readInt64(f, b, &d.Value)
			case fDimParam:
				return readString(f, b, &d.Param)
			}
			return -1, nil
		})
		if err != nil {
			return 0, fmt.Errorf("dim %d: %w", len(dims), err)
		}
		dims = append(dims, d)
		return n, nil
	})
	return dims, err
}
