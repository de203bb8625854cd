package calibration

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"

	"gonum.org/v1/gonum/spatial/r3"
)

func TestSurveyRoundTrip(t *testing.T) {
	s := &Survey{Points: []SurveyPoint{
		{Name: "start-lane1", World: r3.Vec{X: 0, Y: 1.22, Z: 0}, Pixels: map[string][2]float64{"cam_01": {412.5, 980.0000000000001}, "cam 2": {130, 1011.5}}},
		{Name: "10m", World: r3.Vec{X: 10, Y: -0.1 / 3, Z: 1e-9}, Pixels: map[string][2]float64{}},
	}}
	var buf bytes.Buffer
	if err := WriteSurvey(&buf, s); err != nil {
		t.Fatal(err)
	}
	got, err := ReadSurvey(&buf)
	if err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	if !reflect.DeepEqual(got, s) {
		t.Errorf("got %+v, want %+v", got, s)
	}
	names, world, pix := got.Seen("cam_01")
	if len(names) != 1 || names[0] != "start-lane1" || world[0] != s.Points[0].World || pix[0] != s.Points[0].Pixels["cam_01"] {
		t.Errorf("Seen(cam_01) = %v %v %v", names, world, pix)
	}
}

func TestSurveyErrors(t *testing.T) {
	for _, tt := range []struct{ name, in, want string }{
		{"empty", "", "no [[point]]"},
		{"no name", "[[point]]\nworld = [0, 0, 0]\n", "point 1: no name"},
		{"twice", "[[point]]\nname = \"a\"\nworld = [0,0,0]\n[[point]]\nname = \"a\"\nworld = [0,0,0]\n", "point 2 (a): name used twice"},
		{"short world", "[[point]]\nname = \"a\"\nworld = [0, 0]\n", "world must be 3"},
		{"nan", "[[point]]\nname = \"a\"\nworld = [0, 0, nan]\n", "world must be 3 finite"},
		{"bad pixel", "[[point]]\nname = \"a\"\nworld = [0, 0, 0]\npixels = { c = [1] }\n", "pixels.c must be 2"},
		{"unknown key", "[[point]]\nname = \"a\"\nworld = [0, 0, 0]\ncolour = 1\n", "unknown key"},
		{"not toml", "[[point]\n", "malformed"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadSurvey(strings.NewReader(tt.in))
			if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want ErrFormat containing %q", err, tt.want)
			}
		})
	}
}

func FuzzReadSurvey(f *testing.F) {
	f.Add("[[point]]\nname = \"a\"\nworld = [0, 1, 2]\npixels = { c = [1, 2] }\n")
	f.Add("[[point]]\nname = \"\"\n")
	f.Fuzz(func(t *testing.T, in string) {
		s, err := ReadSurvey(strings.NewReader(in))
		if err == nil && len(s.Points) == 0 {
			t.Error("no error and no point")
		}
	})
}
