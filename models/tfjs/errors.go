package tfjs

import "errors"

var (
	// ErrUnsupportedOp is wrapped, with the node name, when the graph uses an
	// operation (or an attribute value of one) that the converter does not
	// map to ONNX.
	ErrUnsupportedOp = errors.New("unsupported op")

	// ErrFormat is wrapped when model.json is missing fields, is not a
	// graph model, or is not valid JSON.
	ErrFormat = errors.New("invalid tfjs model")

	// ErrWeights is wrapped when a weight shard is missing, shorter than
	// the manifest says, or holds a dtype or quantization this package does
	// not read.
	ErrWeights = errors.New("invalid tfjs weights")

	// ErrGraph is wrapped when the graph itself is inconsistent: an input
	// names a node that does not exist, shapes do not agree, a cycle, a
	// shape or axis argument that is not a constant.
	ErrGraph = errors.New("invalid tfjs graph")

	// ErrDynamicBatch is wrapped when Options.Batch is BatchDynamic but the
	// model's inputs do not have a leading batch dimension of 1 or unknown.
	ErrDynamicBatch = errors.New("model cannot have a dynamic batch")
)
