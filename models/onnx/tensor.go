package onnx

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Tensor is an ONNX TensorProto. Values are held either in Raw (little-endian,
// fixed width, the form this package writes) or, for tensors read from files
// written by other tools, in one of the typed fields.
type Tensor struct {
	Name     string
	DataType DataType
	Dims     []int64
	Raw      []byte

	FloatData  []float32
	Int32Data  []int32
	Int64Data  []int64
	DoubleData []float64
	Uint64Data []uint64
	StringData [][]byte

	// External reports data_location EXTERNAL: the values live in another
	// file named by ExternalData and are not loaded by this package.
	External     bool
	ExternalData []StringPair
	DocString    string
}

// NewFloat32 returns a float32 tensor holding a copy of v.
func NewFloat32(name string, dims []int64, v []float32) *Tensor {
	raw := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(x))
	}
	return &Tensor{Name: name, DataType: Float, Dims: cloneInts(dims), Raw: raw}
}

// NewFloat16 returns a float16 tensor from IEEE 754 half-precision bit
// patterns.
func NewFloat16(name string, dims []int64, bits []uint16) *Tensor {
	raw := make([]byte, 2*len(bits))
	for i, x := range bits {
		binary.LittleEndian.PutUint16(raw[2*i:], x)
	}
	return &Tensor{Name: name, DataType: Float16, Dims: cloneInts(dims), Raw: raw}
}

// NewInt32 returns an int32 tensor holding a copy of v.
func NewInt32(name string, dims []int64, v []int32) *Tensor {
	raw := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(raw[4*i:], uint32(x))
	}
	return &Tensor{Name: name, DataType: Int32, Dims: cloneInts(dims), Raw: raw}
}

// NewInt64 returns an int64 tensor holding a copy of v.
func NewInt64(name string, dims []int64, v []int64) *Tensor {
	raw := make([]byte, 8*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint64(raw[8*i:], uint64(x))
	}
	return &Tensor{Name: name, DataType: Int64, Dims: cloneInts(dims), Raw: raw}
}

// NewBool returns a bool tensor holding a copy of v.
func NewBool(name string, dims []int64, v []bool) *Tensor {
	raw := make([]byte, len(v))
	for i, x := range v {
		if x {
			raw[i] = 1
		}
	}
	return &Tensor{Name: name, DataType: Bool, Dims: cloneInts(dims), Raw: raw}
}

// NumElements returns the product of the dimensions, or an error when a
// dimension is negative or the product overflows.
func (t *Tensor) NumElements() (int64, error) {
	n, err := numElements(t.Dims)
	if err != nil {
		return 0, fmt.Errorf("%w: tensor %q: %w", ErrInvalid, t.Name, err)
	}
	return n, nil
}

func numElements(dims []int64) (int64, error) {
	n := int64(1)
	for _, d := range dims {
		if d < 0 {
			return 0, fmt.Errorf("negative dimension %d", d)
		}
		if d != 0 && n > math.MaxInt64/d {
			return 0, fmt.Errorf("dimensions %v overflow", dims)
		}
		n *= d
	}
	return n, nil
}

// Float32s returns the values of a float32 or float16 tensor as float32.
func (t *Tensor) Float32s() ([]float32, error) {
	n, err := t.count()
	if err != nil {
		return nil, err
	}
	switch t.DataType {
	case Float:
		if t.Raw != nil {
			if err := t.checkRaw(n); err != nil {
				return nil, err
			}
			out := make([]float32, n)
			for i := range out {
				out[i] = math.Float32frombits(binary.LittleEndian.Uint32(t.Raw[4*i:]))
			}
			return out, nil
		}
		if int64(len(t.FloatData)) != n {
			return nil, t.countError(int64(len(t.FloatData)), n)
		}
		return append([]float32(nil), t.FloatData...), nil
	case Float16:
		out := make([]float32, n)
		if t.Raw != nil {
			if err := t.checkRaw(n); err != nil {
				return nil, err
			}
			for i := range out {
				out[i] = HalfToFloat32(binary.LittleEndian.Uint16(t.Raw[2*i:]))
			}
			return out, nil
		}
		if int64(len(t.Int32Data)) != n {
			return nil, t.countError(int64(len(t.Int32Data)), n)
		}
		for i, v := range t.Int32Data {
			out[i] = HalfToFloat32(uint16(v))
		}
		return out, nil
	}
	return nil, fmt.Errorf("%w: tensor %q is %v, not float32", ErrInvalid, t.Name, t.DataType)
}

