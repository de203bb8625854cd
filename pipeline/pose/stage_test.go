package pose_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"gocv.io/x/gocv"

	"github.com/athlete3d/athlete3d/internal/modeltest"
	"github.com/athlete3d/athlete3d/internal/testenv"
	"github.com/athlete3d/athlete3d/models/movenet"
	"github.com/athlete3d/athlete3d/pipeline"
	"github.com/athlete3d/athlete3d/pipeline/capture"
	"github.com/athlete3d/athlete3d/pipeline/fusion"
	"github.com/athlete3d/athlete3d/pipeline/pose"
	"github.com/athlete3d/athlete3d/skeleton"
)

// trial is the Pose2Sim balancing trial: four 1080x1920 videos of one
// participant with bystanders, 100 frames each.
const trial = "pose2sim-s00/S00_P00_SingleParticipant/S00_P00_T01_BalancingTrial/videos"

const (
	cameras   = 4
	maxFrames = 128 // room per camera for the trial's frames
)

// videoPaths returns the trial's videos, skipping when the data, the
// models or the runtime are missing.
func videoPaths(t testing.TB) []string {
	t.Helper()
	dir := testenv.SharedData(t, trial)
	modeltest.Model(t, "movenet-lightning.onnx")
	modeltest.Model(t, "centernet.onnx")
	paths := make([]string, cameras)
	for c := range paths {
		paths[c] = filepath.Join(dir, fmt.Sprintf("cam%02d.mp4", c+1))
	}
	return paths
}

func grabbers(t testing.TB, paths []string, live bool) []*capture.Grabber {
	t.Helper()
	gs := make([]*capture.Grabber, len(paths))
	for c, p := range paths {
		g, err := capture.NewGrabber(c, capture.SourceConfig{URL: p, Live: live})
		if err != nil {
			t.Fatal(err)
		}
		gs[c] = g
	}
	return gs
}

func newStage(t testing.TB, gs []*capture.Grabber, cfg pose.Config) *pose.Stage {
	t.Helper()
	st, err := pose.New(gs, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Error(err)
		}
	})
	return st
}

// record is one view as the test keeps it: copied into storage allocated
// beforehand, so that keeping it allocates nothing.
type record struct {
	seq    int64
	time   time.Duration
	people int
	kp     [movenet.DefaultBatch][skeleton.NumCOCO17]fusion.Observation
}

// camRecords is one camera's views in arrival order.
type camRecords struct {
	views []record // len = views received
	ended bool
}

func newRecords() []camRecords {
	recs := make([]camRecords, cameras)
	for c := range recs {
		recs[c].views = make([]record, 0, maxFrames)
	}
	return recs
}

// add checks v's invariants against what came before on its camera and
// keeps it; it releases v.
func (r *camRecords) add(t testing.TB, v *pipeline.View) {
	t.Helper()
	defer v.Release()
	if r.ended {
		t.Fatalf("camera %d: a view after its End view", v.Camera)
	}
	if v.End {
		r.ended = true
		return
	}
	if n := len(r.views); n > 0 {
		last := r.views[n-1]
		if v.Seq <= last.seq || v.Time <= last.time {
			t.Fatalf("camera %d: view seq %d at %v after seq %d at %v, want capture order", v.Camera, v.Seq, v.Time, last.seq, last.time)
		}
	}
	if len(r.views) == cap(r.views) {
		t.Fatalf("camera %d: more than %d views", v.Camera, maxFrames)
	}
	if len(v.People) > movenet.DefaultBatch {
		t.Fatalf("camera %d: %d people, want at most %d", v.Camera, len(v.People), movenet.DefaultBatch)
	}
	r.views = r.views[:len(r.views)+1]
	rec := &r.views[len(r.views)-1]
	rec.seq, rec.time, rec.people = v.Seq, v.Time, len(v.People)
	for i, d := range v.People {
		if d.Camera != v.Camera || len(d.Keypoints) != skeleton.NumCOCO17 {
			t.Fatalf("camera %d: detection of camera %d with %d keypoints, want camera %d and %d", v.Camera, d.Camera, len(d.Keypoints), v.Camera, skeleton.NumCOCO17)
		}
		copy(rec.kp[i][:], d.Keypoints)
	}
}

// collect receives views until every camera has sent its End view, or
// fails after timeout. onView, if set, runs after each view is kept.
func collect(t testing.TB, out <-chan *pipeline.View, errc <-chan error, timeout time.Duration, onView func(n int)) []camRecords {
	t.Helper()
	recs := newRecords()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for ends, n := 0, 0; ends < cameras; {
		select {
		case v := <-out:
			if v.Camera < 0 || v.Camera >= cameras {
				t.Fatalf("view of camera %d, want 0 to %d", v.Camera, cameras-1)
			}
			end := v.End
			if end {
				ends++
			} else {
				n++
			}
			recs[v.Camera].add(t, v) // releases v
			if onView != nil && !end {
				onView(n)
			}
		case err := <-errc:
			t.Fatalf("Run returned %v before every camera ended", err)
		case <-deadline.C:
			t.Fatalf("no End view from every camera after %v", timeout)
		}
	}
	return recs
}

