package sticky

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
)

// The application's say in each upload, in the order it comes:
//
//  1. Config.Before may refuse a file before its bytes arrive (a quota, a
//     rate limit): it sees an Incoming.
//  2. Config.Rename may choose the file's display name.
//  3. The bytes arrive and are judged by type and size.
//  4. Config.Processors run on the complete file. What they return joins
//     the reply; files they derive (see Derive) are kept beside it.
//
// The same steps run for the one-shot endpoint, for files posted with a
// form (ReadForm) and for resumable uploads, so no way in skips them.

// ErrRefused is wrapped by the errors of uploads that the application
// refused: with Refuse in Config.Before or in a Processor, or by a
// Processor that failed.
var ErrRefused = errors.New("sticky: refused by the application")

// refused is the kind of a refusal: ErrRefused, with the status chosen.
type refused struct{ status int }

func (r *refused) Error() string        { return ErrRefused.Error() }
func (r *refused) Is(target error) bool { return target == ErrRefused }

// Refuse returns an error that refuses a file, for Config.Before or a
// Processor to return: status answers the upload (403 Forbidden, 413
// Content Too Large, 429 Too Many Requests...) and message is the sentence
// shown to the person, as it is. Status(err) reports the status, and
// errors.Is(err, ErrRefused) holds.
func Refuse(status int, message string) error {
	if status < 400 || status > 599 {
		status = http.StatusForbidden
	}
	return &userError{kind: &refused{status}, text: message}
}

// RefuseWith is Refuse with a sentence of sticky's catalogue: id is a
// message id (see DefaultMessages) and args fill its placeholders, name
// then value ("limit", int64(n)); an int64 is a size in bytes, written in
// the person's words. The sentence is said in the language of the reply,
// with the app's Config.Messages. Packages that extend sticky (its virus
// scanner) refuse with it, so that their sentences are translated too.
func RefuseWith(status int, id string, args ...any) error {
	if status < 400 || status > 599 {
		status = http.StatusForbidden
	}
	return &userError{kind: &refused{status}, msg: message{id, args}}
}

// refuse is RefuseWith for sticky's own refusals.
func refuse(status int, id string) error { return RefuseWith(status, id) }

// Incoming describes a file about to be received, before its bytes: what
// Config.Before and Config.Rename are shown.
type Incoming struct {
	// Field is the sticky field the file is for. It is "" when a one-shot
	// upload sends the file before naming its field (the client script
	// names it first).
	Field string
	// Name is the name the client gave, cleaned with CleanName.
	Name string
	// Size is the length the client declared, or -1 when it declared none:
	// resumable uploads declare it, one-shot uploads and forms do not (a
	// Processor sees the real File.Size).
	Size int64
	// Type is the content type the client claims, unchecked ("" when it
	// claims none). The bytes decide File.Type.
	Type string
}

// A Processor is a step run on each file once all its bytes are in the
// temporary store, before the upload is answered: the Django uploaders'
// upload_complete. The map it returns joins the reply (the endpoint's JSON,
// or the Sticky-Reply header of a resumable upload), its values encoded as
// JSON; later steps overwrite the keys of earlier ones, and none overwrites
// the reply's own ("is_valid", "filename", "size", "type", "sha256",
// "stored", "processing", "status_url", "errors").
//
// An error fails the upload, and nothing of it is left in the store: the
// person sees the message of a Refuse error, or a general sentence (status
// 422) for any other error, which is logged. Processors run with the
// values of the request that completed the upload (IdentityOf), but not
// its cancellation: a person who leaves loses nothing. Past
// Config.ProcessWait the request is answered ("processing": true) and they
// go on in the background, within Config.ProcessTimeout; the outcome is
// recorded in the temporary store, for any server (see ErrProcessing).
//
// A File handed to a Processor has no Ref yet. A processor may read it
// (File.Open) but must not save or discard it.
type Processor interface {
	Process(ctx context.Context, f *File) (map[string]any, error)
}

// IdentityOf returns the identity (Config.Identity) of the person whose
// file a Processor is processing, for an audit log or a per-user rule; ""
// outside a Processor.
func IdentityOf(ctx context.Context) string {
	id, _ := ctx.Value(identityKey{}).(string)
	return id
}

// ProcessorFunc makes a Processor of a function.
type ProcessorFunc func(ctx context.Context, f *File) (map[string]any, error)

// Process calls p(ctx, f).
func (p ProcessorFunc) Process(ctx context.Context, f *File) (map[string]any, error) {
	return p(ctx, f)
}

// made is what processing made of a file, or what its receipt says.
type made struct {
	mu      sync.Mutex
	running bool                       // processors are running: files may be derived
	results map[string]json.RawMessage // the processors' fields of the reply
	derived []*File                    // the derived files, in the order made
	receipt string                     // the id of the receipt upload, "" if none
	child   bool                       // this file was derived from another
	pending []*derivedWriter           // derived files being written
	names   map[string]bool            // the names of the derived files
}

// reserved are the reply's own keys, which processors cannot overwrite.
var reserved = map[string]bool{"is_valid": true, "filename": true, "size": true, "type": true, "sha256": true, "stored": true,
	"processing": true, "status_url": true, "errors": true}

// process runs the processors on f, a complete upload, and records what
// they made. When keep, asked once they are done, says so, or when they
// derived files, it writes f's receipt (see receipt). On error, what they
// made is gone; f itself is the caller's to remove.
func (u *Uploader) process(ctx context.Context, f *File, keep func() bool) error {
	m := &made{running: len(u.processors) > 0}
	f.made = m
	for i, p := range u.processors {
		res, err := p.Process(ctx, f)
		if open := m.abandon(); err == nil && open > 0 {
			err = fmt.Errorf("sticky: processor %d (%T) left %d derived files unclosed", i, p, open)
		}
		if err == nil {
			err = m.record(res)
		}
		if err != nil {
			m.running = false
			f.discardMade(ctx)
			return u.processFailure(i, p, err)
		}
	}
	m.running = false
	if !keep() && len(m.derived) == 0 {
		return nil
	}
	if err := u.writeReceipt(ctx, f); err != nil {
		f.discardMade(ctx)
		return err
	}
	return nil
}

// record adds a processor's results to the reply's fields.
func (m *made) record(res map[string]any) error {
	for k, v := range res {
		if reserved[k] {
			continue
		}
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("sticky: the result %q cannot be encoded as JSON: %w", k, err)
		}
		if m.results == nil {
			m.results = map[string]json.RawMessage{}
		}
		m.results[k] = b
	}
	return nil
}

// processFailure explains the failure of processor i: a refusal as it is,
// a failure of sticky's own (a full store, say) as it is, anything else in
// general words, the cause logged.
func (u *Uploader) processFailure(i int, p Processor, err error) error {
	var ue *userError
	if errors.As(err, &ue) {
		return ue
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return failWith(ErrMalformed, "upload.cut_short", err)
	}
	u.log.Error("sticky: processing an upload", "processor", i, "type", fmt.Sprintf("%T", p), "err", err)
	return &userError{kind: &refused{http.StatusUnprocessableEntity}, msg: message{id: "upload.not_processed"}, err: err}
}
