// Package testenv lets tests find what lives outside the repository: the
// real third-party data in ../shared/data and the models `make setup` puts
// in the cache. A test that needs either skips with a message saying what
// is missing, except where the environment says the thing must be there:
// `make test` sets ATHLETE3D_REQUIRE_MODELS=1, so a missing model fails
// instead of silently skipping.
package testenv

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/athlete3d/athlete3d/models"
	"github.com/athlete3d/athlete3d/models/ort"
)

// RequireModelsEnv makes a missing model or runtime a failure, not a skip.
const RequireModelsEnv = "ATHLETE3D_REQUIRE_MODELS"

// Root returns the repository's root directory.
func Root() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// SharedData returns the path of rel inside ../shared/data (beside the
// repository), or skips the test when it is absent.
func SharedData(t testing.TB, rel string) string {
	t.Helper()
	p := filepath.Join(Root(), "..", "shared", "data", rel)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("../shared/data not present: %s is needed for this test (%v)", rel, err)
	}
	return p
}

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
		missing(t, "%s not in the cache (run `make setup`): %v", rel, err)
	}
	return p
}

// Runtime checks that the ONNX Runtime library loads.
func Runtime(t testing.TB) {
	t.Helper()
	if err := ort.Init(); err != nil {
		missing(t, "%v", err)
	}
}

func missing(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv(RequireModelsEnv) == "1" {
		t.Fatalf(format, args...)
	}
	t.Skipf(format, args...)
}
