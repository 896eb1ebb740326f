package s3_test

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stickyuploads/sticky"
	"github.com/stickyuploads/sticky/storetest"
	"github.com/tus/tusd/v2/pkg/handler"
)

// presignedPut is the answer of s3/params to a client that asks for a PUT.
type presignedPut struct {
	Method  string            `json:"method"`
	URL     string            `json:"url"`
	Headers map[string]string `json:"headers"`
	Key     string            `json:"key"`
}

// One PUT straight to the bucket, as sticky's client script sends a file
// whole: the size, the metadata and the checksum are signed, so the bucket
// refuses a body one byte longer or shorter, changed metadata, a header
// left out, and other bytes than summed; the claim takes the bucket's
// checksum, and the form gets the very bytes back.
func TestDirectPut(t *testing.T) {
	site, srv, bucket := directSite(t, sticky.Config{})
	alice := newDirect(t, site, "alice")
	data := randomBytes(300_000)
	other := append([]byte{data[0] ^ 1}, data[1:]...)

	q := url.Values{"filename": {"report.bin"}, "type": {"application/octet-stream"}, "metadata[field]": {"doc"},
		"size": {strconv.Itoa(len(data))}, "sha256": {sha256b64(data)}, "method": {"PUT"}}
	var p presignedPut
	if status := alice.call(http.MethodGet, "/params?"+q.Encode(), nil, &p); status != http.StatusOK || p.Method != "PUT" {
		t.Fatalf("params with method=PUT: %d %+v", status, p)
	}
	if p.Headers["X-Amz-Meta-Sticky-Field"] != "doc" || p.Headers["X-Amz-Checksum-Sha256"] != sha256b64(data) {
		t.Errorf("the PUT's headers %v: want the field and the checksum, signed", p.Headers)
	}
	for _, body := range [][]byte{append(bytes.Clone(data), 'x'), data[:len(data)-1]} {
		if status, msg := put(t, p.URL, p.Headers, body); status > 0 && status < 400 { // 0: cut off
			t.Errorf("a body of %d bytes, not the %d declared: the bucket answered %d %s", len(body), len(data), status, msg)
		}
	}
	if status, msg := put(t, p.URL, p.Headers, other); status > 0 && status < 400 {
		t.Errorf("other bytes than summed: the bucket answered %d %s", status, msg)
	}
	for name := range p.Headers {
		changed := map[string]string{}
		for k, v := range p.Headers {
			if k != name {
				changed[k] = v
			}
		}
		if status, _ := put(t, p.URL, changed, data); status > 0 && status < 400 {
			t.Errorf("the bucket took a PUT without its signed header %s: %d", name, status)
		}
		changed[name] = "other"
		if status, _ := put(t, p.URL, changed, data); status > 0 && status < 400 {
			t.Errorf("the bucket took a PUT whose header %s was changed: %d", name, status)
		}
	}
	// Refused, or cut off (0): either way nothing landed.
	if left := srv.Objects(t, bucket, p.Key); len(left) != 0 {
		t.Errorf("after the refused PUTs the bucket holds %v", left)
	}
	if status, msg := put(t, p.URL, p.Headers, data); status != http.StatusOK {
		t.Fatalf("PUT: %d %s", status, msg)
	}
	var got struct {
		directReply
		SHA256 string `json:"sha256"`
	}
	if status := alice.call(http.MethodPost, "/complete?key="+url.QueryEscape(p.Key), nil, &got); status != http.StatusOK || !got.IsValid {
		t.Fatalf("claim: %d %+v", status, got)
	}
	if want := fmt.Sprintf("%x", sha256.Sum256(data)); got.SHA256 != want || got.Filename != "report.bin" || got.Size != int64(len(data)) {
		t.Errorf("claim: %+v, want the bucket's checksum %s", got, want)
	}
	wantKept(t, site, "doc", got.Stored, "report.bin", data)

	// Without a size, a PUT could not be bound: the answer is a POST.
	q.Del("size")
	var post presignedPost
	if status := alice.call(http.MethodGet, "/params?"+q.Encode(), nil, &post); status != http.StatusOK || post.Method != "POST" {
		t.Errorf("method=PUT without a size: %d %+v, want a POST", status, post)
	}
	// An empty object, put there behind sticky's back with its metadata
	// (the bucket would refuse the POST), has no first bytes to read: the
	// claim refuses it, and it goes.
	meta := map[string]string{}
	for k, v := range post.Fields {
		if name, ok := strings.CutPrefix(k, "x-amz-meta-"); ok {
			meta[name] = v
		}
	}
	if _, err := srv.Client().PutObject(t.Context(), &awss3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(post.Key), Body: bytes.NewReader(nil), Metadata: meta}); err != nil {
		t.Fatal(err)
	}
	var rep storetest.Reply
	if status := alice.call(http.MethodPost, "/complete?key="+url.QueryEscape(post.Key), nil, &rep); status != http.StatusBadRequest || rep.Message() == "" {
		t.Errorf("claim of an empty object: %d %+v, want 400 with a sentence", status, rep)
	}
	if left := srv.Objects(t, bucket, ""); len(left) != 2 { // the PUT file and its info
		t.Errorf("left in the bucket: %v", left)
	}
}

