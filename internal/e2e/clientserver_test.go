package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"html/template"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/tus/tusd/v2/pkg/filestore"
	"github.com/tus/tusd/v2/pkg/handler"
	"github.com/tus/tusd/v2/pkg/memorylocker"

	"github.com/stickyuploads/sticky"
	"github.com/stickyuploads/sticky/storetest"
)

// The client tests run the script against a small server of their own
// (clientServer), not the demo: an httptest.Server with a sticky.Uploader at
// /uploads/ and a few pages that render its widgets, with a strict Content
// Security Policy. Its tus endpoint is the Uploader's own (/uploads/tus/);
// when the Uploader has none, tusd's handler stands in at the same path,
// adding Sticky-Ref (the upload's id) and Sticky-Reply itself. Every request
// to the tus endpoint is logged, and the server can cut a PATCH off part way
// or hold one back, to play a lost connection and a reload.

const (
	clientTusPath = "/uploads/tus/"
	clientUser    = "alice"
	// clientCSP forbids inline scripts and styles: the script must not set
	// style attributes or build markup.
	clientCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; base-uri 'none'; form-action 'self'"
)

// clientServer is the tests' own server. Its fields after the Server's are
// safe for concurrent use.
type clientServer struct {
	*httptest.Server
	up     *sticky.Uploader
	ownTus string // the store directory of the stand-in tusd handler; "" when the Uploader serves tus

	mu    sync.Mutex
	calls []clientTusCall

	cutAt    atomic.Int64 // cut the PATCHes at this offset (cutLeft of them, until a HEAD)
	cutLeft  atomic.Int64
	flipAt   atomic.Int64 // flip a byte of the PATCHes at this offset (flipLeft of them)
	flipLeft atomic.Int64
	cutAfter atomic.Int64 // bytes of a cut PATCH's body that reach the store
	holdFrom atomic.Int64 // hold back PATCHes at this offset or beyond (0: none)

	inflight, maxInflight atomic.Int64 // one-shot uploads being received
	held                  chan int64   // the offset of each PATCH held back
}

// clientTusCall is one request to the tus endpoint, as the server saw it.
type clientTusCall struct {
	Method   string
	Offset   int64 // PATCH: the request's Upload-Offset; HEAD: the answer's
	Length   int64 // PATCH: the body's declared length
	Status   int
	Ref      bool // the answer carried Sticky-Ref
	Cut      bool // this PATCH was cut off by the test
	Held     bool // this PATCH was held back by the test
	Flipped  bool // a byte of this PATCH was flipped by the test
	Checksum bool // this PATCH carried Upload-Checksum
}

func (c clientTusCall) String() string {
	s := fmt.Sprintf("%s %d", c.Method, c.Status)
	if c.Method == http.MethodPatch || c.Method == http.MethodHead {
		s += fmt.Sprintf(" offset=%d", c.Offset)
	}
	if c.Length > 0 {
		s += fmt.Sprintf(" length=%d", c.Length)
	}
	if c.Ref {
		s += " ref"
	}
	if c.Cut {
		s += " CUT"
	}
	if c.Held {
		s += " HELD"
	}
	if c.Flipped {
		s += " FLIPPED"
	}
	if c.Checksum {
		s += " checksum"
	}
	return s
}

