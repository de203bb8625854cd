//go:build cgo

package tfjs_test

import (
	"path/filepath"
	"reflect"
	"testing"

	"github.com/athlete3d/athlete3d/internal/modeltest"
	"github.com/athlete3d/athlete3d/models/ort"
	"github.com/athlete3d/athlete3d/models/tfjs"
)

// TestRunTiny runs the tiny model with a batch of two in ONNX Runtime when
// it is available.
func TestRunTiny(t *testing.T) {
	modeltest.Runtime(t)
	dst := filepath.Join(t.TempDir(), "tiny.onnx")
	if err := tfjs.ConvertFile(tiny, dst); err != nil {
		t.Fatal(err)
	}
	in := []float32{1, 1, 1, 2, -2, 4}
	out := make([]float32, 6)
	s, err := ort.NewSession(dst, ort.Options{},
		[]ort.Tensor{{Name: "x:0", Shape: []int64{2, 3}, Data: in}},
		[]ort.Tensor{{Name: "out:0", Shape: []int64{2, 3}, Data: out}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Run(); err != nil {
		t.Fatal(err)
	}
	// (x*w + b) * 0.5 with w = 1,2,3 and b = -1,0,1.
	want := []float32{0, 1, 2, 0.5, -2, 6.5}
	if !reflect.DeepEqual(out, want) {
		t.Errorf("got %v, want %v", out, want)
	}
}
