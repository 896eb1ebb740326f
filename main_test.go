package sticky_test

import (
	"os"
	"testing"

	"github.com/stickyuploads/sticky/internal/tmpcheck"
)

// TestMain fails the run when a test or an Example leaves anything in the
// temporary directory.
func TestMain(m *testing.M) { os.Exit(tmpcheck.Run(m.Run)) }
