package board

import (
	"math/rand/v2"
	"testing"
)

func TestFitHomography(t *testing.T) {
	truth := homography{2.1, 0.3, 40, -0.2, 1.8, 25, 0.0011, -0.0007, 1}
	rng := rand.New(rand.NewPCG(1, 2))
	var src, dst [][2]float64
	for range 12 {
		p := [2]float64{rng.Float64() * 300, rng.Float64() * 200}
		q, _ := truth.apply(p[0], p[1])
		src, dst = append(src, p), append(dst, q)
	}
	for _, n := range []int{4, 5, 12} {
		h, ok := fitHomography(src[:n], dst[:n])
		if !ok {
			t.Fatalf("%d points: fit failed", n)
		}
		for _, p := range [][2]float64{{0, 0}, {150, 100}, {300, 200}, {-50, 250}} {
			got, _ := h.apply(p[0], p[1])
			want, _ := truth.apply(p[0], p[1])
			if d := dist(got, want); d > 1e-6 {
				t.Errorf("%d points: (%v) maps to %v, want %v", n, p, got, want)
			}
		}
	}
}

func TestFitHomographyDegenerate(t *testing.T) {
	for _, tt := range []struct {
		name     string
		src, dst [][2]float64
	}{
		{"three points", [][2]float64{{0, 0}, {1, 0}, {0, 1}}, [][2]float64{{0, 0}, {1, 0}, {0, 1}}},
		{"collinear", [][2]float64{{0, 0}, {1, 1}, {2, 2}, {3, 3}}, [][2]float64{{0, 0}, {1, 0}, {2, 1}, {0, 3}}},
		{"three of four collinear", [][2]float64{{0, 0}, {1, 0}, {2, 0}, {0, 1}}, [][2]float64{{0, 0}, {1, 0}, {2, 0}, {0, 1}}},
		{"coincident", [][2]float64{{1, 1}, {1, 1}, {1, 1}, {1, 1}}, [][2]float64{{0, 0}, {1, 0}, {1, 1}, {0, 1}}},
		{"mismatched lengths", [][2]float64{{0, 0}, {1, 0}, {1, 1}, {0, 1}}, [][2]float64{{0, 0}, {1, 0}, {1, 1}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if h, ok := fitHomography(tt.src, tt.dst); ok {
				t.Fatalf("got %v, ok; want a failed fit", h)
			}
		})
	}
}
