package synthetic

import (
	"fmt"
	"math"
	"net/url"
	"sort"
	"strconv"

	"github.com/athlete3d/athlete3d/bench"
	"github.com/athlete3d/athlete3d/skeleton"
)

// Config configures a Rig.
type Config struct {
	// Scene is the scene the rig films (bench.NewSprintScene).
	Scene bench.SceneConfig
	// Live paces the frames on the wall clock and drops the views out
	// cannot take; otherwise Run sends as fast as out takes them.
	Live bool
	// Loop replays the scene without end, frame numbers and times running
	// on; otherwise each camera ends with an End view.
	Loop bool
	// Buffer is the number of views in each camera's free list, 0 meaning
	// 16: views the consumer holds beyond it are made, and dropped when
	// released into a full list.
	Buffer int
}

// scheme and sprint are the URL's scheme and the one scene it names.
const (
	scheme = "synthetic"
	sprint = "sprint"
)

// Parse reads a synthetic source URL into a Config; the package
// documentation lists the keys and their defaults.
func Parse(rawURL string) (Config, error) {
	cfg := Config{Scene: bench.SceneConfig{
		Run: bench.Procedural, Set: &skeleton.COCO17, Cameras: 8, Rate: 50, Athletes: 3,
		NoisePx: 2, MissRate: 0.05, SwapRate: 0.02, OutlierRate: 0.01, Seed: 1,
	}}
	u, err := url.Parse(rawURL)
	if err != nil {
		return cfg, fmt.Errorf("%w: %v", ErrURL, err)
	}
	switch {
	case u.Scheme != scheme:
		return cfg, fmt.Errorf("%w: %q: scheme %q, want %s://", ErrURL, rawURL, u.Scheme, scheme)
	case u.Host != sprint:
		return cfg, fmt.Errorf("%w: %q: scene %q, want %s", ErrURL, rawURL, u.Host, sprint)
	case u.User != nil || (u.Path != "" && u.Path != "/") || u.Fragment != "":
		return cfg, fmt.Errorf("%w: %q: want %s://%s?key=value&...", ErrURL, rawURL, scheme, sprint)
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return cfg, fmt.Errorf("%w: %q: %v", ErrURL, rawURL, err)
	}
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys) // the first error is the same on every call
	sc := &cfg.Scene
	for _, key := range keys {
		vals := q[key]
		if len(vals) > 1 {
			return cfg, fmt.Errorf("%w: key %q given %d times", ErrURL, key, len(vals))
		}
		v := vals[0]
		bad := func(want string) error {
			return fmt.Errorf("%w: key %q: value %q: want %s", ErrURL, key, v, want)
		}
		// num parses a finite number in [lo, hi].
		num := func(lo, hi float64) (float64, bool) {
			x, err := strconv.ParseFloat(v, 64)
			return x, err == nil && x >= lo && x <= hi && !math.IsNaN(x)
		}
		// none maps a probability or noise of 0 to bench's "none".
		none := func(x float64) float64 {
			if x == 0 {
				return -1
			}
			return x
		}
		switch key {
		case "cams":
			n, err := strconv.Atoi(v)
			if err != nil || n < 2 || n > 32 {
				return cfg, bad("a camera count from 2 to 32")
			}
			sc.Cameras = n
		case "fps":
			x, ok := num(1, 1000)
			if !ok {
				return cfg, bad("a frame rate from 1 to 1000 Hz")
			}
			sc.Rate = x
		case "athletes":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 10 {
				return cfg, bad("an athlete count from 1 to 10")
			}
			sc.Athletes = n
		case "set":
			s := skeleton.ByName(v)
			if s == nil {
				return cfg, bad("coco17, body25 or body25b")
			}
			sc.Set = s
		case "noise":
			x, ok := num(0, 100)
			if !ok {
				return cfg, bad("pixels from 0 to 100")
			}
			sc.NoisePx = none(x)
		case "miss", "swap", "outlier":
			x, ok := num(0, 1)
			if !ok {
				return cfg, bad("a probability from 0 to 1")
			}
			switch key {
			case "miss":
				sc.MissRate = none(x)
			case "swap":
				sc.SwapRate = none(x)
			default:
				sc.OutlierRate = none(x)
			}
		case "seed":
			n, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				return cfg, bad("an unsigned integer")
			}
			sc.Seed = n
		case "run":
			if v == "" {
				return cfg, bad(`"procedural", a mocap run or a .trc file`)
			}
			sc.Run = v
		case "dir":
			if v == "" {
				return cfg, bad("a folder")
			}
			sc.Dir = v
		case "dur", "speed", "top", "height":
			x, ok := num(math.SmallestNonzeroFloat64, 1000)
			if !ok {
				return cfg, bad("a positive number (the runner checks its range)")
			}
			switch key {
			case "dur":
				sc.Runner.Duration = x
			case "speed":
				sc.Runner.Speed = x
			case "top":
				sc.Runner.TopSpeed = x
			default:
				sc.Runner.Height = x
			}
		case "live", "loop":
			b, err := strconv.ParseBool(v)
			if err != nil {
				return cfg, bad("1 or 0")
			}
			if key == "live" {
				cfg.Live = b
			} else {
				cfg.Loop = b
			}
		default:
			return cfg, fmt.Errorf("%w: unknown key %q", ErrURL, key)
		}
	}
	return cfg, nil
}
