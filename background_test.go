package sticky

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"html/template"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// gatedProcessor is a slow processor: each file waits until the test
// releases it (or its context ends), then passes or fails with err.
type gatedProcessor struct {
	started chan string   // the name of each file it begins
	release chan struct{} // closed by the test
	err     error
}

func newGate(err error) *gatedProcessor {
	return &gatedProcessor{started: make(chan string, 16), release: make(chan struct{}), err: err}
}

func (g *gatedProcessor) Process(ctx context.Context, f *File) (map[string]any, error) {
	g.started <- f.Name
	select {
	case <-g.release:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if g.err != nil {
		return nil, g.err
	}
	return map[string]any{"checked": "clean"}, nil
}

// slowUploader is an Uploader whose one processor is g, answering uploads
// after 50 ms of processing; it is shut down when the test ends.
func slowUploader(t *testing.T, g *gatedProcessor, c Config) (*Uploader, string) {
	t.Helper()
	c.Processors = []Processor{g}
	if c.ProcessWait == 0 {
		c.ProcessWait = 50 * time.Millisecond
	}
	up, dir := newTestUploader(t, c)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		up.Shutdown(ctx)
	})
	return up, dir
}

// askStatus asks the status route after an upload, as user, and returns
// the status and the reply as JSON members.
func askStatus(t *testing.T, up *Uploader, user, url string) (int, map[string]any) {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, url, nil)
	r.Header.Set("X-User", user)
	w := httptest.NewRecorder()
	up.ServeHTTP(w, r)
	var m map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil {
		t.Fatalf("status reply %q: %v", w.Body, err)
	}
	return w.Code, m
}