// TestOffline runs the trial's four videos through the stage offline with
// two workers, each taking up to two cameras into one inference, and
// checks that every frame gives exactly one view, in order, that the
// participant is found in nearly every view, that the views are what a
// single-camera movenet.Tracker gives on the same frames (sharing the
// models among cameras, and batching their crops, changes nothing), and
// that the steady state allocates nothing.
func TestOffline(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the pose step on 800 full-HD frames; skipped with -short")
	}
	paths := videoPaths(t)
	gs := grabbers(t, paths, false)
	st := newStage(t, gs, pose.Config{Workers: 2, Batch: 2})
	if got := st.Cameras(); fmt.Sprint(got) != "[0 1 2 3]" {
		t.Fatalf("got cameras %v, want [0 1 2 3]", got)
	}

	out := make(chan *pipeline.View, 4)
	errc := make(chan error, 1)
	begin := time.Now()
	go func() { errc <- st.Run(context.Background(), out) }()
	// Allocation is measured over the middle of the run, once the pools
	// have warmed up, in this goroutine only reading counters.
	var m0, m1 runtime.MemStats
	const from, to = 60, 300
	recs := collect(t, out, errc, 5*time.Minute, func(n int) {
		switch n {
		case from:
			runtime.ReadMemStats(&m0)
		case to:
			runtime.ReadMemStats(&m1)
		}
	})
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	t.Logf("stage: %v", time.Since(begin))
	allocs := float64(m1.Mallocs-m0.Mallocs) / (to - from)
	t.Logf("steady state: %.2f heap allocations per frame (%d over %d frames)", allocs, m1.Mallocs-m0.Mallocs, to-from)
	if allocs >= 1 {
		t.Errorf("got %.2f allocations per frame through the stage, want none in steady state", allocs)
	}

	stats := st.Stats()
	for c, cs := range stats.Cameras {
		n := int64(len(recs[c].views))
		if cs.Camera != c || cs.In != n || cs.Processed != n || cs.Dropped != 0 || cs.Capture.Frames != n {
			t.Errorf("camera %d: got stats %+v for %d views, want in, processed and capture frames %d, none dropped", c, cs, n, n)
		}
		for i, r := range recs[c].views {
			if r.seq != int64(i) {
				t.Fatalf("camera %d view %d: got seq %d, want %d (offline loses no frame)", c, i, r.seq, i)
			}
		}
		found := 0
		for _, r := range recs[c].views {
			if r.people > 0 {
				found++
			}
		}
		rate := float64(found) / float64(n)
		t.Logf("camera %d: %d views, someone found in %.1f%%", c, n, 100*rate)
		if n != 100 {
			t.Errorf("camera %d: got %d views, want the video's 100 frames", c, n)
		}
		if rate < 0.95 {
			t.Errorf("camera %d: someone found in %.1f%% of views, want >= 95%%", c, 100*rate)
		}
	}
	t.Logf("queue p50 %.1f ms p99 %.1f ms; inference p50 %.1f ms p99 %.1f ms; total p50 %.1f ms p99 %.1f ms; utilisation %.0f%% of %d workers",
		1e3*stats.Queue.Quantile(0.5), 1e3*stats.Queue.Quantile(0.99), 1e3*stats.Inference.Quantile(0.5), 1e3*stats.Inference.Quantile(0.99),
		1e3*stats.Total.Quantile(0.5), 1e3*stats.Total.Quantile(0.99), 100*stats.Utilisation, stats.Workers)
	if stats.Inference.Count != uint64(len(recs[0].views)+len(recs[1].views)+len(recs[2].views)+len(recs[3].views)) {
		t.Errorf("got %d inference times, want one per view", stats.Inference.Count)
	}

	// The same frames through one Tracker per camera, two cameras at a
	// time (one per core), with the stage's model settings. The first
	// half of each video keeps the test short; it holds detector runs on
	// schedule and after losses, and people followed in between.
	var wg sync.WaitGroup
	errs := make([]error, cameras)
	sem := make(chan struct{}, 2)
	for c := range cameras {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			errs[c] = compareTracker(paths[c], recs[c].views, compareFrames)
		}()
	}
	wg.Wait()
	for c, err := range errs {
		if err != nil {
			t.Errorf("camera %d: %v", c, err)
		}
	}
}

// compareFrames is how many frames of each video TestOffline compares
// with a movenet.Tracker.
const compareFrames = 50

