package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// What the tests rely on: the routes and form fields of the demo
// (DESIGN.md, "Contracts others rely on") and the widget's markup
// (the sticky field "file" posts its reference in "_file").
const (
	uploadPath  = "/uploads/"
	fileInput   = `input[type=file][name="file"]`
	refInput    = `input[type=hidden][name="_file"]`
	titleInput  = `[name="title"]`
	descInput   = `[name="description"]`
	cancelBtn   = `[data-sticky] .sticky-cancel`
	retryBtn    = `[data-sticky] .sticky-retry`
	submitOfDoc = `form:has(input[type=file][name="file"]) :is(button:not([type]), button[type=submit], input[type=submit])`
)

// ---- Navigation and forms ----

// login signs the test user in through the form at /login and checks that
// it lands on /.
func (b *browser) login(t *testing.T, d *demo) {
	t.Helper()
	b.do(t, "opening /login",
		chromedp.Navigate(d.URL+"/login"),
		chromedp.SendKeys(chromedp.CSS(`input[name="username"]`), testUser),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), testPassword),
	)
	resp, err := chromedp.RunResponse(b.ctx, chromedp.Click(chromedp.CSS(
		`form:has(input[name="password"]) :is(button:not([type]), button[type=submit], input[type=submit])`)))
	if err != nil {
		t.Fatalf("signing in: %v", err)
	}
	if p := b.path(t); p != "/" {
		t.Fatalf("after signing in the browser is at %s (status %d), want /", p, resp.Status)
	}
}

// open navigates to path on the demo.
func (b *browser) open(t *testing.T, d *demo, path string) {
	t.Helper()
	resp, err := chromedp.Run(b.ctx, chromedp.NavigateResponse(d.URL+path))
	if err != nil {
		t.Fatalf("opening %s: %v", path, err)
	}
	if resp.Status != http.StatusOK {
		t.Fatalf("opening %s: status %d, want 200", path, resp.Status)
	}
}

// submit clicks the new-document form's submit button and waits for the
// page that answers the post. It returns that page's HTTP status (after
// redirects).
func (b *browser) submit(t *testing.T) int64 {
	t.Helper()
	resp, err := chromedp.RunResponse(b.ctx, chromedp.Click(chromedp.CSS(submitOfDoc)))
	if err != nil {
		t.Fatalf("submitting the form: %v", err)
	}
	return resp.Status
}

// setTitle replaces the title field's text.
func (b *browser) setTitle(t *testing.T, title string) {
	t.Helper()
	b.do(t, "typing the title",
		chromedp.Clear(chromedp.CSS(titleInput)),
		chromedp.SendKeys(chromedp.CSS(titleInput), title),
	)
}

// chooseFile sets the file on the sticky file input, as if the user had
// picked it: Chromium fires the input and change events.
func (b *browser) chooseFile(t *testing.T, path string) {
	t.Helper()
	b.do(t, "choosing "+filepath.Base(path), chromedp.SetUploadFiles(chromedp.CSS(fileInput), []string{path}))
}

// path is the path of the page the browser shows.
func (b *browser) path(t *testing.T) string {
	t.Helper()
	loc, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		t.Fatalf("reading the location: %v", err)
	}
	return urlPath(loc)
}

// do runs steps, failing the test with what as context.
func (b *browser) do(t *testing.T, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](t *testing.T, b *browser, expr string) T {
	t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluating %.60q: %v", expr, err)
	}
	return v
}

// disableJavaScript turns script execution off in the tab, for this and
// every later page.
func (b *browser) disableJavaScript(t *testing.T) {
	t.Helper()
	if _, err := chromedp.Call(b.ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatalf("disabling JavaScript: %v", err)
	}
}

// throttleUploads limits the upload bandwidth of the requests to the upload
// endpoint, so that an upload lasts long enough to be watched, cancelled or
// raced. Pages and the form post stay fast.
func (b *browser) throttleUploads(t *testing.T, d *demo, bytesPerSecond float64) {
	t.Helper()
	_, err := chromedp.Call(b.ctx, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
		MatchedNetworkConditions: []*network.Conditions{{
			URLPattern:         d.URL + uploadPath + "*",
			DownloadThroughput: -1,
			UploadThroughput:   bytesPerSecond,
		}},
	})
	if err != nil {
		t.Fatalf("throttling the uploads: %v", err)
	}
}

