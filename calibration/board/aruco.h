// C surface of the ArUco part of OpenCV's contrib (cv::aruco, OpenCV 4.6
// API), for package board. Images are cv::Mat pointers passed as void*.
// No C++ exception crosses this boundary: each function returns NULL on
// success or a malloc'd message that the caller frees.
#ifndef ATHLETE3D_BOARD_ARUCO_H
#define ATHLETE3D_BOARD_ARUCO_H

#ifdef __cplusplus
extern "C" {
#endif

// board_markers holds n detected markers: ids[i] and their four corners
// corners[8i .. 8i+7] as x, y pairs, clockwise from the marker's top-left.
// Both arrays are malloc'd by board_detect_markers (NULL when n is 0) and
// freed by the caller.
typedef struct {
	int n;
	int *ids;
	float *corners;
} board_markers;

// board_detect_markers finds the markers of the predefined dictionary dict
// (a cv::aruco::PREDEFINED_DICTIONARY_NAME) in gray, an 8-bit one-channel
// image, with OpenCV's default detector parameters.
char *board_detect_markers(const void *gray, int dict, board_markers *out);

// board_draw_charuco draws a ChArUco board of cols x rows squares into dst,
// width x height pixels with at least margin pixels of white around it,
// as cv::aruco::CharucoBoard::draw does.
char *board_draw_charuco(int cols, int rows, float square, float marker, int dict,
                         int width, int height, int margin, void *dst);

#ifdef __cplusplus
}
#endif

#endif
