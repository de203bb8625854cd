//go:build !matprofile

package mattest

import (
	"os"
	"testing"
)

// Main runs the tests of m. Without -tags matprofile gocv counts no Mats,
// so there is nothing to check.
func Main(m *testing.M) { os.Exit(m.Run()) }
