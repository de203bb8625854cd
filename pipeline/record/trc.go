package record

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/spatial/r3"
)

// TRC is a marker trajectory file: one point per marker per frame.
type TRC struct {
	// Name is the file name on the PathFileType line, informational.
	Name string
	// Rate is DataRate, frames per second. Required: positive and finite.
	Rate float64
	// CameraRate is the capture rate; zero means Rate.
	CameraRate float64
	// Units is the length unit of the points ("m", "mm", ...); empty means
	// "m" when written.
	Units string
	// OrigRate, OrigStartFrame and OrigNumFrames are the header's
	// OrigDataRate, OrigDataStartFrame and OrigNumFrames, kept so a file
	// reads and writes back unchanged. Zero OrigRate means Rate and zero
	// OrigNumFrames means len(Frames) when written; OrigStartFrame is
	// written as it is (Pose2Sim writes 0, OpenSim 1).
	OrigRate       float64
	OrigStartFrame int
	OrigNumFrames  int
	// Markers are the marker names, in column order.
	Markers []string
	// Frames are the rows, in file order.
	Frames []TRCFrame
}

// TRCFrame is one row of a TRC file.
type TRCFrame struct {
	Number int     // Frame#
	Time   float64 // seconds
	// Points holds one point per marker, in the order of TRC.Markers; a
	// missing coordinate is NaN.
	Points []r3.Vec
}

// Missing reports whether any coordinate of p is missing (NaN).
func Missing(p r3.Vec) bool {
	return math.IsNaN(p.X) || math.IsNaN(p.Y) || math.IsNaN(p.Z)
}

// Marker returns the column of the named marker, or -1.
func (t *TRC) Marker(name string) int {
	for i, m := range t.Markers {
		if m == name {
			return i
		}
	}
	return -1
}

// Metres returns the factor that converts the file's unit to metres.
func (t *TRC) Metres() (float64, error) {
	switch strings.ToLower(t.Units) {
	case "m", "":
		return 1, nil
	case "cm":
		return 0.01, nil
	case "mm":
		return 0.001, nil
	}
	return 0, fmt.Errorf("trc units %q: %w", t.Units, ErrUnits)
}

// maxLine bounds one line of a TRC file (a row of 1000 markers with long
// numbers is about 80 kB).
const maxLine = 16 << 20

