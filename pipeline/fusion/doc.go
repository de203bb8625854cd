// Package fusion turns 2D keypoints from calibrated cameras into 3D
// skeletons: triangulation with robust view selection, cross-view
// association of several people, 3D tracks with stable IDs, and the
// filters that smooth them.
//
// # Triangulation
//
// Triangulator places one joint from one observation per camera by
// confidence-weighted DLT (rows w·(u·P₃ − P₁), w·(v·P₃ − P₂) of each view's
// P = K[R|T]; the homogeneous least-squares solution is the smallest
// eigenvector of AᵀA, found by Jacobi rotations in float64). Views below
// MinScore do not count. With Selection Reject (the default) views are
// dropped one at a time, always the one whose removal lowers the mean
// reprojection error most, while that error exceeds MaxError (15 px) and
// more than MinViews remain: Pose2Sim's rule, which this reproduces to
// within 1 mm on 99.5 % of the demo trial's points. Refine adds Gauss-Newton
// steps on the weighted reprojection error. Each Joint3 carries the views
// used and its RMS reprojection error; a joint seen by too few views, at
// infinity, behind a camera or with an ambiguous solution has OK false,
// never a NaN.
//
// Observations are undistorted with each camera's lens model first, unless
// IgnoreDistortion (Pose2Sim's own behaviour, and right for its demo
// calibration, whose distortion figures are not OpenCV coefficients).
//
// # Several people
//
// Associator groups one instant's 2D detections across cameras into
// persons (supported ray hypotheses; see its documentation) before
// triangulation. Tracker gives the triangulated people stable IDs over time:
// constant-velocity prediction, gated Hungarian assignment (Hungarian),
// confirmation after a few frames, re-identification of a lost track for
// about a second before its ID is retired.
//
// # Filters
//
// EuroFilter smooths a skeleton causally for live output (One Euro, per
// joint and axis). Butterworth filters a whole recorded track forward and
// backward (zero phase; Cutoff is the -3 dB point of the combined result;
// short gaps interpolated, long ones split the track). LimbChecker flags,
// and optionally corrects, joints whose limbs stray from their robust
// length over the track.
//
// # Ownership and concurrency
//
// Every stage (Triangulator, Associator, Tracker, the filters, Hungarian)
// owns its scratch space, allocates nothing per frame once warmed up, and
// is not safe for concurrent use: give each worker its own. Skeleton3 values belong to the caller; Skeleton reuses
// dst.Joints when its capacity suffices.
package fusion
