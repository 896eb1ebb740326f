package s3_test

import (
	"bytes"
	"encoding/json"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stickyuploads/sticky"
	"github.com/stickyuploads/sticky/internal/s3test"
	"github.com/stickyuploads/sticky/storetest"
)

// fineReply is an answer of the Fine Uploader endpoint.
type fineReply struct {
	status   int
	raw      string
	Success  bool   `json:"success"`
	Error    string `json:"error"`
	Stored   string `json:"stored"`
	Filename string `json:"filename"`
	Size     int64  `json:"size"`
	Type     string `json:"type"`
}

// fineDo sends a request to site's Fine Uploader endpoint, at
// <mount>fine/ followed by rest, and decodes the answer.
func fineDo(t *testing.T, site *storetest.Site, method, rest, contentType string, body io.Reader) fineReply {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, site.URL+"fine/"+rest, body)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	rep := fineReply{status: res.StatusCode, raw: string(b)}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatalf("reply %q (status %d) is not JSON: %v", b, res.StatusCode, err)
	}
	return rep
}

// fineChunk posts chunk part of data, cut in pieces of partSize, to site
// as Fine Uploader does: its parameters, then the bytes in qqfile.
func fineChunk(t *testing.T, site *storetest.Site, uuid, field, name string, data []byte, partSize, part int) fineReply {
	t.Helper()
	parts := (len(data) + partSize - 1) / partSize
	start := part * partSize
	end := min(start+partSize, len(data))
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, kv := range [][2]string{
		{"field", field},
		{"qqpartindex", strconv.Itoa(part)},
		{"qqpartbyteoffset", strconv.Itoa(start)},
		{"qqchunksize", strconv.Itoa(end - start)},
		{"qqtotalparts", strconv.Itoa(parts)},
		{"qqtotalfilesize", strconv.Itoa(len(data))},
		{"qqfilename", name},
		{"qquuid", uuid},
	} {
		mw.WriteField(kv[0], kv[1])
	}
	w, _ := mw.CreateFormFile("qqfile", "blob")
	w.Write(data[start:end])
	mw.Close()
	return fineDo(t, site, http.MethodPost, "", mw.FormDataContentType(), &body)
}

// fineSend uploads data in chunks of partSize, through sites in turn,
// checks that every reply but the last is exactly {"success":true}, and
// returns the last.
func fineSend(t *testing.T, sites []*storetest.Site, uuid, field, name string, data []byte, partSize int) fineReply {
	t.Helper()
	parts := (len(data) + partSize - 1) / partSize
	var res fineReply
	for i := range parts {
		res = fineChunk(t, sites[i%len(sites)], uuid, field, name, data, partSize, i)
		if i < parts-1 && (res.status != http.StatusOK || res.raw != "{\"success\":true}\n") {
			t.Fatalf("chunk %d of %d: status %d %s, want 200 {\"success\":true}", i, parts, res.status, res.raw)
		}
	}
	return res
}

// wantFineSuccess checks a final reply, and that the reference it holds
// gives site's form the whole file.
func wantFineSuccess(t *testing.T, site *storetest.Site, field string, res fineReply, name string, data []byte) {
	t.Helper()
	if res.status != http.StatusOK || !res.Success || res.Stored == "" || res.Error != "" {
		t.Fatalf("final reply: status %d %s", res.status, res.raw)
	}
	if res.Filename != name || res.Size != int64(len(data)) || res.Type == "" {
		t.Errorf("final reply %s, want %q of %d bytes with a type", res.raw, name, len(data))
	}
	if got := readKept(t, site, field, res.Stored); !bytes.Equal(got, data) {
		t.Fatalf("kept file holds %d bytes that differ from the %d sent", len(got), len(data))
	}
}

// forgetReceipts removes the receipts in bucket, as if the server that
// stored the last chunk had stopped before it answered.
func forgetReceipts(t *testing.T, srv *s3test.Server, bucket string) {
	t.Helper()
	n := 0
	for _, key := range srv.Objects(t, bucket, "") {
		if !strings.Contains(key, ".receipt") {
			continue
		}
		if _, err := srv.Client().DeleteObject(t.Context(), &awss3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}); err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n == 0 {
		t.Fatalf("no receipt in the bucket: %q", srv.Objects(t, bucket, ""))
	}
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.NewChaCha8([32]byte{byte(n), byte(n >> 8), byte(n >> 16)}).Read(b)
	return b
}

// On S3 the store's id of an upload is not the name it was created with
// (s3store appends the multipart upload's id): two servers sharing a bucket
// still find it from (owner, qquuid). The last chunk sent again after the
// upload completed (its reply lost) finds it complete.
func TestFineS3AcrossServers(t *testing.T) {
	stores, srv, bucket := s3Stores(t, 2)
	var sites []*storetest.Site
	for _, s := range stores {
		sites = append(sites, storetest.NewSite(t, sticky.Config{Store: s, Locker: s.Locker(), MaxSize: 32 << 20}))
	}
	a, b := sites[0], sites[1]
	const uuid = "5a1c0e9e-8f2b-4c55-9a1e-2f6f3c1b7d40"
	data := randomBytes(11 << 20)
	const partSize = 5 << 20
	res := fineSend(t, sites, uuid, "file", "big.bin", data, partSize)
	wantFineSuccess(t, b, "file", res, "big.bin", data)

	again := fineChunk(t, b, uuid, "file", "big.bin", data, partSize, 2)
	wantFineSuccess(t, a, "file", again, "big.bin", data)

	// A server that stopped after the last bytes were stored, before it
	// answered, left no receipt: the last chunk sent again finishes the
	// upload, which S3 completed already, and accepts it.
	forgetReceipts(t, srv, bucket)
	again = fineChunk(t, a, uuid, "file", "big.bin", data, partSize, 2)
	wantFineSuccess(t, b, "file", again, "big.bin", data)

	if res := fineDo(t, a, http.MethodDelete, uuid, "", nil); res.status != http.StatusOK {
		t.Fatalf("delete: %d %s", res.status, res.raw)
	}
	wantEmpty(t, srv, bucket)

	// Fine Uploader's default chunks, 2 MB, are below S3's smallest part:
	// the store keeps them aside until a part is full.
	const small = 2_000_000
	data = randomBytes(7 << 20)
	res = fineSend(t, sites, "0c6f3b1e-2d4a-4f7b-8e9c-1a2b3c4d5e6f", "file", "small.bin", data, small)
	wantFineSuccess(t, a, "file", res, "small.bin", data)
}
