package clamav

import (
	"errors"
	"strings"
	"testing"
)

func TestParseReply(t *testing.T) {
	for _, tt := range []struct {
		reply   string
		sig     string
		tooBig  bool
		isError bool
	}{
		{reply: "stream: OK", sig: ""},
		{reply: "stream: OK\x00", sig: ""},
		{reply: "stream: OK\n", sig: ""},
		{reply: "stream: Eicar-Signature FOUND", sig: "Eicar-Signature"},
		{reply: "stream: Win.Test.EICAR_HDB-1 FOUND\x00", sig: "Win.Test.EICAR_HDB-1"},
		{reply: "stream: Sticky-Eicar.UNOFFICIAL FOUND", sig: "Sticky-Eicar.UNOFFICIAL"},
		{reply: "stream: Heuristics.Limits.Exceeded.MaxFileSize FOUND", sig: "Heuristics.Limits.Exceeded.MaxFileSize"},
		{reply: "stream:  FOUND", sig: "unnamed"},
		{reply: "stream: \x1b[31mRed\x07 FOUND", sig: "?[31mRed?"},
		{reply: "INSTREAM size limit exceeded. ERROR", tooBig: true},
		{reply: "stream: Can't allocate memory ERROR", isError: true},
		{reply: "UNKNOWN COMMAND", isError: true},
		{reply: "", isError: true},
		{reply: "stream: ok", isError: true},
		{reply: "stream: OK FOUND", sig: "OK"},
		{reply: "1: stream: OK", isError: true}, // a session's reply: not asked for
		{reply: "stream: OKAY", isError: true},
		{reply: "Stream: OK", isError: true},
	} {
		sig, err := parseReply(tt.reply)
		switch {
		case tt.tooBig && !errors.Is(err, ErrTooLarge):
			t.Errorf("parseReply(%q) = %q, %v; want ErrTooLarge", tt.reply, sig, err)
		case tt.isError && (err == nil || errors.Is(err, ErrTooLarge)):
			t.Errorf("parseReply(%q) = %q, %v; want an error", tt.reply, sig, err)
		case !tt.tooBig && !tt.isError && (err != nil || sig != tt.sig):
			t.Errorf("parseReply(%q) = %q, %v; want %q", tt.reply, sig, err, tt.sig)
		}
	}
	long := "stream: " + strings.Repeat("A", 10000) + " FOUND"
	if sig, err := parseReply(long); err != nil || len(sig) != maxSignature {
		t.Errorf("a long name: %d bytes, %v; want it cut to %d", len(sig), err, maxSignature)
	}
}

// FuzzParseReply feeds the reply parser what a socket might bring. It
// must never pass a file unless clamd said exactly "stream: OK", never
// miss a FOUND, and only return names that are safe to log and show.
func FuzzParseReply(f *testing.F) {
	for _, s := range []string{"stream: OK", "stream: OK\x00", "stream: Eicar FOUND\x00",
		"INSTREAM size limit exceeded. ERROR", "stream: x ERROR", "", "\x00", "stream: \xff FOUND", "PONG"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, reply string) {
		sig, err := parseReply(reply)
		trimmed := strings.TrimRight(reply, "\x00\r\n")
		if err == nil && sig == "" && trimmed != "stream: OK" {
			t.Fatalf("parseReply(%q) passes the file", reply)
		}
		if strings.HasPrefix(trimmed, "stream: ") && strings.HasSuffix(trimmed, " FOUND") && (err != nil || sig == "") {
			t.Fatalf("parseReply(%q) = %q, %v: missed the virus", reply, sig, err)
		}
		if err != nil && sig != "" {
			t.Fatalf("parseReply(%q) = %q with %v", reply, sig, err)
		}
		if len(sig) > maxSignature {
			t.Fatalf("parseReply(%q): a name of %d bytes", reply, len(sig))
		}
		for _, c := range []byte(sig + errString(err)) {
			if c < ' ' || c > '~' {
				t.Fatalf("parseReply(%q) = %q, %v: not printable ASCII", reply, sig, err)
			}
		}
	})
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestReadReply(t *testing.T) {
	for _, tt := range []struct {
		in, want string
		fails    bool
	}{
		{in: "PONG\x00", want: "PONG"},
		{in: "PONG\x00trailing", want: "PONG"},
		{in: "PONG", want: "PONG"}, // clamd closed without the NUL
		{in: "", fails: true},
		{in: strings.Repeat("x", maxReply+1), fails: true},
	} {
		got, err := readReply(strings.NewReader(tt.in))
		if (err != nil) != tt.fails || got != tt.want {
			t.Errorf("readReply(%.20q) = %q, %v", tt.in, got, err)
		}
	}
}
