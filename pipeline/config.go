package pipeline

import (
	"errors"
	"fmt"
	"math"
	"net"
	"os"
	"path/filepath"
	"strings"

	"github.com/BurntSushi/toml"
)

// Config is a run's configuration file (`athlete3d run --config FILE`):
// where the frames come from, the calibration, the pose step, fusion and
// the sinks. docs/run.md documents every key. Relative paths are relative
// to the file's folder.
//
//	calibration = "Calib.toml"
//	rate = 60
//	[[camera]]
//	name = "cam01"
//	source = "videos/cam01.mp4"
//	[[sink]]
//	type = "jsonl"
//	path = "out/run.jsonl"
type Config struct {
	// Calibration is the rig's calibration file, any supported format.
	// Not used with Synthetic, whose rig brings its own.
	Calibration string `toml:"calibration"`
	// Keypoints names the keypoint set: "coco17" (the pose step's).
	Keypoints string `toml:"keypoints"`
	// Rate is the cameras' nominal frame rate, Hz.
	Rate float64 `toml:"rate"`
	// Live selects the live policies (latest frame, late views dropped,
	// slow sinks lose frames); false processes every frame (offline).
	Live bool `toml:"live"`

	Cameras   []CameraConfig   `toml:"camera"`
	Synthetic *SyntheticConfig `toml:"synthetic"`
	Pose      PoseConfig       `toml:"pose"`
	Fusion    FusionConfig     `toml:"fusion"`
	Sinks     []SinkConfig     `toml:"sink"`
	Overlay   OverlayConfig    `toml:"overlay"`
	Athletes  []LaneEntry      `toml:"athlete"`
	HTTP      HTTPConfig       `toml:"http"`

	// Dir is the folder of the file, for its relative paths.
	Dir string `toml:"-"`
}

// CameraConfig is one camera's input.
type CameraConfig struct {
	// Name is the camera's name in the calibration.
	Name string `toml:"name"`
	// Source is a video file, an image sequence ("frames/%04d.jpg" or a
	// folder), a stream URL (rtsp://, http://, srt://) or a V4L2 device
	// (/dev/video0).
	Source string `toml:"source"`
	// FPS is the frame rate of an image sequence, or of a stream that
	// reports none.
	FPS float64 `toml:"fps"`
	// OffsetMS is added to the camera's capture times, ms: the correction
	// that brings unsynchronized cameras onto one clock.
	OffsetMS float64 `toml:"offset_ms"`
}

// SyntheticConfig replaces the cameras by the virtual rig.
type SyntheticConfig struct {
	// URL is "synthetic://sprint?cams=4&fps=50&..." (package
	// pipeline/synthetic documents the keys).
	URL string `toml:"url"`
}

// PoseConfig configures the pose step.
type PoseConfig struct {
	// Workers is the number of pose workers; 0 means one per core.
	Workers int `toml:"workers"`
	// Threads is the number of threads of each worker's inference; 0
	// means 1.
	Threads int `toml:"threads"`
	// Batch is the most cameras a worker runs in one inference; 0 means 1.
	Batch int `toml:"batch"`
	// Model is the keypoint network: "lightning" (MoveNet Lightning, the
	// default, 192-pixel crops), "thunder" (MoveNet Thunder, 256-pixel
	// crops: more accurate, about three times the cost), or the path of
	// a MoveNet ONNX file.
	Model string `toml:"model"`
}

// FusionConfig configures sync and fusion.
type FusionConfig struct {
	// MinScore is the lowest keypoint score a view needs; 0 means 0.3.
	MinScore float64 `toml:"min_score"`
	// MaxError drops views while a joint's mean reprojection error exceeds
	// it, px; 0 means 15.
	MaxError float64 `toml:"max_error"`
	// Limbs holds each track's limbs to the lengths learnt from its
	// recent frames: "" or "off" leaves the joints as triangulated;
	// "correct" moves the joints that break a limb by more than 15 %;
	// "fit" also brings every limb to its learnt length, moving the joint
	// the cameras agree on less the more.
	Limbs string `toml:"limbs"`
	// Smooth runs each track through a One Euro filter.
	Smooth bool `toml:"smooth"`
	// Refine polishes each joint by Gauss–Newton on the reprojection
	// error after the linear triangulation.
	Refine bool `toml:"refine"`
	// IgnoreDistortion triangulates without undistorting the keypoints,
	// as Pose2Sim does: for calibrations whose distortion figures are not
	// OpenCV coefficients (the Pose2Sim demo's Qualisys file).
	IgnoreDistortion bool `toml:"ignore_distortion"`
	// ToleranceMS is how far apart, ms, the capture times of one frame set
	// may be; 0 means half a frame period.
	ToleranceMS float64 `toml:"sync_tolerance_ms"`
	// LatencyMS is, live, how long a frame set waits for a late camera,
	// ms; 0 means twice the tolerance.
	LatencyMS float64 `toml:"sync_latency_ms"`
}

