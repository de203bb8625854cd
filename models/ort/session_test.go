package ort_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/athlete3d/athlete3d/internal/modeltest"
	"github.com/athlete3d/athlete3d/models/onnx"
	"github.com/athlete3d/athlete3d/models/ort"
)

// affineModel writes a model computing y = 2x + 1 over float32[batch, 3].
func affineModel(t *testing.T) string {
	t.Helper()
	m := &onnx.Model{
		IRVersion:    onnx.IRVersion,
		Opsets:       []onnx.Opset{{Version: 17}},
		ProducerName: "athlete3d test",
		Graph: &onnx.Graph{
			Name: "affine",
			Nodes: []*onnx.Node{
				{Name: "mul", OpType: "Mul", Inputs: []string{"x", "two"}, Outputs: []string{"x2"}},
				{Name: "add", OpType: "Add", Inputs: []string{"x2", "one"}, Outputs: []string{"y"}},
			},
			Initializers: []*onnx.Tensor{
				onnx.NewFloat32("two", nil, []float32{2}),
				onnx.NewFloat32("one", nil, []float32{1}),
			},
			Inputs:  []*onnx.ValueInfo{onnx.TensorValue("x", onnx.Float, onnx.Symbolic("batch"), onnx.Fixed(3))},
			Outputs: []*onnx.ValueInfo{onnx.TensorValue("y", onnx.Float, onnx.Symbolic("batch"), onnx.Fixed(3))},
		},
	}
	path := filepath.Join(t.TempDir(), "affine.onnx")
	if err := onnx.WriteFile(path, m); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestRunBoundBuffers(t *testing.T) {
	modeltest.Runtime(t)
	path := affineModel(t)
	x := make([]float32, 4*3)
	y := make([]float32, 4*3)
	s, err := ort.NewSession(path, ort.Options{IntraOpThreads: 1, Batched: true},
		[]ort.Tensor{{Name: "x", Shape: []int64{4, 3}, Data: x}},
		[]ort.Tensor{{Name: "y", Shape: []int64{4, 3}, Data: y}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for round := 0; round < 2; round++ {
		for i := range x {
			x[i] = float32(i + 10*round)
		}
		for i := range y {
			y[i] = -1
		}
		if err := s.RunBatch(2); err != nil {
			t.Fatal(err)
		}
		for i := range y {
			want := float32(-1) // beyond the batch of 2: untouched
			if i < 6 {
				want = 2*x[i] + 1
			}
			if y[i] != want {
				t.Fatalf("round %d: y[%d] = %v, want %v", round, i, y[i], want)
			}
		}
	}
	if err := s.Run(); err != nil {
		t.Fatal(err)
	}
	if got, want := y[11], 2*x[11]+1; got != want {
		t.Fatalf("full run: y[11] = %v, want %v", got, want)
	}
	if n := testing.AllocsPerRun(10, func() { s.RunBatch(3) }); n != 0 {
		t.Errorf("RunBatch allocates %.1f times per call, want 0", n)
	}
	for _, n := range []int{0, 5} {
		if err := s.RunBatch(n); !errors.Is(err, ort.ErrShape) {
			t.Errorf("RunBatch(%d): got %v, want ErrShape", n, err)
		}
	}
	s.Close()
	if err := s.Run(); !errors.Is(err, ort.ErrClosed) {
		t.Errorf("Run after Close: got %v, want ErrClosed", err)
	}
}

func TestNewSessionMismatch(t *testing.T) {
	modeltest.Runtime(t)
	path := affineModel(t)
	f := func(n int) []float32 { return make([]float32, n) }
	for _, tt := range []struct {
		name    string
		in, out ort.Tensor
		want    error
	}{
		{"wrong rank", ort.Tensor{Name: "x", Shape: []int64{3}, Data: f(3)}, ort.Tensor{Name: "y", Shape: []int64{1, 3}, Data: f(3)}, ort.ErrShape},
		{"wrong fixed dim", ort.Tensor{Name: "x", Shape: []int64{1, 4}, Data: f(4)}, ort.Tensor{Name: "y", Shape: []int64{1, 3}, Data: f(3)}, ort.ErrShape},
		{"short buffer", ort.Tensor{Name: "x", Shape: []int64{2, 3}, Data: f(5)}, ort.Tensor{Name: "y", Shape: []int64{2, 3}, Data: f(6)}, ort.ErrShape},
		{"wrong type", ort.Tensor{Name: "x", Shape: []int64{1, 3}, Data: make([]int32, 3)}, ort.Tensor{Name: "y", Shape: []int64{1, 3}, Data: f(3)}, ort.ErrType},
		{"unknown name", ort.Tensor{Name: "z", Shape: []int64{1, 3}, Data: f(3)}, ort.Tensor{Name: "y", Shape: []int64{1, 3}, Data: f(3)}, ort.ErrName},
		{"unsupported buffer", ort.Tensor{Name: "x", Shape: []int64{1, 3}, Data: []string{"a", "b", "c"}}, ort.Tensor{Name: "y", Shape: []int64{1, 3}, Data: f(3)}, ort.ErrType},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, err := ort.NewSession(path, ort.Options{}, []ort.Tensor{tt.in}, []ort.Tensor{tt.out})
			if err == nil {
				s.Close()
				t.Fatal("got no error")
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
		})
	}
}

func TestInspect(t *testing.T) {
	modeltest.Runtime(t)
	in, out, err := ort.Inspect(affineModel(t))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := in[0].String()+" -> "+out[0].String(), "x float32[?,3] -> y float32[?,3]"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

// TestMissingRuntime runs this test binary again with the library pointed
// at nothing: the error must say what to do, not crash.
func TestMissingRuntime(t *testing.T) {
	if os.Getenv("ATHLETE3D_TEST_CHILD") == "1" {
		_, err := ort.NewSession("any.onnx", ort.Options{}, nil, nil)
		if !errors.Is(err, ort.ErrNoRuntime) {
			t.Fatalf("got %v, want ErrNoRuntime", err)
		}
		os.Stdout.WriteString("child error: " + err.Error() + "\n")
		return
	}
	for _, lib := range []string{filepath.Join(t.TempDir(), "absent.so"), "/etc/hostname"} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestMissingRuntime$", "-test.v")
		cmd.Env = append(os.Environ(), "ATHLETE3D_TEST_CHILD=1", ort.LibraryEnv+"="+lib)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("library %s: child failed: %v\n%s", lib, err, out)
		}
		if !strings.Contains(string(out), "make setup") || !strings.Contains(string(out), lib) {
			t.Fatalf("library %s: error should name the library and `make setup`:\n%s", lib, out)
		}
	}
}
