package ort

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"

	ortgo "github.com/yalue/onnxruntime_go"
)

// Tensor names one input or output of a model and the caller's buffer bound
// to it. Data is a slice of the element type ([]float32, []int32, []int64,
// []uint8 or []float64) at least as long as the product of Shape. The buffer
// stays the caller's: the session reads inputs from it and writes outputs
// into it at every Run, with no copy.
type Tensor struct {
	Name  string
	Shape []int64
	Data  any
}

// TensorInfo describes one input or output as the model declares it. A
// dimension of -1 is dynamic (a symbolic or unknown size, such as the batch).
type TensorInfo struct {
	Name  string
	Type  string // element type: "float32", "int32", "int64", "uint8", ...
	Shape []int64
}

func (ti TensorInfo) String() string {
	dims := make([]string, len(ti.Shape))
	for i, d := range ti.Shape {
		if d < 0 {
			dims[i] = "?"
		} else {
			dims[i] = fmt.Sprint(d)
		}
	}
	return fmt.Sprintf("%s %s[%s]", ti.Name, ti.Type, strings.Join(dims, ","))
}

// Options configure a session. The zero value is a sensible default.
type Options struct {
	// IntraOpThreads is the number of threads one Run may use inside an
	// operator. Zero lets ONNX Runtime choose (one per core).
	IntraOpThreads int

	// Batched binds every tensor at each batch size from 1 to its first
	// dimension, over the front of the same buffer, so RunBatch(n) runs the
	// first n items. The model's first dimension must be dynamic.
	Batched bool
}

// Session is a model loaded into ONNX Runtime with its inputs and outputs
// bound once to Go buffers. A Session is not safe for concurrent use: give
// each worker its own.
type Session struct {
	path    string
	inputs  []Tensor
	outputs []Tensor
	*state
}

// state is what a Session holds in the runtime. It is kept apart so that a
// Session dropped without Close is still released (runtime.AddCleanup):
// pinned memory left pinned would otherwise stop the program. Close and the
// cleanup may both release it, even at once (the cleanup can run as soon as
// Close has read the Session's last field): mu makes the second a no-op.
type state struct {
	mu       sync.Mutex
	sess     *ortgo.DynamicAdvancedSession
	bindings []*ortgo.IoBinding // by batch size; only the full one when not batched
	values   []ortgo.Value
	pinner   runtime.Pinner
}

// Inspect loads the model at path and returns its declared inputs and
// outputs.
func Inspect(path string) (inputs, outputs []TensorInfo, err error) {
	if err := Init(); err != nil {
		return nil, nil, err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("model %s: %w", path, err)
	}
	return inspect(path, data)
}

func inspect(path string, data []byte) (inputs, outputs []TensorInfo, err error) {
	in, out, err := ortgo.GetInputOutputInfoWithONNXData(data)
	if err != nil {
		return nil, nil, fmt.Errorf("model %s: not a loadable ONNX model: %w", path, err)
	}
	return infos(in), infos(out), nil
}

func infos(src []ortgo.InputOutputInfo) []TensorInfo {
	dst := make([]TensorInfo, len(src))
	for i, s := range src {
		dst[i] = TensorInfo{Name: s.Name, Type: typeName(s.DataType), Shape: append([]int64(nil), s.Dimensions...)}
	}
	return dst
}

