package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/stickyuploads/sticky"
)

// Processing you can see: with a processor slower than Config.ProcessWait,
// the upload is answered before it ends, the widget says "Checking…" after
// 100 %, a submission waits, and the outcome shows when it comes. The slow
// processor waits for the test, not for a clock.

// slowCheck is a processor that holds each file (each whose name holds
// only, when set) until the test releases it, then refuses the files whose
// name says "virus".
type slowCheck struct {
	only    string
	started chan string
	release chan struct{}
	once    sync.Once
}

// open releases the files held, and those to come.
func (p *slowCheck) open() { p.once.Do(func() { close(p.release) }) }

const clientVirusSentence = "This file contains a virus (Eicar-Test-Signature) and was not accepted."

func (p *slowCheck) Process(ctx context.Context, f *sticky.File) (map[string]any, error) {
	if p.only != "" && !strings.Contains(f.Name, p.only) {
		return nil, nil
	}
	select {
	case p.started <- f.Name:
	default: // nobody counts
	}
	select {
	case <-p.release:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if strings.Contains(f.Name, "virus") {
		return nil, sticky.Refuse(http.StatusUnprocessableEntity, clientVirusSentence)
	}
	return map[string]any{"scanned": true}, nil
}

// startCheckingServer starts the client server with a slow processor.
func startCheckingServer(t *testing.T) (*clientServer, *slowCheck) {
	p := &slowCheck{started: make(chan string, 4), release: make(chan struct{})}
	s := startClientServer(t, func(c *sticky.Config) {
		c.Processors = []sticky.Processor{p}
		c.ProcessWait = 200 * time.Millisecond
	})
	return s, p
}

// clientCheckingJS is the single field's state, status and error while it
// shows "Checking…", else null.
const clientCheckingJS = `(() => { const w = document.querySelector('` + clientDocWrapper + `');
	const status = w.querySelector('.sticky-status').textContent;
	return w.getAttribute('data-sticky-state') === 'checking' && status.includes('Checking') ? status : null; })()`

// waitStarted waits for the processor to begin the file.
func (p *slowCheck) waitStarted(t *testing.T) {
	t.Helper()
	select {
	case <-p.started:
	case <-time.After(clientWaitLong):
		t.Fatal("the processor never began the file")
	}
}

func TestClientProcessingShown(t *testing.T) {
	s, p := startCheckingServer(t)
	b := newBrowser(t, clientTimeout)
	b.clientOpen(t, s, "/single")
	local := filepath.Join(t.TempDir(), "scanned notes.txt")
	clientWriteFile(t, local, strings.Repeat("notes to be scanned\n", 5000))
	eval[bool](t, b, clientFormDataJS)

	b.do(t, "choosing the file", chromedp.SetUploadFiles(chromedp.CSS(`input[name="doc"]`), []string{local}))
	p.waitStarted(t)
	said := clientWait[string](t, b, `"Checking…" after 100 %`, clientCheckingJS, clientWaitLong)
	t.Logf("the live region says %q", said)
	b.clientWaitSaid(t, "Checking scanned notes.txt")
	if ref := eval[string](t, b, clientDocRefJS); ref != "" {
		t.Errorf("while checking, the hidden field already holds %q", ref)
	}

	// A submission now waits for the checks.
	b.do(t, "submitting while checking", chromedp.Click(chromedp.CSS(clientSubmitButton)))
	b.clientWaitSaid(t, "Waiting for the upload to finish")
	if eval[string](t, b, `document.getElementById('result') ? document.getElementById('result').textContent : ''`) != "" {
		t.Fatal("the form was posted before the checks were done")
	}
	// The script submits once the checks are done: the page's navigation
	// is awaited from before the release.
	navigated := make(chan error, 1)
	go func() { _, err := chromedp.RunResponse(b.ctx); navigated <- err }()
	p.open()
	if err := <-navigated; err != nil {
		t.Fatalf("waiting for the form to submit itself: %v", err)
	}
	res := b.clientResult(t)
	if res.Error != "" || len(res.Files) != 1 || res.Files[0].Name != "scanned notes.txt" {
		t.Fatalf("the form post, once checked: %+v, want the file kept", res)
	}
	if want, _ := os.ReadFile(local); res.Files[0].Size != int64(len(want)) {
		t.Errorf("the kept file has %d bytes, want %d", res.Files[0].Size, len(want))
	}
	if fd := b.clientFormData(t); len(fd["_doc"]) != 1 || fd["_doc"][0] == "" || len(fd["doc"]) > 0 && fd["doc"][0] != "file:0" {
		t.Errorf("the form posted %v, want the reference and no bytes", fd)
	}
	b.clientNoCSP(t)
}

func TestClientProcessingFails(t *testing.T) {
	s, p := startCheckingServer(t)
	b := newBrowser(t, clientTimeout)
	b.clientOpen(t, s, "/single")
	local := filepath.Join(t.TempDir(), "virus.txt")
	clientWriteFile(t, local, "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*\n")

	b.do(t, "choosing the file", chromedp.SetUploadFiles(chromedp.CSS(`input[name="doc"]`), []string{local}))
	p.waitStarted(t)
	clientWait[string](t, b, `"Checking…" after 100 %`, clientCheckingJS, clientWaitLong)
	p.open()
	msg := clientWait[string](t, b, "the processor's sentence as the field's error", `(() => { const w = document.querySelector('`+clientDocWrapper+`');
		return w.getAttribute('data-sticky-state') === 'failed' ? w.querySelector('.sticky-error').textContent : null; })()`, clientWaitLong)
	if msg != clientVirusSentence {
		t.Errorf("the field's error is %q, want %q", msg, clientVirusSentence)
	}
	if ref := eval[string](t, b, clientDocRefJS); ref != "" {
		t.Errorf("after the failed check the hidden field holds %q", ref)
	}
	if ev := b.clientRecord(t).events("error"); len(ev) != 1 || ev[0].Status != http.StatusUnprocessableEntity {
		t.Errorf("sticky:error events %+v, want one with status 422", ev)
	}
}

// A page made again while the kept file is still being checked (Form.File
// returned it with ErrProcessing) shows it being checked, asks the status
// route, and keeps it once the checks are done.
func TestClientProcessingAfterRender(t *testing.T) {
	s, p := startCheckingServer(t)
	// The file went up from an earlier page: its checks outlast ProcessWait.
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("field", "doc")
	fw, _ := mw.CreateFormFile("upload", "report.txt")
	fw.Write([]byte(strings.Repeat("a report to be scanned\n", 100)))
	mw.Close()
	res, err := http.Post(s.URL+"/uploads/", mw.FormDataContentType(), &body)
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Stored     string `json:"stored"`
		Processing bool   `json:"processing"`
	}
	json.NewDecoder(res.Body).Decode(&rep)
	res.Body.Close()
	if res.StatusCode != http.StatusAccepted || !rep.Processing || rep.Stored == "" {
		t.Fatalf("the upload: %d %+v, want 202 processing", res.StatusCode, rep)
	}
	p.waitStarted(t)

	b := newBrowser(t, clientTimeout)
	b.clientOpen(t, s, "/single")
	// The form posts that reference; the page comes back with the file kept.
	navigated := make(chan error, 1)
	go func() { _, err := chromedp.RunResponse(b.ctx); navigated <- err }()
	b.do(t, "posting the reference", chromedp.Evaluate[chromedp.Void](`(() => { const f = document.querySelector('form');
		f.querySelector('input[type=hidden][name="_doc"]').value = `+strconv.Quote(rep.Stored)+`;
		HTMLFormElement.prototype.submit.call(f); })()`))
	if err := <-navigated; err != nil {
		t.Fatalf("posting the form: %v", err)
	}
	b.clientWatch(t)
	said := clientWait[string](t, b, `"Checking…" on the page made again`, clientCheckingJS, clientWaitLong)
	if !strings.Contains(said, "report.txt") {
		t.Errorf("the live region says %q, want the kept file's name", said)
	}
	p.open()
	clientWait[bool](t, b, "the kept file checked", `(() => { const w = document.querySelector('`+clientDocWrapper+`');
		return w.getAttribute('data-sticky-state') === 'done' || null; })()`, clientWaitLong)
	if ref := eval[string](t, b, clientDocRefJS); ref != rep.Stored {
		t.Errorf("the hidden field holds %q, want the kept reference", ref)
	}
}
