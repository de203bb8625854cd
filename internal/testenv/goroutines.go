package testenv

import (
	"runtime"
	"testing"
	"time"
)

// Settled fails the test unless the number of goroutines comes back to at
// most before within a few seconds, printing every goroutine's stack when
// not: goroutines that outlive what started them leak.
func Settled(t testing.TB, before int) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<20)
		t.Errorf("%d goroutines, %d before:\n%s", n, before, buf[:runtime.Stack(buf, true)])
	}
}
