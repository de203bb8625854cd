package overlay

// SchemaVersion is the version of the feed's message formats, sent in
// Hello.Version and in the header of every binary frame. It changes when a
// field changes meaning or a binary layout changes; adding a JSON field that
// old clients can ignore does not change it.
const SchemaVersion = 1

// Frame is one fused capture instant: every athlete's joints, their
// reprojection into each camera's picture, live metrics and the events
// (foot contacts, splits) detected at this instant.
type Frame struct {
	Number   int64   // frame number from 0
	Capture  float64 // capture time, s since the session start
	Publish  int64   // publish wall-clock time, Unix microseconds, set by Hub.Publish
	Athletes []Athlete
	Events   []Event
}

// Athlete is one athlete in a frame.
type Athlete struct {
	ID              int
	Name, Lane, Bib string  // configured, may be empty
	Joints          []Joint // in the order of Hello.Joints
	Views           []View  // the joints reprojected into each camera's picture
	Metrics         Metrics
}

// Joint is a joint position in metres in the world frame (z up). Conf is the
// confidence in [0, 1]; 0 means the joint was not placed.
type Joint struct{ X, Y, Z, Conf float32 }

// View is an athlete's joints reprojected into one camera's picture.
type View struct {
	Camera int       // index into Hello.Cameras
	Points []float32 // u0,v0,u1,v1,... pixels; -1,-1 where not placed or behind the camera
}

// Metrics are an athlete's live figures. A NaN (or infinite) value is
// unknown: it is left out of both encodings and decodes as NaN. The zero
// value means a known 0, so a producer sets NaN for what it does not know.
type Metrics struct {
	Speed, TopSpeed, Distance float64 // m/s, m/s, m
	StepLength, StepFrequency float64 // m, Hz (last step)
	ContactTime               float64 // s (last contact)
	Split                     *Split  // last split passed, nil before any
}

// Split is a split mark an athlete has passed.
type Split struct{ Mark, Time, Interval float64 } // m from start, s, s

// Event kinds.
const (
	KindTouchdown = "touchdown"
	KindToeOff    = "toe-off"
	KindSplit     = "split"
)

// Event is something that happened to an athlete at a capture instant.
type Event struct {
	Athlete int
	Kind    string  // KindTouchdown, KindToeOff or KindSplit
	Foot    string  // "left", "right" or "" for splits
	Time    float64 // s, capture clock
	Mark    float64 // split mark, m (splits only)
}

// Hello describes the feed. It is the first message on every connection.
type Hello struct {
	Version int      `json:"version"`
	Joints  []string `json:"joints"`
	Limbs   [][2]int `json:"limbs"`
	Cameras []Camera `json:"cameras"`
}

// Camera names a camera of the rig and the size of its picture in pixels.
type Camera struct {
	Name   string `json:"name"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
}
