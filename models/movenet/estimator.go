package movenet

import (
	"fmt"
	"image"
	"image/color"

	"gocv.io/x/gocv"

	"github.com/athlete3d/athlete3d/models"
	"github.com/athlete3d/athlete3d/models/ort"
	"github.com/athlete3d/athlete3d/skeleton"
)

// InputSize is the side of MoveNet Lightning's square input, in pixels.
// Thunder's is 256; an Estimator reads the side from the model it loads.
const InputSize = 192

// DefaultBatch is an Estimator's batch size when its config leaves it zero.
const DefaultBatch = 4

const (
	inputName  = "input:0"
	outputName = "Identity:0"
	outPerCrop = skeleton.NumCOCO17 * 3
)

// Keypoint is one joint in image pixels (pixel centres at integer
// coordinates, as OpenCV draws) with the network's confidence in [0, 1].
type Keypoint struct {
	X, Y, Score float32
}

// Pose is the 17 COCO joints of one person, in skeleton.COCO17 order.
type Pose [skeleton.NumCOCO17]Keypoint

// EstimatorConfig configures an Estimator. The zero value is the default.
type EstimatorConfig struct {
	// Model is the MoveNet ONNX file, Lightning or Thunder; default the
	// converted Lightning in the cache (models.ModelPath("movenet-lightning.onnx")).
	Model string
	// Batch is the most crops one Estimate call runs together; default
	// DefaultBatch.
	Batch int
	// Threads is ONNX Runtime's intra-op thread count; 0 lets it choose.
	Threads int
}

// Estimator runs MoveNet on square crops of BGR images. It owns its input
// and output tensors and scratch images; it is not safe for concurrent use.
type Estimator struct {
	batch  int
	size   int // the model's input side
	pixels int // size*size*3, one crop's input values
	sess   *ort.Session
	in     []int32   // [batch, size, size, 3] RGB, bound to the session
	out    []float32 // [batch, 1, 17, 3] (y, x, score), bound to the session
	warp   gocv.Mat  // size x size BGR scratch
	m      gocv.Mat  // 2x3 affine from image to crop
}

// NewEstimator loads the model and binds its tensors.
func NewEstimator(cfg EstimatorConfig) (*Estimator, error) {
	if cfg.Model == "" {
		cfg.Model = models.ModelPath("movenet-lightning.onnx")
	}
	if cfg.Batch == 0 {
		cfg.Batch = DefaultBatch
	}
	if cfg.Batch < 0 || cfg.Threads < 0 {
		return nil, fmt.Errorf("movenet: batch %d and threads %d must not be negative", cfg.Batch, cfg.Threads)
	}
	size, err := inputSide(cfg.Model)
	if err != nil {
		return nil, err
	}
	e := &Estimator{
		batch:  cfg.Batch,
		size:   size,
		pixels: size * size * 3,
		in:     make([]int32, cfg.Batch*size*size*3),
		out:    make([]float32, cfg.Batch*outPerCrop),
	}
	b, side := int64(cfg.Batch), int64(size)
	sess, err := ort.NewSession(cfg.Model, ort.Options{IntraOpThreads: cfg.Threads, Batched: true},
		[]ort.Tensor{{Name: inputName, Shape: []int64{b, side, side, 3}, Data: e.in}},
		[]ort.Tensor{{Name: outputName, Shape: []int64{b, 1, skeleton.NumCOCO17, 3}, Data: e.out}})
	if err != nil {
		return nil, fmt.Errorf("movenet: %w", err)
	}
	e.sess = sess
	e.warp = gocv.NewMatWithSize(size, size, gocv.MatTypeCV8UC3)
	e.m = gocv.NewMatWithSize(2, 3, gocv.MatTypeCV64F)
	return e, nil
}

// inputSide reads the side of the model's square input, [batch, S, S, 3].
func inputSide(path string) (int, error) {
	ins, _, err := ort.Inspect(path)
	if err != nil {
		return 0, fmt.Errorf("movenet: %w", err)
	}
	for _, in := range ins {
		if in.Name != inputName {
			continue
		}
		if d := in.Shape; len(d) == 4 && d[1] > 0 && d[1] == d[2] && d[3] == 3 {
			return int(d[1]), nil
		}
		return 0, fmt.Errorf("movenet: model %s: input %v is not [batch, S, S, 3]: %w", path, in, ort.ErrShape)
	}
	return 0, fmt.Errorf("movenet: model %s: input %q: %w", path, inputName, ort.ErrName)
}

// Batch returns the most crops one Estimate call takes.
func (e *Estimator) Batch() int { return e.batch }

