package private

import (
	"mime"
	"strings"
	"testing"
)

func TestContentDisposition(t *testing.T) {
	for _, tt := range []struct {
		name   string
		inline bool
		want   string
	}{
		{"report.pdf", false, `attachment; filename="report.pdf"`},
		{"report.pdf", true, `inline; filename="report.pdf"`},
		{"Annual report (final).pdf", false, `attachment; filename="Annual report (final).pdf"`},
		{"Überblick.txt", false, `attachment; filename="_berblick.txt"; filename*=UTF-8''%C3%9Cberblick.txt`},
		{"日本語.pdf", false, `attachment; filename="___.pdf"; filename*=UTF-8''%E6%97%A5%E6%9C%AC%E8%AA%9E.pdf`},
		{`say "hi".txt`, false, `attachment; filename="say _hi_.txt"; filename*=UTF-8''say%20%22hi%22.txt`},
		{`back\slash.txt`, false, `attachment; filename="slash.txt"`},
		{"100%.txt", false, `attachment; filename="100_.txt"; filename*=UTF-8''100%25.txt`},
		{"semi;colon=1.txt", false, `attachment; filename="semi;colon=1.txt"`},
		{"new\r\nline: x.txt", false, `attachment; filename="new line: x.txt"`},
		{"tab\there\x00.txt", false, `attachment; filename="tab here.txt"`},
		{"evil\u202Etxt.exe", false, `attachment; filename="eviltxt.exe"`},
		{"../../etc/passwd", false, `attachment; filename="passwd"`},
		{"", false, `attachment; filename="download"`},
		{"\xff\xfe", false, `attachment; filename="download"`},
		{" .. ", false, `attachment; filename="download"`},
		{"  many   spaces\u00a0here .pdf", false, `attachment; filename="many spaces here .pdf"`},
	} {
		if got := contentDisposition(tt.inline, tt.name); got != tt.want {
			t.Errorf("contentDisposition(%v, %q)\n got %s\nwant %s", tt.inline, tt.name, got, tt.want)
		}
	}
}

func FuzzContentDisposition(f *testing.F) {
	for _, s := range []string{"report.pdf", "Überblick.txt", `a"b\c`, "x\r\nSet-Cookie: a=b", "%41%", "\x7f\u0085\u2028", "a;b=c", " .hidden. "} {
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, name string, inline bool) {
		v := contentDisposition(inline, name)
		for i := 0; i < len(v); i++ {
			if c := v[i]; c < 0x20 || c > 0x7e {
				t.Fatalf("byte %#x in %q", c, v)
			}
		}
		kind, params, err := mime.ParseMediaType(v)
		if err != nil {
			t.Fatalf("%q does not parse: %v", v, err)
		}
		if want := map[bool]string{true: "inline", false: "attachment"}[inline]; kind != want {
			t.Fatalf("%q: disposition %q", v, kind)
		}
		// ParseMediaType gives filename* precedence: the exact name.
		clean := downloadName(name)
		if params["filename"] != clean {
			t.Fatalf("%q reads back as %q, want %q", v, params["filename"], clean)
		}
		// The fallback alone, as an old browser reads it, is one plain name.
		fallback, _, _ := strings.Cut(v, "; filename*=")
		_, fp, err := mime.ParseMediaType(fallback)
		if err != nil || fp["filename"] == "" || strings.ContainsAny(fp["filename"], `/\"%`) {
			t.Fatalf("fallback %q: %q, %v", fallback, fp["filename"], err)
		}
		if clean == "" || len(clean) > maxNameLen || strings.ContainsAny(clean, "/\\\r\n\x00") || strings.Trim(clean, ". ") != clean {
			t.Fatalf("downloadName(%q) = %q", name, clean)
		}
		if len(params) != 1 {
			t.Fatalf("%q has parameters %v", v, params)
		}
	})
}