// startClientServer starts the server; it stops when the test ends.
// options change the Uploader's Config.
func startClientServer(t *testing.T, options ...func(*sticky.Config)) *clientServer {
	t.Helper()
	key := []byte("sticky client e2e test key, 32 bytes or more")
	c := sticky.Config{
		Keys:     [][]byte{key},
		Identity: func(*http.Request) string { return clientUser },
		MaxSize:  64 << 20,
		Fields: map[string]sticky.Rules{
			"photos": {Accept: []string{"image/*", ".txt"}},
		},
		Store: storetest.Disk(t, filepath.Join(t.TempDir(), "uploads")),
	}
	for _, o := range options {
		o(&c)
	}
	up, err := sticky.New(c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { // no processing left running into the next test
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		up.Shutdown(ctx)
	})
	s := &clientServer{up: up, held: make(chan int64, 16)}
	mux := http.NewServeMux()
	mux.Handle("/uploads/", s.countUploads(up))
	var tus http.Handler = up
	if !clientServesTus(up) {
		s.ownTus = t.TempDir()
		tus = clientStandInTus(t, s.ownTus)
		t.Logf("the Uploader has no tus endpoint: tusd's handler stands in at %s", clientTusPath)
	}
	mux.Handle(clientTusPath, s.watchTus(tus))
	mux.HandleFunc("/single", s.singlePage)
	mux.HandleFunc("/multi", s.multiPage)
	mux.HandleFunc("GET /uploader", s.uploaderPage)
	s.Server = httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

// clientServesTus reports whether the Uploader answers tus at /uploads/tus/.
func clientServesTus(up *sticky.Uploader) bool {
	r := httptest.NewRequest(http.MethodOptions, clientTusPath, nil)
	r.Header.Set("Tus-Resumable", "1.0.0")
	w := httptest.NewRecorder()
	up.ServeHTTP(w, r)
	return w.Header().Get("Tus-Version") != ""
}

// clientStandInTus is tusd's handler over a filestore in dir, answering the
// upload that completes with its id as Sticky-Ref, as the Uploader would
// with a signed reference.
func clientStandInTus(t *testing.T, dir string) http.Handler {
	composer := handler.NewStoreComposer()
	filestore.New(dir).UseIn(composer)
	memorylocker.New().UseIn(composer)
	h, err := handler.NewHandler(handler.Config{
		BasePath:      clientTusPath,
		StoreComposer: composer,
		PreFinishResponseCallback: func(ev handler.HookEvent) (handler.HTTPResponse, error) {
			b, _ := json.Marshal(map[string]any{
				"is_valid": true, "filename": ev.Upload.MetaData["filename"], "size": ev.Upload.Size,
				"type": ev.Upload.MetaData["filetype"], "stored": ev.Upload.ID,
			})
			return handler.HTTPResponse{Header: handler.HTTPHeader{"Sticky-Ref": ev.Upload.ID, "Sticky-Reply": string(b)}}, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return http.StripPrefix(strings.TrimSuffix(clientTusPath, "/"), h)
}

// clientStatusWriter remembers the status and the Sticky-Ref of an answer.
type clientStatusWriter struct {
	http.ResponseWriter
	status int
}

func (w *clientStatusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *clientStatusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *clientStatusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// clientNowhere is a ResponseWriter that sends nothing: the answer to a PATCH the
// test cuts off never reaches the browser.
type clientNowhere struct{ h http.Header }

func (n clientNowhere) Header() http.Header       { return n.h }
func (clientNowhere) Write(b []byte) (int, error) { return len(b), nil }
func (clientNowhere) WriteHeader(int)             {}

// clientCutBody ends with an error after n bytes, as a dropped connection would.
type clientCutBody struct {
	r io.Reader
	n int64
}

var errClientCut = errors.New("e2e: connection cut by the test")

// clientFlipBody flips the byte at offset at of the body it reads.
type clientFlipBody struct {
	io.ReadCloser
	at, read int64
}

func (f *clientFlipBody) Read(p []byte) (int, error) {
	n, err := f.ReadCloser.Read(p)
	if i := f.at - f.read; i >= 0 && i < int64(n) {
		p[i] ^= 0x01
	}
	f.read += int64(n)
	return n, err
}

func (c *clientCutBody) Read(p []byte) (int, error) {
	if c.n <= 0 {
		return 0, errClientCut
	}
	if int64(len(p)) > c.n {
		p = p[:c.n]
	}
	n, err := c.r.Read(p)
	c.n -= int64(n)
	return n, err
}

// countUploads notes how many one-shot uploads are received at once.
func (s *clientServer) countUploads(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/uploads/" {
			n := s.inflight.Add(1)
			defer s.inflight.Add(-1)
			for m := s.maxInflight.Load(); n > m && !s.maxInflight.CompareAndSwap(m, n); m = s.maxInflight.Load() {
			}
		}
		next.ServeHTTP(w, r)
	})
}

// watchTus logs the requests to the tus endpoint, and cuts off or holds
// back PATCHes as the test asks.
func (s *clientServer) watchTus(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		call := clientTusCall{Method: r.Method}
		if r.Method == http.MethodHead {
			// The script asks how far the upload got: the cut is over.
			s.cutLeft.Store(0)
		}
		if r.Method == http.MethodPatch {
			call.Offset, _ = strconv.ParseInt(r.Header.Get("Upload-Offset"), 10, 64)
			call.Length = r.ContentLength
			call.Checksum = r.Header.Get("Upload-Checksum") != ""
			if call.Offset == s.cutAt.Load() && s.cutLeft.Add(-1) >= 0 {
				// Let cutAfter bytes reach the store, then drop the
				// connection without an answer. Chromium sends a
				// request again by itself when a connection it had
				// reused breaks before the answer: that one, at the
				// same offset, is cut too, so the script sees the
				// failure. (The script's own next PATCH comes after
				// a HEAD, which ends the cut.)
				call.Cut = true
				s.record(call)
				r.Body = io.NopCloser(&clientCutBody{r: r.Body, n: s.cutAfter.Load()})
				next.ServeHTTP(clientNowhere{http.Header{}}, r)
				panic(http.ErrAbortHandler)
			}
			if call.Offset == s.flipAt.Load() && s.flipLeft.Add(-1) >= 0 {
				// A bad link: one byte of the chunk changes on the way.
				call.Flipped = true
				r.Body = &clientFlipBody{ReadCloser: r.Body, at: 1000}
			}
			if from := s.holdFrom.Load(); from > 0 && call.Offset >= from {
				// Read the chunk, store none of it and answer nothing
				// until the browser goes away (a reload) or 30 s pass.
				call.Held = true
				s.record(call)
				io.Copy(io.Discard, r.Body)
				s.held <- call.Offset
				select {
				case <-r.Context().Done():
				case <-time.After(30 * time.Second):
				}
				panic(http.ErrAbortHandler)
			}
		}
		sw := &clientStatusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		call.Status = sw.status
		call.Ref = w.Header().Get("Sticky-Ref") != ""
		if r.Method == http.MethodHead {
			call.Offset, _ = strconv.ParseInt(w.Header().Get("Upload-Offset"), 10, 64)
		}
		s.record(call)
	})
}

