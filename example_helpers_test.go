package sticky_test

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/stickyuploads/sticky"
)

func mustDisk(dir string) *sticky.DiskStore {
	s, err := sticky.NewDiskStore(dir)
	if err != nil {
		panic(err)
	}
	return s
}

// multipartBody builds a form post with the given values and, when field is
// not empty, one file.
func multipartBody(values map[string]string, field, name, content string) (io.Reader, string) {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, v := range values {
		mw.WriteField(k, v)
	}
	if field != "" {
		w, _ := mw.CreateFormFile(field, name)
		io.WriteString(w, content)
	}
	mw.Close()
	return &b, mw.FormDataContentType()
}

func do(h http.Handler, path, ctype string, body io.Reader) string {
	r := httptest.NewRequest("POST", path, body)
	r.Header.Set("Content-Type", ctype)
	r.Header.Set("X-Demo-User", "alice")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Body.String()
}

func between(s, start, end string) string {
	_, after, _ := strings.Cut(s, start)
	v, _, _ := strings.Cut(after, end)
	return v
}
