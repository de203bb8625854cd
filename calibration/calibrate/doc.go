// Package calibrate runs whole calibrations, the work behind
// `athlete3d calibrate`: it reads the recordings, finds the boards (package
// board), calls the solvers (package solve) and reports on the result in
// figures a calibration crew can act on. The math is in solve, the image
// work in board, the files in calibration; this package owns the order of
// the steps, the choice of views, the checks between them and the reports.
//
// # Boards
//
// source.go names a camera's recording: one video, or still images
// (NewSource). Detect (detect.go) searches it for a board, several frames
// at once, and keeps what it found in frame order (Detections); it tells a
// recording it cannot read (a truncated JPEG or video, images of
// different sizes) from one without the board, and for the latter looks
// for a board of a neighbouring spec in a few frames (a chessboard's
// squares counted instead of its inner corners, a ChArUco board's colours
// inverted) to say what is wrong.
//
// intrinsics.go calibrates one camera (Intrinsics, IntrinsicsFrom): the
// usable views (6 corners or more, not on one line), at most MaxViews of
// them chosen by board.SelectViews, solved by solve.Intrinsics with
// OpenCV's default lens model unless told otherwise. Views that hurt are
// flagged, not dropped.
//
// extrinsics.go calibrates a rig from synchronized recordings, one per
// camera (Extrinsics, ExtrinsicsFrom): frames paired (sync.go: frame i of
// every camera, or by caliscope's timestamps.csv, after checking the
// recordings' lengths and rates), each camera's intrinsics given or
// calibrated from its own views, the board posed by PnP in every view,
// the cameras chained by solve.InitialExtrinsics and refined with the
// boards by solve.BoardBundle, then moved into the world asked for
// (world.go: the reference camera's frame, or a board's: origin at its
// corner 0, z up out of its face). Cameras not triggered together can
// have their sub-frame lags estimated and compensated (lag.go:
// EstimateLag), which a hand-held board moving between their exposures
// otherwise turns into reprojection error.
//
// check_board.go checks an existing calibration against board recordings:
// CheckBoard fits the rigid board to all the cameras at each frame and
// reports each camera's reprojection errors; BoardGeometryError
// triangulates the corners and compares every corner-to-corner distance
// with the board's, a check of scale and shape no reprojection gives.
//
// # Points and keypoints
//
// survey.go calibrates from surveyed scene points (calibration.Survey:
// world coordinates and each camera's clicks). FromSurvey poses cameras of
// known intrinsics by PnP, one camera at a time, and names the clicks
// that disagree with the others (a leave-one-out search, as PnP has no
// outlier rejection); AlignToSurvey moves a rig calibrated otherwise into
// the survey's world by triangulating the points clicked in two cameras
// and fitting a rigid or similarity transform to them.
//
// refine.go refines a rig's extrinsics from the athletes' own 2D keypoints
// (solve.KeypointFrame, made from pose output by
// pipeline.CalibrationKeypoints, which associates the people across the
// cameras: that needs package pipeline, which sits above this one). Refine
// chooses the frames, runs the bundle adjustment of
// solve.RefineFromKeypoints and keeps the calibration's scale (or sets it
// from a known body dimension); its report says how far each camera moved
// and how well the recording pinned it.
//
// check_points.go reports a calibration's reprojection errors against
// surveyed points (CheckSurvey: the clicks against the surveyed
// coordinates projected) and keypoints (CheckKeypoints: each keypoint
// triangulated from every camera that sees it, then reprojected).
//
// # Concurrency
//
// The functions keep no state between calls and may run at once on
// different inputs. Detect searches with DetectOptions.Workers goroutines
// (board.Detect is goroutine-safe) fed by one that reads the frames; all
// of them have returned when it does, and Progress is called from the
// caller's goroutine only.
package calibrate
