#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "burnin.h"

// message returns a malloc'd copy of what, for Go to free.
static char *message(const char *what) {
	size_t n = std::strlen(what);
	char *m = static_cast<char *>(std::malloc(n + 1));
	if (m != NULL) {
		std::memcpy(m, what, n + 1);
	}
	return m;
}

static cv::Mat &mat(void *img) { return *static_cast<cv::Mat *>(img); }

void burnin_line(void *img, int x1, int y1, int x2, int y2, double b, double g, double r, int thickness, int shift) {
	try {
		cv::line(mat(img), cv::Point(x1, y1), cv::Point(x2, y2), cv::Scalar(b, g, r), thickness, cv::LINE_AA, shift);
	} catch (...) {
	}
}

void burnin_dot(void *img, int x, int y, int radius, double b, double g, double r, int shift) {
	try {
		cv::circle(mat(img), cv::Point(x, y), radius, cv::Scalar(b, g, r), cv::FILLED, cv::LINE_AA, shift);
	} catch (...) {
	}
}

void burnin_shade(void *img, int x, int y, int w, int h, double b, double g, double r, double alpha) {
	try {
		cv::Mat &m = mat(img);
		cv::Rect box = cv::Rect(x, y, w, h) & cv::Rect(0, 0, m.cols, m.rows);
		if (box.area() <= 0) {
			return;
		}
		cv::Mat roi = m(box);
		// In place, without a temporary image: scale, then add the colour.
		roi.convertTo(roi, -1, 1 - alpha, 0);
		cv::add(roi, cv::Scalar(alpha * b, alpha * g, alpha * r), roi);
	} catch (...) {
	}
}

void burnin_text(void *img, const char *s, int n, int x, int y, double scale, double b, double g, double r, int thickness) {
	try {
		cv::putText(mat(img), std::string(s, n), cv::Point(x, y), cv::FONT_HERSHEY_SIMPLEX, scale, cv::Scalar(b, g, r),
		            thickness, cv::LINE_AA);
	} catch (...) {
	}
}

int burnin_text_size(const char *s, int n, double scale, int thickness, int *height) {
	try {
		int base = 0;
		cv::Size sz = cv::getTextSize(std::string(s, n), cv::FONT_HERSHEY_SIMPLEX, scale, thickness, &base);
		*height = sz.height;
		return sz.width;
	} catch (...) {
		*height = 0;
		return 0;
	}
}

void *burnin_jpeg_new(void) {
	try {
		return new std::vector<uchar>();
	} catch (...) {
		return NULL;
	}
}

void burnin_jpeg_free(void *enc) { delete static_cast<std::vector<uchar> *>(enc); }

char *burnin_jpeg_encode(void *enc, const void *img, int quality, const unsigned char **data, size_t *len) {
	*data = NULL;
	*len = 0;
	try {
		std::vector<uchar> &buf = *static_cast<std::vector<uchar> *>(enc);
		const int params[] = {cv::IMWRITE_JPEG_QUALITY, quality};
		if (!cv::imencode(".jpg", *static_cast<const cv::Mat *>(img), buf, std::vector<int>(params, params + 2))) {
			return message("OpenCV could not encode the image as JPEG");
		}
		*data = buf.data();
		*len = buf.size();
		return NULL;
	} catch (const std::exception &e) {
		return message(e.what());
	} catch (...) {
		return message("unknown OpenCV error");
	}
}