// waitStatus asks the status route until it no longer answers 202.
func waitStatus(t *testing.T, up *Uploader, url string) (int, map[string]any) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		code, m := askStatus(t, up, "alice", url)
		if code != http.StatusAccepted {
			return code, m
		}
		if time.Now().After(deadline) {
			t.Fatalf("the status route still answers processing: %v", m)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// otherServer is a second Uploader over the same store, as another server
// would be.
func otherServer(t *testing.T, up *Uploader, wait time.Duration) *Uploader {
	t.Helper()
	other, _ := newTestUploader(t, Config{Store: up.store, Processors: up.processors, ProcessWait: wait})
	return other
}

func TestProcessingInBackground(t *testing.T) {
	g := newGate(nil)
	up, dir := slowUploader(t, g, Config{})
	data := []byte("a slowly checked text\n")

	// The endpoint answers while the processor is still at work.
	code, rep := postUpload(t, up, "alice", mpField("field", "doc"), mpFile("upload", "notes.txt", data))
	if code != http.StatusAccepted || !rep.Valid || !rep.Processing || rep.Stored == "" || rep.StatusURL == "" {
		t.Fatalf("upload with a slow processor: %d %+v, want 202 with processing, stored and status_url", code, rep)
	}
	if rep.Filename != "notes.txt" || rep.Size != int64(len(data)) || rep.SHA256 == "" {
		t.Errorf("the processing reply %+v lacks the file's name, size or checksum", rep)
	}
	if !strings.HasPrefix(rep.StatusURL, up.path+"status?") {
		t.Errorf("status_url %q is not the mount's status route", rep.StatusURL)
	}
	<-g.started

	other := otherServer(t, up, 50*time.Millisecond)
	for name, u := range map[string]*Uploader{"this server": up, "another server": other} {
		if code, m := askStatus(t, u, "alice", rep.StatusURL); code != http.StatusAccepted || m["processing"] != true || m["stored"] != rep.Stored {
			t.Errorf("%s: status while processing: %d %v, want 202 processing", name, code, m)
		}
		// Form.File waits up to ProcessWait, then keeps the file with
		// ErrProcessing.
		f, err := formFile(t, u, "alice", "doc", rep.Stored)
		if !errors.Is(err, ErrProcessing) || f == nil || f.Ref != rep.Stored || f.Name != "notes.txt" {
			t.Errorf("%s: Form.File while processing: %v, %v; want the file kept and ErrProcessing", name, f, err)
		}
		if Status(err) != http.StatusAccepted || !isSentence(err.Error()) {
			t.Errorf("%s: ErrProcessing: status %d, message %q", name, Status(err), err)
		}
	}
	// Nobody else may ask.
	if code, _ := askStatus(t, up, "bob", rep.StatusURL); code != http.StatusForbidden {
		t.Errorf("bob asking after alice's upload: %d, want 403", code)
	}
	// A file being checked is not saved.
	v, _ := newVault(t)
	f, _ := formFile(t, up, "alice", "doc", rep.Stored)
	if _, err := (&Permanent{Vault: v}).Save(t.Context(), f, nil); !errors.Is(err, ErrProcessing) {
		t.Errorf("saving a file being processed: %v, want ErrProcessing", err)
	}

	close(g.release)
	for name, u := range map[string]*Uploader{"this server": up, "another server": other} {
		code, m := waitStatus(t, u, rep.StatusURL)
		if code != http.StatusOK || m["is_valid"] != true || m["processing"] != nil || m["checked"] != "clean" || m["stored"] != rep.Stored {
			t.Errorf("%s: status once processed: %d %v, want 200 with the processor's member", name, code, m)
		}
		f, err := formFile(t, u, "alice", "doc", rep.Stored)
		if err != nil || !bytes.Equal(fileBytes(t, f), data) {
			t.Fatalf("%s: Form.File once processed: %v", name, err)
		}
	}
	if _, err := (&Permanent{Vault: v}).Save(t.Context(), f, nil); err != nil {
		t.Errorf("saving the processed file: %v", err)
	}
	assertStoreEmpty(t, dir)
}

func TestProcessingFailsInBackground(t *testing.T) {
	virus := "This file contains a virus (Test-Signature) and was not accepted."
	g := newGate(Refuse(http.StatusUnprocessableEntity, virus))
	up, dir := slowUploader(t, g, Config{})
	code, rep := postUpload(t, up, "alice", mpField("field", "doc"), mpFile("upload", "invoice.txt", []byte("not so clean\n")))
	if code != http.StatusAccepted || !rep.Processing {
		t.Fatalf("upload: %d %+v, want 202 processing", code, rep)
	}
	<-g.started
	close(g.release)
	other := otherServer(t, up, 50*time.Millisecond)
	for name, u := range map[string]*Uploader{"this server": up, "another server": other} {
		code, m := waitStatus(t, u, rep.StatusURL)
		if code != http.StatusUnprocessableEntity || m["is_valid"] != false || errorOf(m) != virus {
			t.Errorf("%s: status after a failed processing: %d %v, want 422 and the processor's sentence", name, code, m)
		}
		f, err := formFile(t, u, "alice", "doc", rep.Stored)
		if f != nil || !errors.Is(err, ErrRefused) || err.Error() != virus {
			t.Errorf("%s: Form.File after a failed processing: %v, %v; want no file and the processor's error", name, f, err)
		}
	}
	// No partial file in the store: only the note of the failure, which
	// expires with the reference.
	for _, p := range storeFiles(t, dir) {
		if !strings.Contains(p, ".failed") {
			t.Errorf("after a failed processing the store holds %s", p)
		}
	}
}

func TestProcessingBounds(t *testing.T) {
	t.Run("fast processors answer at once", func(t *testing.T) {
		g := newGate(nil)
		close(g.release)
		up, _ := slowUploader(t, g, Config{ProcessWait: time.Minute})
		code, rep := postUpload(t, up, "alice", mpField("field", "doc"), mpFile("upload", "quick.txt", []byte("quick\n")))
		if code != http.StatusOK || rep.Processing || rep.StatusURL != "" {
			t.Errorf("upload with a quick processor: %d %+v, want 200, done", code, rep)
		}
	})
	t.Run("negative ProcessWait waits", func(t *testing.T) {
		g := newGate(nil)
		up, _ := slowUploader(t, g, Config{ProcessWait: -1})
		go func() { <-g.started; time.Sleep(100 * time.Millisecond); close(g.release) }()
		if code, rep := postUpload(t, up, "alice", mpField("field", "doc"), mpFile("upload", "waited.txt", []byte("waited\n"))); code != http.StatusOK || rep.Processing {
			t.Errorf("upload with ProcessWait -1: %d %+v, want 200", code, rep)
		}
	})
	t.Run("ProcessTimeout fails the upload", func(t *testing.T) {
		g := newGate(nil) // never released
		up, dir := slowUploader(t, g, Config{ProcessTimeout: 200 * time.Millisecond})
		code, rep := postUpload(t, up, "alice", mpField("field", "doc"), mpFile("upload", "stuck.txt", []byte("stuck\n")))
		if code != http.StatusAccepted {
			t.Fatalf("upload: %d %+v, want 202", code, rep)
		}
		code, m := waitStatus(t, up, rep.StatusURL)
		if code != http.StatusUnprocessableEntity || !strings.Contains(errorOf(m), "too long") {
			t.Errorf("status past ProcessTimeout: %d %v", code, m)
		}
		for _, p := range storeFiles(t, dir) {
			if !strings.Contains(p, ".failed") {
				t.Errorf("after a timed-out processing the store holds %s", p)
			}
		}
	})
}

// Form.File waits for processing up to ProcessWait, on another server too.
func TestFormFileWaitsForProcessing(t *testing.T) {
	g := newGate(nil)
	up, _ := slowUploader(t, g, Config{})
	code, rep := postUpload(t, up, "alice", mpField("field", "doc"), mpFile("upload", "later.txt", []byte("later\n")))
	if code != http.StatusAccepted {
		t.Fatalf("upload: %d %+v, want 202", code, rep)
	}
	<-g.started
	patient := otherServer(t, up, time.Minute)
	go func() { time.Sleep(200 * time.Millisecond); close(g.release) }()
	f, err := formFile(t, patient, "alice", "doc", rep.Stored)
	if err != nil || f == nil || f.Name != "later.txt" {
		t.Fatalf("Form.File waiting for the processing: %v, %v", f, err)
	}
	if d, err := f.Derived(t.Context()); err != nil || len(d) != 0 {
		t.Errorf("Derived: %v, %v", d, err)
	}
}

// Bytes posted with the form are processed as on the endpoint: past
// ProcessWait, Form.File keeps the file with ErrProcessing.
func TestReadFormProcessing(t *testing.T) {
	g := newGate(nil)
	up, _ := slowUploader(t, g, Config{})
	form, r := mustReadForm(t, up, "alice", mpFile("doc", "posted.txt", []byte("posted\n")))
	f, err := form.File("doc")
	if !errors.Is(err, ErrProcessing) || f == nil || f.Ref == "" {
		t.Fatalf("Form.File of bytes still being processed: %v, %v", f, err)
	}
	if r.PostForm.Get("_doc") != f.Ref {
		t.Errorf("the re-rendered form keeps %q, want the file's reference", r.PostForm.Get("_doc"))
	}
	close(g.release)
	waitStatus(t, up, up.statusURL(f))
	if f, err := formFile(t, up, "alice", "doc", f.Ref); err != nil || f.Name != "posted.txt" {
		t.Errorf("Form.File once processed: %v, %v", f, err)
	}
}

// The tus completion and HEAD answer "processing" until it ends.
func TestTusProcessing(t *testing.T) {
	g := newGate(nil)
	up, _, c := tusServer(t, Config{Processors: []Processor{g}, ProcessWait: 50 * time.Millisecond})
	t.Cleanup(func() { up.Shutdown(context.Background()) })
	data := textBytes(1000)
	loc, res, err := c.Create(t.Context(), int64(len(data)), map[string]string{"field": "doc", "filename": "big.txt"}, bytes.NewReader(data))
	if err != nil || res.Status != http.StatusCreated {
		t.Fatalf("create: %v %v", res, err)
	}
	rep := stickyReply(t, res)
	if rep["processing"] != true || rep["status_url"] == nil || res.Header.Get(RefHeader) == "" {
		t.Fatalf("the completing request's reply %v, want processing and status_url", rep)
	}
	_, head, err := c.Offset(t.Context(), loc)
	if err != nil || head.Status != http.StatusOK || stickyReply(t, head)["processing"] != true {
		t.Fatalf("HEAD while processing: %v %v", head, err)
	}
	close(g.release)
	waitStatus(t, up, rep["status_url"].(string))
	_, head, err = c.Offset(t.Context(), loc)
	if err != nil || head.Status != http.StatusOK {
		t.Fatalf("HEAD once processed: %v %v", head, err)
	}
	if rep := stickyReply(t, head); rep["processing"] != nil || rep["checked"] != "clean" {
		t.Errorf("HEAD once processed: %v, want the processor's member", rep)
	}
}

// Shutdown waits for processing in the background; cut short, it records
// the failure.
func TestShutdownProcessing(t *testing.T) {
	g := newGate(nil)
	up, _ := slowUploader(t, g, Config{})
	_, rep := postUpload(t, up, "alice", mpField("field", "doc"), mpFile("upload", "a.txt", []byte("a\n")))
	<-g.started
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	if err := up.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Shutdown cut short: %v", err)
	}
	if code, m := askStatus(t, up, "alice", rep.StatusURL); code != http.StatusServiceUnavailable || !isSentence(errorOf(m)) {
		t.Errorf("status of processing cut by Shutdown: %d %v", code, m)
	}

	g = newGate(nil)
	up, _ = slowUploader(t, g, Config{})
	postUpload(t, up, "alice", mpField("field", "doc"), mpFile("upload", "b.txt", []byte("b\n")))
	<-g.started
	go func() { time.Sleep(100 * time.Millisecond); close(g.release) }()
	if err := up.Shutdown(t.Context()); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	if up.jobs.get(rep.Stored) != nil || len(up.jobs.all) != 0 {
		t.Errorf("processing left after Shutdown: %v", up.jobs.all)
	}
}

