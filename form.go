package sticky

import (
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"time"

	"github.com/tus/tusd/v2/pkg/handler"
)

const (
	// maxFormParts bounds the parts of a form post.
	maxFormParts = 1000
	// maxFieldFiles bounds the files posted for one field.
	maxFieldFiles = 100
	// maxFormValues bounds the bytes of a form post's values (not files).
	maxFormValues = formOverhead
)

// Form is a form post read by Uploader.ReadForm. Its values are also in the
// request's PostForm and Form, so r.FormValue works as usual.
type Form struct {
	u      *Uploader
	w      http.ResponseWriter
	r      *http.Request
	in     *http.Request // r, as a way in (see Observer)
	ctx    context.Context
	owner  string
	post   url.Values
	posted map[string][]result // by field: files posted as bytes
	files  map[string]result   // by field: answers of File
	lists  map[string][]*File  // by field: answers of Files
	errs   map[string]error    // by field: errors of Files
}

type result struct {
	f    *File
	err  error
	name string // the name the file was posted with
}

// ReadForm reads a form post, multipart or URL-encoded, streaming it: file
// parts go straight into the temporary store, each judged by the Uploader's
// rules (type and size), and the form's values are kept in memory up to
// 10 MiB. A file posted as bytes is then kept exactly like one uploaded in
// the background, so a re-rendered form shows it kept whether or not the
// browser ran the client script.
//
// Each file posted is an upload like one sent to the endpoint, held to the
// same limits (Config.RateLimit, Config.MaxConcurrent) and rules. With
// Config.Fields set, a file posted for a field it does not list is not
// kept.
//
// ReadForm fails only when the post as a whole cannot be read (malformed,
// cut short, or over Config.MaxFormSize) or when its files go over the
// user's limits (ErrRateLimited; Retry-After is set on w): answer
// Status(err). Problems with one file are told by
// Form.File for its field.
//
// The errors of ReadForm and of the Form's methods speak the request's
// language (Uploader.Language): err.Error() is the sentence to show.
func (u *Uploader) ReadForm(w http.ResponseWriter, r *http.Request) (*Form, error) {
	form, err := u.readForm(w, r)
	if err != nil {
		err = spoken(err, u.words, u.Language(r))
	}
	return form, err
}

func (u *Uploader) readForm(w http.ResponseWriter, r *http.Request) (*Form, error) {
	in := withWay(u.withLanguage(r), "form")
	form := &Form{u: u, w: w, r: r, in: in, ctx: in.Context(), owner: u.who(r), posted: map[string][]result{},
		files: map[string]result{}, lists: map[string][]*File{}, errs: map[string]error{}}
	watchBody(w, r, u.bodyTimeout)
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "multipart/form-data" {
		r.Body = http.MaxBytesReader(w, r.Body, maxFormValues)
		if err := r.ParseForm(); err != nil {
			return nil, readFailure(err, maxFormValues)
		}
		form.post = r.PostForm
		return form, nil
	}
	r.Body = http.MaxBytesReader(w, r.Body, u.maxForm)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, fail(ErrMalformed, "form.unreadable")
	}
	if err := form.read(mr); err != nil {
		for _, list := range form.posted {
			for _, res := range list {
				if res.f != nil {
					res.f.Discard(r.Context())
				}
			}
		}
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			err = failWith(ErrTooLarge, "form.too_large", err, "limit", byteCount(u.maxForm))
		}
		return nil, err
	}
	r.PostForm = form.post
	r.Form = make(url.Values, len(form.post))
	for k, v := range form.post {
		r.Form[k] = append([]string(nil), v...)
	}
	for k, v := range r.URL.Query() {
		r.Form[k] = append(r.Form[k], v...)
	}
	// A later r.FormFile or ParseMultipartForm must not read the body again.
	r.MultipartForm = &multipart.Form{Value: form.post, File: map[string][]*multipart.FileHeader{}}
	return form, nil
}

