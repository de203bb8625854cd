package calibration

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// ReadCaliscope reads caliscope's camera array: the current
// camera_array.toml, one [cameras.<id>] table per camera with `cam_id`,
// and the older layouts too, [cameras.<id>] with `port`, and config.toml's
// [cam_<n>] tables with `port`. Each camera has `size`, `matrix`,
// `distortions` (5, or 4 when `fisheye`), `error` (the intrinsic
// calibration's RMS in pixels, which becomes Meta.RMS), `rotation` and
// `translation` (world→camera, metres: caliscope uses [R|t] as the
// projection of world points). Current files store `rotation` as a
// Rodrigues vector, older ones as a 3x3 matrix; both are read. Workspace
// keys (`rotation_count`, `exposure`, `grid_count`, `ignore`,
// `verified_resolutions`) are ignored.
//
// caliscope's cameras have numbers, not names: a camera is named by its
// `name` key when present (WriteCaliscope writes one), "cam_<id>"
// otherwise, and cameras come in the order of their ids. A camera without
// intrinsics or pose (caliscope keeps cameras it has not calibrated yet)
// is an error: this package has no use for it.
func ReadCaliscope(r io.Reader) ([]Camera, Meta, error) {
	doc, err := decodeTOML(r)
	if err != nil {
		return nil, Meta{}, err
	}
	type entry struct {
		id    int
		where string
		t     map[string]any
	}
	var entries []entry
	if v, ok := doc.raw["cameras"]; ok {
		tables, ok := v.(map[string]any)
		if !ok {
			return nil, Meta{}, fault("cameras", fmt.Errorf("%T, not a table", v))
		}
		for k, v := range tables {
			where := "[cameras." + tomlKey(k) + "]"
			t, ok := v.(map[string]any)
			if !ok {
				return nil, Meta{}, fault(where, fmt.Errorf("%T, not a table", v))
			}
			id, err := caliscopeID(k, t)
			if err != nil {
				return nil, Meta{}, fault(where, err)
			}
			entries = append(entries, entry{id, where, t})
		}
	} else {
		for _, k := range doc.order {
			t, ok := doc.raw[k].(map[string]any)
			if !ok || !strings.HasPrefix(k, "cam_") || t["port"] == nil {
				continue
			}
			id, err := caliscopeID(strings.TrimPrefix(k, "cam_"), t)
			if err != nil {
				return nil, Meta{}, fault(tomlTable(k), err)
			}
			entries = append(entries, entry{id, tomlTable(k), t})
		}
	}
	if len(entries) == 0 {
		return nil, Meta{}, fault("", errors.New("no camera: neither [cameras.<id>] tables nor [cam_<n>] tables with a port"))
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].id < entries[j].id })
	cams := make([]Camera, 0, len(entries))
	rms := make([]float64, 0, len(entries))
	for i, e := range entries {
		if i > 0 && entries[i-1].id == e.id {
			return nil, Meta{}, fault(e.where, fmt.Errorf("camera id %d used twice", e.id))
		}
		if !present(e.t, "matrix") {
			return nil, Meta{}, fault(e.where, fmt.Errorf("camera %d has no intrinsics (no matrix): calibrate it in caliscope first", e.id))
		}
		if !present(e.t, "rotation") || !present(e.t, "translation") {
			return nil, Meta{}, fault(e.where, fmt.Errorf("camera %d has no pose (no rotation or translation): run caliscope's extrinsic calibration first", e.id))
		}
		c, err := tomlCamera(fmt.Sprintf("cam_%d", e.id), e.t, Metre, true)
		if err != nil {
			return nil, Meta{}, fault(e.where, err)
		}
		v, err := optNumber(e.t, "error")
		if err != nil {
			return nil, Meta{}, fault(e.where, err)
		}
		cams = append(cams, c)
		rms = append(rms, v)
	}
	var m Meta
	if anyPositive(rms) {
		m.RMS = rms
	}
	return cams, m, nil
}

// caliscopeID returns a camera's number: `cam_id`, else `port`, else the
// table's own name.
func caliscopeID(key string, t map[string]any) (int, error) {
	for _, k := range []string{"cam_id", "port"} {
		if v, ok := t[k]; ok {
			id, ok := v.(int64)
			if !ok || id < 0 || id > 1<<20 {
				return 0, fmt.Errorf("%s: %v, not a camera number", k, v)
			}
			return int(id), nil
		}
	}
	id, err := strconv.Atoi(key)
	if err != nil || id < 0 {
		return 0, fmt.Errorf("table %q: no cam_id or port, and the name is not a camera number", key)
	}
	return id, nil
}

// present reports whether key holds a value: older caliscope files write
// the string "null" for a missing one.
func present(t map[string]any, key string) bool {
	v, ok := t[key]
	return ok && v != "null"
}

var camNumber = regexp.MustCompile(`^cam_(\d{1,6})$`)

// WriteCaliscope writes cameras as caliscope's current camera_array.toml,
// which caliscope loads: [cameras.<id>] tables with `cam_id`, `size`,
// `rotation_count` (0), `error` (the camera's RMS when Meta knows it),
// `matrix`, `distortions` (5, or 4 for fisheye cameras), `translation`
// (metres), `rotation` (Rodrigues vector) and `fisheye`, plus `name`,
// which caliscope ignores and ReadCaliscope reads back. Ids are the
// numbers of names like "cam_3" when every camera has one, so that a file
// read from caliscope keeps its ids; the cameras' order otherwise.
// Meta.Error, World and Tool have no place in the file.
func WriteCaliscope(w io.Writer, cams []Camera, m Meta) error {
	if err := checkWritable(cams, m); err != nil {
		return err
	}
	if err := checkSized(cams); err != nil {
		return err
	}
	ids := make([]int, len(cams))
	for i := range ids {
		ids[i] = i
	}
	fromNames := make([]int, 0, len(cams))
	seen := make(map[int]bool)
	for _, c := range cams {
		sub := camNumber.FindStringSubmatch(c.Name)
		if sub == nil {
			break
		}
		id, _ := strconv.Atoi(sub[1])
		if seen[id] {
			break
		}
		seen[id] = true
		fromNames = append(fromNames, id)
	}
	if len(fromNames) == len(cams) {
		ids = fromNames
	}
	bw := bufio.NewWriter(w)
	for i := range cams {
		c := &cams[i]
		rv := RotationVector(c.R)
		fmt.Fprintf(bw, "[cameras.%d]\ncam_id = %d\nname = %s\nsize = [%d, %d]\nrotation_count = 0\n", ids[i], ids[i], tomlString(c.Name), c.Width, c.Height)
		if v := rmsOf(m, i); v > 0 {
			fmt.Fprintf(bw, "error = %s\n", tomlFloat(v))
		}
		fmt.Fprintf(bw, "matrix = %s\ndistortions = %s\n", tomlMatrix(c.K), tomlFloats(distOut(c, 5)...))
		fmt.Fprintf(bw, "translation = %s\nrotation = %s\nfisheye = %t\n\n",
			tomlFloats(c.T.X, c.T.Y, c.T.Z), tomlFloats(rv.X, rv.Y, rv.Z), c.Fisheye)
	}
	return bw.Flush()
}
