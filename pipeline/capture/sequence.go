package capture

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"gocv.io/x/gocv"
)

// imageExts are the file extensions a directory sequence reads (OpenCV's
// imread decodes them all in Debian's build).
var imageExts = map[string]bool{
	".png": true, ".jpg": true, ".jpeg": true, ".bmp": true, ".tif": true, ".tiff": true,
	".webp": true, ".pgm": true, ".ppm": true, ".pnm": true,
}

// sequence reads an image sequence, listed once when opened: OpenCV's own
// image-sequence backend only finds sequences that start at 0 or 1 and
// stops at the first gap, and cannot read a directory.
type sequence struct {
	paths []string
	index []int64 // each file's frame index
	next  int     // the file to read next
}

// openSequence lists the files of an image sequence: those matching a
// printf pattern, numbered by the pattern, or the images of a directory,
// in natural order and numbered by position.
func openSequence(target string) (*sequence, error) {
	if strings.Contains(target, "%") {
		return openPattern(target)
	}
	entries, err := os.ReadDir(target)
	if err != nil {
		return nil, fmt.Errorf("%w: image sequence %s: %w", ErrOpen, target, cause(err))
	}
	s := &sequence{}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || strings.HasPrefix(name, ".") || !imageExts[strings.ToLower(filepath.Ext(name))] {
			continue
		}
		s.paths = append(s.paths, filepath.Join(target, name))
	}
	if len(s.paths) == 0 {
		return nil, fmt.Errorf("%w: image sequence %s: no image files in the directory", ErrOpen, target)
	}
	slices.SortFunc(s.paths, naturalCompare)
	s.index = make([]int64, len(s.paths))
	for i := range s.index {
		s.index[i] = int64(i)
	}
	return s, nil
}

// openPattern lists the files whose names the pattern prints with some
// number, in number order. Gaps in the numbering are frames missing from
// the sequence.
func openPattern(pattern string) (*sequence, error) {
	dir, base := filepath.Split(pattern)
	if dir == "" {
		dir = "."
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("%w: image sequence %s: %w", ErrOpen, pattern, cause(err))
	}
	type numbered struct {
		n    int64
		path string
	}
	var files []numbered
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		if n, ok := matchPattern(base, e.Name()); ok {
			files = append(files, numbered{n, filepath.Join(dir, e.Name())})
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%w: image sequence %s: no file matches the pattern", ErrOpen, pattern)
	}
	slices.SortFunc(files, func(a, b numbered) int { return int(min(max(a.n-b.n, -1), 1)) })
	s := &sequence{paths: make([]string, len(files)), index: make([]int64, len(files))}
	for i, f := range files {
		s.paths[i], s.index[i] = f.path, f.n-files[0].n
	}
	return s, nil
}

// matchPattern reports whether name is what pattern (checked by
// checkPattern) prints for some non-negative number, and which.
func matchPattern(pattern, name string) (int64, bool) {
	// Split at the verb; %% escapes on either side print as %.
	verb := -1
	for i := 0; i < len(pattern); i++ {
		if pattern[i] == '%' {
			if i+1 < len(pattern) && pattern[i+1] == '%' {
				i++
				continue
			}
			verb = i
			break
		}
	}
	if verb < 0 {
		return 0, false
	}
	end := verb + 1 + strings.IndexByte(pattern[verb+1:], 'd')
	prefix := strings.ReplaceAll(pattern[:verb], "%%", "%")
	suffix := strings.ReplaceAll(pattern[end+1:], "%%", "%")
	if len(name) <= len(prefix)+len(suffix) || !strings.HasPrefix(name, prefix) || !strings.HasSuffix(name, suffix) {
		return 0, false
	}
	digits := name[len(prefix) : len(name)-len(suffix)]
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || n < 0 || digits[0] == '+' {
		return 0, false
	}
	// The width and padding must match too: img_%04d.png is not img_12.png.
	if fmt.Sprintf(pattern, n) != name {
		return 0, false
	}
	return n, true
}

// naturalCompare orders names as people number them: runs of digits by
// value, so img_2 comes before img_10.
func naturalCompare(a, b string) int {
	a0, b0 := a, b
	for a != "" && b != "" {
		da, db := digitRun(a), digitRun(b)
		if da > 0 && db > 0 {
			na, nb := strings.TrimLeft(a[:da], "0"), strings.TrimLeft(b[:db], "0")
			if c := len(na) - len(nb); c != 0 {
				return c
			}
			if c := strings.Compare(na, nb); c != 0 {
				return c
			}
			a, b = a[da:], b[db:]
			continue
		}
		if a[0] != b[0] {
			return int(a[0]) - int(b[0])
		}
		a, b = a[1:], b[1:]
	}
	// A common prefix: the shorter first; names equal but for zero
	// padding (a01, a1) fall back to plain order, to keep the order total.
	if c := len(a) - len(b); c != 0 {
		return c
	}
	return strings.Compare(a0, b0)
}

// digitRun returns the length of the run of ASCII digits s starts with.
func digitRun(s string) int {
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	return n
}

// Read decodes the next image into dst. A file that does not decode is a
// corrupt frame; the sequence goes on with the next.
func (s *sequence) Read(dst *gocv.Mat) status {
	if s.next >= len(s.paths) {
		return readEnd
	}
	img := gocv.IMRead(s.paths[s.next], gocv.IMReadColor)
	defer img.Close()
	s.next++
	if img.Empty() {
		return readCorrupt
	}
	img.CopyTo(dst)
	return readOK
}

// Get answers CAP_PROP_POS_FRAMES (the index after the last frame read)
// and CAP_PROP_FRAME_COUNT; the rest is unknown (0), as in OpenCV.
func (s *sequence) Get(prop gocv.VideoCaptureProperties) float64 {
	switch prop {
	case gocv.VideoCapturePosFrames:
		if s.next == 0 {
			return 0
		}
		return float64(s.index[s.next-1] + 1)
	case gocv.VideoCaptureFrameCount:
		return float64(s.index[len(s.index)-1] + 1)
	}
	return 0
}

// Close does nothing: no file stays open between reads.
func (s *sequence) Close() error { return nil }
