package calibrate

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestNewSource(t *testing.T) {
	dir := t.TempDir()
	touch := func(rel string) string {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	video := touch("rig/cam_2.mp4")
	b := touch("shots/b.PNG")
	a := touch("shots/a.jpg")
	c := touch("shots/c.TIFF")
	touch("shots/notes.txt")
	touch("shots/.hidden.jpg")
	touch("shots/sub/d.jpg")
	loose := touch("loose/img_07.jpeg")
	left1, left2 := touch("stereo/left01.jpg"), touch("stereo/left02.jpg")
	if err := os.MkdirAll(filepath.Join(dir, "empty"), 0o755); err != nil {
		t.Fatal(err)
	}
	touch("textonly/readme.txt")

	for _, tt := range []struct {
		name   string
		given  string
		paths  []string
		want   Source
		errMsg string // "" for success
	}{
		{"video", "", []string{video}, Source{Name: "cam_2", Video: video}, ""},
		{"video named", "left", []string{video}, Source{Name: "left", Video: video}, ""},
		{"directory sorted, images only, case-insensitive", "", []string{filepath.Join(dir, "shots")},
			Source{Name: "shots", Images: []string{a, b, c}}, ""},
		{"files keep their order", "", []string{c, a}, Source{Name: "c", Images: []string{c, a}}, ""},
		{"files named by what they share", "", []string{left1, left2}, Source{Name: "left", Images: []string{left1, left2}}, ""},
		{"one file", "", []string{loose}, Source{Name: "img", Images: []string{loose}}, ""},
		{"file then directory", "", []string{loose, filepath.Join(dir, "shots")},
			Source{Name: "shots", Images: []string{loose, a, b, c}}, ""},
		{"missing path", "", []string{filepath.Join(dir, "none.mp4")}, Source{}, "none.mp4"},
		{"empty directory", "", []string{filepath.Join(dir, "empty")}, Source{}, "empty holds no image"},
		{"directory without images", "", []string{filepath.Join(dir, "textonly")}, Source{}, "textonly holds no image"},
		{"video with images", "", []string{video, a}, Source{}, "cam_2.mp4 given with 1 other"},
		{"two videos", "", []string{video, video}, Source{}, "given with 1 other"},
		{"nothing", "cam", nil, Source{}, `no video or image given for camera "cam"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := NewSource(tt.given, tt.paths...)
			if tt.errMsg != "" {
				if !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), tt.errMsg) {
					t.Fatalf("got %v, want ErrInput saying %q", err, tt.errMsg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Name != tt.want.Name || got.Video != tt.want.Video || !slices.Equal(got.Images, tt.want.Images) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestSourceLabel(t *testing.T) {
	imgs := Source{Images: []string{"/a/left01.jpg", "/a/left02.jpg"}}
	vid := Source{Video: "/v/cam_0.mp4"}
	for _, tt := range []struct {
		src  Source
		i    int
		want string
	}{
		{imgs, 1, "left02.jpg"},
		{vid, 12, "frame 12"},
		{imgs, 5, "frame 5"},
	} {
		if got := tt.src.label(tt.i); got != tt.want {
			t.Errorf("label(%d): got %q, want %q", tt.i, got, tt.want)
		}
	}
}
