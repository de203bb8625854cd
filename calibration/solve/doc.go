// Package solve computes calibrations: a camera's intrinsics from views of
// a board, a camera's pose from known points (PnP), and the poses of
// several cameras at once by bundle adjustment, from boards or from the
// athletes' own keypoints. Pure Go over gonum; the detection of boards in
// images is package board's.
//
// Conventions are package calibration's (OpenCV's): world→camera
// Xc = R·X + T in metres, distortion in OpenCV's coefficient order.
//
// # One camera
//
// Intrinsics calibrates a camera from three or more views of a board,
// given as a board detector returns them (View: the corners' board
// coordinates at z = 0 and their pixels): Zhang's closed form, then a
// joint Levenberg–Marquardt refinement of the intrinsics, the distortion
// (Brown–Conrady k1, k2, p1, p2, k3, or the equidistant fisheye's k1..k4)
// and every board pose, with cv::calibrateCamera's defaults and its RMS.
// The result says which views hurt, and how well each parameter is
// determined (IntrinsicsResult.StdDev). A non-planar target works from an
// initial camera.
//
// PnP finds a target's pose in a calibrated camera from four coplanar or
// six general points: a linear start (homography or DLT), then the same
// refinement through the full lens model, with each point's residual for
// spotting bad clicks. Pose is the rigid transform both return; Pose.Vec
// and PoseFromVec turn it into the 6-vector (rotation vector, translation)
// that parameterises poses in the solvers. Homography is the normalised
// DLT both start from.
//
// # Several cameras
//
// Board calibration of a rig runs in three steps. InitialExtrinsics
// chains the per-camera board poses of synchronized frames (FramePose,
// from PnP) through a pose graph: each pair of cameras that saw the board
// together gives a relative pose, and the most reliable path from the
// reference camera fixes every other camera and every board pose.
// BoardBundle then refines all cameras and board poses together by a
// sparse Levenberg–Marquardt (schurLM in schur.go: the board poses are
// eliminated by the Schur complement, so a solve costs the cameras' block
// only), optionally with the intrinsics, under Huber's loss. Finally
// align.go moves the result into the world the user wants: AlignToBoard
// (a board pose as origin), AlignAxes (origin, running direction, up) or
// AlignToPoints (surveyed points, with or without scale); Similarity is
// the transform each returns.
//
// RefineFromKeypoints refines the extrinsics of a calibrated rig from the
// athletes' own 2D keypoints over a recording (KeypointFrame), without a
// board: the same sparse solver with the 3D keypoints as points, the scale
// held by the existing calibration or a known height. Triangulate is the
// linear-then-refined triangulation it starts from.
//
// # Inside
//
// The single-camera solvers share three unexported pieces, which the
// multi-camera ones may use too: lmSolver (lm.go), a dense
// Levenberg–Marquardt solver with Nielsen's damping update that keeps its
// buffers between solves and accumulates JᵀJ over each Jacobian row's
// non-zeros; lens (lens.go), calibration.Camera's projection model with
// its derivatives with respect to the point and the intrinsics; and rigid
// (lens.go), a pose with the derivative of its rotation vector.
//
// # Errors
//
// Bad input comes back as an error, never a panic: the sentinels in
// errors.go (ErrInvalid, ErrTooFewViews, ErrTooFewPoints, ErrNotPlanar,
// ErrDegenerate, ErrNoSolution; ErrTooFewCameras, ErrDisconnected,
// ErrNotEnoughData for several cameras), wrapped with the view, camera,
// point or count concerned.
//
// # Concurrency
//
// The functions keep no state between calls: any number of goroutines may
// call them at once, on inputs they do not modify.
package solve
