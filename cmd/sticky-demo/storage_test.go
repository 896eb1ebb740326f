package main

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stickyuploads/sticky/internal/s3test"
)

func TestParseConfigStorage(t *testing.T) {
	c, err := parseConfig([]string{"-data", "d"}, noEnv, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.DB != filepath.Join("d", "demo.db") || c.S3Bucket != "" || c.S3Endpoint != "" ||
		c.TempTTL != 24*time.Hour || c.SweepEvery != 10*time.Minute {
		t.Errorf("defaults = %+v", c)
	}

	c, err = parseConfig([]string{"-db", "/srv/shared.db", "-s3-bucket", "docs", "-s3-endpoint", "http://127.0.0.1:7070",
		"-temp-ttl", "2h", "-sweep-every", "0"}, noEnv, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.DB != "/srv/shared.db" || c.S3Bucket != "docs" || c.S3Endpoint != "http://127.0.0.1:7070" ||
		c.TempTTL != 2*time.Hour || c.SweepEvery != 0 {
		t.Errorf("config = %+v", c)
	}

	for _, args := range [][]string{
		{"-s3-endpoint", "http://127.0.0.1:7070"}, // no bucket
		{"-s3-bucket", "b", "-s3-endpoint", "127.0.0.1:7070"},
		{"-s3-bucket", "b", "-s3-endpoint", "ftp://host"},
		{"-temp-ttl", "0"},
		{"-temp-ttl", "soon"},
		{"-sweep-every", "-1s"},
	} {
		if _, err := parseConfig(args, noEnv, io.Discard); err == nil {
			t.Errorf("%q: no error", args)
		}
	}

	var out strings.Builder
	parseConfig([]string{"-h"}, noEnv, &out)
	for _, f := range []string{"-db", "-s3-bucket", "-s3-endpoint", "-temp-ttl", "-sweep-every", "AWS_ACCESS_KEY_ID"} {
		if !strings.Contains(out.String(), f) {
			t.Errorf("usage does not mention %s:\n%s", f, out.String())
		}
	}
}

// uploadFile sends one file to the upload endpoint at base, as the client
// script does (same-origin), and returns the status and the JSON reply.
func uploadFile(t *testing.T, c *http.Client, base, name string, content []byte) (*http.Response, uploadReply) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("field", "file")
	w, _ := mw.CreateFormFile("upload", name)
	w.Write(content)
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, base+"/uploads/", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", base)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var reply uploadReply
	if err := json.Unmarshal(raw, &reply); err != nil {
		t.Fatalf("upload: %s, not JSON: %q", resp.Status, raw)
	}
	return resp, reply
}

type uploadReply struct {
	IsValid bool                `json:"is_valid"`
	Stored  string              `json:"stored"`
	Errors  map[string][]string `json:"errors"`
}

// setAWSEnv gives the AWS chain keys and a region, and nothing else.
func setAWSEnv(t *testing.T) {
	none := filepath.Join(t.TempDir(), "none")
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test-secret", "AWS_SESSION_TOKEN": "",
		"AWS_REGION": "us-east-1", "AWS_PROFILE": "", "AWS_CONFIG_FILE": none, "AWS_SHARED_CREDENTIALS_FILE": none,
		"AWS_EC2_METADATA_DISABLED": "true", "AWS_ENDPOINT_URL": "", "AWS_ENDPOINT_URL_S3": "", "AWS_MAX_ATTEMPTS": "",
	} {
		t.Setenv(k, v)
	}
}

// TestStoreUnavailable points the demo at an S3 server that is down: an
// upload is answered at once with 503 and a sentence, and a form posted
// with the file's bytes comes back with the same sentence, not a crash.
func TestStoreUnavailable(t *testing.T) {
	setAWSEnv(t)
	endpoint := s3test.ClosedEndpoint(t)
	var data string
	_, srv := newTestServer(t, func(c *config) {
		c.S3Bucket, c.S3Endpoint = "sticky", endpoint
		data = c.Data
	})
	c := login(t, srv, "alice", "wonderland")
	const msg = "The file could not be stored right now. Please try again in a moment."

	start := time.Now()
	resp, reply := uploadFile(t, c, srv.URL, "notes.txt", []byte("hello\n"))
	took := time.Since(start)
	t.Logf("upload with S3 down: %s in %v", resp.Status, took.Round(time.Millisecond))
	if resp.StatusCode != http.StatusServiceUnavailable || reply.IsValid || len(reply.Errors["upload"]) != 1 || reply.Errors["upload"][0] != msg {
		t.Errorf("upload with S3 down: %s %+v", resp.Status, reply)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type = %q", ct)
	}
	if resp.Header.Get("Retry-After") == "" {
		t.Error("no Retry-After")
	}
	if took > 5*time.Second {
		t.Errorf("the 503 took %v: the S3 client retries too long", took)
	}

	resp, body := postForm(t, c, srv.URL+"/documents/new", map[string]string{"title": "notes"},
		map[string][2]string{"file": {"notes.txt", "hello\n"}})
	if resp.StatusCode < 400 || resp.StatusCode >= 500 && resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, msg) {
		t.Errorf("form with S3 down: %s\n%s", resp.Status, body)
	}
	for _, sub := range []string{"tmp", "files"} {
		if left := regularFiles(t, filepath.Join(data, sub)); len(left) > 0 {
			t.Errorf("files in -data/%s: %q", sub, left)
		}
	}
}

