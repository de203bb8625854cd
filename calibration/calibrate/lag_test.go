package calibrate

import (
	"math"
	"testing"
)

// A camera that lags 0.4 frames behind the others, on the synthetic rig
// with the board swinging back and forth (32 frames a swing, up to 2 cm
// and 3° per frame): paired frame for frame the rig cannot fit the moving
// board; EstimateLag finds the lag and the fit comes back near the
// rendering's noise. A lag is seen only where the board's motion changes:
// at a steady speed it shifts the board as a camera's move would.
func TestEstimateLagSynthetic(t *testing.T) {
	rig := newSynthRig(32)
	rig.swing, rig.lag = 0.3, []float64{0, 0, 0.4}
	srcs := rig.write(t, t.TempDir())
	dets := make([]*Detections, len(srcs))
	for i := range srcs {
		var err error
		if dets[i], err = Detect(srcs[i], rig.spec, DetectOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	plain, err := ExtrinsicsFrom(dets, ExtrinsicsOptions{Intrinsics: rig.cams})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := ExtrinsicsFrom(dets, ExtrinsicsOptions{Intrinsics: rig.cams, EstimateLag: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("paired frame for frame: RMS %.3f px (%.3f); with lags %.2f: RMS %.3f px (%.3f), %d frames",
		plain.RMS, plain.CameraRMS, rep.Lag, rep.RMS, rep.CameraRMS, rep.Frames)
	for c, want := range rig.lag {
		if math.Abs(rep.Lag[c]-want) > 0.051 {
			t.Errorf("camera %d: got lag %.2f frames, want %.2f ± 0.05", c, rep.Lag[c], want)
		}
	}
	if rep.RMS > plain.RMS/3 {
		t.Errorf("got RMS %.3f px with the lags, %.3f without; want a third or less", rep.RMS, plain.RMS)
	}
	for c := range rep.Cameras {
		want := inFrameOf(rig.cams, rig.cams[0].R, rig.cams[0].Center())[c]
		deg, m := poseError(&rep.Cameras[c], &want)
		if deg > 0.1 || m > 0.005 {
			t.Errorf("%s: got rotation off %.3f° and centre off %.1f mm, want ≤ 0.1° and 5 mm", want.Name, deg, m*1000)
		}
	}

	// The checks read the corners at the lags given.
	plainChk, err := CheckBoard(rep.Cameras, dets)
	if err != nil {
		t.Fatal(err)
	}
	chk, err := CheckBoard(rep.Cameras, withLags(dets, rep.Lag))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("board check RMS %.3f px without the lags, %.3f with", plainChk.RMS, chk.RMS)
	if chk.RMS > plainChk.RMS/3 {
		t.Errorf("got check RMS %.3f px with the lags, %.3f without; want a third or less", chk.RMS, plainChk.RMS)
	}
}
