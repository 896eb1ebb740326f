package tmpcheck

import (
	"os"
	"path/filepath"
	"testing"
)

func TestRun(t *testing.T) {
	for _, tt := range []struct {
		name  string
		tests func() int
		want  int
	}{
		{"clean", func() int {
			d, _ := os.MkdirTemp("", "sticky-example")
			os.RemoveAll(d)
			return 0
		}, 0},
		{"failed and clean", func() int { return 3 }, 3},
		{"left a directory", func() int {
			os.MkdirTemp("", "sticky-example")
			return 0
		}, 1},
		{"left a file", func() int {
			os.WriteFile(filepath.Join(os.TempDir(), "x"), nil, 0o600)
			return 0
		}, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := os.TempDir()
			var inside string
			got := Run(func() int {
				inside = os.TempDir()
				return tt.tests()
			})
			if got != tt.want {
				t.Errorf("run = %d, want %d", got, tt.want)
			}
			if inside == before {
				t.Errorf("the tests ran in %s, not in a directory of their own", inside)
			}
			if os.TempDir() != before {
				t.Errorf("TMPDIR is %s after the run, was %s", os.TempDir(), before)
			}
			if _, err := os.Stat(inside); !os.IsNotExist(err) {
				t.Errorf("%s is still there (%v)", inside, err)
			}
		})
	}
}