// ReadTRCFile reads the TRC file at path.
func ReadTRCFile(path string) (*TRC, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	t, err := ReadTRC(bufio.NewReaderSize(f, 1<<16))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// ReadTRC reads a TRC file; see the package documentation for what it
// accepts. Errors name the line.
func ReadTRC(r io.Reader) (*TRC, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<16), maxLine)
	lineNo := 0
	// next returns the next line without its line end; ok is false at the
	// end of the input.
	next := func() (string, bool) {
		if !sc.Scan() {
			return "", false
		}
		lineNo++
		return strings.TrimRight(sc.Text(), "\r"), true
	}
	headerLine := func(what string) (string, error) {
		s, ok := next()
		if !ok {
			if err := sc.Err(); err != nil {
				return "", fmt.Errorf("line %d: %w", lineNo+1, err)
			}
			return "", fmt.Errorf("line %d: end of file, want %s: %w", lineNo+1, what, ErrHeader)
		}
		return s, nil
	}

	t := &TRC{}
	// Line 1: PathFileType 4 (X/Y/Z) name.
	s, err := headerLine("PathFileType line")
	if err != nil {
		return nil, err
	}
	s = strings.TrimPrefix(s, "\uFEFF")
	f := strings.Fields(s)
	if len(f) == 0 || f[0] != "PathFileType" {
		return nil, fmt.Errorf("line 1: %q does not start with PathFileType: %w", clip(s), ErrHeader)
	}
	if i := strings.Index(s, "(X/Y/Z)"); i >= 0 {
		t.Name = strings.TrimSpace(s[i+len("(X/Y/Z)"):])
	}

	// Lines 2 and 3: header names and values.
	names, err := headerLine("header names")
	if err != nil {
		return nil, err
	}
	values, err := headerLine("header values")
	if err != nil {
		return nil, err
	}
	numMarkers, err := t.parseHeader(splitHeader(names), splitValues(values))
	if err != nil {
		return nil, fmt.Errorf("line 3: %w", err)
	}

	// Line 4: Frame# Time marker names, each name followed by two empty
	// fields in most files.
	s, err = headerLine("marker names")
	if err != nil {
		return nil, err
	}
	f = splitHeader(s)
	if len(f) < 2 || f[0] != "Frame#" || f[1] != "Time" {
		return nil, fmt.Errorf("line 4: %q does not start with Frame# and Time: %w", clip(s), ErrHeader)
	}
	t.Markers = f[2:]
	if len(t.Markers) != numMarkers {
		return nil, fmt.Errorf("line 4: %d marker names, line 3 says NumMarkers %d: %w", len(t.Markers), numMarkers, ErrHeader)
	}

	// Line 5: X1 Y1 Z1 ... coordinate labels.
	s, err = headerLine("coordinate labels")
	if err != nil {
		return nil, err
	}
	if f = splitHeader(s); numMarkers > 0 && (len(f) == 0 || !strings.HasPrefix(f[0], "X")) {
		return nil, fmt.Errorf("line 5: %q is not the X1 Y1 Z1 line: %w", clip(s), ErrHeader)
	}

	// Rows. Points of all frames share one growing backing array.
	var fields []string
	var points []r3.Vec
	size := 0 // bytes of rows read
	for {
		s, ok := next()
		if !ok {
			break
		}
		if strings.TrimSpace(s) == "" {
			continue
		}
		size += len(s) + 1
		fields = splitRow(fields[:0], s)
		fr, err := parseRow(fields, numMarkers, &points)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", lineNo, err)
		}
		// A complete row takes at least three bytes per marker; rows that
		// stop early may not make the reader hold much more than the input.
		if len(points) > size+1<<16 {
			return nil, fmt.Errorf("line %d: rows too short for %d markers: %w", lineNo, numMarkers, ErrRow)
		}
		t.Frames = append(t.Frames, fr)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("line %d: %w", lineNo+1, err)
	}
	// Hand each frame its slice of the shared array only now: appends may
	// have moved it.
	for i := range t.Frames {
		t.Frames[i].Points = points[i*numMarkers : (i+1)*numMarkers : (i+1)*numMarkers]
	}
	return t, nil
}

// parseHeader fills t from the header line pairs and returns NumMarkers.
func (t *TRC) parseHeader(names, values []string) (int, error) {
	numMarkers := -1
	for i, name := range names {
		v := ""
		if i < len(values) {
			v = values[i]
		}
		var err error
		switch name {
		case "DataRate":
			t.Rate, err = parseRate(v)
		case "CameraRate":
			t.CameraRate, err = parseRate(v)
		case "OrigDataRate":
			t.OrigRate, err = parseRate(v)
		case "NumFrames":
			_, err = parseCount(v)
		case "NumMarkers":
			numMarkers, err = parseCount(v)
		case "Units":
			t.Units = v
		case "OrigDataStartFrame":
			t.OrigStartFrame, err = parseCount(v)
		case "OrigNumFrames":
			t.OrigNumFrames, err = parseCount(v)
		}
		if err != nil {
			return 0, fmt.Errorf("%s %q: %w: %w", name, clip(v), err, ErrHeader)
		}
	}
	if t.Rate == 0 {
		return 0, fmt.Errorf("no DataRate: %w", ErrHeader)
	}
	if numMarkers < 0 {
		return 0, fmt.Errorf("no NumMarkers: %w", ErrHeader)
	}
	return numMarkers, nil
}

var (
	errNotRate  = errors.New("not a positive finite number")
	errNotCount = errors.New("not a non-negative integer")
)

func parseRate(s string) (float64, error) {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || !(v > 0) || math.IsInf(v, 0) {
		return 0, errNotRate
	}
	return v, nil
}

func parseCount(s string) (int, error) {
	v, err := parseInt(s)
	if err != nil || v < 0 {
		return 0, errNotCount
	}
	return v, nil
}

