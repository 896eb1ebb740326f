package clamav_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stickyuploads/sticky"
	"github.com/stickyuploads/sticky/clamav"
	"github.com/stickyuploads/sticky/internal/clamdtest"
	"github.com/stickyuploads/sticky/storetest"
)

const infectedMessage = "This file contains a virus (" + clamdtest.EICARSignature + ") and was not accepted."

// site is a sticky site whose uploads s scans, with s's log captured and
// its temporary store in dir.
func newSite(t *testing.T, s *clamav.Scanner) (site *storetest.Site, log *clamdtest.Buffer, dir string) {
	t.Helper()
	log = &clamdtest.Buffer{}
	s.Logger = slog.New(slog.NewJSONHandler(log, nil))
	dir = t.TempDir()
	store, err := sticky.NewDiskStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	return storetest.NewSite(t, sticky.Config{Store: store, Processors: []sticky.Processor{s}}), log, dir
}

// files lists the files under dir.
func files(t *testing.T, dir string) []string {
	t.Helper()
	var names []string
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			names = append(names, path)
		}
		return err
	})
	return names
}

// records decodes the JSON log records in log.
func records(t *testing.T, log *clamdtest.Buffer) []map[string]any {
	t.Helper()
	var recs []map[string]any
	for line := range strings.Lines(log.String()) {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		recs = append(recs, rec)
	}
	return recs
}

// checkAudit checks that log holds one audit record of an infected file,
// and returns it.
func checkAudit(t *testing.T, log *clamdtest.Buffer, name string, size int, field string) map[string]any {
	t.Helper()
	recs := records(t, log)
	if len(recs) != 1 {
		t.Fatalf("%d log records, want 1 audit record:\n%s", len(recs), log)
	}
	rec := recs[0]
	for k, want := range map[string]any{"level": "WARN", "user": storetest.User, "file": name,
		"size": float64(size), "field": field, "signature": clamdtest.EICARSignature} {
		if rec[k] != want {
			t.Errorf("audit record: %s = %#v, want %#v (%v)", k, rec[k], want, rec)
		}
	}
	return rec
}