// Every way in answers a file whose processing outlasts ProcessWait at once,
// the reference given, and the file is kept once the processors are done.
func TestProcessingOnEveryWayIn(t *testing.T) {
	for _, way := range entries {
		t.Run(way.name, func(t *testing.T) {
			g := newGate(nil)
			up, dir := slowUploader(t, g, Config{})
			srv := waysServer(t, up)
			data := []byte("checked on the way in\n")
			got := way.send(t, srv, up, "alice", "doc", "w.txt", data)
			switch {
			case way.name == "form":
				if got.status != http.StatusAccepted || !strings.Contains(got.msg, "still being checked") {
					t.Fatalf("form post: %d %q, want ErrProcessing (202)", got.status, got.msg)
				}
				close(g.release)
				return // kept: TestReadFormProcessing follows it further
			case got.ref == "" || got.status != http.StatusOK && got.status != http.StatusAccepted:
				t.Fatalf("%d %q, want the reference at once", got.status, got.msg)
			}
			<-g.started
			if _, err := up.fromRef(t.Context(), got.ref, "alice", "doc", 0); !errors.Is(err, ErrProcessing) {
				t.Errorf("before the processors are done: %v, want ErrProcessing", err)
			}
			close(g.release)
			f, err := up.fromRef(t.Context(), got.ref, "alice", "doc", time.Minute)
			if err != nil || !bytes.Equal(fileBytes(t, f), data) {
				t.Fatalf("once processed: %v", err)
			}
			f.Discard(t.Context())
			if left := storeFiles(t, dir); len(left) != 0 {
				t.Errorf("left in the store: %q", left)
			}
		})
	}
}

