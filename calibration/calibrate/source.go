package calibrate

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Source is one camera's recording of a board: one video, or still images
// (frame i = Images[i]).
type Source struct {
	// Name is the camera's name, written in calibration files.
	Name string
	// Video is the path of the camera's video; empty for images.
	Video string
	// Images are the paths of the camera's still images, in frame order.
	Images []string
}

// imageExts are the extensions (lower case) NewSource takes for images.
var imageExts = map[string]bool{".jpg": true, ".jpeg": true, ".png": true, ".bmp": true, ".tif": true, ".tiff": true}

// isImage reports whether path names an image by its extension, in any
// case.
func isImage(path string) bool { return imageExts[strings.ToLower(filepath.Ext(path))] }

// NewSource makes a camera's source from paths: one video file, or image
// files and/or directories of images. A directory contributes its images
// (.jpg, .jpeg, .png, .bmp, .tif, .tiff in any case; not its
// subdirectories, nor hidden files) sorted by name; image files keep the
// order given. Any other file is taken for a video.
//
// The name is name when given, else the video's base name without its
// extension, else the first directory's base name, else what the images'
// names share (left01.jpg, left02.jpg, … make "left"), else the first
// image's name without its extension.
//
// A missing path, an empty directory, a video given with other paths or
// no path at all give an error wrapping ErrInput that names the path.
func NewSource(name string, paths ...string) (Source, error) {
	if len(paths) == 0 {
		return Source{}, fmt.Errorf("%w: no video or image given for camera %q", ErrInput, name)
	}
	var src Source
	dirName := ""
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return Source{}, fmt.Errorf("%w: %w", ErrInput, err)
		}
		switch {
		case fi.IsDir():
			imgs, err := imagesIn(p)
			if err != nil {
				return Source{}, err
			}
			if dirName == "" {
				dirName = filepath.Base(filepath.Clean(p))
			}
			src.Images = append(src.Images, imgs...)
		case isImage(p):
			src.Images = append(src.Images, p)
		default:
			if len(paths) > 1 {
				return Source{}, fmt.Errorf("%w: video %s given with %d other paths: a camera's recording is one video or a set of images",
					ErrInput, p, len(paths)-1)
			}
			src.Video = p
		}
	}
	src.Name = name
	if src.Name == "" {
		switch {
		case src.Video != "":
			src.Name = baseName(src.Video)
		case dirName != "":
			src.Name = dirName
		default:
			src.Name = imagesName(src.Images)
		}
	}
	return src, nil
}

// imagesIn returns the images of directory dir sorted by name.
func imagesIn(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInput, err)
	}
	var imgs []string
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || strings.HasPrefix(n, ".") || !isImage(n) {
			continue
		}
		imgs = append(imgs, filepath.Join(dir, n))
	}
	if len(imgs) == 0 {
		return nil, fmt.Errorf("%w: directory %s holds no image (%s)", ErrInput, dir, strings.Join(sortedExts(), ", "))
	}
	sort.Strings(imgs)
	return imgs, nil
}

func sortedExts() []string {
	exts := make([]string, 0, len(imageExts))
	for e := range imageExts {
		exts = append(exts, e)
	}
	sort.Strings(exts)
	return exts
}

// baseName returns path's last element without its extension.
func baseName(path string) string {
	b := filepath.Base(path)
	return strings.TrimSuffix(b, filepath.Ext(b))
}

// imagesName returns the start the images' base names share, without the
// frame numbers and separators that end it, or the first image's base name
// when they share nothing.
func imagesName(images []string) string {
	first := baseName(images[0])
	common := first
	for _, p := range images[1:] {
		b := baseName(p)
		n := 0
		for n < len(common) && n < len(b) && common[n] == b[n] {
			n++
		}
		common = common[:n]
	}
	common = strings.TrimRight(common, "0123456789_-. ")
	if common == "" {
		return first
	}
	return common
}

// where names the recording in messages: the video, or the first image's
// directory.
func (s *Source) where() string {
	if s.Video != "" {
		return s.Video
	}
	if len(s.Images) > 0 {
		return filepath.Dir(s.Images[0])
	}
	return ""
}

// label names frame i of the source in reports: the image's file name, or
// "frame i" of a video.
func (s *Source) label(i int) string {
	if s.Video == "" && i >= 0 && i < len(s.Images) {
		return filepath.Base(s.Images[i])
	}
	return fmt.Sprintf("frame %d", i)
}

// check reports a source that is neither a video nor images, or both.
func (s *Source) check() error {
	switch {
	case s.Video == "" && len(s.Images) == 0:
		return fmt.Errorf("%w: camera %q has neither a video nor images", ErrInput, s.Name)
	case s.Video != "" && len(s.Images) > 0:
		return fmt.Errorf("%w: camera %q has a video and %d images: give one or the other", ErrInput, s.Name, len(s.Images))
	}
	return nil
}
