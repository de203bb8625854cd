#!/usr/bin/python3
"""Computes OpenCV's own calibration of the stereo chessboard sample.

Reads Debian opencv-doc's left01..14.jpg / right01..14.jpg (no pair 10;
9x6 inner corners, 25 mm squares), finds and refines the corners the way
OpenCV's stereo_calib sample does, runs cv::calibrateCamera per camera
and cv::stereoCalibrate on the pairs with the intrinsics fixed, and
prints the figures as JSON. Run with Debian's python3-opencv:

    /usr/bin/python3 testdata/opencv-stereo/reference.py > testdata/opencv-stereo/reference.json
"""
import json
import sys

import cv2
import numpy as np

DATA = "/usr/share/doc/opencv-doc/examples/data"
COLS, ROWS, SQUARE = 9, 6, 0.025
PAIRS = [i for i in range(1, 15) if i != 10]

obj = np.zeros((COLS * ROWS, 3), np.float32)
obj[:, :2] = np.mgrid[0:COLS, 0:ROWS].T.reshape(-1, 2) * SQUARE
crit = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 30, 0.01)


def corners(path):
    img = cv2.imread(path, cv2.IMREAD_GRAYSCALE)
    ok, c = cv2.findChessboardCorners(
        img, (COLS, ROWS), cv2.CALIB_CB_ADAPTIVE_THRESH | cv2.CALIB_CB_NORMALIZE_IMAGE)
    if not ok:
        sys.exit("no board in " + path)
    c = cv2.cornerSubPix(img, c, (11, 11), (-1, -1), crit)
    return c, img.shape[::-1]


views = {"left": [], "right": []}
for i in PAIRS:
    for side in views:
        views[side].append(corners("%s/%s%02d.jpg" % (DATA, side, i)))

out = {"opencv": cv2.__version__, "pairs": PAIRS}
cams = {}
for side, vs in views.items():
    size = vs[0][1]
    rms, K, dist, _, _ = cv2.calibrateCamera(
        [obj] * len(vs), [c for c, _ in vs], size, None, None)
    cams[side] = (K, dist)
    out[side] = {"rms": rms, "fx": K[0, 0], "fy": K[1, 1], "cx": K[0, 2], "cy": K[1, 2],
                 "dist": dist.ravel().tolist(), "size": list(size)}

(Kl, dl), (Kr, dr) = cams["left"], cams["right"]
rms, _, _, _, _, R, T, _, _ = cv2.stereoCalibrate(
    [obj] * len(PAIRS), [c for c, _ in views["left"]], [c for c, _ in views["right"]],
    Kl, dl, Kr, dr, views["left"][0][1], flags=cv2.CALIB_FIX_INTRINSIC, criteria=crit)
out["stereo"] = {"rms": rms, "R": R.tolist(), "T": T.ravel().tolist(),
                 "baseline": float(np.linalg.norm(T))}
json.dump(out, sys.stdout, indent=1)
print()
