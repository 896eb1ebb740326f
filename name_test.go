package sticky

import (
	"path"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// checkCleanName asserts the properties every CleanName result has.
func checkCleanName(t testing.TB, in, got string) {
	t.Helper()
	switch {
	case got == "":
		t.Fatalf("CleanName(%q) is empty", in)
	case got == "." || got == "..":
		t.Fatalf("CleanName(%q) = %q", in, got)
	case !utf8.ValidString(got):
		t.Fatalf("CleanName(%q) = %q is not valid UTF-8", in, got)
	case len(got) > maxNameBytes:
		t.Fatalf("CleanName(%q) is %d bytes, more than %d", in, len(got), maxNameBytes)
	case strings.ContainsAny(got, `/\`):
		t.Fatalf("CleanName(%q) = %q has a slash", in, got)
	case strings.HasPrefix(got, ".") || strings.HasPrefix(got, " ") || strings.HasSuffix(got, " "):
		t.Fatalf("CleanName(%q) = %q starts with a dot or has surrounding spaces", in, got)
	}
	for _, r := range got {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			t.Fatalf("CleanName(%q) = %q keeps %U", in, got, r)
		}
		if unicode.IsSpace(r) && r != ' ' {
			t.Fatalf("CleanName(%q) = %q keeps the space %U", in, got, r)
		}
	}
	if again := CleanName(got); again != got {
		t.Fatalf("CleanName is not idempotent: %q → %q → %q", in, got, again)
	}
}

func TestCleanName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"report.pdf", "report.pdf"},
		{"Résumé 2024.docx", "Résumé 2024.docx"},
		{"写真.jpg", "写真.jpg"},
		// Paths, both slashes.
		{"/etc/passwd", "passwd"},
		{"../../etc/passwd", "passwd"},
		{`C:\Users\me\Desktop\photo.png`, "photo.png"},
		{`..\..\windows\system32\evil.dll`, "evil.dll"},
		{`a/b\c/d.txt`, "d.txt"},
		{"dir/", "file"},
		{`dir\`, "file"},
		// Dots.
		{"..", "file"},
		{".", "file"},
		{"...", "file"},
		{"../..", "file"},
		{".htaccess", "htaccess"},
		{"..hidden.txt", "hidden.txt"},
		{"trailing.", "trailing"},
		{"name. . .", "name"},
		// Control characters, including NUL and C1.
		{"a\x00b.txt", "ab.txt"},
		{"line\nbreak.txt", "line break.txt"},
		{"tab\there.txt", "tab here.txt"},
		{"cr\r\nlf.txt", "cr lf.txt"},
		{"bell\a.txt", "bell.txt"},
		{"del\x7f.txt", "del.txt"},
		{"c1\u0085\u009b.txt", "c1.txt"},
		// Bidirectional overrides and zero-width characters.
		{"invoice\u202Efdp.exe", "invoicefdp.exe"},
		{"\u202Dleft\u202C.txt", "left.txt"},
		{"\u2066iso\u2069.txt", "iso.txt"},
		{"zero\u200Bwidth\u200C\u200D.txt", "zerowidth.txt"},
		{"\uFEFFbom.txt", "bom.txt"},
		{"soft\u00ADhyphen.txt", "softhyphen.txt"},
		{"rlm\u200F.txt", "rlm.txt"},
		// Spaces collapse and are trimmed; other spaces become plain ones.
		{"  spaced   out  .txt  ", "spaced out .txt"},
		{"nb\u00A0space.txt", "nb space.txt"},
		{"line\u2028sep.txt", "line sep.txt"},
		// Invalid UTF-8 is dropped.
		{"bad\xff\xfe.txt", "bad.txt"},
		{"\xc3\x28.txt", "(.txt"},
		{"\xed\xa0\x80surrogate.txt", "surrogate.txt"},
		// Nothing left.
		{"", "file"},
		{"   ", "file"},
		{"\u202E\u200B", "file"},
		{"\xff\xfe", "file"},
		{"/", "file"},
		{"a/..", "file"},
	}
	for _, tt := range tests {
		got := CleanName(tt.in)
		if got != tt.want {
			t.Errorf("CleanName(%q) = %q, want %q", tt.in, got, tt.want)
			continue
		}
		checkCleanName(t, tt.in, got)
	}
}

func TestCleanNameLong(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		wantExt string // "" when the extension cannot be kept
	}{
		{"ascii", strings.Repeat("a", 500) + ".pdf", ".pdf"},
		{"exactly at limit", strings.Repeat("a", maxNameBytes-4) + ".pdf", ".pdf"},
		{"one over", strings.Repeat("a", maxNameBytes-3) + ".pdf", ".pdf"},
		{"two-byte runes", strings.Repeat("é", 300) + ".txt", ".txt"},
		{"three-byte runes", strings.Repeat("写", 300) + ".jpeg", ".jpeg"},
		{"four-byte runes", strings.Repeat("😀", 100) + ".png", ".png"},
		{"mixed widths", strings.Repeat("aé写😀", 50) + ".tar", ".tar"},
		{"no extension", strings.Repeat("b", 1000), ""},
		{"ridiculous extension", "a." + strings.Repeat("x", 300), ""},
		{"dots before the extension", "a" + strings.Repeat(".", 300) + ".txt", ".txt"},
		{"spaces before the cut", strings.Repeat("ab ", 100) + ".doc", ".doc"},
		{"long path and long name", strings.Repeat("dir/", 100) + strings.Repeat("n", 400) + ".md", ".md"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := CleanName(tt.in)
			checkCleanName(t, tt.in, got)
			if tt.wantExt != "" && path.Ext(got) != tt.wantExt {
				t.Errorf("extension of %q is %q, want %q", got, path.Ext(got), tt.wantExt)
			}
			if len(tt.in) > maxNameBytes && len(got) < maxNameBytes-8 && !strings.Contains(tt.name, "dots") {
				t.Errorf("name cut too short: %d bytes", len(got))
			}
			// What is kept of the stem is a prefix of the original stem.
			stem := strings.TrimSuffix(got, tt.wantExt)
			base := tt.in[strings.LastIndex(tt.in, "/")+1:]
			if !strings.HasPrefix(base, stem) {
				t.Errorf("stem %q is not a prefix of %q", stem, base)
			}
		})
	}
	// A name at the limit is left alone.
	exact := strings.Repeat("z", maxNameBytes-4) + ".pdf"
	if got := CleanName(exact); got != exact {
		t.Errorf("name of exactly %d bytes changed to %q", maxNameBytes, got)
	}
}