func TestProcess(t *testing.T) {
	d := clamdtest.Start(t, clamdtest.Options{})

	t.Run("clean file passes", func(t *testing.T) {
		site, log, dir := newSite(t, &clamav.Scanner{Addr: d.Addr})
		rep := site.MustUpload(t, "doc", "letter.txt", []byte("Dear Sir or Madam,\n"))
		f, err := site.Kept(t.Context(), "doc", rep.Stored)
		if err != nil || f.Name != "letter.txt" {
			t.Fatalf("Kept: %v, %v", f, err)
		}
		if f, err := site.PostFile(t.Context(), "doc", "posted.txt", []byte("Hello\n")); err != nil || f.Name != "posted.txt" {
			t.Errorf("a form post: %v, %v", f, err)
		}
		if log.String() != "" {
			t.Errorf("a clean file was logged: %s", log)
		}
		if len(files(t, dir)) == 0 {
			t.Error("nothing kept")
		}
	})

	t.Run("infected file refused on the endpoint", func(t *testing.T) {
		site, log, dir := newSite(t, &clamav.Scanner{Addr: d.Addr})
		status, rep, err := site.Upload(t.Context(), "doc", "invoice.txt", bytes.NewReader(clamdtest.EICAR))
		if err != nil || status != http.StatusUnprocessableEntity || rep.IsValid || rep.Message() != infectedMessage {
			t.Errorf("upload: %d %+v %v; want 422 %q", status, rep, err, infectedMessage)
		}
		if left := files(t, dir); len(left) > 0 {
			t.Errorf("left in the store: %v", left)
		}
		checkAudit(t, log, "invoice.txt", len(clamdtest.EICAR), "doc")
	})

	t.Run("infected file refused in a form post", func(t *testing.T) {
		site, log, dir := newSite(t, &clamav.Scanner{Addr: d.Addr})
		f, err := site.PostFile(t.Context(), "doc", "invoice.txt", clamdtest.EICAR)
		if f != nil || !errors.Is(err, sticky.ErrRefused) || sticky.Status(err) != http.StatusUnprocessableEntity ||
			!strings.Contains(err.Error(), infectedMessage) {
			t.Errorf("Form.File = %v, %v (status %d); want a 422 refusal saying %q", f, err, sticky.Status(err), infectedMessage)
		}
		if left := files(t, dir); len(left) > 0 {
			t.Errorf("left in the store: %v", left)
		}
		checkAudit(t, log, "invoice.txt", len(clamdtest.EICAR), "doc")
	})

	t.Run("quarantine", func(t *testing.T) {
		q, err := os.OpenRoot(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		defer q.Close()
		site, log, dir := newSite(t, &clamav.Scanner{Addr: d.Addr, Quarantine: q})
		status, rep, _ := site.Upload(t.Context(), "doc", "invoice.txt", bytes.NewReader(clamdtest.EICAR))
		if status != http.StatusUnprocessableEntity || rep.Message() != infectedMessage {
			t.Errorf("upload: %d %+v; want 422 %q", status, rep, infectedMessage)
		}
		if left := files(t, dir); len(left) > 0 {
			t.Errorf("left in the store: %v", left)
		}
		key, _ := checkAudit(t, log, "invoice.txt", len(clamdtest.EICAR), "doc")["quarantine"].(string)
		if len(key) != 32 {
			t.Fatalf("the audit record names the quarantined copy %q", key)
		}
		kept := files(t, q.Name())
		if len(kept) != 2 {
			t.Fatalf("quarantine holds %v, want the file and its record", kept)
		}
		b, err := q.ReadFile(key)
		if err != nil || !bytes.Equal(b, clamdtest.EICAR) {
			t.Errorf("quarantined copy: %q, %v", b, err)
		}
		var rec clamav.Record
		meta, err := q.ReadFile(key + ".json")
		if err == nil {
			err = json.Unmarshal(meta, &rec)
		}
		want := clamav.Record{Key: key, User: storetest.User, Name: "invoice.txt", Size: int64(len(clamdtest.EICAR)),
			Type: "text/plain", Field: "doc", Signature: clamdtest.EICARSignature, Time: rec.Time}
		if err != nil || rec != want || time.Since(rec.Time) > time.Minute {
			t.Errorf("quarantine record: %+v, %v; want %+v", rec, err, want)
		}
		for _, name := range []string{key, key + ".json"} {
			if st, err := q.Stat(name); err != nil || st.Mode().Perm() != 0o600 {
				t.Errorf("%s: mode %v, %v; want 0600", name, st.Mode(), err)
			}
		}
	})
}

func TestProcessClamdDown(t *testing.T) {
	const unavailable = "Files cannot be checked for viruses right now. Please try again in a few minutes."
	d := clamdtest.Start(t, clamdtest.Options{})
	d.Stop()

	site, log, dir := newSite(t, &clamav.Scanner{Addr: d.Addr})
	status, rep, err := site.Upload(t.Context(), "doc", "letter.txt", strings.NewReader("Dear Sir or Madam,\n"))
	if err != nil || status != http.StatusServiceUnavailable || rep.Message() != unavailable {
		t.Errorf("upload with clamd down: %d %+v %v; want 503 %q", status, rep, err, unavailable)
	}
	if _, err := site.PostFile(t.Context(), "doc", "letter.txt", []byte("Hello\n")); sticky.Status(err) != http.StatusServiceUnavailable {
		t.Errorf("form post with clamd down: %v (status %d), want 503", err, sticky.Status(err))
	}
	if left := files(t, dir); len(left) > 0 {
		t.Errorf("left in the store: %v", left)
	}
	for _, rec := range records(t, log) {
		if rec["level"] != "ERROR" || rec["err"] == nil || rec["file"] != "letter.txt" {
			t.Errorf("log record: %v", rec)
		}
	}

	// AllowUnscanned lets the file in, and says so loudly.
	site, log, _ = newSite(t, &clamav.Scanner{Addr: d.Addr, AllowUnscanned: true})
	site.MustUpload(t, "doc", "letter.txt", []byte("Dear Sir or Madam,\n"))
	recs := records(t, log)
	if len(recs) != 1 || recs[0]["level"] != "ERROR" || !strings.Contains(recs[0]["msg"].(string), "UNSCANNED") || recs[0]["user"] != storetest.User {
		t.Errorf("a file let through unscanned was logged as %v", recs)
	}
}

func TestProcessStreamMaxLength(t *testing.T) {
	d := clamdtest.Start(t, clamdtest.Options{StreamMaxLength: "1M"})
	big := bytes.Repeat([]byte("All work and no play makes Jack a dull boy.\n"), 3<<20/44)
	for _, tt := range []struct {
		name    string
		max     int64 // Scanner.StreamMaxLength
		message string
	}{
		// The scanner is told clamd's limit: the file is not sent.
		{"told", 1 << 20, "This file is too large to be checked for viruses. Files up to 1 MiB can be checked."},
		// It is not: clamd refuses it, and so does the scanner.
		{"not told", 0, "This file is too large to be checked for viruses."},
	} {
		site, log, dir := newSite(t, &clamav.Scanner{Addr: d.Addr, StreamMaxLength: tt.max})
		status, rep, err := site.Upload(t.Context(), "doc", "long.txt", bytes.NewReader(big))
		if err != nil || status != http.StatusRequestEntityTooLarge || rep.Message() != tt.message {
			t.Errorf("%s: upload over StreamMaxLength: %d %+v %v; want 413 %q", tt.name, status, rep, err, tt.message)
		}
		if left := files(t, dir); len(left) > 0 {
			t.Errorf("%s: left in the store: %v", tt.name, left)
		}
		if recs := records(t, log); len(recs) != 1 || recs[0]["file"] != "long.txt" {
			t.Errorf("%s: logged %v", tt.name, recs)
		}
	}
}

// BenchmarkUpload compares the same 10 MiB upload through the one-shot
// endpoint (over HTTP, to a disk store) with and without the Scanner as
// its processor, the clamd of the tests behind it: the difference is
// what scanning costs an upload. The file is clean PDF-like bytes.
func BenchmarkUpload(b *testing.B) {
	d := clamdtest.Start(b, clamdtest.Options{})
	data := append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("0123456789abcdef"), 10<<20/16)...)
	for _, c := range []struct {
		name       string
		processors []sticky.Processor
	}{{"unscanned", nil}, {"scanned", []sticky.Processor{&clamav.Scanner{Addr: d.Addr}}}} {
		b.Run(c.name, func(b *testing.B) {
			store, err := sticky.NewDiskStore(b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			site := storetest.NewSite(b, sticky.Config{Store: store, Processors: c.processors, MaxSize: 64 << 20})
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				site.MustUpload(b, "file", "doc.pdf", data)
			}
		})
	}
}
