package calibrate

import (
	"math"
	"sort"
)

// CheckReport is a calibration's reprojection report: how far the
// observations (board corners, surveyed points' clicks, keypoints) lie
// from where the calibration puts them, camera by camera.
type CheckReport struct {
	// What names the observations checked ("board", "survey",
	// "keypoints").
	What string `json:"what"`
	// Cameras holds one entry per camera, in the calibration's order.
	Cameras []CameraCheck `json:"cameras"`
	// RMS is the reprojection RMS over every observation, px.
	RMS float64 `json:"rms_px"`
	// Points counts the 3D points checked (board corners at a frame,
	// surveyed points, keypoints at an instant).
	Points int `json:"points"`
}

// CameraCheck is one camera's part of a CheckReport. Errors are the
// distances, px, between each observation and the reprojection of its 3D
// point.
type CameraCheck struct {
	Name         string  `json:"name"`
	Observations int     `json:"observations"`
	RMS          float64 `json:"rms_px"`
	Median       float64 `json:"median_px"`
	P95          float64 `json:"p95_px"`
	Max          float64 `json:"max_px"`
}

// cameraCheck summarises one camera's reprojection errors, px; errs is
// sorted in place.
func cameraCheck(name string, errs []float64) CameraCheck {
	c := CameraCheck{Name: name, Observations: len(errs)}
	if len(errs) == 0 {
		return c
	}
	sort.Float64s(errs)
	var ss float64
	for _, e := range errs {
		ss += e * e
	}
	c.RMS = math.Sqrt(ss / float64(len(errs)))
	c.Median = quantile(errs, 0.5)
	c.P95 = quantile(errs, 0.95)
	c.Max = errs[len(errs)-1]
	return c
}

// checkReport gathers the per-camera errors (errs[c] for camera c) into a
// report.
func checkReport(what string, names []string, errs [][]float64, points int) *CheckReport {
	r := &CheckReport{What: what, Points: points, Cameras: make([]CameraCheck, len(names))}
	var ss float64
	n := 0
	for c, name := range names {
		for _, e := range errs[c] {
			ss += e * e
		}
		n += len(errs[c])
		r.Cameras[c] = cameraCheck(name, errs[c])
	}
	if n > 0 {
		r.RMS = math.Sqrt(ss / float64(n))
	}
	return r
}

// quantile returns the q-quantile of sorted xs by linear interpolation.
func quantile(xs []float64, q float64) float64 {
	pos := q * float64(len(xs)-1)
	i := int(pos)
	if i+1 >= len(xs) {
		return xs[len(xs)-1]
	}
	f := pos - float64(i)
	return xs[i]*(1-f) + xs[i+1]*f
}
