package sticky

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/tus/tusd/v2/pkg/handler"
)

// Processing you can see. The processors of an upload run in a goroutine
// of their own, detached from the request's context and bounded by
// Config.ProcessTimeout. The request that completed the upload waits for
// them up to Config.ProcessWait; if they are not done by then, it records
// that the upload is being processed (a note beside the upload, in the
// temporary store, so that every server sharing the store knows), and
// answers with the reference and "processing": true. The processors go on;
// when they end, a note records their outcome: the receipt when they
// succeeded, a failure note with the person's sentence when they failed
// (the file and what they made are then removed). The status route
// (<mount>status) and Form.File read these notes.

// Defaults of Config.ProcessWait and Config.ProcessTimeout.
const (
	DefaultProcessWait    = 3 * time.Second
	DefaultProcessTimeout = 10 * time.Minute
)

// ErrProcessing is wrapped by the error of Form.File, Form.Files and
// Permanent.Save for a file whose processors (a virus scan, thumbnails)
// are still running, past Config.ProcessWait. Form.File returns the file
// too: re-render the form with it kept and the error beside it, and the
// next post finds it processed. Status maps it to 202 Accepted: nothing is
// wrong with the file yet.
var ErrProcessing = errors.New("sticky: file still being processed")

// The sentences of processing in the background.
var (
	errProcessing     = fail(ErrProcessing, "process.still_checking")
	errProcessTimeout = refuse(http.StatusUnprocessableEntity, "process.too_long")
	errProcessStopped = refuse(http.StatusServiceUnavailable, "process.stopped")
)

// statusPath is the status route, below the mount path.
const statusPath = "status"

// job is the processing of one upload.
type job struct {
	done   chan struct{} // closed once the outcome is recorded
	err    error         // the outcome, once done
	cancel context.CancelFunc

	mu       sync.Mutex
	settled  bool   // the processors are done: no detaching now
	detached bool   // the request answered before the processors were done
	marker   string // the id of the processing note, when detached
}

// settle marks j's processors done and reports whether its request had
// answered already.
func (j *job) settle() bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.settled = true
	return j.detached
}

// detach lets j's request answer before the processors are done, once
// mark has written the processing note; false when they are done already
// or the note could not be written: then the request waits for them.
func (j *job) detach(mark func() (string, error)) bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.settled {
		return false
	}
	id, err := mark()
	if err != nil {
		return false
	}
	j.marker, j.detached = id, true
	return true
}

// jobs are the processing under way in this process.
type jobs struct {
	mu  sync.Mutex
	all map[string]*job // by upload id
}

func (js *jobs) add(id string, j *job) {
	js.mu.Lock()
	defer js.mu.Unlock()
	if js.all == nil {
		js.all = map[string]*job{}
	}
	js.all[id] = j
}

func (js *jobs) remove(id string) {
	js.mu.Lock()
	defer js.mu.Unlock()
	delete(js.all, id)
}

func (js *jobs) get(id string) *job {
	js.mu.Lock()
	defer js.mu.Unlock()
	return js.all[id]
}

// complete runs the processors on f, whose bytes are all stored, and signs
// its reference for owner. With keep, a receipt records the answer even
// when the processors derived nothing (see receipt). Processors still
// running after Config.ProcessWait go on in the background: f.processing
// is then set, and the error is nil. On error f is gone.
func (u *Uploader) complete(ctx context.Context, f *File, owner string, keep bool) error {
	ctx = context.WithValue(ctx, identityKey{}, owner) // for IdentityOf
	f.Ref = u.refFor(f.id, owner, f.Field)
	if len(u.processors) == 0 || u.processWait < 0 {
		return u.completeNow(ctx, f, keep)
	}
	// The processors work on a copy of f: the caller reads f meanwhile.
	g := &File{Name: f.Name, Size: f.Size, Type: f.Type, SHA256: f.SHA256, Field: f.Field, u: u, id: f.id}
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), u.processTimeout)
	j := &job{done: make(chan struct{}), cancel: cancel}
	u.jobs.add(f.id, j)
	go u.run(pctx, j, g, keep)

	wait := time.NewTimer(u.processWait)
	defer wait.Stop()
	select {
	case <-j.done:
	case <-wait.C:
	case <-ctx.Done(): // the client went away: nobody waits
	}
	if j.detach(func() (string, error) { return u.markProcessing(pctx, f) }) {
		f.processing = true
		// The processing goes on past the request: it counts among the
		// owner's uploads at once (Config.MaxConcurrent) until it ends.
		release := u.limits.hold(owner)
		go func() { <-j.done; release() }()
		return nil
	}
	<-j.done
	if j.err != nil {
		return j.err
	}
	f.made = g.made
	return nil
}