// ReadHead reads the first bytes alone; an empty object has none.
// WriteSmall stores a small upload whole, found by name, read whole.
func TestReadHeadWriteSmall(t *testing.T) {
	stores, srv, bucket := s3Stores(t, 1)
	s := stores[0]
	ctx := t.Context()
	data := []byte(`{"name":"a receipt"}`)
	id, err := s.WriteSmall(ctx, handler.FileInfo{ID: "0123456789abcdef0123456789abcdef.receipt", MetaData: handler.MetaData{"filename": "receipt.json"}}, data)
	if err != nil {
		t.Fatal(err)
	}
	up, err := s.GetUploadByName(ctx, "0123456789abcdef0123456789abcdef.receipt")
	if err != nil {
		t.Fatal(err)
	}
	info, err := up.GetInfo(ctx)
	if err != nil || info.ID != id || info.Size != int64(len(data)) || info.Offset != info.Size || info.MetaData["filename"] != "receipt.json" {
		t.Fatalf("GetInfo: %+v, %v", info, err)
	}
	rc, err := up.GetReader(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	rc.Close()
	if !bytes.Equal(got, data) {
		t.Errorf("read back %q, want %q", got, data)
	}
	if head, err := s.ReadHead(ctx, id, 7); err != nil || string(head) != `{"name"` {
		t.Errorf("ReadHead 7: %q, %v", head, err)
	}
	if head, err := s.ReadHead(ctx, id, 512); err != nil || !bytes.Equal(head, data) {
		t.Errorf("ReadHead 512 of %d: %q, %v", len(data), head, err)
	}
	empty, err := s.WriteSmall(ctx, handler.FileInfo{ID: "0123456789abcdef0123456789abcdef.failed"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if head, err := s.ReadHead(ctx, empty, 512); err != nil || len(head) != 0 {
		t.Errorf("ReadHead of an empty upload: %q, %v", head, err)
	}
	if _, err := s.ReadHead(ctx, "0123456789abcdef0123456789abcdef.missing+single", 512); err == nil {
		t.Error("ReadHead of a missing upload: no error")
	}
	if _, err := s.WriteSmall(ctx, handler.FileInfo{ID: "a/b"}, data); err == nil {
		t.Error("WriteSmall of a name with a slash: no error")
	}
	client := srv.Client()
	if _, err := client.HeadObject(ctx, &awss3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(s.ObjectKey("0123456789abcdef0123456789abcdef.receipt.part"))}); err == nil {
		t.Error("WriteSmall left a part object")
	}
}

// Several parts presigned in one request, each with its size and checksum
// signed: the bucket holds each part to them; the parts, sent with their
// checksums in the completion, join into the file. Malformed batches and
// another user are refused.
func TestDirectBatch(t *testing.T) {
	site, _, _ := directSite(t, sticky.Config{MaxSize: 64 << 20})
	alice, bob := newDirect(t, site, "alice"), newDirect(t, site, "bob")
	data := randomBytes(11 << 20)
	pieces := [][]byte{data[:5<<20], data[5<<20 : 10<<20], data[10<<20:]}
	var created struct{ Key, UploadID string }
	body := map[string]any{"filename": "batch.bin", "metadata": map[string]string{"field": "doc", "size": strconv.Itoa(len(data))}, "checksum": "sha256"}
	if status := alice.call(http.MethodPost, "/multipart", body, &created); status != http.StatusOK {
		t.Fatalf("create: %d", status)
	}
	route := "/multipart/" + url.PathEscape(created.UploadID) + "/batch?key=" + url.QueryEscape(created.Key)
	var sizes, sums []string
	for _, p := range pieces {
		sizes, sums = append(sizes, strconv.Itoa(len(p))), append(sums, sha256b64(p))
	}
	q := "&partNumbers=1,2,3&sizes=" + strings.Join(sizes, ",") + "&sha256=" + url.QueryEscape(strings.Join(sums, ","))
	var signed struct {
		URLs    map[string]string            `json:"presignedUrls"`
		Headers map[string]map[string]string `json:"headers"`
	}
	if status := alice.call(http.MethodGet, route+q, nil, &signed); status != http.StatusOK || len(signed.URLs) != 3 || len(signed.Headers) != 3 {
		t.Fatalf("batch: %d %+v", status, signed)
	}
	var done []map[string]any
	for i, p := range pieces {
		n := strconv.Itoa(i + 1)
		if signed.Headers[n]["X-Amz-Checksum-Sha256"] != sums[i] {
			t.Errorf("part %s: headers %v, want its checksum", n, signed.Headers[n])
		}
		for _, other := range [][]byte{p[:len(p)-1], append([]byte{p[0] ^ 1}, p[1:]...)} {
			if status, _ := put(t, signed.URLs[n], signed.Headers[n], other); status > 0 && status < 400 {
				t.Errorf("part %s with other bytes than signed: the bucket answered %d", n, status)
			}
		}
		status, etag := put(t, signed.URLs[n], signed.Headers[n], p)
		if status != http.StatusOK {
			t.Fatalf("PUT part %s: %d", n, status)
		}
		done = append(done, map[string]any{"PartNumber": i + 1, "ETag": etag, "ChecksumSHA256": sums[i]})
	}
	for _, bad := range []string{
		"&partNumbers=1,1",
		"&partNumbers=0",
		"&partNumbers=1,2&sizes=5",
		"&partNumbers=1&sha256=notbase64",
		"&partNumbers=" + strings.Repeat("1,", 100) + "2",
	} {
		var rep storetest.Reply
		if status := alice.call(http.MethodGet, route+bad, nil, &rep); status != http.StatusBadRequest || rep.Message() == "" {
			t.Errorf("batch %.40s: %d %+v, want 400 with a sentence", bad, status, rep)
		}
	}
	var rep storetest.Reply
	if status := bob.call(http.MethodGet, route+q, nil, &rep); status != http.StatusGone {
		t.Errorf("another user's batch: %d, want 410", status)
	}
	var got directReply
	if status := alice.call(http.MethodPost, "/multipart/"+url.PathEscape(created.UploadID)+"/complete?key="+url.QueryEscape(created.Key), map[string]any{"parts": done}, &got); status != http.StatusOK || !got.IsValid {
		t.Fatalf("complete: %d %+v", status, got)
	}
	wantKept(t, site, "doc", got.Stored, "batch.bin", data)
}

// PresignParts signs every part but the first itself: what it signs is
// what the SDK's presigning signs (the same query, the same headers to
// send), and the bucket takes it (TestDirectBatch sends such parts).
func TestPresignPartsAsTheSDK(t *testing.T) {
	stores, _, _ := s3Stores(t, 1)
	s := stores[0]
	ctx := t.Context()
	for _, sum := range []string{"", sha256b64([]byte("part"))} {
		parts := []sticky.DirectPart{{Number: 1, Size: 5 << 20, SHA256: sum}, {Number: 2, Size: 5 << 20, SHA256: sum}, {Number: 7, Size: 123, SHA256: sum}}
		batch, err := s.PresignParts(ctx, "0123456789abcdef0123456789abcdef-0123456789abcdef0123456789abcdef", "UP+LOAD/ID", parts, time.Hour)
		if err != nil || len(batch) != len(parts) {
			t.Fatalf("PresignParts: %d, %v", len(batch), err)
		}
		for i, p := range parts {
			link, header, err := s.PresignPart(ctx, "0123456789abcdef0123456789abcdef-0123456789abcdef0123456789abcdef", "UP+LOAD/ID", p, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			want, got := mustURL(t, link), mustURL(t, batch[i].URL)
			if want.Scheme+want.Host+want.Path != got.Scheme+got.Host+got.Path {
				t.Errorf("part %d: URL %s, want %s", p.Number, got, want)
			}
			wq, gq := want.Query(), got.Query()
			for _, q := range []url.Values{wq, gq} {
				q.Del("X-Amz-Date")
				q.Del("X-Amz-Signature")
			}
			if wq.Encode() != gq.Encode() {
				t.Errorf("part %d (checksum %q): query\n%s\nwant\n%s", p.Number, sum, gq.Encode(), wq.Encode())
			}
			if fmt.Sprint(header) != fmt.Sprint(batch[i].Header) {
				t.Errorf("part %d: headers %v, want %v", p.Number, batch[i].Header, header)
			}
		}
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
