// Package pipeline is the engine: it wires sources, the pose step, fusion,
// kinematics and sinks into one flow of frames.
//
// Today it holds the offline path, Triangulate: recorded 2D keypoints from
// several calibrated cameras (OpenPose JSON folders) become 3D skeletons,
// frame by frame, ready for a TRC or JSONL writer in package record. The
// live graph (grabbers, worker pool, frameset sync, backpressure) joins it
// here.
package pipeline
