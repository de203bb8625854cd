package calibration

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strconv"

	"github.com/BurntSushi/toml"
	"gonum.org/v1/gonum/spatial/r3"
)

// Survey is a set of scene points of known world coordinates (track
// markings, surveyed marks) and the pixels where each camera sees them: the
// input of a calibration from points instead of boards.
//
// The file is TOML, one [[point]] table per point:
//
//	[[point]]
//	name = "start-lane1"
//	world = [0.0, 1.22, 0.0]                       # metres, world frame
//	pixels = { cam_01 = [412.5, 980.0], cam_02 = [130.0, 1011.5] }
//
// Pixels follow OpenCV's convention (pixel centres at integer coordinates)
// and are keyed by camera name; a camera that does not see a point leaves
// it out.
type Survey struct {
	Points []SurveyPoint
}

// SurveyPoint is one surveyed point.
type SurveyPoint struct {
	Name   string
	World  r3.Vec
	Pixels map[string][2]float64
}

// Seen returns the points camera cam sees: their world coordinates and
// pixels, in file order.
func (s *Survey) Seen(cam string) (names []string, world []r3.Vec, pix [][2]float64) {
	for _, p := range s.Points {
		if px, ok := p.Pixels[cam]; ok {
			names = append(names, p.Name)
			world = append(world, p.World)
			pix = append(pix, px)
		}
	}
	return names, world, pix
}

// ReadSurveyFile reads a survey file.
func ReadSurveyFile(path string) (*Survey, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	s, err := ReadSurvey(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// ReadSurvey reads the survey layout described at Survey.
func ReadSurvey(r io.Reader) (*Survey, error) {
	var raw struct {
		Point []struct {
			Name   string
			World  []float64
			Pixels map[string][]float64
		}
	}
	md, err := toml.NewDecoder(r).Decode(&raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	if un := md.Undecoded(); len(un) > 0 {
		return nil, fmt.Errorf("%w: unknown key %s", ErrFormat, un[0])
	}
	if len(raw.Point) == 0 {
		return nil, fmt.Errorf("%w: no [[point]] table", ErrFormat)
	}
	s := &Survey{}
	seen := map[string]bool{}
	for i, p := range raw.Point {
		at := fmt.Sprintf("point %d", i+1)
		if p.Name != "" {
			at += " (" + p.Name + ")"
		}
		switch {
		case p.Name == "":
			return nil, fmt.Errorf("%w: %s: no name", ErrFormat, at)
		case seen[p.Name]:
			return nil, fmt.Errorf("%w: %s: name used twice", ErrFormat, at)
		case len(p.World) != 3 || !allFinite(p.World):
			return nil, fmt.Errorf("%w: %s: world must be 3 finite numbers (metres), got %v", ErrFormat, at, p.World)
		}
		seen[p.Name] = true
		sp := SurveyPoint{Name: p.Name, World: r3.Vec{X: p.World[0], Y: p.World[1], Z: p.World[2]}, Pixels: map[string][2]float64{}}
		for cam, px := range p.Pixels {
			if len(px) != 2 || !allFinite(px) {
				return nil, fmt.Errorf("%w: %s: pixels.%s must be 2 finite numbers, got %v", ErrFormat, at, cam, px)
			}
			sp.Pixels[cam] = [2]float64{px[0], px[1]}
		}
		s.Points = append(s.Points, sp)
	}
	return s, nil
}

// WriteSurvey writes s in the layout ReadSurvey reads, numbers exact.
func WriteSurvey(w io.Writer, s *Survey) error {
	bw := bufio.NewWriter(w)
	num := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	for _, p := range s.Points {
		fmt.Fprintf(bw, "[[point]]\nname = %q\nworld = [%s, %s, %s]\npixels = {", p.Name, num(p.World.X), num(p.World.Y), num(p.World.Z))
		cams := make([]string, 0, len(p.Pixels))
		for c := range p.Pixels {
			cams = append(cams, c)
		}
		sort.Strings(cams)
		for i, c := range cams {
			sep := ","
			if i == 0 {
				sep = ""
			}
			fmt.Fprintf(bw, "%s %q = [%s, %s]", sep, c, num(p.Pixels[c][0]), num(p.Pixels[c][1]))
		}
		fmt.Fprint(bw, " }\n\n")
	}
	return bw.Flush()
}

func allFinite(v []float64) bool {
	for _, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}
