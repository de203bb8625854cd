package movenet

import (
	"cmp"
	"fmt"
	"image"
	"slices"

	"gocv.io/x/gocv"

	"github.com/athlete3d/athlete3d/models"
	"github.com/athlete3d/athlete3d/models/ort"
)

// DetectorSize is the side of the CenterNet detector's square input.
const DetectorSize = 512

const (
	detInput      = "tower_0/images"
	detOutput     = "tower_0/detections"
	maxDetections = 100
	personClass   = 0
)

// Box is a detected person: top-left corner, size and score, in image pixels.
type Box struct {
	X, Y, W, H, Score float32
}

// IoU returns the intersection over union of two boxes.
func (b Box) IoU(o Box) float32 {
	iw := min(b.X+b.W, o.X+o.W) - max(b.X, o.X)
	ih := min(b.Y+b.H, o.Y+o.H) - max(b.Y, o.Y)
	if iw <= 0 || ih <= 0 {
		return 0
	}
	inter := iw * ih
	return inter / (b.W*b.H + o.W*o.H - inter)
}

// DetectorConfig configures a Detector. The zero value is the default.
type DetectorConfig struct {
	// Model is the CenterNet ONNX file; default the converted model in the
	// cache (models.ModelPath("centernet.onnx")).
	Model string
	// MinScore is the lowest detection score kept; default 0.2.
	MinScore float32
	// IoU is the overlap above which the weaker of two boxes is dropped;
	// default 0.4.
	IoU float32
	// Threads is ONNX Runtime's intra-op thread count; 0 lets it choose.
	Threads int
}

// Detector finds people in whole images with CenterNet. It owns its tensors
// and scratch images; it is not safe for concurrent use.
type Detector struct {
	cfg     DetectorConfig
	sess    *ort.Session
	in      []float32 // [1, 512, 512, 3] RGB 0..255
	out     []float32 // [1, 100, 6] x1, y1, x2, y2, score, class
	resized gocv.Mat
	boxes   []Box
}

// NewDetector loads the model and binds its tensors.
func NewDetector(cfg DetectorConfig) (*Detector, error) {
	if cfg.Model == "" {
		cfg.Model = models.ModelPath("centernet.onnx")
	}
	if cfg.MinScore == 0 {
		cfg.MinScore = 0.2
	}
	if cfg.IoU == 0 {
		cfg.IoU = 0.4
	}
	d := &Detector{
		cfg:   cfg,
		in:    make([]float32, DetectorSize*DetectorSize*3),
		out:   make([]float32, maxDetections*6),
		boxes: make([]Box, 0, maxDetections),
	}
	sess, err := ort.NewSession(cfg.Model, ort.Options{IntraOpThreads: cfg.Threads},
		[]ort.Tensor{{Name: detInput, Shape: []int64{1, DetectorSize, DetectorSize, 3}, Data: d.in}},
		[]ort.Tensor{{Name: detOutput, Shape: []int64{1, maxDetections, 6}, Data: d.out}})
	if err != nil {
		return nil, fmt.Errorf("detector: %w", err)
	}
	d.sess = sess
	d.resized = gocv.NewMatWithSize(DetectorSize, DetectorSize, gocv.MatTypeCV8UC3)
	return d, nil
}

// Detect returns the people in img, best first, after non-maximum
// suppression. The returned slice is the detector's own and is overwritten
// by the next call.
func (d *Detector) Detect(img gocv.Mat) ([]Box, error) {
	if img.Empty() || img.Type() != gocv.MatTypeCV8UC3 {
		return nil, fmt.Errorf("detector: %w", ErrImage)
	}
	gocv.Resize(img, &d.resized, image.Pt(DetectorSize, DetectorSize), 0, 0, gocv.InterpolationArea)
	bgr, err := d.resized.DataPtrUint8()
	if err != nil {
		return nil, fmt.Errorf("detector: %w", err)
	}
	for i := 0; i < len(d.in); i += 3 {
		d.in[i] = float32(bgr[i+2])
		d.in[i+1] = float32(bgr[i+1])
		d.in[i+2] = float32(bgr[i])
	}
	if err := d.sess.Run(); err != nil {
		return nil, fmt.Errorf("detector: %w", err)
	}
	sx := float32(img.Cols()) / DetectorSize
	sy := float32(img.Rows()) / DetectorSize
	d.boxes = d.boxes[:0]
	for i := 0; i < maxDetections; i++ {
		r := d.out[6*i : 6*i+6]
		if r[5] != personClass || !(r[4] >= d.cfg.MinScore) || r[2] <= r[0] || r[3] <= r[1] {
			continue
		}
		d.boxes = append(d.boxes, Box{X: r[0] * sx, Y: r[1] * sy, W: (r[2] - r[0]) * sx, H: (r[3] - r[1]) * sy, Score: r[4]})
	}
	d.boxes = suppress(d.boxes, d.cfg.IoU)
	return d.boxes, nil
}

// suppress sorts boxes by score and drops each box that overlaps a better
// one by more than iou, in place.
func suppress(boxes []Box, iou float32) []Box {
	slices.SortFunc(boxes, func(a, b Box) int { return cmp.Compare(b.Score, a.Score) })
	kept := boxes[:0]
	for _, b := range boxes {
		ok := true
		for _, k := range kept {
			if b.IoU(k) > iou {
				ok = false
				break
			}
		}
		if ok {
			kept = append(kept, b)
		}
	}
	return kept
}

// Close releases the session and scratch image.
func (d *Detector) Close() error {
	d.resized.Close()
	return d.sess.Close()
}
