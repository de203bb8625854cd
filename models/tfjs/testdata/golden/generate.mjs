// Generates the golden outputs that models/tfjs/conformance_test.go compares
// the converted ONNX models against. See README.md beside this file.
//
// Usage (from this directory):
//   node generate.mjs [--models DIR] [--out DIR] [--ops DIR] [--only all|models|ops]
// It loads @tensorflow/tfjs from $ATHLETE3D_NODE (default
// $HOME/.cache/athlete3d/node), runs each TF.js graph model on the pure-JS CPU
// backend, and writes <model>.json files into --out (default: this directory).

import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import {createRequire} from 'node:module';
import {fileURLToPath} from 'node:url';
import {cases as opCases} from './opcases.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const home = os.homedir();
const cache = process.env.ATHLETE3D_CACHE || path.join(home, '.cache', 'athlete3d');
const nodeDir = process.env.ATHLETE3D_NODE || path.join(cache, 'node');

function flag(name, def) {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : def;
}
const modelsDir = flag('--models', path.join(cache, 'models'));
const outDir = flag('--out', here);
const opsDir = flag('--ops', path.join(here, '..', 'ops'));
const only = flag('--only', 'all'); // all, models or ops

const require = createRequire(path.join(nodeDir, 'package.json'));
const tf = require('@tensorflow/tfjs');
const TFJS_VERSION = '4.22.0';
if (tf.version.tfjs !== TFJS_VERSION) {
  throw new Error(`@tensorflow/tfjs ${tf.version.tfjs} found in ${nodeDir}, want ${TFJS_VERSION}`);
}

// ---- synthetic images: keep in step with ../../synth_test.go -------------
// Everything is unsigned 32-bit integer arithmetic, so JS and Go agree bit
// for bit. Pattern "athlete3d-synth-v1".

function mix32(v) {
  let x = v >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d) >>> 0;
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b) >>> 0;
  x ^= x >>> 16;
  return x >>> 0;
}

// key hashes a list of small non-negative integers.
function key(...parts) {
  let h = 0x2545f491;
  for (const p of parts) h = mix32((h ^ (p >>> 0)) + 0x9e3779b9);
  return h;
}

function synthPixel(seed, h, w, y, x, c) {
  const gx = Math.floor((x * 255) / (w - 1));
  const gy = Math.floor((y * 255) / (h - 1));
  let v;
  switch ((c + seed) % 3) {
    case 0: v = Math.floor((gx + 2 * gy) / 3); break;
    case 1: v = Math.floor((255 - gx + gy) / 2); break;
    default: v = Math.floor((gx * gy) / 255); break;
  }
  const blobs = 3 + (seed % 4);
  for (let k = 0; k < blobs; k++) {
    const cx = key(seed, k, 1) % w;
    const cy = key(seed, k, 2) % h;
    const r = 8 + (key(seed, k, 3) % Math.floor(h / 4));
    const dx = x - cx;
    const dy = y - cy;
    if (dx * dx + dy * dy <= r * r) {
      const color = key(seed, k, 4, c) % 256;
      v = Math.floor((v + 3 * color) / 4);
    }
  }
  const noise = (key(seed, y, x, c, 5) % 41) - 20;
  v += noise;
  if (v < 0) v = 0;
  if (v > 255) v = 255;
  return v;
}

function synthImage(seed, h, w, ArrayType) {
  const data = new ArrayType(h * w * 3);
  let i = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < 3; c++) data[i++] = synthPixel(seed, h, w, y, x, c);
    }
  }
  return data;
}

// ---- model loading -------------------------------------------------------