func (s *clientServer) record(c clientTusCall) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, c)
}

// tusCalls returns the requests to the tus endpoint so far.
func (s *clientServer) tusCalls() []clientTusCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]clientTusCall(nil), s.calls...)
}

func (s *clientServer) clientTusLog() string {
	var b strings.Builder
	for i, c := range s.tusCalls() {
		fmt.Fprintf(&b, "  %2d %s\n", i+1, c)
	}
	return b.String()
}

// count returns how many logged calls have the method.
func clientCountCalls(calls []clientTusCall, method string) int {
	n := 0
	for _, c := range calls {
		if c.Method == method {
			n++
		}
	}
	return n
}

// waitHeld waits until a PATCH is held back and returns its offset.
func (s *clientServer) waitHeld(t *testing.T) int64 {
	t.Helper()
	select {
	case off := <-s.held:
		return off
	case <-time.After(waitShort):
		t.Fatalf("no PATCH was held back within %v:\n%s", waitShort, s.clientTusLog())
		return 0
	}
}

// storedSum returns the SHA-256 and length of the file a field's reference
// points to (see sum), failing the test when it cannot be read.
func (s *clientServer) storedSum(t *testing.T, field, ref string) (string, int64) {
	t.Helper()
	sum, n, err := s.sum(field, ref)
	if err != nil {
		t.Fatal(err)
	}
	return sum, n
}

