package calibration

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/athlete3d/athlete3d/internal/atomicfile"
)

// Format names a calibration file layout.
type Format int

const (
	// FormatUnknown is the zero Format: not known yet. In Options it means
	// "detect it" when reading and "take it from the extension" when
	// writing.
	FormatUnknown Format = iota
	// FormatProject is the project's own file: Pose2Sim's Calib.toml
	// layout, plus keys Pose2Sim ignores (ReadProject, WriteProject).
	FormatProject
	// FormatOpenCVYAML is OpenCV's cv::FileStorage in YAML
	// (ReadOpenCVYAML, WriteOpenCVYAML).
	FormatOpenCVYAML
	// FormatOpenCVXML is OpenCV's cv::FileStorage in XML (ReadOpenCVXML,
	// WriteOpenCVXML).
	FormatOpenCVXML
	// FormatAnipose is aniposelib's calibration.toml (ReadAnipose,
	// WriteAnipose).
	FormatAnipose
	// FormatCaliscope is caliscope's camera_array.toml (ReadCaliscope,
	// WriteCaliscope).
	FormatCaliscope
)

var formatNames = [...]string{"unknown", "project", "opencv-yaml", "opencv-xml", "anipose", "caliscope"}

// String returns the format's name as ParseFormat reads it.
func (f Format) String() string {
	if f < 0 || int(f) >= len(formatNames) {
		return fmt.Sprintf("Format(%d)", int(f))
	}
	return formatNames[f]
}

// ParseFormat returns the format named s: one of Format's names
// ("project", "opencv-yaml", "opencv-xml", "anipose", "caliscope"), or
// "pose2sim", "yaml" or "xml" for the first three.
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(s) {
	case "pose2sim":
		return FormatProject, nil
	case "yaml", "yml":
		return FormatOpenCVYAML, nil
	case "xml":
		return FormatOpenCVXML, nil
	}
	for f := FormatProject; int(f) < len(formatNames); f++ {
		if strings.EqualFold(s, formatNames[f]) {
			return f, nil
		}
	}
	return FormatUnknown, fmt.Errorf("%w: %q (want one of %s)", ErrUnknownFormat, s, strings.Join(formatNames[1:], ", "))
}

// Meta is what a calibration file says beside its cameras. Zero values
// mean unknown. A format with no place for a field drops it when writing;
// docs/calibration-formats.md lists which format keeps what.
type Meta struct {
	// RMS holds each camera's RMS reprojection error in pixels, in the
	// cameras' order, 0 where unknown; nil when the file gives none.
	RMS []float64
	// Error is the whole calibration's RMS reprojection error in pixels.
	Error float64
	// World says in words how the world frame was defined, for example
	// "z up, origin at the start line, x along the track".
	World string
	// Tool names the program and version that wrote the file.
	Tool string
}

// Lengths of a file's translation unit, for Options.Unit.
const (
	Metre      = 1.0
	Millimetre = 1e-3
)

// Options say how to read or write a calibration file. The zero value
// detects the format and takes anipose translations in millimetres.
type Options struct {
	// Format is the file's format. Zero detects it from the file when
	// reading (DetectFormat) and takes it from the extension when writing
	// (.toml is the project's format).
	Format Format
	// Unit is the length of one unit of the file's translations, in
	// metres, for the one format that leaves it to the user: anipose,
	// whose translations are in the unit of the board's square size. Zero
	// means Millimetre, as anipose users usually measure boards. The other
	// formats fix metres and ignore Unit.
	Unit float64
}

// maxFileSize bounds what ReadFile loads: calibration files are a few
// kilobytes, so anything this large is the wrong file.
const maxFileSize = 16 << 20

// ReadFile reads a calibration file in any of the formats, detected from
// its name and content. Anipose translations are taken in millimetres;
// ReadFileWith chooses.
func ReadFile(path string) ([]Camera, Format, error) {
	cams, _, f, err := ReadFileWith(path, Options{})
	return cams, f, err
}

// ReadFileWith reads a calibration file as o says, with what the file
// says beside its cameras.
func ReadFileWith(path string, o Options) ([]Camera, Meta, Format, error) {
	data, err := readSmallFile(path)
	if err != nil {
		return nil, Meta{}, FormatUnknown, err
	}
	if o.Format == FormatUnknown {
		if o.Format, err = DetectFormat(path, data); err != nil {
			return nil, Meta{}, FormatUnknown, err
		}
	}
	cams, m, err := Read(bytes.NewReader(data), o)
	if err != nil {
		return nil, Meta{}, o.Format, fmt.Errorf("%s (%v): %w", path, o.Format, err)
	}
	return cams, m, o.Format, nil
}

func readSmallFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if len(data) > maxFileSize {
		return nil, fmt.Errorf("%w: %s is over %d MiB, too large for a calibration file", ErrFormat, path, maxFileSize>>20)
	}
	return data, nil
}

// WriteFile writes cameras to path in format f, atomically: the file is
// either the old one or the complete new one.
func WriteFile(path string, cams []Camera, f Format) error {
	return WriteFileWith(path, cams, Meta{}, Options{Format: f})
}

// WriteFileWith writes cameras and what is known about them to path, as o
// says, atomically (package atomicfile). Nothing is written when a camera
// cannot be.
func WriteFileWith(path string, cams []Camera, m Meta, o Options) error {
	if o.Format == FormatUnknown {
		switch strings.ToLower(filepath.Ext(path)) {
		case ".toml":
			o.Format = FormatProject
		case ".yml", ".yaml":
			o.Format = FormatOpenCVYAML
		case ".xml":
			o.Format = FormatOpenCVXML
		default:
			return fmt.Errorf("%w: %s: no format given and the extension names none", ErrUnknownFormat, path)
		}
	}
	// Encode first, so that a camera the format cannot hold leaves the
	// file system alone.
	var buf bytes.Buffer
	if err := Write(&buf, cams, m, o); err != nil {
		return fmt.Errorf("%s (%v): %w", path, o.Format, err)
	}
	return atomicfile.Write(path, func(w io.Writer) error {
		_, err := w.Write(buf.Bytes())
		return err
	})
}

// Read reads cameras in format o.Format, which must be set.
func Read(r io.Reader, o Options) ([]Camera, Meta, error) {
	switch o.Format {
	case FormatProject:
		return ReadProject(r)
	case FormatOpenCVYAML:
		return ReadOpenCVYAML(r)
	case FormatOpenCVXML:
		return ReadOpenCVXML(r)
	case FormatAnipose:
		return ReadAnipose(r, o.Unit)
	case FormatCaliscope:
		return ReadCaliscope(r)
	}
	return nil, Meta{}, fmt.Errorf("%w: %v", ErrUnknownFormat, o.Format)
}

// Write writes cameras in format o.Format, which must be set.
func Write(w io.Writer, cams []Camera, m Meta, o Options) error {
	switch o.Format {
	case FormatProject:
		return WriteProject(w, cams, m)
	case FormatOpenCVYAML:
		return WriteOpenCVYAML(w, cams, m)
	case FormatOpenCVXML:
		return WriteOpenCVXML(w, cams, m)
	case FormatAnipose:
		return WriteAnipose(w, cams, m, o.Unit)
	case FormatCaliscope:
		return WriteCaliscope(w, cams, m)
	}
	return fmt.Errorf("%w: %v", ErrUnknownFormat, o.Format)
}

// DetectFormat tells a calibration file's format from its path and its
// content, or the beginning of it (head; a few kilobytes are enough).
//
// Content first: "%YAML" starts a YAML file, "<?xml" or "<opencv_storage"
// an XML one, whatever the extension. Then the extension: .yml, .yaml,
// .xml. The TOML formats share .toml and are told apart by their keys:
// caliscope's by a [cameras.<id>] table or a `port` or `cam_id` key;
// Pose2Sim's (the project's) by `fisheye = false`, which Pose2Sim writes
// for every camera and anipose never, or by the project's own `tool` and
// `world` metadata; anipose's by `adjusted` in [metadata] without those.
// Pose2Sim writes `[metadata] adjusted = false` too, which is why
// `adjusted` alone does not make a file anipose's. A TOML file that says
// none of this is taken for the project's: an anipose file without its
// [metadata] table needs Options.Format.
func DetectFormat(path string, head []byte) (Format, error) {
	text := strings.TrimLeft(string(bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))), " \t\r\n")
	switch {
	case strings.HasPrefix(text, "%YAML"):
		return FormatOpenCVYAML, nil
	case strings.HasPrefix(text, "<?xml"), strings.HasPrefix(text, "<opencv_storage"):
		return FormatOpenCVXML, nil
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".yml", ".yaml":
		return FormatOpenCVYAML, nil
	case ".xml":
		return FormatOpenCVXML, nil
	case ".toml":
		return detectTOML(text), nil
	}
	if strings.HasPrefix(text, "[") {
		return detectTOML(text), nil
	}
	return FormatUnknown, fmt.Errorf("%w: %s: neither its name nor its content says", ErrUnknownFormat, path)
}

