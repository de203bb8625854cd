// Package calibration holds calibrated cameras: intrinsics, lens
// distortion and pose, projection of world points to pixels and back, and
// the calibration file formats.
//
// # Conventions
//
// OpenCV's, everywhere inside the project: world→camera Xc = R·X + T in
// metres, camera x right, y down, z forward; distortion coefficients in
// OpenCV's order (k1, k2, p1, p2, k3 for Brown–Conrady; k1..k4 for the
// equidistant fisheye model); pixel centres at integer coordinates. The
// world frame is right-handed with z up; on a track x runs along the
// running direction from the start line and y across the lanes. A file
// format that says otherwise (Rodrigues vectors, millimetres, camera→world)
// is converted when it is read or written, never inside the math.
//
// # Formats
//
// Pose2Sim's Calib.toml (ReadPose2Sim, WritePose2Sim). Note that the
// Pose2Sim demo's Calib_qualisys.toml stores Qualisys distortion figures
// divided by 64, not OpenCV coefficients; Pose2Sim itself triangulates
// without undistorting.
//
// # Concurrency
//
// A Camera is a value; its methods only read it and allocate nothing, so
// any number of goroutines may use one.
package calibration
