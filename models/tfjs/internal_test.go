package tfjs

import (
	"bytes"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestWindow(t *testing.T) {
	for _, tt := range []struct {
		name                     string
		padding                  string
		explicit                 []int
		in, k, stride, dilation  int
		wantBefore, wantAfter, o int
	}{
		{"same even stride 2", "SAME", nil, 192, 3, 2, 1, 0, 1, 96},
		{"same odd stride 2", "SAME", nil, 7, 3, 2, 1, 1, 1, 4},
		{"same 1x1", "SAME", nil, 5, 1, 1, 1, 0, 0, 5},
		{"same dilated", "SAME", nil, 9, 3, 1, 2, 2, 2, 9},
		{"same kernel 2", "SAME", nil, 6, 2, 1, 1, 0, 1, 6},
		{"same no pad needed", "SAME", nil, 8, 2, 2, 1, 0, 0, 4},
		{"valid", "VALID", nil, 6, 3, 2, 1, 0, 0, 2},
		{"explicit", "EXPLICIT", []int{0, 0, 2, 1, 0, 0, 0, 0}, 7, 3, 2, 1, 2, 1, 4},
	} {
		t.Run(tt.name, func(t *testing.T) {
			n := &nodeDef{Name: "n", Attr: map[string]attrValue{}}
			s := base64.StdEncoding.EncodeToString([]byte(tt.padding))
			n.Attr["padding"] = attrValue{S: &s}
			if tt.explicit != nil {
				l := &attrList{}
				for _, v := range tt.explicit {
					l.I = append(l.I, jsonInt(v))
				}
				n.Attr["explicit_paddings"] = attrValue{List: l}
			}
			w, err := window(n, tt.in, tt.k, tt.stride, tt.dilation, 1)
			if err != nil {
				t.Fatal(err)
			}
			if w.before != tt.wantBefore || w.after != tt.wantAfter || w.out != tt.o {
				t.Errorf("got pads %d/%d out %d, want %d/%d out %d", w.before, w.after, w.out, tt.wantBefore, tt.wantAfter, tt.o)
			}
		})
	}
}

func TestStridedSpec(t *testing.T) {
	for _, tt := range []struct {
		name                string
		shape               []int
		begin, end, stride  []int64
		bm, em, elm, nm, sm int64
		wantShape           []int
		wantFirst           sliceDim
	}{
		{"plain", []int{5}, []int64{1}, []int64{4}, []int64{1}, 0, 0, 0, 0, 0, []int{3}, sliceDim{1, 4, 1, false}},
		{"negative begin", []int{5}, []int64{-2}, []int64{5}, []int64{1}, 0, 0, 0, 0, 0, []int{2}, sliceDim{3, 5, 1, false}},
		{"reverse all", []int{5}, []int64{0}, []int64{0}, []int64{-1}, 1, 1, 0, 0, 0, []int{5}, sliceDim{4, -1, -1, false}},
		{"reverse step 2", []int{6}, []int64{-1}, []int64{0}, []int64{-2}, 0, 0, 0, 0, 0, []int{3}, sliceDim{5, 0, -2, false}},
		{"shrink", []int{4, 3}, []int64{-1}, []int64{0}, []int64{1}, 0, 0, 0, 0, 1, []int{3}, sliceDim{3, 4, 1, true}},
		{"ellipsis newaxis shrink", []int{2, 3, 4}, []int64{0, 0, 1}, []int64{0, 0, 2}, []int64{1, 1, 1}, 0, 0, 1, 2, 4, []int{2, 3, 1}, sliceDim{0, 2, 1, false}},
		{"clamped end", []int{3}, []int64{1}, []int64{100}, []int64{1}, 0, 0, 0, 0, 0, []int{2}, sliceDim{1, 3, 1, false}},
		{"empty", []int{3}, []int64{2}, []int64{1}, []int64{1}, 0, 0, 0, 0, 0, []int{0}, sliceDim{2, 1, 1, false}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dims, shape, err := stridedSpec(tt.shape, tt.begin, tt.end, tt.stride, tt.bm, tt.em, tt.elm, tt.nm, tt.sm)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(shape, tt.wantShape) {
				t.Errorf("got shape %v, want %v", shape, tt.wantShape)
			}
			if dims[0] != tt.wantFirst {
				t.Errorf("got first slice %+v, want %+v", dims[0], tt.wantFirst)
			}
		})
	}
	if _, _, err := stridedSpec([]int{3}, []int64{0}, []int64{1}, []int64{0}, 0, 0, 0, 0, 0); err == nil {
		t.Error("stride 0: got no error")
	}
	if _, _, err := stridedSpec([]int{3}, []int64{5}, []int64{6}, []int64{1}, 0, 0, 0, 0, 1); err == nil {
		t.Error("shrink out of range: got no error")
	}
}

