package clamdtest

import (
	"os"
	"testing"

	"github.com/stickyuploads/sticky/internal/tmpcheck"
)

func TestMain(m *testing.M) { os.Exit(tmpcheck.Run(m.Run)) }

func TestStartStop(t *testing.T) {
	for _, o := range []Options{{}, {TCP: true, StreamMaxLength: "1M"}} {
		c := Start(t, o)
		if err := ping(c.Addr); err != nil {
			t.Fatalf("%+v: %v\n%s", o, err, c.Output())
		}
		c.Stop()
		if err := ping(c.Addr); err == nil {
			t.Errorf("%+v: clamd answers after Stop", o)
		}
		c.Stop() // again: nothing
	}
}
