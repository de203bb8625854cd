package pose_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"gocv.io/x/gocv"

	"github.com/athlete3d/athlete3d/models/movenet"
	"github.com/athlete3d/athlete3d/pipeline"
	"github.com/athlete3d/athlete3d/pipeline/pose"
)

var sinkPeople int

// BenchmarkStage runs the trial's four videos through the stage, offline,
// with one and two workers, one or two inference threads each, taking one
// to four cameras per inference: one op is the whole trial (400
// camera-frames).
// It reports camera-frames per second and heap allocations per frame
// (the run's setup included: grabbers' pools, goroutines). Compare with
// BenchmarkBare: the efficiency of the pipeline is its throughput over the
// bare throughput times the workers.
func BenchmarkStage(b *testing.B) {
	paths := videoPaths(b)
	for _, c := range []struct{ workers, threads, batch int }{{1, 1, 1}, {2, 1, 1}, {1, 1, 2}, {2, 1, 2}, {1, 2, 1}, {1, 2, 2}, {1, 2, 4}} {
		b.Run(fmt.Sprintf("workers=%d/threads=%d/batch=%d", c.workers, c.threads, c.batch), func(b *testing.B) {
			st := newStage(b, grabbers(b, paths, false), pose.Config{Workers: c.workers, Threads: c.threads, Batch: c.batch})
			out := make(chan *pipeline.View, 16)
			var frames int64
			var m0, m1 runtime.MemStats
			runtime.ReadMemStats(&m0)
			b.ReportAllocs()
			for b.Loop() {
				errc := make(chan error, 1)
				go func() { errc <- st.Run(context.Background(), out) }()
				for ends := 0; ends < cameras; {
					v := <-out
					if v.End {
						ends++
					} else {
						frames++
						sinkPeople += len(v.People)
					}
					v.Release()
				}
				if err := <-errc; err != nil {
					b.Fatal(err)
				}
			}
			runtime.ReadMemStats(&m1)
			s := st.Stats()
			b.ReportMetric(float64(frames)/b.Elapsed().Seconds(), "frames/s")
			b.ReportMetric(float64(m1.Mallocs-m0.Mallocs)/float64(frames), "allocs/frame")
			b.ReportMetric(100*s.Utilisation, "%busy")
			b.ReportMetric(1e3*s.Inference.Quantile(0.5), "infer-p50-ms")
			b.ReportMetric(1e3*s.Total.Quantile(0.99), "total-p99-ms")
		})
	}
}

// BenchmarkBare decodes the same four videos and runs a movenet.Tracker
// per camera on them, one inference thread each, without the stage:
// parallel goroutines, each with its own tracker, take whole cameras in
// turn. It reports decode and inference time per frame and the camera
// frames per second of wall time: the baseline of as many workers.
func BenchmarkBare(b *testing.B) {
	paths := videoPaths(b)
	for _, par := range []int{1, 2} {
		b.Run(fmt.Sprintf("parallel=%d", par), func(b *testing.B) {
			bares := make([]*bare, par)
			for i := range bares {
				bares[i] = newBare(b)
			}
			b.ReportAllocs()
			for b.Loop() {
				next := make(chan string, len(paths))
				for _, p := range paths {
					next <- p
				}
				close(next)
				errc := make(chan error, par)
				for _, w := range bares {
					go func() {
						for p := range next {
							if err := w.run(p); err != nil {
								errc <- err
								return
							}
						}
						errc <- nil
					}()
				}
				for range par {
					if err := <-errc; err != nil {
						b.Fatal(err)
					}
				}
			}
			var decode, infer time.Duration
			frames := 0
			for _, w := range bares {
				decode, infer, frames = decode+w.decode, infer+w.infer, frames+w.frames
				sinkPeople += w.people
			}
			n := float64(frames)
			b.ReportMetric(decode.Seconds()*1e3/n, "decode-ms/frame")
			b.ReportMetric(infer.Seconds()*1e3/n, "infer-ms/frame")
			b.ReportMetric(n/b.Elapsed().Seconds(), "frames/s")
		})
	}
}

// bare is one goroutine's decoder and tracker for BenchmarkBare.
type bare struct {
	tr            *movenet.Tracker
	img           gocv.Mat
	decode, infer time.Duration
	frames        int
	people        int
}

func newBare(b *testing.B) *bare {
	tr, err := movenet.NewTracker(movenet.TrackerConfig{
		Estimator: movenet.EstimatorConfig{Threads: 1},
		Detector:  movenet.DetectorConfig{Threads: 1},
	})
	if err != nil {
		b.Fatal(err)
	}
	w := &bare{tr: tr, img: gocv.NewMat()}
	b.Cleanup(func() {
		w.tr.Close()
		w.img.Close()
	})
	return w
}

// run decodes and tracks one video.
func (w *bare) run(path string) error {
	vc, err := gocv.VideoCaptureFileWithAPI(path, gocv.VideoCaptureFFmpeg)
	if err != nil {
		return err
	}
	defer vc.Close()
	w.tr.Reset()
	for {
		t0 := time.Now()
		if !vc.Read(&w.img) || w.img.Empty() {
			return nil
		}
		t1 := time.Now()
		people, err := w.tr.Track(w.img)
		if err != nil {
			return err
		}
		w.people += len(people)
		w.decode += t1.Sub(t0)
		w.infer += time.Since(t1)
		w.frames++
	}
}
