package sticky

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/tus/tusd/v2/pkg/handler"
)

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
		st, err := f.u.put(ctx, info, pr, f.u.largest)
		pr.CloseWithError(cmpErr(err, io.ErrClosedPipe)) // writes after a failure fail
		if err == nil {
			m.mu.Lock()
			m.derived = append(m.derived, &File{Name: name, Size: st.size, Type: contentType, SHA256: st.sha256, u: f.u, id: st.id, made: &made{child: true}})
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

// Derived returns the files that processors stored beside f (see Derive),
// such as its thumbnail, in the order they were made; none when they made
// none. They are kept as long as f is: Permanent.Save saves them beside f,
// and discarding f discards them.
func (f *File) Derived(ctx context.Context) ([]*File, error) {
	if f.made == nil {
		if _, err := f.loadReceipt(ctx); err != nil {
			return nil, err
		}
	}
	return f.made.derived, nil
}

// loadReceipt reads f's receipt into f.made and returns it; nil when f
// has none.
func (f *File) loadReceipt(ctx context.Context) (*receipt, error) {
	rec, id, err := f.u.readReceipt(ctx, f.id)
	if err != nil {
		return nil, f.u.lookupFailure(err)
	}
	m := &made{receipt: id}
	if rec != nil {
		m.results = rec.Results
		for _, d := range rec.Derived {
			m.derived = append(m.derived, &File{Name: d.Name, Size: d.Size, Type: d.Type, SHA256: d.SHA256, u: f.u, id: d.ID, made: &made{child: true}})
		}
	}
	f.made = m
	return rec, nil
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
