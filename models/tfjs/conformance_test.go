//go:build cgo

package tfjs_test

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/athlete3d/athlete3d/internal/modeltest"
	"github.com/athlete3d/athlete3d/models/ort"
	"github.com/athlete3d/athlete3d/models/tfjs"
)

// The difference allowed between ONNX Runtime on a converted model and the
// TF.js CPU backend on the original graph is tolerance + relTolerance*|want|:
// 1e-4 for normalised outputs (MoveNet keypoints, scores, heatmaps), and a
// few float32 roundings more for outputs in input pixels (CenterNet's wh and
// boxes reach 512, where one float32 step is 3e-5 and 60 layers of float32
// accumulation in two different kernels differ by about 3e-6 relative).
const (
	tolerance    = 1e-4
	relTolerance = 4e-6
)

func allowed(want float64) float64 { return tolerance + relTolerance*math.Abs(want) }

// golden is one file written by testdata/golden/generate.mjs.
type golden struct {
	Model string `json:"model"`
	TFJS  string `json:"tfjs"`
	Input struct {
		Name  string `json:"name"`
		Dtype string `json:"dtype"`
		Shape []int  `json:"shape"`
	} `json:"input"`
	Cases []struct {
		Seed      int                     `json:"seed"`
		InputSum  float64                 `json:"input_sum"`
		InputHash uint32                  `json:"input_hash"`
		Outputs   map[string]goldenOutput `json:"outputs"`
	} `json:"cases"`
}

type goldenOutput struct {
	Shape  []int     `json:"shape"`
	Sum    float64   `json:"sum"`
	SumAbs float64   `json:"sum_abs"`
	Index  []int     `json:"index"` // flat indices of Data; nil when Data is complete
	Data   []float64 `json:"data"`
}

func readGolden(t *testing.T, name string) *golden {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "golden", name))
	if err != nil {
		t.Fatal(err)
	}
	var g golden
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return &g
}

// requireModels returns the TF.js model.json of name in the cache, after
// checking that ONNX Runtime loads.
func requireModels(t testing.TB, name string) string {
	t.Helper()
	modeltest.Runtime(t)
	return modeltest.Cached(t, filepath.Join("models", name+".json"))
}

// convertTo converts the cached TF.js model to an ONNX file in a temporary
// directory.
func convertTo(t *testing.T, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "model.onnx")
	if err := tfjs.ConvertFile(src, dst); err != nil {
		t.Fatal(err)
	}
	return dst
}

func checkInput(t *testing.T, seed int, data []float64, wantSum float64, wantHash uint32) {
	t.Helper()
	sum, h := 0.0, uint32(0)
	for i, v := range data {
		sum += v
		h = mix32((h ^ uint32(int32(v))) + uint32(i))
	}
	if sum != wantSum || h != wantHash {
		t.Fatalf("seed %d: synthetic input sum %v hash %#x, want %v %#x: synth_test.go and generate.mjs disagree",
			seed, sum, h, wantSum, wantHash)
	}
}

// compare checks got against a golden output and returns the largest
// absolute difference.
func compare(t *testing.T, what string, got []float32, want goldenOutput) float64 {
	t.Helper()
	if n := numel(want.Shape); len(got) != n {
		t.Fatalf("%s: %d values, want %d", what, len(got), n)
	}
	worst, worstRel := 0.0, 0.0
	for k, w := range want.Data {
		i := k
		if want.Index != nil {
			i = want.Index[k]
		}
		d := math.Abs(float64(got[i]) - w)
		if !(d <= allowed(w)) {
			t.Errorf("%s: flat index %d: got %v, want %v (difference %.3g > %.3g)", what, i, got[i], w, d, allowed(w))
		}
		worst = max(worst, d)
		if w != 0 {
			worstRel = max(worstRel, d/math.Abs(w))
		}
	}
	t.Logf("%s: max abs difference %.3g, max relative %.3g", what, worst, worstRel)
	return worst
}

// compareSum checks the sum of every element, which covers the values the
// sample leaves out. Each element may differ by tolerance.
func compareSum(t *testing.T, what string, got []float32, want goldenOutput) {
	t.Helper()
	sum := 0.0
	for _, v := range got {
		sum += float64(v)
	}
	if d := math.Abs(sum - want.Sum); d > tolerance*float64(len(got)) {
		t.Errorf("%s: sum %v, want %v (difference %.3g)", what, sum, want.Sum, d)
	}
}

