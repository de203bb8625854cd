package models

import (
	"os"
	"path/filepath"
)

// CacheEnv names the environment variable that overrides the cache directory.
const CacheEnv = "ATHLETE3D_CACHE"

// CacheDir returns the directory that holds fetched artifacts and converted
// models: $ATHLETE3D_CACHE when set, else the user's cache directory
// ($XDG_CACHE_HOME or ~/.cache) joined with "athlete3d". The directory may not
// exist yet; Setup creates it.
func CacheDir() string {
	if d := os.Getenv(CacheEnv); d != "" {
		return d
	}
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "athlete3d")
	}
	return filepath.Join(os.TempDir(), "athlete3d-cache")
}

// ModelPath returns where the cache keeps the named model file (for example
// "movenet-lightning.onnx").
func ModelPath(name string) string {
	return filepath.Join(CacheDir(), "models", name)
}

// RuntimeLibraryPath returns where the cache keeps the ONNX Runtime shared
// library.
func RuntimeLibraryPath() string {
	return filepath.Join(CacheDir(), "lib", "libonnxruntime.so.1")
}