// Int64s returns the values of an integer tensor (int8 to int64, uint8 to
// uint32, bool) widened to int64.
func (t *Tensor) Int64s() ([]int64, error) {
	n, err := t.count()
	if err != nil {
		return nil, err
	}
	out := make([]int64, n)
	if t.Raw != nil {
		if err := t.checkRaw(n); err != nil {
			return nil, err
		}
		r := t.Raw
		for i := range out {
			switch t.DataType {
			case Int8:
				out[i] = int64(int8(r[i]))
			case Uint8, Bool:
				out[i] = int64(r[i])
			case Int16:
				out[i] = int64(int16(binary.LittleEndian.Uint16(r[2*i:])))
			case Uint16:
				out[i] = int64(binary.LittleEndian.Uint16(r[2*i:]))
			case Int32:
				out[i] = int64(int32(binary.LittleEndian.Uint32(r[4*i:])))
			case Uint32:
				out[i] = int64(binary.LittleEndian.Uint32(r[4*i:]))
			case Int64:
				out[i] = int64(binary.LittleEndian.Uint64(r[8*i:]))
			default:
				return nil, fmt.Errorf("%w: tensor %q is %v, not an integer type", ErrInvalid, t.Name, t.DataType)
			}
		}
		return out, nil
	}
	switch t.DataType {
	case Int8, Uint8, Int16, Uint16, Int32, Bool:
		if int64(len(t.Int32Data)) != n {
			return nil, t.countError(int64(len(t.Int32Data)), n)
		}
		for i, v := range t.Int32Data {
			out[i] = int64(v)
		}
	case Int64:
		if int64(len(t.Int64Data)) != n {
			return nil, t.countError(int64(len(t.Int64Data)), n)
		}
		copy(out, t.Int64Data)
	case Uint32:
		if int64(len(t.Uint64Data)) != n {
			return nil, t.countError(int64(len(t.Uint64Data)), n)
		}
		for i, v := range t.Uint64Data {
			out[i] = int64(v)
		}
	default:
		return nil, fmt.Errorf("%w: tensor %q is %v, not an integer type", ErrInvalid, t.Name, t.DataType)
	}
	return out, nil
}

func (t *Tensor) count() (int64, error) {
	if t.External {
		return 0, fmt.Errorf("%w: tensor %q: data is stored in an external file", ErrUnsupported, t.Name)
	}
	n, err := t.NumElements()
	if err != nil {
		return 0, err
	}
	if n > math.MaxInt32 {
		return 0, fmt.Errorf("%w: tensor %q has %d elements", ErrUnsupported, t.Name, n)
	}
	return n, nil
}

func (t *Tensor) checkRaw(n int64) error {
	if want := n * int64(t.DataType.Size()); int64(len(t.Raw)) != want {
		return fmt.Errorf("%w: tensor %q: raw data has %d bytes, want %d for %v %v",
			ErrInvalid, t.Name, len(t.Raw), want, t.DataType, t.Dims)
	}
	return nil
}

func (t *Tensor) countError(got, want int64) error {
	return fmt.Errorf("%w: tensor %q: %d values, want %d for dims %v", ErrInvalid, t.Name, got, want, t.Dims)
}

// HalfToFloat32 converts an IEEE 754 half-precision bit pattern to float32
// exactly, including subnormals, infinities and NaN payloads.
func HalfToFloat32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // infinity or NaN
		return math.Float32frombits(sign | 0x7f800000 | frac<<13)
	case exp != 0: // normal
		return math.Float32frombits(sign | (exp+127-15)<<23 | frac<<13)
	case frac == 0: // signed zero
		return math.Float32frombits(sign)
	}
	// Subnormal half: normalise into a float32 normal.
	e := uint32(127 - 15 + 1)
	for frac&0x400 == 0 {
		frac <<= 1
		e--
	}
	frac &= 0x3ff
	return math.Float32frombits(sign | e<<23 | frac<<13)
}

func cloneInts(v []int64) []int64 {
	if v == nil {
		return []int64{}
	}
	return append([]int64(nil), v...)
}
