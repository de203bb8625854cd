package board

import (
	"fmt"
	"strings"
)

// Dict is one of OpenCV's predefined ArUco dictionaries; its value is
// OpenCV's cv::aruco::PREDEFINED_DICTIONARY_NAME, so it crosses to C as is.
type Dict int

// The predefined dictionaries, in OpenCV's order.
const (
	Dict4X4_50 Dict = iota
	Dict4X4_100
	Dict4X4_250
	Dict4X4_1000
	Dict5X5_50
	Dict5X5_100
	Dict5X5_250
	Dict5X5_1000
	Dict6X6_50
	Dict6X6_100
	Dict6X6_250
	Dict6X6_1000
	Dict7X7_50
	Dict7X7_100
	Dict7X7_250
	Dict7X7_1000
	DictArucoOriginal
	DictAprilTag16h5
	DictAprilTag25h9
	DictAprilTag36h10
	DictAprilTag36h11
)

// dicts lists each dictionary's OpenCV name, its number of codes and its
// marker side in bits (the code grid, without the black border).
var dicts = [...]struct {
	name  string
	codes int
	bits  int
}{
	{"DICT_4X4_50", 50, 4},
	{"DICT_4X4_100", 100, 4},
	{"DICT_4X4_250", 250, 4},
	{"DICT_4X4_1000", 1000, 4},
	{"DICT_5X5_50", 50, 5},
	{"DICT_5X5_100", 100, 5},
	{"DICT_5X5_250", 250, 5},
	{"DICT_5X5_1000", 1000, 5},
	{"DICT_6X6_50", 50, 6},
	{"DICT_6X6_100", 100, 6},
	{"DICT_6X6_250", 250, 6},
	{"DICT_6X6_1000", 1000, 6},
	{"DICT_7X7_50", 50, 7},
	{"DICT_7X7_100", 100, 7},
	{"DICT_7X7_250", 250, 7},
	{"DICT_7X7_1000", 1000, 7},
	{"DICT_ARUCO_ORIGINAL", 1024, 5},
	{"DICT_APRILTAG_16h5", 30, 4},
	{"DICT_APRILTAG_25h9", 35, 5},
	{"DICT_APRILTAG_36h10", 2320, 6},
	{"DICT_APRILTAG_36h11", 587, 6},
}

// ParseDict returns the dictionary of an OpenCV name such as
// "DICT_4X4_1000", in any letter case.
func ParseDict(name string) (Dict, error) {
	for i, d := range dicts {
		if strings.EqualFold(name, d.name) {
			return Dict(i), nil
		}
	}
	return 0, fmt.Errorf("unknown ArUco dictionary %q (want one of OpenCV's, e.g. DICT_4X4_50 or DICT_ARUCO_ORIGINAL)", name)
}

func (d Dict) valid() bool { return d >= 0 && int(d) < len(dicts) }

// String returns OpenCV's name of the dictionary.
func (d Dict) String() string {
	if !d.valid() {
		return fmt.Sprintf("Dict(%d)", int(d))
	}
	return dicts[d].name
}

// Codes is the number of distinct markers in the dictionary.
func (d Dict) Codes() int {
	if !d.valid() {
		return 0
	}
	return dicts[d].codes
}

// Bits is the side of a marker's code grid, in cells.
func (d Dict) Bits() int {
	if !d.valid() {
		return 0
	}
	return dicts[d].bits
}