// TestBucketUnreachableAtStart: the demo starts all the same, and says in
// its log that the bucket cannot be reached.
func TestBucketUnreachableAtStart(t *testing.T) {
	setAWSEnv(t)
	d := startRun(t, noEnv, "-addr", "127.0.0.1:0", "-data", t.TempDir(), "-user", "alice:wonderland",
		"-s3-bucket", "sticky", "-s3-endpoint", s3test.ClosedEndpoint(t))
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(d.Stderr.String(), "the bucket cannot be reached") {
		if time.Now().After(deadline) {
			t.Fatalf("no warning in the log within 5s:\n%s", d.Stderr)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := d.Stop(); err != nil {
		t.Errorf("run: %v", err)
	}
}

// TestExpiredUpload runs the demo with a tiny -temp-ttl and a quick
// -sweep-every: a file chosen and then abandoned is removed, and a form
// posted later with its reference asks for the file again.
func TestExpiredUpload(t *testing.T) {
	dir := t.TempDir()
	d := startRun(t, noEnv, "-addr", "127.0.0.1:0", "-data", dir, "-user", "alice:wonderland",
		"-temp-ttl", "1s", "-sweep-every", "100ms")
	c := loginAt(t, d.URL, "alice", "wonderland")

	resp, reply := uploadFile(t, c, d.URL, "notes.txt", []byte("abandoned\n"))
	if resp.StatusCode != http.StatusOK || reply.Stored == "" {
		t.Fatalf("upload: %s %+v", resp.Status, reply)
	}
	tmp := filepath.Join(dir, "tmp")
	if len(regularFiles(t, tmp)) == 0 {
		t.Fatal("the upload is not in -data/tmp")
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(regularFiles(t, tmp)) > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the abandoned upload is still there after 5s: %q", regularFiles(t, tmp))
		}
		time.Sleep(50 * time.Millisecond)
	}

	resp, body := postForm(t, c, d.URL+"/documents/new", map[string]string{"title": "late", "_file": reply.Stored}, nil)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Please choose it again.") {
		t.Fatalf("submitting an expired upload: %s\n%s", resp.Status, body)
	}
	if m := hiddenRef.FindStringSubmatch(body); m == nil || m[1] != "" {
		t.Errorf("the expired file is still offered as kept: %v", m)
	}
	if !strings.Contains(body, `value="late"`) {
		t.Error("the title was lost")
	}
}

// TestSharedDatabase starts two apps at once on one database file, each
// with its own data directory, as two demos on one machine: both create
// the same users without failing, and a session made by one works on the
// other.
func TestSharedDatabase(t *testing.T) {
	db := filepath.Join(t.TempDir(), "shared.db")
	apps := make([]*app, 2)
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i := range apps {
		wg.Go(func() {
			cfg := config{Data: t.TempDir(), DB: db, MaxSize: 1 << 20, Secret: bytes.Repeat([]byte("s"), 32)}
			a, err := newApp(t.Context(), cfg, slog.New(slog.DiscardHandler))
			if err != nil {
				errs[i] = err
				return
			}
			apps[i] = a
			_, errs[i] = a.ensureUsers(t.Context(), []userSpec{{"alice", "wonderland"}})
		})
	}
	wg.Wait()
	for i, a := range apps {
		if a != nil {
			t.Cleanup(func() { a.Close() })
		}
		if errs[i] != nil {
			t.Fatalf("app %d: %v", i, errs[i])
		}
	}
	var n int
	if err := apps[0].db.QueryRow(`SELECT count(*) FROM users`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("users: %d, %v", n, err)
	}
	srvA := httptest.NewServer(apps[0].Handler())
	t.Cleanup(srvA.Close)
	srvB := httptest.NewServer(apps[1].Handler())
	t.Cleanup(srvB.Close)
	c := login(t, srvA, "alice", "wonderland")
	// Cookies do not depend on the port: the jar sends A's session to B.
	resp, body := get(t, c, srvB.URL+"/")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "alice") {
		t.Errorf("A's session on B: %s", resp.Status)
	}
}

// TestDownloadRange asks for a part of a stored file and revalidates it.
func TestDownloadRange(t *testing.T) {
	_, srv := newTestServer(t)
	c := login(t, srv, "alice", "wonderland")
	content := strings.Repeat("0123456789", 1000)
	resp, body := postForm(t, c, srv.URL+"/documents/new", map[string]string{"title": "digits"},
		map[string][2]string{"file": {"digits.txt", content}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("submit: %s\n%s", resp.Status, body)
	}
	checkRanges(t, c, srv.URL+"/documents/1/file", content)
}

// checkRanges checks a download's Range and If-None-Match handling.
func checkRanges(t *testing.T, c *http.Client, u, content string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	req.Header.Set("Range", "bytes=1005-1014")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	part, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusPartialContent || string(part) != content[1005:1015] {
		t.Errorf("range: %s %q", resp.Status, part)
	}
	etag := resp.Header.Get("ETag")
	req, _ = http.NewRequest(http.MethodGet, u, nil)
	req.Header.Set("If-None-Match", etag)
	resp, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if etag == "" || resp.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match %s: %s", etag, resp.Status)
	}
}