func numel(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

func TestConformanceMoveNet(t *testing.T) {
	src := requireModels(t, "movenet-lightning")
	g := readGolden(t, "movenet-lightning.json")
	path := convertTo(t, src)
	const size = 192 * 192 * 3
	const outSize = 17 * 3
	const name, outName = "input:0", "Identity:0"

	batch1 := make([][]float32, len(g.Cases))
	t.Run("batch1", func(t *testing.T) {
		in := make([]int32, size)
		out := make([]float32, outSize)
		s, err := ort.NewSession(path, ort.Options{},
			[]ort.Tensor{{Name: name, Shape: []int64{1, 192, 192, 3}, Data: in}},
			[]ort.Tensor{{Name: outName, Shape: []int64{1, 1, 17, 3}, Data: out}})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		worst := 0.0
		for i, c := range g.Cases {
			synthImage(in, c.Seed, 192, 192)
			checkInput(t, c.Seed, toF64(in), c.InputSum, c.InputHash)
			if err := s.Run(); err != nil {
				t.Fatal(err)
			}
			worst = max(worst, compare(t, fmt.Sprintf("seed %d %s", c.Seed, outName), out, c.Outputs[outName]))
			batch1[i] = append([]float32(nil), out...)
		}
		t.Logf("movenet-lightning %s: max abs difference to TF.js %.3g over %d inputs", outName, worst, len(g.Cases))
	})

	// Several crops go through one Run: each item must give what it gives
	// alone.
	for _, n := range []int{2, len(g.Cases)} {
		t.Run(fmt.Sprintf("batch%d", n), func(t *testing.T) { moveNetBatch(t, path, g, batch1[:n]) })
	}
}

// moveNetBatch runs the first len(batch1) golden inputs as one batch.
func moveNetBatch(t *testing.T, path string, g *golden, batch1 [][]float32) {
	t.Helper()
	const size = 192 * 192 * 3
	const outSize = 17 * 3
	const name, outName = "input:0", "Identity:0"
	cases := g.Cases[:len(batch1)]
	n := len(cases)
	in := make([]int32, n*size)
	out := make([]float32, n*outSize)
	s, err := ort.NewSession(path, ort.Options{},
		[]ort.Tensor{{Name: name, Shape: []int64{int64(n), 192, 192, 3}, Data: in}},
		[]ort.Tensor{{Name: outName, Shape: []int64{int64(n), 1, 17, 3}, Data: out}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i, c := range cases {
		synthImage(in[i*size:(i+1)*size], c.Seed, 192, 192)
	}
	if err := s.Run(); err != nil {
		t.Fatal(err)
	}
	worstSelf := 0.0
	for i, c := range cases {
		item := out[i*outSize : (i+1)*outSize]
		compare(t, fmt.Sprintf("batch %d item %d (seed %d)", n, i, c.Seed), item, c.Outputs[outName])
		if batch1[i] != nil {
			for k := range item {
				worstSelf = max(worstSelf, math.Abs(float64(item[k]-batch1[i][k])))
			}
		}
	}
	if worstSelf > 1e-6 {
		t.Errorf("batch of %d differs from batch 1 by %.3g, want <= 1e-6", n, worstSelf)
	}
	t.Logf("movenet-lightning batch %d: max abs difference to batch 1 %.3g", n, worstSelf)
}

func TestConformanceCenterNet(t *testing.T) {
	src := requireModels(t, "centernet")
	path := convertTo(t, src)
	const size = 512 * 512 * 3
	outs := []struct {
		name  string
		shape []int64
	}{
		{"tower_0/wh", []int64{1, 128, 128, 4}},
		{"tower_0/keypoints", []int64{1, 128, 128, 80}},
		{"tower_0/detections", []int64{1, 100, 6}},
	}
	in := make([]float32, size)
	bound := make([]ort.Tensor, len(outs))
	for i, o := range outs {
		bound[i] = ort.Tensor{Name: o.name, Shape: o.shape, Data: make([]float32, numel(toInts(o.shape)))}
	}
	s, err := ort.NewSession(path, ort.Options{},
		[]ort.Tensor{{Name: "tower_0/images", Shape: []int64{1, 512, 512, 3}, Data: in}}, bound)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	worst := map[string]float64{}
	files, _ := filepath.Glob(filepath.Join("testdata", "golden", "centernet-*.json"))
	if len(files) == 0 {
		t.Fatal("no centernet goldens in testdata/golden")
	}
	for _, f := range files {
		g := readGolden(t, filepath.Base(f))
		for _, c := range g.Cases {
			synthImage(in, c.Seed, 512, 512)
			checkInput(t, c.Seed, toF64(in), c.InputSum, c.InputHash)
			if err := s.Run(); err != nil {
				t.Fatal(err)
			}
			for i, o := range outs {
				got := bound[i].Data.([]float32)
				want := c.Outputs[o.name]
				what := fmt.Sprintf("seed %d %s", c.Seed, o.name)
				var d float64
				if o.name == "tower_0/detections" {
					d = compareDetections(t, what, got, want)
				} else {
					d = compare(t, what, got, want)
					compareSum(t, what, got, want)
				}
				worst[o.name] = max(worst[o.name], d)
			}
		}
	}
	names := make([]string, 0, len(worst))
	for k := range worst {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		t.Logf("centernet %s: max abs difference to TF.js %.3g", k, worst[k])
	}

	// The whole graph, TopK and gathers included, also runs batched: every
	// item gives what it gives alone.
	var seeds []int
	single := map[int][][]float32{}
	for _, f := range files {
		g := readGolden(t, filepath.Base(f))
		for _, c := range g.Cases {
			seeds = append(seeds, c.Seed)
			synthImage(in, c.Seed, 512, 512)
			if err := s.Run(); err != nil {
				t.Fatal(err)
			}
			for i := range outs {
				single[c.Seed] = append(single[c.Seed], append([]float32(nil), bound[i].Data.([]float32)...))
			}
		}
	}
	n := len(seeds)
	bin := make([]float32, n*size)
	for i, seed := range seeds {
		synthImage(bin[i*size:(i+1)*size], seed, 512, 512)
	}
	bout := make([]ort.Tensor, len(outs))
	for i, o := range outs {
		shape := append([]int64{int64(n)}, o.shape[1:]...)
		bout[i] = ort.Tensor{Name: o.name, Shape: shape, Data: make([]float32, n*numel(toInts(o.shape)))}
	}
	bs, err := ort.NewSession(path, ort.Options{},
		[]ort.Tensor{{Name: "tower_0/images", Shape: []int64{int64(n), 512, 512, 3}, Data: bin}}, bout)
	if err != nil {
		t.Fatal(err)
	}
	defer bs.Close()
	if err := bs.Run(); err != nil {
		t.Fatal(err)
	}
	worstSelf := 0.0
	for k, seed := range seeds {
		for i, o := range outs {
			per := numel(toInts(o.shape))
			got := bout[i].Data.([]float32)[k*per : (k+1)*per]
			for e, w := range single[seed][i] {
				worstSelf = max(worstSelf, math.Abs(float64(got[e]-w)))
			}
		}
	}
	if worstSelf > 1e-6 {
		t.Errorf("batch of %d differs from batch 1 by %.3g, want <= 1e-6", n, worstSelf)
	}
	t.Logf("centernet batch %d: max abs difference to batch 1 %.3g", n, worstSelf)
}

// compareDetections compares [100, 6] rows (x1, y1, x2, y2, score, class).
// Rows are sorted by score; rows whose scores tie within the tolerance may
// come in either order, so each golden row is matched to the closest row
// among the neighbours with the same class and a score within tolerance.
func compareDetections(t *testing.T, what string, got []float32, want goldenOutput) float64 {
	t.Helper()
	const cols = 6
	rows := len(want.Data) / cols
	if len(got) != len(want.Data) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want.Data))
	}
	used := make([]bool, rows)
	worst := 0.0
	for r := range rows {
		w := want.Data[r*cols : (r+1)*cols]
		best, bestD := -1, math.Inf(1)
		for k := range rows {
			if used[k] {
				continue
			}
			g := got[k*cols : (k+1)*cols]
			if math.Abs(float64(g[4])-w[4]) > allowed(w[4]) || float64(g[5]) != w[5] {
				continue
			}
			d, ok := 0.0, true
			for j := range cols {
				dj := math.Abs(float64(g[j]) - w[j])
				d = max(d, dj)
				ok = ok && dj <= allowed(w[j])
			}
			if ok && d < bestD {
				best, bestD = k, d
			}
		}
		if best < 0 {
			t.Errorf("%s: golden row %d %v has no row within tolerance", what, r, w)
			continue
		}
		if best != r && bestD > 0 {
			t.Logf("%s: golden row %d matched row %d (score tie)", what, r, best)
		}
		used[best] = true
		worst = max(worst, bestD)
	}
	t.Logf("%s: max abs difference %.3g", what, worst)
	return worst
}

func toF64[T int32 | float32](v []T) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

func toInts(v []int64) []int {
	out := make([]int, len(v))
	for i, x := range v {
		out[i] = int(x)
	}
	return out
}
