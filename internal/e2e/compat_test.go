package e2e

import (
	"encoding/json"
	"errors"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stickyuploads/sticky"
)

// Clients from other projects, their real npm packages in Chromium, against
// an in-process sticky Uploader: Fine Uploader (valum's uploader, which
// django-ajax-uploader used) on the traditional endpoint, and Uppy with its
// Tus plugin on the resumable endpoint. Each test checks, on the Go side,
// that the reference the client got fills a form with the very bytes sent.

// compatTimeout bounds one test, browser start and uploads included (npm's
// first install comes before it).
const compatTimeout = 60 * time.Second

// The files of both tests: a small one, and a big one sent in chunks of
// 5 MiB (three: 5, 5 and 2 MiB).
const (
	bigFileSize = 12 << 20
	chunkSize   = 5 << 20
)

// finePage runs two Fine Uploader instances (the core build, no UI): one
// for the sticky field "file" (any type), one for "image" (images only).
// What the uploader reports lands in window.fine.
const finePage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Fine Uploader against sticky</title>
<script src="/npm/fine-uploader/fine-uploader/fine-uploader.core.min.js"></script>
</head><body>
<div id="pick">Choose files</div>
<div id="pick-image">Choose an image</div>
<script>
window.fine = {complete: [], errors: [], deleted: []};
function uploader(button, field) {
	return new qq.FineUploaderBasic({
		button: document.getElementById(button),
		request: {endpoint: '/uploads/fine/', params: {field: field}},
		chunking: {enabled: true, partSize: ` + "5 * 1024 * 1024" + `},
		deleteFile: {enabled: true, endpoint: '/uploads/fine'},
		callbacks: {
			onComplete: (id, name, response) => window.fine.complete.push({field, id, name, response}),
			onError: (id, name, reason) => window.fine.errors.push({field, id, name, reason}),
			onDeleteComplete: (id, xhr, isError) => window.fine.deleted.push({id, status: xhr.status, isError}),
		},
	});
}
window.fine.files = uploader('pick', 'file');
window.fine.images = uploader('pick-image', 'image');
</script>
</body></html>`

type fineComplete struct {
	Field    string `json:"field"`
	ID       int    `json:"id"`
	Name     string `json:"name"`
	Response struct {
		Success      bool   `json:"success"`
		Stored       string `json:"stored"`
		Filename     string `json:"filename"`
		Size         int64  `json:"size"`
		Error        string `json:"error"`
		PreventRetry bool   `json:"preventRetry"`
	} `json:"response"`
}

// Fine Uploader uploads a small file whole and a 12 MiB file in chunks to
// /uploads/fine/, deletes one, and shows sticky's sentence for a refused
// type; the references it was given fill a form with the same bytes.
func TestFineUploader(t *testing.T) {
	modules := npmPackages(t)
	start := time.Now()
	site := newCompatSite(t, modules, map[string]string{"/fine.html": finePage})
	b := newBrowser(t, compatTimeout)
	b.open(t, &demo{URL: site.URL}, "/fine.html")

	dir := t.TempDir()
	small := writeText(t, dir, "minutes.txt", 20_000)
	big := writeRandom(t, dir, "archive.bin", bigFileSize)
	b.do(t, "choosing two files", chromedp.SetUploadFiles(chromedp.CSS(`#pick input[type=file]`), []string{small, big}))
	done := waitJS[[]fineComplete](t, b, "both uploads", `window.fine.complete.length >= 2 ? window.fine.complete : null`, 45*time.Second)

	byName := map[string]fineComplete{}
	for _, c := range done {
		byName[c.Name] = c
		if !c.Response.Success || c.Field != "file" {
			t.Errorf("%s: onComplete got %+v, want success", c.Name, c.Response)
		}
	}
	for _, path := range []string{small, big} {
		c, ok := byName[filepath.Base(path)]
		if !ok {
			t.Fatalf("no onComplete for %s: %+v", filepath.Base(path), done)
		}
		if c.Response.Filename != filepath.Base(path) {
			t.Errorf("reply filename %q", c.Response.Filename)
		}
		site.wantSameFile(t, "file", c.Response.Stored, path)
	}
	// One request for the small file, three chunks for the big one.
	if posts := b.net.requestsTo(http.MethodPost, "/uploads/fine/"); len(posts) != 4 {
		t.Errorf("Fine Uploader sent %d upload requests, want 4 (1 whole file + 3 chunks)", len(posts))
	}

	// Deleting through the uploader removes the file from the store.
	smallID := byName["minutes.txt"].ID
	eval[bool](t, b, `(window.fine.files.deleteFile(`+jsInt(smallID)+`), true)`)
	del := waitJS[[]struct {
		Status  int  `json:"status"`
		IsError bool `json:"isError"`
	}](t, b, "the deletion", `window.fine.deleted.length ? window.fine.deleted : null`, 10*time.Second)
	if del[0].Status != http.StatusOK || del[0].IsError {
		t.Errorf("deleting: %+v", del[0])
	}
	if _, err := site.kept(t, "file", byName["minutes.txt"].Response.Stored); !errors.Is(err, sticky.ErrGone) {
		t.Errorf("the deleted file's reference: %v, want ErrGone", err)
	}

	// A refused type: Fine Uploader shows sticky's sentence and offers no
	// retry.
	b.do(t, "choosing a text file as an image", chromedp.SetUploadFiles(chromedp.CSS(`#pick-image input[type=file]`), []string{small}))
	refused := waitJS[[]fineComplete](t, b, "the refusal", `(() => { const c = window.fine.complete.filter(c => c.field === 'image'); return c.length ? c : null })()`, 10*time.Second)
	if r := refused[0].Response; r.Success || !r.PreventRetry || r.Error != "This kind of file is not accepted. Choose an image." {
		t.Errorf("the refused upload's reply: %+v", r)
	}
	reasons := eval[[]string](t, b, `window.fine.errors.filter(e => e.field === 'image').map(e => e.reason)`)
	if len(reasons) != 1 || reasons[0] != "This kind of file is not accepted. Choose an image." {
		t.Errorf("onError reasons %q, want sticky's sentence", reasons)
	}
	// retry returns true when it starts a retry, nothing when refused.
	if eval[bool](t, b, `window.fine.images.retry(`+jsInt(refused[0].ID)+`) === true`) {
		t.Errorf("Fine Uploader retries the refused upload")
	}
	t.Logf("Fine Uploader %s: 2 files (12 MiB in 3 chunks), a deletion and a refusal in %v", fineUploaderVersion, time.Since(start).Round(time.Millisecond))
}