func (form *Form) read(mr *multipart.Reader) error {
	u := form.u
	form.post = url.Values{}
	budget := int64(maxFormValues)
	for parts := 0; ; parts++ {
		p, err := mr.NextPart()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return readFailure(err, u.largest)
		}
		if parts == maxFormParts {
			return fail(ErrMalformed, "form.too_many_fields")
		}
		name := p.FormName()
		_, params, _ := mime.ParseMediaType(p.Header.Get("Content-Disposition"))
		_, isFile := params["filename"]
		switch {
		case name == "":
		case !isFile:
			b, err := io.ReadAll(io.LimitReader(p, budget+1))
			if err != nil {
				return readFailure(err, u.largest)
			}
			if budget -= int64(len(b)); budget < 0 {
				return fail(ErrTooLarge, "form.fields_too_large")
			}
			form.post.Add(name, string(b))
		case p.FileName() == "": // a file input left empty
		case len(form.posted[name]) == maxFieldFiles:
			return fail(ErrMalformed, "form.too_many_files")
		case len(u.fields) > 0 && !u.listed(name):
			// A field the application does not use keeps no file.
		case form.owner == "":
			form.posted[name] = append(form.posted[name], result{err: u.refused(form.ctx, name, errSignIn), name: p.FileName()})
		default:
			// Each file is an upload, held to the limits of the endpoint:
			// over one, the whole post is refused (429).
			done, err := u.startUpload(form.ctx, form.w, form.owner)
			if err != nil {
				return err
			}
			f, err := u.receive(form.in, form.owner, Incoming{Field: name, Name: p.FileName(), Size: -1, Type: p.Header.Get("Content-Type")}, p)
			done()
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) || errors.Is(err, ErrMalformed) || errors.Is(err, ErrStalled) {
				return err // the post itself is broken
			}
			form.posted[name] = append(form.posted[name], result{f, err, p.FileName()})
		}
		// Skip what is left of the part: a file over the limit, a second file.
		if _, err := io.Copy(io.Discard, p); err != nil {
			return readFailure(err, u.largest)
		}
	}
}

// keptName is the hidden field that carries a sticky field's reference.
func keptName(field string) string { return "_" + field }

// removeName is the checkbox that drops a kept file when scripts are off.
func removeName(field string) string { return "_" + field + "_remove" }

// Value returns the first value posted for name, or "".
func (form *Form) Value(name string) string { return form.post.Get(name) }

// File returns the file of the sticky field name: the bytes posted with the
// form or the file its reference points to, whichever the browser sent.
// Bytes win when both came, and the file kept before is discarded; when new
// bytes broke a rule while a file was kept, File returns that kept file
// together with the error, so the re-rendered field keeps it. The error says
// what went wrong, in words for the person who filled the form: ErrNoFile,
// ErrTooLarge, ErrType, ErrEmpty, ErrNotAllowed, ErrInvalidRef, ErrExpired,
// ErrNotOwner, ErrWrongField, ErrGone, ErrStoreUnavailable or ErrStoreFull.
// With ErrStoreUnavailable or ErrStoreFull for a file kept before (the
// temporary store cannot be reached), File returns it too, its Name a
// placeholder, so that the re-rendered field keeps its reference and the
// form can be sent again once the store is back.
//
// A file whose processors (Config.Processors) still run is waited for up to
// Config.ProcessWait; then File returns it too, with an error wrapping
// ErrProcessing, so that the re-rendered field keeps it while it is being
// checked. A file whose processing failed is not returned: the error is
// the processor's (a Refuse), and the re-rendered field drops it.
//
// For a field that takes several files, use Files.
func (form *Form) File(name string) (*File, error) {
	if res, ok := form.files[name]; ok {
		return res.f, form.say(res.err)
	}
	var res result
	ref := form.post.Get(keptName(name))
	kept := func() (*File, error) {
		if ref == "" {
			return nil, fail(ErrNoFile, "form.choose")
		}
		return form.u.fromRef(form.ctx, ref, form.owner, name, form.u.processWait)
	}
	switch posted := form.posted[name]; {
	case len(posted) > 0:
		res = form.processed(posted[0])
		for _, extra := range posted[1:] { // one file for a single field
			if extra.f != nil {
				extra.f.Discard(form.ctx)
			}
		}
		old, err := kept()
		switch {
		case res.f != nil && err == nil:
			old.Discard(form.ctx)
		case res.f == nil && err == nil && !form.removing(name, ref):
			res.f = old
		}
		if res.f != nil {
			form.setKept(name, []string{res.f.Ref})
		}
	case form.removing(name, ref):
		if f, err := kept(); err == nil {
			f.Discard(form.ctx)
		}
		res.err = fail(ErrNoFile, "form.choose")
	default:
		res.f, res.err = kept()
	}
	form.files[name] = res
	return res.f, form.say(res.err)
}

