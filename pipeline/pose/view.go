package pose

import (
	"sync"

	"github.com/athlete3d/athlete3d/models/movenet"
	"github.com/athlete3d/athlete3d/pipeline"
	"github.com/athlete3d/athlete3d/pipeline/fusion"
	"github.com/athlete3d/athlete3d/skeleton"
)

// viewPool lends the stage's views. Each view is made once with room for
// the most people a camera follows: People has that capacity and each
// Detection's Keypoints is a fixed window of one backing array, so
// refilling a view allocates nothing.
//
// The pool grows when empty instead of blocking: downstream may hold many
// views at once (offline, the Syncer keeps a fast camera's views until the
// slowest camera catches up), and a worker waiting for a view that only the
// slow camera's own progress would free would deadlock. Once it has grown
// to what the consumer holds at once, it allocates nothing.
type viewPool struct {
	people  int
	release func(*pipeline.View) // put, bound once

	mu   sync.Mutex
	free []*pipeline.View
}

func newViewPool(people, prealloc int) *viewPool {
	p := &viewPool{people: people}
	p.release = p.put
	for range prealloc {
		p.free = append(p.free, p.make())
	}
	return p
}

// make returns a new view with its storage.
func (p *viewPool) make() *pipeline.View {
	v := pipeline.NewPooledView(p.release)
	obs := make([]fusion.Observation, p.people*skeleton.NumCOCO17)
	v.People = make([]fusion.Detection, p.people)
	for i := range v.People {
		v.People[i].Keypoints = obs[i*skeleton.NumCOCO17 : (i+1)*skeleton.NumCOCO17 : (i+1)*skeleton.NumCOCO17]
	}
	v.People = v.People[:0]
	return v
}

// get lends a view with no people, its End false.
func (p *viewPool) get() *pipeline.View {
	p.mu.Lock()
	if n := len(p.free); n > 0 {
		v := p.free[n-1]
		p.free[n-1] = nil
		p.free = p.free[:n-1]
		p.mu.Unlock()
		return v
	}
	p.mu.Unlock()
	return p.make()
}

// put takes a released view back; any goroutine may call it.
func (p *viewPool) put(v *pipeline.View) {
	v.Camera, v.Seq, v.Time, v.End = 0, 0, 0, false
	v.People = v.People[:0]
	p.mu.Lock()
	p.free = append(p.free, v)
	p.mu.Unlock()
}

// fill writes people, found by camera's pose step, into v's reused
// storage: one Detection per person, its keypoints in COCO-17 order in
// pixel-index coordinates with the network's scores.
func fill(v *pipeline.View, camera int, people []movenet.Person) {
	v.Camera = camera
	v.People = v.People[:0]
	for i := range people {
		if len(v.People) == cap(v.People) {
			// More people than the pool planned for (a TrackState with a
			// larger MaxPeople): grow once; the view keeps the room.
			v.People = append(v.People, fusion.Detection{})
		} else {
			v.People = v.People[:len(v.People)+1]
		}
		d := &v.People[len(v.People)-1]
		d.Camera = camera
		if cap(d.Keypoints) < skeleton.NumCOCO17 {
			d.Keypoints = make([]fusion.Observation, skeleton.NumCOCO17)
		}
		d.Keypoints = d.Keypoints[:skeleton.NumCOCO17]
		for k, kp := range people[i].Pose {
			d.Keypoints[k] = fusion.Observation{X: float64(kp.X), Y: float64(kp.Y), Score: float64(kp.Score)}
		}
	}
}
