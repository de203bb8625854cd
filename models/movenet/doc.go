// Package movenet finds people and their COCO-17 keypoints in BGR images
// with MoveNet SinglePose Lightning, using a CenterNet detector to find
// people and MoveNet's own keypoints to follow them.
//
// # Pieces
//
//   - Estimator: MoveNet on square crops. Each crop of the source image is
//     resampled (one affine warp, bilinear, black outside the image) straight
//     into the session's bound int32 input tensor; all crops of a call run as
//     one batch; the outputs are mapped back to image pixels.
//   - Detector: CenterNet on the whole frame resized to 512x512; person boxes
//     after non-maximum suppression.
//   - TrackState: one sequence's (one camera's) tracking state. The
//     detector runs on the first frame, when someone followed is lost and
//     every DetectEvery frames; a box it finds whose first crop shows
//     nobody is not tried again until its next periodic run. In between,
//     each person's next crop comes from their keypoints in the previous
//     frame (centred on the hips, sized by torso and body extent). It holds
//     no model: Track takes the Estimator
//     and Detector to run, so a pool of workers with their own sessions can
//     advance many cameras' states (package pipeline/pose).
//   - Tracker: a TrackState with an Estimator and a Detector of its own, for
//     one sequence (the pose verb).
//
// # Coordinates
//
// Crops are in continuous pixel coordinates (the image spans [0, w] x
// [0, h]); keypoints are in pixel-index coordinates (pixel centres at
// integers), as OpenCV and OpenPose report them.
//
// # Ownership and allocation
//
// Each Estimator, Detector and Tracker owns its ONNX Runtime session, its
// tensors and its scratch images; none is safe for concurrent use, so give
// each worker its own. A TrackState owns only its tracks and result
// buffers; it may move between goroutines but takes one frame at a time,
// in order. Results returned as slices belong to the callee and are
// overwritten by the next call. In steady state Estimate and Track
// allocate nothing on the Go heap. Close releases the sessions and images.
package movenet