func detectTOML(text string) Format {
	var table string
	var fisheyeFalse, adjusted, projectMeta bool
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		if line[0] == '[' {
			table = strings.Trim(line, "[] \t")
			if table == "cameras" || strings.HasPrefix(table, "cameras.") {
				return FormatCaliscope
			}
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		key = strings.Trim(strings.TrimSpace(key), `"'`)
		value = strings.TrimSpace(value)
		switch {
		case key == "port" || key == "cam_id":
			return FormatCaliscope
		case key == "fisheye" && strings.HasPrefix(value, "false"):
			fisheyeFalse = true
		case table == "metadata" && key == "adjusted":
			adjusted = true
		case table == "metadata" && (key == "tool" || key == "world"):
			projectMeta = true
		}
	}
	if adjusted && !fisheyeFalse && !projectMeta {
		return FormatAnipose
	}
	return FormatProject
}

// Checks shared by every reader and writer: what a Camera must be for
// this package's math, whatever file it came from or goes to.

// fault builds a reader's or writer's error: the sentinel (ErrFormat,
// unless err is an ErrUnsupported), where in the file, and what.
func fault(where string, err error) error {
	sentinel := ErrFormat
	if errors.Is(err, ErrUnsupported) {
		sentinel = ErrUnsupported
	}
	if where == "" {
		return fmt.Errorf("%w: %v", sentinel, err)
	}
	return fmt.Errorf("%w: %s: %v", sentinel, where, err)
}

// unsupported is an inner error that fault marks ErrUnsupported.
type unsupported string

func (e unsupported) Error() string        { return string(e) }
func (e unsupported) Is(target error) bool { return target == ErrUnsupported }

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// checkIntrinsics reports a K this package cannot use: Camera.PixelOf
// reads fx, s, cx, fy, cy and assumes the rest of an upper-triangular K
// with a last row of 0 0 1, so anything else (a scaled K, a transposed K)
// would be silently wrong.
func checkIntrinsics(c *Camera) error {
	for i, row := range c.K {
		for j, v := range row {
			if !finite(v) {
				return fmt.Errorf("matrix: element (%d, %d) is not finite", i+1, j+1)
			}
		}
	}
	if !(c.K[0][0] > 0 && c.K[1][1] > 0) {
		return fmt.Errorf("matrix: focal lengths %g, %g must be positive", c.K[0][0], c.K[1][1])
	}
	if c.K[1][0] != 0 || c.K[2] != [3]float64{0, 0, 1} {
		return fmt.Errorf("matrix: want [fx s cx; 0 fy cy; 0 0 1], got rows %v %v", c.K[1], c.K[2])
	}
	if c.Width < 0 || c.Height < 0 {
		return fmt.Errorf("size: %d×%d is negative", c.Width, c.Height)
	}
	return nil
}

// rotationTol is how far RᵀR may be from the identity: files store nine
// rounded numbers, and 1e-6 is a thousand times what a 9-digit float
// loses, while any real mistake (a scaled or transposed-and-scaled
// matrix) is far larger.
const rotationTol = 1e-6

// checkPose reports an R that is not a rotation or a non-finite T.
func checkPose(c *Camera) error {
	for i := range 3 {
		for j := range 3 {
			if !finite(c.R[i][j]) {
				return fmt.Errorf("rotation: element (%d, %d) is not finite", i+1, j+1)
			}
			var dot float64
			for k := range 3 {
				dot += c.R[k][i] * c.R[k][j]
			}
			if i == j {
				dot--
			}
			if math.Abs(dot) > rotationTol {
				return fmt.Errorf("rotation: not orthonormal (RᵀR differs from I by %.3g at (%d, %d))", math.Abs(dot), i+1, j+1)
			}
		}
	}
	R := c.R
	det := R[0][0]*(R[1][1]*R[2][2]-R[1][2]*R[2][1]) - R[0][1]*(R[1][0]*R[2][2]-R[1][2]*R[2][0]) + R[0][2]*(R[1][0]*R[2][1]-R[1][1]*R[2][0])
	if det < 0 {
		return errors.New("rotation: determinant is -1, a reflection")
	}
	if !finite(c.T.X) || !finite(c.T.Y) || !finite(c.T.Z) {
		return errors.New("translation: not finite")
	}
	return nil
}

