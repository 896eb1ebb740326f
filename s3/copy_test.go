package s3_test

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stickyuploads/sticky"
	"github.com/stickyuploads/sticky/blobvault"
	"github.com/stickyuploads/sticky/internal/s3test"
	"github.com/stickyuploads/sticky/s3"
	"github.com/stickyuploads/sticky/storetest"
	"gocloud.dev/blob"
	"gocloud.dev/blob/memblob"
	"gocloud.dev/blob/s3blob"
)

// The store copies uploads into a Vault of the same service itself.
var _ sticky.ServerCopier = (*s3.Store)(nil)

// countingTransport counts the bytes of the bodies the app's S3 clients
// send and receive: what passes through the app.
type countingTransport struct{ sent, received atomic.Int64 }

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil && r.Body != http.NoBody {
		r.Body = countedBody{r.Body, &c.sent}
	}
	res, err := http.DefaultTransport.RoundTrip(r)
	if err == nil {
		res.Body = countedBody{res.Body, &c.received}
	}
	return res, err
}

func (c *countingTransport) total() int64 { return c.sent.Load() + c.received.Load() }

// countedClient is a client of srv of its own, whose bodies c counts.
func countedClient(srv *s3test.Server, c *countingTransport) *awss3.Client {
	return awss3.New(srv.Client().Options(), func(o *awss3.Options) { o.HTTPClient = &http.Client{Transport: c} })
}

// copySite is a site keeping its uploads in a bucket of srv, and a
// Permanent in another bucket of the same server (below "documents/"),
// each through a client of its own that counts the bytes through the app.
func copySite(t *testing.T, srv *s3test.Server) (site *storetest.Site, p *sticky.Permanent, vaultBucket string, count *countingTransport) {
	site, p, _, vaultBucket, count = copySiteIn(t, srv)
	return site, p, vaultBucket, count
}

// copySiteIn is copySite, with the name of the uploads' bucket too.
func copySiteIn(t *testing.T, srv *s3test.Server) (site *storetest.Site, p *sticky.Permanent, tempBucket, vaultBucket string, count *countingTransport) {
	t.Helper()
	count = &countingTransport{}
	tempBucket = srv.NewBucket(t)
	store, err := s3.NewStore(t.Context(), s3.Config{Bucket: tempBucket, Client: countedClient(srv, count)})
	if err != nil {
		t.Fatal(err)
	}
	site = storetest.NewSite(t, sticky.Config{Store: store, MaxSize: 128 << 20, Direct: true})
	vaultBucket = srv.NewBucket(t)
	b, err := s3blob.OpenBucket(t.Context(), countedClient(srv, count), vaultBucket, nil)
	if err != nil {
		t.Fatal(err)
	}
	b = blob.PrefixedBucket(b, "documents/")
	t.Cleanup(func() { b.Close() })
	return site, &sticky.Permanent{Vault: blobvault.New(b), Pattern: "{owner}/{key}{ext}"}, tempBucket, vaultBucket, count
}

