package sticky

import (
	"encoding/base64"
	"errors"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// fuzzSigner and fuzzRefs are the signer and the references FuzzVerifyRef
// knows: any string that passes the MAC check must be one of them.
func fuzzSigner() *signer { return testSigner(refEpoch, refKeyB, refKeyA) }

type fuzzRef struct {
	id, owner, scope string
	ttl              time.Duration
	keys             [][]byte
}

var fuzzRefSpecs = []fuzzRef{
	{"0123456789abcdef0123456789abcdef", "alice", scopeOf("/uploads/", "file"), time.Hour, [][]byte{refKeyB}},
	{"abc", "alice", scopeOf("/uploads/", "file"), time.Hour, [][]byte{refKeyB}},
	{"ab", "bob", scopeOf("/uploads/", "photo"), time.Hour, [][]byte{refKeyB}},
	{"x", "alice", scopeOf("/other/", "file"), time.Hour, [][]byte{refKeyB}},
	{"expired-id", "alice", scopeOf("/uploads/", "file"), -time.Minute, [][]byte{refKeyB}},
	{"old-key-id", "alice", scopeOf("/uploads/", "file"), time.Hour, [][]byte{refKeyA}},
}

func fuzzRefs() map[string]bool {
	refs := map[string]bool{}
	for _, s := range fuzzRefSpecs {
		refs[testSigner(refEpoch, s.keys...).sign(s.id, s.owner, s.scope, s.ttl)] = true
	}
	return refs
}

func FuzzVerifyRef(f *testing.F) {
	refs := fuzzRefs()
	for ref := range refs {
		f.Add(ref, "alice", "file")
		f.Add(ref, "bob", "photo")
		f.Add(ref+"A", "alice", "file")
		f.Add(ref[:len(ref)-1], "alice", "file")
		f.Add(ref[:20]+"\n"+ref[20:], "alice", "file")
		f.Add(ref+"=", "alice", "file")
		raw, _ := base64.RawURLEncoding.DecodeString(ref)
		raw[0] = 2
		f.Add(base64.RawURLEncoding.EncodeToString(raw), "alice", "file")
		f.Add(base64.StdEncoding.EncodeToString(raw), "alice", "file")
	}
	f.Add("", "", "")
	f.Add("!!!!", "alice", "file")
	f.Add(strings.Repeat("A", maxRefLen+1), "alice", "file")
	f.Add(strings.Repeat("A", 200), "alice", "file")

	s := fuzzSigner()
	f.Fuzz(func(t *testing.T, ref, owner, field string) {
		for _, scope := range []string{scopeOf("/uploads/", field), scopeOf("/uploads/", "file"), scopeOf("/other/", "file")} {
			for _, who := range []string{owner, "alice", "bob"} {
				c, err := s.verify(ref, who, scope)
				macValid := err == nil || errors.Is(err, ErrExpired) || errors.Is(err, ErrNotOwner) || errors.Is(err, ErrWrongField)
				if !macValid && !errors.Is(err, ErrInvalidRef) {
					t.Fatalf("verify(%q) returned an unknown error %v", ref, err)
				}
				if macValid && !refs[ref] {
					t.Fatalf("verify accepted %q (%v), which was never signed", ref, err)
				}
				if err == nil && (c.ID == "" || !c.Expires.After(refEpoch)) {
					t.Fatalf("verify(%q) = %+v", ref, c)
				}
				if errors.Is(err, ErrInvalidRef) && c != (refClaims{}) {
					t.Fatalf("verify(%q) leaked claims %+v for an invalid reference", ref, c)
				}
			}
		}
	})
}

func FuzzCleanName(f *testing.F) {
	for _, s := range []string{
		"", ".", "..", "...", "report.pdf", "../../etc/passwd", `C:\x\y.png`, "a\x00b", "\u202Eexe.txt",
		"\u200B", "\xff\xfe", ".htaccess", " . . ", strings.Repeat("a", 300) + ".pdf",
		strings.Repeat("é", 150) + ".txt", "a." + strings.Repeat("x", 300), strings.Repeat("😀", 60) + ".😀😀",
		"name\u2028x", "a\u00A0.\u00A0b", "x" + strings.Repeat(" .", 150) + ".txt", "\u0085.txt",
		strings.Repeat("a", 195) + ". .txt", strings.Repeat("a", 190) + ".\u202E" + strings.Repeat("b", 20),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		checkCleanName(t, name, CleanName(name))
	})
}