// normDist checks distortion coefficients as a file gives them and
// returns what Camera.Dist holds. Brown–Conrady files carry 4, 5, 8, 12
// or 14 coefficients (OpenCV's counts); the model here stops at k3, so
// the rational, thin-prism and tilt terms must be zero and are dropped.
// Fisheye files carry 4.
func normDist(d []float64, fisheye bool) ([]float64, error) {
	for i, v := range d {
		if !finite(v) {
			return nil, fmt.Errorf("distortions: coefficient %d is not finite", i+1)
		}
	}
	if len(d) == 0 {
		return nil, nil
	}
	if fisheye {
		if len(d) != 4 {
			return nil, fmt.Errorf("distortions: %d coefficients for a fisheye camera, want 4 (k1..k4)", len(d))
		}
		return d, nil
	}
	switch len(d) {
	case 4, 5:
		return d, nil
	case 8, 12, 14:
		for i, v := range d[5:] {
			if v != 0 {
				return nil, unsupported(fmt.Sprintf("distortions: coefficient %d is %g; OpenCV's rational, thin-prism and tilt terms (after k3) are not modelled", i+6, v))
			}
		}
		return d[:5:5], nil
	}
	return nil, fmt.Errorf("distortions: %d coefficients, want 4, 5, 8, 12 or 14", len(d))
}

// distOut returns c's coefficients as a file holds them: padded with
// zeros to n (4 or 5; always 4 for a fisheye camera), or to 5 when c has
// five. checkWritable has made sure nothing is cut that is not zero.
func distOut(c *Camera, n int) []float64 {
	limit := 5
	if c.Fisheye {
		n, limit = 4, 4
	}
	out := make([]float64, max(n, min(len(c.Dist), limit)))
	copy(out, c.Dist)
	return out
}

// checkWritable reports what a writer cannot write: a malformed camera, a
// name that cannot be spelled in every format, a name used twice, Meta
// that does not match the cameras.
func checkWritable(cams []Camera, m Meta) error {
	if len(cams) == 0 {
		return fault("", errors.New("no camera to write"))
	}
	seen := make(map[string]bool, len(cams))
	for i := range cams {
		c := &cams[i]
		if err := checkName("name", c.Name); err != nil {
			return fault(fmt.Sprintf("camera %d", i+1), err)
		}
		if seen[c.Name] {
			return fault("", unsupported(fmt.Sprintf("two cameras are named %q", c.Name)))
		}
		seen[c.Name] = true
		where := fmt.Sprintf("camera %q", c.Name)
		if err := checkIntrinsics(c); err != nil {
			return fault(where, err)
		}
		if err := checkPose(c); err != nil {
			return fault(where, err)
		}
		limit := 5
		if c.Fisheye {
			limit = 4
		}
		for j, v := range c.Dist {
			if !finite(v) {
				return fault(where, fmt.Errorf("distortions: coefficient %d is not finite", j+1))
			}
			if j >= limit && v != 0 {
				return fault(where, unsupported(fmt.Sprintf("distortions: coefficient %d is %g; the model stops at coefficient %d", j+1, v, limit)))
			}
		}
	}
	if m.RMS != nil && len(m.RMS) != len(cams) {
		return fault("meta", fmt.Errorf("%d RMS values for %d cameras", len(m.RMS), len(cams)))
	}
	for i, v := range m.RMS {
		if !(v >= 0) || math.IsInf(v, 0) {
			return fault("meta", fmt.Errorf("RMS of camera %d is %g", i+1, v))
		}
	}
	if !(m.Error >= 0) || math.IsInf(m.Error, 0) {
		return fault("meta", fmt.Errorf("error is %g", m.Error))
	}
	for _, err := range []error{checkText("world", m.World), checkText("tool", m.Tool)} {
		if err != nil {
			return fault("meta", err)
		}
	}
	return nil
}

// checkName reports a camera name that some format cannot spell: every
// format quotes names, and FileStorage's XML has no escape for a quote.
func checkName(what, s string) error {
	if s == "" {
		return unsupported(what + ": empty")
	}
	return checkText(what, s)
}

func checkText(what, s string) error {
	if !utf8.ValidString(s) {
		return unsupported(fmt.Sprintf("%s %q: not UTF-8", what, s))
	}
	for _, r := range s {
		if r == '"' || r == '\\' || !unicode.IsPrint(r) {
			return unsupported(fmt.Sprintf("%s %q: quotes, backslashes and control characters cannot be written in every format", what, s))
		}
	}
	return nil
}

// rmsOf returns camera i's RMS from m, 0 when unknown.
func rmsOf(m Meta, i int) float64 {
	if i < len(m.RMS) {
		return m.RMS[i]
	}
	return 0
}
