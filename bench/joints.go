package bench

import (
	"fmt"

	"github.com/athlete3d/athlete3d/skeleton"
	"gonum.org/v1/gonum/spatial/r3"
)

// Joint-centre constants; see JointCentres.
const (
	// rabShoulder is Rab et al. (2002): the glenohumeral centre lies
	// 0.17 × the distance between the acromion markers below each one.
	rabShoulder = 0.17
	// elbowOffset is half an adult elbow width plus a marker radius
	// (Plug-in Gait's (width + marker)/2 with a 70 mm elbow and a 14 mm
	// marker): the elbow centre lies this far medial of the lateral
	// epicondyle marker. Metres.
	elbowOffset = 0.042
)

// JointCentres returns, for every frame of the trial, the world position
// of every joint of set (metres), NaN for the joints the marker set cannot
// give. The rules, by joint name:
//
//   - LHip, RHip: Harrington et al. (2007) regression from LASI, RASI and
//     SACR (the midpoint of the posterior iliac spines). In the pelvis frame
//     at the ASIS midpoint (x anterior, y superior, z right; PW the ASIS
//     distance, PD the ASIS-midpoint-to-SACR distance, mm):
//     x = −0.24 PD − 9.9, y = −0.30 PW − 10.9, z = ±(0.33 PW + 7.3).
//   - MidHip: the midpoint of the hip centres.
//   - LKnee: the midpoint of the lateral (LLEPI) and medial (LMEPI)
//     epicondyle markers. Runs have no medial marker: it is rebuilt from the
//     static trial, fixed in the thigh cluster (LTHLP, LTHLD, LTHAP, LTHAD,
//     LLEPI) by a least-squares rigid fit (CAST, Cappozzo et al. 1995).
//   - LAnkle: the midpoint of the malleoli LLMAL and LMMAL, the medial one
//     rebuilt from the static trial in the shank cluster (LTIAP, LTIAD,
//     LTILAT, LLMAL).
//   - LHeel: the LHEEL marker (calcaneus). LBigToe: LTOE (toe tip, between
//     the first and second toes). LSmallToe: LP5MT moved by the vector
//     from LP1MT to LTOE (the fifth metatarsal head carried as far forward
//     as the toe tip is from the first).
//   - LShoulder: the acromion marker LSH moved down the trunk axis by
//     0.17 × the LSH–RSH distance (Rab et al. 2002). The trunk axis runs
//     from the hip-centre midpoint to the midpoint of C7 and MAN.
//   - LElbow: the lateral epicondyle marker LELB moved 42 mm medially along
//     the shoulder line (LSH to RSH): the arms swing near the sagittal
//     plane in sprinting, so the epicondyle axis stays close to it.
//   - LWrist: the LWR marker (placed at the wrist centre's height and depth
//     on the dorsal side, about 2 cm from the centre).
//   - Neck: the midpoint of C7 and MAN, the base of the neck (BODY_25B's
//     neck, from MPII's upper neck, sits a few centimetres higher).
//   - Nose, eyes, ears, Head: missing; the marker set has no head markers.
//
// The R joints mirror the L ones. Any other name is missing.
func (t *Trial) JointCentres(set *skeleton.Set) ([][]r3.Vec, error) {
	if set == nil || set.Len() == 0 {
		return nil, fmt.Errorf("joint centres: no keypoint set: %w", ErrConfig)
	}
	need := []string{"LASI", "RASI", "SACR", "LLEPI", "RLEPI", "LLMAL", "RLMAL", "LHEEL", "RHEEL",
		"LTOE", "RTOE", "LP1MT", "RP1MT", "LP5MT", "RP5MT", "LSH", "RSH", "C7", "MAN", "LELB", "RELB", "LWR", "RWR"}
	mk := make(map[string][]r3.Vec, len(need)+4)
	for _, n := range append(need, "LMEPI", "RMEPI", "LMMAL", "RMMAL") {
		if mk[n] = t.marker(n); mk[n] == nil {
			return nil, fmt.Errorf("%s: no marker %s: %w", t.Name, n, ErrMocap)
		}
	}
	out := make([][]r3.Vec, t.Len())
	for f := range out {
		at := func(n string) r3.Vec { return mk[n][f] }
		lh, rh := harrington(at("LASI"), at("RASI"), at("SACR"))
		midHip := mid(lh, rh)
		lsh, rsh := at("LSH"), at("RSH")
		neck := mid(at("C7"), at("MAN"))
		up := r3.Unit(r3.Sub(neck, midHip))
		down := r3.Scale(-rabShoulder*r3.Norm(r3.Sub(lsh, rsh)), up)
		toRight := r3.Unit(r3.Sub(rsh, lsh))
		joints := make([]r3.Vec, set.Len())
		for j, name := range set.Joints {
			var p r3.Vec
			switch name {
			case "LHip":
				p = lh
			case "RHip":
				p = rh
			case "MidHip":
				p = midHip
			case "LKnee", "RKnee":
				s := name[:1]
				p = mid(at(s+"LEPI"), at(s+"MEPI"))
			case "LAnkle", "RAnkle":
				s := name[:1]
				p = mid(at(s+"LMAL"), at(s+"MMAL"))
			case "LHeel", "RHeel":
				p = at(name[:1] + "HEEL")
			case "LBigToe", "RBigToe":
				p = at(name[:1] + "TOE")
			case "LSmallToe", "RSmallToe":
				s := name[:1]
				p = r3.Add(at(s+"P5MT"), r3.Sub(at(s+"TOE"), at(s+"P1MT")))
			case "LShoulder":
				p = r3.Add(lsh, down)
			case "RShoulder":
				p = r3.Add(rsh, down)
			case "LElbow":
				p = r3.Add(at("LELB"), r3.Scale(elbowOffset, toRight))
			case "RElbow":
				p = r3.Add(at("RELB"), r3.Scale(-elbowOffset, toRight))
			case "LWrist", "RWrist":
				p = at(name[:1] + "WR")
			case "Neck":
				p = neck
			default:
				p = nanVec
			}
			joints[j] = p
		}
		out[f] = joints
	}
	return out, nil
}

// harrington returns the left and right hip joint centres (Harrington et
// al. 2007, the regression on pelvis width and depth only).
func harrington(lasi, rasi, sacr r3.Vec) (l, r r3.Vec) {
	o := mid(lasi, rasi)
	z := r3.Sub(rasi, lasi)
	pw := r3.Norm(z) * 1000 // mm
	z = r3.Unit(z)
	a := r3.Sub(o, sacr)
	pd := r3.Norm(a) * 1000
	x := r3.Unit(r3.Sub(a, r3.Scale(r3.Dot(a, z), z)))
	y := r3.Cross(z, x)
	px := (-0.24*pd - 9.9) / 1000
	py := (-0.30*pw - 10.9) / 1000
	pz := (0.33*pw + 7.3) / 1000
	base := r3.Add(o, r3.Add(r3.Scale(px, x), r3.Scale(py, y)))
	return r3.Sub(base, r3.Scale(pz, z)), r3.Add(base, r3.Scale(pz, z))
}

func mid(a, b r3.Vec) r3.Vec { return r3.Scale(0.5, r3.Add(a, b)) }
