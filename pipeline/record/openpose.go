package record

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
)

// OpenPosePerson is one person's keypoints from an OpenPose JSON file:
// (x, y, confidence) per joint in the file's keypoint set, pixels. A joint
// OpenPose did not find has confidence 0.
type OpenPosePerson [][3]float64

type openPoseFile struct {
	People []struct {
		Pose []float64 `json:"pose_keypoints_2d"`
	} `json:"people"`
}

// ReadOpenPose reads one OpenPose JSON frame ({"people": [{"pose_keypoints_2d":
// [x, y, c, ...]}]}) whose people have the given number of joints. A person
// with an empty keypoint list (a placeholder, as Pose2Sim writes for a
// person not found) is left out.
func ReadOpenPose(r io.Reader, joints int) ([]OpenPosePerson, error) {
	var f openPoseFile
	if err := json.NewDecoder(r).Decode(&f); err != nil {
		return nil, fmt.Errorf("openpose: %w", err)
	}
	people := make([]OpenPosePerson, 0, len(f.People))
	for i, p := range f.People {
		if len(p.Pose) == 0 {
			continue // a placeholder: the person was not found in this frame
		}
		if len(p.Pose) != 3*joints {
			return nil, fmt.Errorf("openpose: person %d has %d values, want %d (%d joints x 3)", i, len(p.Pose), 3*joints, joints)
		}
		kp := make(OpenPosePerson, joints)
		for j := range kp {
			x, y, c := p.Pose[3*j], p.Pose[3*j+1], p.Pose[3*j+2]
			if math.IsNaN(x) || math.IsNaN(y) || math.IsNaN(c) || math.IsInf(x, 0) || math.IsInf(y, 0) || math.IsInf(c, 0) {
				c = 0 // not found: never a NaN downstream
			}
			kp[j] = [3]float64{x, y, c}
		}
		people = append(people, kp)
	}
	return people, nil
}

// ReadOpenPoseDir reads every *.json file of an OpenPose output folder, one
// frame each, in file-name order.
func ReadOpenPoseDir(dir string, joints int) (frames [][]OpenPosePerson, names []string, err error) {
	names, err = filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, nil, err
	}
	if len(names) == 0 {
		if _, err := os.Stat(dir); err != nil {
			return nil, nil, err
		}
		return nil, nil, fmt.Errorf("%s: no OpenPose .json files", dir)
	}
	sort.Strings(names)
	frames = make([][]OpenPosePerson, len(names))
	for i, n := range names {
		f, err := os.Open(n)
		if err != nil {
			return nil, nil, err
		}
		frames[i], err = ReadOpenPose(f, joints)
		f.Close()
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", n, err)
		}
	}
	return frames, names, nil
}
