// Package testenv lets tests find what lives outside the repository: the
// real third-party data in ../shared/data. A test that needs it skips with a
// message saying what is missing. It has no dependencies, so pure-Go
// packages can use it; package modeltest finds the cached models. Settled
// checks that a test left no goroutine behind.
package testenv

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
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

// Missing skips the test with the message, or fails it when
// ATHLETE3D_REQUIRE_MODELS=1.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv(RequireModelsEnv) == "1" {
		t.Fatalf(format, args...)
	}
	t.Skipf(format, args...)
}