// compareTracker decodes the first n frames of the video at path, runs a
// movenet.Tracker on them and compares each frame's people with the
// stage's views.
func compareTracker(path string, views []record, n int) error {
	tr, err := movenet.NewTracker(movenet.TrackerConfig{
		Estimator: movenet.EstimatorConfig{Threads: 1},
		Detector:  movenet.DetectorConfig{Threads: 1},
	})
	if err != nil {
		return err
	}
	defer tr.Close()
	vc, err := gocv.VideoCaptureFileWithAPI(path, gocv.VideoCaptureFFmpeg)
	if err != nil {
		return err
	}
	defer vc.Close()
	img := gocv.NewMat()
	defer img.Close()
	const tol = 1e-3 // pixels and scores: the same computation, give or take rounding
	i := 0
	for ; i < n && vc.Read(&img) && !img.Empty(); i++ {
		people, err := tr.Track(img)
		if err != nil {
			return err
		}
		if i >= len(views) {
			return fmt.Errorf("got %d views, the video has more frames", len(views))
		}
		v := &views[i]
		if v.people != len(people) {
			return fmt.Errorf("frame %d: got %d people, the tracker finds %d", i, v.people, len(people))
		}
		for p := range people {
			for k, kp := range people[p].Pose {
				o := v.kp[p][k]
				if d := max(abs(o.X-float64(kp.X)), abs(o.Y-float64(kp.Y)), abs(o.Score-float64(kp.Score))); d > tol {
					return fmt.Errorf("frame %d person %d joint %d: got %+v, the tracker gives %+v", i, p, k, o, kp)
				}
			}
		}
	}
	if i != n {
		return fmt.Errorf("the video has %d frames, want at least %d", i, n)
	}
	return nil
}

// TestLiveSlowConsumer plays the videos live (paced at their frame rate,
// 60 Hz) into a live stage whose receiver takes 100 ms per view: frames
// are dropped and counted, never queued, the cameras are served in turn,
// each camera's views still come in order, and the run ends at the
// videos' end.
func TestLiveSlowConsumer(t *testing.T) {
	paths := videoPaths(t)
	gs := grabbers(t, paths, true)
	st := newStage(t, gs, pose.Config{Workers: 2, Live: true})
	out := make(chan *pipeline.View)
	errc := make(chan error, 1)
	go func() { errc <- st.Run(context.Background(), out) }()
	recs := collect(t, out, errc, 2*time.Minute, func(int) { time.Sleep(100 * time.Millisecond) })
	select {
	case err := <-errc:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after every camera ended")
	}
	var dropped int64
	lo, hi := int64(maxFrames), int64(0)
	for c, cs := range st.Stats().Cameras {
		n := int64(len(recs[c].views))
		t.Logf("camera %d: %d frames captured, %d dropped by the grabber; %d in, %d processed, %d dropped waiting for a worker",
			c, cs.Capture.Frames+cs.Capture.Dropped, cs.Capture.Dropped, cs.In, cs.Processed, cs.Dropped)
		if cs.Processed != n || cs.In != cs.Processed+cs.Dropped {
			t.Errorf("camera %d: got %+v for %d views, want processed = views and in = processed + dropped", c, cs, n)
		}
		if n == 0 {
			t.Errorf("camera %d: no view", c)
		}
		dropped += cs.Dropped
		lo, hi = min(lo, cs.Processed), max(hi, cs.Processed)
	}
	if dropped == 0 {
		t.Error("no frame dropped by a live stage far slower than its cameras")
	}
	// Served in turn: a camera's share differs from another's by the few
	// frames that opening the inputs at different times can make.
	if hi > 2*lo+2 {
		t.Errorf("got %d to %d views per camera, want the cameras served in turn", lo, hi)
	}
}

