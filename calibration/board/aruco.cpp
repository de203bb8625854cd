#include <cstdlib>
#include <cstring>
#include <exception>
#include <vector>

#include <opencv2/aruco.hpp>
#include <opencv2/aruco/charuco.hpp>

#include "aruco.h"

// message returns a malloc'd copy of what, for Go to free.
static char *message(const char *what) {
	size_t n = std::strlen(what);
	char *m = static_cast<char *>(std::malloc(n + 1));
	if (m != NULL) {
		std::memcpy(m, what, n + 1);
	}
	return m;
}

char *board_detect_markers(const void *gray, int dict, board_markers *out) {
	out->n = 0;
	out->ids = NULL;
	out->corners = NULL;
	try {
		const cv::Mat &img = *static_cast<const cv::Mat *>(gray);
		cv::Ptr<cv::aruco::Dictionary> d = cv::aruco::getPredefinedDictionary(dict);
		cv::Ptr<cv::aruco::DetectorParameters> params = cv::aruco::DetectorParameters::create();
		std::vector<std::vector<cv::Point2f> > corners;
		std::vector<int> ids;
		cv::aruco::detectMarkers(img, d, corners, ids, params);
		if (ids.empty()) {
			return NULL;
		}
		int n = static_cast<int>(ids.size());
		out->ids = static_cast<int *>(std::malloc(n * sizeof(int)));
		out->corners = static_cast<float *>(std::malloc(n * 8 * sizeof(float)));
		if (out->ids == NULL || out->corners == NULL) {
			std::free(out->ids);
			std::free(out->corners);
			out->ids = NULL;
			out->corners = NULL;
			return message("out of memory");
		}
		for (int i = 0; i < n; i++) {
			out->ids[i] = ids[i];
			for (int j = 0; j < 4; j++) {
				out->corners[8 * i + 2 * j] = corners[i][j].x;
				out->corners[8 * i + 2 * j + 1] = corners[i][j].y;
			}
		}
		out->n = n;
		return NULL;
	} catch (const std::exception &e) {
		return message(e.what());
	}
}

char *board_draw_charuco(int cols, int rows, float square, float marker, int dict,
                         int width, int height, int margin, void *dst) {
	try {
		cv::Ptr<cv::aruco::Dictionary> d = cv::aruco::getPredefinedDictionary(dict);
		cv::Ptr<cv::aruco::CharucoBoard> b = cv::aruco::CharucoBoard::create(cols, rows, square, marker, d);
		b->draw(cv::Size(width, height), *static_cast<cv::Mat *>(dst), margin, 1);
		return NULL;
	} catch (const std::exception &e) {
		return message(e.what());
	}
}