// unthrottle lifts throttleUploads.
func (b *browser) unthrottle(t *testing.T) {
	t.Helper()
	_, err := chromedp.Call(b.ctx, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
		MatchedNetworkConditions: []*network.Conditions{},
	})
	if err != nil {
		t.Fatalf("lifting the throttling: %v", err)
	}
}

// ---- The widget ----

// widgetState is what a person sees of the sticky field "file".
type widgetState struct {
	Ref             string  `json:"ref"`      // value of the hidden _file
	Files           int     `json:"files"`    // files chosen in the input
	Required        bool    `json:"required"` // the input's required property
	KeptVisible     bool    `json:"keptVisible"`
	KeptName        string  `json:"keptName"`
	KeptSize        string  `json:"keptSize"`
	ProgressVisible bool    `json:"progressVisible"`
	Progress        float64 `json:"progress"`
	CancelVisible   bool    `json:"cancelVisible"`
	RetryVisible    bool    `json:"retryVisible"`
	NoJSVisible     bool    `json:"noJSVisible"` // the "Remove" checkbox for pages without JS
	Status          string  `json:"status"`
	Error           string  `json:"error"`
}

func (s widgetState) String() string {
	type plain widgetState // without this String method
	return fmt.Sprintf("%+v", plain(s))
}

// widgetStateJS computes a widgetState in the page. An element is visible
// when neither it nor an ancestor is hidden and it has a layout box.
const widgetStateJS = `(function () {
	const input = document.querySelector('input[type=file][name="file"]');
	const w = input && input.closest('[data-sticky]');
	if (!w) return null;
	const q = (s) => w.querySelector(s);
	const vis = (el) => !!el && !el.closest('[hidden]') && el.getClientRects().length > 0;
	const txt = (el) => el ? el.textContent.trim() : '';
	const ref = w.querySelector('input[type=hidden][name="_file"]');
	const progress = q('.sticky-progress');
	return {
		ref: ref ? ref.value : '',
		files: input.files ? input.files.length : 0,
		required: input.required,
		keptVisible: vis(q('.sticky-kept')),
		keptName: txt(q('.sticky-name')),
		keptSize: txt(q('.sticky-size')),
		progressVisible: vis(progress),
		progress: progress ? Number(progress.value) : 0,
		cancelVisible: vis(q('.sticky-cancel')),
		retryVisible: vis(q('.sticky-retry')),
		noJSVisible: vis(q('.sticky-remove-nojs')),
		status: txt(q('.sticky-status')),
		error: txt(q('.sticky-error')),
	};
})`

// state reads the widget's state now.
func (b *browser) state(t *testing.T) widgetState {
	t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Evaluate[*widgetState](widgetStateJS+"()"))
	if err != nil {
		t.Fatalf("reading the widget: %v", err)
	}
	if s == nil {
		t.Fatalf("the page %s has no sticky field named \"file\"", b.path(t))
	}
	return *s
}

// waitState polls the page until cond, a JavaScript expression over the
// widget's state s, holds. It returns that state; on timeout it fails with
// the last state seen.
func (b *browser) waitState(t *testing.T, what, cond string, timeout time.Duration) widgetState {
	t.Helper()
	expr := fmt.Sprintf(`((s) => s && (%s) ? s : null)(%s())`, cond, widgetStateJS)
	s, err := chromedp.Run(b.ctx, chromedp.Poll[*widgetState](expr,
		chromedp.WithPollingInterval(50*time.Millisecond),
		chromedp.WithPollingTimeout(timeout)))
	if err != nil || s == nil {
		last := "unknown"
		if b.ctx.Err() == nil {
			last = b.state(t).String()
		}
		t.Fatalf("waiting %v for %s (%s): %v\nlast state: %s", timeout, what, cond, err, last)
	}
	return *s
}

// recording is what recordWidget saw.
type recording struct {
	Statuses     []string `json:"statuses"` // every text the status region showed, in order
	ProgressSeen bool     `json:"progressSeen"`
	MaxProgress  float64  `json:"maxProgress"`
}

