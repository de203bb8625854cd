package burnin

import (
	"testing"

	"github.com/athlete3d/athlete3d/internal/mattest"
)

// With -tags matprofile, gocv counts the Mats alive: once the tests are
// over, none may be left.
func TestMain(m *testing.M) { mattest.Main(m) }
