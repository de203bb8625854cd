package ort

import (
	"fmt"
	"os"
	"sync"

	ortgo "github.com/yalue/onnxruntime_go"

	"github.com/athlete3d/athlete3d/models"
)

// LibraryEnv names the environment variable that points at the ONNX Runtime
// shared library, overriding the copy in the cache.
const LibraryEnv = "ATHLETE3D_ORT_LIB"

var (
	initOnce sync.Once
	initErr  error
)

// LibraryPath returns the ONNX Runtime library that Init loads:
// $ATHLETE3D_ORT_LIB when set, else the copy `make setup` puts in the cache.
func LibraryPath() string {
	if p := os.Getenv(LibraryEnv); p != "" {
		return p
	}
	return models.RuntimeLibraryPath()
}

// Init loads the ONNX Runtime library and creates the process-wide runtime
// environment. It runs once; later calls return the first call's result.
// Sessions call it themselves, so calling it is needed only to check early.
func Init() error {
	initOnce.Do(func() {
		path := LibraryPath()
		if _, err := os.Stat(path); err != nil {
			initErr = fmt.Errorf("%w: %v", ErrNoRuntime, err)
			return
		}
		ortgo.SetSharedLibraryPath(path)
		if err := ortgo.InitializeEnvironment(ortgo.WithLogLevelError()); err != nil {
			initErr = fmt.Errorf("%w: load %s: %v", ErrNoRuntime, path, err)
		}
	})
	return initErr
}

// Version returns the loaded ONNX Runtime's version string.
func Version() (string, error) {
	if err := Init(); err != nil {
		return "", err
	}
	return ortgo.GetVersion(), nil
}
