package calibrate

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Synchronization: which frames of the cameras were taken at the same
// instant.
//
// By default frame i of every camera is one instant: the recordings must
// have the same number of frames (images: exactly; videos: within
// maxFrameSlack frames) and, for videos, the same frame rate (within
// 1 %). Caliscope records a timestamps.csv beside its videos
// (sync_index, cam_id, frame_time: one row per frame of each camera);
// when every video is in one directory holding such a file, it pairs the
// frames instead: the k-th row of camera c, in sync_index order, is frame
// k of the video whose base name ends in c (cam_0.mp4, port_3.mp4), and
// the synchronized frame is the sync_index. A camera that dropped a frame
// then simply has no row at that sync_index. In caliscope's own test
// session every camera has one row at each sync_index from 35 to 91, 57
// frames, so there frame i of every video is one instant either way.

// timestampsFile is the name of caliscope's frame timestamps, beside its
// videos.
const timestampsFile = "timestamps.csv"

// maxFrameSlack is how many frames videos paired by index may differ in
// length: cameras started and stopped by hand end a frame or two apart.
const maxFrameSlack = 2

// maxRateDiff is the largest relative difference of frame rates between
// videos paired by index.
const maxRateDiff = 0.01

// timeline maps each camera's frames to synchronized frames.
type timeline struct {
	// ids[c] maps camera c's frame index to its synchronized frame; nil
	// means the frame index itself.
	ids []map[int]int
	// how says in words how frames were paired.
	how string
}

// sync returns camera c's synchronized frame for its frame index i; ok is
// false when the frame has no place on the timeline.
func (t *timeline) sync(c, i int) (int, bool) {
	if t.ids == nil || t.ids[c] == nil {
		return i, true
	}
	f, ok := t.ids[c][i]
	return f, ok
}

// synchronize checks that the recordings of dets can be one synchronized
// take and returns how their frames pair. Only each Detections' Source,
// Length and FPS are read, so it can run before the board search.
func synchronize(dets []*Detections) (*timeline, error) {
	if path, ok := sharedTimestamps(dets); ok {
		return readTimeline(path, dets)
	}
	images := false
	for _, d := range dets {
		images = images || d.Source.Video == ""
	}
	slack := maxFrameSlack
	if images {
		slack = 0
	}
	lo, hi := -1, -1
	var rates []float64
	for i, d := range dets {
		if d.Length > 0 {
			if lo < 0 || d.Length < dets[lo].Length {
				lo = i
			}
			if hi < 0 || d.Length > dets[hi].Length {
				hi = i
			}
		}
		if d.FPS > 0 {
			rates = append(rates, d.FPS)
		}
	}
	if lo >= 0 && dets[hi].Length-dets[lo].Length > slack {
		return nil, fmt.Errorf("%w: frame i of every camera should be one instant, but the recordings have %s frames",
			ErrUnsynchronized, describeLengths(dets))
	}
	if len(rates) > 1 {
		sort.Float64s(rates)
		if (rates[len(rates)-1]-rates[0])/rates[len(rates)-1] > maxRateDiff {
			var parts []string
			for _, d := range dets {
				parts = append(parts, fmt.Sprintf("%s %.3g", d.Source.Name, d.FPS))
			}
			return nil, fmt.Errorf("%w: the videos' frame rates differ: %s frames per second", ErrUnsynchronized, strings.Join(parts, ", "))
		}
	}
	return &timeline{how: "frame i of every camera"}, nil
}

// describeLengths lists each camera's frame count.
func describeLengths(dets []*Detections) string {
	parts := make([]string, len(dets))
	for i, d := range dets {
		parts[i] = fmt.Sprintf("%s %d", d.Source.Name, d.Length)
	}
	return strings.Join(parts, ", ")
}

// sharedTimestamps returns the timestamps file beside the videos when
// every source is a video and they are all in one directory that holds
// one.
func sharedTimestamps(dets []*Detections) (string, bool) {
	dir := ""
	for i, d := range dets {
		if d.Source.Video == "" {
			return "", false
		}
		v := filepath.Dir(d.Source.Video)
		if i > 0 && v != dir {
			return "", false
		}
		dir = v
	}
	path := filepath.Join(dir, timestampsFile)
	fi, err := os.Stat(path)
	return path, err == nil && !fi.IsDir()
}

// trailingNumber finds the camera id at the end of a video's base name.
var trailingNumber = regexp.MustCompile(`(\d+)$`)

// readTimeline pairs the videos' frames by the timestamps file at path.
func readTimeline(path string, dets []*Detections) (*timeline, error) {
	rows, err := readTimestamps(path)
	if err != nil {
		return nil, err
	}
	t := &timeline{ids: make([]map[int]int, len(dets)), how: "sync_index of " + path}
	for c, d := range dets {
		m := trailingNumber.FindString(baseName(d.Source.Video))
		id, err := strconv.Atoi(m)
		if err != nil {
			return nil, fmt.Errorf("%w: %s pairs the frames by camera id, but video %s's name ends in no number",
				ErrInput, path, d.Source.Video)
		}
		sync, ok := rows[id]
		if !ok {
			return nil, fmt.Errorf("%w: %s has no frame of cam_id %d (video %s); it has cam_id %s",
				ErrInput, path, id, d.Source.Video, camIDs(rows))
		}
		if d.Length > 0 && d.Length != len(sync) {
			return nil, fmt.Errorf("%w: video %s has %d frames, %s lists %d for cam_id %d",
				ErrUnsynchronized, d.Source.Video, d.Length, path, len(sync), id)
		}
		t.ids[c] = make(map[int]int, len(sync))
		for k, s := range sync {
			t.ids[c][k] = s
		}
	}
	return t, nil
}

// readTimestamps reads a caliscope timestamps file: for each cam_id, its
// frames' sync_index values in increasing order.
func readTimestamps(path string) (map[int][]int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInput, err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.TrimLeadingSpace = true
	head, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrInput, path, err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.TrimSpace(h)] = i
	}
	si, ok1 := col["sync_index"]
	ci, ok2 := col["cam_id"]
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("%w: %s: header %q lacks sync_index and cam_id (caliscope's frame timestamps; move the file away if it is something else)",
			ErrInput, path, strings.Join(head, ","))
	}
	rows := map[int][]int{}
	seen := map[[2]int]bool{}
	for line := 2; ; line++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrInput, path, err)
		}
		s, err1 := strconv.Atoi(strings.TrimSpace(rec[si]))
		c, err2 := strconv.Atoi(strings.TrimSpace(rec[ci]))
		if err1 != nil || err2 != nil || s < 0 || s > math.MaxInt32 {
			return nil, fmt.Errorf("%w: %s line %d: sync_index %q and cam_id %q must be whole numbers", ErrInput, path, line, rec[si], rec[ci])
		}
		if seen[[2]int{c, s}] {
			return nil, fmt.Errorf("%w: %s line %d: cam_id %d has two frames at sync_index %d", ErrInput, path, line, c, s)
		}
		seen[[2]int{c, s}] = true
		rows[c] = append(rows[c], s)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("%w: %s lists no frame", ErrInput, path)
	}
	for _, s := range rows {
		sort.Ints(s)
	}
	return rows, nil
}

func camIDs(rows map[int][]int) string {
	ids := make([]int, 0, len(rows))
	for id := range rows {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.Itoa(id)
	}
	return strings.Join(parts, ", ")
}
