// Package tfjs converts TensorFlow.js graph models (model.json plus its
// weight shards) to ONNX, in pure Go.
//
//	err := tfjs.ConvertFile("movenet-lightning.json", "movenet-lightning.onnx")
//	m, err := tfjs.Convert("model.json", tfjs.Options{Batch: tfjs.BatchStatic})
//
// # What it owns
//
// Reading model.json (format "graph-model": modelTopology.node as TensorFlow
// NodeDef JSON, signature, weightsManifest), reading and dequantizing the
// weight shards, and mapping each TF op onto ONNX opset 17 nodes through the
// models/onnx package. Running models is models/ort's business; the
// conversion has no cgo.
//
// # Weights
//
// The shards of all manifest groups are concatenated in order and cut into
// the manifest's weights in order, as TF.js does. Dtypes float32, int32 and
// bool are read; quantization float16 (exact half to float conversion), uint8
// and uint16 (value*scale+min in float64, stored as float32; int32 weights
// rounded with JavaScript's Math.round) gives the same values as TF.js. A
// shard path that is absolute or leaves the model directory, a missing or
// short shard, or an unknown dtype is an error wrapping ErrWeights that
// names the file and the weight.
//
// # Layout
//
// TF.js graphs are NHWC; ONNX Conv, MaxPool, AveragePool, Resize and
// BatchNormalization are NCHW. Every converted value remembers whether its
// ONNX tensor is NHWC or NCHW: a window op takes its input in NCHW
// (transposing it once if needed) and leaves NCHW output; elementwise ops,
// Concat on an axis other than the batch, Pad and the reductions that keep
// their layout work in NCHW directly, with constant operands permuted at
// conversion time; any other op asks for NHWC, which inserts one Transpose
// (cached, so a tensor read by several such ops is transposed once). The
// body of a convolutional network therefore runs in NCHW with a transpose at
// its entry and one per exit to NHWC: 7 Transpose nodes in MoveNet
// Lightning, 4 in CenterNet.
//
// # Dynamic batch
//
// A TF.js graph describes one batch item: MoveNet's and CenterNet's tails
// hard-code batch 1 in Reshape shapes, Pack and GatherNd indices (the batch
// index column is a constant 0) and Unpack the batch axis. The converter
// does not patch those constants; it vectorises the graph instead, the way
// jax.vmap does: every TF tensor is converted for a batch of N items, and
// its ONNX tensor is in one of three forms.
//
//   - shared: no batch axis; the value is the same for every item
//     (constants and what is computed from them only).
//   - lead: ONNX axis 0 is the batch N and stands for TF axis 0, whose size
//     is 1 (an image [1,H,W,C] is [N,H,W,C] or, in NCHW, [N,C,H,W]).
//   - extra: ONNX axis 0 is the batch, prepended to the TF axes (an index
//     list [17,3] is [N,17,3]).
//
// Each op maps its TF axes past the batch axis: elementwise ops broadcast
// shared operands as they are; Reshape, Squeeze and ExpandDims become one
// ONNX Reshape to [0, dims...] (or nothing when only the form changes, as for
// Unpack and Squeeze of the size-1 TF batch axis); GatherNd and GatherV2 with
// per-item indices become GatherND with batch_dims 1 (constant indices are
// expanded over the batch); Pack and Concat expand shared operands. So item
// i of a batch of N gets exactly the result of the TF graph on item i alone,
// whatever the graph does with its batch dimension of 1: MoveNet Lightning
// and CenterNet both run batch-dynamic, and batch N matches batch 1 bit for
// bit in ONNX Runtime (conformance_test.go).
//
// The ONNX inputs are [batch, ...TF dims after the first]; an output whose TF
// shape starts with 1 is [batch, ...rest], any other output gets the batch
// axis in front ([batch, ...TF shape]). Options.Batch = BatchStatic keeps the
// TF shapes instead (every value shared); BatchAuto, the default, does that
// only when an input's first dimension is neither 1 nor unknown.
//
// # Ops
//
// Each TF op maps to ONNX as below; any other op is an error wrapping
// ErrUnsupportedOp naming the op and the node. Ops marked M are used by
// MoveNet Lightning, C by CenterNet. Every op is checked against TF.js 4.22
// on its CPU backend, with a dynamic batch of three and a static batch, by
// TestOps (testdata/golden/opcases.mjs) or the conformance tests; only the
// aliases Inv, Snapshot, IdentityN and BatchMatMul (v1) are not run
// themselves.
//
//	TF op                            ONNX                              notes
//	Placeholder, Const               graph input, initializer          M C
//	Identity, IdentityN, Snapshot    (none)                            M C
//	Add, AddV2, Sub, Mul, BiasAdd    Add, Sub, Mul                     M C
//	RealDiv, Div                     Div                               M; int32: floor division, as TF.js
//	FloorDiv                         Mod, Sub, Div / Div, Floor        M C; exact for negative ints
//	FloorMod                         Mod (fmod 0 / fmod 1 + sign fix)  C
//	SquaredDifference, Square        Sub, Mul                          M
//	Maximum, Minimum, Pow, AddN      Max, Min, Pow, Sum
//	Equal, NotEqual, Less, Greater,  Equal, Not, Less, ...             C
//	LessEqual, GreaterEqual,
//	LogicalAnd, LogicalOr, LogicalNot
//	SelectV2                         Where
//	Sigmoid, Sqrt, Relu, Tanh, Exp,  same name                         M C
//	Log, Abs, Neg, Floor, Ceil,
//	Round, Sign, Sin, Cos, Erf, Elu,
//	Selu, Softplus, Reciprocal, Inv
//	Relu6                            Clip(0, 6)                        C
//	LeakyRelu, Rsqrt                 LeakyRelu, Sqrt + Reciprocal
//	Softmax, LogSoftmax              Softmax, LogSoftmax               last axis
//	Cast                             Cast                              M C; folded for constants
//	Conv2D, _FusedConv2D             Conv (+ activation)               M C; fused BiasAdd with Relu,
//	                                                                   Relu6, Elu, Sigmoid, Tanh,
//	                                                                   LeakyRelu or Prelu
//	DepthwiseConv2dNative,           Conv, group = input channels      M C
//	FusedDepthwiseConv2dNative
//	MaxPool, AvgPool                 MaxPool, AveragePool              C; AvgPool excludes padding
//	ResizeBilinear                   Resize linear                     M C; see below
//	ResizeNearestNeighbor            Resize nearest                    see below
//	FusedBatchNorm, FusedBatchNormV3 BatchNormalization                inference only
//	MatMul, BatchMatMul(V2),         MatMul (+ Add, activation)
//	_FusedMatMul
//	Mean, Sum, Max, Min, Prod        ReduceMean, ReduceSum, ...        C
//	ArgMax, ArgMin                   ArgMax, ArgMin (+ Cast)           M; first index on ties, as TF
//	TopKV2                           TopK sorted (+ Cast)              C; ties: lower index first
//	Reshape, Squeeze, ExpandDims     Reshape, or nothing               M C
//	Shape                            constant                          the per-item shape is static
//	Pack, Unpack, ConcatV2           Unsqueeze + Concat, Split +       M C
//	                                 Squeeze, Concat
//	Split, SplitV                    Split
//	StridedSlice, Slice              Slice + Reshape                   C; all five masks
//	Transpose                        Transpose
//	Pad, PadV2, MirrorPad            Pad constant or reflect           not SYMMETRIC
//	GatherV2                         Gather, or GatherND batch_dims 1  C; batch_dims attribute 0 only
//	GatherNd                         GatherND                          M
//
// Padding SAME, VALID and EXPLICIT follow TensorFlow: SAME pads
// (out-1)*stride + (k-1)*dilation + 1 - in pixels, the odd one after, computed
// from the static input shape, so the ONNX pads are explicit and exact.
//
// ResizeBilinear maps align_corners to coordinate mode align_corners,
// half_pixel_centers to half_pixel and neither to asymmetric, which are TF's
// source coordinates (in/out ratio times the output index, with half-pixel
// offsets; clamped to the image). ResizeNearestNeighbor uses asymmetric with
// floor, align_corners with round_prefer_ceil (JavaScript's Math.round), and
// tf_half_pixel_for_nn with floor, as TF.js does. The output size is built
// from the input's runtime batch and channels, so Resize works at any batch.
//
// TF.js quirks kept or not: FloorDiv of floats gives float32 here, as in
// TensorFlow, where TF.js returns int32 (the values agree). Div and RealDiv of
// int32 are floor divisions, as in TF.js.
//
// # Numerics
//
// The converted models agree with TF.js on its CPU backend within 1e-4 plus
// a few float32 steps of the value: MoveNet Lightning's keypoints within
// 1.9e-6, CenterNet's heatmaps within 1.7e-7, and CenterNet's sizes and
// boxes, which are in input pixels up to 512, within 3.7e-4 (2.8e-6
// relative: float32 accumulation over 60 layers in two different kernels;
// ONNX Runtime alone moves CenterNet's sizes by 2.2e-4 between its graph
// optimisations off and on). The conformance tests allow 1e-4 plus 4e-6
// times the value.
//
// # Limits
//
// Shapes must be static apart from the batch: an unknown dimension other than
// the first, or a shape, axis, size or permutation argument that is not a
// constant, is an error wrapping ErrGraph. data_format NCHW, control flow
// (Enter, Switch, Merge, loops), strings, hash tables and TensorList ops are
// not supported. Ops with a window over several images of one item (a TF
// tensor [k,H,W,C] with k > 1 under a dynamic batch) are refused; convert
// such models with BatchStatic.
//
// # Concurrency
//
// Convert and ConvertFile keep no state between calls and may run
// concurrently. The returned model is the caller's.
package tfjs
