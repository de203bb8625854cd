package synthetic_test

import (
	"context"
	"errors"
	"math"
	"runtime"
	"testing"
	"time"

	"gonum.org/v1/gonum/spatial/r3"

	"github.com/athlete3d/athlete3d/bench"
	"github.com/athlete3d/athlete3d/calibration"
	"github.com/athlete3d/athlete3d/internal/testenv"
	"github.com/athlete3d/athlete3d/pipeline"
	"github.com/athlete3d/athlete3d/pipeline/fusion"
	"github.com/athlete3d/athlete3d/pipeline/synthetic"
	"github.com/athlete3d/athlete3d/skeleton"
)

func newRig(t testing.TB, rawURL string) *synthetic.Rig {
	t.Helper()
	cfg, err := synthetic.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	r, err := synthetic.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// placed collects fused people as estimates of the scene's athletes: each
// person goes to the athlete whose true joints are nearest on average,
// within 0.5 m.
type placed struct {
	sc  *bench.Scene
	est [][][]r3.Vec // athlete, frame, joint; NaN where not placed
}

func newPlaced(sc *bench.Scene) *placed {
	nan := r3.Vec{X: math.NaN(), Y: math.NaN(), Z: math.NaN()}
	p := &placed{sc: sc, est: make([][][]r3.Vec, len(sc.Truth))}
	for a := range p.est {
		p.est[a] = make([][]r3.Vec, len(sc.Frames))
		for f := range p.est[a] {
			p.est[a][f] = make([]r3.Vec, sc.Set.Len())
			for j := range p.est[a][f] {
				p.est[a][f][j] = nan
			}
		}
	}
	return p
}

func (p *placed) add(f int, people []fusion.Skeleton3) {
	for _, s := range people {
		best, bestD := -1, 0.5
		for a, tr := range p.sc.Truth {
			sum, n := 0.0, 0
			for j, jt := range s.Joints {
				if jt.OK && !math.IsNaN(tr.Joints[f][j].X) {
					sum += r3.Norm(r3.Sub(jt.P, tr.Joints[f][j]))
					n++
				}
			}
			if n > 0 && sum/float64(n) < bestD {
				best, bestD = a, sum/float64(n)
			}
		}
		if best < 0 {
			continue
		}
		for j, jt := range s.Joints {
			if jt.OK {
				p.est[best][f][j] = jt.P
			}
		}
	}
}

// mpjpe scores every athlete's estimates against the truth.
func (p *placed) mpjpe() (mm float64, n int) {
	var est, truth [][]r3.Vec
	for a := range p.est {
		est = append(est, p.est[a]...)
		truth = append(truth, p.sc.Truth[a].Joints...)
	}
	return bench.MPJPE(est, truth)
}

func newStage(t testing.TB, cams []calibration.Camera, set *skeleton.Set, rate float64) *fusion.Stage {
	t.Helper()
	st, err := fusion.NewStage(cams, fusion.StageConfig{Set: set, Tracker: fusion.TrackerConfig{Rate: rate}})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// direct fuses the scene's frames straight from the bench, as bench's own
// tests do, at the capture times the rig gives them.
func direct(t *testing.T, sc *bench.Scene) *placed {
	st := newStage(t, sc.Cameras, sc.Set, sc.Rate)
	p := newPlaced(sc)
	for f, fr := range sc.Frames {
		dets, _ := fr.Detections()
		at := time.Duration(math.Round(float64(f) * float64(time.Second) / sc.Rate))
		people, err := st.Fuse(at, dets)
		if err != nil {
			t.Fatal(err)
		}
		p.add(f, people)
	}
	return p
}

// throughRig runs the rig offline into a Syncer (tolerance half a period)
// and the fusion stage with the rig's calibration, checking that every
// frame set is complete, in order, and that every camera's End view comes.
func throughRig(t *testing.T, r *synthetic.Rig) *placed {
	t.Helper()
	sc := r.Scene()
	ncam := len(r.Cameras())
	period := time.Duration(float64(time.Second) / sc.Rate)
	syncer, err := pipeline.NewSyncer(pipeline.SyncConfig{Cameras: ncam, Tolerance: period / 2})
	if err != nil {
		t.Fatal(err)
	}
	st := newStage(t, r.Calibration(), sc.Set, sc.Rate)
	p := newPlaced(sc)
	out := make(chan *pipeline.View, 4)
	done := make(chan error, 1)
	go func() { done <- r.Run(context.Background(), out) }() // exits after the End views
	var dets []fusion.Detection
	sets, ends := 0, 0
	take := func(ready []*pipeline.FrameSet) {
		for _, fs := range ready {
			if fs.Count != ncam {
				t.Errorf("set %d at %v: %d views of %d", sets, fs.Time, fs.Count, ncam)
			}
			if want := time.Duration(math.Round(float64(sets) * float64(time.Second) / sc.Rate)); fs.Time != want {
				t.Errorf("set %d: time %v, want %v", sets, fs.Time, want)
			}
			dets = fs.Detections(dets[:0])
			people, err := st.Fuse(fs.Time, dets)
			if err != nil {
				t.Fatal(err)
			}
			if sets < len(sc.Frames) {
				p.add(sets, people)
			}
			sets++
			fs.Release()
		}
	}
	for ends < ncam {
		v := <-out
		if v.End {
			ends++
		}
		ready, err := syncer.Add(v)
		if err != nil {
			t.Fatal(err)
		}
		take(ready)
	}
	take(syncer.Drain())
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if sets != len(sc.Frames) {
		t.Errorf("got %d frame sets, want %d", sets, len(sc.Frames))
	}
	stats := syncer.Stats()
	if stats.Complete != int64(len(sc.Frames)) {
		t.Errorf("sync stats %+v: want all %d sets complete", stats, len(sc.Frames))
	}
	rs := r.Stats()
	for c := range ncam {
		if rs.Sent[c] != int64(len(sc.Frames)) || rs.Dropped[c] != 0 {
			t.Errorf("camera %d: sent %d dropped %d, want %d and 0", c, rs.Sent[c], rs.Dropped[c], len(sc.Frames))
		}
	}
	return p
}

// TestRigOffline: the whole chain through the rig: every frame set
// complete, every End view there, and the fused people exactly those of
// the bench's direct path, so their MPJPE is the bench's. The second case
// is the scene of bench's TestProceduralFusion (COCO-17: 12.3 mm raw);
// the first, the URL of the package example, has 3 athletes on a 4-camera
// rig whose wide cameras see them small, and 1 % of keypoints 60 px off
// that two or three views cannot reject.
func TestRigOffline(t *testing.T) {
	for _, tt := range []struct {
		url  string
		want float64 // mm, at most
	}{
		{"synthetic://sprint?cams=4&fps=50&athletes=3&noise=2&miss=0.05&seed=1&run=procedural", 50},
		{"synthetic://sprint?cams=8&athletes=1&outlier=0&seed=0", 13},
		{"synthetic://sprint?cams=8&fps=60&athletes=1&set=body25b&seed=3", 20},
	} {
		t.Run(tt.url, func(t *testing.T) {
			r := newRig(t, tt.url)
			got, n := throughRig(t, r).mpjpe()
			want, wn := direct(t, r.Scene()).mpjpe()
			t.Logf("%d frames, %d joints placed: MPJPE %.2f mm through the rig, %.2f mm direct", len(r.Scene().Frames), n, got, want)
			if n != wn || math.Abs(got-want) > 1e-9 {
				t.Errorf("through the rig: %.4f mm over %d joints, want the direct path's %.4f over %d", got, n, want, wn)
			}
			if !(got <= tt.want) || n == 0 {
				t.Errorf("MPJPE %.1f mm over %d joints, want at most %v", got, n, tt.want)
			}
		})
	}
}

// TestRigMocap: a mocap run through the rig, when the data is there.
func TestRigMocap(t *testing.T) {
	dir := testenv.SharedData(t, "sprint-mocap")
	r := newRig(t, "synthetic://sprint?cams=6&athletes=2&run=run0900cms&dir="+dir)
	if r.Scene().Run != "run0900cms" {
		t.Fatalf("got run %q", r.Scene().Run)
	}
	got, n := throughRig(t, r).mpjpe()
	want, _ := direct(t, r.Scene()).mpjpe()
	t.Logf("run0900cms, %d frames: MPJPE %.2f mm through the rig, %.2f mm direct", len(r.Scene().Frames), got, want)
	if math.Abs(got-want) > 1e-9 || n == 0 {
		t.Errorf("through the rig %.4f mm, direct %.4f", got, want)
	}
}

// TestRigViews: what a view carries, and the End views.
func TestRigViews(t *testing.T) {
	r := newRig(t, "synthetic://sprint?cams=3&athletes=2&fps=25&dur=0.5&set=body25")
	sc := r.Scene()
	if got := r.Cameras(); len(got) != 3 || got[0] != 0 || got[2] != 2 {
		t.Fatalf("cameras %v, want [0 1 2]", got)
	}
	cal := r.Calibration()
	cal[0].Name = "changed"
	if r.Scene().Cameras[0].Name == "changed" {
		t.Error("Calibration returned the scene's own cameras")
	}
	out := make(chan *pipeline.View, 1000)
	if err := r.Run(context.Background(), out); err != nil {
		t.Fatal(err)
	}
	n := len(sc.Frames)
	if len(out) != 3*n+3 {
		t.Fatalf("got %d views, want %d frames × 3 cameras + 3 End views", len(out), n)
	}
	for g := range n {
		for c := range 3 {
			v := <-out
			if v.Camera != c || v.Seq != int64(g) || v.Time != time.Duration(g)*40*time.Millisecond || v.End {
				t.Fatalf("view %d/%d: camera %d seq %d time %v end %v", g, c, v.Camera, v.Seq, v.Time, v.End)
			}
			want := sc.Frames[g].Views[c]
			if len(v.People) != len(want) {
				t.Fatalf("frame %d camera %d: %d people, want %d", g, c, len(v.People), len(want))
			}
			for i, d := range v.People {
				if d.Camera != c || len(d.Keypoints) != skeleton.BODY25.Len() {
					t.Fatalf("frame %d camera %d person %d: camera %d, %d keypoints", g, c, i, d.Camera, len(d.Keypoints))
				}
				for j, k := range d.Keypoints {
					if w := want[i].Keypoints[j]; k.X != w.X || k.Y != w.Y || k.Score != w.Score {
						t.Fatalf("frame %d camera %d person %d joint %d: got %+v, want %+v", g, c, i, j, k, w)
					}
				}
			}
			v.Release()
		}
	}
	for c := range 3 {
		if v := <-out; !v.End || v.Camera != c {
			t.Errorf("got %+v, want camera %d's End view", v, c)
		}
	}
}

// TestRigLoop: offline with loop, frame numbers and times run on past the
// scene's end while the detections start over.
func TestRigLoop(t *testing.T) {
	r := newRig(t, "synthetic://sprint?cams=2&athletes=1&dur=0.2&loop=1")
	n := len(r.Scene().Frames)
	ctx, cancel := context.WithCancel(context.Background())
	out := make(chan *pipeline.View)
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx, out) }()
	for g := range 3 * n {
		for c := range 2 {
			v := <-out
			if v.Seq != int64(g) || v.End || v.Camera != c {
				t.Fatalf("view %d/%d: seq %d end %v camera %d", g, c, v.Seq, v.End, v.Camera)
			}
			if want := r.Scene().Frames[g%n].Views[c]; len(want) > 0 && v.People[0].Keypoints[0] != (fusion.Observation{X: want[0].Keypoints[0].X, Y: want[0].Keypoints[0].Y, Score: want[0].Keypoints[0].Score}) {
				t.Fatalf("view %d/%d: not frame %d's detections", g, c, g%n)
			}
			v.Release()
		}
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
}

// TestRigLivePacing: live, N frames at F fps take at least 0.8·N/F s of
// wall clock, and a fast consumer loses nothing.
func TestRigLivePacing(t *testing.T) {
	r := newRig(t, "synthetic://sprint?cams=2&athletes=1&dur=0.5&live=1")
	n, fps := len(r.Scene().Frames), r.Scene().Rate
	out := make(chan *pipeline.View, 64)
	done := make(chan error, 1)
	start := time.Now()
	go func() { done <- r.Run(context.Background(), out) }()
	views := 0
	for ends := 0; ends < 2; {
		v := <-out
		if v.End {
			ends++
		} else {
			views++
		}
		v.Release()
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	t.Logf("%d frames at %v fps: %v", n, fps, took)
	if min := time.Duration(0.8 * float64(n) / fps * float64(time.Second)); took < min {
		t.Errorf("%d frames took %v, want at least %v", n, took, min)
	}
	if st := r.Stats(); views != 2*n || st.Dropped[0]+st.Dropped[1] != 0 {
		t.Errorf("got %d views, stats %+v; want %d, none dropped", views, st, 2*n)
	}
}

// TestRigLiveSlow: live, a consumer slower than the cameras loses views,
// counted, and does not slow the rig down: every frame is sent or dropped.
func TestRigLiveSlow(t *testing.T) {
	r := newRig(t, "synthetic://sprint?cams=2&athletes=1&dur=0.4&fps=50&live=1")
	n := len(r.Scene().Frames)
	out := make(chan *pipeline.View, 1)
	done := make(chan error, 1)
	go func() { done <- r.Run(context.Background(), out) }()
	got := 0
	for ends := 0; ends < 2; {
		v := <-out
		if v.End {
			ends++
		} else {
			got++
			time.Sleep(25 * time.Millisecond) // a view per 25 ms; the rig makes one per 10 ms
		}
		v.Release()
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	st := r.Stats()
	t.Logf("%d frames × 2 cameras: %d received, stats %+v", n, got, st)
	for c := range 2 {
		if st.Sent[c]+st.Dropped[c] != int64(n) || st.Dropped[c] == 0 {
			t.Errorf("camera %d: sent %d dropped %d, want %d in all, some dropped", c, st.Sent[c], st.Dropped[c], n)
		}
	}
	if int64(got) != st.Sent[0]+st.Sent[1] {
		t.Errorf("received %d views, the rig counts %d sent", got, st.Sent[0]+st.Sent[1])
	}
}

// TestRigCancel: Run returns ctx.Err() promptly, live waiting for a frame
// or offline blocked on out, and leaves no goroutine behind.
func TestRigCancel(t *testing.T) {
	before := runtime.NumGoroutine()
	for _, rawURL := range []string{
		"synthetic://sprint?cams=2&athletes=1&live=1&loop=1",
		"synthetic://sprint?cams=2&athletes=1&loop=1",
		"synthetic://sprint?cams=2&athletes=1",
	} {
		t.Run(rawURL, func(t *testing.T) {
			r := newRig(t, rawURL)
			ctx, cancel := context.WithCancel(context.Background())
			out := make(chan *pipeline.View) // nobody reads
			done := make(chan error, 1)
			go func() { done <- r.Run(ctx, out) }()
			time.Sleep(50 * time.Millisecond)
			cancel()
			select {
			case err := <-done:
				if !errors.Is(err, context.Canceled) {
					t.Errorf("got %v, want context.Canceled", err)
				}
			case <-time.After(2 * time.Second):
				t.Fatal("Run did not return within 2 s of the cancel")
			}
		})
	}
	deadline := time.Now().Add(time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if after := runtime.NumGoroutine(); after > before {
		t.Errorf("%d goroutines before, %d after", before, after)
	}
}

func TestRigErrors(t *testing.T) {
	if _, err := synthetic.New(synthetic.Config{Scene: bench.SceneConfig{Run: bench.Procedural, Cameras: 1}}); !errors.Is(err, bench.ErrConfig) {
		t.Errorf("one camera: got %v, want bench.ErrConfig", err)
	}
	if _, err := synthetic.New(synthetic.Config{Scene: bench.SceneConfig{Run: bench.Procedural}, Buffer: -1}); err == nil {
		t.Error("negative buffer: got no error")
	}
	r := newRig(t, "synthetic://sprint?cams=2&athletes=1&loop=1")
	ctx, cancel := context.WithCancel(context.Background())
	out := make(chan *pipeline.View)
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx, out) }()
	v := <-out // the first Run is running now
	v.Release()
	if err := r.Run(ctx, make(chan *pipeline.View)); !errors.Is(err, synthetic.ErrRunning) {
		t.Errorf("second Run: got %v, want ErrRunning", err)
	}
	cancel()
	<-done
}

// TestRigAllocs: once warm, sending a view and its release allocate
// nothing.
func TestRigAllocs(t *testing.T) {
	r := newRig(t, "synthetic://sprint?cams=4&loop=1")
	ctx, cancel := context.WithCancel(context.Background())
	out := make(chan *pipeline.View, 8)
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx, out) }()
	defer func() { cancel(); <-done }()
	for range 1000 {
		(<-out).Release()
	}
	if allocs := testing.AllocsPerRun(5000, func() { (<-out).Release() }); allocs != 0 {
		t.Errorf("got %v allocations per view, want 0", allocs)
	}
}

// BenchmarkRigViews: the cost of a view from the rig to a consumer that
// releases it, offline, 8 cameras, 3 athletes, COCO-17.
func BenchmarkRigViews(b *testing.B) {
	r := newRig(b, "synthetic://sprint?loop=1")
	ctx, cancel := context.WithCancel(context.Background())
	out := make(chan *pipeline.View, 8)
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx, out) }()
	for range 1000 {
		(<-out).Release()
	}
	b.ReportAllocs()
	for b.Loop() {
		(<-out).Release()
	}
	b.StopTimer()
	cancel()
	<-done
}
