package synthetic_test

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/athlete3d/athlete3d/bench"
	"github.com/athlete3d/athlete3d/pipeline/synthetic"
	"github.com/athlete3d/athlete3d/skeleton"
)

// defaults is what Parse gives for a bare URL.
func defaults() synthetic.Config {
	return synthetic.Config{Scene: bench.SceneConfig{
		Run: bench.Procedural, Set: &skeleton.COCO17, Cameras: 8, Rate: 50, Athletes: 3,
		NoisePx: 2, MissRate: 0.05, SwapRate: 0.02, OutlierRate: 0.01, Seed: 1,
	}}
}

func TestParse(t *testing.T) {
	for _, tt := range []struct {
		url  string
		edit func(c *synthetic.Config)
	}{
		{"synthetic://sprint", func(*synthetic.Config) {}},
		{"synthetic://sprint/", func(*synthetic.Config) {}},
		{"synthetic://sprint?cams=4", func(c *synthetic.Config) { c.Scene.Cameras = 4 }},
		{"synthetic://sprint?fps=60", func(c *synthetic.Config) { c.Scene.Rate = 60 }},
		{"synthetic://sprint?athletes=1", func(c *synthetic.Config) { c.Scene.Athletes = 1 }},
		{"synthetic://sprint?set=body25b", func(c *synthetic.Config) { c.Scene.Set = &skeleton.BODY25B }},
		{"synthetic://sprint?noise=1.5", func(c *synthetic.Config) { c.Scene.NoisePx = 1.5 }},
		{"synthetic://sprint?noise=0", func(c *synthetic.Config) { c.Scene.NoisePx = -1 }},
		{"synthetic://sprint?miss=0.1", func(c *synthetic.Config) { c.Scene.MissRate = 0.1 }},
		{"synthetic://sprint?miss=0", func(c *synthetic.Config) { c.Scene.MissRate = -1 }},
		{"synthetic://sprint?swap=0", func(c *synthetic.Config) { c.Scene.SwapRate = -1 }},
		{"synthetic://sprint?outlier=0.5", func(c *synthetic.Config) { c.Scene.OutlierRate = 0.5 }},
		{"synthetic://sprint?seed=42", func(c *synthetic.Config) { c.Scene.Seed = 42 }},
		{"synthetic://sprint?run=run0900cms", func(c *synthetic.Config) { c.Scene.Run = "run0900cms" }},
		{"synthetic://sprint?dir=/data/mocap", func(c *synthetic.Config) { c.Scene.Dir = "/data/mocap" }},
		{"synthetic://sprint?dur=3.5", func(c *synthetic.Config) { c.Scene.Runner.Duration = 3.5 }},
		{"synthetic://sprint?speed=6", func(c *synthetic.Config) { c.Scene.Runner.Speed = 6 }},
		{"synthetic://sprint?top=11", func(c *synthetic.Config) { c.Scene.Runner.TopSpeed = 11 }},
		{"synthetic://sprint?height=1.65", func(c *synthetic.Config) { c.Scene.Runner.Height = 1.65 }},
		{"synthetic://sprint?live=1", func(c *synthetic.Config) { c.Live = true }},
		{"synthetic://sprint?live=true&loop=1", func(c *synthetic.Config) { c.Live, c.Loop = true, true }},
		{"synthetic://sprint?loop=0", func(*synthetic.Config) {}},
		{"synthetic://sprint?cams=4&fps=50&athletes=3&noise=2&miss=0.05&seed=1&run=procedural&live=1&loop=0",
			func(c *synthetic.Config) { c.Scene.Cameras, c.Live = 4, true }},
	} {
		t.Run(tt.url, func(t *testing.T) {
			got, err := synthetic.Parse(tt.url)
			if err != nil {
				t.Fatal(err)
			}
			want := defaults()
			tt.edit(&want)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got %+v, want %+v", got, want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	for _, tt := range []struct {
		url     string
		mention []string // what the message must name
	}{
		{"rtsp://sprint", []string{"rtsp"}},
		{"synthetic://relay", []string{"relay"}},
		{"synthetic://sprint/more", []string{"synthetic://sprint/more"}},
		{"synthetic://sprint?frames=3", []string{`"frames"`}},
		{"synthetic://sprint?cams=4&cams=5", []string{`"cams"`}},
		{"synthetic://sprint?cams=1", []string{`"cams"`, `"1"`}},
		{"synthetic://sprint?cams=four", []string{`"cams"`, `"four"`}},
		{"synthetic://sprint?fps=0", []string{`"fps"`, `"0"`}},
		{"synthetic://sprint?fps=NaN", []string{`"fps"`, `"NaN"`}},
		{"synthetic://sprint?athletes=11", []string{`"athletes"`, `"11"`}},
		{"synthetic://sprint?set=body18", []string{`"set"`, `"body18"`}},
		{"synthetic://sprint?noise=-2", []string{`"noise"`, `"-2"`}},
		{"synthetic://sprint?miss=1.5", []string{`"miss"`, `"1.5"`}},
		{"synthetic://sprint?swap=x", []string{`"swap"`, `"x"`}},
		{"synthetic://sprint?outlier=Inf", []string{`"outlier"`, `"Inf"`}},
		{"synthetic://sprint?seed=-1", []string{`"seed"`, `"-1"`}},
		{"synthetic://sprint?run=", []string{`"run"`}},
		{"synthetic://sprint?dir=", []string{`"dir"`}},
		{"synthetic://sprint?dur=0", []string{`"dur"`, `"0"`}},
		{"synthetic://sprint?speed=fast", []string{`"speed"`, `"fast"`}},
		{"synthetic://sprint?top=-3", []string{`"top"`, `"-3"`}},
		{"synthetic://sprint?height=tall", []string{`"height"`, `"tall"`}},
		{"synthetic://sprint?live=yes", []string{`"live"`, `"yes"`}},
		{"synthetic://sprint?loop=", []string{`"loop"`}},
		{"synthetic://sprint?cams=%zz", []string{"%zz"}},
	} {
		t.Run(tt.url, func(t *testing.T) {
			_, err := synthetic.Parse(tt.url)
			if !errors.Is(err, synthetic.ErrURL) {
				t.Fatalf("got %v, want ErrURL", err)
			}
			for _, m := range tt.mention {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q does not name %s", err, m)
				}
			}
		})
	}
}

func ExampleParse() {
	cfg, err := synthetic.Parse("synthetic://sprint?cams=4&fps=50&athletes=2&noise=0&live=1")
	if err != nil {
		fmt.Println(err)
		return
	}
	s := cfg.Scene
	fmt.Printf("run %s, %d cameras at %v Hz, %d athletes, noise %v px, miss %v, live %v, loop %v\n",
		s.Run, s.Cameras, s.Rate, s.Athletes, s.NoisePx, s.MissRate, cfg.Live, cfg.Loop)
	// Output:
	// run procedural, 4 cameras at 50 Hz, 2 athletes, noise -1 px, miss 0.05, live true, loop false
}