// sum returns the SHA-256 and length of the file a field's reference points
// to, read the way an application reads it (ReadForm, then Form.File), or
// straight from the stand-in tusd store for its uploads.
func (s *clientServer) sum(field, ref string) (string, int64, error) {
	if s.ownTus != "" && !strings.Contains(ref, ".") {
		if f, err := os.Open(filepath.Join(s.ownTus, ref)); err == nil {
			defer f.Close()
			h := sha256.New()
			n, err := io.Copy(h, f)
			return hex.EncodeToString(h.Sum(nil)), n, err
		}
	}
	r := httptest.NewRequest(http.MethodPost, "/check", strings.NewReader(url.Values{"_" + field: {ref}}.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	form, err := s.up.ReadForm(httptest.NewRecorder(), r)
	if err != nil {
		return "", 0, fmt.Errorf("reading the reference of %s: %w", field, err)
	}
	f, err := form.File(field)
	if err != nil {
		return "", 0, fmt.Errorf("the reference of %s: %w", field, err)
	}
	return fileSum(f)
}

// fileSum returns the SHA-256 and length of a kept file's bytes.
func fileSum(f *sticky.File) (string, int64, error) {
	rc, err := f.Open(context.Background())
	if err != nil {
		return "", 0, fmt.Errorf("opening %s: %w", f.Name, err)
	}
	defer rc.Close()
	h := sha256.New()
	n, err := io.Copy(h, rc)
	if err != nil {
		return "", n, fmt.Errorf("reading %s: %w", f.Name, err)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// ---- Pages ----

var clientPage = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title>{{.Assets}}</head>
<body><main><h1>{{.Title}}</h1>{{.Body}}<pre id="result">{{.Result}}</pre></main></body></html>`))

// clientFile is what a form post's handler tells about one file it got.
type clientFile struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// clientFormResult is the JSON in #result after a form post.
type clientFormResult struct {
	Files []clientFile `json:"files"`
	Error string       `json:"error"`
}

func (s *clientServer) render(w http.ResponseWriter, title string, body template.HTML, result any) {
	var res string
	if result != nil {
		b, _ := json.Marshal(result)
		res = string(b)
	}
	h := w.Header()
	h.Set("Content-Security-Policy", clientCSP)
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	clientPage.Execute(w, map[string]any{"Title": title, "Assets": s.up.Assets(), "Body": body, "Result": res})
}

// clientAttrs turns the query's chunk-size and chunk-threshold into data-
// attributes.
func clientAttrs(q url.Values) string {
	var b strings.Builder
	for _, k := range []string{"chunk-size", "chunk-threshold"} {
		if v := q.Get(k); v != "" {
			fmt.Fprintf(&b, ` data-%s="%s"`, k, html.EscapeString(v))
		}
	}
	return b.String()
}

// clientWithAttrs adds attributes to a widget's wrapper.
func clientWithAttrs(widget template.HTML, attrs string) template.HTML {
	return template.HTML(strings.Replace(string(widget), " data-sticky ", " data-sticky"+attrs+" ", 1))
}

// singlePage is a form with one sticky field, "doc"; its post answers with
// the file read from the form, and the form again, the file kept.
func (s *clientServer) singlePage(w http.ResponseWriter, r *http.Request) {
	field := sticky.Widget{Name: "doc", Required: true}
	var result any // nothing until a post
	if r.Method == http.MethodPost {
		form, err := s.up.ReadForm(w, r)
		if err != nil {
			http.Error(w, err.Error(), sticky.Status(err))
			return
		}
		res := &clientFormResult{}
		f, err := form.File("doc")
		if err != nil {
			res.Error = err.Error()
			if errors.Is(err, sticky.ErrProcessing) {
				field.Kept = f // kept, its checks still running
			}
		} else {
			sum, n := clientSumHTTP(f)
			res.Files = append(res.Files, clientFile{f.Name, n, sum})
			field.Kept = f
		}
		result = res
	}
	body := template.HTML(`<form method="post" action="/single`+template.HTMLEscapeString(clientQuery(r))+`"><label for="doc">Document</label>`) +
		clientWithAttrs(s.up.Widget(field), clientAttrs(r.URL.Query())) + `<button type="submit">Save</button></form>`
	s.render(w, "One file", body, result)
}

// multiPage is a form with a sticky field of several files, "photos"
// (images and .txt files only).
func (s *clientServer) multiPage(w http.ResponseWriter, r *http.Request) {
	field := sticky.Widget{Name: "photos", Multiple: true, Required: true}
	var result any // nothing until a post
	if r.Method == http.MethodPost {
		form, err := s.up.ReadForm(w, r)
		if err != nil {
			http.Error(w, err.Error(), sticky.Status(err))
			return
		}
		res := &clientFormResult{Files: []clientFile{}}
		files, err := form.Files("photos")
		if err != nil {
			res.Error = err.Error()
		}
		for _, f := range files {
			sum, n := clientSumHTTP(f)
			res.Files = append(res.Files, clientFile{f.Name, n, sum})
		}
		field.KeptFiles = files
		result = res
	}
	body := template.HTML(`<form method="post" action="/multi`+template.HTMLEscapeString(clientQuery(r))+`"><label for="photos">Photos</label>`) +
		clientWithAttrs(s.up.Widget(field), clientAttrs(r.URL.Query())) + `<button type="submit">Save</button></form>`
	s.render(w, "Several files", body, result)
}

// uploaderPage is the standalone uploader, outside any form, for the field
// "gallery", its markup as docs/client.md gives it.
func (s *clientServer) uploaderPage(w http.ResponseWriter, r *http.Request) {
	body := template.HTML(`<div class="sticky" data-sticky-uploader data-endpoint="/uploads/" data-tus="/uploads/tus/" data-field="gallery"` +
		clientAttrs(r.URL.Query()) + `>` +
		`<label for="gallery">Add files</label>` +
		`<input type="file" id="gallery" multiple aria-describedby="gallery-status">` +
		`<ul class="sticky-list" hidden></ul>` +
		`<template class="sticky-item-template"><li class="sticky-item">` +
		`<span class="sticky-name"></span> <span class="sticky-size"></span> ` +
		`<progress class="sticky-progress" max="100" value="0" hidden></progress>` +
		`<button type="button" class="sticky-cancel" hidden>Cancel</button>` +
		`<button type="button" class="sticky-retry" hidden>Retry</button>` +
		`<button type="button" class="sticky-remove" hidden>Remove</button>` +
		`<span class="sticky-error" role="alert"></span></li></template>` +
		`<span class="sticky-status" id="gallery-status" role="status" aria-live="polite"></span>` +
		`</div>`)
	s.render(w, "Upload files", body, nil)
}

func clientQuery(r *http.Request) string {
	if r.URL.RawQuery == "" {
		return ""
	}
	return "?" + r.URL.RawQuery
}

// clientSumHTTP is fileSum for a page: an error stands in the sum.
func clientSumHTTP(f *sticky.File) (string, int64) {
	sum, n, err := fileSum(f)
	if err != nil {
		return err.Error(), n
	}
	return sum, n
}

// ---- Browser helpers for these pages ----

// clientOpen navigates to path on the server and starts watching the page:
// the script's events, what its live regions say, and CSP violations.
func (b *browser) clientOpen(t *testing.T, s *clientServer, path string) {
	t.Helper()
	resp, err := chromedp.Run(b.ctx, chromedp.NavigateResponse(s.URL+path))
	if err != nil {
		t.Fatalf("opening %s: %v", path, err)
	}
	if resp.Status != http.StatusOK {
		t.Fatalf("opening %s: status %d, want 200", path, resp.Status)
	}
	b.clientWatch(t)
}

// clientWatch records, in window.__e2e, every sticky:* event (with the file's
// name and what matters of its detail), every text of the status regions,
// and every CSP violation.
func (b *browser) clientWatch(t *testing.T) {
	t.Helper()
	eval[bool](t, b, `(function () {
		const rec = window.__e2e = {events: [], statuses: [], csp: []};
		const kinds = ['before-upload', 'start', 'success', 'error', 'cancel', 'remove', 'complete'];
		for (const k of kinds) {
			document.addEventListener('sticky:' + k, (e) => {
				const d = e.detail || {};
				rec.events.push({
					type: k,
					onRow: e.target.matches('.sticky-item'),
					file: d.file ? d.file.name : '',
					status: d.status || 0,
					message: d.message || '',
					stored: d.response ? d.response.stored || '' : '',
					replies: d.replies ? d.replies.map((r) => ({filename: r.filename, size: r.size, stored: r.stored})) : null,
				});
			});
		}
		document.addEventListener('securitypolicyviolation', (e) => rec.csp.push(e.violatedDirective + ' ' + e.blockedURI));
		const note = (el) => {
			const s = el.textContent.trim();
			if (s && rec.statuses[rec.statuses.length - 1] !== s) rec.statuses.push(s);
		};
		for (const el of document.querySelectorAll('.sticky-status')) {
			note(el);
			new MutationObserver(() => note(el)).observe(el, {subtree: true, childList: true, characterData: true});
		}
		return true;
	})()`)
}

// clientEvent is one sticky:* event recorded by clientWatch.
type clientEvent struct {
	Type    string        `json:"type"`
	OnRow   bool          `json:"onRow"`
	File    string        `json:"file"`
	Status  int           `json:"status"`
	Message string        `json:"message"`
	Stored  string        `json:"stored"`
	Replies []clientReply `json:"replies"`
}

type clientReply struct {
	Filename string `json:"filename"`
	Size     int64  `json:"size"`
	Stored   string `json:"stored"`
}

type clientRecord struct {
	Events   []clientEvent `json:"events"`
	Statuses []string      `json:"statuses"`
	CSP      []string      `json:"csp"`
}

func (b *browser) clientRecord(t *testing.T) clientRecord {
	t.Helper()
	r := eval[*clientRecord](t, b, `window.__e2e || null`)
	if r == nil {
		t.Fatal("the page's recorder is gone (did the page change?)")
	}
	return *r
}

// events returns the recorded events of a type.
func (r clientRecord) events(typ string) []clientEvent {
	var out []clientEvent
	for _, e := range r.Events {
		if e.Type == typ {
			out = append(out, e)
		}
	}
	return out
}

// said reports whether a status region ever said something matching re.
func (r clientRecord) said(sub string) bool {
	for _, s := range r.Statuses {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// clientNoCSP fails the test if the page broke its Content Security
// Policy, as the page saw it or as the browser logged it.
func (b *browser) clientNoCSP(t *testing.T) {
	t.Helper()
	if v := b.clientRecord(t).CSP; len(v) > 0 {
		t.Errorf("the page broke its Content-Security-Policy: %q", v)
	}
	if rep := b.net.report(); strings.Contains(rep, "Content Security Policy") {
		t.Errorf("the browser logged a CSP violation:\n%s", rep)
	}
}

// clientWait polls until the expression is truthy and returns its value as T.
func clientWait[T any](t *testing.T, b *browser, what, expr string, timeout time.Duration) T {
	t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Poll[T](expr,
		chromedp.WithPollingInterval(50*time.Millisecond),
		chromedp.WithPollingTimeout(timeout)))
	if err != nil {
		var rec string
		if b.ctx.Err() == nil {
			if r, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`JSON.stringify(window.__e2e || null)`)); err == nil {
				rec = r
			}
		}
		t.Fatalf("waiting %v for %s (%s): %v\npage record: %s", timeout, what, expr, err, rec)
	}
	return v
}

// clientRow is what a person sees of one row of a list.
type clientRow struct {
	Name     string            `json:"name"`
	Size     string            `json:"size"`
	Ref      string            `json:"ref"`
	State    string            `json:"state"`
	Error    string            `json:"error"`
	Visible  []string          `json:"visible"` // the visible buttons' classes, sticky- removed
	Labels   map[string]string `json:"labels"`  // aria-label of each button
	Progress bool              `json:"progress"`
}

// clientRowsJS reads the rows of the list in the wrapper found by a selector.
const clientRowsJS = `((sel) => {
	const w = document.querySelector(sel);
	if (!w) return null;
	const vis = (el) => !!el && !el.closest('[hidden]') && el.getClientRects().length > 0;
	return Array.from(w.querySelectorAll('.sticky-item')).map((li) => {
		const q = (c) => li.querySelector('.sticky-' + c);
		const ref = li.querySelector('input[type=hidden]');
		const labels = {};
		const visible = [];
		for (const b of li.querySelectorAll('button')) {
			const c = b.className.replace('sticky-', '');
			labels[c] = b.getAttribute('aria-label') || '';
			if (vis(b)) visible.push(c);
		}
		return {
			name: q('name') ? q('name').textContent.trim() : '',
			size: q('size') ? q('size').textContent.trim() : '',
			ref: ref ? ref.value : '',
			state: li.getAttribute('data-sticky-state') || '',
			error: q('error') ? q('error').textContent.trim() : '',
			visible, labels,
			progress: vis(q('progress')),
		};
	});
})`

func (b *browser) clientRows(t *testing.T, wrapper string) []clientRow {
	t.Helper()
	rows := eval[*[]clientRow](t, b, clientRowsJS+"("+strconv.Quote(wrapper)+")")
	if rows == nil {
		t.Fatalf("the page has no %s", wrapper)
	}
	return *rows
}

// clientStorage returns the script's localStorage keys (unfinished tus
// uploads).
func (b *browser) clientStorage(t *testing.T) []string {
	t.Helper()
	return eval[[]string](t, b, `Object.keys(localStorage).filter((k) => k.startsWith('sticky:'))`)
}

// clientBinary writes size random bytes (a fixed seed per name), which no
// sniffer takes for text or an image.
func clientBinary(t *testing.T, dir, name string, size int) string {
	t.Helper()
	var seed [32]byte
	copy(seed[:], "sticky e2e binary: "+name)
	r := rand.New(rand.NewChaCha8(seed))
	b := make([]byte, size)
	for i := 0; i+8 <= len(b); i += 8 {
		v := r.Uint64()
		for j := range 8 {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	b[0] = 0x00 // never a text or image signature
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
