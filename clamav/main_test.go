package clamav_test

import (
	"os"
	"testing"

	"github.com/stickyuploads/sticky/internal/tmpcheck"
)

// TestMain fails the run when a test, or a clamd it started, leaves
// anything in the temporary directory.
func TestMain(m *testing.M) { os.Exit(tmpcheck.Run(m.Run)) }
