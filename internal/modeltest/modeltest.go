// Package modeltest lets tests find the models and the ONNX Runtime library
// that `make setup` puts in the cache. A test that needs them skips with a
// message saying what is missing, except where the environment says they
// must be there: `make test` sets ATHLETE3D_REQUIRE_MODELS=1, so a missing
// model fails instead of silently skipping.
package modeltest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/athlete3d/athlete3d/internal/testenv"
	"github.com/athlete3d/athlete3d/models"
	"github.com/athlete3d/athlete3d/models/ort"
)

// Model returns the path of a converted model in the cache (e.g.
// "movenet-lightning.onnx") after checking that it and the ONNX Runtime
// library are there.
func Model(t testing.TB, name string) string {
	t.Helper()
	Runtime(t)
	return Cached(t, filepath.Join("models", name))
}

// Cached returns the path of rel inside the cache after checking that it
// is there.
func Cached(t testing.TB, rel string) string {
	t.Helper()
	p := filepath.Join(models.CacheDir(), rel)
	if _, err := os.Stat(p); err != nil {
		testenv.Missing(t, "%s not in the cache (run `make setup`): %v", rel, err)
	}
	return p
}

// Runtime checks that the ONNX Runtime library loads.
func Runtime(t testing.TB) {
	t.Helper()
	if err := ort.Init(); err != nil {
		testenv.Missing(t, "%v", err)
	}
}
