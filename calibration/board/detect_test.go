package board

import (
	"image"
	"slices"
	"sync"
	"testing"
)

func TestView(t *testing.T) {
	spec := Spec{Kind: Charuco, Cols: 4, Rows: 5, Square: 0.054, Marker: 0.0405, Dict: Dict4X4_1000}
	d := Detection{Spec: spec, IDs: []int{0, 4, 11}, Pix: [][2]float64{{10, 20}, {30, 40}, {50, 60}}, Size: image.Pt(640, 480)}
	v := d.View("cam_0.mp4#12", 12)
	if v.Label != "cam_0.mp4#12" || v.Frame != 12 || v.Len() != 3 {
		t.Fatalf("got label %q, frame %d, %d points; want cam_0.mp4#12, 12, 3", v.Label, v.Frame, v.Len())
	}
	pts := spec.Points()
	for i, id := range d.IDs {
		if v.IDs[i] != id || v.Obj[i] != pts[id] || v.Pix[i] != d.Pix[i] {
			t.Errorf("point %d: got id %d at %v, pixel %v; want %d at %v, pixel %v", i, v.IDs[i], v.Obj[i], v.Pix[i], id, pts[id], d.Pix[i])
		}
	}
	v.IDs[0], v.Pix[0][0] = 99, -1
	if d.IDs[0] != 0 || d.Pix[0][0] != 10 {
		t.Error("the view shares its slices with the detection, want copies")
	}
}

// Detect keeps no state: goroutines sharing one image get the same result.
func TestDetectConcurrent(t *testing.T) {
	spec := Spec{Kind: Charuco, Cols: 5, Rows: 7, Square: 0.04, Marker: 0.03, Dict: Dict5X5_100}
	img, err := Render(spec, 50)
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	want, err := Detect(img, spec)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	got := make([]Detection, 4)
	errs := make([]error, 4)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], errs[i] = Detect(img, spec)
		}()
	}
	wg.Wait()
	for i := range got {
		if errs[i] != nil || !slices.Equal(got[i].IDs, want.IDs) || !slices.Equal(got[i].Pix, want.Pix) {
			t.Errorf("goroutine %d: got %v, %v; want %v", i, got[i].IDs, errs[i], want.IDs)
		}
	}
}
