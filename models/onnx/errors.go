package onnx

import "errors"

var (
	// ErrInvalid is wrapped by every error about malformed data: a truncated
	// or corrupt file, a field of the wrong wire type, tensor data that does
	// not match its dimensions.
	ErrInvalid = errors.New("invalid model")

	// ErrUnsupported is wrapped when the data is valid ONNX but uses
	// something this package does not read, such as external tensor data.
	ErrUnsupported = errors.New("unsupported")
)