// SinkConfig is one output.
type SinkConfig struct {
	// Type is "jsonl".
	Type string `toml:"type"`
	// Path is the file written.
	Path string `toml:"path"`
}

// OverlayConfig configures the overlay feed for broadcast graphics: the
// WebSocket and WebRTC endpoints, the overlay page and the operator
// dashboard (package overlay; docs/overlay-feed.md).
type OverlayConfig struct {
	// Listen is the address of the feed and its pages, for example
	// "0.0.0.0:8090"; empty means no overlay.
	Listen string `toml:"listen"`
	// Tokens are the accepted access tokens; empty means no
	// authentication.
	Tokens []string `toml:"tokens"`
	// Origins are the web origins ("https://graphics.example:443") whose
	// pages may open the feed, besides pages served by the feed itself.
	Origins []string `toml:"origins"`
	// WebRTC offers the feed on WebRTC data channels too.
	WebRTC bool `toml:"webrtc"`
	// Queue is the frames a client may fall behind before it loses its
	// oldest; 0 means 8.
	Queue int `toml:"queue"`
	// Lane1Y and LaneWidth place the lanes: lane n's centre is at world
	// y = lane1_y + (n−1)·lane_width, m (lane_width negative when the
	// numbers grow towards −y); lane_width 0 means no lanes.
	Lane1Y    float64 `toml:"lane1_y"`
	LaneWidth float64 `toml:"lane_width"`
}

// HTTPConfig configures the monitoring endpoint.
type HTTPConfig struct {
	// Listen is the address of /metrics (Prometheus) and /healthz, for
	// example "127.0.0.1:9464"; empty means none.
	Listen string `toml:"listen"`
}

// ErrConfig means a configuration file is wrong; the message names the
// file and the key.
var ErrConfig = errors.New("configuration")

// LoadConfig reads and checks a configuration file. Every error names the
// file and the offending key.
func LoadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var c Config
	md, err := toml.Decode(string(data), &c)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("%s:%d: %w: %s", path, pe.Position.Line, ErrConfig, pe.Message)
		}
		return nil, fmt.Errorf("%s: %w: %v", path, ErrConfig, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		keys := make([]string, len(und))
		for i, k := range und {
			keys[i] = k.String()
		}
		return nil, fmt.Errorf("%s: %w: unknown key %s", path, ErrConfig, strings.Join(keys, ", "))
	}
	c.Dir = filepath.Dir(path)
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &c, nil
}

