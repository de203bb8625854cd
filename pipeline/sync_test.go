package pipeline

import (
	"errors"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"
)

const period = 20 * time.Millisecond // 50 Hz

// viewsOf returns camera c's views of frames 0..n-1 at 50 Hz, shifted by
// offset and jittered by up to ±jitter, leaving out the frames in skip.
func viewsOf(c, n int, offset, jitter time.Duration, rng *rand.Rand, skip map[int]bool) []*View {
	var vs []*View
	for f := range n {
		if skip[f] {
			continue
		}
		j := time.Duration(0)
		if jitter > 0 {
			j = time.Duration(rng.Int64N(int64(2*jitter))) - jitter
		}
		vs = append(vs, &View{Camera: c, Seq: int64(f), Time: time.Duration(f)*period + offset + j})
	}
	return vs
}

// interleave merges the cameras' view lists in a random order that keeps
// each camera's own order, as views come out of a pose stage.
func interleave(rng *rand.Rand, cams [][]*View) []*View {
	var out []*View
	idx := make([]int, len(cams))
	for {
		var left []int
		for c := range cams {
			if idx[c] < len(cams[c]) {
				left = append(left, c)
			}
		}
		if len(left) == 0 {
			return out
		}
		c := left[rng.IntN(len(left))]
		out = append(out, cams[c][idx[c]])
		idx[c]++
	}
}

// collect runs views through a Syncer, ending every camera at the end,
// and returns the sets sent with, for each, the frame number of each view
// (-1 where none), releasing them as a consumer would.
func collect(t *testing.T, s *Syncer, views []*View, cameras int) [][]int64 {
	t.Helper()
	var out [][]int64
	take := func(sets []*FrameSet) {
		for _, fs := range sets {
			row := make([]int64, cameras)
			for c, v := range fs.Views {
				row[c] = -1
				if v != nil {
					row[c] = v.Seq
				}
			}
			if n := len(out); n > 0 && fs.Time < 0 {
				t.Fatalf("set %d has a negative time", n)
			}
			out = append(out, row)
			fs.Release()
		}
	}
	for _, v := range views {
		sets, err := s.Add(v)
		if err != nil {
			t.Fatal(err)
		}
		take(sets)
	}
	for c := range cameras {
		take(s.End(c))
	}
	take(s.Drain())
	return out
}

// TestSyncOffline: three cameras with residual offsets of a few
// milliseconds and ±3 ms of jitter (views of one frame up to 10 ms apart,
// the tolerance), their views interleaved at random; one camera drops
// two frames. Offline, every view lands in the set of its frame, in order,
// and none is lost.
func TestSyncOffline(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const n = 200
	skip := map[int]bool{50: true, 51: true}
	cams := [][]*View{
		viewsOf(0, n, 0, 3*time.Millisecond, rng, nil),
		viewsOf(1, n, 2*time.Millisecond, 3*time.Millisecond, rng, skip),
		viewsOf(2, n, -2*time.Millisecond, 3*time.Millisecond, rng, nil),
	}
	s, err := NewSyncer(SyncConfig{Cameras: 3, Tolerance: period / 2})
	if err != nil {
		t.Fatal(err)
	}
	got := collect(t, s, interleave(rng, cams), 3)
	if len(got) != n {
		t.Fatalf("got %d sets, want %d", len(got), n)
	}
	for f, row := range got {
		for c, seq := range row {
			want := int64(f)
			if c == 1 && skip[f] {
				want = -1
			}
			if seq != want {
				t.Fatalf("set %d camera %d: got frame %d, want %d (row %v)", f, c, seq, want, row)
			}
		}
	}
	st := s.Stats()
	if st.Sets != n || st.Complete != n-2 || !slices.Equal(st.Late, []int64{0, 0, 0}) {
		t.Errorf("stats: got %+v, want %d sets, %d complete, none late", st, n, n-2)
	}
}

// TestSyncOfflineWaits: offline, a set waits for a camera however far
// behind it is, and a camera that ends stops being waited for.
func TestSyncOfflineWaits(t *testing.T) {
	s, err := NewSyncer(SyncConfig{Cameras: 2, Tolerance: period / 2})
	if err != nil {
		t.Fatal(err)
	}
	for f := range 100 {
		sets, err := s.Add(&View{Camera: 0, Seq: int64(f), Time: time.Duration(f) * period})
		if err != nil {
			t.Fatal(err)
		}
		if len(sets) != 0 {
			t.Fatalf("a set went out at frame %d while camera 1 has said nothing", f)
		}
	}
	sets, _ := s.Add(&View{Camera: 1, Time: 0})
	if len(sets) != 1 || sets[0].Count != 2 {
		t.Fatalf("camera 1's first view: got %d sets, want the first, complete", len(sets))
	}
	sets[0].Release()
	sets, _ = s.Add(&View{Camera: 1, End: true})
	if len(sets) != 99 {
		t.Fatalf("camera 1 ended: got %d sets, want the 99 waiting", len(sets))
	}
	for _, fs := range sets {
		if fs.Count != 1 || fs.Views[1] != nil {
			t.Fatalf("set at %v: got %d views, want camera 0's alone", fs.Time, fs.Count)
		}
		fs.Release()
	}
}

