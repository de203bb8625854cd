package capture

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"gocv.io/x/gocv"
)

func TestParseSource(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		url    string
		kind   kind
		target string
		api    gocv.VideoCaptureAPI
		label  string
	}{
		{"run.mp4", kindVideo, "run.mp4", gocv.VideoCaptureFFmpeg, "run.mp4"},
		{"file:run.mp4", kindVideo, "run.mp4", gocv.VideoCaptureFFmpeg, "run.mp4"},
		{"file:///data/run.mp4", kindVideo, "/data/run.mp4", gocv.VideoCaptureFFmpeg, "/data/run.mp4"},
		{dir, kindSequence, dir, 0, dir},
		{"file:" + dir, kindSequence, dir, 0, dir},
		{"frames/img_%04d.jpg", kindSequence, "frames/img_%04d.jpg", 0, "frames/img_%04d.jpg"},
		{"frames/100%%_%d.png", kindSequence, "frames/100%%_%d.png", 0, "frames/100%%_%d.png"},
		{"rtsp://cam1.local:554/stream1", kindStream, "rtsp://cam1.local:554/stream1", gocv.VideoCaptureFFmpeg, "rtsp://cam1.local:554/stream1"},
		{"rtsp://admin:hunter2@10.0.0.7/live", kindStream, "rtsp://admin:hunter2@10.0.0.7/live", gocv.VideoCaptureFFmpeg, "rtsp://admin:xxxxx@10.0.0.7/live"},
		{"HTTPS://cam/mjpg", kindStream, "HTTPS://cam/mjpg", gocv.VideoCaptureFFmpeg, "HTTPS://cam/mjpg"},
		{"srt://10.0.0.8:9000?mode=caller", kindStream, "srt://10.0.0.8:9000?mode=caller", gocv.VideoCaptureFFmpeg, "srt://10.0.0.8:9000?mode=caller"},
		{"gst:videotestsrc ! videoconvert ! appsink", kindStream, "videotestsrc ! videoconvert ! appsink", gocv.VideoCaptureGstreamer, "gst:videotestsrc ! videoconvert ! appsink"},
		{"v4l2:/dev/video0", kindDevice, "/dev/video0", gocv.VideoCaptureV4L2, "v4l2:/dev/video0"},
		{"v4l2:/dev/v4l/by-id/usb-cam-video-index0", kindDevice, "/dev/v4l/by-id/usb-cam-video-index0", gocv.VideoCaptureV4L2, "v4l2:/dev/v4l/by-id/usb-cam-video-index0"},
		{"/dev/video2", kindDevice, "/dev/video2", gocv.VideoCaptureV4L2, "/dev/video2"},
	} {
		t.Run(tt.url, func(t *testing.T) {
			got, err := parseSource(tt.url)
			if err != nil {
				t.Fatal(err)
			}
			want := source{tt.kind, tt.target, tt.api, tt.label}
			if got != want {
				t.Errorf("got %+v, want %+v", got, want)
			}
		})
	}
}

func TestNewGrabberErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		name   string
		camera int
		cfg    SourceConfig
		want   string
	}{
		{"negative camera", -1, SourceConfig{URL: "a.mp4"}, "camera index -1"},
		{"empty url", 0, SourceConfig{}, "empty url"},
		{"unknown scheme", 0, SourceConfig{URL: "ftp://u:pw@host/a.mp4"}, `unknown scheme "ftp"`},
		{"empty file url", 0, SourceConfig{URL: "file:"}, "no path"},
		{"empty device", 0, SourceConfig{URL: "v4l2:"}, "no device path"},
		{"empty pipeline", 0, SourceConfig{URL: "gst: "}, "empty gstreamer pipeline"},
		{"string verb", 0, SourceConfig{URL: "img_%s.png", FPS: 5}, "not an integer verb"},
		{"two verbs", 0, SourceConfig{URL: "c%d_%04d.png", FPS: 5}, "2 integer verbs"},
		{"verb in a directory", 0, SourceConfig{URL: "take%d/img.png", FPS: 5}, "in the file name"},
		{"pattern without fps", 0, SourceConfig{URL: "img_%04d.png"}, "needs FPS"},
		{"directory without fps", 0, SourceConfig{URL: dir}, "needs FPS"},
		{"negative fps", 0, SourceConfig{URL: "a.mp4", FPS: -25}, "fps -25"},
		{"NaN fps", 0, SourceConfig{URL: "a.mp4", FPS: math.NaN()}, "fps NaN"},
		{"infinite fps", 0, SourceConfig{URL: "a.mp4", FPS: math.Inf(1)}, "fps +Inf"},
		{"negative buffers", 0, SourceConfig{URL: "a.mp4", Buffers: -1}, "buffers -1"},
		{"negative stall", 0, SourceConfig{URL: "a.mp4", StallTimeout: -time.Second}, "stall timeout -1s"},
		{"negative backoff", 0, SourceConfig{URL: "a.mp4", Backoff: -time.Second}, "cannot be negative"},
		{"max below backoff", 0, SourceConfig{URL: "rtsp://x/y", Backoff: time.Second, MaxBackoff: time.Millisecond}, "below backoff"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewGrabber(tt.camera, tt.cfg)
			if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want ErrConfig saying %q", err, tt.want)
			}
			if err != nil && strings.Contains(err.Error(), ":pw@") {
				t.Errorf("error %q shows a password", err)
			}
		})
	}
}

