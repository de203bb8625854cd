package bench

import (
	"math"

	"gonum.org/v1/gonum/spatial/r3"
)

// The procedural runner's body: proportions and joint placement.

// Body proportions, fractions of the standing height: Drillis and
// Contini's segment lengths as tabulated in Winter's Biomechanics and
// Motor Control of Human Movement (the same table as HeightPoints in
// package pipeline), and model choices where the table has none.
const (
	thighLen    = 0.245 // hip to knee
	shankLen    = 0.246 // knee to ankle
	ankleHigh   = 0.039 // ankle above the sole, foot flat
	footLen     = 0.152 // heel to toe tip
	upperArmLen = 0.186 // shoulder to elbow
	forearmLen  = 0.146 // elbow to wrist
	trunkLen    = 0.288 // hip centres to shoulder centres: 0.818 − 0.530 standing
	// The ball of the foot (the sole under the metatarsal heads, where
	// the toes bend) lies 73 % of the foot's length from the heel, the
	// ankle above the point at 22 %.
	ballAt  = 0.73
	ankleAt = 0.22
	// Half the distances across between left and right joints: hip
	// centres 0.16 m apart at 1.80 m, shoulder centres 0.34 m, the feet
	// landing 0.13 m apart, as in the bench's sprint mocap.
	hipHalf      = 0.045
	shoulderHalf = 0.095
	footHalf     = 0.035
	kneeHalf     = (hipHalf + footHalf) / 2
	wristHalf    = 0.080
	// Keypoints on the shoe above the sole: the heel's and the toes'.
	heelHigh = 0.012
	toeHigh  = 0.006
	// The big toe keypoint lies bigToeIn medial of the foot's axis, the
	// small toe smallToeOut lateral, at 60 % of the toes' length.
	bigToeIn    = 0.012
	smallToeOut = 0.022
	// neckUp is the base of the neck above the shoulder centres, along the
	// trunk.
	neckUp = 0.03
	// leanBase is the trunk's forward lean at constant speed; an
	// acceleration a adds atan(a/g).
	leanBase = 6 * deg
	deg      = math.Pi / 180
)

// Foot points relative to the ball, in the foot's frame (x forward along
// the sole, z up), fractions of the height.
var (
	ankleInFoot = v2{x: -(ballAt - ankleAt) * footLen, z: ankleHigh}
	heelInFoot  = v2{x: -ballAt * footLen, z: heelHigh}
	toeTip      = (1 - ballAt) * footLen
)

// headPoints are the head keypoints relative to the base of the neck in
// the head's frame (forward, left, up; fractions of the height), from the
// standing heights of the nose (0.91), eyes (0.936) and head top (1.0),
// the neck at 0.848.
var headPoints = [...]struct {
	joint   bodyJoint
	x, y, z float64
}{
	{bNose, 0.070, 0, 0.062},
	{bLEye, 0.055, 0.018, 0.088}, {bREye, 0.055, -0.018, 0.088},
	{bLEar, 0.010, 0.042, 0.077}, {bREar, 0.010, -0.042, 0.077},
	{bHead, 0.020, 0, 0.152},
}

// Arm swing (see NewRunner): the upper arm's angle from the trunk line is
// armMid ± min(armAmp + armGain·v, armMaxAmp), most forward at armPeak of
// its side's stride; the elbow flexed elbowMid ∓ elbowAmp, more in front.
const (
	armMid    = -15 * deg
	armAmp    = 20 * deg
	armGain   = 5.5 * deg // per m/s
	armMaxAmp = 80 * deg
	armPeak   = 0.30
	elbowMid  = 90 * deg
	elbowAmp  = 25 * deg
)

