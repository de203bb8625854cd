// Package skeleton is the project's vocabulary for bodies: the keypoint sets
// networks and files speak (joint names in their order, limbs, COCO's OKS
// constants) and the canonical joint names every package uses to find a
// joint ("LKnee", "RHeel", ...). It has no dependencies; packages that need
// a joint look it up by name in the set they were given, never by a
// hard-coded index.
package skeleton

// Set names the joints of a keypoint layout, in its order, and the limbs
// drawn between them.
type Set struct {
	Name   string
	Joints []string
	Limbs  [][2]int // pairs of indices into Joints
	// Sigmas are the per-joint OKS constants of the COCO keypoint benchmark
	// (nil where the set has none).
	Sigmas []float64
}

// Index returns the position of the named joint, or -1.
func (s *Set) Index(joint string) int {
	for i, j := range s.Joints {
		if j == joint {
			return i
		}
	}
	return -1
}

// Len returns the number of joints.
func (s *Set) Len() int { return len(s.Joints) }

// ByName returns the set called name ("coco17", "body25", "body25b"), or
// nil.
func ByName(name string) *Set {
	for _, s := range []*Set{&COCO17, &BODY25, &BODY25B} {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// COCO-17 indices, in the order COCO-17 networks (MoveNet among them)
// report.
const (
	Nose = iota
	LEye
	REye
	LEar
	REar
	LShoulder
	RShoulder
	LElbow
	RElbow
	LWrist
	RWrist
	LHip
	RHip
	LKnee
	RKnee
	LAnkle
	RAnkle
	NumCOCO17
)

// COCO17 is the 17-joint set of the COCO keypoint benchmark.
var COCO17 = Set{
	Name: "coco17",
	Joints: []string{
		"Nose", "LEye", "REye", "LEar", "REar",
		"LShoulder", "RShoulder", "LElbow", "RElbow", "LWrist", "RWrist",
		"LHip", "RHip", "LKnee", "RKnee", "LAnkle", "RAnkle",
	},
	Limbs: [][2]int{
		{Nose, LEye}, {Nose, REye}, {LEye, LEar}, {REye, REar},
		{LShoulder, RShoulder}, {LShoulder, LElbow}, {LElbow, LWrist},
		{RShoulder, RElbow}, {RElbow, RWrist},
		{LShoulder, LHip}, {RShoulder, RHip}, {LHip, RHip},
		{LHip, LKnee}, {LKnee, LAnkle}, {RHip, RKnee}, {RKnee, RAnkle},
	},
	Sigmas: []float64{
		0.026, 0.025, 0.025, 0.035, 0.035,
		0.079, 0.079, 0.072, 0.072, 0.062, 0.062,
		0.107, 0.107, 0.087, 0.087, 0.089, 0.089,
	},
}

// BODY25 is OpenPose's default 25-joint set.
var BODY25 = Set{
	Name: "body25",
	Joints: []string{
		"Nose", "Neck", "RShoulder", "RElbow", "RWrist", "LShoulder", "LElbow", "LWrist",
		"MidHip", "RHip", "RKnee", "RAnkle", "LHip", "LKnee", "LAnkle",
		"REye", "LEye", "REar", "LEar",
		"LBigToe", "LSmallToe", "LHeel", "RBigToe", "RSmallToe", "RHeel",
	},
	Limbs: [][2]int{
		{1, 0}, {1, 2}, {2, 3}, {3, 4}, {1, 5}, {5, 6}, {6, 7}, {1, 8},
		{8, 9}, {9, 10}, {10, 11}, {8, 12}, {12, 13}, {13, 14},
		{0, 15}, {15, 17}, {0, 16}, {16, 18},
		{14, 19}, {19, 20}, {14, 21}, {11, 22}, {22, 23}, {11, 24},
	},
}

// BODY25B is OpenPose's experimental BODY_25B set, the one Pose2Sim's demo
// uses: COCO-17 first, then neck, head top and the feet.
var BODY25B = Set{
	Name: "body25b",
	Joints: []string{
		"Nose", "LEye", "REye", "LEar", "REar",
		"LShoulder", "RShoulder", "LElbow", "RElbow", "LWrist", "RWrist",
		"LHip", "RHip", "LKnee", "RKnee", "LAnkle", "RAnkle",
		"Neck", "Head",
		"LBigToe", "LSmallToe", "LHeel", "RBigToe", "RSmallToe", "RHeel",
	},
	Limbs: [][2]int{
		{Nose, LEye}, {Nose, REye}, {LEye, LEar}, {REye, REar},
		{17, 18}, {17, Nose}, {17, LShoulder}, {17, RShoulder},
		{LShoulder, LElbow}, {LElbow, LWrist}, {RShoulder, RElbow}, {RElbow, RWrist},
		{LShoulder, LHip}, {RShoulder, RHip}, {LHip, RHip},
		{LHip, LKnee}, {LKnee, LAnkle}, {RHip, RKnee}, {RKnee, RAnkle},
		{LAnkle, 19}, {19, 20}, {LAnkle, 21}, {RAnkle, 22}, {22, 23}, {RAnkle, 24},
	},
}

// Mirror returns, for each joint of the set, the index of its left/right
// counterpart ("LKnee" for "RKnee"), or the joint itself when it has none
// ("Nose").
func (s *Set) Mirror() []int {
	m := make([]int, len(s.Joints))
	for i, j := range s.Joints {
		m[i] = i
		if len(j) < 2 {
			continue
		}
		var other string
		switch j[0] {
		case 'L':
			other = "R" + j[1:]
		case 'R':
			other = "L" + j[1:]
		default:
			continue
		}
		if k := s.Index(other); k >= 0 {
			m[i] = k
		}
	}
	return m
}
