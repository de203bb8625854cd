package capture

import (
	"fmt"
	"math"
	"net/url"
	"os"
	"strings"
	"time"

	"gocv.io/x/gocv"
)

// Defaults of the SourceConfig fields left at zero.
const (
	// DefaultStallTimeout is how long a live source may go without a
	// good frame before it counts as down, unless ten frame periods are
	// longer.
	DefaultStallTimeout = 2 * time.Second
	// DefaultFileStallTimeout is how long one read of a file or image may
	// take before an offline run gives up: only a hung file system or a
	// hung decoder takes that long.
	DefaultFileStallTimeout = 30 * time.Second
	// DefaultBackoff is the first wait before reconnecting a live source.
	DefaultBackoff = 100 * time.Millisecond
	// DefaultMaxBackoff caps the doubling wait between reconnections.
	DefaultMaxBackoff = 5 * time.Second
)

// stallPeriods is how many frame periods a live source may stay silent
// before it counts as down, when that is longer than the stall timeout's
// default: a 0.2 Hz timelapse camera is not stalled after 2 s.
const stallPeriods = 10

// SourceConfig describes one camera's input. Zero values of the optional
// fields mean their defaults.
type SourceConfig struct {
	// Name names the camera in messages; default the URL (its password
	// hidden).
	Name string
	// URL says what to read:
	//   - a video file: a plain path or "file:PATH" (FFmpeg backend);
	//   - an image sequence: a printf pattern with one integer verb,
	//     "dir/img_%04d.png", or a directory of images (read in natural
	//     order: img_2 before img_10); FPS is required;
	//   - a stream: "rtsp://", "rtsps://", "rtmp://", "http://",
	//     "https://", "srt://", "udp://" (FFmpeg backend), or
	//     "gst:PIPELINE" for a GStreamer pipeline ending in appsink;
	//   - a V4L2 device: "v4l2:/dev/video0" or "/dev/videoN" (any device
	//     path works after "v4l2:", /dev/v4l/by-id/... included).
	URL string
	// FPS is the frame rate of an image sequence, which stamps its
	// frames (Index/FPS). For other sources it stands in when the stream
	// reports no rate; the rate serves to space frames without a usable
	// presentation time, to pace a file played live and to scale the
	// default stall timeout.
	FPS float64
	// Offset is added to every timestamp of this camera: the camera's
	// correction against the rig's common clock.
	Offset time.Duration
	// Live selects the live policy (never block: drop frames the consumer
	// has no room for). Streams and devices are always live; a file or an
	// image sequence played live is also paced at its own rate, for demos.
	Live bool
	// Buffers is the number of frames in the camera's pool; default
	// DefaultBuffers. The consumer may hold up to Buffers frames at once
	// (offline, one fewer keeps the grabber reading ahead).
	Buffers int
	// StallTimeout is how long a live source may go without a good frame
	// before it is marked down and reconnected (default the longer of
	// DefaultStallTimeout and ten frame periods), and how long one read of
	// a file may take before an offline run fails with ErrStalled
	// (default DefaultFileStallTimeout).
	StallTimeout time.Duration
	// Backoff is the first wait before reconnecting a live source; it
	// doubles after each failed attempt up to MaxBackoff and starts again
	// after a good frame. Defaults DefaultBackoff, DefaultMaxBackoff.
	Backoff, MaxBackoff time.Duration
	// Epoch is the session start that live timestamps count from, the
	// same instant for every camera of the session; default the time Run
	// starts. It should come from time.Now, which carries the monotonic
	// clock that timestamps are taken on.
	Epoch time.Time
}

// kind is what a URL names.
type kind int8

const (
	kindVideo kind = iota
	kindSequence
	kindStream
	kindDevice
)

func (k kind) String() string {
	switch k {
	case kindVideo:
		return "video"
	case kindSequence:
		return "image sequence"
	case kindStream:
		return "stream"
	default:
		return "device"
	}
}

// source is a parsed URL: what to open, how, and how to name it.
type source struct {
	kind   kind
	target string               // path, pattern, directory, URL or pipeline
	api    gocv.VideoCaptureAPI // for videos, streams and devices
	label  string               // the URL with any password hidden
}

// streamSchemes are the URL schemes opened as network streams, by FFmpeg.
var streamSchemes = map[string]bool{
	"rtsp": true, "rtsps": true, "rtmp": true, "http": true, "https": true, "srt": true, "udp": true,
}

