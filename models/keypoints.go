package models

// KeypointSet names the joints a pose network reports, in its output order,
// and the limbs drawn between them.
type KeypointSet struct {
	Name   string
	Joints []string
	Limbs  [][2]int // pairs of indices into Joints
	// Sigmas are the per-joint OKS constants of the COCO keypoint benchmark
	// (nil where the set has none).
	Sigmas []float64
}

// Index returns the position of the named joint, or -1.
func (k KeypointSet) Index(joint string) int {
	for i, j := range k.Joints {
		if j == joint {
			return i
		}
	}
	return -1
}

// COCO17 indices, in the order COCO-17 networks (MoveNet among them) report.
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
var COCO17 = KeypointSet{
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
