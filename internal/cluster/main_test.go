package cluster

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stickyuploads/sticky/internal/needs"
	"github.com/stickyuploads/sticky/internal/s3test"
	"github.com/stickyuploads/sticky/internal/testproc"
	"github.com/stickyuploads/sticky/internal/tmpcheck"
)

var (
	demoBinary string // the demo, built once by TestMain
	buildTime  time.Duration
)

func TestMain(m *testing.M) {
	os.Exit(tmpcheck.Run(func() int { return testMain(m) }))
}

func testMain(m *testing.M) int {
	// Without the S3 server nothing here can run: build nothing; each test
	// skips (or fails, under STICKY_TEST_STRICT=1).
	if needs.Main("versitygw") == "" {
		return m.Run()
	}
	dir, err := os.MkdirTemp("", "sticky-cluster-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "cluster:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	start := time.Now()
	if demoBinary, err = testproc.BuildDemo(dir); err != nil {
		fmt.Fprintln(os.Stderr, "cluster:", err)
		return 1
	}
	buildTime = time.Since(start)
	return m.Run()
}

// ---- The cluster ----

// The user every demo is started with, and the key they share.
const (
	testUser     = "alice"
	testPassword = "wonderland"
	testSecret   = "cluster-test-signing-key-0123456789abcdef"
)

// cluster is an S3 server with a bucket, and the settings the demos share.
type cluster struct {
	s3     *s3test.Server
	bucket string
	db     string // the shared SQLite file
}

// newCluster starts versitygw with a fresh bucket, and points the AWS
// variables (inherited by the demos) at it.
func newCluster(t *testing.T) *cluster {
	t.Helper()
	srv := s3test.Start(t)
	c := &cluster{s3: srv, bucket: srv.NewBucket(t), db: filepath.Join(t.TempDir(), "shared", "demo.db")}
	srv.SetEnv(t)
	return c
}

// demo is one running sticky-demo process.
type demo struct {
	*testproc.Demo
	Name string // "A", "B"
	Data string // its own -data directory

	config testproc.DemoConfig // how it was started, to start it again
}

// start runs one demo per name, all at once, on the shared bucket, key and
// database, each with its own -data directory, and returns when they all
// listen. extra flags go to each. They are stopped when the test ends.
func (c *cluster) start(t *testing.T, names []string, extra ...string) []*demo {
	t.Helper()
	demos := make([]*demo, len(names))
	for i, name := range names {
		demos[i] = c.spawn(t, name, "127.0.0.1:0", extra)
	}
	for _, d := range demos {
		d.Listen(t)
	}
	return demos
}

// spawn starts a demo listening on addr (port 0 for any) without waiting
// for it to listen.
func (c *cluster) spawn(t *testing.T, name, addr string, extra []string) *demo {
	t.Helper()
	d := &demo{Name: name, Data: filepath.Join(t.TempDir(), "data-"+name)}
	// The S3 store keeps a part in flight in a temporary file: point the
	// demo's temporary directory into its -data, so that what it leaves
	// there is seen.
	tmp := filepath.Join(d.Data, "tmp")
	if err := os.MkdirAll(tmp, 0o700); err != nil {
		t.Fatal(err)
	}
	d.config = testproc.DemoConfig{
		Name: "demo " + name,
		Args: append([]string{
			"-addr", addr,
			"-data", d.Data,
			"-db", c.db,
			"-s3-endpoint", c.s3.Endpoint,
			"-s3-bucket", c.bucket,
			"-user", testUser + ":" + testPassword,
		}, extra...),
		Env:      []string{"STICKY_SECRET=" + testSecret, "TMPDIR=" + tmp},
		MustStop: true,
	}
	d.Demo = testproc.StartDemo(t, demoBinary, d.config)
	return d
}

// restart starts the demo again, after it stopped or was killed, with the
// same flags and -data directory (and so the same address, unless that was
// port 0), and waits until it listens.
func (d *demo) restart(t *testing.T) {
	t.Helper()
	d.Demo = testproc.StartDemo(t, demoBinary, d.config)
	d.Listen(t)
}

// ---- What is left where ----

// wantNoLocalFiles checks that nothing of the uploads is on the demo's
// disk: its -data directory (tmp/ and files/ included, when they exist at
// all) holds no file. The database and the key are elsewhere, shared.
func (d *demo) wantNoLocalFiles(t *testing.T) {
	t.Helper()
	var files []string
	err := filepath.WalkDir(d.Data, func(p string, e fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		if !e.IsDir() {
			rel, _ := filepath.Rel(d.Data, p)
			files = append(files, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) > 0 {
		t.Errorf("demo %s keeps files of its own in -data: %q", d.Name, files)
	}
}

// saveJournals holds the journals of saves, which Permanent.Recover ends.
const saveJournals = "documents/.sticky-saves/"

// documentKey is a document's object: documents/yyyy/mm/key.ext.
var documentKey = regexp.MustCompile(`^documents/[0-9]{4}/[0-9]{2}/[0-9a-f]{32}(\.[a-z0-9]+)?$`)

// wantBucket checks the bucket's documents (their extensions, in any
// order) and that no temporary upload is left: no object under the
// temporary prefix, no multipart upload anywhere.
func (c *cluster) wantBucket(t *testing.T, exts ...string) {
	t.Helper()
	docs := c.s3.Objects(t, c.bucket, "documents/")
	var got []string
	for _, k := range docs {
		if strings.HasPrefix(k, saveJournals) {
			continue // the demos set Permanent.Recorded
		}
		if !documentKey.MatchString(k) {
			t.Errorf("unexpected document key %q", k)
		}
		got = append(got, filepath.Ext(k))
	}
	if !sameSet(got, exts) {
		t.Errorf("documents in the bucket: %q, want %d with extensions %q", docs, len(exts), exts)
	}
	all := c.s3.Objects(t, c.bucket, "")
	if len(all) != len(docs) {
		t.Errorf("the bucket holds more than the documents (temporary uploads?): %q", all)
	}
	if mp := c.s3.MultipartUploads(t, c.bucket, ""); len(mp) > 0 {
		t.Errorf("multipart uploads left in the bucket: %q", mp)
	}
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	count := map[string]int{}
	for _, s := range a {
		count[s]++
	}
	for _, s := range b {
		count[s]--
	}
	for _, n := range count {
		if n != 0 {
			return false
		}
	}
	return true
}

// ---- HTTP, as a browser would ----

// browser is a client with a cookie jar. Cookies do not depend on the
// port, so, as behind a load balancer, the session cookie set by one demo
// is sent to all of them.
func newBrowser(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{
		Jar:           jar,
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

func (d *demo) login(t *testing.T, c *http.Client) {
	t.Helper()
	resp, body := d.post(t, c, "/login", map[string]string{"username": testUser, "password": testPassword}, nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		t.Fatalf("sign-in on %s: %s to %q\n%s", d.Name, resp.Status, resp.Header.Get("Location"), body)
	}
}

// formFile is a file part of a form.
type formFile struct {
	field, name string
	content     []byte
}

// post sends a multipart form to the demo, from the demo's own origin.
func (d *demo) post(t *testing.T, c *http.Client, path string, values map[string]string, files []formFile) (*http.Response, string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range values {
		mw.WriteField(k, v)
	}
	for _, f := range files {
		w, err := mw.CreateFormFile(f.field, f.name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(f.content)
	}
	mw.Close()
	req, err := http.NewRequest(http.MethodPost, d.URL+path, &body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", d.URL)
	return do(t, c, req)
}

func (d *demo) get(t *testing.T, c *http.Client, path string, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, d.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return do(t, c, req)
}

func do(t *testing.T, c *http.Client, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", req.Method, req.URL, err)
	}
	return resp, string(b)
}

// upload sends content to the demo's upload endpoint for the field "file",
// as the client script does, and returns the reference.
func (d *demo) upload(t *testing.T, c *http.Client, name string, content []byte) string {
	t.Helper()
	resp, body := d.post(t, c, "/uploads/", map[string]string{"field": "file"}, []formFile{{"upload", name, content}})
	var reply struct {
		IsValid bool   `json:"is_valid"`
		Size    int64  `json:"size"`
		Stored  string `json:"stored"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal([]byte(body), &reply) != nil || !reply.IsValid || reply.Stored == "" || reply.Size != int64(len(content)) {
		t.Fatalf("upload of %s to %s: %s %s", name, d.Name, resp.Status, body)
	}
	return reply.Stored
}

var (
	downloadLink = regexp.MustCompile(`href="(/documents/[0-9]+/file)"`)
	hiddenRef    = regexp.MustCompile(`name="_file" value="([^"]*)"`)
)

// documentLink returns the download link of the document titled title on
// the demo's list.
func (d *demo) documentLink(t *testing.T, c *http.Client, title string) string {
	t.Helper()
	resp, body := d.get(t, c, "/")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET / on %s: %s", d.Name, resp.Status)
	}
	// Each document is an <li> with its title and then its link.
	i := strings.Index(body, ">"+title+"<")
	if i < 0 {
		t.Fatalf("the list on %s does not show %q", d.Name, title)
	}
	m := downloadLink.FindStringSubmatch(body[i:])
	if m == nil {
		t.Fatalf("no download link after %q on %s", title, d.Name)
	}
	return m[1]
}

// wantDownload downloads path from the demo and compares it with content.
func (d *demo) wantDownload(t *testing.T, c *http.Client, path string, content []byte) {
	t.Helper()
	resp, body := d.get(t, c, path)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s on %s: %s", path, d.Name, resp.Status)
	}
	got, want := sha256.Sum256([]byte(body)), sha256.Sum256(content)
	if got != want {
		t.Fatalf("GET %s on %s: %d bytes, SHA-256 %s; want %d bytes, SHA-256 %s",
			path, d.Name, len(body), hex.EncodeToString(got[:]), len(content), hex.EncodeToString(want[:]))
	}
}

// pdf returns a PDF-looking file of n bytes: a PDF header, then random bytes.
func pdf(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	copy(b, "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	copy(b[n-6:], "%%EOF\n")
	return b
}

// wantChooseAgain checks that the form page came back (422) asking the
// person to choose the file again, and keeps no file.
func wantChooseAgain(t *testing.T, resp *http.Response, body string) {
	t.Helper()
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Please choose it again.") {
		t.Fatalf("want 422 and \"Please choose it again.\", got %s:\n%s", resp.Status, body)
	}
	if m := hiddenRef.FindStringSubmatch(body); m == nil || m[1] != "" {
		t.Errorf("the form still offers a kept file: %v", m)
	}
}