// TestSyncLive: live, a camera that stalls holds nothing up for longer
// than the latency; its views from the stall, arriving afterwards, are
// late and dropped; once it catches up its views join the sets again.
func TestSyncLive(t *testing.T) {
	const tol = period / 2
	s, err := NewSyncer(SyncConfig{Cameras: 2, Tolerance: tol, Live: true, Latency: 3 * period})
	if err != nil {
		t.Fatal(err)
	}
	released := 0
	view := func(c, f int) *View {
		v := NewPooledView(func(*View) { released++ })
		v.Camera, v.Seq, v.Time = c, int64(f), time.Duration(f)*period
		return v
	}
	var sent []*FrameSet
	add := func(v *View) {
		sets, err := s.Add(v)
		if err != nil {
			t.Fatal(err)
		}
		sent = append(sent, sets...)
	}
	// Frames 0-9 from both; camera 1 stalls for frames 10-29, then
	// delivers them all at once, late, and goes on from 30.
	for f := range 40 {
		add(view(0, f))
		if f < 10 {
			add(view(1, f))
		}
		if f == 29 {
			for g := 10; g < 30; g++ {
				add(view(1, g))
			}
		}
		if f >= 30 {
			add(view(1, f))
		}
	}
	sent = append(sent, s.Drain()...)
	st := s.Stats()
	// Frames 10-25 went out without camera 1 (the clock, at frame 29,
	// had passed them by more than the latency before its views came);
	// 26-29 were still open and took them.
	var partial []int64
	for _, fs := range sent {
		if fs.Count == 1 {
			partial = append(partial, fs.Views[0].Seq)
		}
	}
	if len(sent) != 40 || st.Late[1] != 16 || len(partial) != 16 || partial[0] != 10 || partial[15] != 25 {
		t.Errorf("got %d sets, camera 1 late %d, partial frames %v; want 40 sets, 16 late, partial 10..25", len(sent), st.Late[1], partial)
	}
	for _, fs := range sent {
		fs.Release()
	}
	if released != 80 {
		t.Errorf("views released: got %d, want all 80 (late ones included)", released)
	}
}

// TestSyncLiveTick: live, when every camera falls silent, Tick sends the
// sets the capture clock has passed.
func TestSyncLiveTick(t *testing.T) {
	s, err := NewSyncer(SyncConfig{Cameras: 2, Tolerance: period / 2, Live: true})
	if err != nil {
		t.Fatal(err)
	}
	if sets, _ := s.Add(&View{Camera: 0, Time: 0}); len(sets) != 0 {
		t.Fatal("a set went out at once")
	}
	if sets := s.Tick(period / 2); len(sets) != 0 {
		t.Fatal("a set went out before the latency")
	}
	if sets := s.Tick(2 * period); len(sets) != 1 || sets[0].Count != 1 {
		t.Fatalf("Tick past the latency: got %d sets, want 1 with camera 0's view", len(sets))
	}
}

func TestSyncErrors(t *testing.T) {
	for _, cfg := range []SyncConfig{
		{Cameras: 0, Tolerance: period},
		{Cameras: 2},
		{Cameras: 2, Tolerance: period, Latency: -1},
	} {
		if _, err := NewSyncer(cfg); err == nil {
			t.Errorf("NewSyncer(%+v): got no error", cfg)
		}
	}
	s, _ := NewSyncer(SyncConfig{Cameras: 2, Tolerance: period})
	released := false
	v := NewPooledView(func(*View) { released = true })
	v.Camera = 2
	if _, err := s.Add(v); !errors.Is(err, ErrCamera) || !released {
		t.Errorf("view of camera 2 in a rig of 2: got %v (released %v), want ErrCamera and the view released", err, released)
	}
	// A camera going back in time: the view is dropped and counted.
	s.Add(&View{Camera: 0, Time: 5 * period})
	s.Add(&View{Camera: 0, Time: 3 * period})
	if st := s.Stats(); st.Late[0] != 1 {
		t.Errorf("view out of order: late %v, want 1 for camera 0", st.Late)
	}
}

