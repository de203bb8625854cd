// Small hand-written TF graphs, one or a few ops each, that exercise the
// converter's op mappings and batch rules beyond what the two real models
// use. generate.mjs writes each as testdata/ops/<name>/model.json plus
// weights.bin and records TF.js outputs for three inputs in
// testdata/golden/ops.json.
//
// Inputs are per-item tensors with a leading 1, so the converted model has a
// dynamic batch; the Go test runs the three inputs as one batch of three.

const b64 = (s) => Buffer.from(s).toString('base64');
const S = (s) => ({s: b64(s)});
const I = (i) => ({i: String(i)});
const F = (f) => ({f});
const B = (b) => ({b});
const T = (t) => ({type: t});
const LI = (a) => ({list: {i: a.map(String)}});
const LS = (a) => ({list: {s: a.map(b64)}});
const FLOAT = T('DT_FLOAT');
const INT = T('DT_INT32');

// range(n, f) is [f(0), ..., f(n-1)].
const range = (n, f) => Array.from({length: n}, (_, i) => f(i));
// fvals gives n deterministic float constants in [-2, 2).
const fvals = (n, salt) => range(n, (i) => (((i * 37 + salt * 11) % 41) - 20) / 10);

const conv = (pad, extra = {}) => ({
  T: FLOAT, strides: LI([1, 1, 1, 1]), dilations: LI([1, 1, 1, 1]), padding: S(pad),
  data_format: S('NHWC'), explicit_paddings: LI([]), ...extra,
});