func TestSliceData(t *testing.T) {
	in := &tensorData{dtype: dtInt32, shape: []int{2, 3}, i: []int64{0, 1, 2, 3, 4, 5}}
	dims := []sliceDim{{1, 2, 1, true}, {2, -1, -1, false}}
	got := sliceData(in, dims)
	if want := []int64{5, 4, 3}; !reflect.DeepEqual(got.i, want) {
		t.Errorf("got %v, want %v", got.i, want)
	}
	tr := in.transposed([]int{1, 0})
	if want := []int64{0, 3, 1, 4, 2, 5}; !reflect.DeepEqual(tr.i, want) || !reflect.DeepEqual(tr.shape, []int{3, 2}) {
		t.Errorf("transposed: got %v %v, want %v [3 2]", tr.i, tr.shape, want)
	}
}

func TestDecodeWeights(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	specs := []weightSpec{
		{Name: "u8", Shape: []int{2}, Dtype: "float32", Quantization: &quantization{Dtype: "uint8", Scale: f(0.1), Min: f(-0.3)}},
		{Name: "u16i", Shape: []int{3}, Dtype: "int32", Quantization: &quantization{Dtype: "uint16", Scale: f(0.5), Min: f(0)}},
		{Name: "b", Shape: []int{2}, Dtype: "bool"},
		{Name: "i", Shape: []int{}, Dtype: "int32"},
	}
	shard := []byte{
		3, 255, // u8
		1, 0, 2, 0, 5, 0, // u16: 1, 2, 5 → 0.5, 1, 2.5 → Math.round: 1, 1, 3
		0, 7, // bool
		0xfe, 0xff, 0xff, 0xff, // int32 -2
	}
	orig := append([]byte(nil), shard...)
	w, err := decodeWeights(specs, [][]byte{shard}, []string{"s.bin"})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(shard, orig) {
		t.Error("decodeWeights modified the shard")
	}
	// float32 of the float64 expression, as TF.js stores it (not the exact
	// decimal value: 3*0.1-0.3 is 5.55e-17 in float64).
	scale, min := 0.1, -0.3
	dequant := func(q float64) float32 { return float32(float64(q*scale) + min) }
	if want := []float32{dequant(3), dequant(255)}; !reflect.DeepEqual(w["u8"].f, want) || w["u8"].f[0] == 0 {
		t.Errorf("u8: got %v, want %v", w["u8"].f, want)
	}
	if want := []int64{1, 1, 3}; !reflect.DeepEqual(w["u16i"].i, want) {
		t.Errorf("u16 int32: got %v, want %v", w["u16i"].i, want)
	}
	if want := []bool{false, true}; !reflect.DeepEqual(w["b"].b, want) {
		t.Errorf("bool: got %v, want %v", w["b"].b, want)
	}
	if want := []int64{-2}; !reflect.DeepEqual(w["i"].i, want) {
		t.Errorf("int32: got %v, want %v", w["i"].i, want)
	}
	if _, err := decodeWeights(specs, [][]byte{shard[:5]}, []string{"s.bin"}); !errors.Is(err, ErrWeights) {
		t.Errorf("short shard: got %v, want ErrWeights", err)
	}
}

