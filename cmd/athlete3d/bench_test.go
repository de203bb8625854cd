package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/athlete3d/athlete3d/internal/modeltest"
	"github.com/athlete3d/athlete3d/internal/pose2simtest"
)

// BenchmarkLiveVideo runs four network cameras (the Pose2Sim trial's
// videos served as genlocked MJPEG streams over loopback, 1088x1920 at
// 10 Hz) through the whole live pipeline for 6 s: decode, pose
// (Lightning, two workers), sync, fusion, metrics, a sink. One op is the
// whole run: use -benchtime 1x. After a 2 s warm-up it reports the
// capture-to-fused latency (p50, p99), the fused frames per second, and
// heap allocations per camera frame read in this process (the cameras are
// served by a child process, so their allocations are not counted); over
// the whole run, the share of frame sets with all four views and the pose
// step's share of the latency (a frame's arrival to its view).
func BenchmarkLiveVideo(b *testing.B) {
	trial := pose2simtest.BalancingTrial(b)
	modeltest.Runtime(b)
	const fps, seconds, warmup = 10, 6, 2
	urls := cameraProcess(b, trial.Dir, fps)
	extra := "[fusion]\nignore_distortion = true\nlimbs = \"fit\"\nsmooth = true\n"
	b.ReportAllocs()
	for b.Loop() {
		cfg := rigConfig(b, trial, urls, fps, extra)
		sink := &arrivalSink{}
		r, err := buildRun(cfg, sink)
		if err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), seconds*time.Second)
		var ms0, ms1 runtime.MemStats
		var read0 int64
		warm := time.AfterFunc(warmup*time.Second, func() {
			runtime.ReadMemStats(&ms0)
			read0 = framesRead(r)
		})
		start := time.Now()
		if err := r.engine.Run(ctx); err != nil && ctx.Err() == nil {
			b.Fatal(err)
		}
		runtime.ReadMemStats(&ms1)
		warm.Stop()
		cancel()
		read := framesRead(r) - read0
		ps, es := r.pose.Stats(), r.engine.Stats()
		r.close()
		lat := sink.latencies(r.epoch, start.Add(warmup*time.Second))
		slices.Sort(lat)
		if len(lat) == 0 || read == 0 {
			b.Fatal("no fused frame after the warm-up")
		}
		q := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))]) / 1e6 }
		b.ReportMetric(q(0.5), "p50-ms")
		b.ReportMetric(q(0.99), "p99-ms")
		b.ReportMetric(float64(es.Sync.Complete)/float64(es.Fused), "complete-share")
		b.ReportMetric(1000*ps.Total.Quantile(0.5), "pose-p50-ms")
		b.ReportMetric(1000*ps.Total.Quantile(0.99), "pose-p99-ms")
		b.ReportMetric(float64(len(lat))/(seconds-warmup), "fused/s")
		b.ReportMetric(float64(ms1.Mallocs-ms0.Mallocs)/float64(read), "allocs/camframe")
		b.ReportMetric(float64(ms1.TotalAlloc-ms0.TotalAlloc)/float64(read), "B/camframe")
	}
}

// framesRead sums the frames the run's grabbers have read.
func framesRead(r *pipelineRun) int64 {
	var n int64
	for _, c := range r.pose.Stats().Cameras {
		n += c.Capture.Frames
	}
	return n
}

// cameraEnv, set to a trial folder and a rate, makes the test binary the
// benchmark's camera server (see TestMain).
const cameraEnv = "ATHLETE3D_TEST_CAMERAS"

// TestMain serves cameras instead of running tests when cameraEnv asks:
// the four MJPEG streams, their URLs a line each on stdout, until stdin
// closes.
func TestMain(m *testing.M) {
	if spec := os.Getenv(cameraEnv); spec != "" {
		os.Exit(serveCameras(spec))
	}
	os.Exit(m.Run())
}

func serveCameras(spec string) int {
	trial, rate, ok := strings.Cut(spec, "|")
	fps, err := strconv.ParseFloat(rate, 64)
	if !ok || err != nil {
		fmt.Fprintf(os.Stderr, "%s=%q: want TRIAL|FPS\n", cameraEnv, spec)
		return 2
	}
	rig, err := startCameraRig(trial, fps)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer rig.Close()
	fmt.Println(strings.Join(rig.URLs, "\n"))
	io.Copy(io.Discard, os.Stdin)
	return 0
}

// cameraProcess starts the test binary as a camera server and returns
// its stream URLs; the server stops with the benchmark.
func cameraProcess(b *testing.B, trial string, fps int) []string {
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s|%d", cameraEnv, trial, fps))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		stdin.Close()
		cmd.Wait()
	})
	sc := bufio.NewScanner(stdout)
	var urls []string
	for len(urls) < 4 && sc.Scan() {
		urls = append(urls, sc.Text())
	}
	if len(urls) < 4 {
		b.Fatalf("camera server gave %d URLs: %v", len(urls), sc.Err())
	}
	return urls
}
