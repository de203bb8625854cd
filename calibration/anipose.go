package calibration

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
)

// ReadAnipose reads aniposelib's calibration.toml (CameraGroup.dump): one
// table per camera, [cam_0], [cam_1], ..., with `name`, `size` [w, h],
// `matrix` (K, 3x3), `distortions` (k1, k2, p1, p2, k3; k1..k4 with
// `fisheye = true`), `rotation` (Rodrigues vector, world→camera) and
// `translation` (world→camera), and a [metadata] table with `adjusted`
// and `error` (pixels), which becomes Meta.Error.
//
// Anipose's translations are in the unit of the board's square size,
// which the file does not record: unit is its length in metres, zero
// meaning Millimetre (boards are usually measured in millimetres).
//
// Every table but [metadata] is a camera, as anipose reads it. Cameras
// come in the file's order, the order CameraGroup.dump wrote them; note
// that anipose's own loader sorts the table names as strings, so with
// eleven cameras or more it puts cam_10 before cam_2.
func ReadAnipose(r io.Reader, unit float64) ([]Camera, Meta, error) {
	unit, err := aniposeUnit(unit)
	if err != nil {
		return nil, Meta{}, err
	}
	doc, err := decodeTOML(r)
	if err != nil {
		return nil, Meta{}, err
	}
	var cams []Camera
	var m Meta
	for _, k := range doc.order {
		if k == "metadata" {
			continue
		}
		t, ok := doc.raw[k].(map[string]any)
		if !ok {
			return nil, Meta{}, fault(k, fmt.Errorf("%T, not a camera table", doc.raw[k]))
		}
		c, err := tomlCamera(k, t, unit, false)
		if err != nil {
			return nil, Meta{}, fault(tomlTable(k), err)
		}
		cams = append(cams, c)
	}
	if len(cams) == 0 {
		return nil, Meta{}, fault("", errors.New("no camera table"))
	}
	if meta, ok := doc.raw["metadata"].(map[string]any); ok {
		if m.Error, err = optNumber(meta, "error"); err != nil {
			return nil, Meta{}, fault("[metadata]", err)
		}
	}
	return cams, m, nil
}

// WriteAnipose writes cameras as aniposelib's CameraGroup.dump does, with
// translations in units of unit metres (zero meaning Millimetre: they are
// multiplied by 1000). Distortions get 5 coefficients (4 for fisheye
// cameras, which also get `fisheye = true`). [metadata] says `adjusted =
// false`, as anipose's board calibration does (true would make anipose
// skip its own refinement), and `error` when Meta.Error is known. Per
// camera RMS, World and Tool have no place in the file.
func WriteAnipose(w io.Writer, cams []Camera, m Meta, unit float64) error {
	unit, err := aniposeUnit(unit)
	if err != nil {
		return err
	}
	if err := checkWritable(cams, m); err != nil {
		return err
	}
	if err := checkSized(cams); err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	for i := range cams {
		c := &cams[i]
		rv := RotationVector(c.R)
		fmt.Fprintf(bw, "[cam_%d]\nname = %s\nsize = [%d, %d]\n", i, tomlString(c.Name), c.Width, c.Height)
		fmt.Fprintf(bw, "matrix = %s\ndistortions = %s\n", tomlMatrix(c.K), tomlFloats(distOut(c, 5)...))
		fmt.Fprintf(bw, "rotation = %s\ntranslation = %s\n",
			tomlFloats(rv.X, rv.Y, rv.Z), tomlFloats(c.T.X/unit, c.T.Y/unit, c.T.Z/unit))
		if c.Fisheye {
			bw.WriteString("fisheye = true\n")
		}
		bw.WriteString("\n")
	}
	bw.WriteString("[metadata]\nadjusted = false\n")
	if m.Error > 0 {
		fmt.Fprintf(bw, "error = %s\n", tomlFloat(m.Error))
	}
	return bw.Flush()
}

func aniposeUnit(unit float64) (float64, error) {
	if unit == 0 {
		return Millimetre, nil
	}
	if !(unit > 0) || math.IsInf(unit, 0) {
		return 0, fmt.Errorf("anipose unit %g m: want a positive length", unit)
	}
	return unit, nil
}
