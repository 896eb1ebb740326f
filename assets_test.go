package sticky

import (
	"bytes"
	"compress/gzip"
	"testing"
)

// The client script's budget: at most 10 KiB after gzip -9.
const scriptBudget = 10 << 10

func TestScriptBudget(t *testing.T) {
	var b bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	zw.Write(script)
	zw.Close()
	t.Logf("sticky.js: %d bytes, %d gzipped", len(script), b.Len())
	if b.Len() > scriptBudget {
		t.Fatalf("sticky.js is %d bytes gzipped, over its budget of %d", b.Len(), scriptBudget)
	}
	if len(script) < 1000 {
		t.Fatalf("sticky.js is only %d bytes: the embedded script is missing", len(script))
	}
}
