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
//
// The live graph is being built here. Its first pieces: View, one camera's
// 2D people at one capture time, as the pose step hands them on; and
// Syncer (sync.go), which groups the cameras' views into FrameSets by
// capture time within a tolerance. Offline it waits for every camera and
// loses nothing; live it sends a set once the capture clock has passed it
// by a latency budget, and drops and counts views that come later. Views
// and sets are lent: the holder calls Release, which returns them to their
// pools, so the steady state allocates nothing (TestSyncAllocs,
// BenchmarkSync). Engine (engine.go) runs the graph behind the view
// sources (ViewSource: grabbers with the pose step, a synthetic rig):
// sync, fusion and each athlete's live metrics in one goroutine that owns
// them, then a fan-out of the Fused frames to the sinks, each behind its
// own bounded queue (live, a slow sink loses its oldest frames, counted;
// offline, it sets the pace). Fused frames are shared by the sinks and
// counted back with Release. The cameras' frames come from grabbers
// (pipeline/capture) through the pose worker pool (pipeline/pose, a
// ViewSource); config.go reads the run's configuration file.
package pipeline
