package pipeline

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"gonum.org/v1/gonum/spatial/r3"

	"github.com/athlete3d/athlete3d/calibration"
	"github.com/athlete3d/athlete3d/pipeline/fusion"
	"github.com/athlete3d/athlete3d/pipeline/kinematics"
	"github.com/athlete3d/athlete3d/skeleton"
)

// BenchmarkSkeletonFrame is the live cost of one athlete's frame after the
// pose step: triangulation of 17 joints from n cameras (rejection and
// Gauss-Newton on), the One Euro filter and the live kinematics. The 2D
// input is a runner at 9 m/s seen with 2 px noise.
func BenchmarkSkeletonFrame(b *testing.B) {
	for _, n := range []int{2, 4, 8, 16, 32} {
		cams := make([]calibration.Camera, n)
		for i := range cams {
			a := math.Pi * (0.15 + 0.7*float64(i)/float64(max(1, n-1)))
			side := 1.0
			if i%2 == 1 {
				side = -1
			}
			eye := r3.Vec{X: 30 * math.Cos(a), Y: side * 25 * math.Sin(a), Z: 4 + float64(i%3)}
			cams[i] = calibration.LookAt(fmt.Sprintf("cam%d", i), eye, r3.Vec{Z: 1}, 1920, 1080, 2000)
		}
		tri, _ := fusion.NewTriangulator(cams, fusion.TriangulatorConfig{Refine: true})
		euro, _ := fusion.NewEuroFilter(skeleton.NumCOCO17, fusion.EuroConfig{})
		live, err := kinematics.NewLive(&skeleton.COCO17, kinematics.Config{})
		if err != nil {
			b.Fatal(err)
		}
		// 50 frames of 2D views, replayed in a loop.
		rng := rand.New(rand.NewPCG(1, uint64(n)))
		const clip = 50
		views := make([][][]fusion.Observation, clip)
		for f := range views {
			views[f] = make([][]fusion.Observation, n)
			for c, cam := range cams {
				views[f][c] = make([]fusion.Observation, skeleton.NumCOCO17)
				for j := range views[f][c] {
					X := r3.Vec{X: -2 + 0.18*float64(f) + 0.2*math.Sin(float64(j)), Y: 0.15 * math.Cos(float64(j)), Z: 0.1 + 1.6*float64(16-j)/16}
					u, v, _ := cam.Project(X)
					views[f][c][j] = fusion.Observation{X: u + 2*rng.NormFloat64(), Y: v + 2*rng.NormFloat64(), Score: 0.9}
				}
			}
		}
		kf := kinematics.Frame{Joints: make([]r3.Vec, skeleton.NumCOCO17), OK: make([]bool, skeleton.NumCOCO17)}
		var sk fusion.Skeleton3
		i := 0 // frames keep counting across runs: time only goes forward
		b.Run(fmt.Sprintf("cameras=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				t := time.Duration(i) * 20 * time.Millisecond
				tri.Skeleton(&sk, views[i%clip], skeleton.NumCOCO17)
				if err := euro.Filter(t, &sk); err != nil {
					b.Fatal(err)
				}
				kf.T = t.Seconds()
				for j, jt := range sk.Joints {
					kf.Joints[j], kf.OK[j] = jt.P, jt.OK
				}
				if _, err := live.Update(kf); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}