// Validate checks the configuration's values, naming the key of the first
// wrong one.
func (c *Config) Validate() error {
	bad := func(key, format string, a ...any) error {
		return fmt.Errorf("%w: %s: %s", ErrConfig, key, fmt.Sprintf(format, a...))
	}
	if c.Keypoints == "" {
		c.Keypoints = "coco17"
	}
	if c.Keypoints != "coco17" {
		return bad("keypoints", "%q: the pose step gives coco17", c.Keypoints)
	}
	switch {
	case c.Synthetic != nil && len(c.Cameras) > 0:
		return bad("synthetic", "give either [synthetic] or [[camera]] tables, not both")
	case c.Synthetic != nil:
		if !strings.HasPrefix(c.Synthetic.URL, "synthetic://") {
			return bad("synthetic.url", "%q does not start with synthetic://", c.Synthetic.URL)
		}
	case len(c.Cameras) < 2:
		return bad("camera", "%d cameras: give at least two [[camera]] tables, or [synthetic]", len(c.Cameras))
	case c.Calibration == "":
		return bad("calibration", "missing: the rig's calibration file")
	}
	if c.Synthetic == nil && !(c.Rate > 0 && c.Rate <= 1000) {
		return bad("rate", "%v: want the cameras' frame rate in Hz", c.Rate)
	}
	names := map[string]int{}
	for i, cam := range c.Cameras {
		key := fmt.Sprintf("camera[%d]", i)
		switch {
		case cam.Name == "":
			return bad(key+".name", "missing")
		case cam.Source == "":
			return bad(key+".source", "missing")
		case cam.FPS < 0 || math.IsNaN(cam.FPS) || cam.FPS > 1000:
			return bad(key+".fps", "%v: want a frame rate in Hz", cam.FPS)
		case math.IsNaN(cam.OffsetMS) || math.Abs(cam.OffsetMS) > 60000:
			return bad(key+".offset_ms", "%v: want a time offset in ms within a minute", cam.OffsetMS)
		}
		if j, ok := names[cam.Name]; ok {
			return bad(key+".name", "%q is also camera[%d]'s", cam.Name, j)
		}
		names[cam.Name] = i
	}
	switch {
	case c.Pose.Workers < 0 || c.Pose.Workers > 256:
		return bad("pose.workers", "%d", c.Pose.Workers)
	case c.Pose.Threads < 0 || c.Pose.Threads > 256:
		return bad("pose.threads", "%d", c.Pose.Threads)
	case c.Pose.Batch < 0 || c.Pose.Batch > 64:
		return bad("pose.batch", "%d", c.Pose.Batch)
	case c.Pose.Model != "" && c.Pose.Model != "lightning" && c.Pose.Model != "thunder" && !strings.HasSuffix(c.Pose.Model, ".onnx"):
		return bad("pose.model", "%q: want lightning, thunder or an .onnx file", c.Pose.Model)
	case c.Fusion.MinScore < 0 || c.Fusion.MinScore >= 1:
		return bad("fusion.min_score", "%v: want a score in [0, 1)", c.Fusion.MinScore)
	case c.Fusion.Limbs != "" && c.Fusion.Limbs != "off" && c.Fusion.Limbs != "correct" && c.Fusion.Limbs != "fit":
		return bad("fusion.limbs", "%q: want off, correct or fit", c.Fusion.Limbs)
	case c.Fusion.MaxError < 0:
		return bad("fusion.max_error", "%v: want pixels", c.Fusion.MaxError)
	case c.Fusion.ToleranceMS < 0:
		return bad("fusion.sync_tolerance_ms", "%v: want milliseconds", c.Fusion.ToleranceMS)
	case c.Fusion.LatencyMS < 0:
		return bad("fusion.sync_latency_ms", "%v: want milliseconds", c.Fusion.LatencyMS)
	}
	if math.IsNaN(c.Overlay.Lane1Y) || math.IsInf(c.Overlay.Lane1Y, 0) || math.IsNaN(c.Overlay.LaneWidth) || math.IsInf(c.Overlay.LaneWidth, 0) {
		return bad("overlay.lane1_y", "%v and lane_width %v: want metres", c.Overlay.Lane1Y, c.Overlay.LaneWidth)
	}
	if c.Overlay.Queue < 0 || c.Overlay.Queue > 10000 {
		return bad("overlay.queue", "%d", c.Overlay.Queue)
	}
	lanes := map[int]int{}
	for i, a := range c.Athletes {
		key := fmt.Sprintf("athlete[%d].lane", i)
		if a.Lane < 1 || a.Lane > 99 {
			return bad(key, "%d: want a lane number", a.Lane)
		}
		if j, ok := lanes[a.Lane]; ok {
			return bad(key, "%d is also athlete[%d]'s", a.Lane, j)
		}
		lanes[a.Lane] = i
	}
	if len(c.Athletes) > 0 && c.Overlay.LaneWidth == 0 {
		return bad("overlay.lane_width", "the start list ([[athlete]]) needs the lanes placed")
	}
	if len(c.Sinks) == 0 && c.Overlay.Listen == "" {
		return bad("sink", "none: add a [[sink]] table (type = \"jsonl\", path = ...) or an [overlay] listen address")
	}
	for i, s := range c.Sinks {
		key := fmt.Sprintf("sink[%d]", i)
		if s.Type != "jsonl" {
			return bad(key+".type", "%q: want jsonl", s.Type)
		}
		if s.Path == "" {
			return bad(key+".path", "missing")
		}
	}
	for _, l := range [][2]string{{"http.listen", c.HTTP.Listen}, {"overlay.listen", c.Overlay.Listen}} {
		key, addr := l[0], l[1]
		if addr == "" {
			continue
		}
		if _, _, err := net.SplitHostPort(addr); err != nil {
			return bad(key, "%q: %v", addr, err)
		}
	}
	return nil
}

// Path resolves a path of the file against its folder.
func (c *Config) Path(p string) string {
	if p == "" || filepath.IsAbs(p) || strings.Contains(p, "://") || strings.HasPrefix(p, "/dev/") {
		return p
	}
	return filepath.Join(c.Dir, p)
}