func TestNewGrabberDefaults(t *testing.T) {
	for _, tt := range []struct {
		name string
		cfg  SourceConfig
		live bool
		max  time.Duration
	}{
		{"file", SourceConfig{URL: "a.mp4"}, false, DefaultMaxBackoff},
		{"file played live", SourceConfig{URL: "a.mp4", Live: true}, true, DefaultMaxBackoff},
		{"stream", SourceConfig{URL: "rtsp://x/y"}, true, DefaultMaxBackoff},
		{"device", SourceConfig{URL: "/dev/video0"}, true, DefaultMaxBackoff},
		{"long backoff", SourceConfig{URL: "rtsp://x/y", Backoff: 10 * time.Second}, true, 10 * time.Second},
	} {
		t.Run(tt.name, func(t *testing.T) {
			g, err := NewGrabber(4, tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			c := g.cfg
			if g.Camera() != 4 || g.Live() != tt.live || c.Buffers != DefaultBuffers || c.MaxBackoff != tt.max || c.Backoff == 0 {
				t.Errorf("got camera %d live %v buffers %d backoff %v max %v, want 4 %v %d, max %v",
					g.Camera(), g.Live(), c.Buffers, c.Backoff, c.MaxBackoff, tt.live, DefaultBuffers, tt.max)
			}
		})
	}
}

func TestPatterns(t *testing.T) {
	for _, tt := range []struct {
		pattern, name string
		n             int64
		ok            bool
	}{
		{"img_%04d.png", "img_0007.png", 7, true},
		{"img_%04d.png", "img_12345.png", 12345, true},
		{"img_%04d.png", "img_12.png", 0, false},
		{"img_%04d.png", "img_0007.jpg", 0, false},
		{"img_%04d.png", "img_.png", 0, false},
		{"img_%04d.png", "img_+007.png", 0, false},
		{"img_%04d.png", "img_-007.png", 0, false},
		{"%d.jpg", "0.jpg", 0, true},
		{"%d.jpg", "010.jpg", 0, false},
		{"%%%d.bmp", "%3.bmp", 3, true},
		{"f%3d.png", "f  3.png", 0, false}, // space padding: not digits
	} {
		t.Run(tt.pattern+" "+tt.name, func(t *testing.T) {
			n, ok := matchPattern(tt.pattern, tt.name)
			if n != tt.n || ok != tt.ok {
				t.Errorf("got %d %v, want %d %v", n, ok, tt.n, tt.ok)
			}
		})
	}
}

func TestNaturalCompare(t *testing.T) {
	got := []string{"img10.png", "img2.png", "img1.png", "img02.png", "a.png", "img1b.png", "img100.png", "img.png"}
	slices.SortFunc(got, naturalCompare)
	want := []string{"a.png", "img.png", "img1.png", "img1b.png", "img02.png", "img2.png", "img10.png", "img100.png"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("got %v, want %v", got, want)
	}
}

// TestSequenceOrder: the directory reader lists images in natural order
// and leaves out other files.
func TestSequenceOrder(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"c10.png", "c9.JPG", "c1.png", "notes.txt", ".hidden.png"} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "sub.png"), 0o755); err != nil {
		t.Fatal(err)
	}
	s, err := openSequence(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range s.paths {
		names = append(names, filepath.Base(p))
	}
	if got, want := strings.Join(names, " "), "c1.png c9.JPG c10.png"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}
