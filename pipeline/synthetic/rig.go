package synthetic

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sync/atomic"
	"time"

	"github.com/athlete3d/athlete3d/bench"
	"github.com/athlete3d/athlete3d/calibration"
	"github.com/athlete3d/athlete3d/pipeline"
	"github.com/athlete3d/athlete3d/pipeline/fusion"
)

// defaultBuffer is Config.Buffer's default: more views per camera than a
// Syncer and fusion hold at once.
const defaultBuffer = 16

// Rig is the virtual rig: a pipeline.ViewSource over a bench scene.
type Rig struct {
	cfg   Config
	scene *bench.Scene
	cams  []int
	// frames[f][c] are camera c's detections at frame f; their keypoints
	// live in one slab made at New and never written again.
	frames [][][]fusion.Detection
	// free holds each camera's idle views (a leaky free list: a view
	// released into a full list is left to the collector).
	free    []chan *pipeline.View
	release func(*pipeline.View) // r.put, bound once
	sent    []atomic.Int64
	dropped []atomic.Int64
	running atomic.Bool
}

var _ pipeline.ViewSource = (*Rig)(nil)

// Stats counts, per camera (indexed by camera), the frame views a rig
// sent and those it dropped because out was full (live only). End views
// are not counted.
type Stats struct {
	Sent, Dropped []int64
}

// New builds the scene of cfg and the rig that replays it.
func New(cfg Config) (*Rig, error) {
	if cfg.Buffer == 0 {
		cfg.Buffer = defaultBuffer
	}
	if cfg.Buffer < 1 {
		return nil, fmt.Errorf("synthetic rig: buffer %d, want at least 1", cfg.Buffer)
	}
	sc, err := bench.NewSprintScene(cfg.Scene)
	if err != nil {
		return nil, fmt.Errorf("synthetic rig: %w", err)
	}
	nc := len(sc.Cameras)
	r := &Rig{
		cfg: cfg, scene: sc, cams: make([]int, nc),
		frames:  make([][][]fusion.Detection, len(sc.Frames)),
		free:    make([]chan *pipeline.View, nc),
		sent:    make([]atomic.Int64, nc),
		dropped: make([]atomic.Int64, nc),
	}
	r.release = r.put
	// One slab for every keypoint and one for every detection.
	var nkp, ndet, most int
	for _, fr := range sc.Frames {
		for _, dets := range fr.Views {
			ndet += len(dets)
			most = max(most, len(dets))
			for _, d := range dets {
				nkp += len(d.Keypoints)
			}
		}
	}
	kps := make([]fusion.Observation, 0, nkp)
	dets := make([]fusion.Detection, 0, ndet)
	for f, fr := range sc.Frames {
		r.frames[f] = make([][]fusion.Detection, nc)
		for c, view := range fr.Views {
			first := len(dets)
			for _, d := range view {
				k0 := len(kps)
				for _, k := range d.Keypoints {
					kps = append(kps, fusion.Observation{X: k.X, Y: k.Y, Score: k.Score})
				}
				dets = append(dets, fusion.Detection{Camera: c, Keypoints: kps[k0:len(kps):len(kps)]})
			}
			r.frames[f][c] = dets[first:len(dets):len(dets)]
		}
	}
	for c := range r.free {
		r.cams[c] = c
		r.free[c] = make(chan *pipeline.View, cfg.Buffer)
		for range cfg.Buffer {
			r.free[c] <- r.newView(most)
		}
	}
	return r, nil
}

// Cameras returns the cameras the rig delivers: 0 to n−1.
func (r *Rig) Cameras() []int { return slices.Clone(r.cams) }

// Calibration returns a copy of the rig's cameras, in camera order: the
// calibration fusion needs.
func (r *Rig) Calibration() []calibration.Camera {
	cams := slices.Clone(r.scene.Cameras)
	for i := range cams {
		cams[i].Dist = slices.Clone(cams[i].Dist)
	}
	return cams
}

// Scene returns the scene the rig replays, with its truth, for scoring.
// It is shared: read it, never write it.
func (r *Rig) Scene() *bench.Scene { return r.scene }

// Stats returns the counts so far, over every Run; safe from any
// goroutine.
func (r *Rig) Stats() Stats {
	st := Stats{Sent: make([]int64, len(r.sent)), Dropped: make([]int64, len(r.dropped))}
	for c := range r.sent {
		st.Sent[c] = r.sent[c].Load()
		st.Dropped[c] = r.dropped[c].Load()
	}
	return st
}

// Run sends the scene's views on out, from frame 0 and time 0, offline or
// live as the Config says (see the package documentation), and returns nil
// after every camera's End view, or ctx.Err() once ctx is done. It does
// not close out.
func (r *Rig) Run(ctx context.Context, out chan<- *pipeline.View) error {
	if !r.running.CompareAndSwap(false, true) {
		return ErrRunning
	}
	defer r.running.Store(false)
	n := int64(len(r.frames))
	var timer *time.Timer
	var start time.Time
	if r.cfg.Live {
		timer = time.NewTimer(time.Hour)
		defer timer.Stop()
		start = time.Now()
	}
	for g := int64(0); r.cfg.Loop || g < n; g++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		at := r.timeOf(g)
		if r.cfg.Live {
			// Wait for the frame's instant; a late frame goes at once.
			if d := time.Until(start.Add(at)); d > 0 {
				timer.Reset(d)
				select {
				case <-timer.C:
				case <-ctx.Done():
					return ctx.Err()
				}
			}
		}
		dets := r.frames[g%n]
		for c := range r.cams {
			v := r.get(c)
			v.Seq, v.Time = g, at
			v.People = append(v.People, dets[c]...)
			if r.cfg.Live {
				select {
				case out <- v:
					r.sent[c].Add(1)
				default:
					v.Release()
					r.dropped[c].Add(1)
				}
				continue
			}
			select {
			case out <- v:
				r.sent[c].Add(1)
			case <-ctx.Done():
				v.Release()
				return ctx.Err()
			}
		}
	}
	for c := range r.cams {
		v := r.get(c)
		v.Seq, v.Time, v.End = n, r.timeOf(n), true
		select {
		case out <- v:
		case <-ctx.Done():
			v.Release()
			return ctx.Err()
		}
	}
	return nil
}

// timeOf returns the capture time of frame g since the start of Run.
func (r *Rig) timeOf(g int64) time.Duration {
	return time.Duration(math.Round(float64(g) * float64(time.Second) / r.scene.Rate))
}

// newView makes a view of the rig's pool, room for people detections.
func (r *Rig) newView(people int) *pipeline.View {
	v := pipeline.NewPooledView(r.release)
	v.People = make([]fusion.Detection, 0, people)
	return v
}

// get returns an idle view of camera c, cleared, making one when the free
// list is empty.
func (r *Rig) get(c int) *pipeline.View {
	var v *pipeline.View
	select {
	case v = <-r.free[c]:
	default:
		v = r.newView(len(r.scene.Truth))
	}
	v.Camera = c
	return v
}

// put takes a released view back into its camera's free list, or leaves
// it to the collector when the list is full.
func (r *Rig) put(v *pipeline.View) {
	clear(v.People) // no keypoints kept alive through an idle view
	v.People = v.People[:0]
	v.Seq, v.Time, v.End = 0, 0, false
	c := v.Camera
	if c < 0 || c >= len(r.free) {
		return
	}
	select {
	case r.free[c] <- v:
	default:
	}
}