func TestInlineTensor(t *testing.T) {
	for _, tt := range []struct {
		name string
		in   tensorJSON
		want *tensorData
	}{
		{"broadcast float", tensorJSON{Dtype: "DT_FLOAT", TensorShape: &shapeJSON{Dim: []dimJSON{{Size: 3}}}, FloatVal: []jsonFloat{2}},
			&tensorData{dtype: dtFloat, shape: []int{3}, f: []float32{2, 2, 2}}},
		{"ints", tensorJSON{Dtype: "DT_INT32", TensorShape: &shapeJSON{Dim: []dimJSON{{Size: 2}}}, IntVal: []jsonInt{4, -1}},
			&tensorData{dtype: dtInt32, shape: []int{2}, i: []int64{4, -1}}},
		{"content", tensorJSON{Dtype: "DT_INT32", TensorShape: &shapeJSON{Dim: []dimJSON{{Size: 1}}},
			TensorContent: base64.StdEncoding.EncodeToString([]byte{7, 0, 0, 0})},
			&tensorData{dtype: dtInt32, shape: []int{1}, i: []int64{7}}},
		{"zeros", tensorJSON{Dtype: "DT_FLOAT", TensorShape: &shapeJSON{Dim: []dimJSON{{Size: 2}}}},
			&tensorData{dtype: dtFloat, shape: []int{2}, f: []float32{0, 0}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := inlineTensor(&tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
	huge := tensorJSON{Dtype: "DT_FLOAT", TensorShape: &shapeJSON{Dim: []dimJSON{{Size: 1 << 40}}}, FloatVal: []jsonFloat{1}}
	if _, err := inlineTensor(&huge); err == nil {
		t.Error("huge inline constant: got no error")
	}
}

// FuzzReadModel feeds arbitrary model.json and shard bytes through the
// reader and, when they parse, the converter: errors are fine, panics are
// not.
func FuzzReadModel(f *testing.F) {
	js, err := os.ReadFile("testdata/tiny/model.json")
	if err != nil {
		f.Fatal(err)
	}
	bin, err := os.ReadFile("testdata/tiny/tiny.bin")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(js, bin)
	f.Add(js, bin[:7])
	f.Add([]byte(`{"format":"graph-model","modelTopology":{"node":[{"name":"x","op":"Placeholder","attr":{"dtype":{"type":"DT_FLOAT"},"shape":{"shape":{"dim":[{"size":"1"},{"size":"4"},{"size":"4"},{"size":"2"}]}}}},{"name":"p","op":"MaxPool","input":["x"],"attr":{"ksize":{"list":{"i":["1","2","2","1"]}},"padding":{"s":"U0FNRQ=="}}}]}}`), []byte{})
	f.Add([]byte(`{"modelTopology":{"node":[{"name":"a","op":"Const"}]},"weightsManifest":[{"paths":["a"],"weights":[{"name":"a","shape":[2],"dtype":"int32"}]}]}`), []byte{1, 2, 3, 4, 5, 6, 7, 8})
	// Every op case, so that mutations reach the op handlers.
	cases, _ := filepath.Glob("testdata/ops/*/model.json")
	for _, c := range cases {
		js, err1 := os.ReadFile(c)
		bin, err2 := os.ReadFile(filepath.Join(filepath.Dir(c), "weights.bin"))
		if err1 == nil && err2 == nil {
			f.Add(js, bin)
		}
	}
	f.Fuzz(func(t *testing.T, js, bin []byte) {
		p, err := parseModel(js, "model.json")
		if err != nil {
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("parse error %v does not wrap ErrFormat", err)
			}
			return
		}
		var specs []weightSpec
		for _, g := range p.groups {
			specs = append(specs, g.Weights...)
		}
		w, err := decodeWeights(specs, [][]byte{bin}, []string{"shard.bin"})
		if err != nil {
			if !errors.Is(err, ErrWeights) {
				t.Fatalf("weights error %v does not wrap ErrWeights", err)
			}
			return
		}
		p.model.weights = w
		m, err := convert(p.model, Options{})
		if err != nil {
			return
		}
		for _, n := range m.Graph.Nodes {
			if n.OpType == "" {
				t.Fatalf("node %q has no op type", n.Name)
			}
		}
	})
}
