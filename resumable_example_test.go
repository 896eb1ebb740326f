package sticky_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"

	"github.com/stickyuploads/sticky"
)

// A tus client (tus-js-client, Uppy, the client script for big files)
// uploads to TusURL, naming the sticky field in the metadata; the request
// that completes the upload is answered with the reference, which the form
// then posts like any other.
func ExampleUploader_TusURL() {
	dir, _ := os.MkdirTemp("", "uploads")
	defer os.RemoveAll(dir)
	up, err := sticky.New(sticky.Config{
		Keys:     [][]byte{[]byte("an example key of at least 32 bytes!")},
		Identity: currentUser,
		Store:    mustDisk(dir),
	})
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/uploads/", up)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	// What a tus client sends, by hand: creation, then the bytes in chunks.
	data := "a file big enough to go in chunks\n"
	tus := func(method, url string, h map[string]string, body string) *http.Response {
		req, _ := http.NewRequest(method, url, strings.NewReader(body))
		req.Header.Set("Tus-Resumable", "1.0.0")
		req.Header.Set("X-Demo-User", "alice")
		for k, v := range h {
			req.Header.Set(k, v)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			log.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	b64 := base64.StdEncoding.EncodeToString
	res := tus("POST", srv.URL+up.TusURL(), map[string]string{
		"Upload-Length":   strconv.Itoa(len(data)),
		"Upload-Metadata": "field " + b64([]byte("file")) + ",filename " + b64([]byte("notes.txt")),
	}, "")
	upload := srv.URL + res.Header.Get("Location")
	fmt.Println(res.StatusCode, strings.HasPrefix(res.Header.Get("Location"), up.TusURL()))
	for offset := 0; offset < len(data); offset += 16 {
		res = tus("PATCH", upload, map[string]string{
			"Upload-Offset": strconv.Itoa(offset),
			"Content-Type":  "application/offset+octet-stream",
		}, data[offset:min(offset+16, len(data))])
		fmt.Println(res.StatusCode, res.Header.Get("Upload-Offset"), res.Header.Get(sticky.RefHeader) != "")
	}
	var reply struct{ Filename, Type, Stored string }
	json.Unmarshal([]byte(res.Header.Get(sticky.ReplyHeader)), &reply)
	fmt.Println(reply.Filename, reply.Type, reply.Stored == res.Header.Get(sticky.RefHeader))

	// The form posts the reference in the field's hidden input, _file.
	body, ctype := multipartBody(map[string]string{"_file": res.Header.Get(sticky.RefHeader)}, "", "", "")
	r := httptest.NewRequest("POST", "/documents/new", body)
	r.Header.Set("Content-Type", ctype)
	r.Header.Set("X-Demo-User", "alice")
	form, err := up.ReadForm(httptest.NewRecorder(), r)
	if err != nil {
		log.Fatal(err)
	}
	f, err := form.File("file")
	fmt.Println(f.Name, f.Size, f.Type, err)
	// Output:
	// 201 true
	// 204 16 false
	// 204 32 false
	// 204 34 true
	// notes.txt text/plain true
	// notes.txt 34 text/plain <nil>
}