async function loadModel(name, dir = modelsDir) {
  const jsonPath = path.join(dir, name + '.json');
  const mj = JSON.parse(fs.readFileSync(jsonPath, 'utf8'));
  const specs = [];
  const buffers = [];
  for (const group of mj.weightsManifest) {
    specs.push(...group.weights);
    for (const p of group.paths) buffers.push(fs.readFileSync(path.join(dir, p)));
  }
  const all = Buffer.concat(buffers);
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
  const handler = {
    load: async () => ({
      modelTopology: mj.modelTopology,
      format: mj.format,
      generatedBy: mj.generatedBy,
      convertedBy: mj.convertedBy,
      signature: mj.signature,
      userDefinedMetadata: mj.userDefinedMetadata,
      weightSpecs: specs,
      weightData,
    }),
  };
  const model = await tf.loadGraphModel(handler);
  return {model, signature: mj.signature};
}

// sampleIndices returns n distinct flat indices of a tensor of total elements.
// Keep in step with sampleIndex in conformance_test.go.
function sampleIndices(total, n) {
  const out = new Array(Math.min(n, total));
  for (let k = 0; k < out.length; k++) out[k] = (k * 7919 + 13) % total;
  return out;
}

function f32(v) {
  // 9 significant digits round-trip a float32 exactly.
  return Number(Math.fround(v).toPrecision(9));
}

function summarize(values, shape, sample) {
  let sum = 0;
  let sumAbs = 0;
  for (let i = 0; i < values.length; i++) {
    sum += values[i];
    sumAbs += Math.abs(values[i]);
  }
  const out = {shape, sum, sum_abs: sumAbs};
  if (sample && values.length > sample) {
    const idx = sampleIndices(values.length, sample);
    out.index = idx;
    out.data = idx.map((i) => f32(values[i]));
  } else {
    out.data = Array.from(values, f32);
  }
  return out;
}

async function run(name, cases, sample) {
  const {model, signature} = await loadModel(name);
  const inputName = Object.keys(signature.inputs)[0];
  const inputInfo = signature.inputs[inputName];
  const dims = inputInfo.tensorShape.dim.map((d) => Number(d.size));
  const [, h, w] = dims;
  const dtype = inputInfo.dtype === 'DT_INT32' ? 'int32' : 'float32';
  const outputNames = Object.keys(signature.outputs);
  const result = {
    model: name,
    generator: 'models/tfjs/testdata/golden/generate.mjs',
    tfjs: tf.version.tfjs,
    backend: tf.getBackend(),
    input: {name: inputName, dtype, shape: dims, pattern: 'athlete3d-synth-v1'},
    sample,
    cases: [],
  };
  for (const seed of cases) {
    const data = synthImage(seed, h, w, dtype === 'int32' ? Int32Array : Float32Array);
    const input = tf.tensor(data, dims, dtype);
    const t0 = Date.now();
    const outs = model.execute(input, outputNames);
    const list = Array.isArray(outs) ? outs : [outs];
    let inputSum = 0;
    let inputHash = 0;
    for (let i = 0; i < data.length; i++) {
      inputSum += data[i];
      inputHash = mix32((inputHash ^ data[i]) + i);
    }
    const c = {seed, input_sum: inputSum, input_hash: inputHash, outputs: {}};
    for (let i = 0; i < outputNames.length; i++) {
      const values = list[i].dataSync();
      const big = values.length > 20000;
      c.outputs[outputNames[i]] = summarize(values, list[i].shape, big ? sample : 0);
    }
    tf.dispose([input, ...list]);
    console.error(`${name} seed ${seed}: ${Date.now() - t0} ms`);
    result.cases.push(c);
  }
  return result;
}

await tf.setBackend('cpu');
await tf.ready();

if (only !== 'ops') {
  const movenet = await run('movenet-lightning', [1, 2, 3, 4], 0);
  fs.writeFileSync(path.join(outDir, 'movenet-lightning.json'), JSON.stringify(movenet) + '\n');

  for (const seed of [11, 12]) {
    const cn = await run('centernet', [seed], 20000);
    fs.writeFileSync(path.join(outDir, `centernet-${seed}.json`), JSON.stringify(cn) + '\n');
  }
}

