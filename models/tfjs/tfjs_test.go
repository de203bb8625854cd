package tfjs_test

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/athlete3d/athlete3d/models"
	"github.com/athlete3d/athlete3d/models/onnx"
	"github.com/athlete3d/athlete3d/models/tfjs"
)

const tiny = "testdata/tiny/model.json"

func initializer(t *testing.T, m *onnx.Model, name string) []float32 {
	t.Helper()
	for _, in := range m.Graph.Initializers {
		if in.Name == name {
			v, err := in.Float32s()
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
	}
	t.Fatalf("no initializer %q", name)
	return nil
}

func TestConvertTiny(t *testing.T) {
	for _, tt := range []struct {
		name  string
		opts  tfjs.Options
		batch string
	}{
		{"auto", tfjs.Options{}, "batch"},
		{"dynamic named", tfjs.Options{Batch: tfjs.BatchDynamic, BatchName: "n"}, "n"},
		{"static", tfjs.Options{Batch: tfjs.BatchStatic}, "1"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m, err := tfjs.Convert(tiny, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if got := m.Opset(""); got < 17 {
				t.Errorf("got opset %d, want >= 17", got)
			}
			d := onnx.Describe(m)
			if got, want := d.Inputs[0].String(), "x:0 float32["+tt.batch+",3]"; got != want {
				t.Errorf("got input %q, want %q", got, want)
			}
			if got, want := d.Outputs[0].String(), "out:0 float32["+tt.batch+",3]"; got != want {
				t.Errorf("got output %q, want %q", got, want)
			}
			// Weights: plain float32, uint8 quantized, float16 quantized.
			for name, want := range map[string][]float32{"w": {1, 2, 3}, "b": {-1, 0, 1}, "h": {0.5}} {
				if got := initializer(t, m, name); !reflect.DeepEqual(got, want) {
					t.Errorf("weight %s: got %v, want %v", name, got, want)
				}
			}
		})
	}
}

// fixture copies the tiny model to a temporary directory, applying edit to
// model.json and shard to the weights, and returns the model.json path.
func fixture(t *testing.T, edit func(string) string, shard func([]byte) []byte) string {
	t.Helper()
	dir := t.TempDir()
	js, err := os.ReadFile(tiny)
	if err != nil {
		t.Fatal(err)
	}
	bin, err := os.ReadFile("testdata/tiny/tiny.bin")
	if err != nil {
		t.Fatal(err)
	}
	s := string(js)
	if edit != nil {
		s = edit(s)
	}
	if shard != nil {
		bin = shard(bin)
	}
	if bin != nil {
		if err := os.WriteFile(filepath.Join(dir, "tiny.bin"), bin, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p := filepath.Join(dir, "model.json")
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func replace(old, new string) func(string) string {
	return func(s string) string { return strings.Replace(s, old, new, 1) }
}

func TestConvertErrors(t *testing.T) {
	for _, tt := range []struct {
		name    string
		edit    func(string) string
		shard   func([]byte) []byte
		opts    tfjs.Options
		want    error
		mention []string // substrings the message must contain
	}{
		{name: "missing model.json", edit: nil, shard: nil, want: tfjs.ErrFormat, mention: []string{"nothere.json"}},
		{name: "truncated json", edit: func(s string) string { return s[:len(s)/2] }, want: tfjs.ErrFormat, mention: []string{"model.json"}},
		{name: "not json", edit: func(string) string { return "\x00\x01garbage" }, want: tfjs.ErrFormat},
		{name: "layers model", edit: replace(`"graph-model"`, `"layers-model"`), want: tfjs.ErrFormat, mention: []string{"layers-model"}},
		{name: "no nodes", edit: replace(`"node": [`, `"nodes": [`), want: tfjs.ErrFormat},
		{name: "missing shard", edit: replace(`"tiny.bin"`, `"nope.bin"`), want: tfjs.ErrWeights, mention: []string{"nope.bin"}},
		{name: "short shard", shard: func(b []byte) []byte { return b[:10] }, want: tfjs.ErrWeights, mention: []string{"tiny.bin", "shorter"}},
		{name: "empty shard", shard: func([]byte) []byte { return []byte{} }, want: tfjs.ErrWeights, mention: []string{"tiny.bin"}},
		{name: "unknown dtype", edit: replace(`"dtype": "float32"`, `"dtype": "complex64"`), want: tfjs.ErrWeights, mention: []string{"complex64", `"w"`}},
		{name: "unknown quantization", edit: replace(`"dtype": "uint8"`, `"dtype": "int4"`), want: tfjs.ErrWeights, mention: []string{"int4"}},
		{name: "quantization without scale", edit: replace(`"scale": 0.5,`, ``), want: tfjs.ErrWeights, mention: []string{"scale"}},
		{name: "escaping path", edit: replace(`"tiny.bin"`, `"../tiny.bin"`), want: tfjs.ErrWeights, mention: []string{"../tiny.bin"}},
		{name: "unsupported op", edit: replace(`"op": "AddV2"`, `"op": "Cumsum"`), want: tfjs.ErrUnsupportedOp, mention: []string{"Cumsum", `"z"`}},
		{name: "unknown input", edit: replace(`"x",
     "w"`, `"nothing",
     "w"`), want: tfjs.ErrGraph, mention: []string{"nothing"}},
		{name: "cycle", edit: replace(`"y",
     "b"`, `"out",
     "b"`), want: tfjs.ErrGraph, mention: []string{"cycle"}},
		{name: "bad signature", edit: replace(`"name": "x:0"`, `"name": "q:0"`), want: tfjs.ErrGraph, mention: []string{"q:0"}},
		{name: "static batch required dynamic", edit: func(s string) string { return strings.ReplaceAll(s, `"size": "-1"`, `"size": "2"`) },
			opts: tfjs.Options{Batch: tfjs.BatchDynamic}, want: tfjs.ErrDynamicBatch, mention: []string{"x:0"}},
		{name: "broadcast mismatch", edit: func(s string) string { return strings.ReplaceAll(s, `"size": "3"`, `"size": "4"`) }, want: tfjs.ErrGraph},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var p string
			if tt.edit == nil && tt.shard == nil {
				p = filepath.Join(t.TempDir(), "nothere.json")
			} else {
				p = fixture(t, tt.edit, tt.shard)
			}
			m, err := tfjs.Convert(p, tt.opts)
			if err == nil {
				t.Fatalf("got a model with %d nodes, want an error", len(m.Graph.Nodes))
			}
			if !errors.Is(err, tt.want) {
				t.Errorf("got %v, want an error wrapping %v", err, tt.want)
			}
			for _, s := range tt.mention {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not mention %q", err, s)
				}
			}
		})
	}
}

func TestConvertFile(t *testing.T) {
	dst := filepath.Join(t.TempDir(), "tiny.onnx")
	if err := tfjs.ConvertFile(tiny, dst); err != nil {
		t.Fatal(err)
	}
	m, err := onnx.ReadFile(dst)
	if err != nil {
		t.Fatal(err)
	}
	d := onnx.Describe(m)
	if got, want := len(d.Outputs), 1; got != want {
		t.Fatalf("got %d outputs, want %d", got, want)
	}
	if err := tfjs.ConvertFile(tiny, filepath.Join(t.TempDir(), "missing-dir", "x.onnx")); err == nil {
		t.Error("writing into a missing directory: got no error")
	}
}

func TestConvertDirectory(t *testing.T) {
	if _, err := tfjs.Convert("testdata/tiny", tfjs.Options{}); err != nil {
		t.Errorf("converting a directory holding model.json: %v", err)
	}
}

var sink *onnx.Model

func BenchmarkConvertMoveNet(b *testing.B) {
	src := filepath.Join(models.CacheDir(), "models", "movenet-lightning.json")
	if _, err := os.Stat(src); err != nil {
		b.Skip("movenet-lightning not in the cache; run `make setup`")
	}
	b.ReportAllocs()
	for b.Loop() {
		m, err := tfjs.Convert(src, tfjs.Options{})
		if err != nil {
			b.Fatal(err)
		}
		sink = m
	}
}
