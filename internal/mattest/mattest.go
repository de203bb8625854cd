//go:build matprofile

package mattest

import (
	"bytes"
	"fmt"
	"os"
	"testing"

	"gocv.io/x/gocv"
)

// Main runs the tests of m, then fails the run, listing where they were
// made, if any Mat is still open. Call it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	if n := gocv.MatProfile.Count(); n > 0 {
		var b bytes.Buffer
		gocv.MatProfile.WriteTo(&b, 1)
		fmt.Fprintf(os.Stderr, "%d Mats not closed:\n%s", n, b.String())
		code = 1
	}
	os.Exit(code)
}
