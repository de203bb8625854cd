package board

import (
	"errors"
	"strings"
	"testing"

	"gocv.io/x/gocv"
)

func TestRender(t *testing.T) {
	for _, tt := range []struct {
		spec       string
		px         int
		cols, rows int  // image size in squares
		corner     byte // the top-left square's level
		margin     byte
	}{
		{"chessboard:9x6:0.025", 20, 12, 9, 0, 255},
		{"charuco:4x5:0.054:0.0405:DICT_4X4_1000", 40, 6, 7, 0, 255},
		{"charuco:4x5:0.054:0.0405:DICT_4X4_1000:inverted", 40, 6, 7, 255, 0},
	} {
		t.Run(tt.spec, func(t *testing.T) {
			s, err := Parse(tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			img, err := Render(s, tt.px)
			if err != nil {
				t.Fatal(err)
			}
			defer img.Close()
			if img.Type() != gocv.MatTypeCV8UC1 || img.Cols() != tt.cols*tt.px || img.Rows() != tt.rows*tt.px {
				t.Fatalf("got %v %dx%d, want CV_8UC1 %dx%d", img.Type(), img.Cols(), img.Rows(), tt.cols*tt.px, tt.rows*tt.px)
			}
			mid := tt.px + tt.px/2
			if got := img.GetUCharAt(tt.px/2, tt.px/2); got != tt.margin {
				t.Errorf("margin: got level %d, want %d", got, tt.margin)
			}
			if got := img.GetUCharAt(mid, mid); got != tt.corner {
				t.Errorf("top-left square: got level %d, want %d", got, tt.corner)
			}
			d, err := Detect(img, s)
			if err != nil || len(d.IDs) != s.Len() {
				t.Fatalf("detecting the render: got %d of %d corners, %v", len(d.IDs), s.Len(), err)
			}
		})
	}
}

func TestRenderErrors(t *testing.T) {
	for _, tt := range []struct {
		name string
		spec Spec
		px   int
		want error
		msg  string
	}{
		{"invalid spec", Spec{Kind: Charuco, Cols: 4, Rows: 5, Square: 0.05, Marker: 0.06}, 40, ErrSpec, "not smaller than square"},
		{"too few pixels for the markers", Spec{Kind: Charuco, Cols: 4, Rows: 5, Square: 0.05, Marker: 0.04, Dict: Dict6X6_50}, 8, nil, "8 pixels per square: want 11 to"},
		{"too large", Spec{Kind: Chessboard, Cols: 99, Rows: 99, Square: 0.01}, 100, nil, "want 2 to 80"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			img, err := Render(tt.spec, tt.px)
			if err == nil {
				img.Close()
				t.Fatal("got an image, want an error")
			}
			if (tt.want != nil && !errors.Is(err, tt.want)) || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("got %v, want %v containing %q", err, tt.want, tt.msg)
			}
		})
	}
}
