package s3_test

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"
	"testing"

	"github.com/stickyuploads/sticky"
	"github.com/stickyuploads/sticky/internal/s3test"
	"github.com/stickyuploads/sticky/s3"
	"github.com/stickyuploads/sticky/storetest"
)

// Fine Uploader's chunks go through tusd's engine over S3 as tus requests
// do: two servers sharing the bucket and its lock take the chunks in turn,
// find the upload by the name of its qquuid (the store's id carries the
// multipart upload's id after it), answer the last chunk again from the
// receipt, and delete the file with all it left.
func TestS3FineChunks(t *testing.T) {
	srv := s3test.Start(t)
	bucket := srv.NewBucket(t)
	srv.SetEnv(t)
	store, err := s3.NewStore(t.Context(), s3.Config{Bucket: bucket, Endpoint: srv.Endpoint, PathStyle: true})
	if err != nil {
		t.Fatal(err)
	}
	sites := []*storetest.Site{
		storetest.NewSite(t, sticky.Config{Store: store, Locker: store.Locker()}),
		storetest.NewSite(t, sticky.Config{Store: store, Locker: store.Locker()}),
	}
	const uuid = "0c4f3d5e-1a2b-4c3d-8e9f-a0b1c2d3e4f5"
	data := bytes.Repeat([]byte("a line of the report\n"), 1_000)
	const partSize = 8_000
	parts := (len(data) + partSize - 1) / partSize
	send := func(site *storetest.Site, part int) (int, map[string]any) {
		start, end := part*partSize, min((part+1)*partSize, len(data))
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		for _, kv := range [][2]string{
			{"field", "doc"}, {"qquuid", uuid}, {"qqfilename", "report.txt"},
			{"qqpartindex", strconv.Itoa(part)}, {"qqtotalparts", strconv.Itoa(parts)},
			{"qqpartbyteoffset", strconv.Itoa(start)}, {"qqchunksize", strconv.Itoa(end - start)},
			{"qqtotalfilesize", strconv.Itoa(len(data))},
		} {
			mw.WriteField(kv[0], kv[1])
		}
		fw, _ := mw.CreateFormFile("qqfile", "blob")
		fw.Write(data[start:end])
		mw.Close()
		res, err := http.Post(site.URL+"fine/", mw.FormDataContentType(), &b)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var rep map[string]any
		if err := json.NewDecoder(res.Body).Decode(&rep); err != nil {
			t.Fatal(err)
		}
		return res.StatusCode, rep
	}
	var rep map[string]any
	for i := range parts {
		var status int
		status, rep = send(sites[i%2], i)
		if status != 200 || rep["success"] != true {
			t.Fatalf("chunk %d of %d: %d %v", i, parts, status, rep)
		}
	}
	_, again := send(sites[0], parts-1)
	if again["stored"] == nil || again["size"] != rep["size"] || again["type"] != "text/plain" {
		t.Errorf("the last chunk again: %v, first %v", again, rep)
	}
	f, err := sites[1].Kept(t.Context(), "doc", rep["stored"].(string))
	if err != nil {
		t.Fatalf("the kept file: %v", err)
	}
	rc, err := f.Open(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	rc.Close()
	if !bytes.Equal(got, data) {
		t.Fatalf("the kept file holds %d bytes that differ from the %d sent", len(got), len(data))
	}

	r, _ := http.NewRequest(http.MethodDelete, sites[1].URL+"fine/"+uuid, nil)
	res, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("delete: %d", res.StatusCode)
	}
	if objs := srv.Objects(t, bucket, ""); len(objs) != 0 {
		t.Errorf("after the deletion the bucket holds %q", objs)
	}
	if n := len(srv.MultipartUploads(t, bucket, "")); n != 0 {
		t.Errorf("%d multipart uploads left", n)
	}
}