// parseInt reads an integer written as such or as an integral float
// ("12.0", as some writers do).
func parseInt(s string) (int, error) {
	if v, err := strconv.Atoi(s); err == nil {
		return v, nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v != math.Trunc(v) || math.Abs(v) > 1<<53 {
		return 0, errNotCount
	}
	return int(v), nil
}

// parseRow reads one data row, appending its points to *points.
func parseRow(fields []string, numMarkers int, points *[]r3.Vec) (TRCFrame, error) {
	var fr TRCFrame
	if len(fields) < 2 {
		return fr, fmt.Errorf("%d fields, want Frame# and Time at least: %w", len(fields), ErrRow)
	}
	n, err := parseInt(fields[0])
	if err != nil {
		return fr, fmt.Errorf("frame number %q: not an integer: %w", clip(fields[0]), ErrRow)
	}
	tm, err := strconv.ParseFloat(fields[1], 64)
	if err != nil || math.IsNaN(tm) || math.IsInf(tm, 0) {
		return fr, fmt.Errorf("frame %d: time %q: not a finite number: %w", n, clip(fields[1]), ErrRow)
	}
	fr.Number, fr.Time = n, tm
	coords := fields[2:]
	// Trailing empty fields (a final tab) are not values.
	for len(coords) > 3*numMarkers && coords[len(coords)-1] == "" {
		coords = coords[:len(coords)-1]
	}
	if len(coords) > 3*numMarkers {
		return fr, fmt.Errorf("frame %d: %d coordinates, header has %d markers: %w", n, len(coords), numMarkers, ErrRow)
	}
	for m := range numMarkers {
		var p [3]float64
		for k := range 3 {
			i := 3*m + k
			p[k] = math.NaN()
			if i >= len(coords) {
				continue
			}
			c := coords[i]
			if c == "" || c == "NaN" || c == "nan" || c == "NAN" {
				continue
			}
			v, err := strconv.ParseFloat(c, 64)
			if err != nil || math.IsInf(v, 0) {
				return fr, fmt.Errorf("frame %d: %s%d %q: not a finite number: %w", n, "XYZ"[k:k+1], m+1, clip(c), ErrRow)
			}
			p[k] = v
		}
		*points = append(*points, r3.Vec{X: p[0], Y: p[1], Z: p[2]})
	}
	return fr, nil
}

// splitHeader splits a header line into its non-empty fields: by tabs when
// it has any (names may hold spaces), by spaces otherwise.
func splitHeader(s string) []string {
	var f []string
	if strings.Contains(s, "\t") {
		for _, x := range strings.Split(s, "\t") {
			if x = strings.TrimSpace(x); x != "" {
				f = append(f, x)
			}
		}
		return f
	}
	return strings.Fields(s)
}

// splitValues splits the header values line: by tabs when it has any,
// keeping empty fields so that an empty Units keeps the others in place, by
// spaces otherwise.
func splitValues(s string) []string {
	if !strings.Contains(s, "\t") {
		return strings.Fields(s)
	}
	return splitRow(nil, s)
}

// splitRow splits a data row into dst: by tabs when it has any, keeping
// empty fields (missing values), by runs of spaces otherwise.
func splitRow(dst []string, s string) []string {
	if !strings.Contains(s, "\t") {
		return append(dst, strings.Fields(s)...)
	}
	for {
		i := strings.IndexByte(s, '\t')
		if i < 0 {
			return append(dst, strings.TrimSpace(s))
		}
		dst = append(dst, strings.TrimSpace(s[:i]))
		s = s[i+1:]
	}
}

// clip shortens s for an error message.
func clip(s string) string {
	const n = 40
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// Write writes t as a TRC file. Missing coordinates are written as empty
// fields.
func (t *TRC) Write(w io.Writer) error {
	if !(t.Rate > 0) || math.IsInf(t.Rate, 0) {
		return fmt.Errorf("rate %v: %w", t.Rate, ErrInvalid)
	}
	for _, m := range t.Markers {
		if strings.TrimSpace(m) != m || m == "" || strings.ContainsAny(m, "\t\n") {
			return fmt.Errorf("marker name %q: %w", m, ErrInvalid)
		}
	}
	if strings.ContainsAny(t.Units, "\t\n") || strings.ContainsAny(t.Name, "\n") {
		return fmt.Errorf("units %q or name %q: %w", t.Units, t.Name, ErrInvalid)
	}
	for i, fr := range t.Frames {
		if len(fr.Points) != len(t.Markers) {
			return fmt.Errorf("frame %d (index %d): %d points for %d markers: %w", fr.Number, i, len(fr.Points), len(t.Markers), ErrInvalid)
		}
		if math.IsNaN(fr.Time) || math.IsInf(fr.Time, 0) {
			return fmt.Errorf("frame %d (index %d): time %v: %w", fr.Number, i, fr.Time, ErrInvalid)
		}
		for m, p := range fr.Points {
			if math.IsInf(p.X, 0) || math.IsInf(p.Y, 0) || math.IsInf(p.Z, 0) {
				return fmt.Errorf("frame %d (index %d): marker %q: infinite coordinate: %w", fr.Number, i, t.Markers[m], ErrInvalid)
			}
		}
	}
	cameraRate, origRate, origFrames, units := t.CameraRate, t.OrigRate, t.OrigNumFrames, t.Units
	if cameraRate == 0 {
		cameraRate = t.Rate
	}
	if origRate == 0 {
		origRate = t.Rate
	}
	if origFrames == 0 {
		origFrames = len(t.Frames)
	}
	if units == "" {
		units = "m"
	}

	bw := bufio.NewWriter(w)
	b := make([]byte, 0, 256)
	b = append(b, "PathFileType\t4\t(X/Y/Z)\t"...)
	b = append(b, t.Name...)
	b = append(b, "\nDataRate\tCameraRate\tNumFrames\tNumMarkers\tUnits\tOrigDataRate\tOrigDataStartFrame\tOrigNumFrames\n"...)
	b = appendNumber(b, t.Rate)
	b = append(b, '\t')
	b = appendNumber(b, cameraRate)
	b = append(b, '\t')
	b = strconv.AppendInt(b, int64(len(t.Frames)), 10)
	b = append(b, '\t')
	b = strconv.AppendInt(b, int64(len(t.Markers)), 10)
	b = append(b, '\t')
	b = append(b, units...)
	b = append(b, '\t')
	b = appendNumber(b, origRate)
	b = append(b, '\t')
	b = strconv.AppendInt(b, int64(t.OrigStartFrame), 10)
	b = append(b, '\t')
	b = strconv.AppendInt(b, int64(origFrames), 10)
	b = append(b, "\nFrame#\tTime"...)
	for _, m := range t.Markers {
		b = append(b, '\t')
		b = append(b, m...)
		b = append(b, "\t\t"...)
	}
	b = append(b, "\n\t"...)
	for i := range t.Markers {
		for _, axis := range []string{"\tX", "\tY", "\tZ"} {
			b = append(b, axis...)
			b = strconv.AppendInt(b, int64(i+1), 10)
		}
	}
	b = append(b, '\n')
	if _, err := bw.Write(b); err != nil {
		return err
	}
	for _, fr := range t.Frames {
		b = strconv.AppendInt(b[:0], int64(fr.Number), 10)
		b = append(b, '\t')
		b = appendNumber(b, fr.Time)
		for _, p := range fr.Points {
			for _, v := range [3]float64{p.X, p.Y, p.Z} {
				b = append(b, '\t')
				if !math.IsNaN(v) {
					b = appendNumber(b, v)
				}
			}
		}
		b = append(b, '\n')
		if _, err := bw.Write(b); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// appendNumber appends v in the shortest form that reads back exactly,
// without an exponent for everyday magnitudes.
func appendNumber(b []byte, v float64) []byte {
	if a := math.Abs(v); a != 0 && (a < 1e-6 || a >= 1e15) {
		return strconv.AppendFloat(b, v, 'g', -1, 64)
	}
	return strconv.AppendFloat(b, v, 'f', -1, 64)
}
