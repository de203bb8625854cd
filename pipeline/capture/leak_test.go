//go:build matprofile

package capture

import (
	"bytes"
	"fmt"
	"os"
	"testing"

	"gocv.io/x/gocv"
)

// With -tags matprofile, gocv counts the Mats alive: once the tests are
// over, every pool, session and hung read must have closed its own.
func TestMain(m *testing.M) {
	code := m.Run()
	if n := gocv.MatProfile.Count(); n > 0 {
		var b bytes.Buffer
		gocv.MatProfile.WriteTo(&b, 1)
		fmt.Fprintf(os.Stderr, "%d Mats not closed:\n%s", n, b.String())
		code = 1
	}
	os.Exit(code)
}