// NewSession loads the model at path and binds inputs and outputs to the
// caller's buffers. Every tensor must name a model input or output and fit
// its declared element type and shape (dynamic dimensions take any size);
// the error says which tensor does not. The buffers must stay valid and
// must not be resliced until Close.
func NewSession(path string, opts Options, inputs, outputs []Tensor) (*Session, error) {
	if err := Init(); err != nil {
		return nil, err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("model %s: %w", path, err)
	}
	in, out, err := inspect(path, data)
	if err != nil {
		return nil, err
	}
	if len(inputs) == 0 || len(outputs) == 0 {
		return nil, fmt.Errorf("model %s: %w: a session needs at least one input and one output", path, ErrName)
	}
	if err := check(path, "input", inputs, in); err != nil {
		return nil, err
	}
	if err := check(path, "output", outputs, out); err != nil {
		return nil, err
	}

	batch := int64(1)
	if opts.Batched {
		batch = inputs[0].Shape[0]
		for _, t := range append(append([]Tensor(nil), inputs...), outputs...) {
			if t.Shape[0] != batch {
				return nil, fmt.Errorf("model %s: tensor %q: %w: batched tensors share the first dimension %d, got %v", path, t.Name, ErrShape, batch, t.Shape)
			}
		}
		for _, d := range append(append([]TensorInfo(nil), in...), out...) {
			if len(d.Shape) == 0 || d.Shape[0] >= 0 {
				return nil, fmt.Errorf("model %s: %s: %w: batching needs a dynamic first dimension", path, d, ErrShape)
			}
		}
	}

	s := &Session{path: path, inputs: inputs, outputs: outputs, state: &state{}}
	runtime.AddCleanup(s, func(st *state) { st.release() }, s.state)
	ok := false
	defer func() {
		if !ok {
			s.Close()
		}
	}()
	so, err := ortgo.NewSessionOptions()
	if err != nil {
		return nil, fmt.Errorf("model %s: session options: %w", path, err)
	}
	defer so.Destroy()
	if opts.IntraOpThreads > 0 {
		if err := so.SetIntraOpNumThreads(opts.IntraOpThreads); err != nil {
			return nil, fmt.Errorf("model %s: intra-op threads: %w", path, err)
		}
	}
	if err := so.SetInterOpNumThreads(1); err != nil {
		return nil, fmt.Errorf("model %s: inter-op threads: %w", path, err)
	}
	s.sess, err = ortgo.NewDynamicAdvancedSessionWithONNXData(data, names(inputs), names(outputs), so)
	if err != nil {
		return nil, fmt.Errorf("model %s: create session: %w", path, err)
	}

	first := batch
	if opts.Batched {
		first = 1
	}
	s.bindings = make([]*ortgo.IoBinding, batch+1)
	for n := first; n <= batch; n++ {
		b, err := s.sess.CreateIoBinding()
		if err != nil {
			return nil, fmt.Errorf("model %s: binding: %w", path, err)
		}
		s.bindings[n] = b
		for _, t := range inputs {
			if err := s.bindAt(b, t, n, opts.Batched, b.BindInput); err != nil {
				return nil, err
			}
		}
		for _, t := range outputs {
			if err := s.bindAt(b, t, n, opts.Batched, b.BindOutput); err != nil {
				return nil, err
			}
		}
	}
	ok = true
	return s, nil
}

// bindAt binds tensor t, cut to batch size n when batched, into b.
func (s *Session) bindAt(b *ortgo.IoBinding, t Tensor, n int64, batched bool, bind func(string, ortgo.Value) error) error {
	if batched {
		t.Shape = append([]int64{n}, t.Shape[1:]...)
	}
	v, err := s.bind(t)
	if err != nil {
		return err
	}
	if err := bind(t.Name, v); err != nil {
		return fmt.Errorf("model %s: bind %q: %w", s.path, t.Name, err)
	}
	return nil
}

// bind pins the tensor's buffer (ONNX Runtime keeps its address until Close)
// and wraps it as a runtime value without copying.
func (s *Session) bind(t Tensor) (ortgo.Value, error) {
	var (
		v   ortgo.Value
		err error
	)
	shape := ortgo.NewShape(t.Shape...)
	switch d := t.Data.(type) {
	case []float32:
		v, err = pinned(&s.pinner, shape, d)
	case []int32:
		v, err = pinned(&s.pinner, shape, d)
	case []int64:
		v, err = pinned(&s.pinner, shape, d)
	case []uint8:
		v, err = pinned(&s.pinner, shape, d)
	case []float64:
		v, err = pinned(&s.pinner, shape, d)
	default:
		return nil, fmt.Errorf("model %s: tensor %q: %w: unsupported buffer %T", s.path, t.Name, ErrType, t.Data)
	}
	if err != nil {
		return nil, fmt.Errorf("model %s: tensor %q: %w", s.path, t.Name, err)
	}
	s.values = append(s.values, v)
	return v, nil
}

// pinned pins d's backing array, so the runtime may keep its address across
// calls (the cgo pointer rules allow that only for pinned memory), and wraps
// it as a tensor value.
func pinned[T ortgo.TensorData](p *runtime.Pinner, shape ortgo.Shape, d []T) (ortgo.Value, error) {
	if len(d) > 0 {
		p.Pin(&d[0])
	}
	return ortgo.NewTensor(shape, d)
}

// Run runs the model once over the whole bound tensors: it reads the input
// buffers and overwrites the output buffers. It allocates nothing on the Go
// heap.
func (s *Session) Run() error {
	return s.RunBatch(len(s.bindings) - 1)
}