// recordWidget watches the widget from now on, so that short-lived states
// (the progress bar of a fast upload, each status message) are not missed
// between two polls.
func (b *browser) recordWidget(t *testing.T) {
	t.Helper()
	eval[bool](t, b, `(function () {
		const w = document.querySelector('input[type=file][name="file"]').closest('[data-sticky]');
		const rec = window.__e2eWidget = {statuses: [], progressSeen: false, maxProgress: 0};
		const st = w.querySelector('.sticky-status'), pr = w.querySelector('.sticky-progress');
		const check = () => {
			const s = st ? st.textContent.trim() : '';
			if (s && rec.statuses[rec.statuses.length - 1] !== s) rec.statuses.push(s);
			if (pr && !pr.closest('[hidden]')) {
				rec.progressSeen = true;
				rec.maxProgress = Math.max(rec.maxProgress, Number(pr.value));
			}
		};
		new MutationObserver(check).observe(w, {subtree: true, childList: true, characterData: true, attributes: true});
		return true;
	})()`)
}

func (b *browser) recording(t *testing.T) recording {
	t.Helper()
	r := eval[*recording](t, b, `window.__e2eWidget || null`)
	if r == nil {
		t.Fatal("the widget recorder is gone (did the page change?)")
	}
	return *r
}

// formDataRecord is what the browser put in the form post.
type formDataRecord struct {
	Names     []string `json:"names"`     // the fields, in order
	FileParts int      `json:"fileParts"` // parts named "file"
	FileBytes int64    `json:"fileBytes"` // bytes in them
	Ref       string   `json:"ref"`       // the value of "_file"
}

// recordFormData makes the next submission of the new-document form note
// what it sends. The listener sits on the form itself, so it runs after
// the capture-phase listeners of the page's script (which drop the bytes of
// an uploaded file); the note survives the navigation in sessionStorage.
func (b *browser) recordFormData(t *testing.T) {
	t.Helper()
	eval[bool](t, b, `(function () {
		sessionStorage.removeItem('e2e-formdata');
		const form = document.querySelector('input[type=file][name="file"]').form;
		form.addEventListener('formdata', (e) => {
			const out = {names: [], fileParts: 0, fileBytes: 0, ref: ''};
			for (const [k, v] of e.formData) {
				out.names.push(k);
				if (k === 'file' && v instanceof File) { out.fileParts++; out.fileBytes += v.size; }
				if (k === '_file') out.ref = String(v);
			}
			sessionStorage.setItem('e2e-formdata', JSON.stringify(out));
		});
		return true;
	})()`)
}

func (b *browser) formData(t *testing.T) formDataRecord {
	t.Helper()
	r := eval[*formDataRecord](t, b, `JSON.parse(sessionStorage.getItem('e2e-formdata') || 'null')`)
	if r == nil {
		t.Fatal("the form's formdata event was not seen")
	}
	return *r
}

// titleErrorShown says whether the page flags the title field: the input
// is marked invalid, or an alert or error message talks about the title.
func (b *browser) titleErrorShown(t *testing.T) bool {
	t.Helper()
	return eval[bool](t, b, `(function () {
		const title = document.querySelector('[name="title"]');
		if (title && title.getAttribute('aria-invalid') === 'true') return true;
		return Array.from(document.querySelectorAll('[role=alert], .error, .field-error, [id$="-error"]'))
			.some((el) => /title/i.test(el.textContent));
	})()`)
}

// ---- Checks ----

// wantUploads checks the number of POST requests to the upload endpoint
// that the browser made, and returns them.
func (b *browser) wantUploads(t *testing.T, n int) []request {
	t.Helper()
	ups := b.net.uploads()
	if len(ups) != n {
		t.Fatalf("the browser made %d POST requests to %s, want %d:\n%s", len(ups), uploadPath, n, b.net.report())
	}
	return ups
}

