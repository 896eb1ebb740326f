package sticky

// The bad-input table: hostile requests sent through the real HTTP stack
// to the one-shot endpoint, the resumable (tus) endpoint, the Fine Uploader
// endpoint and a form handler built on ReadForm and Form.File. Every row
// states the status, checks the person-readable message in the shape its
// endpoint answers with, and checks what the temporary store holds after.

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/stickyuploads/sticky/thumbnail"
)

// hEnv is one Uploader on a test server, with a form handler at /form.
type hEnv struct {
	up  *Uploader
	dir string
	srv *httptest.Server
}

func newHEnv(t *testing.T, c Config) *hEnv {
	t.Helper()
	if c.Accept == nil {
		c.Accept = []string{"image/*", ".txt", ".pdf"}
	}
	if c.MaxSize == 0 {
		c.MaxSize = 4096
	}
	if c.TTL == 0 {
		c.TTL = time.Hour
	}
	up, dir := newTestUploader(t, c)
	mux := http.NewServeMux()
	mux.Handle(up.path, up)
	mux.HandleFunc("/form", func(w http.ResponseWriter, r *http.Request) {
		form, err := up.ReadForm(w, r)
		if err == nil {
			var f *File
			if f, err = form.File("doc"); err == nil {
				writeJSON(w, http.StatusOK, replyOf(f))
				return
			}
		}
		w.Header().Set("X-Kind", kindOf(err))
		writeError(w, r, err)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &hEnv{up: up, dir: dir, srv: srv}
}

// kindOf names the sentinel an error wraps.
func kindOf(err error) string {
	for _, k := range []error{ErrNoFile, ErrTooLarge, ErrType, ErrEmpty, ErrMalformed, ErrNotAllowed, ErrInvalidRef,
		ErrExpired, ErrNotOwner, ErrWrongField, ErrGone, ErrStoreUnavailable, ErrStoreFull, ErrRateLimited} {
		if errors.Is(err, k) {
			return k.Error()
		}
	}
	return "other"
}

type hResp struct {
	status int
	header http.Header
	body   []byte
}

// send makes one request with Go's client.
func (e *hEnv) send(t *testing.T, method, path, user, ctype string, body []byte, hdr ...string) hResp {
	t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if user != "" {
		req.Header.Set("X-User", user)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return hResp{res.StatusCode, res.Header, b}
}

// raw writes req on a connection of its own, half-closes it when
// closeWrite, and reads the first response.
func (e *hEnv) raw(t *testing.T, req string, closeWrite bool) hResp {
	t.Helper()
	c, err := net.Dial("tcp", e.srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	if closeWrite {
		c.(*net.TCPConn).CloseWrite()
	}
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("reading the response: %v", err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return hResp{res.StatusCode, res.Header, b}
}

// oneShot posts field then file to the one-shot endpoint as user.
func (e *hEnv) oneShot(t *testing.T, user, name string, data []byte, hdr ...string) hResp {
	t.Helper()
	body, ct := mpBody(t, mpField("field", "doc"), mpFile("upload", name, data))
	return e.send(t, http.MethodPost, e.up.path, user, ct, body.Bytes(), hdr...)
}

// keep uploads a fixture through the one-shot endpoint and returns its
// upload id and reference.
func (e *hEnv) keep(t *testing.T, name string, data []byte) (id, ref string) {
	t.Helper()
	r := e.oneShot(t, "alice", name, data)
	var rep reply
	if err := json.Unmarshal(r.body, &rep); err != nil || r.status != 200 {
		t.Fatalf("fixture upload: %d %s", r.status, r.body)
	}
	c, err := e.up.sign.verify(rep.Stored, "alice", scopeOf(e.up.path, "doc"))
	if err != nil {
		t.Fatal(err)
	}
	return c.ID, rep.Stored
}

// form posts a multipart form to /form as user.
func (e *hEnv) form(t *testing.T, user string, parts ...mpPart) hResp {
	t.Helper()
	body, ct := mpBody(t, parts...)
	return e.send(t, http.MethodPost, "/form", user, ct, body.Bytes())
}

// tus sends a tus request to the resumable endpoint; path is below it.
func (e *hEnv) tus(t *testing.T, method, path, user string, body []byte, hdr ...string) hResp {
	t.Helper()
	hdr = append([]string{"Tus-Resumable", "1.0.0"}, hdr...)
	ct := ""
	if method == http.MethodPatch {
		ct = "application/offset+octet-stream"
	}
	return e.send(t, method, e.up.TusURL()+path, user, ct, body, hdr...)
}

func tusMeta(kv ...string) string {
	var parts []string
	for i := 0; i+1 < len(kv); i += 2 {
		parts = append(parts, kv[i]+" "+base64.StdEncoding.EncodeToString([]byte(kv[i+1])))
	}
	return strings.Join(parts, ",")
}

// tusCreate creates an upload of length n for field doc and returns its
// path below the resumable endpoint.
func (e *hEnv) tusCreate(t *testing.T, user, name string, n int) string {
	t.Helper()
	r := e.tus(t, http.MethodPost, "", user, nil, "Upload-Length", strconv.Itoa(n), "Upload-Metadata", tusMeta("field", "doc", "filename", name))
	if r.status != http.StatusCreated {
		t.Fatalf("creating a tus upload: %d %s", r.status, r.body)
	}
	loc := r.header.Get("Location")
	return loc[strings.LastIndex(loc, "/")+1:]
}

func (e *hEnv) fine(t *testing.T, user string, data []byte, name string, hdr ...string) hResp {
	t.Helper()
	body, ct := mpBody(t, fineParts([][2]string{{"field", "doc"}, {"qquuid", "7f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"}, {"qqfilename", name}, {"qqtotalfilesize", strconv.Itoa(len(data))}}, name, data)...)
	return e.send(t, http.MethodPost, e.up.path+"fine/", user, ct, body.Bytes(), hdr...)
}

// Endpoint shapes.
const (
	oneShotShape = "one-shot" // {"is_valid":false,"errors":{"upload":[...]}}
	fineShape    = "fine"     // {"success":false,"error":...}
	formShape    = "form"     // the one-shot shape, with X-Kind
)

// wantSentence checks that msg is a sentence for a person.
func wantSentence(t *testing.T, msg string) {
	t.Helper()
	r, _ := utf8.DecodeRuneInString(msg)
	if len(msg) < 8 || !unicode.IsUpper(r) || !strings.HasSuffix(msg, ".") || strings.Contains(msg, "sticky:") || strings.Contains(strings.ToLower(msg), "err_") {
		t.Errorf("message %q is not a sentence for a person", msg)
	}
}

// errorMessage checks the shape of a failed reply and returns its message.
func errorMessage(t *testing.T, shape string, r hResp) string {
	t.Helper()
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q, want JSON; body %q", ct, r.body)
	}
	if shape == fineShape {
		var rep struct {
			Success *bool   `json:"success"`
			Error   *string `json:"error"`
		}
		if err := json.Unmarshal(r.body, &rep); err != nil || rep.Success == nil || *rep.Success || rep.Error == nil {
			t.Fatalf("reply %q is not {\"success\":false,\"error\":...}", r.body)
		}
		return *rep.Error
	}
	var rep struct {
		Valid  *bool               `json:"is_valid"`
		Errors map[string][]string `json:"errors"`
	}
	if err := json.Unmarshal(r.body, &rep); err != nil || rep.Valid == nil || *rep.Valid || len(rep.Errors["upload"]) != 1 || len(rep.Errors) != 1 {
		t.Fatalf("reply %q is not {\"is_valid\":false,\"errors\":{\"upload\":[...]}}", r.body)
	}
	return rep.Errors["upload"][0]
}

// pngBomb is a valid PNG header claiming side × side pixels: a few
// hundred bytes that would decode to gigabytes.
func pngBomb(t testing.TB, side uint32) []byte {
	b := pngBytes(t)
	// IHDR: length(4) "IHDR"(4) width(4) height(4) ... CRC over type+data.
	binary.BigEndian.PutUint32(b[16:], side)
	binary.BigEndian.PutUint32(b[20:], side)
	binary.BigEndian.PutUint32(b[29:], crc32.ChecksumIEEE(b[12:29]))
	return b
}

var (
	elfExe    = append([]byte("\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x3e\x00"), bytes.Repeat([]byte{0}, 100)...)
	peBytes   = append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"), bytes.Repeat([]byte{0}, 100)...)
	htmlBytes = []byte("<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>\n")
	svgBytes  = []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>`)
	// GIF header then JavaScript: a browser told it is a script runs it.
	gifJS = []byte("GIF89a/*\x01\x00\x01\x00\x00\x00\x00*/=1;alert(document.domain);//;")
	// HTML first, a PDF after it: a browser sniffing it renders the HTML.
	pdfHTML = []byte("<html><body><script>alert(1)</script></body></html>\n%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
	txt     = []byte("plain text, nothing more\n")
)

type hostileCase struct {
	name   string
	cfg    Config
	shape  string
	status int
	kind   string // for the form: the sentinel of Form.File's or ReadForm's error
	// keep is how many uploads (a data file and its .info) the store may
	// hold afterwards: fixtures the case made on purpose, or an upload
	// accepted under a cleaned name.
	keep int
	do   func(t *testing.T, e *hEnv) hResp
	// check, when set, checks a successful reply.
	check func(t *testing.T, e *hEnv, r hResp)
}

// wantName checks that a hostile name was accepted, stored under an id and
// shown cleaned.
func wantName(want string) func(t *testing.T, e *hEnv, r hResp) {
	return func(t *testing.T, e *hEnv, r hResp) {
		var rep reply
		if err := json.Unmarshal(r.body, &rep); err != nil || !rep.Valid {
			t.Fatalf("reply %q", r.body)
		}
		if want != "" && rep.Filename != want {
			t.Errorf("display name %q, want %q", rep.Filename, want)
		}
		if rep.Filename != CleanName(rep.Filename) || strings.ContainsAny(rep.Filename, "/\\\x00\u202e") || len(rep.Filename) > 200 {
			t.Errorf("display name %q is not clean", rep.Filename)
		}
		for _, f := range storeFiles(t, e.dir) {
			base := filepath.Base(f)
			if !strings.HasPrefix(f, e.dir) || !isHexID(strings.TrimSuffix(base, ".info")) {
				t.Errorf("stored file %q is not named by an id", f)
			}
		}
	}
}

func isHexID(s string) bool {
	if len(s) < 16 {
		return false
	}
	for _, c := range s {
		if !strings.ContainsRune("0123456789abcdef-", c) {
			return false
		}
	}
	return true
}

func hostileCases(t *testing.T) []hostileCase {
	png := pngBytes(t)
	bomb := pngBomb(t, 100_000)
	thumbs := Config{Processors: []Processor{Derive(thumbnail.Spec{Width: 64, Height: 64, MaxPixels: 1 << 20})}}
	mp := func(body string) string { // a multipart body with boundary XyZ, CRLF framed
		return strings.ReplaceAll(body, "\n", "\r\n")
	}
	field := "--XyZ\nContent-Disposition: form-data; name=\"field\"\n\ndoc\n"
	fileHead := "--XyZ\nContent-Disposition: form-data; name=\"upload\"; filename=\"a.txt\"\nContent-Type: text/plain\n\n"
	rawPost := func(path, ctype, body string, cl int) string {
		return fmt.Sprintf("POST %s HTTP/1.1\r\nHost: x\r\nX-User: alice\r\nContent-Type: %s\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", path, ctype, cl, body)
	}
	oneShot := func(name string, data []byte) func(t *testing.T, e *hEnv) hResp {
		return func(t *testing.T, e *hEnv) hResp { return e.oneShot(t, "alice", name, data) }
	}
	fine := func(name string, data []byte) func(t *testing.T, e *hEnv) hResp {
		return func(t *testing.T, e *hEnv) hResp { return e.fine(t, "alice", data, name) }
	}
	formFile := func(name string, data []byte) func(t *testing.T, e *hEnv) hResp {
		return func(t *testing.T, e *hEnv) hResp { return e.form(t, "alice", mpFile("doc", name, data)) }
	}
	formRef := func(mint func(e *hEnv, id string) string) func(t *testing.T, e *hEnv) hResp {
		return func(t *testing.T, e *hEnv) hResp {
			id, _ := e.keep(t, "kept.txt", txt)
			return e.form(t, "alice", mpField("_doc", mint(e, id)))
		}
	}
	const MB = 1 << 20
	return []hostileCase{
		// ---- framing of the one-shot endpoint ----
		{name: "not multipart", shape: oneShotShape, status: 400, do: func(t *testing.T, e *hEnv) hResp {
			return e.send(t, "POST", e.up.path, "alice", "text/plain", txt)
		}},
		{name: "multipart without boundary", shape: oneShotShape, status: 400, do: func(t *testing.T, e *hEnv) hResp {
			return e.raw(t, rawPost(e.up.path, "multipart/form-data", mp(field), len(mp(field))), false)
		}},
		{name: "malformed multipart", shape: oneShotShape, status: 400, do: func(t *testing.T, e *hEnv) hResp {
			b := "this is not multipart at all\r\n--XyZ-nope\r\n\r\n\x00\x01"
			return e.raw(t, rawPost(e.up.path, "multipart/form-data; boundary=XyZ", b, len(b)), false)
		}},
		{name: "part header without colon", shape: oneShotShape, status: 400, do: func(t *testing.T, e *hEnv) hResp {
			b := mp(field + "--XyZ\nContent-Disposition form-data name=upload\n\nabc\n--XyZ--\n")
			return e.raw(t, rawPost(e.up.path, "multipart/form-data; boundary=XyZ", b, len(b)), false)
		}},
		{name: "truncated multipart (no closing boundary)", shape: oneShotShape, status: 400, do: func(t *testing.T, e *hEnv) hResp {
			b := mp(field + fileHead + "half of a fi")
			return e.raw(t, rawPost(e.up.path, "multipart/form-data; boundary=XyZ", b, len(b)), false)
		}},
		{name: "Content-Length shorter than the body", shape: oneShotShape, status: 400, do: func(t *testing.T, e *hEnv) hResp {
			b := mp(field + fileHead + "all of the file\n--XyZ--\n")
			return e.raw(t, rawPost(e.up.path, "multipart/form-data; boundary=XyZ", b, len(b)-30), false)
		}},
		{name: "Content-Length longer than the body", shape: oneShotShape, status: 400, do: func(t *testing.T, e *hEnv) hResp {
			b := mp(field + fileHead + "all of the file, and then the client stops")
			return e.raw(t, rawPost(e.up.path, "multipart/form-data; boundary=XyZ", b, len(b)+500), true)
		}},
		{name: "Content-Length longer than a complete multipart body", shape: oneShotShape, status: 200, keep: 1, do: func(t *testing.T, e *hEnv) hResp {
			// The multipart message ends whole: the file is all there.
			b := mp(field + fileHead + "all of the file\n--XyZ--\n")
			return e.raw(t, rawPost(e.up.path, "multipart/form-data; boundary=XyZ", b, len(b)+500), true)
		}, check: wantName("a.txt")},
		{name: "duplicate upload parts", shape: oneShotShape, status: 400, do: func(t *testing.T, e *hEnv) hResp {
			body, ct := mpBody(t, mpField("field", "doc"), mpFile("upload", "a.txt", txt), mpFile("upload", "b.txt", txt))
			return e.send(t, "POST", e.up.path, "alice", ct, body.Bytes())
		}},
		{name: "parts beyond the limit", shape: oneShotShape, status: 400, do: func(t *testing.T, e *hEnv) hResp {
			parts := []mpPart{mpField("field", "doc"), mpFile("upload", "a.txt", txt)}
			for i := range maxUploadParts {
				parts = append(parts, mpField(fmt.Sprintf("x%d", i), "y"))
			}
			body, ct := mpBody(t, parts...)
			return e.send(t, "POST", e.up.path, "alice", ct, body.Bytes())
		}},
		{name: "part header over 10 KB and the body cap", shape: oneShotShape, status: 413, do: func(t *testing.T, e *hEnv) hResp {
			b := mp(field+"--XyZ\nX-Junk: ") + strings.Repeat("j", 100<<10) + mp("\nContent-Disposition: form-data; name=\"upload\"; filename=\"a.txt\"\n\nabc\n--XyZ--\n")
			return e.raw(t, rawPost(e.up.path, "multipart/form-data; boundary=XyZ", b, len(b)), false)
		}},
		{name: "part header of 12 KB within the cap is harmless", shape: oneShotShape, status: 200, keep: 1, do: func(t *testing.T, e *hEnv) hResp {
			b := mp(field+"--XyZ\nX-Junk: ") + strings.Repeat("j", 12<<10) + mp("\nContent-Disposition: form-data; name=\"upload\"; filename=\"a.txt\"\n\nplain text\n--XyZ--\n")
			return e.raw(t, rawPost(e.up.path, "multipart/form-data; boundary=XyZ", b, len(b)), false)
		}, check: wantName("a.txt")},
		{name: "oversize file", shape: oneShotShape, status: 413, do: oneShot("big.txt", bytes.Repeat([]byte("a"), 4097))},
		{name: "oversize body (far over the cap)", shape: oneShotShape, status: 413, do: oneShot("big.txt", bytes.Repeat([]byte("a"), MB))},
		{name: "empty file", shape: oneShotShape, status: 400, do: oneShot("empty.txt", nil)},
		{name: "no file part", shape: oneShotShape, status: 400, do: func(t *testing.T, e *hEnv) hResp {
			body, ct := mpBody(t, mpField("field", "doc"))
			return e.send(t, "POST", e.up.path, "alice", ct, body.Bytes())
		}},
		{name: "no field part", shape: oneShotShape, status: 400, do: func(t *testing.T, e *hEnv) hResp {
			body, ct := mpBody(t, mpFile("upload", "a.txt", txt))
			return e.send(t, "POST", e.up.path, "alice", ct, body.Bytes())
		}},
		{name: "field name with control characters", shape: oneShotShape, status: 400, do: func(t *testing.T, e *hEnv) hResp {
			body, ct := mpBody(t, mpField("field", "doc\x00\x1b[2J"), mpFile("upload", "a.txt", txt))
			return e.send(t, "POST", e.up.path, "alice", ct, body.Bytes())
		}},
		// ---- types ----
		{name: "wrong type (zip)", shape: oneShotShape, status: 415, do: oneShot("a.zip", docxBytes(t))},
		{name: "ELF executable named .jpg", shape: oneShotShape, status: 415, do: oneShot("photo.jpg", elfExe)},
		{name: "PE executable named .jpg", shape: oneShotShape, status: 415, do: oneShot("photo.jpg", peBytes)},
		{name: "HTML named .txt", shape: oneShotShape, status: 415, do: oneShot("notes.txt", htmlBytes)},
		{name: "SVG with script as an image", shape: oneShotShape, status: 415, do: oneShot("logo.svg", svgBytes)},
		{name: "HTML/PDF polyglot named .pdf", shape: oneShotShape, status: 415, do: oneShot("doc.pdf", pdfHTML)},
		{name: "GIF/JS polyglot where only text is accepted", cfg: Config{Accept: []string{".txt"}}, shape: oneShotShape, status: 415, do: oneShot("x.txt", gifJS)},
		{name: "GIF/JS polyglot named .js is typed by its bytes", shape: oneShotShape, status: 200, keep: 1, do: oneShot("x.js", gifJS), check: func(t *testing.T, e *hEnv, r hResp) {
			if !bytes.Contains(r.body, []byte(`"type":"image/gif"`)) {
				t.Errorf("polyglot not typed image/gif: %s", r.body)
			}
		}},
		{name: "GIF/JS polyglot as an image, thumbnailed", cfg: thumbs, shape: oneShotShape, status: 422, do: oneShot("x.gif", gifJS)},
		{name: "decompression bomb through the thumbnail processor", cfg: thumbs, shape: oneShotShape, status: 422, do: oneShot("bomb.png", bomb)},
		// ---- names: stored under ids, shown cleaned ----
		{name: "path traversal ../", shape: oneShotShape, status: 200, keep: 1, do: oneShot("../../../etc/passwd.png", png), check: wantName("passwd.png")},
		{name: "absolute path", shape: oneShotShape, status: 200, keep: 1, do: oneShot("/var/www/html/shell.png", png), check: wantName("shell.png")},
		{name: "Windows path", shape: oneShotShape, status: 200, keep: 1, do: oneShot(`C:\Windows\System32\evil.png`, png), check: wantName("evil.png")},
		{name: "UNC path", shape: oneShotShape, status: 200, keep: 1, do: oneShot(`\\server\share\..\x.png`, png), check: wantName("x.png")},
		{name: "reserved name CON", shape: oneShotShape, status: 200, keep: 1, do: oneShot("CON", png), check: wantName("")},
		{name: "reserved name NUL.png", shape: oneShotShape, status: 200, keep: 1, do: oneShot("NUL.png", png), check: wantName("")},
		{name: "reserved name .htaccess", shape: oneShotShape, status: 200, keep: 1, do: oneShot(".htaccess", png), check: wantName("")},
		{name: "raw control characters in the part header", shape: oneShotShape, status: 400, do: oneShot("a\x01b\x7fc\x1b[31m.png", png)},
		{name: "encoded control characters in the name (filename*)", shape: oneShotShape, status: 200, keep: 1, do: func(t *testing.T, e *hEnv) hResp {
			b := mp(field+"--XyZ\nContent-Disposition: form-data; name=\"upload\"; filename*=UTF-8''a%01b%7Fc%1B%5B31m%00%0A.png\n\n") + string(png) + mp("\n--XyZ--\n")
			return e.raw(t, rawPost(e.up.path, "multipart/form-data; boundary=XyZ", b, len(b)), false)
		}, check: wantName("")},
		{name: "bidi override in the name", shape: oneShotShape, status: 200, keep: 1, do: oneShot("photo\u202egnp.exe", png), check: wantName("")},
		{name: "over-long name", shape: oneShotShape, status: 200, keep: 1, do: oneShot(strings.Repeat("n", 10_000)+".png", png), check: func(t *testing.T, e *hEnv, r hResp) {
			wantName("")(t, e, r)
			if !bytes.Contains(r.body, []byte(`.png"`)) {
				t.Errorf("long name lost its extension: %s", r.body)
			}
		}},
		// ---- who, where from, how ----
		{name: "unauthenticated one-shot", shape: oneShotShape, status: 403, do: func(t *testing.T, e *hEnv) hResp { return e.oneShot(t, "", "a.txt", txt) }},
		{name: "cross-site one-shot (Sec-Fetch-Site)", shape: oneShotShape, status: 403, do: func(t *testing.T, e *hEnv) hResp {
			return e.oneShot(t, "alice", "a.txt", txt, "Sec-Fetch-Site", "cross-site")
		}},
		{name: "foreign Origin one-shot", shape: oneShotShape, status: 403, do: func(t *testing.T, e *hEnv) hResp {
			return e.oneShot(t, "alice", "a.txt", txt, "Origin", "https://evil.example")
		}},
		{name: "GET on the one-shot endpoint", shape: oneShotShape, status: 405, do: func(t *testing.T, e *hEnv) hResp {
			return e.send(t, "GET", e.up.path, "alice", "", nil)
		}},
		{name: "PUT on the one-shot endpoint", shape: oneShotShape, status: 405, do: func(t *testing.T, e *hEnv) hResp {
			return e.send(t, "PUT", e.up.path, "alice", "text/plain", txt)
		}},
		{name: "rate limit", cfg: Config{RateLimit: 1}, shape: oneShotShape, status: 429, keep: 1, do: func(t *testing.T, e *hEnv) hResp {
			e.keep(t, "first.txt", txt)
			r := e.oneShot(t, "alice", "second.txt", txt)
			if ra, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || ra < 1 {
				t.Errorf("Retry-After %q, want whole seconds", r.header.Get("Retry-After"))
			}
			return r
		}},
		// ---- Fine Uploader ----
		{name: "Fine: unauthenticated", shape: fineShape, status: 403, do: func(t *testing.T, e *hEnv) hResp { return e.fine(t, "", txt, "a.txt") }},
		{name: "Fine: cross-site", shape: fineShape, status: 403, do: func(t *testing.T, e *hEnv) hResp {
			return e.fine(t, "alice", txt, "a.txt", "Sec-Fetch-Site", "cross-site")
		}},
		{name: "Fine: foreign Origin", shape: fineShape, status: 403, do: func(t *testing.T, e *hEnv) hResp {
			return e.fine(t, "alice", txt, "a.txt", "Origin", "https://evil.example")
		}},
		{name: "Fine: ELF named .jpg", shape: fineShape, status: 415, do: fine("photo.jpg", elfExe)},
		{name: "Fine: oversize file", shape: fineShape, status: 413, do: fine("big.txt", bytes.Repeat([]byte("a"), 5000))},
		{name: "Fine: empty file", shape: fineShape, status: 400, do: fine("empty.txt", nil)},
		{name: "Fine: multipart without boundary", shape: fineShape, status: 400, do: func(t *testing.T, e *hEnv) hResp {
			return e.send(t, "POST", e.up.path+"fine/", "alice", "multipart/form-data", txt)
		}},
		{name: "Fine: GET", shape: fineShape, status: 405, do: func(t *testing.T, e *hEnv) hResp {
			return e.send(t, "GET", e.up.path+"fine/", "alice", "", nil)
		}},
		{name: "Fine: decompression bomb", cfg: thumbs, shape: fineShape, status: 422, do: fine("bomb.png", bomb)},
		// ---- tus ----
		{name: "tus: unauthenticated", shape: oneShotShape, status: 403, do: func(t *testing.T, e *hEnv) hResp {
			return e.tus(t, "POST", "", "", nil, "Upload-Length", "10", "Upload-Metadata", tusMeta("field", "doc", "filename", "a.txt"))
		}},
		{name: "tus: cross-site", shape: oneShotShape, status: 403, do: func(t *testing.T, e *hEnv) hResp {
			return e.tus(t, "POST", "", "alice", nil, "Upload-Length", "10", "Upload-Metadata", tusMeta("field", "doc"), "Sec-Fetch-Site", "cross-site")
		}},
		{name: "tus: foreign Origin", shape: oneShotShape, status: 403, do: func(t *testing.T, e *hEnv) hResp {
			return e.tus(t, "POST", "", "alice", nil, "Upload-Length", "10", "Upload-Metadata", tusMeta("field", "doc"), "Origin", "https://evil.example")
		}},
		{name: "tus: Upload-Length over the limit", shape: oneShotShape, status: 413, do: func(t *testing.T, e *hEnv) hResp {
			return e.tus(t, "POST", "", "alice", nil, "Upload-Length", "1000000", "Upload-Metadata", tusMeta("field", "doc", "filename", "a.txt"))
		}},
		{name: "tus: deferred length", shape: oneShotShape, status: 501, do: func(t *testing.T, e *hEnv) hResp {
			return e.tus(t, "POST", "", "alice", nil, "Upload-Defer-Length", "1", "Upload-Metadata", tusMeta("field", "doc", "filename", "a.txt"))
		}},
		{name: "tus: no field", shape: oneShotShape, status: 400, do: func(t *testing.T, e *hEnv) hResp {
			return e.tus(t, "POST", "", "alice", nil, "Upload-Length", "10", "Upload-Metadata", tusMeta("filename", "a.txt"))
		}},
		{name: "tus: wrong type on the first bytes", shape: oneShotShape, status: 415, do: func(t *testing.T, e *hEnv) hResp {
			id := e.tusCreate(t, "alice", "photo.jpg", len(elfExe))
			return e.tus(t, "PATCH", id, "alice", elfExe, "Upload-Offset", "0")
		}},
		{name: "tus: wrong type in creation-with-upload", shape: oneShotShape, status: 415, do: func(t *testing.T, e *hEnv) hResp {
			r := e.tus(t, "POST", "", "alice", peBytes, "Upload-Length", strconv.Itoa(len(peBytes)), "Upload-Metadata", tusMeta("field", "doc", "filename", "a.jpg"), "Content-Type", "application/offset+octet-stream")
			return r
		}},
		{name: "tus: offset that does not match", shape: oneShotShape, status: 409, keep: 1, do: func(t *testing.T, e *hEnv) hResp {
			id := e.tusCreate(t, "alice", "a.txt", 100)
			return e.tus(t, "PATCH", id, "alice", txt, "Upload-Offset", "10")
		}},
		{name: "tus: chunk past the declared length", shape: oneShotShape, status: 413, keep: 1, do: func(t *testing.T, e *hEnv) hResp {
			id := e.tusCreate(t, "alice", "a.txt", 10)
			return e.tus(t, "PATCH", id, "alice", textBytes(20), "Upload-Offset", "0")
		}},
		{name: "tus: PATCH without creation", shape: oneShotShape, status: 404, do: func(t *testing.T, e *hEnv) hResp {
			return e.tus(t, "PATCH", e.up.tusID("alice"), "alice", txt, "Upload-Offset", "0")
		}},
		{name: "tus: unknown id", shape: oneShotShape, status: 410, do: func(t *testing.T, e *hEnv) hResp {
			return e.tus(t, "PATCH", "deadbeef", "alice", txt, "Upload-Offset", "0")
		}},
		{name: "tus: another user's upload", shape: oneShotShape, status: 410, keep: 1, do: func(t *testing.T, e *hEnv) hResp {
			id := e.tusCreate(t, "alice", "a.txt", 100)
			return e.tus(t, "PATCH", id, "mallory", txt, "Upload-Offset", "0")
		}},
		{name: "tus: another user deletes", shape: oneShotShape, status: 410, keep: 1, do: func(t *testing.T, e *hEnv) hResp {
			id := e.tusCreate(t, "alice", "a.txt", 100)
			return e.tus(t, "DELETE", id, "mallory", nil)
		}},
		{name: "tus: GET (no downloads)", shape: oneShotShape, status: 405, keep: 1, do: func(t *testing.T, e *hEnv) hResp {
			id := e.tusCreate(t, "alice", "a.txt", 100)
			return e.tus(t, "GET", id, "alice", nil)
		}},
		{name: "tus: PUT on the collection", shape: oneShotShape, status: 405, do: func(t *testing.T, e *hEnv) hResp {
			return e.tus(t, "PUT", "", "alice", nil)
		}},
		{name: "tus: decompression bomb", cfg: thumbs, shape: oneShotShape, status: 422, do: func(t *testing.T, e *hEnv) hResp {
			return e.tus(t, "POST", "", "alice", bomb, "Upload-Length", strconv.Itoa(len(bomb)), "Upload-Metadata", tusMeta("field", "doc", "filename", "bomb.png"), "Content-Type", "application/offset+octet-stream")
		}},
		// ---- forms: ReadForm and Form.File ----
		{name: "form: unauthenticated file", shape: formShape, status: 403, kind: ErrNotAllowed.Error(), do: func(t *testing.T, e *hEnv) hResp {
			return e.form(t, "", mpFile("doc", "a.txt", txt))
		}},
		{name: "form: multipart without boundary", shape: formShape, status: 400, kind: ErrMalformed.Error(), do: func(t *testing.T, e *hEnv) hResp {
			return e.send(t, "POST", "/form", "alice", "multipart/form-data", txt)
		}},
		{name: "form: truncated multipart", shape: formShape, status: 400, kind: ErrMalformed.Error(), do: func(t *testing.T, e *hEnv) hResp {
			b := mp("--XyZ\nContent-Disposition: form-data; name=\"doc\"; filename=\"a.txt\"\n\nhalf a fi")
			return e.raw(t, rawPost("/form", "multipart/form-data; boundary=XyZ", b, len(b)), false)
		}},
		{name: "form: over MaxFormSize", cfg: Config{MaxFormSize: 16 << 10}, shape: formShape, status: 413, kind: ErrTooLarge.Error(), do: func(t *testing.T, e *hEnv) hResp {
			parts := []mpPart{}
			for i := range 8 {
				parts = append(parts, mpFile(fmt.Sprintf("f%d", i), "a.txt", textBytes(4000)))
			}
			return e.form(t, "alice", parts...)
		}},
		{name: "form: oversize file", shape: formShape, status: 413, kind: ErrTooLarge.Error(), do: formFile("big.txt", textBytes(5000))},
		{name: "form: ELF named .jpg", shape: formShape, status: 415, kind: ErrType.Error(), do: formFile("photo.jpg", elfExe)},
		{name: "form: empty file", shape: formShape, status: 400, kind: ErrEmpty.Error(), do: formFile("empty.txt", nil)},
		{name: "form: tampered reference", shape: formShape, status: 400, kind: ErrInvalidRef.Error(), keep: 1, do: formRef(func(e *hEnv, id string) string {
			ref := []byte(e.up.sign.sign(id, "alice", scopeOf(e.up.path, "doc"), time.Hour))
			ref[len(ref)/2] ^= 1
			return string(ref)
		})},
		{name: "form: reference to another upload id", shape: formShape, status: 400, kind: ErrInvalidRef.Error(), keep: 1, do: formRef(func(e *hEnv, id string) string {
			b, _ := base64.RawURLEncoding.DecodeString(e.up.sign.sign(id, "alice", scopeOf(e.up.path, "doc"), time.Hour))
			b[refHeadLen] ^= 1 // the id's first byte, MAC left alone
			return base64.RawURLEncoding.EncodeToString(b)
		})},
		{name: "form: expired reference", shape: formShape, status: 410, kind: ErrExpired.Error(), keep: 1, do: formRef(func(e *hEnv, id string) string {
			return e.up.sign.sign(id, "alice", scopeOf(e.up.path, "doc"), -time.Second)
		})},
		{name: "form: another user's reference", shape: formShape, status: 403, kind: ErrNotOwner.Error(), keep: 1, do: formRef(func(e *hEnv, id string) string {
			return e.up.sign.sign(id, "mallory", scopeOf(e.up.path, "doc"), time.Hour)
		})},
		{name: "form: reference for another field", shape: formShape, status: 400, kind: ErrWrongField.Error(), keep: 1, do: formRef(func(e *hEnv, id string) string {
			return e.up.sign.sign(id, "alice", scopeOf(e.up.path, "avatar"), time.Hour)
		})},
		{name: "form: reference for another endpoint", shape: formShape, status: 400, kind: ErrWrongField.Error(), keep: 1, do: formRef(func(e *hEnv, id string) string {
			return e.up.sign.sign(id, "alice", scopeOf("/other-uploads/", "doc"), time.Hour)
		})},
		{name: "form: reference signed with an unknown key", shape: formShape, status: 400, kind: ErrInvalidRef.Error(), keep: 1, do: formRef(func(e *hEnv, id string) string {
			s := signer{keys: [][]byte{[]byte("another-key-0123456789abcdef0123456789")}, now: time.Now}
			return s.sign(id, "alice", scopeOf(e.up.path, "doc"), time.Hour)
		})},
		{name: "form: reference to an incomplete tus upload", shape: formShape, status: 410, kind: ErrGone.Error(), keep: 1, do: func(t *testing.T, e *hEnv) hResp {
			id := e.tusCreate(t, "alice", "a.txt", 100)
			return e.form(t, "alice", mpField("_doc", e.up.sign.sign(id, "alice", scopeOf(e.up.path, "doc"), time.Hour)))
		}},
		{name: "form: reference to a discarded upload", shape: formShape, status: 410, kind: ErrGone.Error(), do: func(t *testing.T, e *hEnv) hResp {
			id, ref := e.keep(t, "kept.txt", txt)
			(&File{u: e.up, id: id}).Discard(t.Context())
			return e.form(t, "alice", mpField("_doc", ref))
		}},
		{name: "form: oversized garbage reference", shape: formShape, status: 400, kind: ErrInvalidRef.Error(), do: func(t *testing.T, e *hEnv) hResp {
			return e.form(t, "alice", mpField("_doc", strings.Repeat("A", 100_000)))
		}},
	}
}

func TestHostileInput(t *testing.T) {
	cases := hostileCases(t)
	t.Logf("%d bad-input cases", len(cases))
	if len(cases) < 40 {
		t.Fatalf("only %d cases", len(cases))
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newHEnv(t, tc.cfg)
			r := tc.do(t, e)
			if r.status != tc.status {
				t.Errorf("status %d, want %d; body %q", r.status, tc.status, r.body)
			}
			if tc.status == 200 {
				if tc.check != nil {
					tc.check(t, e, r)
				}
			} else {
				wantSentence(t, errorMessage(t, tc.shape, r))
			}
			if tc.kind != "" {
				if got := r.header.Get("X-Kind"); got != tc.kind {
					t.Errorf("error kind %q, want %q", got, tc.kind)
				}
			}
			// Nothing stored beyond what the case kept on purpose.
			pollUntil(t, "the store to settle", func() bool { return len(storeFiles(t, e.dir)) <= 2*tc.keep })
			if files := storeFiles(t, e.dir); len(files) != 2*tc.keep {
				t.Errorf("store holds %d files, want %d: %q", len(files), 2*tc.keep, files)
			}
		})
	}
}