// body places every joint of the model at t.
func (r *Runner) body(b *[nBody]r3.Vec, t float64) {
	h := r.h
	at := func(p v2, y float64) r3.Vec { return r3.Vec{X: p.x, Y: y * h, Z: p.z} }
	pelvis := r.pelvis(t)
	b[bMidHip] = at(pelvis, 0)
	lean := leanBase + math.Atan(r.accel(t)/gravity)
	shoulders := pelvis.add(pitch(-lean, v2{z: trunkLen * h}))
	amp := math.Min(armAmp+armGain*r.Speed(t), armMaxAmp)
	for f := Left; f <= Right; f++ {
		side := 1.0
		if f == Right {
			side = -1
		}
		j := &sideJoints[f]
		l := r.legAt(f, t)
		b[j.hip] = at(l.hip, side*hipHalf)
		b[j.knee] = at(l.knee, side*kneeHalf)
		b[j.ankle] = at(l.ankle, side*footHalf)
		b[j.heel] = at(l.ball.add(pitch(l.footPitch, heelInFoot.scale(h))), side*footHalf)
		b[j.bigToe] = at(l.ball.add(pitch(l.toePitch, v2{x: toeTip * h, z: toeHigh * h})), side*(footHalf-bigToeIn))
		b[j.smallToe] = at(l.ball.add(pitch(l.toePitch, v2{x: 0.6 * toeTip * h, z: toeHigh * h})), side*(footHalf+smallToeOut))

		// The arm in the trunk's frame, pitched with the trunk.
		swing := math.Cos(2 * math.Pi * (r.stridePhase(f, t) - armPeak))
		arm := armMid + amp*swing
		fore := arm + elbowMid - elbowAmp*swing
		elbow := shoulders.add(pitch(-lean, v2{x: upperArmLen * h * math.Sin(arm), z: -upperArmLen * h * math.Cos(arm)}))
		wrist := elbow.add(pitch(-lean, v2{x: forearmLen * h * math.Sin(fore), z: -forearmLen * h * math.Cos(fore)}))
		b[j.shoulder] = at(shoulders, side*shoulderHalf)
		b[j.elbow] = at(elbow, side*shoulderHalf)
		b[j.wrist] = at(wrist, side*wristHalf)
	}
	neck := shoulders.add(pitch(-lean, v2{z: neckUp * h}))
	b[bNeck] = at(neck, 0)
	for _, p := range headPoints {
		b[p.joint] = at(neck.add(pitch(-lean/2, v2{x: p.x * h, z: p.z * h})), p.y)
	}
}

// bodyJoint names the model's joints.
type bodyJoint int

const (
	bNose bodyJoint = iota
	bLEye
	bREye
	bLEar
	bREar
	bNeck
	bHead
	bMidHip
	bLShoulder
	bRShoulder
	bLElbow
	bRElbow
	bLWrist
	bRWrist
	bLHip
	bRHip
	bLKnee
	bRKnee
	bLAnkle
	bRAnkle
	bLHeel
	bRHeel
	bLBigToe
	bRBigToe
	bLSmallToe
	bRSmallToe
	nBody
)

// bodyNames are the joints' names in the keypoint sets.
var bodyNames = [nBody]string{
	"Nose", "LEye", "REye", "LEar", "REar", "Neck", "Head", "MidHip",
	"LShoulder", "RShoulder", "LElbow", "RElbow", "LWrist", "RWrist",
	"LHip", "RHip", "LKnee", "RKnee", "LAnkle", "RAnkle",
	"LHeel", "RHeel", "LBigToe", "RBigToe", "LSmallToe", "RSmallToe",
}

var bodyIndex = func() map[string]bodyJoint {
	m := make(map[string]bodyJoint, nBody)
	for i, n := range bodyNames {
		m[n] = bodyJoint(i)
	}
	return m
}()

// sideJoints are each side's joints, indexed by Foot.
var sideJoints = [2]struct {
	shoulder, elbow, wrist, hip, knee, ankle, heel, bigToe, smallToe bodyJoint
}{
	{bLShoulder, bLElbow, bLWrist, bLHip, bLKnee, bLAnkle, bLHeel, bLBigToe, bLSmallToe},
	{bRShoulder, bRElbow, bRWrist, bRHip, bRKnee, bRAnkle, bRHeel, bRBigToe, bRSmallToe},
}
