package s3_test

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stickyuploads/sticky"
	"github.com/stickyuploads/sticky/internal/s3test"
	"github.com/stickyuploads/sticky/s3"
	"github.com/stickyuploads/sticky/storetest"
)

// The store presigns, lists and adopts what sticky's direct uploads need.
var _ sticky.DirectStore = (*s3.Store)(nil)

// direct is a client of the direct-upload routes of a site, as Uppy's AWS
// S3 plugin uses them, signed in as user.
type direct struct {
	t    *testing.T
	base string // the routes' URL: the mount's URL and "s3"
	user string
}

func newDirect(t *testing.T, site *storetest.Site, user string) *direct {
	return &direct{t: t, base: site.URL + "s3", user: user}
}

// call sends a request to a route and decodes its JSON answer into out.
func (d *direct) call(method, path string, body any, out any) int {
	d.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(d.t.Context(), method, d.base+path, rd)
	if err != nil {
		d.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if d.user != "" {
		req.Header.Set("X-User", d.user)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		d.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil && res.StatusCode != http.StatusOK {
			d.t.Fatalf("%s %s: %d, not JSON: %q", method, path, res.StatusCode, b)
		}
	}
	return res.StatusCode
}

type presignedPost struct {
	Method string            `json:"method"`
	URL    string            `json:"url"`
	Fields map[string]string `json:"fields"`
	Key    string            `json:"key"`
}

// directReply is the reply of a claim: the one-shot endpoint's, with the
// object's location and key.
type directReply struct {
	storetest.Reply
	Location string `json:"location"`
	Key      string `json:"key"`
}

// params asks for a presigned POST; size < 0 declares none.
func (d *direct) params(field, name string, size int) (int, presignedPost, storetest.Reply) {
	d.t.Helper()
	q := url.Values{"filename": {name}, "type": {"application/octet-stream"}, "metadata[field]": {field}, "metadata[name]": {name}}
	if size >= 0 {
		q.Set("metadata[size]", strconv.Itoa(size))
	}
	var raw json.RawMessage
	status := d.call(http.MethodGet, "/params?"+q.Encode(), nil, &raw)
	var p presignedPost
	var rep storetest.Reply
	json.Unmarshal(raw, &p)
	json.Unmarshal(raw, &rep)
	return status, p, rep
}

// post sends data to the bucket as a browser's form upload does.
func post(t *testing.T, p presignedPost, data []byte) (int, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, v := range p.Fields {
		mw.WriteField(k, v)
	}
	w, _ := mw.CreateFormFile("file", "blob")
	w.Write(data)
	mw.Close()
	res, err := http.Post(p.URL, mw.FormDataContentType(), &b)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

// put sends a part to a presigned URL with the headers given.
func put(t *testing.T, link string, header map[string]string, data []byte) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPut, link, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err.Error() // the bucket cut it
	}
	defer res.Body.Close()
	io.Copy(io.Discard, res.Body)
	return res.StatusCode, res.Header.Get("ETag")
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

func directSite(t *testing.T, c sticky.Config) (*storetest.Site, *s3test.Server, string) {
	t.Helper()
	stores, srv, bucket := s3Stores(t, 1)
	c.Store, c.Direct = stores[0], true
	if c.Identity == nil {
		c.Identity = userHeader
	}
	return storetest.NewSite(t, c), srv, bucket
}

// wantKept checks that a form posting ref in field gives back data.
func wantKept(t *testing.T, site *storetest.Site, field, ref, name string, data []byte) {
	t.Helper()
	f, err := site.Kept(t.Context(), field, ref)
	if err != nil {
		t.Fatalf("Form.File with the reference: %v", err)
	}
	rc, err := f.Open(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	got, _ := io.ReadAll(rc)
	if !bytes.Equal(got, data) || f.Name != name || f.Size != int64(len(data)) {
		t.Errorf("kept %q, %d bytes (equal: %v), want %q, %d bytes", f.Name, f.Size, bytes.Equal(got, data), name, len(data))
	}
}

// One POST straight to the bucket: the declared size is signed, so the
// bucket refuses another; the claim answers with a reference that a form
// turns into the very bytes, answers again the same, and is refused to
// another user.
func TestDirectPost(t *testing.T) {
	site, _, _ := directSite(t, sticky.Config{})
	alice, bob := newDirect(t, site, "alice"), newDirect(t, site, "bob")
	data := randomBytes(300_000)

	status, p, rep := alice.params("doc", "report.bin", len(data))
	if status != http.StatusOK || p.Method != "POST" || !strings.HasSuffix(p.URL, "/") || p.Fields["key"] != p.Key {
		t.Fatalf("params: %d %+v %+v", status, p, rep)
	}
	if !strings.HasPrefix(p.Key, s3.DefaultPrefix) || strings.Contains(p.Key, "report") {
		t.Errorf("key %q: want sticky's own name under the prefix", p.Key)
	}
	for _, body := range [][]byte{append(data, 'x'), data[:len(data)-1]} {
		if status, msg := post(t, p, body); status < 400 {
			t.Errorf("a body of %d bytes, not the %d declared: the bucket answered %d %s", len(body), len(data), status, msg)
		}
	}
	tampered := presignedPost{URL: p.URL, Fields: map[string]string{}}
	for k, v := range p.Fields {
		tampered.Fields[k] = v
	}
	tampered.Fields["x-amz-meta-sticky-field"] = "other"
	if status, _ := post(t, tampered, data); status < 400 {
		t.Errorf("the bucket took a form whose metadata was changed: %d", status)
	}
	if status, msg := post(t, p, data); status >= 300 {
		t.Fatalf("POST to the bucket: %d %s", status, msg)
	}

	var got directReply
	if status := bob.call(http.MethodPost, "/complete?key="+url.QueryEscape(p.Key), nil, &got); status != http.StatusGone {
		t.Errorf("another user's claim: %d %+v, want 410", status, got)
	}
	if status := alice.call(http.MethodPost, "/complete?key="+url.QueryEscape(p.Key), nil, &got); status != http.StatusOK || !got.IsValid || got.Stored == "" {
		t.Fatalf("claim: %d %+v", status, got)
	}
	if got.Filename != "report.bin" || got.Size != int64(len(data)) || got.Key != p.Key {
		t.Errorf("claim reply %+v", got)
	}
	var again directReply
	if status := alice.call(http.MethodPost, "/complete?key="+url.QueryEscape(p.Key), nil, &again); status != http.StatusOK || again.Filename != got.Filename || again.Size != got.Size {
		t.Errorf("a second claim: %d %+v, want the same answer", status, again)
	}
	wantKept(t, site, "doc", got.Stored, "report.bin", data)
	wantKept(t, site, "doc", again.Stored, "report.bin", data)

	// A file with no size declared is bound by the field's limit.
	status, p, _ = alice.params("doc", "undeclared.txt", -1)
	if status != http.StatusOK {
		t.Fatalf("params without a size: %d", status)
	}
	if status, msg := post(t, p, []byte("no size declared")); status >= 300 {
		t.Fatalf("POST: %d %s", status, msg)
	}
	if status := alice.call(http.MethodPost, "/complete?key="+url.QueryEscape(p.Key), nil, &got); status != http.StatusOK || got.Type != "text/plain" {
		t.Fatalf("claim without a declared size: %d %+v", status, got)
	}
}

// A multipart upload: parts presigned one at a time (one with its size
// signed, which the bucket then holds to, refusing a body shorter or
// longer), listed to resume, joined and
// claimed; then aborting one, and another user refused at every route.
func TestDirectMultipart(t *testing.T) {
	site, srv, bucket := directSite(t, sticky.Config{MaxSize: 64 << 20})
	alice, bob := newDirect(t, site, "alice"), newDirect(t, site, "bob")
	data := randomBytes(11 << 20)
	var created struct{ Key, UploadID string }
	body := map[string]any{"filename": "big.bin", "type": "application/octet-stream", "metadata": map[string]string{"field": "doc", "size": strconv.Itoa(len(data))}}
	if status := alice.call(http.MethodPost, "/multipart", body, &created); status != http.StatusOK || created.UploadID == "" {
		t.Fatalf("create: %d %+v", status, created)
	}
	route := "/multipart/" + url.PathEscape(created.UploadID)
	key := "?key=" + url.QueryEscape(created.Key)
	type signed struct {
		URL     string            `json:"url"`
		Headers map[string]string `json:"headers"`
	}
	pieces := [][]byte{data[:5<<20], data[5<<20 : 10<<20], data[10<<20:]}
	for i, piece := range pieces {
		var s signed
		q := key
		if i == 1 {
			q += "&size=" + strconv.Itoa(len(piece))
		}
		if status := alice.call(http.MethodGet, route+"/"+strconv.Itoa(i+1)+q, nil, &s); status != http.StatusOK {
			t.Fatalf("sign part %d: %d", i+1, status)
		}
		if i == 1 {
			for _, body := range [][]byte{piece[:len(piece)-1], append(piece[:len(piece):len(piece)], 'x')} {
				if status, _ := put(t, s.URL, s.Headers, body); status > 0 && status < 400 { // 0: cut off
					t.Errorf("part 2, %d bytes where %d are signed: the bucket answered %d", len(body), len(piece), status)
				}
			}
		}
		if status, etag := put(t, s.URL, s.Headers, piece); status != http.StatusOK || etag == "" {
			t.Fatalf("PUT part %d: %d %q", i+1, status, etag)
		}
		if i == 1 {
			break // the rest after a "reload"
		}
	}
	var parts []struct {
		PartNumber int
		ETag       string
	}
	if status := alice.call(http.MethodGet, route+key, nil, &parts); status != http.StatusOK || len(parts) != 2 {
		t.Fatalf("list parts: %d %+v", status, parts)
	}
	var s signed
	alice.call(http.MethodGet, route+"/3"+key, nil, &s)
	status, etag := put(t, s.URL, s.Headers, pieces[2])
	if status != http.StatusOK {
		t.Fatalf("PUT part 3: %d", status)
	}
	done := map[string]any{"parts": []map[string]any{{"PartNumber": 1, "ETag": parts[0].ETag}, {"PartNumber": 2, "ETag": parts[1].ETag}, {"PartNumber": 3, "ETag": etag}}}

	for _, r := range []struct{ method, path string }{
		{http.MethodGet, route + "/1" + key}, {http.MethodGet, route + key},
		{http.MethodPost, route + "/complete" + key}, {http.MethodDelete, route + key},
	} {
		var rep storetest.Reply
		if status := bob.call(r.method, r.path, done, &rep); status != http.StatusGone || rep.Message() == "" {
			t.Errorf("another user: %s %s: %d %+v, want 410 with a sentence", r.method, r.path, status, rep)
		}
	}

	var got directReply
	if status := alice.call(http.MethodPost, route+"/complete"+key, done, &got); status != http.StatusOK || !got.IsValid {
		t.Fatalf("complete: %d %+v", status, got)
	}
	if got.Location == "" || got.Key != created.Key || got.Size != int64(len(data)) {
		t.Errorf("complete: %+v, want the location, the key and the size", got)
	}
	wantKept(t, site, "doc", got.Stored, "big.bin", data)

	// Aborting leaves no multipart upload.
	alice.call(http.MethodPost, "/multipart", body, &created)
	if status := alice.call(http.MethodDelete, "/multipart/"+url.PathEscape(created.UploadID)+"?key="+url.QueryEscape(created.Key), nil, nil); status != http.StatusOK {
		t.Errorf("abort: %d", status)
	}
	if left := srv.MultipartUploads(t, bucket, ""); len(left) != 0 {
		t.Errorf("multipart uploads left after abort: %v", left)
	}
}

// What a direct upload must pass before anything is presigned, and after
// its bytes are in the bucket: a file refused then leaves nothing there.
func TestDirectRefusals(t *testing.T) {
	site, srv, bucket := directSite(t, sticky.Config{
		MaxSize:   1 << 20,
		RateLimit: 5,
		Identity:  func(r *http.Request) string { return r.Header.Get("X-User") },
		Fields:    map[string]sticky.Rules{"photo": {Accept: []string{"image/*"}}},
		Before: func(r *http.Request, in sticky.Incoming) error {
			if strings.HasSuffix(in.Name, ".exe") {
				return sticky.Refuse(http.StatusUnprocessableEntity, "No programs, please.")
			}
			return nil
		},
	})
	nobody, alice := newDirect(t, site, ""), newDirect(t, site, "alice")
	for _, c := range []struct {
		name   string
		d      *direct
		field  string
		file   string
		size   int
		status int
	}{
		{"nobody signed in", nobody, "doc", "a.txt", 10, http.StatusForbidden},
		{"no field", alice, "", "a.txt", 10, http.StatusBadRequest},
		{"declared too large", alice, "doc", "a.txt", 2 << 20, http.StatusRequestEntityTooLarge},
		{"declared empty", alice, "doc", "a.txt", 0, http.StatusBadRequest},
		{"refused by Before", alice, "doc", "setup.exe", 10, http.StatusUnprocessableEntity},
	} {
		status, _, rep := c.d.params(c.field, c.file, c.size)
		if status != c.status || rep.Message() == "" {
			t.Errorf("%s: %d %+v, want %d with a sentence", c.name, status, rep, c.status)
		}
	}
	var rep storetest.Reply
	if status := nobody.call(http.MethodPost, "/multipart", map[string]any{"filename": "a", "metadata": map[string]string{"field": "doc"}}, &rep); status != http.StatusForbidden {
		t.Errorf("create, nobody signed in: %d", status)
	}

	// A text file claimed as a photo is refused and removed from the bucket.
	status, p, _ := alice.params("photo", "cat.png", 26)
	if status != http.StatusOK {
		t.Fatalf("params: %d", status)
	}
	if status, msg := post(t, p, []byte("plain text, not a picture!")); status >= 300 {
		t.Fatalf("POST: %d %s", status, msg)
	}
	if status := alice.call(http.MethodPost, "/complete?key="+url.QueryEscape(p.Key), nil, &rep); status != http.StatusUnsupportedMediaType || rep.Message() == "" {
		t.Errorf("claim of a text file as a photo: %d %+v, want 415 with a sentence", status, rep)
	}
	if left := srv.Objects(t, bucket, ""); len(left) != 0 {
		t.Errorf("left in the bucket after a refused claim: %v", left)
	}
	// The rate limit counts each upload begun, refused or not: five a
	// minute, and five were.
	if status, _, rep := alice.params("doc", "a.txt", 10); status != http.StatusTooManyRequests {
		t.Errorf("over the rate limit: %d %+v, want 429", status, rep)
	}
}

// sha256b64 is data's SHA-256 as S3 takes it.
func sha256b64(data []byte) string {
	sum := sha256.Sum256(data)
	return base64.StdEncoding.EncodeToString(sum[:])
}

// With checksums: a POST whose form holds the file's SHA-256, and a
// multipart upload whose parts each carry theirs, are refused by the
// bucket when the bytes are not the ones summed; the POST's file takes
// the bucket's checksum as its own (File.SHA256, sha256 in the reply).
func TestDirectChecksums(t *testing.T) {
	site, _, _ := directSite(t, sticky.Config{MaxSize: 64 << 20})
	alice := newDirect(t, site, "alice")
	data := randomBytes(200_000)
	other := append([]byte{data[0] ^ 1}, data[1:]...) // one bit flipped on the way

	q := url.Values{"filename": {"sum.bin"}, "type": {"application/octet-stream"}, "metadata[field]": {"doc"}, "size": {strconv.Itoa(len(data))}, "sha256": {sha256b64(data)}}
	var p presignedPost
	if status := alice.call(http.MethodGet, "/params?"+q.Encode(), nil, &p); status != http.StatusOK || p.Fields["x-amz-checksum-sha256"] != sha256b64(data) {
		t.Fatalf("params with a checksum: %d %+v", status, p)
	}
	if status, msg := post(t, p, other); status < 400 {
		t.Errorf("a POST of other bytes than summed: the bucket answered %d %s", status, msg)
	}
	tampered := presignedPost{URL: p.URL, Fields: map[string]string{}}
	for k, v := range p.Fields {
		tampered.Fields[k] = v
	}
	tampered.Fields["x-amz-checksum-sha256"] = sha256b64(other)
	if status, _ := post(t, tampered, other); status < 400 {
		t.Errorf("the bucket took a form whose checksum was changed: %d", status)
	}
	if status, msg := post(t, p, data); status >= 300 {
		t.Fatalf("POST: %d %s", status, msg)
	}
	var got struct {
		directReply
		SHA256 string `json:"sha256"`
	}
	if status := alice.call(http.MethodPost, "/complete?key="+url.QueryEscape(p.Key), nil, &got); status != http.StatusOK || !got.IsValid {
		t.Fatalf("claim: %d %+v", status, got)
	}
	if want := fmt.Sprintf("%x", sha256.Sum256(data)); got.SHA256 != want {
		t.Errorf("the claim's sha256 is %q, want the bucket's %q", got.SHA256, want)
	}
	if f, err := site.Kept(t.Context(), "doc", got.Stored); err != nil || f.SHA256 != got.SHA256 {
		t.Errorf("the kept file: %v, SHA256 %q", err, f.SHA256)
	}
	q.Set("sha256", "not base64")
	var rep storetest.Reply
	if status := alice.call(http.MethodGet, "/params?"+q.Encode(), nil, &rep); status != http.StatusBadRequest || rep.Message() == "" {
		t.Errorf("a malformed checksum: %d %+v, want 400", status, rep)
	}

	// Parts, each with its checksum.
	big := randomBytes(6 << 20)
	pieces := [][]byte{big[:5<<20], big[5<<20:]}
	var created struct{ Key, UploadID string }
	body := map[string]any{"filename": "parts.bin", "metadata": map[string]string{"field": "doc", "size": strconv.Itoa(len(big))}, "checksum": "sha256"}
	if status := alice.call(http.MethodPost, "/multipart", body, &created); status != http.StatusOK {
		t.Fatalf("create: %d", status)
	}
	route := "/multipart/" + url.PathEscape(created.UploadID)
	key := "?key=" + url.QueryEscape(created.Key)
	var done []map[string]any
	for i, piece := range pieces {
		var s struct {
			URL     string            `json:"url"`
			Headers map[string]string `json:"headers"`
		}
		n := strconv.Itoa(i + 1)
		if status := alice.call(http.MethodGet, route+"/"+n+key+"&size="+strconv.Itoa(len(piece))+"&sha256="+url.QueryEscape(sha256b64(piece)), nil, &s); status != http.StatusOK {
			t.Fatalf("sign part %s: %d", n, status)
		}
		if s.Headers["X-Amz-Checksum-Sha256"] != sha256b64(piece) {
			t.Errorf("part %s: the checksum is not among the signed headers: %v", n, s.Headers)
		}
		flipped := append([]byte{piece[0] ^ 1}, piece[1:]...)
		if status, _ := put(t, s.URL, s.Headers, flipped); status > 0 && status < 400 {
			t.Errorf("part %s with a bit flipped: the bucket answered %d", n, status)
		}
		status, etag := put(t, s.URL, s.Headers, piece)
		if status != http.StatusOK {
			t.Fatalf("PUT part %s: %d", n, status)
		}
		done = append(done, map[string]any{"PartNumber": i + 1, "ETag": etag}) // the server adds the checksums
	}
	var parts []struct {
		PartNumber     int
		ChecksumSHA256 string
	}
	if status := alice.call(http.MethodGet, route+key, nil, &parts); status != http.StatusOK || len(parts) != 2 || parts[1].ChecksumSHA256 != sha256b64(pieces[1]) {
		t.Errorf("list parts: %d %+v, want their checksums", status, parts)
	}
	var joined directReply
	if status := alice.call(http.MethodPost, route+"/complete"+key, map[string]any{"parts": done}, &joined); status != http.StatusOK || !joined.IsValid {
		t.Fatalf("complete: %d %+v", status, joined)
	}
	wantKept(t, site, "doc", joined.Stored, "parts.bin", big)
}

// Without Config.Direct, or with a store that cannot presign, there are no
// direct uploads.
func TestDirectOff(t *testing.T) {
	stores, _, _ := s3Stores(t, 1)
	site := storetest.NewSite(t, sticky.Config{Store: stores[0], Identity: userHeader})
	if status, _, rep := newDirect(t, site, "alice").params("doc", "a.txt", 10); status != http.StatusNotFound || rep.Message() == "" {
		t.Errorf("params without Config.Direct: %d %+v, want 404 with a sentence", status, rep)
	}
	if _, err := sticky.New(sticky.Config{Keys: [][]byte{storetest.Key}, Direct: true, Store: mustDisk(t)}); err == nil {
		t.Error("New with Direct and a disk store: no error")
	}
}

// Rules.Direct turns direct uploads on or off for one field, against the
// Uploader's Config.Direct: a field not allowed to go direct is refused at
// every route that admits a file, with the usual JSON error.
func TestDirectPerField(t *testing.T) {
	stores, _, _ := s3Stores(t, 2)
	for _, c := range []struct {
		name    string
		direct  bool
		on, off string // a field that may go direct, and one that may not
		fields  map[string]sticky.Rules
	}{
		{"off for one field", true, "doc", "avatar", map[string]sticky.Rules{"avatar": {Direct: sticky.DirectOff}}},
		{"on for one field", false, "video", "doc", map[string]sticky.Rules{"video": {Direct: sticky.DirectOn}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			site := storetest.NewSite(t, sticky.Config{Store: stores[0], Identity: userHeader, Direct: c.direct, Fields: c.fields})
			stores = stores[1:]
			alice := newDirect(t, site, "alice")
			if status, p, rep := alice.params(c.on, "a.txt", 10); status != http.StatusOK || p.URL == "" {
				t.Errorf("params for %s: %d %+v", c.on, status, rep)
			}
			if status, _, rep := alice.params(c.off, "a.txt", 10); status != http.StatusForbidden || rep.Message() == "" {
				t.Errorf("params for %s: %d %+v, want 403 with a sentence", c.off, status, rep)
			}
			var rep storetest.Reply
			body := map[string]any{"filename": "a.bin", "metadata": map[string]string{"field": c.off, "size": "10"}}
			if status := alice.call(http.MethodPost, "/multipart", body, &rep); status != http.StatusForbidden || rep.Message() == "" {
				t.Errorf("create for %s: %d %+v, want 403 with a sentence", c.off, status, rep)
			}
		})
	}
}

func mustDisk(t *testing.T) *sticky.DiskStore {
	s, err := sticky.NewDiskStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// What nobody claimed goes with the sweep: an object sent in one POST, a
// multipart upload begun, one joined but never claimed, and a small
// upload (a receipt) without its info.
func TestDirectSweep(t *testing.T) {
	const ttl = 2 * time.Second
	site, srv, bucket := directSite(t, sticky.Config{TTL: ttl})
	alice := newDirect(t, site, "alice")
	begun := time.Now()
	_, p, _ := alice.params("doc", "a.txt", 5)
	if status, msg := post(t, p, []byte("hello")); status >= 300 {
		t.Fatalf("POST: %d %s", status, msg)
	}
	var created struct{ Key, UploadID string }
	alice.call(http.MethodPost, "/multipart", map[string]any{"filename": "b.bin", "metadata": map[string]string{"field": "doc"}}, &created)
	var joined struct{ Key, UploadID string }
	alice.call(http.MethodPost, "/multipart", map[string]any{"filename": "c.bin", "metadata": map[string]string{"field": "doc"}}, &joined)
	var s struct {
		URL     string            `json:"url"`
		Headers map[string]string `json:"headers"`
	}
	alice.call(http.MethodGet, fmt.Sprintf("/multipart/%s/1?key=%s", url.PathEscape(joined.UploadID), url.QueryEscape(joined.Key)), nil, &s)
	_, etag := put(t, s.URL, s.Headers, []byte("tiny"))
	// Join it behind sticky's back, as a client that never claims would
	// have the bucket do (sticky's own route claims at once).
	client := srv.Client()
	if _, err := client.CompleteMultipartUpload(t.Context(), &awss3.CompleteMultipartUploadInput{
		Bucket: aws.String(bucket), Key: aws.String(joined.Key), UploadId: aws.String(joined.UploadID),
		MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{{PartNumber: aws.Int32(1), ETag: aws.String(etag)}}},
	}); err != nil {
		t.Fatal(err)
	}
	// A small upload whose server died between its object and its info.
	if _, err := client.PutObject(t.Context(), &awss3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String(p.Key + ".receipt"), Body: strings.NewReader("{}"),
	}); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Objects(t, bucket, "")); n != 3 {
		t.Fatalf("%d objects before the sweep, want 3", n)
	}
	time.Sleep(time.Until(begun.Add(ttl + 1500*time.Millisecond)))
	removed, err := site.Sweep(t.Context())
	if err != nil || removed != 4 {
		t.Errorf("Sweep: removed %d, %v; want 4", removed, err)
	}
	wantEmpty(t, srv, bucket)
}
