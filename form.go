package sticky

import (
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
)

const (
	// maxFormParts bounds the parts of a form post.
	maxFormParts = 1000
	// maxFormValues bounds the bytes of a form post's values (not files).
	maxFormValues = formOverhead
)

// Form is a form post read by Uploader.ReadForm. Its values are also in the
// request's PostForm and Form, so r.FormValue works as usual.
type Form struct {
	u     *Uploader
	ctx   context.Context
	owner string
	post  url.Values
	files map[string]result // by field: files posted as bytes, and refs looked up
}

type result struct {
	f   *File
	err error
}

// ReadForm reads a form post, multipart or URL-encoded, streaming it: file
// parts go straight into the temporary store, each judged by the Uploader's
// rules (type and size), and the form's values are kept in memory up to
// 10 MiB. A file posted as bytes is then kept exactly like one uploaded in
// the background, so a re-rendered form shows it kept whether or not the
// browser ran the client script.
//
// ReadForm fails only when the post as a whole cannot be read: malformed,
// cut short, or over Config.MaxFormSize. Problems with one file are told by
// Form.File for its field.
func (u *Uploader) ReadForm(w http.ResponseWriter, r *http.Request) (*Form, error) {
	form := &Form{u: u, ctx: r.Context(), owner: u.identity(r), files: map[string]result{}}
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
		return nil, fail(ErrMalformed, "The form could not be read. Please send it again.")
	}
	if err := form.read(mr); err != nil {
		for _, res := range form.files {
			if res.f != nil {
				res.f.Discard(r.Context())
			}
		}
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			err = failWith(ErrTooLarge, "The form is too large: the limit is "+SizeString(u.maxForm)+".", err)
		}
		return nil, err
	}
	for field, res := range form.files {
		old, err := u.fromRef(r.Context(), form.post.Get(keptName(field)), form.owner, field)
		switch {
		case res.f != nil && err == nil: // bytes posted now replace the file kept before
			old.Discard(r.Context())
		case res.f == nil && err == nil: // a refused new file leaves the kept one kept
			form.files[field] = result{old, res.err}
		}
		if res.f != nil {
			form.post.Set(keptName(field), res.f.Ref)
		}
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
			return fail(ErrMalformed, "The form has too many fields.")
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
				return fail(ErrTooLarge, "The form's fields are too large.")
			}
			form.post.Add(name, string(b))
		case p.FileName() == "": // a file input left empty
		case form.files[name] != (result{}): // one file per field
		case form.owner == "":
			form.files[name] = result{err: fail(ErrNotAllowed, "Please sign in to upload files.")}
		default:
			f, err := u.receive(form.ctx, u.rules(name), p.FileName(), p)
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) || errors.Is(err, ErrMalformed) {
				return err // the post itself is broken
			}
			if f != nil {
				f.Ref = u.sign.sign(f.id, form.owner, scopeOf(u.path, name), u.ttl)
			}
			form.files[name] = result{f, err}
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
// form or the file its reference points to, whichever the browser sent
// (bytes win when both came). When new bytes broke a rule while a file was
// kept from before, File returns that kept file together with the error, so
// the re-rendered field keeps it. The error says what went wrong, in words
// for the person who filled the form: ErrNoFile, ErrTooLarge, ErrType,
// ErrEmpty, ErrNotAllowed, ErrInvalidRef, ErrExpired, ErrNotOwner,
// ErrWrongField, ErrGone, ErrStoreUnavailable or ErrStoreFull.
func (form *Form) File(name string) (*File, error) {
	if res, ok := form.files[name]; ok {
		return res.f, res.err
	}
	ref := form.post.Get(keptName(name))
	var res result
	switch {
	case form.post.Get(removeName(name)) != "":
		if f, err := form.u.fromRef(form.ctx, ref, form.owner, name); err == nil {
			f.Discard(form.ctx)
		}
		res.err = fail(ErrNoFile, "Choose a file.")
	case ref == "":
		res.err = fail(ErrNoFile, "Choose a file.")
	default:
		res.f, res.err = form.u.fromRef(form.ctx, ref, form.owner, name)
	}
	form.files[name] = res
	return res.f, res.err
}

// fromRef finds the kept file a reference points to.
func (u *Uploader) fromRef(ctx context.Context, ref, owner, field string) (*File, error) {
	if owner == "" {
		return nil, fail(ErrNotAllowed, "Please sign in to upload files.")
	}
	c, err := u.sign.verify(ref, owner, scopeOf(u.path, field))
	switch {
	case errors.Is(err, ErrExpired):
		return nil, fail(ErrExpired, "The file you chose earlier has expired. Please choose it again.")
	case errors.Is(err, ErrNotOwner):
		return nil, fail(ErrNotOwner, "The file you chose was uploaded by someone else. Please choose it again.")
	case errors.Is(err, ErrWrongField):
		return nil, fail(ErrWrongField, "The file was uploaded for another field. Please choose it again.")
	case err != nil:
		return nil, fail(ErrInvalidRef, "The file reference is not valid. Please choose the file again.")
	}
	up, err := u.store.GetUpload(ctx, c.ID)
	if err != nil {
		return nil, u.lookupFailure(err)
	}
	info, err := up.GetInfo(ctx)
	if err != nil {
		return nil, u.lookupFailure(err)
	}
	if info.SizeIsDeferred || info.Offset != info.Size {
		return nil, fail(ErrGone, "The file you chose earlier did not finish uploading. Please choose it again.")
	}
	return &File{
		Name: CleanName(info.MetaData["filename"]),
		Size: info.Size,
		Type: info.MetaData["filetype"],
		Ref:  ref,
		u:    u,
		id:   c.ID,
	}, nil
}