// completeNow runs the processors on f in the request.
func (u *Uploader) completeNow(ctx context.Context, f *File, keep bool) error {
	began := time.Now()
	if err := u.process(ctx, f, func() bool { return keep }); err != nil {
		f.Discard(ctx)
		return u.refused(ctx, f.Field, err)
	}
	u.observe(ctx, Event{Kind: EventCompleted, Field: f.Field, Size: f.Size, Type: f.Type, Processing: time.Since(began)})
	return nil
}

// run runs the processors of job j on g, and records the outcome: for a
// request that answered already, in the notes beside the upload.
func (u *Uploader) run(ctx context.Context, j *job, g *File, keep bool) {
	defer u.jobs.remove(g.id)
	defer j.cancel()
	began := time.Now()
	// A request that answered already is told by a receipt.
	err := u.process(ctx, g, func() bool { return j.settle() || keep })
	detached := j.settle()
	if err != nil {
		switch {
		case errors.Is(ctx.Err(), context.DeadlineExceeded):
			err = errProcessTimeout
		case errors.Is(ctx.Err(), context.Canceled):
			err = errProcessStopped
		}
		err = u.refused(ctx, g.Field, err)
		if detached { // noted before the file goes, for who finds it gone
			u.noteFailure(ctx, g.id, err)
		}
		g.Discard(ctx)
	} else {
		u.observe(ctx, Event{Kind: EventCompleted, Field: g.Field, Size: g.Size, Type: g.Type, Processing: time.Since(began)})
	}
	if detached {
		u.removeNote(ctx, j.marker)
	}
	j.err = err
	close(j.done)
}

// processingNote is the note that an upload is being processed, and until
// when at the latest: past it, its server stopped before recording the
// outcome.
type processingNote struct {
	Until int64 `json:"until"` // Unix seconds
}

// failureNote records why processing failed an upload: the status and the
// sentence of the error.
type failureNote struct {
	Status  int               `json:"status"`
	Message string            `json:"message"`        // in DefaultLanguage
	Said    map[string]string `json:"said,omitempty"` // in every language the Uploader knows
}

func (u *Uploader) processingID(id string) string { return u.uploadName(id) + ".processing" }
func (u *Uploader) failureID(id string) string    { return u.uploadName(id) + ".failed" }

// markProcessing writes the note that f is being processed.
func (u *Uploader) markProcessing(ctx context.Context, f *File) (string, error) {
	until := time.Now().Add(u.processTimeout + time.Minute).Unix()
	id, err := u.writeNote(ctx, u.processingID(f.id), f.id, processingNote{Until: until})
	if err != nil {
		u.log.Error("sticky: noting an upload's processing; the request waits for it", "err", err)
	}
	return id, err
}

// noteFailure records why the processing of upload id failed, for the
// request that did not wait (success is told by the receipt).
func (u *Uploader) noteFailure(ctx context.Context, id string, failed error) {
	ctx, cancel := cleanupContext(ctx)
	defer cancel()
	note := failureNote{Status: Status(failed), Said: map[string]string{}}
	for _, lang := range u.words.langs {
		note.Said[lang] = u.Message(failed, lang)
	}
	note.Message = note.Said[DefaultLanguage]
	if _, err := u.writeNote(ctx, u.failureID(id), id, note); err != nil {
		u.log.Error("sticky: noting an upload's failed processing", "err", err)
	}
}

// removeNote removes the processing note id: the outcome is recorded.
func (u *Uploader) removeNote(ctx context.Context, id string) {
	ctx, cancel := cleanupContext(ctx)
	defer cancel()
	if err := u.remove(ctx, id); err != nil && !errors.Is(err, handler.ErrNotFound) {
		u.log.Error("sticky: removing an upload's processing note", "err", err)
	}
}

// writeNote writes a small JSON note beside upload parent, under name.
func (u *Uploader) writeNote(ctx context.Context, name, parent string, v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	return u.putSmall(ctx, handler.FileInfo{ID: name, MetaData: handler.MetaData{
		"filename": "note.json",
		"filetype": "application/json",
		"parent":   parent,
		"expires":  u.expiry(),
	}}, b, maxReceipt)
}

