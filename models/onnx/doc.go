// Package onnx reads and writes ONNX model files without generated code and
// without an ONNX library: a small model of ModelProto and the messages under
// it, encoded and decoded with google.golang.org/protobuf/encoding/protowire.
//
// # What it owns
//
// The types mirror onnx.proto closely, with Go names: Model (ModelProto),
// Graph (GraphProto), Node (NodeProto), Attribute (AttributeProto), Tensor
// (TensorProto), ValueInfo (ValueInfoProto with a tensor TypeProto), Dim
// (TensorShapeProto.Dimension), Opset (OperatorSetIdProto) and StringPair
// (StringStringEntryProto). The field numbers are those of onnx.proto; they
// are listed as constants in encode.go and pinned by TestFieldNumbers.
//
// Only what a converter writes and what `athlete3d models info` prints is
// modelled. Decode skips every other field (training info, functions, sparse
// initializers, quantization annotations, metadata of nodes): a model read
// and written again loses them.
//
// # Writing
//
// Build a Model with the constructors (NewFloat32, NewInt64, NewFloat16, Int,
// Ints, Str, TensorValue, Symbolic, ...) and call Encode or WriteFile. Tensor
// values are written as raw_data, little-endian. A zero Model.IRVersion is
// written as IRVersion (8); the converter in models/tfjs imports the default
// opset at version 17. Encode computes every message size first and writes
// the whole model into one buffer of the exact size.
//
// # Reading
//
// Decode and ReadFile accept any ONNX file, including files from other tools
// that use typed fields (float_data, int64_data, ...) instead of raw_data and
// packed or unpacked repeated fields. Truncated or corrupt data returns an
// error wrapping ErrInvalid that names the path to the bad field ("graph:
// node 12: attribute 0: ..."); Decode never panics on its input (FuzzDecode,
// with a committed corpus under testdata/fuzz) and never modifies it. Nested
// subgraphs deeper than 64 levels are refused. External tensor data is
// recorded (Tensor.External) but not loaded.
//
// # Describing
//
// Describe summarises a model for people and scripts: producer, IR version,
// opsets, inputs and outputs with element types and shapes (symbolic
// dimensions by name, "?" for unknown ones), node and parameter counts and a
// histogram of operator types. Description prints as aligned text (WriteText,
// String) or as JSON (WriteJSON, or encoding/json directly).
//
// # Ownership and concurrency
//
// Decode copies everything it keeps, so a Model never aliases the bytes it was
// read from. Constructors copy their slices. A Model is a plain value: safe to
// read from several goroutines, not to modify concurrently.
package onnx