// waitUploadDone waits until DevTools reports the end of the i-th upload
// request (index from 0): the events can trail the page's own view a bit.
func (b *browser) waitUploadDone(t *testing.T, i int) request {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ups := b.net.uploads()
		if i < len(ups) && (ups[i].Finished || ups[i].Failed) {
			return ups[i]
		}
		if time.Now().After(deadline) {
			t.Fatalf("upload request #%d did not end within 10s:\n%s", i+1, b.net.report())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// checkDocument goes to /, checks that the document titled title is listed
// with exactly one download link, downloads the file with the browser's
// session cookie and compares its SHA-256 with the local file's.
func (b *browser) checkDocument(t *testing.T, d *demo, title, localPath string) {
	t.Helper()
	if b.path(t) != "/" {
		b.open(t, d, "/")
	}
	body := eval[string](t, b, `document.body.innerText`)
	if !strings.Contains(body, title) {
		t.Fatalf("the list of documents does not show %q:\n%s", title, body)
	}
	links := eval[[]string](t, b, `Array.from(document.querySelectorAll('a[href]'))
		.map((a) => new URL(a.getAttribute('href'), location.href).pathname)
		.filter((p) => /^\/documents\/[^/]+\/file$/.test(p))`)
	if len(links) != 1 {
		t.Fatalf("the list of documents has %d download links (/documents/{id}/file), want 1: %q", len(links), links)
	}

	got, n := b.download(t, d, links[0])
	want, wantN := fileSHA256(t, localPath)
	if got != want || n != wantN {
		t.Fatalf("downloaded %s: %d bytes, SHA-256 %s; the chosen file %s has %d bytes, SHA-256 %s",
			links[0], n, got, filepath.Base(localPath), wantN, want)
	}
	t.Logf("%s: %d bytes, SHA-256 %s, same as the chosen file", links[0], n, got)
}

// download GETs path from the demo with the browser's cookies and returns
// the hex SHA-256 and the length of the body.
func (b *browser) download(t *testing.T, d *demo, path string) (string, int64) {
	t.Helper()
	cookies, err := chromedp.Call(b.ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{d.URL + "/"}})
	if err != nil {
		t.Fatalf("reading the browser's cookies: %v", err)
	}
	if len(cookies.Cookies) == 0 {
		t.Fatal("the browser has no cookie for the demo: not signed in?")
	}
	req, err := http.NewRequestWithContext(b.ctx, http.MethodGet, d.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cookies.Cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("downloading %s: %v", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("downloading %s: status %s, want 200", path, resp.Status)
	}
	h := sha256.New()
	n, err := io.Copy(h, resp.Body)
	if err != nil {
		t.Fatalf("downloading %s: %v", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), n
}

func fileSHA256(t *testing.T, path string) (string, int64) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil)), n
}

// storedFiles lists the regular files under dir (none if it does not exist).
func storedFiles(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(dir, func(p string, e os.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return nil
			}
			return err
		}
		if e.Type().IsRegular() {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// screenshot saves the page's main area (the form, without the site's
// header and footer) as docs/images/name (PNG), overwriting it.
func (b *browser) screenshot(t *testing.T, name string) {
	t.Helper()
	buf, err := chromedp.Run(b.ctx, chromedp.Screenshot(chromedp.CSS("main")))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	dir := filepath.Join(moduleRoot, "docs", "images")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), buf, 0o644); err != nil {
		t.Fatal(err)
	}
}

// ---- Test files ----

// writePNG writes a valid PNG of about size bytes (a little more): opaque
// random pixels, which do not compress, from a fixed seed.
func writePNG(t *testing.T, dir, name string, size int) string {
	t.Helper()
	const width = 1024
	height := size / (3 * width) // 3 bytes of noise a pixel; alpha is constant
	img := image.NewNRGBA(image.Rect(0, 0, width, height))
	r := rand.New(rand.NewChaCha8([32]byte([]byte("sticky e2e test image, seed 0001"))))
	for y := range height {
		for x := range width {
			v := r.Uint32()
			img.SetNRGBA(x, y, color.NRGBA{uint8(v), uint8(v >> 8), uint8(v >> 16), 255})
		}
	}
	path := filepath.Join(dir, name)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// writeText writes a UTF-8 text file of exactly size bytes.
func writeText(t *testing.T, dir, name string, size int) string {
	t.Helper()
	var b strings.Builder
	for i := 0; ; i++ {
		line := fmt.Sprintf("%07d sticky uploads keep the file chosen — ünïcödé ✓\n", i)
		if b.Len()+len(line) > size {
			break
		}
		b.WriteString(line)
	}
	b.WriteString(strings.Repeat(".", size-b.Len())) // ASCII padding keeps it valid UTF-8
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
