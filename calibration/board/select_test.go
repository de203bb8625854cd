package board

import (
	"image"
	"slices"
	"testing"
)

// seen returns a detection of a 9×6 chessboard in a 1000×800 image whose
// outline's corners land at quad, sharpness sharp.
func seen(t *testing.T, quad [4][2]float64, sharp float64) Detection {
	t.Helper()
	spec := Spec{Kind: Chessboard, Cols: 9, Rows: 6, Square: 1}
	h, ok := fitHomography([][2]float64{{0, 0}, {8, 0}, {8, 5}, {0, 5}}, quad[:])
	if !ok {
		t.Fatalf("degenerate quad %v", quad)
	}
	d := Detection{Spec: spec, Size: image.Pt(1000, 800), Sharpness: sharp}
	for id, p := range spec.Points() {
		q, _ := h.apply(p.X, p.Y)
		d.IDs = append(d.IDs, id)
		d.Pix = append(d.Pix, q)
	}
	return d
}

func TestSelectViews(t *testing.T) {
	centre := [4][2]float64{{400, 300}, {600, 300}, {600, 450}, {400, 450}}
	var dets []Detection
	// 0-4: the same frontal view, sharpest at 2.
	for i, s := range []float64{90, 95, 120, 100, 98} {
		q := centre
		for j := range q {
			q[j][0] += float64(i) // a pixel's jitter
		}
		dets = append(dets, seen(t, q, s))
	}
	// 5: top-left corner, small; 6: bottom-right, large; 7: tilted.
	dets = append(dets,
		seen(t, [4][2]float64{{20, 20}, {140, 20}, {140, 110}, {20, 110}}, 100),
		seen(t, [4][2]float64{{400, 350}, {980, 350}, {980, 780}, {400, 780}}, 100),
		seen(t, [4][2]float64{{300, 200}, {700, 280}, {700, 520}, {300, 600}}, 100),
	)
	// 8: far from all, but blurred; 9: too few corners.
	dets = append(dets, seen(t, [4][2]float64{{860, 20}, {980, 20}, {980, 110}, {860, 110}}, 10))
	few := seen(t, [4][2]float64{{20, 650}, {140, 650}, {140, 780}, {20, 780}}, 100)
	few.IDs, few.Pix = few.IDs[:3], few.Pix[:3]
	dets = append(dets, few)

	for _, tt := range []struct {
		name string
		n    int
		want []int // in any order
	}{
		{"none", 0, nil},
		{"one", 1, []int{2}},
		{"four", 4, []int{2, 5, 6, 7}},
		{"all usable", 20, []int{0, 1, 2, 3, 4, 5, 6, 7}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := SelectViews(dets, tt.n)
			if len(got) > 0 && got[0] != 2 {
				t.Errorf("got %d first, want the sharpest, 2", got[0])
			}
			sorted := slices.Sorted(slices.Values(got))
			if !slices.Equal(sorted, tt.want) {
				t.Errorf("got %v, want %v in any order", got, tt.want)
			}
		})
	}
}

func TestDescribe(t *testing.T) {
	frontal := seen(t, [4][2]float64{{400, 300}, {600, 300}, {600, 450}, {400, 450}}, 1)
	d, ok := describe(&frontal)
	if !ok {
		t.Fatal("no descriptor")
	}
	want := [5]float64{0.5, 0.46875, 0.1936491673103709, 0, 0}
	if descDist(d, want) > 1e-9 {
		t.Errorf("frontal: got %v, want %v", d, want)
	}
	// Left side longer than the right: turned about the vertical axis.
	turned := seen(t, [4][2]float64{{300, 200}, {700, 280}, {700, 520}, {300, 600}}, 1)
	if d, _ := describe(&turned); !(d[3] > 0.5) || d[4] != 0 {
		t.Errorf("turned: got tilts %.3f, %.3f; want log(400/240) and 0", d[3], d[4])
	}
}
