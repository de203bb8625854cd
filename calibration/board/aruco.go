package board

// #cgo pkg-config: opencv4
// #cgo CXXFLAGS: --std=c++11
// #include <stdlib.h>
// #include "aruco.h"
import "C"

import (
	"errors"
	"image"
	"unsafe"

	"gocv.io/x/gocv"
)

// marker is one ArUco marker found in an image: its id and its corners'
// pixels, clockwise from the marker's top-left.
type marker struct {
	id  int
	pix [4][2]float64
}

// detectMarkers finds the markers of dict in gray (8-bit, one channel),
// appending them to dst.
func detectMarkers(dst []marker, gray gocv.Mat, dict Dict) ([]marker, error) {
	var out C.board_markers
	if msg := C.board_detect_markers(unsafe.Pointer(gray.Ptr()), C.int(dict), &out); msg != nil {
		return dst, cError("detect markers", msg)
	}
	defer C.free(unsafe.Pointer(out.ids))
	defer C.free(unsafe.Pointer(out.corners))
	n := int(out.n)
	if n == 0 {
		return dst, nil
	}
	ids := unsafe.Slice((*C.int)(out.ids), n)
	xy := unsafe.Slice((*C.float)(out.corners), 8*n)
	for i := range n {
		m := marker{id: int(ids[i])}
		for j := range 4 {
			m.pix[j] = [2]float64{float64(xy[8*i+2*j]), float64(xy[8*i+2*j+1])}
		}
		dst = append(dst, m)
	}
	return dst, nil
}

// drawCharuco draws s with OpenCV into dst, size pixels with a white
// margin of at least margin pixels.
func drawCharuco(dst *gocv.Mat, s Spec, size image.Point, margin int) error {
	msg := C.board_draw_charuco(C.int(s.Cols), C.int(s.Rows), C.float(s.Square), C.float(s.Marker),
		C.int(s.Dict), C.int(size.X), C.int(size.Y), C.int(margin), unsafe.Pointer(dst.Ptr()))
	if msg != nil {
		return cError("draw charuco board", msg)
	}
	return nil
}

// cError turns a message from aruco.cpp into an error and frees it.
func cError(op string, msg *C.char) error {
	defer C.free(unsafe.Pointer(msg))
	return errors.New("opencv: " + op + ": " + C.GoString(msg))
}
