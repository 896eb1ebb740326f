package filename

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestShorten(t *testing.T) {
	for _, c := range []struct {
		in   string
		max  int
		want string
	}{
		{"short.txt", 200, "short.txt"},
		{strings.Repeat("a", 20) + ".pdf", 10, "aaaaaa.pdf"},
		{strings.Repeat("é", 10) + ".txt", 9, "éé.txt"}, // never half a character
		{"abc.." + strings.Repeat("x", 20), 8, "abc..xxx"},
		{"name." + strings.Repeat("e", 20), 10, "name.eeeee"}, // an over-long extension is not kept
		{"aaaa. .txt", 9, "aaaa.txt"},
	} {
		got := Shorten(c.in, c.max)
		if got != c.want || len(got) > c.max || !utf8.ValidString(got) {
			t.Errorf("Shorten(%q, %d) = %q, want %q", c.in, c.max, got, c.want)
		}
	}
}
