//go:build cgo

package tfjs_test

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/athlete3d/athlete3d/internal/modeltest"
	"github.com/athlete3d/athlete3d/models/onnx"
	"github.com/athlete3d/athlete3d/models/ort"
	"github.com/athlete3d/athlete3d/models/tfjs"
)

// opGoldens is testdata/golden/ops.json: TF.js outputs of the small graphs
// of testdata/golden/opcases.mjs (written to testdata/ops/<name>/).
type opGoldens struct {
	Cases []struct {
		Name   string `json:"name"`
		Inputs []struct {
			Name  string `json:"name"`
			Dtype string `json:"dtype"`
			Shape []int  `json:"shape"`
			Range []int  `json:"range"`
		} `json:"inputs"`
		Outputs []string `json:"outputs"`
		Seeds   []struct {
			Seed    int `json:"seed"`
			Outputs map[string]struct {
				Shape []int     `json:"shape"`
				Dtype string    `json:"dtype"`
				Data  []float64 `json:"data"`
			} `json:"outputs"`
		} `json:"seeds"`
	} `json:"cases"`
}

// opInput is the input j of an op case for seed; keep in step with opInput
// in testdata/golden/generate.mjs.
func opInput(seed, j, n int, rng []int) []float64 {
	out := make([]float64, n)
	for i := range out {
		k := key(seed, j, i, 7)
		if len(rng) == 2 {
			out[i] = float64(rng[0] + int(k%uint32(rng[1]-rng[0]+1)))
		} else {
			out[i] = float64(float32(float64(int(k%2001)-1000) / 100))
		}
	}
	return out
}

// buffer returns a slice of dtype holding v.
func buffer(dtype string, v []float64) any {
	switch dtype {
	case "int32":
		b := make([]int32, len(v))
		for i, x := range v {
			b[i] = int32(x)
		}
		return b
	}
	b := make([]float32, len(v))
	for i, x := range v {
		b[i] = float32(x)
	}
	return b
}

func values(b any) []float64 {
	switch b := b.(type) {
	case []int32:
		return toF64(b)
	case []float32:
		return toF64(b)
	}
	panic(fmt.Sprintf("unexpected buffer %T", b))
}

// TestOps converts each op case and runs it in ONNX Runtime twice: with a
// dynamic batch of three items (one per golden seed), and with a static
// batch of one.
func TestOps(t *testing.T) {
	modeltest.Runtime(t)
	b, err := os.ReadFile("testdata/golden/ops.json")
	if err != nil {
		t.Fatal(err)
	}
	var g opGoldens
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	for _, c := range g.Cases {
		t.Run(c.Name, func(t *testing.T) {
			src := filepath.Join("testdata", "ops", c.Name, "model.json")
			for _, mode := range []struct {
				name  string
				batch tfjs.Batch
				items int
			}{{"dynamic", tfjs.BatchAuto, len(c.Seeds)}, {"static", tfjs.BatchStatic, 1}} {
				t.Run(mode.name, func(t *testing.T) {
					m, err := tfjs.Convert(src, tfjs.Options{Batch: mode.batch})
					if err != nil {
						t.Fatal(err)
					}
					dst := filepath.Join(t.TempDir(), "model.onnx")
					if err := onnx.WriteFile(dst, m); err != nil {
						t.Fatal(err)
					}
					n := mode.items
					var ins []ort.Tensor
					for j, in := range c.Inputs {
						per := numel(in.Shape)
						var data []float64
						for _, s := range c.Seeds[:n] {
							data = append(data, opInput(s.Seed, j, per, in.Range)...)
						}
						shape := append([]int64{int64(n)}, toI64(in.Shape[1:])...)
						ins = append(ins, ort.Tensor{Name: in.Name, Shape: shape, Data: buffer(in.Dtype, data)})
					}
					var outs []ort.Tensor
					for _, name := range c.Outputs {
						want := c.Seeds[0].Outputs[name]
						s := toI64(want.Shape)
						var shape []int64
						switch {
						case mode.batch == tfjs.BatchStatic:
							shape = s
						case len(s) > 0 && s[0] == 1:
							shape = append([]int64{int64(n)}, s[1:]...)
						default:
							shape = append([]int64{int64(n)}, s...)
						}
						// The model's own element type: TF.js gives FloorDiv of
						// floats an int32 result, TensorFlow and the converter
						// float32; the values are the same.
						dtype := want.Dtype
						for _, o := range m.Graph.Outputs {
							if o.Name == name {
								dtype = o.ElemType.String()
							}
						}
						outs = append(outs, ort.Tensor{Name: name, Shape: shape,
							Data: buffer(dtype, make([]float64, n*numel(want.Shape)))})
					}
					s, err := ort.NewSession(dst, ort.Options{}, ins, outs)
					if err != nil {
						t.Fatal(err)
					}
					defer s.Close()
					if err := s.Run(); err != nil {
						t.Fatal(err)
					}
					for k, seed := range c.Seeds[:n] {
						for i, name := range c.Outputs {
							want := seed.Outputs[name]
							per := numel(want.Shape)
							got := values(outs[i].Data)[k*per : (k+1)*per]
							for e, w := range want.Data {
								if d := math.Abs(got[e] - w); !(d <= allowed(w)) {
									t.Errorf("item %d (seed %d) %s[%d]: got %v, want %v", k, seed.Seed, name, e, got[e], w)
									break
								}
							}
						}
					}
				})
			}
		})
	}
}

func toI64(v []int) []int64 {
	out := make([]int64, len(v))
	for i, x := range v {
		out[i] = int64(x)
	}
	return out
}