// Processing that goes on after its request was answered counts among
// the user's uploads at once until it is done: with MaxConcurrent 1, a
// second upload waits for the first file's check, and goes in after it.
func TestProcessingCountsAgainstMaxConcurrent(t *testing.T) {
	g := newGate(nil)
	up, _ := slowUploader(t, g, Config{MaxConcurrent: 1})
	code, rep := postUpload(t, up, "alice", mpField("field", "doc"), mpFile("upload", "first.txt", []byte("first\n")))
	if code != http.StatusAccepted || !rep.Processing {
		t.Fatalf("first upload: %d %+v, want 202 processing", code, rep)
	}
	<-g.started
	if code, rep := postUpload(t, up, "alice", mpField("field", "doc"), mpFile("upload", "second.txt", []byte("second\n"))); code != http.StatusTooManyRequests || len(rep.Errors["upload"]) == 0 {
		t.Errorf("second upload while the first is checked: %d %+v, want 429 with a sentence", code, rep)
	}
	if code, _ := postUpload(t, up, "bob", mpField("field", "doc"), mpFile("upload", "bobs.txt", []byte("bob's\n"))); code != http.StatusAccepted {
		t.Errorf("another user's upload: %d, want 202 (his own count)", code)
	}
	close(g.release)
	if code, m := waitStatus(t, up, rep.StatusURL); code != http.StatusOK {
		t.Fatalf("status once processed: %d %v", code, m)
	}
	// The slot is given back as the job ends, just after its outcome.
	deadline := time.Now().Add(10 * time.Second)
	for {
		code, rep := postUpload(t, up, "alice", mpField("field", "doc"), mpFile("upload", "third.txt", []byte("third\n")))
		if code == http.StatusOK || code == http.StatusAccepted {
			break
		}
		if code != http.StatusTooManyRequests || time.Now().After(deadline) {
			t.Fatalf("upload once the first is checked: %d %+v", code, rep)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A page made again while the kept file is still being checked says so:
// the widget carries the status route for the client script to ask, and
// stops saying it once the checks are done.
func TestWidgetOfFileBeingChecked(t *testing.T) {
	g := newGate(nil)
	up, _ := slowUploader(t, g, Config{})
	_, rep := postUpload(t, up, "alice", mpField("field", "doc"), mpFile("upload", "scan.txt", []byte("scanned\n")))
	<-g.started
	f, err := formFile(t, up, "alice", "doc", rep.Stored)
	if !errors.Is(err, ErrProcessing) {
		t.Fatalf("Form.File while processing: %v", err)
	}
	want := `data-checking="` + template.HTMLEscapeString(rep.StatusURL) + `"`
	for name, html := range map[string]template.HTML{
		"single": up.Widget(Widget{Name: "doc", Kept: f}),
		"list":   up.Widget(Widget{Name: "doc", Multiple: true, KeptFiles: []*File{f}}),
	} {
		if !strings.Contains(string(html), want) {
			t.Errorf("%s widget of a file being checked lacks %s:\n%s", name, want, html)
		}
	}
	close(g.release)
	waitStatus(t, up, rep.StatusURL)
	if f, err = formFile(t, up, "alice", "doc", rep.Stored); err != nil {
		t.Fatal(err)
	}
	if html := up.Widget(Widget{Name: "doc", Kept: f}); strings.Contains(string(html), "data-checking") {
		t.Errorf("widget of a checked file still says data-checking:\n%s", html)
	}
}
