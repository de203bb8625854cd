package pipeline

import (
	"time"

	"github.com/athlete3d/athlete3d/pipeline/fusion"
)

// View is what the pose step saw in one camera's frame: the people found
// and their 2D keypoints, stamped with the frame's capture time. Views flow
// from the pose workers through the Syncer into fusion.
//
// A View is lent: whoever holds it calls Release when done, which hands it
// back to the pool it came from (a View made by hand, without a pool, is
// simply dropped). After Release the holder must not touch it.
type View struct {
	// Camera is the camera's index in the rig.
	Camera int
	// Seq numbers the camera's frames as captured, from 0; a gap means
	// frames dropped before the pose step.
	Seq int64
	// Time is the capture time since the session start, the camera's time
	// offset applied.
	Time time.Duration
	// People are the people found, with Detection.Camera set to Camera.
	People []fusion.Detection
	// End marks the camera's end instead of a frame: its input is over
	// (end of file, camera removed) and no view of it follows. An End view
	// carries nothing else that counts.
	End bool

	release func(*View)
}

// NewPooledView returns a View that release takes back when its holder
// calls Release: the hook by which a pool lends its views.
func NewPooledView(release func(*View)) *View {
	return &View{release: release}
}

// Release hands v back to its pool.
func (v *View) Release() {
	if v.release != nil {
		v.release(v)
	}
}

// FrameSet is one capture instant across the rig: each camera's View whose
// capture time falls within the Syncer's tolerance of the set's time. It
// is lent by the Syncer until Release.
type FrameSet struct {
	// Time is the set's capture time: the mean of its views' times.
	Time time.Duration
	// Views holds one entry per camera, nil where the camera has none.
	Views []*View
	// Count is the number of non-nil Views.
	Count int

	sum    time.Duration // of the views' times
	syncer *Syncer
}

// Spread returns the largest difference between the capture times of the
// set's views.
func (fs *FrameSet) Spread() time.Duration {
	var lo, hi time.Duration
	first := true
	for _, v := range fs.Views {
		if v == nil {
			continue
		}
		if first || v.Time < lo {
			lo = v.Time
		}
		if first || v.Time > hi {
			hi = v.Time
		}
		first = false
	}
	return hi - lo
}

// Detections appends every view's people to dst and returns it: the input
// of fusion.Stage.Fuse for this instant.
func (fs *FrameSet) Detections(dst []fusion.Detection) []fusion.Detection {
	for _, v := range fs.Views {
		if v != nil {
			dst = append(dst, v.People...)
		}
	}
	return dst
}

// Release releases the set's views and hands the set back to its Syncer.
func (fs *FrameSet) Release() {
	for i, v := range fs.Views {
		if v != nil {
			v.Release()
			fs.Views[i] = nil
		}
	}
	fs.Count = 0
	if fs.syncer != nil {
		fs.syncer.put(fs)
	}
}
