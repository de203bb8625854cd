package ort

import "errors"

var (
	// ErrNoRuntime means the ONNX Runtime shared library could not be loaded.
	// The wrapping error names the path that was tried.
	ErrNoRuntime = errors.New("onnx runtime library not available (run `make setup`, or set " + LibraryEnv + " to libonnxruntime.so.1)")

	// ErrShape means a tensor bound to a session does not fit the model's
	// declared input or output: wrong rank, a fixed dimension that differs,
	// or a buffer too short for its shape.
	ErrShape = errors.New("tensor shape does not fit the model")

	// ErrType means a bound tensor's element type differs from the model's.
	ErrType = errors.New("tensor element type does not match the model")

	// ErrName means a bound tensor names no input or output of the model.
	ErrName = errors.New("no such input or output in the model")

	// ErrClosed means the session was used after Close.
	ErrClosed = errors.New("session closed")
)