// saved reads the object a save wrote, with a client the test keeps apart,
// and checks its attributes.
func saved(t *testing.T, srv *s3test.Server, bucket, key, wantType string) []byte {
	t.Helper()
	out, err := srv.Client().GetObject(t.Context(), &awss3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("documents/" + key)})
	if err != nil {
		t.Fatalf("the saved object: %v", err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(out.ContentType); got != wantType {
		t.Errorf("saved with Content-Type %q, want %q", got, wantType)
	}
	if got := aws.ToString(out.ContentDisposition); !strings.HasPrefix(got, "attachment") || !strings.Contains(got, "filename=") {
		t.Errorf("saved with Content-Disposition %q, want an attachment with the name", got)
	}
	return b
}

// A 64 MiB file sent straight to the bucket (direct, in 5 MiB parts) is
// saved to a blobvault in another bucket of the same service by the
// service itself: the app's S3 clients send and receive a few kilobytes,
// the object saved is the file, with its type and name, and the temporary
// upload is gone. The bytes pass through the app neither way.
func TestSaveCopiesInsideTheService(t *testing.T) {
	if testing.Short() {
		t.Skip("uploads 64 MiB")
	}
	srv := s3test.Start(t)
	site, p, vaultBucket, count := copySite(t, srv)
	data := make([]byte, 64<<20)
	rand.NewChaCha8([32]byte{7}).Read(data)
	before := count.total()
	ref := sendDirect(t, newDirect(t, site, storetest.User), "big.bin", data, 5<<20)
	uploaded := count.total() - before
	f, err := site.Kept(t.Context(), "doc", ref)
	if err != nil {
		t.Fatal(err)
	}
	before = count.total()
	key, err := p.Save(t.Context(), f, map[string]string{"owner": "alice"})
	if err != nil {
		t.Fatal(err)
	}
	saving := count.total() - before
	t.Logf("64 MiB straight to the bucket, then saved: %d bytes of S3 bodies through the app uploading, %d saving", uploaded, saving)
	if saving > 64<<10 || uploaded > 64<<10 {
		t.Errorf("64 MiB passed %d bytes through the app uploading and %d saving, want a few kilobytes", uploaded, saving)
	}
	got := saved(t, srv, vaultBucket, key, f.Type)
	if sha256.Sum256(got) != sha256.Sum256(data) {
		t.Errorf("the saved object (%d bytes) differs from the file (%d bytes)", len(got), len(data))
	}
	if _, err := site.Kept(t.Context(), "doc", f.Ref); err == nil {
		t.Error("the temporary upload is still kept after the save")
	}
}

// sendDirect sends data straight to the bucket through the direct routes,
// as a multipart upload of part-byte parts, and returns the reference.
func sendDirect(t *testing.T, d *direct, name string, data []byte, part int) string {
	t.Helper()
	var created struct{ Key, UploadID string }
	body := map[string]any{"filename": name, "type": "application/octet-stream", "metadata": map[string]string{"field": "doc", "size": strconv.Itoa(len(data))}}
	if status := d.call(http.MethodPost, "/multipart", body, &created); status != http.StatusOK {
		t.Fatalf("create: %d", status)
	}
	route := "/multipart/" + url.PathEscape(created.UploadID)
	key := "?key=" + url.QueryEscape(created.Key)
	var done []map[string]any
	for i, off := 1, 0; off < len(data); i, off = i+1, off+part {
		piece := data[off:min(off+part, len(data))]
		var s struct {
			URL     string            `json:"url"`
			Headers map[string]string `json:"headers"`
		}
		if status := d.call(http.MethodGet, route+"/"+strconv.Itoa(i)+key+"&size="+strconv.Itoa(len(piece)), nil, &s); status != http.StatusOK {
			t.Fatalf("sign part %d: %d", i, status)
		}
		status, etag := put(t, s.URL, s.Headers, piece)
		if status != http.StatusOK {
			t.Fatalf("PUT part %d: %d", i, status)
		}
		done = append(done, map[string]any{"PartNumber": i, "ETag": etag})
	}
	var got directReply
	if status := d.call(http.MethodPost, route+"/complete"+key, map[string]any{"parts": done}, &got); status != http.StatusOK || got.Size != int64(len(data)) {
		t.Fatalf("complete: %d %+v", status, got)
	}
	return got.Stored
}

// A file posted through the app, whose SHA-256 the app took, is copied the
// same way, the service checking the copy's SHA-256.
func TestSaveCopiesPostedFile(t *testing.T) {
	srv := s3test.Start(t)
	site, p, vaultBucket, count := copySite(t, srv)
	data := make([]byte, 8<<20)
	rand.NewChaCha8([32]byte{9}).Read(data)
	f, err := site.PostFile(t.Context(), "doc", "posted.bin", data)
	if err != nil {
		t.Fatal(err)
	}
	if f.SHA256 == "" {
		t.Fatal("the posted file has no SHA-256 for the copy to check")
	}
	before := count.total()
	key, err := p.Save(t.Context(), f, map[string]string{"owner": "dan"})
	if err != nil {
		t.Fatal(err)
	}
	if through := count.total() - before; through > 64<<10 {
		t.Errorf("saving 8 MiB passed %d bytes through the app", through)
	}
	if got := saved(t, srv, vaultBucket, key, f.Type); !bytes.Equal(got, data) {
		t.Errorf("the saved object (%d bytes) differs from the file (%d bytes)", len(got), len(data))
	}
}

// Beyond CopyObject's limit the copy goes in UploadPartCopy parts, and
// appears whole; nothing is left of the multipart upload.
func TestSaveCopiesInParts(t *testing.T) {
	s3.SetCopyLimits(t, 8<<20, 5<<20)
	srv := s3test.Start(t)
	site, p, vaultBucket, count := copySite(t, srv)
	data := make([]byte, 12<<20+123)
	rand.NewChaCha8([32]byte{8}).Read(data)
	f, err := site.PostFile(t.Context(), "doc", "parts.bin", data)
	if err != nil {
		t.Fatal(err)
	}
	before := count.total()
	key, err := p.Save(t.Context(), f, map[string]string{"owner": "bob"})
	if err != nil {
		t.Fatal(err)
	}
	if through := count.total() - before; through > 64<<10 {
		t.Errorf("a multipart copy of 12 MiB passed %d bytes through the app", through)
	}
	if got := saved(t, srv, vaultBucket, key, f.Type); !bytes.Equal(got, data) {
		t.Errorf("the saved object (%d bytes) differs from the file (%d bytes)", len(got), len(data))
	}
	if left := srv.MultipartUploads(t, vaultBucket, ""); len(left) != 0 {
		t.Errorf("multipart uploads left: %q", left)
	}
}

// A Vault in another kind of store gets the bytes streamed, as before.
func TestSaveStreamsElsewhere(t *testing.T) {
	srv := s3test.Start(t)
	site, _, _, count := copySite(t, srv)
	mem := memblob.OpenBucket(nil)
	defer mem.Close()
	p := &sticky.Permanent{Vault: blobvault.New(mem)}
	data := bytes.Repeat([]byte("streamed\n"), 100<<10)
	f, err := site.PostFile(t.Context(), "doc", "notes.txt", data)
	if err != nil {
		t.Fatal(err)
	}
	before := count.received.Load()
	key, err := p.Save(t.Context(), f, nil)
	if err != nil {
		t.Fatal(err)
	}
	if read := count.received.Load() - before; read < int64(len(data)) {
		t.Errorf("the app read %d bytes from the bucket to save %d into memory", read, len(data))
	}
	got, err := mem.ReadAll(t.Context(), key)
	if err != nil || !bytes.Equal(got, data) {
		t.Errorf("saved %d bytes (%v), want the %d of the file", len(got), err, len(data))
	}
}

// Bytes that changed in the bucket since they came in fail the copy's
// checksum: the save fails with ErrCorrupted and leaves nothing saved.
func TestSaveCopyChecksSHA256(t *testing.T) {
	srv := s3test.Start(t)
	site, p, tempBucket, vaultBucket, _ := copySiteIn(t, srv)
	data := bytes.Repeat([]byte("original\n"), 1000)
	f, err := site.PostFile(t.Context(), "doc", "a.txt", data)
	if err != nil {
		t.Fatal(err)
	}
	var object string
	for _, k := range srv.Objects(t, tempBucket, s3.DefaultPrefix) {
		if name := strings.TrimPrefix(k, s3.DefaultPrefix); !strings.Contains(name, ".") && !strings.Contains(name, "/") {
			object = k
		}
	}
	if object == "" {
		t.Fatalf("no upload object in %q", srv.Objects(t, tempBucket, ""))
	}
	changed := bytes.ToUpper(data)
	if _, err := srv.Client().PutObject(t.Context(), &awss3.PutObjectInput{Bucket: aws.String(tempBucket), Key: aws.String(object), Body: bytes.NewReader(changed)}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Save(t.Context(), f, map[string]string{"owner": "carol"}); !errors.Is(err, sticky.ErrCorrupted) {
		t.Fatalf("saving changed bytes: %v, want ErrCorrupted", err)
	}
	if left := srv.Objects(t, vaultBucket, ""); len(left) != 0 {
		t.Errorf("left in the Vault's bucket: %q", left)
	}
}