// parseSource classifies rawURL. A plain path is looked at on disk only to
// tell a directory (an image sequence) from a video file; it need not
// exist yet.
func parseSource(rawURL string) (source, error) {
	switch {
	case rawURL == "":
		return source{}, fmt.Errorf("%w: empty url", ErrConfig)
	case strings.HasPrefix(rawURL, "gst:"):
		p := strings.TrimSpace(strings.TrimPrefix(rawURL, "gst:"))
		if p == "" {
			return source{}, fmt.Errorf("%w: %q: empty gstreamer pipeline", ErrConfig, rawURL)
		}
		return source{kind: kindStream, target: p, api: gocv.VideoCaptureGstreamer, label: rawURL}, nil
	case strings.HasPrefix(rawURL, "v4l2:"):
		dev := strings.TrimPrefix(rawURL, "v4l2:")
		if dev == "" {
			return source{}, fmt.Errorf("%w: %q: no device path", ErrConfig, rawURL)
		}
		return source{kind: kindDevice, target: dev, api: gocv.VideoCaptureV4L2, label: rawURL}, nil
	case strings.HasPrefix(rawURL, "/dev/video"):
		return source{kind: kindDevice, target: rawURL, api: gocv.VideoCaptureV4L2, label: rawURL}, nil
	case strings.HasPrefix(rawURL, "file:"):
		p := strings.TrimPrefix(strings.TrimPrefix(rawURL, "file:"), "//")
		if p == "" {
			return source{}, fmt.Errorf("%w: %q: no path", ErrConfig, rawURL)
		}
		return parsePath(p)
	}
	if scheme, _, ok := strings.Cut(rawURL, "://"); ok {
		if !streamSchemes[strings.ToLower(scheme)] {
			return source{}, fmt.Errorf("%w: %q: unknown scheme %q", ErrConfig, redact(rawURL), scheme)
		}
		return source{kind: kindStream, target: rawURL, api: gocv.VideoCaptureFFmpeg, label: redact(rawURL)}, nil
	}
	return parsePath(rawURL)
}

// parsePath classifies a file system path: a printf pattern or a
// directory is an image sequence, anything else a video file.
func parsePath(p string) (source, error) {
	if strings.Contains(p, "%") {
		if err := checkPattern(p); err != nil {
			return source{}, fmt.Errorf("%w: %q: %w", ErrConfig, p, err)
		}
		return source{kind: kindSequence, target: p, label: p}, nil
	}
	if fi, err := os.Stat(p); err == nil && fi.IsDir() {
		return source{kind: kindSequence, target: p, label: p}, nil
	}
	return source{kind: kindVideo, target: p, api: gocv.VideoCaptureFFmpeg, label: p}, nil
}

// checkPattern accepts a file name pattern with exactly one integer verb
// (%d, %4d, %04d) and any number of %% escapes, in its last path element.
func checkPattern(p string) error {
	verbs := 0
	for i := 0; i < len(p); i++ {
		if p[i] != '%' {
			continue
		}
		j := i + 1
		if j < len(p) && p[j] == '%' {
			i = j
			continue
		}
		for j < len(p) && p[j] >= '0' && p[j] <= '9' {
			j++
		}
		if j == len(p) || p[j] != 'd' {
			return fmt.Errorf("pattern verb at byte %d is not an integer verb like %%04d", i)
		}
		if strings.ContainsRune(p[j:], '/') {
			return fmt.Errorf("pattern verb must be in the file name, not a directory")
		}
		verbs++
		i = j
	}
	if verbs != 1 {
		return fmt.Errorf("pattern has %d integer verbs, want 1", verbs)
	}
	return nil
}

// redact hides the password of a URL's user information: stream URLs
// often carry credentials, and errors end up in logs.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	return u.Redacted()
}

// withDefaults validates cfg for a source of kind k and fills in the
// defaults that do not depend on the stream.
func withDefaults(cfg SourceConfig, k kind) (SourceConfig, error) {
	bad := func(format string, args ...any) (SourceConfig, error) {
		return cfg, fmt.Errorf("%w: %s", ErrConfig, fmt.Sprintf(format, args...))
	}
	switch {
	case math.IsNaN(cfg.FPS) || math.IsInf(cfg.FPS, 0) || cfg.FPS < 0:
		return bad("fps %v must be a positive number or 0", cfg.FPS)
	case k == kindSequence && cfg.FPS == 0:
		return bad("image sequence %s needs FPS to stamp its frames", cfg.URL)
	case cfg.Buffers < 0:
		return bad("buffers %d cannot be negative", cfg.Buffers)
	case cfg.StallTimeout < 0:
		return bad("stall timeout %v cannot be negative", cfg.StallTimeout)
	case cfg.Backoff < 0 || cfg.MaxBackoff < 0:
		return bad("backoff %v and max backoff %v cannot be negative", cfg.Backoff, cfg.MaxBackoff)
	}
	if cfg.Buffers == 0 {
		cfg.Buffers = DefaultBuffers
	}
	if cfg.Backoff == 0 {
		cfg.Backoff = DefaultBackoff
	}
	if cfg.MaxBackoff == 0 {
		cfg.MaxBackoff = max(DefaultMaxBackoff, cfg.Backoff)
	}
	if cfg.MaxBackoff < cfg.Backoff {
		return bad("max backoff %v is below backoff %v", cfg.MaxBackoff, cfg.Backoff)
	}
	if k == kindStream || k == kindDevice {
		cfg.Live = true
	}
	return cfg, nil
}