// Estimate finds one pose in each crop of img, running all crops in one
// batch, and writes it to dst[i] in image pixels. len(dst) must be at least
// len(crops). It allocates nothing.
func (e *Estimator) Estimate(dst []Pose, img gocv.Mat, crops []Crop) error {
	if err := e.check(dst, len(crops)); err != nil {
		return err
	}
	if err := checkImage(img); err != nil {
		return err
	}
	for i, c := range crops {
		if err := e.fill(e.in[i*e.pixels:(i+1)*e.pixels], img, c); err != nil {
			return err
		}
	}
	return e.run(dst, crops)
}

// EstimateEach is Estimate over crops of several images, crop i of
// imgs[i], in one batch: the people of several cameras' frames in one
// inference. It allocates nothing.
func (e *Estimator) EstimateEach(dst []Pose, imgs []gocv.Mat, crops []Crop) error {
	if len(imgs) != len(crops) {
		return fmt.Errorf("movenet: %d images for %d crops: %w", len(imgs), len(crops), ErrBatch)
	}
	if err := e.check(dst, len(crops)); err != nil {
		return err
	}
	for i, c := range crops {
		if err := checkImage(imgs[i]); err != nil {
			return err
		}
		if err := e.fill(e.in[i*e.pixels:(i+1)*e.pixels], imgs[i], c); err != nil {
			return err
		}
	}
	return e.run(dst, crops)
}

// check validates a call for n crops into dst.
func (e *Estimator) check(dst []Pose, n int) error {
	if n > e.batch || len(dst) < n {
		return fmt.Errorf("movenet: %d crops into %d poses: %w of %d", n, len(dst), ErrBatch, e.batch)
	}
	return nil
}

// checkImage validates an image to crop from.
func checkImage(img gocv.Mat) error {
	if img.Empty() || img.Type() != gocv.MatTypeCV8UC3 {
		return fmt.Errorf("movenet: %w", ErrImage)
	}
	return nil
}

// run runs the filled crops and decodes the poses into dst.
func (e *Estimator) run(dst []Pose, crops []Crop) error {
	if len(crops) == 0 {
		return nil
	}
	if err := e.sess.RunBatch(len(crops)); err != nil {
		return fmt.Errorf("movenet: %w", err)
	}
	for i, c := range crops {
		decode(&dst[i], e.out[i*outPerCrop:(i+1)*outPerCrop], c)
	}
	return nil
}

// fill resamples crop c of img to the model's input side (bilinear, black
// outside the image) and writes it as RGB integers into dst.
func (e *Estimator) fill(dst []int32, img gocv.Mat, c Crop) error {
	if !(c.Size > 0) {
		return fmt.Errorf("movenet: crop %+v has no size", c)
	}
	// Pixel centres map onto pixel centres: u + 0.5 = s (x + 0.5 - X).
	s := float64(e.size) / float64(c.Size)
	e.m.SetDoubleAt(0, 0, s)
	e.m.SetDoubleAt(0, 1, 0)
	e.m.SetDoubleAt(0, 2, s*(0.5-float64(c.X))-0.5)
	e.m.SetDoubleAt(1, 0, 0)
	e.m.SetDoubleAt(1, 1, s)
	e.m.SetDoubleAt(1, 2, s*(0.5-float64(c.Y))-0.5)
	gocv.WarpAffineWithParams(img, &e.warp, e.m, image.Pt(e.size, e.size),
		gocv.InterpolationLinear, gocv.BorderConstant, color.RGBA{})
	bgr, err := e.warp.DataPtrUint8()
	if err != nil {
		return fmt.Errorf("movenet: %w", err)
	}
	n := e.pixels
	bgr, dst = bgr[:n], dst[:n]
	for i := 0; i+3 <= n; i += 3 {
		s, d := bgr[i:i+3:i+3], dst[i:i+3:i+3]
		d[0], d[1], d[2] = int32(s[2]), int32(s[1]), int32(s[0])
	}
	return nil
}

// decode maps MoveNet's (y, x, score) rows, normalised to the crop, back to
// image pixels.
func decode(dst *Pose, out []float32, c Crop) {
	for k := range dst {
		y, x, score := out[3*k], out[3*k+1], out[3*k+2]
		dst[k] = Keypoint{X: c.X + x*c.Size - 0.5, Y: c.Y + y*c.Size - 0.5, Score: score}
	}
}

// Close releases the session and scratch images.
func (e *Estimator) Close() error {
	e.warp.Close()
	e.m.Close()
	return e.sess.Close()
}
