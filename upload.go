package sticky

import (
	"io"
	"net/http"
	"strings"
	"unicode"
)

const (
	// uploadOverhead is what the endpoint allows beyond MaxSize for the
	// multipart framing and the field part.
	uploadOverhead = 64 << 10
	// maxUploadParts bounds the parts of one upload request.
	maxUploadParts = 8
	// maxFieldName bounds a field name, in bytes.
	maxFieldName = 128
)

// serveUpload is the one-shot endpoint: one file in the part "upload", the
// sticky field's name in the part "field", in either order.
func (u *Uploader) serveUpload(w http.ResponseWriter, r *http.Request) {
	owner := u.who(r)
	if owner == "" { // refused before the body is read
		writeError(w, r, u.refused(r.Context(), "", errSignIn))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, u.largest+uploadOverhead)
	f, field, err := u.readUpload(r, owner)
	if err == nil && field == "" {
		err = fail(ErrMalformed, "upload.no_field")
	}
	if err != nil {
		if f != nil {
			f.Discard(r.Context())
		}
		writeError(w, r, err)
		return
	}
	if f.Field != field { // the field was named after the file
		f.Field, f.Ref = field, u.refFor(f.id, owner, field)
	}
	status := http.StatusOK
	if f.processing { // the processors go on: see Config.ProcessWait
		status = http.StatusAccepted
	}
	writeJSON(w, status, replyOf(f))
}

// readUpload reads the parts of an upload request. On error it still
// returns the file it stored, for the caller to discard.
func (u *Uploader) readUpload(r *http.Request, owner string) (f *File, field string, err error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, "", fail(ErrMalformed, "upload.not_multipart")
	}
	for parts := 0; ; parts++ {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return f, "", readFailure(err, u.largest)
		}
		if parts == maxUploadParts {
			return f, "", fail(ErrMalformed, "upload.too_many_parts")
		}
		switch p.FormName() {
		case "field":
			if field, err = fieldName(p); err != nil {
				return f, "", err
			}
		case "upload":
			if f != nil {
				return f, "", fail(ErrMalformed, "upload.one_file")
			}
			if p.FileName() == "" {
				return nil, "", fail(ErrNoFile, "upload.choose")
			}
			if field == "" && len(u.fields) > 0 {
				return nil, "", fail(ErrMalformed, "upload.field_first")
			}
			in := Incoming{Field: field, Name: p.FileName(), Size: -1, Type: p.Header.Get("Content-Type")}
			if f, err = u.receive(r, owner, in, p); err != nil {
				return nil, "", err
			}
		}
		p.Close()
	}
	if f == nil {
		return nil, "", fail(ErrNoFile, "upload.choose")
	}
	return f, field, nil
}

func fieldName(p io.Reader) (string, error) {
	b, err := io.ReadAll(io.LimitReader(p, maxFieldName+1))
	if err != nil || !validField(string(b)) {
		return "", fail(ErrMalformed, "upload.field_named_wrongly")
	}
	return string(b), nil
}

// validField reports whether name can be a field's name: not empty, not
// too long, no control characters.
func validField(name string) bool {
	return name != "" && len(name) <= maxFieldName && strings.IndexFunc(name, unicode.IsControl) < 0
}

// sourceReader remembers the error of the client's side of a copy, to tell
// a client that went away from a store that failed.
type sourceReader struct {
	r   io.Reader
	err error
}

func (s *sourceReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err != nil && err != io.EOF {
		s.err = err
	}
	return n, err
}
