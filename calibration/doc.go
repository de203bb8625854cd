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
// ReadFile and WriteFile read and write every format, chosen by Format
// (DetectFormat tells it from a file's name and content); Read and Write
// do the same on streams. docs/calibration-formats.md gives each layout
// and its conversion key by key.
//
//   - FormatProject, the project's own file: Pose2Sim's Calib.toml
//     (ReadProject, WriteProject; ReadPose2Sim and WritePose2Sim without
//     Meta), which Pose2Sim reads as it is. Rodrigues vectors, metres.
//   - FormatOpenCVYAML, FormatOpenCVXML: cv::FileStorage (ReadOpenCVYAML,
//     ReadOpenCVXML and their writers), with a small strict parser of
//     FileStorage's subset (opencv.go, opencv_yaml.go, opencv_xml.go). The
//     project's multi-camera layout is written; OpenCV's calibration and
//     stereo samples' layouts are read too. Matrices, metres.
//   - FormatAnipose: aniposelib's calibration.toml (ReadAnipose,
//     WriteAnipose). Rodrigues vectors; translations in the board's unit,
//     millimetres unless told otherwise.
//   - FormatCaliscope: caliscope's camera_array.toml (ReadCaliscope,
//     WriteCaliscope), current and older layouts. Rodrigues vectors or
//     matrices, metres.
//
// Every reader checks what the math relies on (K upper triangular with a
// last row of 0 0 1, R a rotation, finite numbers, no lens terms beyond
// k3) and returns ErrFormat or ErrUnsupported naming the file, the line or
// table, and the key. Every writer refuses what it cannot write before
// writing anything; WriteFile replaces a file atomically.
// Meta carries what a file says beside its cameras: RMS errors, the
// world's definition, the tool. Numbers are written exactly.
//
// The Pose2Sim demo's Calib_qualisys.toml stores Qualisys distortion
// figures divided by 64, not OpenCV coefficients; Pose2Sim itself
// triangulates without undistorting.
//
// # Concurrency
//
// A Camera is a value; its methods only read it and allocate nothing, so
// any number of goroutines may use one.
package calibration
