package solve

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

func applyH(H [3][3]float64, p [2]float64) [2]float64 {
	w := H[2][0]*p[0] + H[2][1]*p[1] + H[2][2]
	return [2]float64{
		(H[0][0]*p[0] + H[0][1]*p[1] + H[0][2]) / w,
		(H[1][0]*p[0] + H[1][1]*p[1] + H[1][2]) / w,
	}
}

func TestHomography(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	// A board 0.2 m wide seen in a 640×480 image: pixels ~10⁴ times the
	// board coordinates, the scale mismatch Hartley's normalisation is for.
	truth := [3][3]float64{{2100, 310, 120}, {-150, 1950, 90}, {0.9, -0.4, 1}}
	for _, tt := range []struct {
		name  string
		n     int
		noise float64 // px
		tol   float64 // px, transfer error on fresh points
	}{
		{"minimal exact", 4, 0, 1e-8},
		{"board exact", 54, 0, 1e-8},
		{"board noisy", 54, 0.3, 0.3},
	} {
		t.Run(tt.name, func(t *testing.T) {
			src := make([][2]float64, tt.n)
			dst := make([][2]float64, tt.n)
			for i := range src {
				src[i] = [2]float64{rng.Float64() * 0.2, rng.Float64() * 0.15}
				if tt.n == 4 {
					src[i] = [2]float64{0.2 * float64(i%2), 0.15 * float64(i/2)}
				}
				d := applyH(truth, src[i])
				dst[i] = [2]float64{d[0] + tt.noise*rng.NormFloat64(), d[1] + tt.noise*rng.NormFloat64()}
			}
			H, err := Homography(src, dst)
			if err != nil {
				t.Fatal(err)
			}
			var norm float64
			for i := range 3 {
				for j := range 3 {
					norm += H[i][j] * H[i][j]
				}
			}
			if math.Abs(norm-1) > 1e-12 || H[2][2] < 0 {
				t.Errorf("‖H‖² = %v, H[2][2] = %v: want 1 and ≥ 0", norm, H[2][2])
			}
			for range 20 {
				p := [2]float64{rng.Float64() * 0.2, rng.Float64() * 0.15}
				got, want := applyH(H, p), applyH(truth, p)
				if e := math.Hypot(got[0]-want[0], got[1]-want[1]); e > tt.tol {
					t.Errorf("H·%v = %v, want %v (error %.3g px > %g)", p, got, want, e, tt.tol)
				}
			}
		})
	}
}

func TestHomographyErrors(t *testing.T) {
	square := [][2]float64{{0, 0}, {1, 0}, {1, 1}, {0, 1}}
	line := [][2]float64{{0, 0}, {1, 1}, {2, 2}, {3, 3}, {4, 4}}
	same := [][2]float64{{2, 3}, {2, 3}, {2, 3}, {2, 3}}
	for _, tt := range []struct {
		name     string
		src, dst [][2]float64
		want     error
	}{
		{"three points", square[:3], square[:3], ErrTooFewPoints},
		{"mismatched", square, square[:3], ErrInvalid},
		{"NaN", square, [][2]float64{{0, 0}, {1, math.NaN()}, {1, 1}, {0, 1}}, ErrInvalid},
		{"Inf", [][2]float64{{0, 0}, {math.Inf(1), 0}, {1, 1}, {0, 1}}, square, ErrInvalid},
		{"collinear plane", line, append(square, [2]float64{0.5, 0.2}), ErrDegenerate},
		{"collinear image", append(square, [2]float64{0.5, 0.2}), line, ErrDegenerate},
		{"coincident", same, square, ErrDegenerate},
		{"three of four collinear", [][2]float64{{0, 0}, {1, 0}, {2, 0}, {0, 1}}, square, ErrDegenerate},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Homography(tt.src, tt.dst)
			if !errors.Is(err, tt.want) {
				t.Errorf("got %v, want %v", err, tt.want)
			}
		})
	}
}
