package e2e

import (
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Browser tests of the client script's big files (tus), fields of several
// files, drag and drop, paste and the standalone uploader, against the
// server in clientserver_test.go.

const (
	clientPhotos       = `[data-sticky]:has(input[name="photos"])`
	clientDocWrapper   = `[data-sticky]:has(input[name="doc"])`
	clientGallery      = `[data-sticky-uploader]`
	clientTimeout      = 90 * time.Second
	clientWaitLong     = 60 * time.Second
	clientSubmitButton = `form button[type=submit]`
	clientDocRefJS     = `document.querySelector('input[type=hidden][name="_doc"]').value`
	clientDocFileJS    = `(document.querySelector('input[name="doc"]').files[0] || {}).name || ''`
	clientFormDataJS   = `(function () {
		sessionStorage.removeItem('e2e-formdata');
		const form = document.querySelector('form');
		form.addEventListener('formdata', (e) => {
			const out = {};
			for (const [k, v] of e.formData) (out[k] = out[k] || []).push(v instanceof File ? 'file:' + v.size : String(v));
			sessionStorage.setItem('e2e-formdata', JSON.stringify(out));
		});
		return true;
	})()`
)

// clientWaitRows waits until the list in wrapper has n rows, none uploading.
func (b *browser) clientWaitRows(t *testing.T, wrapper string, n int, timeout time.Duration) []clientRow {
	t.Helper()
	expr := `((sel, n) => { const r = ` + clientRowsJS + `(sel); return r && r.length === n && r.every((x) => !x.progress && x.state !== 'uploading') ? r : null; })(` +
		clientJSString(wrapper) + `, ` + strconv.Itoa(n) + `)`
	return *clientWait[*[]clientRow](t, b, "the rows of "+wrapper, expr, timeout)
}

func clientJSString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// clientFormData reads what the last form post carried (see clientFormDataJS):
// each field's values, files as "file:SIZE".
func (b *browser) clientFormData(t *testing.T) map[string][]string {
	t.Helper()
	m := eval[*map[string][]string](t, b, `JSON.parse(sessionStorage.getItem('e2e-formdata') || 'null')`)
	if m == nil {
		t.Fatal("the form's formdata event was not seen")
	}
	return *m
}

// result reads the JSON a form post's handler put in #result, and starts
// watching the new page.
func (b *browser) clientResult(t *testing.T) clientFormResult {
	t.Helper()
	r := clientWait[*clientFormResult](t, b, "the form post's result",
		`(() => { const el = document.getElementById('result'); return el && el.textContent ? JSON.parse(el.textContent) : null; })()`, waitShort)
	b.clientWatch(t)
	return *r
}

// clientSubmit clicks the form's submit button and waits for the answer.
func (b *browser) clientSubmit(t *testing.T) clientFormResult {
	t.Helper()
	if _, err := chromedp.RunResponse(b.ctx, chromedp.Click(chromedp.CSS(clientSubmitButton))); err != nil {
		t.Fatalf("submitting the form: %v", err)
	}
	return b.clientResult(t)
}

// clientWaitSaid waits until a status region has said something containing sub
// (the script says at most one thing a second).
func (b *browser) clientWaitSaid(t *testing.T, sub string) {
	t.Helper()
	clientWait[bool](t, b, "the live region to say "+strconv.Quote(sub), `window.__e2e.statuses.some((s) => s.includes(`+clientJSString(sub)+`))`, waitShort)
}

// A field of several files: three chosen at once, one of a type the field
// refuses. Each gets a row; two upload and get references, the third shows
// the server's sentence; the live region sums up; the form posts the two
// references and no bytes; the kept rows come back and Remove drops them.
func TestClientMultipleField(t *testing.T) {
	s := startClientServer(t)
	b := newBrowser(t, clientTimeout)
	b.clientOpen(t, s, "/multi")
	dir := t.TempDir()
	png := writePNG(t, dir, "harbour.png", 200<<10)
	txt := writeText(t, dir, "notes.txt", 30<<10)
	pdf := filepath.Join(dir, "refused.pdf")
	clientWriteFile(t, pdf, "%PDF-1.4\n% not an image\n")

	if req := eval[bool](t, b, `document.querySelector('input[name="photos"]').required`); !req {
		t.Error("the empty required field's input is not required")
	}
	b.do(t, "choosing three files", chromedp.SetUploadFiles(chromedp.CSS(`input[name="photos"]`), []string{png, txt, pdf}))
	rows := b.clientWaitRows(t, clientPhotos, 3, waitUpload)
	clientWait[bool](t, b, "sticky:complete", `window.__e2e.events.some((e) => e.type === 'complete')`, waitShort)
	b.clientWaitSaid(t, "2 of 3 files uploaded.")

	var refs, failed []clientRow
	for _, r := range rows {
		if r.Ref != "" {
			refs = append(refs, r)
		} else {
			failed = append(failed, r)
		}
	}
	if len(refs) != 2 || len(failed) != 1 || failed[0].Name != "refused.pdf" {
		t.Fatalf("rows %+v: want two with references and refused.pdf without", rows)
	}
	bad := failed[0]
	t.Logf("the refused file's row says %q", bad.Error)
	// Refused for its type, it can only be refused again: no Retry.
	if bad.Error == "" || bad.State != "failed" || slices.Contains(bad.Visible, "retry") || !slices.Contains(bad.Visible, "remove") {
		t.Errorf("the refused file's row: %+v; want an error and Remove, no Retry", bad)
	}
	for _, r := range rows {
		for _, c := range []string{"cancel", "retry", "remove"} {
			if want := r.Name; !strings.Contains(r.Labels[c], want) {
				t.Errorf("the %s button of %s is labelled %q, want the file's name in it", c, r.Name, r.Labels[c])
			}
		}
	}
	for _, r := range refs {
		if r.State != "done" || !slices.Equal(r.Visible, []string{"remove"}) {
			t.Errorf("uploaded row %+v: want done, only Remove visible", r)
		}
	}
	if n := eval[int](t, b, `document.querySelector('input[name="photos"]').files.length`); n != 0 {
		t.Errorf("the file input still holds %d files after they were queued", n)
	}
	if req := eval[bool](t, b, `document.querySelector('input[name="photos"]').required`); req {
		t.Error("the input is still required although two files are uploaded")
	}
	rec := b.clientRecord(t)
	t.Logf("statuses: %q", rec.Statuses)
	if !rec.said("3 files uploading") || !rec.said("2 of 3 files uploaded.") {
		t.Errorf("the live region said %q; want \"3 files uploading.\" and \"2 of 3 files uploaded.\"", rec.Statuses)
	}
	if len(rec.Statuses) > 6 {
		t.Errorf("the live region spoke %d times for three files: %q", len(rec.Statuses), rec.Statuses)
	}
	if errs := rec.events("error"); len(errs) != 1 || errs[0].Status != http.StatusUnsupportedMediaType || !errs[0].OnRow {
		t.Errorf("sticky:error events %+v, want one with status 415 on the row", errs)
	}
	if ok := rec.events("success"); len(ok) != 2 || !ok[0].OnRow {
		t.Errorf("sticky:success events %+v, want two on their rows", ok)
	}
	if c := rec.events("complete"); len(c) != 1 || len(c[0].Replies) != 2 {
		t.Errorf("sticky:complete events %+v, want one with two replies", c)
	}

	// Remove the refused file's row: the focus stays in the list.
	b.do(t, "removing refused.pdf", chromedp.Click(chromedp.CSS(clientPhotos+` .sticky-item[data-sticky-state="failed"] .sticky-remove`)))
	b.clientWaitRows(t, clientPhotos, 2, waitShort)
	if f := eval[string](t, b, `document.activeElement.getAttribute('aria-label') || document.activeElement.name || document.activeElement.tagName`); f == "BODY" {
		t.Error("after Remove the focus fell back to the page")
	}

	b.do(t, "watching the form post", chromedp.Evaluate[chromedp.Void](clientFormDataJS))
	res := b.clientSubmit(t)
	sent := b.clientFormData(t)
	t.Logf("the form posted %v", sent)
	if !slices.Equal(sent["photos"], []string{"file:0"}) || len(sent["_photos"]) != 2 {
		t.Errorf("the form post carried photos=%q and _photos=%q; want only the empty input and two references", sent["photos"], sent["_photos"])
	}
	if res.Error != "" || len(res.Files) != 2 {
		t.Fatalf("the server read %+v; want two files", res)
	}
	for _, f := range res.Files {
		local := map[string]string{"harbour.png": png, "notes.txt": txt}[f.Name]
		if local == "" {
			t.Errorf("the server got %q", f.Name)
			continue
		}
		if sum, n := fileSHA256(t, local); sum != f.SHA256 || n != f.Size {
			t.Errorf("%s: the server has %d bytes (%s), the file %d (%s)", f.Name, f.Size, f.SHA256, n, sum)
		}
	}

	// The re-rendered form keeps both, in rows the script binds.
	kept := b.clientRows(t, clientPhotos)
	if len(kept) != 2 {
		t.Fatalf("the re-rendered form has %d rows, want 2", len(kept))
	}
	for _, r := range kept {
		if r.Ref == "" || !slices.Equal(r.Visible, []string{"remove"}) {
			t.Errorf("kept row %+v: want its reference and only Remove (the checkbox hidden)", r)
		}
	}
	if v := eval[bool](t, b, `!document.querySelector('.sticky-remove-nojs').closest('[hidden]')`); v {
		t.Error("the no-JS Remove checkbox of a kept row is visible")
	}
	for range 2 {
		b.do(t, "removing a kept file", chromedp.Click(chromedp.CSS(clientPhotos+` .sticky-item .sticky-remove`)))
	}
	b.clientWaitRows(t, clientPhotos, 0, waitShort)
	if req := eval[bool](t, b, `document.querySelector('input[name="photos"]').required && document.querySelector('.sticky-list').hidden`); !req {
		t.Error("with its last row removed, the required field's input is not required again (or the empty list shows)")
	}
	b.clientNoCSP(t)
}

// A 20 MiB file goes through tus in 5 MiB chunks; its reference fills the
// field; the form posts the reference, not the bytes; the server has the
// very bytes.
func TestClientBigFileInChunks(t *testing.T) {
	s := startClientServer(t)
	b := newBrowser(t, clientTimeout)
	b.clientOpen(t, s, "/single")
	local := clientBinary(t, t.TempDir(), "big.bin", 20<<20)
	b.throttleUploads(t, &demo{URL: s.URL}, 10<<20) // about 2 s: the milestones show

	b.do(t, "choosing big.bin", chromedp.SetUploadFiles(chromedp.CSS(`input[name="doc"]`), []string{local}))
	ref := clientWait[string](t, b, "the reference", clientDocRefJS, clientWaitLong)
	calls := s.tusCalls()
	t.Logf("tus requests:\n%s", s.clientTusLog())
	var offsets []int64
	for _, c := range calls {
		if c.Method == http.MethodPatch {
			offsets = append(offsets, c.Offset)
			if c.Length > 5<<20 {
				t.Errorf("a PATCH sent %d bytes, more than a 5 MiB chunk", c.Length)
			}
		}
	}
	if clientCountCalls(calls, http.MethodPost) != 1 || !slices.Equal(offsets, []int64{0, 5 << 20, 10 << 20, 15 << 20}) {
		t.Errorf("want one POST and PATCHes at 0, 5, 10 and 15 MiB; got offsets %v", offsets)
	}
	if last := calls[len(calls)-1]; !last.Ref || last.Status != http.StatusNoContent {
		t.Errorf("the last request %s did not complete the upload with Sticky-Ref", last)
	}
	if one := b.net.uploads(); clientCountMethod(one, "POST", "/uploads/") != 0 {
		t.Errorf("the big file also went to the one-shot endpoint")
	}
	s.clientWantSame(t, "doc", ref, local)
	b.clientWaitSaid(t, "big.bin uploaded.")
	rec := b.clientRecord(t)
	t.Logf("statuses: %q", rec.Statuses)
	if !rec.said("% uploaded.") {
		t.Errorf("the live region said no milestone: %q", rec.Statuses)
	}
	if e := b.clientStorage(t); len(e) != 0 {
		t.Errorf("localStorage still holds the finished upload: %q", e)
	}
	if ok := rec.events("success"); len(ok) != 1 || ok[0].Stored != ref {
		t.Errorf("sticky:success events %+v, want one with the reference", ok)
	}

	if s.ownTus != "" {
		return // the stand-in's references are not sticky's
	}
	b.unthrottle(t)
	b.do(t, "watching the form post", chromedp.Evaluate[chromedp.Void](clientFormDataJS))
	res := b.clientSubmit(t)
	if sent := b.clientFormData(t); len(sent["doc"]) != 0 || !slices.Equal(sent["_doc"], []string{ref}) {
		t.Errorf("the form post carried doc=%q _doc=%q; want the reference only", sent["doc"], sent["_doc"])
	}
	if want, n := fileSHA256(t, local); len(res.Files) != 1 || res.Files[0].SHA256 != want || res.Files[0].Size != n {
		t.Errorf("the form's handler read %+v", res)
	}
	b.clientNoCSP(t)
}

// clientCountMethod counts the browser's requests of a method to exactly path.
func clientCountMethod(reqs []request, method, path string) int {
	n := 0
	for _, r := range reqs {
		if r.Method == method && urlPath(r.URL) == path {
			n++
		}
	}
	return n
}

// The connection drops in the middle of the second chunk: the script says
// so, waits, asks the server how far it got and goes on from there. The
// server ends up with the very bytes. The chunks carry their checksums
// (the page is on localhost, a secure context), so the server stores none
// of the cut chunk: the script resumes at its start.
func TestClientResumesAfterLostConnection(t *testing.T) {
	s := startClientServer(t)
	// Cut the second PATCH after 1.5 MiB of its 4 MiB.
	s.cutAt.Store(4 << 20)
	s.cutLeft.Store(8) // the browser's own resends included
	s.cutAfter.Store(1536 << 10)
	b := newBrowser(t, clientTimeout)
	b.clientOpen(t, s, "/single?chunk-size=4MiB")
	local := clientBinary(t, t.TempDir(), "cut.bin", 12<<20)
	b.throttleUploads(t, &demo{URL: s.URL}, 6<<20) // about 2 s, and 1 s of waiting

	b.do(t, "choosing cut.bin", chromedp.SetUploadFiles(chromedp.CSS(`input[name="doc"]`), []string{local}))
	ref := clientWait[string](t, b, "the reference", clientDocRefJS, clientWaitLong)
	calls := s.tusCalls()
	t.Logf("tus requests:\n%s", s.clientTusLog())

	// After the cut: a HEAD, then the next PATCH from the offset it gave.
	cut := slices.IndexFunc(calls, func(c clientTusCall) bool { return c.Cut })
	head := slices.IndexFunc(calls, func(c clientTusCall) bool { return c.Method == http.MethodHead })
	if cut < 0 || head < cut || clientCountCalls(calls, http.MethodHead) != 1 {
		t.Fatalf("no HEAD after the cut PATCH")
	}
	resumed := calls[head].Offset
	next := slices.IndexFunc(calls[head:], func(c clientTusCall) bool { return c.Method == http.MethodPatch })
	if next < 0 || calls[head+next].Offset != resumed {
		t.Errorf("after HEAD answered %d the script did not PATCH from there", resumed)
	}
	if resumed < 4<<20 {
		t.Errorf("the server had %d bytes after the cut: the first chunk was lost?", resumed)
	}
	if resumed != 4<<20 {
		t.Errorf("the server kept %d bytes of the cut chunk, which it could not check", resumed-4<<20)
	}
	if i := slices.IndexFunc(calls, func(c clientTusCall) bool { return c.Method == http.MethodPatch && !c.Checksum }); i >= 0 {
		t.Errorf("PATCH %s went without Upload-Checksum", calls[i])
	}
	if clientCountCalls(calls, http.MethodPost) != 1 {
		t.Errorf("the upload was created %d times, want once", clientCountCalls(calls, http.MethodPost))
	}
	s.clientWantSame(t, "doc", ref, local)
	b.clientWaitSaid(t, "cut.bin uploaded.")
	rec := b.clientRecord(t)
	t.Logf("statuses: %q", rec.Statuses)
	if !rec.said("Connection lost, retrying in 1 s…") {
		t.Errorf("the live region never said the connection was lost: %q", rec.Statuses)
	}
	if !rec.said("Resuming at ") {
		t.Errorf("the live region never said it resumed: %q", rec.Statuses)
	}
	if e := rec.events("error"); len(e) != 0 {
		t.Errorf("the lost connection ended in sticky:error %+v", e)
	}
	if !slices.ContainsFunc(b.net.clientRequestsOf(http.MethodPatch), func(r request) bool { return r.Failed }) {
		t.Errorf("no PATCH failed in the browser:\n%s", b.net.report())
	}
}

// A bad link flips a byte of the second chunk on its way: the server,
// which the chunk's checksum tells, refuses it with 460 and stores none of
// it; the script sends it again, and the server ends up with the very
// bytes.
func TestClientResendsDamagedChunk(t *testing.T) {
	s := startClientServer(t)
	s.flipAt.Store(4 << 20)
	s.flipLeft.Store(1)
	b := newBrowser(t, clientTimeout)
	b.clientOpen(t, s, "/single?chunk-size=4MiB")
	local := clientBinary(t, t.TempDir(), "flip.bin", 10<<20)

	b.do(t, "choosing flip.bin", chromedp.SetUploadFiles(chromedp.CSS(`input[name="doc"]`), []string{local}))
	ref := clientWait[string](t, b, "the reference", clientDocRefJS, clientWaitLong)
	calls := s.tusCalls()
	t.Logf("tus requests:\n%s", s.clientTusLog())

	flipped := slices.IndexFunc(calls, func(c clientTusCall) bool { return c.Flipped })
	if flipped < 0 || calls[flipped].Status != 460 {
		t.Fatalf("no flipped PATCH answered 460")
	}
	again := slices.IndexFunc(calls[flipped+1:], func(c clientTusCall) bool { return c.Method == http.MethodPatch })
	if again < 0 || calls[flipped+1+again].Offset != 4<<20 || calls[flipped+1+again].Status != http.StatusNoContent {
		t.Errorf("the damaged chunk was not sent again from its offset")
	}
	for _, c := range calls {
		if c.Method == http.MethodPatch && !c.Checksum {
			t.Errorf("PATCH %s went without Upload-Checksum", c)
		}
	}
	s.clientWantSame(t, "doc", ref, local)
	b.clientWaitSaid(t, "flip.bin uploaded.")
	if e := b.clientRecord(t).events("error"); len(e) != 0 {
		t.Errorf("the damaged chunk ended in sticky:error %+v", e)
	}
}

// The page reloads in the middle of a big upload. The field offers to
// resume; the same file chosen again goes on from the server's offset and
// completes, without creating a second upload.
func TestClientResumesAfterReload(t *testing.T) {
	s := startClientServer(t)
	s.holdFrom.Store(4 << 20)
	b := newBrowser(t, clientTimeout)
	b.clientOpen(t, s, "/single?chunk-size=2MiB")
	local := clientBinary(t, t.TempDir(), "film.bin", 12<<20)

	b.do(t, "choosing film.bin", chromedp.SetUploadFiles(chromedp.CSS(`input[name="doc"]`), []string{local}))
	if off := s.waitHeld(t); off != 4<<20 {
		t.Fatalf("the PATCH held back is at %d, want 4 MiB", off)
	}
	if e := b.clientStorage(t); len(e) != 1 {
		t.Fatalf("localStorage holds %q, want one unfinished upload", e)
	}
	b.do(t, "reloading", chromedp.Reload())
	s.holdFrom.Store(0)
	b.clientWatch(t)
	offer := eval[string](t, b, `document.querySelector('.sticky-status').textContent`)
	if !strings.Contains(offer, "film.bin") || !strings.Contains(offer, "interrupted") {
		t.Errorf("after the reload the field says %q, want an offer to resume film.bin", offer)
	}
	before := len(s.tusCalls())
	b.throttleUploads(t, &demo{URL: s.URL}, 4<<20) // the 8 MiB left take 2 s: the resume shows

	b.do(t, "choosing film.bin again", chromedp.SetUploadFiles(chromedp.CSS(`input[name="doc"]`), []string{local}))
	ref := clientWait[string](t, b, "the reference", clientDocRefJS, clientWaitLong)
	t.Logf("tus requests:\n%s", s.clientTusLog())
	after := s.tusCalls()[before:]
	if len(after) < 2 || after[0].Method != http.MethodHead || after[0].Offset != 4<<20 {
		t.Fatalf("after choosing again: %v; want a HEAD answering 4 MiB first", after)
	}
	if after[1].Method != http.MethodPatch || after[1].Offset != 4<<20 {
		t.Errorf("the first PATCH after the reload is %s, want one at 4 MiB", after[1])
	}
	if clientCountCalls(s.tusCalls(), http.MethodPost) != 1 {
		t.Errorf("the upload was created %d times, want once", clientCountCalls(s.tusCalls(), http.MethodPost))
	}
	s.clientWantSame(t, "doc", ref, local)
	b.clientWaitSaid(t, "film.bin uploaded.")
	rec := b.clientRecord(t)
	t.Logf("statuses: %q", rec.Statuses)
	if !rec.said("Resuming at 33 %…") {
		t.Errorf("the live region never said \"Resuming at 33 %%…\": %q", rec.Statuses)
	}
	if e := b.clientStorage(t); len(e) != 0 {
		t.Errorf("localStorage still holds the finished upload: %q", e)
	}
}

// Cancel during a big upload terminates it on the server (DELETE) and
// forgets it.
func TestClientCancelBigUpload(t *testing.T) {
	s := startClientServer(t)
	s.holdFrom.Store(1 << 20)
	b := newBrowser(t, clientTimeout)
	b.clientOpen(t, s, "/single?chunk-size=1MiB&chunk-threshold=1MiB")
	local := clientBinary(t, t.TempDir(), "drop.bin", 3<<20)

	b.do(t, "choosing drop.bin", chromedp.SetUploadFiles(chromedp.CSS(`input[name="doc"]`), []string{local}))
	s.waitHeld(t)
	b.do(t, "clicking Cancel", chromedp.Click(chromedp.CSS(clientDocWrapper+` .sticky-cancel`)))
	deadline := time.Now().Add(waitShort)
	for clientCountCalls(s.tusCalls(), http.MethodDelete) == 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("tus requests:\n%s", s.clientTusLog())
	if i := slices.IndexFunc(s.tusCalls(), func(c clientTusCall) bool { return c.Method == http.MethodDelete }); i < 0 || s.tusCalls()[i].Status != http.StatusNoContent {
		t.Errorf("Cancel did not terminate the upload (DELETE → 204)")
	}
	if e := b.clientStorage(t); len(e) != 0 {
		t.Errorf("localStorage still holds the cancelled upload: %q", e)
	}
	st := clientWait[string](t, b, "the cancelled state", `(() => { const w = document.querySelector('`+clientDocWrapper+`');
		return w.getAttribute('data-sticky-state') === 'cancelled' && /cancel/i.test(w.querySelector('.sticky-status').textContent) ? document.activeElement.className : null; })()`, waitShort)
	if st != "sticky-retry" {
		t.Errorf("after Cancel the focus is on %q, want Retry", st)
	}
}

// clientDropJS drops files made in the page on an element, after dragging them
// over it; it returns whether the element showed the drop state meanwhile.
const clientDropJS = `((sel, files) => {
	const el = document.querySelector(sel);
	const dt = new DataTransfer();
	for (const [name, size, type] of files) dt.items.add(new File(['x'.repeat(size)], name, {type}));
	const fire = (type, target) => target.dispatchEvent(new DragEvent(type, {bubbles: true, cancelable: true, dataTransfer: dt}));
	fire('dragenter', el);
	fire('dragover', el);
	const shown = el.closest('[data-sticky],[data-sticky-uploader]').hasAttribute('data-sticky-drop');
	const taken = !fire('drop', el);
	return {shown, taken, after: el.closest('[data-sticky],[data-sticky-uploader]').hasAttribute('data-sticky-drop')};
})`

type clientDrop struct {
	Shown bool `json:"shown"`
	Taken bool `json:"taken"`
	After bool `json:"after"`
}

// Files dropped on a field of several files get rows and upload, three at
// a time; a submission during their uploads waits for them. A file dropped
// on a single field replaces its choice.
func TestClientDragAndDrop(t *testing.T) {
	s := startClientServer(t)
	b := newBrowser(t, clientTimeout)
	b.clientOpen(t, s, "/multi")
	b.throttleUploads(t, &demo{URL: s.URL}, 128<<10) // 400 KiB take about 3 s

	d := eval[clientDrop](t, b, clientDropJS+`(`+clientJSString(clientPhotos+` input[type=file]`)+`, [['one.txt', 100000, 'text/plain'],
		['two.txt', 100000, 'text/plain'], ['three.txt', 100000, 'text/plain'], ['four.txt', 100000, 'text/plain']])`)
	if !d.Shown || !d.Taken || d.After {
		t.Errorf("drop: %+v; want the drop state while dragging, the drop taken, the state gone", d)
	}
	b.do(t, "watching the form post", chromedp.Evaluate[chromedp.Void](clientFormDataJS))
	b.do(t, "submitting during the uploads", chromedp.Click(chromedp.CSS(clientSubmitButton)))
	b.clientWaitSaid(t, "Waiting for the upload to finish…")
	if _, err := chromedp.RunResponse(b.ctx); err != nil { // the script submits once both are uploaded
		t.Fatalf("waiting for the form to submit itself: %v", err)
	}
	res := b.clientResult(t)
	b.unthrottle(t)
	if res.Error != "" || len(res.Files) != 4 || res.Files[0].Size != 100000 || res.Files[3].Name != "four.txt" {
		t.Errorf("the server read %+v; want the four files, 100000 bytes each", res)
	}
	if sent := b.clientFormData(t); len(sent["_photos"]) != 4 {
		t.Errorf("the form post carried _photos=%q", sent["_photos"])
	}
	if m := s.maxInflight.Load(); m != 3 {
		t.Errorf("the server received up to %d uploads at once, want 3", m)
	}

	// A single field: a drop replaces the choice, in the input too.
	b.clientOpen(t, s, "/single")
	d = eval[clientDrop](t, b, clientDropJS+`(`+clientJSString(clientDocWrapper+` input[type=file]`)+`, [['first.txt', 100, 'text/plain']])`)
	first := clientWait[string](t, b, "the first reference", clientDocRefJS, waitShort)
	d2 := eval[clientDrop](t, b, clientDropJS+`(`+clientJSString(clientDocWrapper)+`, [['second.txt', 200, 'text/plain'], ['third.txt', 10, 'text/plain']])`)
	second := clientWait[string](t, b, "the second reference", `(() => { const v = `+clientDocRefJS+`; return v !== `+clientJSString(first)+` ? v : ''; })()`, waitShort)
	if !d.Taken || !d2.Taken || second == "" {
		t.Errorf("drops on the single field: %+v %+v", d, d2)
	}
	if name := eval[string](t, b, clientDocFileJS); name != "second.txt" {
		t.Errorf("after dropping second.txt (and third.txt) the input holds %q", name)
	}
	if _, n := s.storedSum(t, "doc", second); n != 200 {
		t.Errorf("the field's reference is a file of %d bytes, want second.txt's 200", n)
	}
	b.clientNoCSP(t)
}

// The standalone uploader: each file gets a row with the server's reply,
// a sticky:success on its row, and one sticky:complete with every reply;
// a small file goes in one request, a big one through tus. Pasted files
// join in, with the focus in the uploader or nowhere.
func TestClientStandaloneUploader(t *testing.T) {
	s := startClientServer(t)
	b := newBrowser(t, clientTimeout)
	b.clientOpen(t, s, "/uploader?chunk-threshold=1MiB&chunk-size=1MiB")
	dir := t.TempDir()
	small := writeText(t, dir, "small.txt", 2000)
	big := clientBinary(t, dir, "big.bin", 3<<20+5)

	b.do(t, "choosing two files", chromedp.SetUploadFiles(chromedp.CSS(`#gallery`), []string{small, big}))
	rows := b.clientWaitRows(t, clientGallery, 2, waitUpload)
	complete := clientWait[*[]clientEvent](t, b, "sticky:complete",
		`(() => { const c = window.__e2e.events.filter((e) => e.type === 'complete'); return c.length ? c : null; })()`, waitShort)
	b.clientWaitSaid(t, "All 2 files uploaded.")
	rec := b.clientRecord(t)
	t.Logf("statuses: %q\ntus requests:\n%s", rec.Statuses, s.clientTusLog())
	if c := *complete; len(c) != 1 || len(c[0].Replies) != 2 {
		t.Fatalf("sticky:complete %+v, want once with two replies", c)
	}
	got := map[string]clientReply{}
	for _, r := range (*complete)[0].Replies {
		got[r.Filename] = r
	}
	for path, field := range map[string]string{small: "gallery", big: "gallery"} {
		name := filepath.Base(path)
		r, ok := got[name]
		if !ok || r.Stored == "" {
			t.Errorf("no reply with a reference for %s in %+v", name, got)
			continue
		}
		want, n := fileSHA256(t, path)
		if sum, m := s.storedSum(t, field, r.Stored); sum != want || m != n || r.Size != n {
			t.Errorf("%s: reply size %d, stored %d bytes (%s); the file has %d (%s)", name, r.Size, m, sum, n, want)
		}
	}
	if ok := rec.events("success"); len(ok) != 2 || !ok[0].OnRow || !ok[1].OnRow {
		t.Errorf("sticky:success events %+v, want one on each row", ok)
	}
	if !rec.said("All 2 files uploaded.") {
		t.Errorf("the live region said %q", rec.Statuses)
	}
	for _, r := range rows {
		if r.Size == "" || r.State != "done" {
			t.Errorf("row %+v: want the reply's name and size, done", r)
		}
	}
	if clientCountCalls(s.tusCalls(), http.MethodPatch) != 4 {
		t.Errorf("big.bin took %d PATCHes, want 4 chunks of 1 MiB", clientCountCalls(s.tusCalls(), http.MethodPatch))
	}

	// Paste: with the focus on the uploader's input, then on nothing.
	paste := `((name) => {
		const dt = new DataTransfer();
		dt.items.add(new File(['pasted ' + name], name, {type: 'text/plain'}));
		return !document.activeElement.dispatchEvent(new ClipboardEvent('paste', {bubbles: true, cancelable: true, clipboardData: dt}));
	})`
	b.do(t, "focusing the input", chromedp.Focus(chromedp.CSS(`#gallery`)))
	if !eval[bool](t, b, paste+`('pasted-1.txt')`) {
		t.Error("a paste into the uploader was not taken")
	}
	b.do(t, "blurring", chromedp.Evaluate[chromedp.Void](`document.activeElement.blur()`))
	if !eval[bool](t, b, paste+`('pasted-2.txt')`) {
		t.Error("a paste with the focus nowhere was not taken by the page's only uploader")
	}
	rows = b.clientWaitRows(t, clientGallery, 4, waitShort)
	if rows[2].Name != "pasted-1.txt" || rows[3].Name != "pasted-2.txt" || rows[3].State != "done" {
		t.Errorf("rows after the pastes: %+v", rows)
	}
	// Each sticky:complete lists the replies of the whole list.
	clientWait[bool](t, b, "a sticky:complete with four replies", `(() => { const c = window.__e2e.events.filter((e) => e.type === 'complete');
		return c.length >= 2 && c[c.length - 1].replies.length === 4; })()`, waitShort)
	b.clientNoCSP(t)
}

func clientWriteFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// clientWantSame checks that the file a field's reference points to has the
// bytes of the local file.
func (s *clientServer) clientWantSame(t *testing.T, field, ref, local string) {
	t.Helper()
	sum, n := s.storedSum(t, field, ref)
	if want, wantN := fileSHA256(t, local); sum != want || n != wantN {
		t.Fatalf("the server has %d bytes (SHA-256 %s), the file %s %d (%s)", n, sum, filepath.Base(local), wantN, want)
	}
	t.Logf("%s: the server has the same %d bytes", filepath.Base(local), n)
}

// clientRequestsOf returns copies of the browser's requests of a method.
func (n *netLog) clientRequestsOf(method string) []request {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []request
	for _, r := range n.requests {
		if r.Method == method {
			out = append(out, *r)
		}
	}
	return out
}
