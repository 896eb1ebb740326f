package storetest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stickyuploads/sticky"
)

// User is the identity under which a Site uploads and posts forms.
const User = "alice"

// Key is the signing key of the Sites that are given none.
var Key = []byte("storetest-signing-key-0123456789abcdef")

// Site is an Uploader mounted on a test HTTP server, with one signed-in
// user, User, for driving sticky the way a browser does.
type Site struct {
	*sticky.Uploader
	// URL is the upload endpoint's URL.
	URL string
}

// NewSite mounts an Uploader made from c on a test server, stopped when the
// test ends. Zero fields get test values: Keys is {Key}, Identity is User
// for every request, Logger writes to the test's log, Store is a DiskStore
// in a directory removed when the test ends.
func NewSite(t testing.TB, c sticky.Config) *Site {
	t.Helper()
	if c.Keys == nil {
		c.Keys = [][]byte{Key}
	}
	if c.Identity == nil {
		c.Identity = func(*http.Request) string { return User }
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(t.Output(), nil))
	}
	if c.Path == "" {
		c.Path = sticky.DefaultPath
	}
	if c.Store == nil {
		c.Store = Disk(t, filepath.Join(t.TempDir(), "uploads"))
	}
	up, err := sticky.New(c)
	if err != nil {
		t.Fatalf("sticky.New: %v", err)
	}
	mux := http.NewServeMux()
	mux.Handle(c.Path, up)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &Site{Uploader: up, URL: srv.URL + c.Path}
}

// Reply is the upload endpoint's JSON answer.
type Reply struct {
	IsValid  bool                `json:"is_valid"`
	Filename string              `json:"filename"`
	Size     int64               `json:"size"`
	Type     string              `json:"type"`
	Stored   string              `json:"stored"`
	Errors   map[string][]string `json:"errors"`
}

// Message is the first error message of a failed upload.
func (r Reply) Message() string {
	if m := r.Errors["upload"]; len(m) > 0 {
		return m[0]
	}
	return ""
}

// Upload sends a file to the endpoint as the client script does, streaming
// body, and returns the HTTP status and the decoded reply.
func (s *Site) Upload(ctx context.Context, field, name string, body io.Reader) (int, Reply, error) {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		err := mw.WriteField("field", field)
		if err == nil {
			var w io.Writer
			if w, err = mw.CreateFormFile("upload", name); err == nil {
				_, err = io.Copy(w, body)
			}
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL, pr)
	if err != nil {
		return 0, Reply{}, err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		pr.CloseWithError(err)
		return 0, Reply{}, err
	}
	defer res.Body.Close()
	var rep Reply
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return res.StatusCode, rep, err
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		return res.StatusCode, rep, fmt.Errorf("status %d, not JSON: %q", res.StatusCode, b)
	}
	return res.StatusCode, rep, nil
}

// MustUpload uploads data and fails the test unless the endpoint kept it.
func (s *Site) MustUpload(t testing.TB, field, name string, data []byte) Reply {
	t.Helper()
	status, rep, err := s.Upload(t.Context(), field, name, bytes.NewReader(data))
	if err != nil || status != http.StatusOK || !rep.IsValid || rep.Stored == "" {
		t.Fatalf("upload %q: status %d, %+v, %v", name, status, rep, err)
	}
	return rep
}

// Kept posts a form that carries ref in the sticky field's hidden input, as
// a browser does after a background upload, and returns what Form.File
// makes of it.
func (s *Site) Kept(ctx context.Context, field, ref string) (*sticky.File, error) {
	body := url.Values{"_" + field: {ref}, "title": {"kept"}}.Encode()
	r := httptestRequest(ctx, strings.NewReader(body), "application/x-www-form-urlencoded")
	return s.file(r, field)
}

// PostFile posts a form with the file's bytes in the sticky field, as a
// browser without scripts does, and returns what Form.File makes of it.
func (s *Site) PostFile(ctx context.Context, field, name string, data []byte) (*sticky.File, error) {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	mw.WriteField("title", "posted")
	w, _ := mw.CreateFormFile(field, name)
	w.Write(data)
	mw.Close()
	return s.file(httptestRequest(ctx, &b, mw.FormDataContentType()), field)
}

func (s *Site) file(r *http.Request, field string) (*sticky.File, error) {
	form, err := s.ReadForm(httptest.NewRecorder(), r)
	if err != nil {
		return nil, err
	}
	return form.File(field)
}

func httptestRequest(ctx context.Context, body io.Reader, contentType string) *http.Request {
	r := httptest.NewRequestWithContext(ctx, http.MethodPost, "/documents/new", body)
	r.Header.Set("Content-Type", contentType)
	return r
}

// Disk returns a disk store in dir, failing the test when it cannot.
func Disk(t testing.TB, dir string) *sticky.DiskStore {
	t.Helper()
	s, err := sticky.NewDiskStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
