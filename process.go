package sticky

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/tus/tusd/v2/pkg/handler"
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
	return &userError{kind: &refused{status}, msg: message}
}

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
// the reply's own ("is_valid", "filename", "size", "type", "stored",
// "errors").
//
// An error fails the upload, and nothing of it is left in the store: the
// person sees the message of a Refuse error, or a general sentence (status
// 422) for any other error, which is logged. Processors run with the
// context of the request that completed the upload, so they see its values.
//
// A File handed to a Processor has no Ref yet. A processor may read it
// (File.Open) but must not save or discard it.
type Processor interface {
	Process(ctx context.Context, f *File) (map[string]any, error)
}

// ProcessorFunc makes a Processor of a function.
type ProcessorFunc func(ctx context.Context, f *File) (map[string]any, error)

// Process calls p(ctx, f).
func (p ProcessorFunc) Process(ctx context.Context, f *File) (map[string]any, error) {
	return p(ctx, f)
}

// A Deriver makes files from an upload: open reads the upload, and create
// stores a new file under name (no directory part) with the content type.
// thumbnail.Spec is one. Derive makes a Processor of it.
type Deriver interface {
	Derive(ctx context.Context, open func() (io.ReadCloser, error), create func(name, contentType string) (io.WriteCloser, error)) (map[string]any, error)
}

// Derive returns a Processor that runs d on each file. The files d creates
// are kept in the temporary store beside the file, for as long as it is
// kept: File.Derived lists them, Permanent.Save saves them beside it (see
// DerivedKey), and discarding the file discards them. A file d creates is
// stored only when d closes it without error.
//
//	Processors: []sticky.Processor{sticky.Derive(thumbnail.Spec{Width: 200, Height: 200})}
func Derive(d Deriver) Processor {
	return ProcessorFunc(func(ctx context.Context, f *File) (map[string]any, error) {
		open := func() (io.ReadCloser, error) { return f.Open(ctx) }
		create := func(name, contentType string) (io.WriteCloser, error) { return f.create(ctx, name, contentType) }
		return d.Derive(ctx, open, create)
	})
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
var reserved = map[string]bool{"is_valid": true, "filename": true, "size": true, "type": true, "stored": true, "errors": true}

// process runs the processors on f, a complete upload, and records what
// they made. With keep, or when they derived files, it writes f's receipt
// (see receipt). On error, what they made is gone; f itself is the
// caller's to remove.
func (u *Uploader) process(ctx context.Context, f *File, keep bool) error {
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
	if !keep && len(m.derived) == 0 {
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
		return failWith(ErrMalformed, "The upload was cut short. Please try again.", err)
	}
	u.log.Error("sticky: processing an upload", "processor", i, "type", fmt.Sprintf("%T", p), "err", err)
	return &userError{kind: &refused{http.StatusUnprocessableEntity},
		msg: "The file could not be processed. Please check it, or choose another one.", err: err}
}

// derivedWriter stores a derived file as it is written: the bytes stream
// through a pipe into a new upload of the temporary store.
type derivedWriter struct {
	pw     *io.PipeWriter
	done   chan error
	closed bool
}

func (w *derivedWriter) Write(p []byte) (int, error) { return w.pw.Write(p) }

func (w *derivedWriter) Close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	w.pw.Close()
	return <-w.done
}

// maxDerivedName bounds a derived file's name, in bytes.
const maxDerivedName = 64

