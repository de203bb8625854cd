package pipeline

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const goodConfig = `
calibration = "Calib.toml"
rate = 60

[[camera]]
name = "cam01"
source = "videos/cam01.mp4"

[[camera]]
name = "cam02"
source = "rtsp://10.0.0.2/stream"
offset_ms = -3.5

[pose]
workers = 2

[[sink]]
type = "jsonl"
path = "out/run.jsonl"

[http]
listen = "127.0.0.1:9464"
`

func writeConfig(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "run.toml")
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadConfig(t *testing.T) {
	p := writeConfig(t, goodConfig)
	c, err := LoadConfig(p)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(p)
	if len(c.Cameras) != 2 || c.Cameras[1].OffsetMS != -3.5 || c.Pose.Workers != 2 || c.Keypoints != "coco17" {
		t.Errorf("got %+v", c)
	}
	for _, tt := range []struct{ in, want string }{
		{"videos/cam01.mp4", filepath.Join(dir, "videos/cam01.mp4")},
		{"rtsp://10.0.0.2/stream", "rtsp://10.0.0.2/stream"},
		{"/dev/video0", "/dev/video0"},
		{"/data/a.mp4", "/data/a.mp4"},
	} {
		if got := c.Path(tt.in); got != tt.want {
			t.Errorf("Path(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestConfigErrors: each mistake is refused with the key that holds it.
func TestConfigErrors(t *testing.T) {
	top := func(line string) string { return strings.Replace(goodConfig, "rate = 60", "rate = 60\n"+line, 1) }
	swap := func(old, new string) string { return strings.Replace(goodConfig, old, new, 1) }
	table := func(block string) string { return goodConfig + "\n" + block + "\n" }
	for _, tt := range []struct {
		name, text, want string
	}{
		{"unknown key", top(`sorce = "x"`), "unknown key sorce"},
		{"misspelt camera key", table("[[camera]]\nname = \"cam03\"\nsorce = \"x\""), "unknown key camera.sorce"},
		{"syntax", swap("rate = 60", "rate = = 3"), "run.toml:"},
		{"bad rate", swap("rate = 60", "rate = -1"), "rate: -1"},
		{"camera without source", table("[[camera]]\nname = \"cam03\""), "camera[2].source: missing"},
		{"camera twice", table("[[camera]]\nname = \"cam01\"\nsource = \"b.mp4\""), `camera[2].name: "cam01" is also camera[0]'s`},
		{"bad sink", table("[[sink]]\ntype = \"csv\"\npath = \"x\""), `sink[1].type: "csv"`},
		{"bad listen", swap(`listen = "127.0.0.1:9464"`, `listen = "nowhere"`), "http.listen"},
		{"both rigs", table("[synthetic]\nurl = \"synthetic://sprint\""), "either [synthetic] or [[camera]]"},
		{"bad score", table("[fusion]\nmin_score = 2"), "fusion.min_score"},
		{"other keypoints", top(`keypoints = "body25b"`), "keypoints"},
		{"bad pose model", swap("workers = 2", "workers = 2\nmodel = \"giant\""), "pose.model"},
		{"bad limbs", table("[fusion]\nlimbs = \"stiff\""), "fusion.limbs"},
		{"bad overlay listen", table("[overlay]\nlisten = \"8090\""), "overlay.listen"},
		{"lane twice", table("[overlay]\nlane_width = 1.22\n[[athlete]]\nlane = 3\n[[athlete]]\nlane = 3"), "athlete[1].lane: 3 is also athlete[0]'s"},
		{"start list without lanes", table("[[athlete]]\nlane = 3\nname = \"A\""), "overlay.lane_width"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadConfig(writeConfig(t, tt.text))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error saying %q", err, tt.want)
			}
			if !errors.Is(err, ErrConfig) {
				t.Errorf("got %v, want it to wrap ErrConfig", err)
			}
		})
	}
}