// RunBatch runs the model on the first n items of a batched session: the
// front n/N of each input buffer is read and the front of each output
// buffer written. n ranges from 1 to the bound batch size.
func (s *Session) RunBatch(n int) error {
	if s.sess == nil {
		return ErrClosed
	}
	if n < 1 || n >= len(s.bindings) || s.bindings[n] == nil {
		return fmt.Errorf("model %s: batch of %d: %w (bound for 1..%d, batched sessions only below that)", s.path, n, ErrShape, len(s.bindings)-1)
	}
	if err := s.sess.RunWithBinding(s.bindings[n]); err != nil {
		return fmt.Errorf("model %s: run: %w", s.path, err)
	}
	return nil
}

// Inputs returns the tensors bound as inputs, as given to NewSession.
func (s *Session) Inputs() []Tensor { return s.inputs }

// Outputs returns the tensors bound as outputs, as given to NewSession.
func (s *Session) Outputs() []Tensor { return s.outputs }

// Close releases the runtime session and unpins the bound buffers. It is safe
// to call more than once.
func (s *Session) Close() error {
	return s.state.release()
}

func (st *state) release() error {
	st.mu.Lock()
	defer st.mu.Unlock()
	var errs []error
	for _, b := range st.bindings {
		if b != nil {
			errs = append(errs, b.Destroy())
		}
	}
	st.bindings = nil
	if st.sess != nil {
		errs = append(errs, st.sess.Destroy())
		st.sess = nil
	}
	for _, v := range st.values {
		errs = append(errs, v.Destroy())
	}
	st.values = nil
	st.pinner.Unpin()
	return errors.Join(errs...)
}

func names(ts []Tensor) []string {
	n := make([]string, len(ts))
	for i, t := range ts {
		n[i] = t.Name
	}
	return n
}

// check matches each bound tensor against the model's declaration.
func check(path, kind string, ts []Tensor, decl []TensorInfo) error {
	seen := map[string]bool{}
	for _, t := range ts {
		if seen[t.Name] {
			return fmt.Errorf("model %s: %s %q bound twice", path, kind, t.Name)
		}
		seen[t.Name] = true
		var d *TensorInfo
		for i := range decl {
			if decl[i].Name == t.Name {
				d = &decl[i]
			}
		}
		if d == nil {
			have := make([]string, len(decl))
			for i, x := range decl {
				have[i] = x.String()
			}
			return fmt.Errorf("model %s: %s %q: %w (the model has %s)", path, kind, t.Name, ErrName, strings.Join(have, "; "))
		}
		if got := bufferType(t.Data); got != d.Type {
			return fmt.Errorf("model %s: %s %q: %w: got %s, want %s", path, kind, t.Name, ErrType, got, d.Type)
		}
		if len(t.Shape) != len(d.Shape) {
			return fmt.Errorf("model %s: %s %q: %w: got shape %v, want %s", path, kind, t.Name, ErrShape, t.Shape, d)
		}
		n := int64(1)
		for i, dim := range t.Shape {
			if dim <= 0 || (d.Shape[i] >= 0 && d.Shape[i] != dim) {
				return fmt.Errorf("model %s: %s %q: %w: got shape %v, want %s", path, kind, t.Name, ErrShape, t.Shape, d)
			}
			n *= dim
		}
		if l := bufferLen(t.Data); int64(l) < n {
			return fmt.Errorf("model %s: %s %q: %w: shape %v needs %d elements, buffer has %d", path, kind, t.Name, ErrShape, t.Shape, n, l)
		}
	}
	return nil
}

func bufferType(d any) string {
	switch d.(type) {
	case []float32:
		return "float32"
	case []int32:
		return "int32"
	case []int64:
		return "int64"
	case []uint8:
		return "uint8"
	case []float64:
		return "float64"
	}
	return fmt.Sprintf("%T", d)
}

func bufferLen(d any) int {
	switch d := d.(type) {
	case []float32:
		return len(d)
	case []int32:
		return len(d)
	case []int64:
		return len(d)
	case []uint8:
		return len(d)
	case []float64:
		return len(d)
	}
	return 0
}

func typeName(t ortgo.TensorElementDataType) string {
	switch t {
	case ortgo.TensorElementDataTypeFloat:
		return "float32"
	case ortgo.TensorElementDataTypeInt32:
		return "int32"
	case ortgo.TensorElementDataTypeInt64:
		return "int64"
	case ortgo.TensorElementDataTypeUint8:
		return "uint8"
	case ortgo.TensorElementDataTypeDouble:
		return "float64"
	case ortgo.TensorElementDataTypeBool:
		return "bool"
	case ortgo.TensorElementDataTypeFloat16:
		return "float16"
	case ortgo.TensorElementDataTypeInt8:
		return "int8"
	}
	return strings.ToLower(strings.TrimPrefix(t.String(), "ONNX_TENSOR_ELEMENT_DATA_TYPE_"))
}
