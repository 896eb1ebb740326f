package e2e

import (
	"net/http"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Bounds of one test, browser start included. The throttled tests move
// about 2 to 4 MiB at 256 KiB/s, a few seconds each way.
const (
	testTimeout = 90 * time.Second
	waitShort   = 15 * time.Second // a page-side change after an action
	waitUpload  = 45 * time.Second // a whole throttled upload
)

// With JavaScript: the file uploads in the background with progress; a
// validation error re-renders the form with the file kept and no second
// upload; the corrected form saves the very bytes that were chosen.
func TestUploadSurvivesValidationError(t *testing.T) {
	d := startDemo(t, "")
	b := newBrowser(t, testTimeout)
	b.login(t, d)
	b.open(t, d, "/documents/new")
	if s := b.state(t); !s.Required || s.KeptVisible || s.Ref != "" {
		t.Errorf("the empty form's file field: required=%v kept=%v ref=%q, want required and nothing kept", s.Required, s.KeptVisible, s.Ref)
	}
	b.screenshot(t, "form-idle.png")

	local := writePNG(t, t.TempDir(), "harbour at dusk.png", 3<<20)
	name := filepath.Base(local)

	// 1 MiB/s: the 3 MiB upload lasts about 3 s, long enough to see and
	// photograph the progress bar.
	b.throttleUploads(t, d, 1<<20)
	b.recordWidget(t)
	b.chooseFile(t, local)

	s := b.waitState(t, "the progress bar", `s.progressVisible && s.progress >= 15`, waitShort)
	if !s.CancelVisible {
		t.Errorf("during the upload Cancel is hidden: %s", s)
	}
	b.screenshot(t, "form-uploading.png")

	s = b.waitState(t, "the reference of the finished upload", `s.ref !== '' && !s.progressVisible`, waitUpload)
	b.unthrottle(t)
	if !s.KeptVisible || s.KeptName != name {
		t.Errorf("after the upload the widget shows kept=%v name=%q, want the kept file %q: %s", s.KeptVisible, s.KeptName, name, s)
	}
	shownSize := s.KeptSize // written by the script from the endpoint's reply
	rec := b.recording(t)
	if !rec.ProgressSeen {
		t.Errorf("the progress bar never showed: %+v", rec)
	}
	if !slices.ContainsFunc(rec.Statuses, func(m string) bool { return strings.Contains(m, name) }) {
		t.Errorf("the status region never announced the upload of %q; it said %q", name, rec.Statuses)
	}
	t.Logf("status messages: %q", rec.Statuses)
	if up := b.waitUploadDone(t, 0); up.Status != http.StatusOK || up.Failed {
		t.Fatalf("the upload request ended with status %d (failed=%v %s), want 200", up.Status, up.Failed, up.Error)
	}

	// Submit with the title left empty: the form comes back with the
	// error, and the file is still there, by reference.
	b.recordFormData(t)
	status := b.submit(t)
	if p := b.path(t); p != "/documents/new" {
		t.Fatalf("after submitting without a title the browser is at %s (status %d), want the form again", p, status)
	}
	if status < 400 {
		t.Logf("note: the form with errors came back with status %d, not a 4xx", status)
	}
	if fd := b.formData(t); fd.FileBytes != 0 || fd.Ref == "" {
		t.Errorf("the form post sent %d bytes of the uploaded file in %d \"file\" part(s), and _file=%q; want no bytes and the reference", fd.FileBytes, fd.FileParts, fd.Ref)
	}
	if !b.titleErrorShown(t) {
		t.Error("the re-rendered form shows no error for the empty title")
	}
	s = b.state(t)
	if !s.KeptVisible || s.KeptName != name || s.Ref == "" {
		t.Fatalf("the re-rendered form does not show the kept file %q with a reference: %s", name, s)
	}
	if s.Required {
		t.Errorf("the file input is still required although a file is kept: %s", s)
	}
	if s.KeptSize != shownSize {
		t.Errorf("the kept file's size reads %q after the upload (the script's text) but %q on the re-rendered form (the server's): the same file should read the same", shownSize, s.KeptSize)
	}
	b.wantUploads(t, 1) // the kept file was not sent again
	if len(storedFiles(t, filepath.Join(d.Data, "tmp"))) == 0 {
		// Otherwise the wantTempStoreEmpty checks prove nothing.
		t.Errorf("the kept upload is not in the demo's temporary store (-data DIR/tmp)")
	}
	b.screenshot(t, "form-kept.png")

	// Fill the title and submit: saved, listed, the same bytes.
	title := "Harbour at dusk"
	b.setTitle(t, title)
	b.recordFormData(t)
	if status := b.submit(t); b.path(t) != "/" {
		t.Fatalf("after submitting the corrected form the browser is at %s (status %d), want /:\n%s",
			b.path(t), status, eval[string](t, b, `document.body.innerText`))
	}
	if fd := b.formData(t); fd.FileBytes != 0 || fd.Ref == "" {
		t.Errorf("the second form post sent %d bytes in \"file\" and _file=%q; want no bytes and the reference", fd.FileBytes, fd.Ref)
	}
	b.wantUploads(t, 1)
	b.checkDocument(t, d, title, local)
	d.wantTempStoreEmpty(t, "after the document was saved")
}

// Without JavaScript: the plain multipart post carries the bytes; the
// server keeps them across the validation error and shows the kept file;
// the second post, without choosing again, saves the same bytes.
func TestNoJavaScript(t *testing.T) {
	d := startDemo(t, "")
	b := newBrowser(t, testTimeout)
	b.disableJavaScript(t)
	b.login(t, d)
	b.open(t, d, "/documents/new")

	local := writeText(t, t.TempDir(), "meeting notes.txt", 700<<10)
	name := filepath.Base(local)
	b.chooseFile(t, local)
	status := b.submit(t) // the title is empty
	if p := b.path(t); p != "/documents/new" {
		t.Fatalf("after submitting without a title the browser is at %s (status %d), want the form again", p, status)
	}
	if !b.titleErrorShown(t) {
		t.Error("the re-rendered form shows no error for the empty title")
	}
	s := b.state(t)
	if !s.KeptVisible || s.KeptName != name || s.Ref == "" {
		t.Fatalf("the re-rendered form does not show the kept file %q with a reference: %s", name, s)
	}
	if s.Required {
		t.Errorf("the file input is still required although a file is kept: %s", s)
	}
	if !s.NoJSVisible {
		t.Errorf("without JavaScript the kept file has no visible Remove checkbox: %s", s)
	}
	if s.Files != 0 {
		t.Errorf("the re-rendered file input holds %d files, want none", s.Files)
	}
	b.wantUploads(t, 0) // JavaScript really is off

	title := "Meeting notes — März"
	b.setTitle(t, title)
	if status := b.submit(t); b.path(t) != "/" {
		t.Fatalf("after submitting the corrected form the browser is at %s (status %d), want /:\n%s",
			b.path(t), status, eval[string](t, b, `document.body.innerText`))
	}
	b.wantUploads(t, 0)
	b.checkDocument(t, d, title, local)
	d.wantTempStoreEmpty(t, "after the document was saved")
}

// Cancel stops a running upload and offers Retry; Retry uploads the same
// file again, and the form saves it.
func TestCancelAndRetry(t *testing.T) {
	d := startDemo(t, "")
	b := newBrowser(t, testTimeout)
	b.login(t, d)
	b.open(t, d, "/documents/new")

	local := writePNG(t, t.TempDir(), "scan.png", 2<<20)
	b.throttleUploads(t, d, 256<<10) // 2 MiB takes about 8 s
	b.chooseFile(t, local)
	b.waitState(t, "the upload to run", `s.progressVisible && s.cancelVisible`, waitShort)

	b.do(t, "clicking Cancel", chromedp.Click(chromedp.CSS(cancelBtn)))
	s := b.waitState(t, "the cancelled state", `/cancel/i.test(s.status) && s.retryVisible`, waitShort)
	if s.Ref != "" || s.ProgressVisible || s.CancelVisible {
		t.Errorf("after Cancel: ref=%q progress=%v cancel=%v, want no reference and no progress or Cancel: %s", s.Ref, s.ProgressVisible, s.CancelVisible, s)
	}
	if up := b.waitUploadDone(t, 0); !up.Failed {
		t.Errorf("the cancelled upload request was not aborted: status %d", up.Status)
	}
	d.wantTempStoreEmpty(t, "after the cancelled upload")

	b.do(t, "clicking Retry", chromedp.Click(chromedp.CSS(retryBtn)))
	b.waitState(t, "the retried upload to run", `s.progressVisible || s.ref !== ''`, waitShort)
	s = b.waitState(t, "the reference of the retried upload", `s.ref !== '' && !s.progressVisible`, waitUpload)
	if s.RetryVisible || !s.KeptVisible {
		t.Errorf("after the retried upload: retry=%v kept=%v: %s", s.RetryVisible, s.KeptVisible, s)
	}
	b.wantUploads(t, 2) // the cancelled one and the retried one
	if up := b.waitUploadDone(t, 1); up.Status != http.StatusOK || up.Failed {
		t.Fatalf("the retried upload ended with status %d (failed=%v %s), want 200", up.Status, up.Failed, up.Error)
	}
	b.unthrottle(t)

	title := "Scanned page"
	b.setTitle(t, title)
	if status := b.submit(t); b.path(t) != "/" {
		t.Fatalf("after submitting the form the browser is at %s (status %d), want /:\n%s",
			b.path(t), status, eval[string](t, b, `document.body.innerText`))
	}
	b.wantUploads(t, 2)
	b.checkDocument(t, d, title, local)
	d.wantTempStoreEmpty(t, "after the document was saved")
}

// A file over -max-size is refused by the upload endpoint; the widget shows
// the server's sentence and keeps nothing.
func TestTooLarge(t *testing.T) {
	d := startDemo(t, "1MiB")
	b := newBrowser(t, testTimeout)
	b.login(t, d)
	b.open(t, d, "/documents/new")

	local := writeText(t, t.TempDir(), "big.txt", 2<<20)
	b.chooseFile(t, local)
	s := b.waitState(t, "the error message", `s.error !== '' && !s.progressVisible`, waitShort)
	msg := s.Error
	t.Logf("error shown: %q", msg)
	if !strings.Contains(strings.ToLower(msg), "too large") {
		t.Errorf("the error %q does not say the file is too large", msg)
	}
	if !regexp.MustCompile(`\b1(\.0)? ?(MB|MiB)\b`).MatchString(msg) {
		t.Errorf("the error %q does not mention the 1 MiB limit", msg)
	}
	if s.Ref != "" || s.KeptVisible {
		t.Errorf("after the refused upload: ref=%q kept=%v, want nothing kept: %s", s.Ref, s.KeptVisible, s)
	}
	up := b.waitUploadDone(t, 0)
	if up.Status != http.StatusRequestEntityTooLarge {
		t.Errorf("the upload request ended with status %d (failed=%v %s), want 413", up.Status, up.Failed, up.Error)
	}
	b.wantUploads(t, 1)

	d.wantTempStoreEmpty(t, "after the refused upload")
}

// Submitting while the file still uploads holds the submission back, says
// so, and submits by itself when the upload is done: one upload, and the
// form post carries the reference, not the bytes.
func TestSubmitWhileUploading(t *testing.T) {
	d := startDemo(t, "")
	b := newBrowser(t, testTimeout)
	b.login(t, d)
	b.open(t, d, "/documents/new")

	local := writePNG(t, t.TempDir(), "diagram.png", 2<<20)
	title := "Network diagram"
	b.setTitle(t, title)
	b.do(t, "typing the description", chromedp.SendKeys(chromedp.CSS(descInput), "Submitted while the file was still uploading."))
	b.throttleUploads(t, d, 256<<10) // 2 MiB takes about 8 s
	b.chooseFile(t, local)
	b.waitState(t, "the upload to run", `s.progressVisible`, waitShort)

	b.recordFormData(t)
	b.do(t, "clicking submit during the upload", chromedp.Click(chromedp.CSS(submitOfDoc)))
	s := b.waitState(t, "the status to say the form waits for the upload", `/wait/i.test(s.status)`, waitShort)
	if !s.ProgressVisible || s.Ref != "" {
		t.Fatalf("the form waits, but the upload is not running any more: %s", s)
	}
	if p := b.path(t); p != "/documents/new" {
		t.Fatalf("the form was submitted before the upload finished (now at %s)", p)
	}
	t.Logf("status while waiting: %q at %.0f%%", s.Status, s.Progress)

	// The script submits the form itself once the upload is done.
	resp, err := chromedp.RunResponse(b.ctx)
	if err != nil {
		t.Fatalf("waiting for the form to submit itself: %v", err)
	}
	if p := b.path(t); p != "/" {
		t.Fatalf("after the upload the browser is at %s (status %d), want /:\n%s",
			p, resp.Status, eval[string](t, b, `document.body.innerText`))
	}
	if fd := b.formData(t); fd.FileBytes != 0 || fd.Ref == "" {
		t.Errorf("the form post sent %d bytes in \"file\" and _file=%q; want no bytes and the reference", fd.FileBytes, fd.Ref)
	}
	b.wantUploads(t, 1)
	b.checkDocument(t, d, title, local)
	d.wantTempStoreEmpty(t, "after the document was saved")
}
