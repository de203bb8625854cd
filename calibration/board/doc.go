// Package board finds calibration boards in images: chessboards and
// OpenCV's ChArUco boards, with their corners to sub-pixel accuracy and
// ids that agree with OpenCV's, ready for package solve as solve.View.
//
// # Pieces
//
//   - Spec, Parse: a board described as "chessboard:9x6:0.025" or
//     "charuco:4x5:0.054:0.0405:DICT_4X4_1000:inverted"; Points gives its
//     corners in the board frame.
//   - Detect: the corners of a board in one image (Detection), and
//     Detection.View for the solver.
//   - Frames: the frames of a video, for Detect; SelectViews: a sharp and
//     varied subset of the detections for calibration.
//   - Render: an image of a board for printing, and for tests.
//
// # Conventions
//
// OpenCV's, so that poses and files agree with OpenCV users'. The board
// frame has its origin at the board's top-left corner (a chessboard's
// first inner corner), x along the rows, y down the columns, z = 0 on the
// board, metres. Pixels have their centres at integer coordinates.
//
// Chessboard corners are numbered row-major, r·Cols + c at (c, r)·Square,
// the object points OpenCV pairs with cv::findChessboardCorners. A
// chessboard's corner order in the image is made canonical (see
// orderGrid in order.go): the square beyond corner 0 is black, as
// OpenCV's classic detector returns it and as Render draws it; for boards
// whose colours are symmetric (Cols + Rows even) the first row is the
// highest in the image.
//
// ChArUco boards follow OpenCV 4.6's cv::aruco::CharucoBoard: Cols×Rows
// squares, the top-left one black; markers 0, 1, … of the dictionary in
// the white squares in row-major order; corner k at
// ((k mod (Cols−1)) + 1, (k div (Cols−1)) + 1)·Square. OpenCV before 4.6
// drew boards with an even number of rows starting with a white square
// (OpenCV ≥ 4.8 calls that the legacy pattern): such a print is not this
// board. Corners are located from the markers by code in this package
// (charuco.go), not by OpenCV's cv::aruco::interpolateCornersCharuco.
//
// # Dependencies
//
// gocv for OpenCV's core, image processing, calibration and video
// modules; the ArUco marker detector and board drawing of OpenCV's contrib
// go through a small C++ file of this package (aruco.cpp), because gocv's
// contrib package needs modules Debian's OpenCV lacks. The C side never
// lets an exception escape and returns its results in malloc'd arrays that
// the Go side frees.
//
// # Ownership and concurrency
//
// Detect does not modify or keep its image; a Detection owns its slices.
// Render returns a Mat the caller closes; Frames owns the Mat it passes
// to its callback and reuses it for the next frame. Every Mat made inside
// the package is closed before it returns (tests built with
// -tags matprofile check). All functions may be called from any number of
// goroutines at once.
package board