// outcome tells how the processing of upload id stands: nil when it is
// done (or there was none), an error wrapping ErrProcessing while it runs,
// or the error that failed it.
func (u *Uploader) outcome(ctx context.Context, id string) error {
	if len(u.processors) == 0 {
		return nil
	}
	if j := u.jobs.get(id); j != nil {
		select {
		case <-j.done:
			return j.err
		default:
			return errProcessing
		}
	}
	// The failure note first: it is written before the file goes and
	// the processing note after.
	var fn failureNote
	found, _, err := u.readNote(ctx, u.failureID(id), &fn)
	switch {
	case err != nil:
		return u.storeFailure(err)
	case found:
		_, lang := speaker(ctx)
		if said, ok := fn.Said[lang]; ok {
			return &userError{kind: &refused{fn.Status}, text: said}
		}
		return &userError{kind: &refused{fn.Status}, text: fn.Message}
	}
	var p processingNote
	found, _, err = u.readNote(ctx, u.processingID(id), &p)
	switch {
	case err != nil:
		return u.storeFailure(err)
	case found && time.Now().Unix() <= p.Until:
		return errProcessing
	case found:
		return errProcessStopped // its server stopped before the end
	}
	return nil
}

// await waits up to wait for the processing of f to end. It returns f once
// processed; f and an error wrapping ErrProcessing while still processing;
// nil and the processor's error when it failed.
func (u *Uploader) await(ctx context.Context, f *File, wait time.Duration) (*File, error) {
	deadline := time.Now().Add(wait)
	for poll := 100 * time.Millisecond; ; poll = min(2*poll, time.Second) {
		err := u.outcome(ctx, f.id)
		switch {
		case err == nil:
			f.processing = false
			return f, nil
		case !errors.Is(err, ErrProcessing):
			if errors.Is(err, ErrStoreUnavailable) || errors.Is(err, ErrStoreFull) {
				return f, err // the file stays chosen, as in fromRef
			}
			return nil, err
		}
		f.processing = true
		left := time.Until(deadline)
		if left <= 0 {
			return f, err
		}
		var done <-chan struct{}
		if j := u.jobs.get(f.id); j != nil {
			done = j.done // no need to poll the store
		}
		t := time.NewTimer(min(poll, left))
		select {
		case <-ctx.Done():
			t.Stop()
			return f, err
		case <-done:
		case <-t.C:
		}
		t.Stop()
	}
}

// statusURL is where the client asks after the processing of f.
func (u *Uploader) statusURL(f *File) string {
	return u.path + statusPath + "?" + url.Values{"field": {f.Field}, "stored": {f.Ref}}.Encode()
}

// serveStatus answers GET <mount>status?field=F&stored=REF: how the
// processing of the upload stands. While it runs: 202 and the reply with
// "processing": true; once done: 200 and the upload's reply; when it
// failed: the failure's status and error reply. The reference must verify
// for the asker and the field.
func (u *Uploader) serveStatus(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeJSON(w, http.StatusMethodNotAllowed, errorReply(r.Context(), fail(ErrMalformed, "process.status_get")))
		return
	}
	q := r.URL.Query()
	f, err := u.fromRef(r.Context(), q.Get("stored"), u.who(r), q.Get("field"), 0)
	if err == nil {
		_, err = f.Derived(r.Context()) // the receipt: the processors' members
	}
	switch {
	case errors.Is(err, ErrProcessing):
		writeJSON(w, http.StatusAccepted, replyOf(f))
	case err != nil:
		writeError(w, r, err)
	default:
		writeJSON(w, http.StatusOK, replyOf(f))
	}
}

// Shutdown waits for the processing that goes on in the background after
// its request was answered (see Config.ProcessWait), so that none is cut
// short: call it once the server has stopped taking requests
// (http.Server.Shutdown). When ctx is done first, the processing still
// running is cancelled (processors must heed their context), recorded as
// failed, and Shutdown returns ctx's error once it is recorded.
func (u *Uploader) Shutdown(ctx context.Context) error {
	for {
		u.jobs.mu.Lock()
		var next *job
		for _, j := range u.jobs.all {
			next = j
			break
		}
		u.jobs.mu.Unlock()
		if next == nil {
			return nil
		}
		select {
		case <-next.done:
		case <-ctx.Done():
			u.jobs.mu.Lock()
			running := make([]*job, 0, len(u.jobs.all))
			for _, j := range u.jobs.all {
				running = append(running, j)
			}
			u.jobs.mu.Unlock()
			for _, j := range running {
				j.cancel()
			}
			for _, j := range running {
				<-j.done
			}
			return ctx.Err()
		}
	}
}
