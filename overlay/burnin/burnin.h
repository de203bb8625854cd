// C surface of OpenCV's drawing and JPEG encoding for package burnin
// (OpenCV 4.6 API): what gocv v0.31 does not expose (antialiased lines,
// fixed-point coordinates, blending a rectangle in place, text of a given
// length, encoding into a buffer the caller keeps). Images are cv::Mat
// pointers passed as void*, 8-bit BGR. No C++ exception crosses this
// boundary: the functions that can fail return NULL on success or a
// malloc'd message that the caller frees; the drawing calls, given the
// 8-bit BGR image Go has checked, cannot fail and return nothing.
#ifndef ATHLETE3D_BURNIN_H
#define ATHLETE3D_BURNIN_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

// burnin_line draws an antialiased segment; coordinates have shift
// fractional bits.
void burnin_line(void *img, int x1, int y1, int x2, int y2, double b, double g, double r, int thickness, int shift);

// burnin_dot draws a filled antialiased disc; coordinates and radius have
// shift fractional bits.
void burnin_dot(void *img, int x, int y, int radius, double b, double g, double r, int shift);

// burnin_shade blends the colour into the rectangle, clipped to the
// image: pixel = (1-alpha)·pixel + alpha·colour.
void burnin_shade(void *img, int x, int y, int w, int h, double b, double g, double r, double alpha);

// burnin_text draws the n bytes of s (no terminating NUL needed) with the
// Hershey simplex font, antialiased, the baseline's left end at (x, y).
void burnin_text(void *img, const char *s, int n, int x, int y, double scale, double b, double g, double r, int thickness);

// burnin_text_size returns the width of the n bytes of s and, in *height,
// the height above the baseline, as burnin_text would draw them.
int burnin_text_size(const char *s, int n, double scale, int thickness, int *height);

// burnin_jpeg_new returns an encoder: a byte buffer reused from one
// encoding to the next. burnin_jpeg_free releases it.
void *burnin_jpeg_new(void);
void burnin_jpeg_free(void *enc);

// burnin_jpeg_encode encodes img as JPEG at the given quality into enc's
// buffer and points *data and *len at the result, valid until the next
// call on enc.
char *burnin_jpeg_encode(void *enc, const void *img, int quality, const unsigned char **data, size_t *len);

#ifdef __cplusplus
}
#endif

#endif