// ---- op cases ------------------------------------------------------------
// Keep opInput in step with opInput in ops_test.go.

function opInput(seed, j, spec) {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  const out = spec.dtype === 'int32' ? new Int32Array(n) : new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const k = key(seed, j, i, 7);
    if (spec.range) {
      const [lo, hi] = spec.range;
      out[i] = lo + (k % (hi - lo + 1));
    } else {
      out[i] = ((k % 2001) - 1000) / 100;
    }
  }
  return out;
}

const tfType = {float32: 'DT_FLOAT', int32: 'DT_INT32', bool: 'DT_BOOL'};

function shapeProto(shape) {
  return {dim: shape.map((d) => ({size: String(d)}))};
}

// writeOpModel writes model.json and weights.bin of case c into dir.
function writeOpModel(c, dir) {
  fs.mkdirSync(dir, {recursive: true});
  const nodes = [];
  const weights = [];
  const buffers = [];
  for (const inp of c.inputs) {
    nodes.push({name: inp.name, op: 'Placeholder',
      attr: {dtype: {type: tfType[inp.dtype]}, shape: {shape: shapeProto(inp.shape)}}});
  }
  for (const [name, k] of Object.entries(c.consts || {})) {
    nodes.push({name, op: 'Const', attr: {dtype: {type: tfType[k.dtype]},
      value: {tensor: {dtype: tfType[k.dtype], tensorShape: shapeProto(k.shape)}}}});
    weights.push({name, shape: k.shape, dtype: k.dtype});
    const arr = k.dtype === 'int32' ? Int32Array.from(k.values) : Float32Array.from(k.values);
    buffers.push(Buffer.from(arr.buffer));
  }
  for (const [name, op, input, attr] of c.nodes) nodes.push({name, op, input, attr});
  const sig = (list, dtypeOf) => Object.fromEntries(list.map((n) => [n, {name: n, dtype: dtypeOf(n)}]));
  const model = {
    format: 'graph-model',
    generatedBy: 'athlete3d models/tfjs/testdata/golden/opcases.mjs',
    convertedBy: 'hand-written',
    signature: {
      inputs: Object.fromEntries(c.inputs.map((i) => [i.name, {name: i.name, dtype: tfType[i.dtype],
        tensorShape: shapeProto(i.shape)}])),
      outputs: sig(c.outputs, () => 'DT_FLOAT'),
    },
    modelTopology: {node: nodes, versions: {producer: 1}},
    weightsManifest: [{paths: ['weights.bin'], weights}],
  };
  fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(model, null, 1) + '\n');
  fs.writeFileSync(path.join(dir, 'weights.bin'), Buffer.concat(buffers));
}

if (only !== 'models') {
const opResults = {generator: 'models/tfjs/testdata/golden/generate.mjs', tfjs: tf.version.tfjs, cases: []};
for (const c of opCases) {
  const dir = path.join(opsDir, c.name);
  writeOpModel(c, dir);
  const {model} = await loadModel('model', dir);
  const rc = {name: c.name, inputs: c.inputs, outputs: c.outputs, seeds: []};
  for (const seed of [1, 2, 3]) {
    const feeds = {};
    c.inputs.forEach((inp, j) => {
      feeds[inp.name] = tf.tensor(opInput(seed, j, inp), inp.shape, inp.dtype);
    });
    const outs = model.execute(feeds, c.outputs);
    const list = Array.isArray(outs) ? outs : [outs];
    const rs = {seed, outputs: {}};
    list.forEach((t, i) => {
      rs.outputs[c.outputs[i]] = {shape: t.shape, dtype: t.dtype, data: Array.from(t.dataSync(), f32)};
    });
    tf.dispose([...Object.values(feeds), ...list]);
    rc.seeds.push(rs);
  }
  opResults.cases.push(rc);
  console.error(`op case ${c.name}: ok`);
}
fs.writeFileSync(path.join(outDir, 'ops.json'), JSON.stringify(opResults) + '\n');
}
