// Package pipeline is the engine: it wires sources, the pose step, fusion,
// kinematics and sinks into one flow of frames.
//
// Today it holds the offline path: Triangulate turns recorded 2D keypoints
// from several calibrated cameras (OpenPose JSON folders) into 3D
// skeletons frame by frame (one person per view as Pose2Sim does, or the
// fusion stage's association and tracking when views hold several);
// Smooth filters the tracks; Analyze computes each track's metrics; and
// WriteJSONL writes the frame stream of docs/jsonl.md with speeds and foot
// events. CalibrationKeypoints (keypoints.go) turns the same recordings
// into keypoint frames for calibrating a rig from the athletes
// (calibrate.Refine, calibrate.CheckKeypoints), associating each person
// across the cameras with the rough calibration to be refined;
// HeightPoints says which keypoints stand for an upright athlete's height.
// The live graph (grabbers, worker pool, frameset sync, backpressure)
// joins it here.
package pipeline
