// Package ort runs ONNX models with ONNX Runtime, with every input and
// output bound once to a Go buffer.
//
// # Buffers
//
// The caller allocates each tensor's buffer and keeps owning it. NewSession
// pins the buffers (runtime.Pinner, so the cgo rules let the runtime keep
// their addresses) and wraps them without copying; Run reads the inputs and
// overwrites the outputs in place and allocates nothing on the Go heap.
// Close unpins (a Session dropped without Close is released when the garbage
// collector finds it, but Close says when). Between NewSession and Close a
// buffer must not be resliced or replaced; writing into an input between
// runs is how a frame gets in.
//
// # Batches
//
// With Options.Batched, the buffers are bound at every batch size from 1 to
// the bound first dimension, over the front of the same memory, and
// RunBatch(n) runs the first n items: a worker preallocates for its largest
// batch once and runs whatever number of crops a frame has.
//
// # The library
//
// The runtime is loaded at the first NewSession (or Init) from
// $ATHLETE3D_ORT_LIB, else from the cache where `make setup` puts the copy
// shipped in the pinned onnxruntime-node package. A missing or unloadable
// library is ErrNoRuntime, saying what to do. Nothing else in the project
// links ONNX Runtime; packages above use this one.
//
// # Concurrency
//
// A Session is used by one goroutine at a time; give each worker its own.
// Init is safe to call from any goroutine.
package ort