// TestSyncConcurrentRelease: sets released by a consumer goroutine while
// the stage adds views (run with -race).
func TestSyncConcurrentRelease(t *testing.T) {
	s, err := NewSyncer(SyncConfig{Cameras: 4, Tolerance: period / 2})
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan *FrameSet, 8)
	var wg sync.WaitGroup
	wg.Add(1)
	got := 0
	go func() {
		defer wg.Done()
		for fs := range ch {
			got++
			fs.Release()
		}
	}()
	for f := range 500 {
		for c := range 4 {
			sets, _ := s.Add(&View{Camera: c, Time: time.Duration(f) * period})
			for _, fs := range sets {
				ch <- fs
			}
		}
	}
	for c := range 4 {
		for _, fs := range s.End(c) {
			ch <- fs
		}
	}
	close(ch)
	wg.Wait()
	if got != 500 {
		t.Errorf("got %d sets, want 500", got)
	}
}

// TestSyncAllocs: in steady state, with the consumer releasing each set,
// the Syncer allocates nothing.
func TestSyncAllocs(t *testing.T) {
	s, views := steadySyncer(t)
	f := 0
	allocs := testing.AllocsPerRun(1000, func() {
		syncFrame(s, views, f)
		f++
	})
	if allocs != 0 {
		t.Errorf("got %v allocations per frame set, want 0", allocs)
	}
}

func BenchmarkSync(b *testing.B) {
	s, views := steadySyncer(b)
	b.ReportAllocs()
	f := 0
	for b.Loop() {
		syncFrame(s, views, f)
		f++
	}
}

// steadySyncer returns a 4-camera Syncer warmed up to its steady state,
// with one reusable view per camera.
func steadySyncer(tb testing.TB) (*Syncer, []*View) {
	s, err := NewSyncer(SyncConfig{Cameras: 4, Tolerance: period / 2, Live: true})
	if err != nil {
		tb.Fatal(err)
	}
	views := make([]*View, 4)
	for c := range views {
		views[c] = &View{Camera: c}
	}
	for f := range 100 {
		syncFrame(s, views, f-100)
	}
	return s, views
}

// syncFrame passes frame f of every camera through s and releases the sets
// that come out.
func syncFrame(s *Syncer, views []*View, f int) {
	for c, v := range views {
		v.Time = time.Duration(f)*period + time.Duration(c)*time.Millisecond
		sets, _ := s.Add(v)
		for _, fs := range sets {
			fs.Release()
		}
	}
}

// TestSyncProperties: random rigs, drops, jitter and interleavings. Both
// modes send sets in time order with at most one view per camera, every
// view within the tolerance of its set's time; offline loses no view,
// live accounts for every view as placed or late.
func TestSyncProperties(t *testing.T) {
	for seed := range uint64(40) {
		rng := rand.New(rand.NewPCG(seed, 7))
		cameras := 1 + rng.IntN(6)
		live := seed%2 == 1
		s, err := NewSyncer(SyncConfig{Cameras: cameras, Tolerance: period / 2, Live: live, Latency: time.Duration(1+rng.IntN(4)) * period})
		if err != nil {
			t.Fatal(err)
		}
		var cams [][]*View
		total := 0
		for c := range cameras {
			skip := map[int]bool{}
			for f := range 150 {
				if rng.Float64() < 0.1 {
					skip[f] = true
				}
			}
			vs := viewsOf(c, 150, time.Duration(rng.IntN(5))*time.Millisecond, 2*time.Millisecond, rng, skip)
			total += len(vs)
			cams = append(cams, vs)
		}
		placed := 0
		var prev time.Duration
		check := func(sets []*FrameSet) {
			for _, fs := range sets {
				if placed > 0 && fs.Time < prev {
					t.Fatalf("seed %d: set at %v after one at %v", seed, fs.Time, prev)
				}
				prev = fs.Time
				for c, v := range fs.Views {
					if v == nil {
						continue
					}
					if v.Camera != c || abs(v.Time-fs.Time) > period/2 {
						t.Fatalf("seed %d: view of camera %d at %v in slot %d of a set at %v", seed, v.Camera, v.Time, c, fs.Time)
					}
					placed++
				}
				fs.Release()
			}
		}
		for _, v := range interleave(rng, cams) {
			sets, err := s.Add(v)
			if err != nil {
				t.Fatal(err)
			}
			check(sets)
		}
		check(s.Drain())
		var late int64
		for _, l := range s.Stats().Late {
			late += l
		}
		if (!live && (late != 0 || placed != total)) || placed+int(late) != total {
			t.Errorf("seed %d (live %v, %d cameras): %d views placed, %d late, of %d", seed, live, cameras, placed, late, total)
		}
	}
}
