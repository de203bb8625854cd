package kinematics

import (
	"testing"

	"github.com/athlete3d/athlete3d/skeleton"
)

var sinkSample Sample

func benchmarkUpdate(b *testing.B, set *skeleton.Set) {
	s := sprint()
	s.dur, s.noise, s.seed, s.rate = 30, 0.005, 9, 60
	s.x0 = -100
	frames, _ := newSynth(s).frames(b, set)
	l, err := NewLive(set, Config{})
	if err != nil {
		b.Fatal(err)
	}
	// Warm up: the pelvis history grows to the windows.
	for _, fr := range frames[:120] {
		if _, err := l.Update(fr); err != nil {
			b.Fatal(err)
		}
	}
	i := 120
	b.ReportAllocs()
	for b.Loop() {
		if i == len(frames) {
			l.Reset()
			i = 0
		}
		sinkSample, err = l.Update(frames[i])
		if err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkUpdateCOCO17(b *testing.B)  { benchmarkUpdate(b, &skeleton.COCO17) }
func BenchmarkUpdateBODY25B(b *testing.B) { benchmarkUpdate(b, &skeleton.BODY25B) }

func BenchmarkAnalyze(b *testing.B) {
	s := sprint()
	s.dur, s.noise, s.seed = 10, 0.005, 9
	frames, _ := newSynth(s).frames(b, &skeleton.BODY25B)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Analyze(&skeleton.BODY25B, frames, Config{}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestUpdateAllocs checks that the live analysis allocates nothing per
// frame once warm, across touchdowns, toe-offs and splits.
func TestUpdateAllocs(t *testing.T) {
	s := sprint()
	s.dur, s.rate = 6, 60
	s.x0 = 0
	frames, _ := newSynth(s).frames(t, &skeleton.BODY25B)
	l, err := NewLive(&skeleton.BODY25B, Config{})
	if err != nil {
		t.Fatal(err)
	}
	for _, fr := range frames[:60] {
		l.Update(fr)
	}
	i := 60
	events := 0
	allocs := testing.AllocsPerRun(len(frames)-61, func() {
		l.Update(frames[i])
		events += len(l.Events())
		i++
	})
	if allocs != 0 || events == 0 {
		t.Errorf("got %v allocations per frame over %d events, want 0 over some", allocs, events)
	}
}