// uppyPage runs Uppy (the bundle's core and Tus plugin, no UI) with the
// sticky field's name in each file's metadata. The reference comes in the
// Sticky-Ref header of the response that completed the upload, which the
// Tus plugin hands to upload-success (response.body.xhr) and tus-js-client
// to onAfterResponse.
const uppyPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Uppy against sticky</title>
<link rel="stylesheet" href="/npm/uppy/dist/uppy.min.css">
<script src="/npm/uppy/dist/uppy.min.js"></script>
</head><body>
<input type="file" id="file" multiple>
<script>
window.tus = {done: [], failed: [], refs: []};
const uppy = new Uppy.Uppy({autoProceed: true, meta: {field: 'file'}})
	.use(Uppy.Tus, {
		endpoint: '/uploads/tus/',
		chunkSize: ` + "5 * 1024 * 1024" + `,
		retryDelays: [0, 500, 1000],
		onAfterResponse(req, res) {
			const ref = res.getHeader('Sticky-Ref');
			if (ref) window.tus.refs.push(ref);
		},
	});
uppy.on('upload-success', (file, response) => {
	const xhr = response.body.xhr;
	window.tus.done.push({name: file.name, url: response.uploadURL,
		ref: xhr.getResponseHeader('Sticky-Ref') || '', reply: xhr.getResponseHeader('Sticky-Reply') || ''});
});
uppy.on('upload-error', (file, error) => window.tus.failed.push({name: file && file.name, error: String(error)}));
document.getElementById('file').addEventListener('change', (e) => {
	for (const f of e.target.files) uppy.addFile({name: f.name, type: f.type, data: f, source: 'Local'});
});
</script>
</body></html>`

// Uppy with its Tus plugin uploads 12 MiB in chunks of 5 MiB to
// /uploads/tus/; the Sticky-Ref header of the last response fills a form
// with the same bytes.
func TestUppyTus(t *testing.T) {
	modules := npmPackages(t)
	start := time.Now()
	site := newCompatSite(t, modules, map[string]string{"/uppy.html": uppyPage})
	b := newBrowser(t, compatTimeout)
	b.open(t, &demo{URL: site.URL}, "/uppy.html")

	big := writeRandom(t, t.TempDir(), "survey.bin", bigFileSize)
	b.do(t, "choosing the file", chromedp.SetUploadFiles(chromedp.CSS(`#file`), []string{big}))
	type success struct {
		Name  string `json:"name"`
		URL   string `json:"url"`
		Ref   string `json:"ref"`
		Reply string `json:"reply"`
	}
	type outcome struct {
		Done   []success `json:"done"`
		Failed []struct {
			Name  string `json:"name"`
			Error string `json:"error"`
		} `json:"failed"`
		Refs []string `json:"refs"`
	}
	out := waitJS[outcome](t, b, "the upload", `window.tus.done.length || window.tus.failed.length ? window.tus : null`, 45*time.Second)
	if len(out.Failed) > 0 || len(out.Done) != 1 {
		t.Fatalf("Uppy: %+v", out)
	}
	got := out.Done[0]
	if !strings.Contains(got.URL, "/uploads/tus/") {
		t.Errorf("upload URL %q is not below /uploads/tus/", got.URL)
	}
	site.wantSameFile(t, "file", got.Ref, big)
	if len(out.Refs) != 1 || out.Refs[0] != got.Ref {
		t.Errorf("onAfterResponse saw Sticky-Ref %q, upload-success %q: want the one reference in both", out.Refs, got.Ref)
	}
	var reply map[string]any
	if err := json.Unmarshal([]byte(got.Reply), &reply); err != nil {
		t.Errorf("Sticky-Reply %q is not JSON: %v", got.Reply, err)
	} else if reply["stored"] != got.Ref {
		t.Errorf("Sticky-Reply %s does not carry the reference of Sticky-Ref", got.Reply)
	}
	if patches := b.net.requestsTo(http.MethodPatch, "/uploads/tus/"); len(patches) != 3 {
		t.Errorf("Uppy sent %d PATCH requests, want 3 chunks of at most 5 MiB", len(patches))
	}
	t.Logf("Uppy %s (@uppy/tus): 12 MiB in 3 chunks in %v", uppyVersion, time.Since(start).Round(time.Millisecond))
}

// jsInt writes n for a JavaScript expression.
func jsInt(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}