// Files returns the files of a sticky field that takes several: those kept
// before (their references, less the ones the person removed) followed by
// those posted as bytes now. The error joins what went wrong with each file
// that is not returned, each message naming its file; with no file at all
// and nothing wrong it is ErrNoFile.
func (form *Form) Files(name string) ([]*File, error) {
	if list, ok := form.lists[name]; ok {
		return list, form.errs[name]
	}
	var (
		files []*File
		errs  []error
		seen  = map[string]bool{}
	)
	for _, ref := range form.post[keptName(name)] {
		if ref == "" || seen[ref] {
			continue
		}
		seen[ref] = true
		f, err := form.u.fromRef(form.ctx, ref, form.owner, name, form.u.processWait)
		switch {
		case err != nil:
			errs = append(errs, form.say(err))
			if f != nil { // the store is down: the file stays chosen
				files = append(files, f)
			}
		case form.removing(name, ref):
			f.Discard(form.ctx)
		default:
			files = append(files, f)
		}
	}
	for _, res := range form.posted[name] {
		if res = form.processed(res); res.err != nil {
			if res.f != nil { // still being processed: it stays chosen
				files = append(files, res.f)
			}
			errs = append(errs, form.say(named(res.err, res.name)))
			continue
		}
		files = append(files, res.f)
	}
	refs := make([]string, len(files))
	for i, f := range files {
		refs[i] = f.Ref
	}
	form.setKept(name, refs)
	err := errors.Join(errs...)
	if len(files) == 0 && err == nil {
		err = form.say(fail(ErrNoFile, "form.choose_some"))
	}
	form.lists[name], form.errs[name] = files, err
	return files, err
}

// processed is res once the processing of its file, posted with the form,
// is asked after again: ReadForm waited for it already.
func (form *Form) processed(res result) result {
	if res.f != nil && res.f.processing {
		res.f, res.err = form.u.await(form.ctx, res.f, 0)
	}
	return res
}

// say returns err speaking the language of the form's request.
func (form *Form) say(err error) error {
	return spoken(err, form.u.words, LanguageOf(form.ctx))
}

// setKept records the references a field keeps, in the form and in the
// request, so a re-render from r.FormValue or r.PostForm keeps them too.
func (form *Form) setKept(name string, refs []string) {
	form.post[keptName(name)] = refs
	if form.r.Form != nil {
		form.r.Form[keptName(name)] = refs
	}
}

// removing reports whether the person asked to drop the kept file ref:
// a single field's box posts "1", a multiple field's boxes post the refs.
func (form *Form) removing(name, ref string) bool {
	for _, v := range form.post[removeName(name)] {
		if v == "1" || v == ref && ref != "" {
			return true
		}
	}
	return false
}

// fromRef finds the kept file a reference points to. A file still being
// processed is waited for up to wait, then returned with an error wrapping
// ErrProcessing; one whose processing failed is not returned, the error
// saying why.
func (u *Uploader) fromRef(ctx context.Context, ref, owner, field string, wait time.Duration) (*File, error) {
	if owner == "" {
		return nil, fail(ErrNotAllowed, "auth.sign_in")
	}
	c, err := u.sign.verify(ref, owner, scopeOf(u.path, field))
	switch {
	case errors.Is(err, ErrExpired):
		return nil, fail(ErrExpired, "ref.expired")
	case errors.Is(err, ErrNotOwner):
		return nil, fail(ErrNotOwner, "ref.not_owner")
	case errors.Is(err, ErrWrongField):
		return nil, fail(ErrWrongField, "ref.wrong_field")
	case err != nil:
		return nil, fail(ErrInvalidRef, "ref.invalid")
	}
	// The store down, the reference still holds: the file stays chosen
	// across the re-render, unnamed, and the form can be sent again once
	// the store is back.
	unreachable := func(err error) (*File, error) {
		err = u.lookupFailure(err)
		if errors.Is(err, ErrGone) {
			return nil, err
		}
		words, lang := speaker(ctx)
		return &File{Name: words.text(lang, "file.unreachable"), Ref: ref, Field: field, u: u, id: c.ID}, err
	}
	up, err := u.store.GetUpload(ctx, c.ID)
	if errors.Is(err, handler.ErrNotFound) {
		// Gone: its processing may have failed, and say why.
		if j := u.jobs.get(c.ID); j != nil {
			select { // failing here: the outcome comes at once
			case <-j.done:
			case <-ctx.Done():
			}
		}
		if why := u.outcome(ctx, c.ID); why != nil && !errors.Is(why, ErrProcessing) && !errors.Is(why, ErrStoreUnavailable) {
			return nil, why
		}
	}
	if err != nil {
		return unreachable(err)
	}
	info, err := up.GetInfo(ctx)
	if err != nil {
		return unreachable(err)
	}
	if info.SizeIsDeferred || info.Offset != info.Size {
		return nil, fail(ErrGone, "ref.unfinished")
	}
	f := &File{
		Name:   CleanName(info.MetaData["filename"]),
		Size:   info.Size,
		Type:   u.storedType(ctx, up, info),
		SHA256: info.MetaData[metaSHA256],
		Ref:    ref,
		Field:  field,
		u:      u,
		id:     c.ID,
	}
	if f, err = u.await(ctx, f, wait); err != nil {
		return f, err
	}
	if f.SHA256 == "" { // kept in the receipt (see put)
		rec, err := f.loadReceipt(ctx)
		if err != nil {
			return nil, err
		}
		if rec != nil {
			f.SHA256 = rec.SHA256
		}
	}
	return f, nil
}