export const cases = [
  {
    name: 'strided_slice',
    inputs: [{name: 'x', dtype: 'float32', shape: [1, 4, 5, 6]}],
    consts: {
      b1: {dtype: 'int32', shape: [4], values: [0, 1, -1, 0]},
      e1: {dtype: 'int32', shape: [4], values: [0, 4, 0, 6]},
      s1: {dtype: 'int32', shape: [4], values: [1, 2, -1, 2]},
      b2: {dtype: 'int32', shape: [3], values: [0, 0, 2]},
      e2: {dtype: 'int32', shape: [3], values: [0, 0, 3]},
      s2: {dtype: 'int32', shape: [3], values: [1, 1, 1]},
    },
    nodes: [
      ['y1', 'StridedSlice', ['x', 'b1', 'e1', 's1'], {T: FLOAT, Index: INT, begin_mask: I(1), end_mask: I(1),
        ellipsis_mask: I(0), new_axis_mask: I(0), shrink_axis_mask: I(0)}],
      // x[..., tf.newaxis, 2]
      ['y2', 'StridedSlice', ['x', 'b2', 'e2', 's2'], {T: FLOAT, Index: INT, begin_mask: I(0), end_mask: I(0),
        ellipsis_mask: I(1), new_axis_mask: I(2), shrink_axis_mask: I(4)}],
    ],
    outputs: ['y1', 'y2'],
  },
  {
    name: 'floor_int',
    inputs: [{name: 'a', dtype: 'int32', shape: [1, 6], range: [-10, 10]}],
    consts: {b: {dtype: 'int32', shape: [6], values: [3, -3, 4, -4, 7, -2]}},
    nodes: [
      ['q', 'FloorDiv', ['a', 'b'], {T: INT}],
      ['r', 'FloorMod', ['a', 'b'], {T: INT}],
      ['d', 'RealDiv', ['a', 'b'], {T: INT}],
    ],
    outputs: ['q', 'r', 'd'],
  },
  {
    name: 'floor_float',
    inputs: [{name: 'a', dtype: 'float32', shape: [1, 6]}],
    consts: {b: {dtype: 'float32', shape: [6], values: [2.5, -2.5, 3, -3, 1.5, -0.75]}},
    nodes: [
      ['q', 'FloorDiv', ['a', 'b'], {T: FLOAT}],
      ['r', 'FloorMod', ['a', 'b'], {T: FLOAT}],
    ],
    outputs: ['q', 'r'],
  },
  {
    name: 'gather',
    inputs: [
      {name: 'p', dtype: 'float32', shape: [1, 5, 4]},
      {name: 'i', dtype: 'int32', shape: [1, 3], range: [0, 4]},
    ],
    consts: {
      ax1: {dtype: 'int32', shape: [], values: [1]},
      ax2: {dtype: 'int32', shape: [], values: [2]},
      cp: {dtype: 'float32', shape: [3, 5], values: fvals(15, 1)},
      ci: {dtype: 'int32', shape: [2], values: [3, 0]},
      ndi: {dtype: 'int32', shape: [2, 2], values: [0, 4, 0, 1]},
    },
    nodes: [
      ['g1', 'GatherV2', ['p', 'i', 'ax1'], {Tparams: FLOAT, Tindices: INT, Taxis: INT, batch_dims: I(0)}],
      ['g2', 'GatherV2', ['cp', 'i', 'ax1'], {Tparams: FLOAT, Tindices: INT, Taxis: INT, batch_dims: I(0)}],
      ['g3', 'GatherV2', ['p', 'ci', 'ax2'], {Tparams: FLOAT, Tindices: INT, Taxis: INT, batch_dims: I(0)}],
      ['g4', 'GatherNd', ['p', 'ndi'], {Tparams: FLOAT, Tindices: INT}],
    ],
    outputs: ['g1', 'g2', 'g3', 'g4'],
  },
  {
    name: 'pack_unpack',
    inputs: [{name: 'x', dtype: 'float32', shape: [1, 3]}],
    consts: {
      c: {dtype: 'float32', shape: [1, 3], values: [0.5, -1, 2]},
      ax: {dtype: 'int32', shape: [], values: [1]},
      perm: {dtype: 'int32', shape: [3], values: [1, 0, 2]},
    },
    nodes: [
      ['p', 'Pack', ['x', 'c'], {T: FLOAT, N: I(2), axis: I(1)}],
      ['p0', 'Pack', ['x', 'c'], {T: FLOAT, N: I(2), axis: I(0)}],
      ['u', 'Unpack', ['p'], {T: FLOAT, num: I(3), axis: I(2)}],
      ['cat', 'ConcatV2', ['u', 'u:2', 'u:1', 'ax'], {T: FLOAT, N: I(3), Tidx: INT}],
      ['t', 'Transpose', ['p', 'perm'], {T: FLOAT, Tperm: INT}],
    ],
    outputs: ['cat', 'p0', 't'],
  },
  {
    name: 'conv_paths',
    inputs: [{name: 'x', dtype: 'float32', shape: [1, 7, 9, 2]}],
    consts: {
      w: {dtype: 'float32', shape: [3, 3, 2, 4], values: fvals(72, 2)},
      bias: {dtype: 'float32', shape: [4], values: [0.1, -0.2, 0.3, 0]},
      alpha: {dtype: 'float32', shape: [4], values: [0.25, 0.5, -0.1, 1]},
      dw: {dtype: 'float32', shape: [3, 3, 4, 2], values: fvals(72, 3)},
      dwb: {dtype: 'float32', shape: [8], values: fvals(8, 4)},
      axes: {dtype: 'int32', shape: [2], values: [1, 2]},
    },
    nodes: [
      ['c1', '_FusedConv2D', ['x', 'w', 'bias', 'alpha'], conv('EXPLICIT', {
        explicit_paddings: LI([0, 0, 2, 0, 1, 1, 0, 0]), strides: LI([1, 2, 1, 1]),
        fused_ops: LS(['BiasAdd', 'Prelu']), num_args: I(2), epsilon: F(0)})],
      ['c2', 'FusedDepthwiseConv2dNative', ['c1', 'dw', 'dwb'], conv('SAME', {
        strides: LI([1, 2, 2, 1]), fused_ops: LS(['BiasAdd', 'Relu6']), num_args: I(1)})],
      ['c3', 'DepthwiseConv2dNative', ['c1', 'dw'], conv('SAME', {dilations: LI([1, 2, 2, 1])})],
      ['mp', 'MaxPool', ['c2'], {T: FLOAT, ksize: LI([1, 3, 3, 1]), strides: LI([1, 2, 2, 1]), padding: S('SAME'), data_format: S('NHWC')}],
      ['ap', 'AvgPool', ['c1'], {T: FLOAT, ksize: LI([1, 2, 3, 1]), strides: LI([1, 2, 2, 1]), padding: S('SAME'), data_format: S('NHWC')}],
      ['m', 'Mean', ['c2', 'axes'], {T: FLOAT, Tidx: INT, keep_dims: B(false)}],
    ],
    outputs: ['c1', 'c2', 'c3', 'mp', 'ap', 'm'],
  },
  {
    name: 'conv_dw_valid',
    // dw has shape [3,3,4,2]: a depthwise filter over 4 channels; here x
    // gets 4 channels from a 1x1 convolution first.
    inputs: [{name: 'x', dtype: 'float32', shape: [1, 6, 6, 2]}],
    consts: {
      w: {dtype: 'float32', shape: [1, 1, 2, 4], values: fvals(8, 5)},
      dw: {dtype: 'float32', shape: [3, 3, 4, 2], values: fvals(72, 6)},
    },
    nodes: [
      ['c', 'Conv2D', ['x', 'w'], conv('VALID')],
      ['d', 'DepthwiseConv2dNative', ['c', 'dw'], conv('VALID', {strides: LI([1, 2, 2, 1])})],
      ['r', 'Relu', ['d'], {T: FLOAT}],
    ],
    outputs: ['r'],
  },
  {
    name: 'resize',
    inputs: [{name: 'x', dtype: 'float32', shape: [1, 5, 4, 2]}],
    consts: {size: {dtype: 'int32', shape: [2], values: [7, 9]}},
    nodes: [
      ['b0', 'ResizeBilinear', ['x', 'size'], {T: FLOAT, align_corners: B(false), half_pixel_centers: B(false)}],
      ['b1', 'ResizeBilinear', ['x', 'size'], {T: FLOAT, align_corners: B(true), half_pixel_centers: B(false)}],
      ['b2', 'ResizeBilinear', ['x', 'size'], {T: FLOAT, align_corners: B(false), half_pixel_centers: B(true)}],
      ['n0', 'ResizeNearestNeighbor', ['x', 'size'], {T: FLOAT, align_corners: B(false), half_pixel_centers: B(false)}],
      ['n1', 'ResizeNearestNeighbor', ['x', 'size'], {T: FLOAT, align_corners: B(true), half_pixel_centers: B(false)}],
      ['n2', 'ResizeNearestNeighbor', ['x', 'size'], {T: FLOAT, align_corners: B(false), half_pixel_centers: B(true)}],
    ],
    outputs: ['b0', 'b1', 'b2', 'n0', 'n1', 'n2'],
  },
  {
    name: 'reduce_select',
    inputs: [{name: 'x', dtype: 'float32', shape: [1, 4, 10]}],
    consts: {
      a0: {dtype: 'int32', shape: [], values: [0]},
      a1: {dtype: 'int32', shape: [], values: [-1]},
      a01: {dtype: 'int32', shape: [2], values: [0, 1]},
      k: {dtype: 'int32', shape: [], values: [4]},
    },
    nodes: [
      ['am', 'ArgMax', ['x', 'a1'], {T: FLOAT, Tidx: INT, output_type: INT}],
      ['am0', 'ArgMin', ['x', 'a0'], {T: FLOAT, Tidx: INT, output_type: INT}],
      ['tk', 'TopKV2', ['x', 'k'], {T: FLOAT, sorted: B(true)}],
      ['s', 'Sum', ['x', 'a01'], {T: FLOAT, Tidx: INT, keep_dims: B(false)}],
      ['mx', 'Max', ['x', 'a1'], {T: FLOAT, Tidx: INT, keep_dims: B(true)}],
      ['sm', 'Softmax', ['x'], {T: FLOAT}],
      ['tkf', 'Cast', ['tk:1'], {SrcT: INT, DstT: FLOAT}],
      ['amf', 'Cast', ['am'], {SrcT: INT, DstT: FLOAT}],
      ['am0f', 'Cast', ['am0'], {SrcT: INT, DstT: FLOAT}],
    ],
    outputs: ['amf', 'am0f', 'tk', 'tkf', 's', 'mx', 'sm'],
  },
  {
    name: 'shape_ops',
    inputs: [{name: 'x', dtype: 'float32', shape: [1, 2, 6]}],
    consts: {
      shp: {dtype: 'int32', shape: [3], values: [-1, 3, 4]},
      d: {dtype: 'int32', shape: [], values: [-1]},
      ax: {dtype: 'int32', shape: [], values: [2]},
      sizes: {dtype: 'int32', shape: [3], values: [1, -1, 2]},
      pads: {dtype: 'int32', shape: [3, 2], values: [0, 0, 1, 2, 0, 1]},
      cv: {dtype: 'float32', shape: [], values: [7]},
      rp: {dtype: 'int32', shape: [3, 2], values: [0, 0, 1, 1, 2, 1]},
      sb: {dtype: 'int32', shape: [3], values: [0, 1, 2]},
      ss: {dtype: 'int32', shape: [3], values: [1, 1, 3]},
    },
    nodes: [
      ['r', 'Reshape', ['x', 'shp'], {T: FLOAT, Tshape: INT}],
      ['e', 'ExpandDims', ['r', 'd'], {T: FLOAT, Tdim: INT}],
      ['q', 'Squeeze', ['e'], {T: FLOAT, squeeze_dims: LI([0, 3])}],
      ['sp', 'SplitV', ['x', 'sizes', 'ax'], {T: FLOAT, Tlen: INT, num_split: I(3)}],
      ['sp3', 'Split', ['ax', 'x'], {T: FLOAT, num_split: I(3)}],
      ['pd', 'PadV2', ['x', 'pads', 'cv'], {T: FLOAT, Tpaddings: INT}],
      ['mp', 'MirrorPad', ['x', 'rp'], {T: FLOAT, Tpaddings: INT, mode: S('REFLECT')}],
      ['sl', 'Slice', ['x', 'sb', 'ss'], {T: FLOAT, Index: INT}],
      ['sh', 'Shape', ['x'], {T: FLOAT, out_type: INT}],
      ['shf', 'Cast', ['sh'], {SrcT: INT, DstT: FLOAT}],
      ['ad', 'AddV2', ['sp:1', 'shf'], {T: FLOAT}],
    ],
    outputs: ['q', 'sp', 'sp:2', 'sp3:1', 'pd', 'mp', 'sl', 'ad'],
  },
  {
    name: 'elementwise',
    inputs: [
      {name: 'x', dtype: 'float32', shape: [1, 2, 5]},
      {name: 'y', dtype: 'float32', shape: [1, 5]},
    ],
    consts: {
      h: {dtype: 'float32', shape: [], values: [0.5]},
      w: {dtype: 'float32', shape: [5, 3], values: fvals(15, 7)},
      bias: {dtype: 'float32', shape: [3], values: [0.5, -0.5, 0]},
    },
    nodes: [
      ['sq', 'Square', ['x'], {T: FLOAT}],
      ['pos', 'AddV2', ['sq', 'h'], {T: FLOAT}],
      ['rs', 'Rsqrt', ['pos'], {T: FLOAT}],
      ['sd', 'SquaredDifference', ['x', 'y'], {T: FLOAT}],
      ['r6', 'Relu6', ['x'], {T: FLOAT}],
      ['lr', 'LeakyRelu', ['x'], {T: FLOAT, alpha: F(0.1)}],
      ['gt', 'Greater', ['x', 'y'], {T: FLOAT}],
      ['sel', 'SelectV2', ['gt', 'x', 'y'], {T: FLOAT}],
      ['mx', 'Maximum', ['x', 'h'], {T: FLOAT}],
      ['eq', 'Equal', ['gt', 'gt'], {T: T('DT_BOOL'), incompatible_shape_error: B(true)}],
      ['eqf', 'Cast', ['eq'], {SrcT: T('DT_BOOL'), DstT: FLOAT}],
      ['mm', '_FusedMatMul', ['y', 'w', 'bias'], {T: FLOAT, transpose_a: B(false), transpose_b: B(false),
        fused_ops: LS(['BiasAdd', 'Relu']), num_args: I(1), epsilon: F(0)}],
      ['bm', 'BatchMatMulV2', ['x', 'x'], {T: FLOAT, adj_x: B(false), adj_y: B(true)}],
    ],
    outputs: ['rs', 'sd', 'r6', 'lr', 'sel', 'mx', 'eqf', 'mm', 'bm'],
  },
  {
    name: 'misc',
    inputs: [
      {name: 'x', dtype: 'float32', shape: [1, 2, 3, 4]},
      {name: 'y', dtype: 'float32', shape: [1, 2, 3, 4]},
    ],
    consts: {
      h: {dtype: 'float32', shape: [], values: [0.5]},
      two: {dtype: 'float32', shape: [], values: [2]},
      scale: {dtype: 'float32', shape: [4], values: [1, 0.5, -2, 1.5]},
      offset: {dtype: 'float32', shape: [4], values: [0, 0.25, -1, 3]},
      mean: {dtype: 'float32', shape: [4], values: [0.1, -0.2, 0.3, 0]},
      variance: {dtype: 'float32', shape: [4], values: [1, 4, 0.25, 2]},
      pads: {dtype: 'int32', shape: [4, 2], values: [0, 0, 1, 0, 0, 2, 1, 1]},
      w: {dtype: 'float32', shape: [4, 3], values: fvals(12, 8)},
    },
    nodes: [
      ['sq', 'Square', ['x'], {T: FLOAT}],
      ['pos', 'AddV2', ['sq', 'h'], {T: FLOAT}],
      ['tanh', 'Tanh', ['x'], {T: FLOAT}],
      ['exp', 'Exp', ['x'], {T: FLOAT}],
      ['log', 'Log', ['pos'], {T: FLOAT}],
      ['sqrt', 'Sqrt', ['pos'], {T: FLOAT}],
      ['abs', 'Abs', ['x'], {T: FLOAT}],
      ['neg', 'Neg', ['x'], {T: FLOAT}],
      ['floor', 'Floor', ['x'], {T: FLOAT}],
      ['ceil', 'Ceil', ['x'], {T: FLOAT}],
      ['round', 'Round', ['x'], {T: FLOAT}],
      ['sign', 'Sign', ['x'], {T: FLOAT}],
      ['sin', 'Sin', ['x'], {T: FLOAT}],
      ['cos', 'Cos', ['x'], {T: FLOAT}],
      ['erf', 'Erf', ['x'], {T: FLOAT}],
      ['elu', 'Elu', ['x'], {T: FLOAT}],
      ['selu', 'Selu', ['x'], {T: FLOAT}],
      ['softplus', 'Softplus', ['x'], {T: FLOAT}],
      ['recip', 'Reciprocal', ['pos'], {T: FLOAT}],
      ['pow', 'Pow', ['pos', 'y'], {T: FLOAT}],
      ['addn', 'AddN', ['x', 'y', 'sq'], {T: FLOAT, N: I(3)}],
      ['less', 'Less', ['x', 'y'], {T: FLOAT}],
      ['le', 'LessEqual', ['x', 'floor'], {T: FLOAT}],
      ['ge', 'GreaterEqual', ['x', 'h'], {T: FLOAT}],
      ['ne', 'NotEqual', ['floor', 'ceil'], {T: FLOAT, incompatible_shape_error: B(true)}],
      ['and', 'LogicalAnd', ['less', 'ne'], {}],
      ['or', 'LogicalOr', ['le', 'ge'], {}],
      ['not', 'LogicalNot', ['or'], {}],
      ['andf', 'Cast', ['and'], {SrcT: T('DT_BOOL'), DstT: FLOAT}],
      ['notf', 'Cast', ['not'], {SrcT: T('DT_BOOL'), DstT: FLOAT}],
      ['lsm', 'LogSoftmax', ['x'], {T: FLOAT}],
      ['bn', 'FusedBatchNormV3', ['x', 'scale', 'offset', 'mean', 'variance'], {T: FLOAT, U: FLOAT,
        epsilon: F(0.001), data_format: S('NHWC'), is_training: B(false)}],
      ['pad', 'Pad', ['x', 'pads'], {T: FLOAT, Tpaddings: INT}],
      ['mm', 'MatMul', ['x', 'w'], {T: FLOAT, transpose_a: B(false), transpose_b: B(false)}],
      ['sg', 'StopGradient', ['mm'], {T: FLOAT}],
    ],
    outputs: ['tanh', 'exp', 'log', 'sqrt', 'abs', 'neg', 'floor', 'ceil', 'round', 'sign', 'sin', 'cos', 'erf',
      'elu', 'selu', 'softplus', 'recip', 'pow', 'addn', 'andf', 'notf', 'lsm', 'bn', 'pad', 'sg'],
  },
];