// create starts a derived file of f, for Derive.
func (f *File) create(ctx context.Context, name, contentType string) (io.WriteCloser, error) {
	m := f.made
	if m == nil || !m.running {
		return nil, errors.New("sticky: files can be derived only while processors run")
	}
	if name == "" || len(name) > maxDerivedName || safeValue(name) != name {
		return nil, fmt.Errorf("sticky: derived file name %q: use up to %d letters, digits and -_. (not first)", name, maxDerivedName)
	}
	if baseType(contentType) == "" {
		contentType = "application/octet-stream"
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.names[name] {
		return nil, fmt.Errorf("sticky: a derived file is already named %q", name)
	}
	if m.names == nil {
		m.names = map[string]bool{}
	}
	m.names[name] = true
	pr, pw := io.Pipe()
	w := &derivedWriter{pw: pw, done: make(chan error, 1)}
	m.pending = append(m.pending, w)
	info := handler.FileInfo{MetaData: handler.MetaData{
		"filename": name,
		"filetype": contentType,
		"parent":   f.id,
		"expires":  strconv.FormatInt(time.Now().Add(f.u.ttl).Unix(), 10),
	}}
	go func() {
		id, size, err := f.u.put(ctx, info, pr, f.u.largest)
		pr.CloseWithError(cmpErr(err, io.ErrClosedPipe)) // writes after a failure fail
		if err == nil {
			m.mu.Lock()
			m.derived = append(m.derived, &File{Name: name, Size: size, Type: contentType, u: f.u, id: id, made: &made{child: true}})
			m.mu.Unlock()
		}
		w.done <- err
	}()
	return w, nil
}

func cmpErr(err, otherwise error) error {
	if err != nil {
		return err
	}
	return otherwise
}

// abandon stops the derived files a processor left open, which are then
// not kept, and returns how many there were.
func (m *made) abandon() int {
	m.mu.Lock()
	pending := m.pending
	m.pending = nil
	m.mu.Unlock()
	open := 0
	for _, w := range pending {
		if !w.closed {
			open++
			w.closed = true
			w.pw.CloseWithError(errors.New("sticky: derived file left unclosed"))
			<-w.done
		}
	}
	return open
}

// A receipt is a small JSON upload beside a processed file, under the id
// receiptID(file's id): written once the processors are done, it lists the
// files they derived and keeps the reply. Resumable uploads always get one,
// and one exists only for uploads that were answered: a complete upload
// without it was never accepted (its server stopped while processing it).
type receipt struct {
	Name    string                     `json:"name"`
	Size    int64                      `json:"size"`
	Type    string                     `json:"type"`
	Results map[string]json.RawMessage `json:"results,omitempty"`
	Derived []derivedRecord            `json:"derived,omitempty"`
}

type derivedRecord struct {
	Name string `json:"name"`
	Type string `json:"type"`
	Size int64  `json:"size"`
	ID   string `json:"id"`
}

// maxReceipt bounds a receipt, in bytes.
const maxReceipt = 1 << 20

// receiptID names the receipt of upload id, so that it can be found from
// the id alone.
func (u *Uploader) receiptID(id string) string { return u.uploadName(id) + ".receipt" }

func (u *Uploader) writeReceipt(ctx context.Context, f *File) error {
	m := f.made
	rec := receipt{Name: f.Name, Size: f.Size, Type: f.Type, Results: m.results}
	for _, d := range m.derived {
		rec.Derived = append(rec.Derived, derivedRecord{Name: d.Name, Type: d.Type, Size: d.Size, ID: d.id})
	}
	b, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	info := handler.FileInfo{ID: u.receiptID(f.id), MetaData: handler.MetaData{
		"filename": "receipt.json",
		"filetype": "application/json",
		"parent":   f.id,
		"expires":  strconv.FormatInt(time.Now().Add(u.ttl).Unix(), 10),
	}}
	id, _, err := u.put(ctx, info, bytes.NewReader(b), maxReceipt)
	if err != nil {
		return err
	}
	m.receipt = id
	return nil
}

// readReceipt reads the receipt of upload id. It returns a nil receipt when
// there is none, and then the id of a half-written one, if any, to remove.
func (u *Uploader) readReceipt(ctx context.Context, id string) (*receipt, string, error) {
	up, err := u.findUpload(ctx, u.receiptID(id))
	if errors.Is(err, handler.ErrNotFound) {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", err
	}
	info, err := up.GetInfo(ctx)
	if errors.Is(err, handler.ErrNotFound) {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", err
	}
	if info.SizeIsDeferred || info.Offset != info.Size {
		return nil, info.ID, nil
	}
	rc, err := up.GetReader(ctx)
	if err != nil {
		return nil, "", err
	}
	defer rc.Close()
	var rec receipt
	if err := json.NewDecoder(io.LimitReader(rc, maxReceipt)).Decode(&rec); err != nil {
		return nil, "", fmt.Errorf("sticky: reading receipt %s: %w", info.ID, err)
	}
	return &rec, info.ID, nil
}

// Derived returns the files that processors stored beside f (see Derive),
// such as its thumbnail, in the order they were made; none when they made
// none. They are kept as long as f is: Permanent.Save saves them beside f,
// and discarding f discards them.
func (f *File) Derived(ctx context.Context) ([]*File, error) {
	if f.made == nil {
		rec, id, err := f.u.readReceipt(ctx, f.id)
		if err != nil {
			return nil, f.u.lookupFailure(err)
		}
		m := &made{receipt: id}
		if rec != nil {
			m.results = rec.Results
			for _, d := range rec.Derived {
				m.derived = append(m.derived, &File{Name: d.Name, Size: d.Size, Type: d.Type, u: f.u, id: d.ID, made: &made{child: true}})
			}
		}
		f.made = m
	}
	return f.made.derived, nil
}

// discardMade removes the files derived from f and its receipt. A derived
// file has neither.
func (f *File) discardMade(ctx context.Context) error {
	if f.made != nil && f.made.child {
		return nil
	}
	ctx, cancel := cleanupContext(ctx)
	defer cancel()
	derived, err := f.Derived(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, d := range derived {
		errs = append(errs, d.Discard(ctx))
	}
	if id := f.made.receipt; id != "" {
		if err := f.u.remove(ctx, id); err != nil && !errors.Is(err, handler.ErrNotFound) {
			errs = append(errs, err)
		}
	}
	f.made.derived, f.made.receipt = nil, ""
	return errors.Join(errs...)
}

// replyOf is the reply that tells the client about f.
func replyOf(f *File) reply {
	r := reply{Valid: true, Filename: f.Name, Size: f.Size, Type: f.Type, Stored: f.Ref}
	if f.made != nil {
		r.Extra = f.made.results
	}
	return r
}

// MarshalJSON writes the reply's own members, then the processors'.
func (r reply) MarshalJSON() ([]byte, error) {
	type plain reply
	b, err := json.Marshal(plain(r))
	if err != nil || len(r.Extra) == 0 {
		return b, err
	}
	extra := make(map[string]json.RawMessage, len(r.Extra))
	for k, v := range r.Extra {
		if !reserved[k] {
			extra[k] = v
		}
	}
	e, err := json.Marshal(extra)
	if err != nil || len(extra) == 0 {
		return b, err
	}
	return append(append(b[:len(b)-1], ','), e[1:]...), nil
}

// asciiJSON escapes the characters of JSON text that are not printable
// ASCII as \uXXXX, for a header value.
func asciiJSON(b []byte) string {
	var s strings.Builder
	s.Grow(len(b))
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		b = b[n:]
		switch {
		case r < utf8.RuneSelf && r != 0x7f: // json escaped the other controls
			s.WriteByte(byte(r))
		case r > 0xffff:
			r1, r2 := utf16.EncodeRune(r)
			fmt.Fprintf(&s, `\u%04x\u%04x`, r1, r2)
		default:
			fmt.Fprintf(&s, `\u%04x`, r)
		}
	}
	return s.String()
}
