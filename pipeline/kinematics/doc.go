// Package kinematics computes an athlete's running metrics from a time
// series of 3D joint positions: position along the track, speed,
// acceleration, distance, split times, foot touchdowns and toe-offs timed
// between frames, step and stride length, step frequency, contact and
// flight times, and sagittal knee, hip and trunk angles.
//
// Every definition, threshold and known limit is written out in
// docs/metrics.md; this comment says how to use the package.
//
// # Input
//
// A Frame is one athlete at one instant: a time in seconds and one
// position per joint of the keypoint set (skeleton.Set) the analysis was
// built with, in the world frame of the project (metres, z up, x along the
// running direction from the start line, y across the lanes). Joints are
// found by name once, at construction: both hips and both ankles are
// required; knees, shoulders, heels and big toes are used when the set has
// them (COCO-17 has no heel or toe, BODY_25 and BODY_25B have both).
//
// A joint is missing when Frame.OK says so or when its position is NaN or
// infinite. Missing joints are never errors: the values that need them are
// left out of the Sample (its Valid flags say which are set, and unset
// values are 0, never NaN), and a foot whose data stops for longer than
// Config.MaxGap starts afresh, so that no step is made up across the gap.
// A frame whose time is not finite or not after the previous frame's, or
// whose joint count does not match the set, is an error.
//
// # Live and offline
//
// Live follows one athlete frame by frame: Update returns the frame's
// Sample, and Events the foot events decided at that frame. It uses only
// the past. A foot event is emitted Config.Confirm−1 frames (default 2:
// 40 ms at 50 Hz, 33 ms at 60 Hz) after the first frame of the new contact
// state, carrying the event's own time, which lies before. The live
// speeds and acceleration are fitted over the window that ends at the
// frame, so they have no lag for a constant acceleration, and are noisier
// than the offline ones.
//
// Analyze takes a whole recording and returns a Report with the same
// definitions computed with hindsight: fits centred on each frame, gaps in
// the foot joints up to MaxGap interpolated, each foot's ground level
// taken as its median stance height over the whole run.
//
// Both run the same code for the foot events (footTracker), their linking
// into steps (gait), the splits and the angles.
//
// # Ownership and allocation
//
// Update reads the frame during the call only. The slices returned by
// Events and Splits belong to the Live and are overwritten by later calls:
// copy what you keep. Once its pelvis history has grown to the longest fit
// window (within the first second), Update allocates nothing; the splits
// slice grows only after 64 splits.
//
// # Goroutines
//
// A Live is not safe for concurrent use: one goroutine (the kinematics
// stage's) owns it. Analyze may run concurrently with anything; it does not
// modify its input.
package kinematics
