package sticky

import (
	"bytes"
	"compress/gzip"
	"testing"
	"testing/fstest"
)

// The client script's budget: at most 12 KiB after gzip -9.
const scriptBudget = 12 << 10

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

func TestScriptJoined(t *testing.T) {
	if !bytes.HasPrefix(script, []byte("/*! sticky.js")) || !bytes.HasSuffix(script, []byte("})();\n")) {
		t.Error("the script is not one function wrapped in its banner")
	}
	if bytes.Count(script, []byte("'use strict'")) != 1 {
		t.Error("want one 'use strict', for the whole script")
	}
	src := fstest.MapFS{
		"client/src/a.js": {Data: []byte("// a's comment\nvar a = 1; // kept\n  // indented comment\n")},
		"client/src/b.js": {Data: []byte("function b() {}\n")},
	}
	got := string(joinScript(src, []string{"b.js", "a.js"}))
	want := scriptBanner + "(function () {\n'use strict';\n\nfunction b() {}\n\nvar a = 1; // kept\n\n})();\n"
	if got != want {
		t.Errorf("joined:\n%s\nwant:\n%s", got, want)
	}
	for _, order := range [][]string{{"a.js"}, {"a.js", "b.js", "c.js"}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("order %v: no panic", order)
				}
			}()
			joinScript(src, order)
		}()
	}
}