// TestCancel stops runs whose receiver stopped reading, live and offline:
// Run returns ctx's error promptly, with every goroutine gone.
func TestCancel(t *testing.T) {
	paths := videoPaths(t)
	for _, live := range []bool{false, true} {
		t.Run(fmt.Sprintf("live=%v", live), func(t *testing.T) {
			base := runtime.NumGoroutine()
			gs := grabbers(t, paths, live)
			st := newStage(t, gs, pose.Config{Workers: 2, Live: live})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			out := make(chan *pipeline.View)
			errc := make(chan error, 1)
			go func() { errc <- st.Run(ctx, out) }()
			for range 3 {
				(<-out).Release()
			}
			// Stuck receiver: the workers block on out, the cameras on
			// their slots (offline) or keep dropping (live).
			time.Sleep(300 * time.Millisecond)
			if err := st.Run(ctx, out); !errors.Is(err, pose.ErrRunning) {
				t.Errorf("second Run: got %v, want %v", err, pose.ErrRunning)
			}
			if err := st.Close(); !errors.Is(err, pose.ErrRunning) {
				t.Errorf("Close while running: got %v, want %v", err, pose.ErrRunning)
			}
			cancel()
			cancelled := time.Now()
			select {
			case err := <-errc:
				if !errors.Is(err, context.Canceled) {
					t.Fatalf("got %v, want %v", err, context.Canceled)
				}
				t.Logf("Run returned %v after cancel", time.Since(cancelled))
			case <-time.After(3 * time.Second):
				t.Fatal("Run did not return within 3 s of cancel")
			}
			n := runtime.NumGoroutine()
			for i := 0; i < 100 && n > base; i++ {
				time.Sleep(20 * time.Millisecond)
				n = runtime.NumGoroutine()
			}
			if n > base {
				buf := make([]byte, 1<<16)
				t.Fatalf("got %d goroutines after the run, want %d:\n%s", n, base, buf[:runtime.Stack(buf, true)])
			}
		})
	}
}

func TestNewErrors(t *testing.T) {
	dir := t.TempDir()
	g0, err := capture.NewGrabber(0, capture.SourceConfig{URL: filepath.Join(dir, "a.mp4")})
	if err != nil {
		t.Fatal(err)
	}
	g0bis, err := capture.NewGrabber(0, capture.SourceConfig{URL: filepath.Join(dir, "b.mp4")})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		gs   []*capture.Grabber
		cfg  pose.Config
	}{
		{"no camera", nil, pose.Config{}},
		{"nil grabber", []*capture.Grabber{nil}, pose.Config{}},
		{"two grabbers for one camera", []*capture.Grabber{g0, g0bis}, pose.Config{}},
		{"negative workers", []*capture.Grabber{g0}, pose.Config{Workers: -1}},
		{"negative threads", []*capture.Grabber{g0}, pose.Config{Threads: -2}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			st, err := pose.New(tt.gs, tt.cfg)
			if err == nil {
				st.Close()
				t.Fatal("got no error")
			}
			if !errors.Is(err, pose.ErrConfig) {
				t.Fatalf("got %v, want %v", err, pose.ErrConfig)
			}
		})
	}

	// A model that is not there: the error says which file.
	modeltest.Runtime(t)
	absent := filepath.Join(dir, "absent.onnx")
	for _, tt := range []struct {
		name string
		cfg  pose.Config
	}{
		{"estimator", pose.Config{Tracker: movenet.TrackerConfig{Estimator: movenet.EstimatorConfig{Model: absent}}}},
		{"detector", pose.Config{Tracker: movenet.TrackerConfig{Detector: movenet.DetectorConfig{Model: absent}}}},
	} {
		t.Run("missing "+tt.name+" model", func(t *testing.T) {
			if tt.name == "detector" {
				modeltest.Model(t, "movenet-lightning.onnx")
			}
			st, err := pose.New([]*capture.Grabber{g0}, tt.cfg)
			if err == nil {
				st.Close()
				t.Fatal("got no error")
			}
			if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), absent) {
				t.Fatalf("got %v, want an error naming %s that wraps %v", err, absent, os.ErrNotExist)
			}
			t.Log(err)
		})
	}
}

// TestRunAfterClose checks that a closed stage refuses to run.
func TestRunAfterClose(t *testing.T) {
	modeltest.Model(t, "movenet-lightning.onnx")
	modeltest.Model(t, "centernet.onnx")
	g, err := capture.NewGrabber(0, capture.SourceConfig{URL: filepath.Join(t.TempDir(), "a.mp4")})
	if err != nil {
		t.Fatal(err)
	}
	st, err := pose.New([]*capture.Grabber{g}, pose.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatalf("second Close: got %v, want nil", err)
	}
	if err := st.Run(context.Background(), make(chan *pipeline.View)); !errors.Is(err, pose.ErrClosed) {
		t.Fatalf("got %v, want %v", err, pose.ErrClosed)
	}
}

// TestMissingVideo checks that a camera whose file cannot be opened ends
// the run with an error naming the camera, after which no goroutine stays.
func TestMissingVideo(t *testing.T) {
	paths := videoPaths(t)
	paths = append(paths[:1:1], filepath.Join(t.TempDir(), "absent.mp4"))
	gs := grabbers(t, paths, false)
	st := newStage(t, gs, pose.Config{Workers: 1})
	out := make(chan *pipeline.View, 256)
	err := st.Run(context.Background(), out)
	if !errors.Is(err, capture.ErrOpen) || !strings.Contains(err.Error(), "camera 1") {
		t.Fatalf("got %v, want a camera 1 error wrapping %v", err, capture.ErrOpen)
	}
	t.Log(err)
	close(out)
	for v := range out {
		v.Release()
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