func FuzzAccepted(f *testing.F) {
	f.Add("image/*", "photo.png", pngBytes(f))
	f.Add("image/*", "photo.jpg", jpegBytes(f))
	f.Add("image/*,.pdf", "photo.jpg", elfBytes)
	f.Add(".pdf", "doc.pdf", pdfBytes)
	f.Add(".docx", "letter.docx", docxBytes(f))
	f.Add("text/plain", "a.txt", []byte(htmlText))
	f.Add("", "", []byte{})
	f.Add(".", ".", []byte("x"))
	f.Add("/*", "a./", []byte("\x00"))
	f.Add("*/*", "x.svg", []byte("<svg></svg>"))
	f.Add("application/json,.json", "x.json", mzBytes)
	f.Fuzz(func(t *testing.T, patterns, name string, head []byte) {
		var ps []string
		if patterns != "" {
			ps = strings.Split(patterns, ",")
		}
		typ, ok := accepted(ps, name, head)
		if mt, _, err := mime.ParseMediaType(typ); err != nil || mt != typ {
			t.Fatalf("accepted returned type %q, not a bare media type", typ)
		}
		if len(ps) == 0 && !ok {
			t.Fatal("no patterns, yet refused")
		}
		// Bytes the sniffer recognises keep their type: the name never
		// turns them into something else.
		if sniffed := baseType(http.DetectContentType(head)); sniffed != "text/plain" && sniffed != "application/zip" &&
			sniffed != "application/octet-stream" && typ != sniffed {
			t.Fatalf("bytes sniffed as %s recorded as %s", sniffed, typ)
		}
		// Accepted by MIME patterns alone: the type matches one of them.
		if ok && len(ps) > 0 {
			mimeOnly := true
			for _, p := range ps {
				if strings.HasPrefix(strings.TrimSpace(p), ".") {
					mimeOnly = false
				}
			}
			if mimeOnly && !matchesMIME(ps, typ) {
				t.Fatalf("%q accepted as %s by %q", name, typ, ps)
			}
		}
	})
}

func matchesMIME(patterns []string, typ string) bool {
	for _, p := range patterns {
		p = strings.ToLower(strings.TrimSpace(p))
		if mt, _, err := mime.ParseMediaType(p); err == nil {
			p = mt
		}
		if p == "*/*" || p == "*" || p == typ || strings.HasSuffix(p, "/*") && strings.HasPrefix(typ, strings.TrimSuffix(p, "*")) {
			return true
		}
	}
	return false
}

func FuzzParseSize(f *testing.F) {
	for _, s := range []string{"", "0", "1000", "20MiB", "1GiB", "512 KiB", "5MB", "1.5kB", "-1", "1e9", "99999999999999999999TiB", ".", "..5", "5.5.5", " 7 b ", "NaN", "Inf", "4611686018427387904"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseSize(s)
		if n < 0 {
			t.Fatalf("ParseSize(%q) = %d", s, n)
		}
		if err != nil && n != 0 {
			t.Fatalf("ParseSize(%q) = %d with error %v", s, n, err)
		}
		if err == nil && strings.TrimSpace(s) == "" {
			t.Fatalf("ParseSize(%q) accepted blank input", s)
		}
	})
}

// FuzzAcceptLanguage feeds the Accept-Language parser any header: it
// returns at most maxLanguageRanges well-formed tags found in the header,
// and Language always settles on a language sticky knows.
func FuzzAcceptLanguage(f *testing.F) {
	for _, h := range []string{"", "de", "fr-CH, fr;q=0.9, en;q=0.8, *;q=0.5", "de;q=0, es;q=0.001",
		"en;q=1.000", "de ; q=0.7 ,", ",,;q=", "zh-Hant-TW;q=0.3", "de;q=1.5", "x;q=0.", "a-b-c-d-e-f;Q=0.25",
		strings.Repeat("de,", 100)} {
		f.Add(h)
	}
	up, err := New(Config{Keys: testKeys, Store: diskAt(f, f.TempDir())})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, header string) {
		tags := parseAcceptLanguage(header)
		if len(tags) > maxLanguageRanges {
			t.Fatalf("%d ranges from %q", len(tags), header)
		}
		for _, tag := range tags {
			if !validLanguage(tag) || !strings.Contains(header, tag) {
				t.Fatalf("range %q from %q", tag, header)
			}
		}
		r := &http.Request{Header: http.Header{"Accept-Language": {header}}}
		if lang := up.Language(r); !slices.Contains(up.words.langs, lang) {
			t.Fatalf("Language for %q = %q", header, lang)
		}
	})
}

// FuzzBatchParts: a batch's query either yields parts whose numbers are
// distinct and in 1..10000, no more than maxBatch, each with a size of 0
// or more and a checksum of 32 bytes or none, or a malformed error.
func FuzzBatchParts(f *testing.F) {
	f.Add("partNumbers=1,2,3&sizes=5242880,5242880,3&sha256=" + url.QueryEscape(strings.Repeat("A", 43)+"=,,"))
	f.Add("partNumbers=1,1")
	f.Add("partNumbers=0&sizes=-1")
	f.Add("partNumbers=10000&sha256=x")
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		parts, err := batchParts(q)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("%q: %v, not ErrMalformed", raw, err)
			}
			return
		}
		if len(parts) == 0 || len(parts) > maxBatch {
			t.Fatalf("%q: %d parts", raw, len(parts))
		}
		seen := map[int32]bool{}
		for _, p := range parts {
			if p.Number < 1 || p.Number > maxPartNumber || seen[p.Number] || p.Size < 0 {
				t.Fatalf("%q: part %+v", raw, p)
			}
			seen[p.Number] = true
			if b, err := base64.StdEncoding.DecodeString(p.SHA256); p.SHA256 != "" && (err != nil || len(b) != 32) {
				t.Fatalf("%q: checksum %q", raw, p.SHA256)
			}
		}
	})
}
