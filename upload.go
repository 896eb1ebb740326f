package sticky

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"syscall"
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

// reply is the endpoint's JSON answer, the same shape as django-sticky-uploads'.
type reply struct {
	Valid    bool                `json:"is_valid"`
	Filename string              `json:"filename,omitempty"`
	Size     int64               `json:"size,omitempty"`
	Type     string              `json:"type,omitempty"`
	Stored   string              `json:"stored,omitempty"`
	Errors   map[string][]string `json:"errors,omitempty"`
	// Extra are the processors' members (see Processor and MarshalJSON).
	Extra map[string]json.RawMessage `json:"-"`
}

func errorReply(err error) reply {
	return reply{Errors: map[string][]string{"upload": {err.Error()}}}
}

// writeJSON answers v as JSON, never cached or sniffed.
func writeJSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, err error) {
	status, rep := answer(err)
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "30")
	}
	writeJSON(w, status, rep)
}

// answer returns the status and the reply that tell a client about err.
func answer(err error) (int, reply) {
	status := Status(err)
	var ue *userError
	if !errors.As(err, &ue) {
		err = fail(err, "Something went wrong with the upload. Please try again.")
	}
	return status, errorReply(err)
}

// serveUpload is the one-shot endpoint: one file in the part "upload", the
// sticky field's name in the part "field", in either order.
func (u *Uploader) serveUpload(w http.ResponseWriter, r *http.Request) {
	owner := u.who(r)
	if owner == "" { // refused before the body is read
		writeError(w, errSignIn)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, u.largest+uploadOverhead)
	f, field, err := u.readUpload(r, owner)
	if err == nil && field == "" {
		err = fail(ErrMalformed, "The upload did not say which field it is for.")
	}
	if err != nil {
		if f != nil {
			f.Discard(r.Context())
		}
		writeError(w, err)
		return
	}
	if f.Field != field { // the field was named after the file
		f.Field, f.Ref = field, u.refFor(f.id, owner, field)
	}
	writeJSON(w, http.StatusOK, replyOf(f))
}

// readUpload reads the parts of an upload request. On error it still
// returns the file it stored, for the caller to discard.
func (u *Uploader) readUpload(r *http.Request, owner string) (f *File, field string, err error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, "", fail(ErrMalformed, "Send the file as multipart/form-data.")
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
			return f, "", fail(ErrMalformed, "The upload has too many parts.")
		}
		switch p.FormName() {
		case "field":
			if field, err = fieldName(p); err != nil {
				return f, "", err
			}
		case "upload":
			if f != nil {
				return f, "", fail(ErrMalformed, "Send one file per upload.")
			}
			if p.FileName() == "" {
				return nil, "", fail(ErrNoFile, "Choose a file to upload.")
			}
			if field == "" && len(u.fields) > 0 {
				return nil, "", fail(ErrMalformed, "The upload must name its field before the file.")
			}
			in := Incoming{Field: field, Name: p.FileName(), Size: -1, Type: p.Header.Get("Content-Type")}
			if f, err = u.receive(r, owner, in, p); err != nil {
				return nil, "", err
			}
		}
		p.Close()
	}
	if f == nil {
		return nil, "", fail(ErrNoFile, "Choose a file to upload.")
	}
	return f, field, nil
}

func fieldName(p io.Reader) (string, error) {
	b, err := io.ReadAll(io.LimitReader(p, maxFieldName+1))
	if err != nil || !validField(string(b)) {
		return "", fail(ErrMalformed, "The upload named its field wrongly.")
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

func typeError(accept []string) error {
	if len(accept) == 0 {
		return fail(ErrType, "Files of this type are not accepted.")
	}
	return fail(ErrType, "This kind of file is not accepted. Choose "+describeTypes(accept)+".")
}

// describeTypes names accepted types in words: "an image, a PDF or a text file".
func describeTypes(patterns []string) string {
	words := make([]string, 0, len(patterns))
	for _, p := range patterns {
		p = strings.ToLower(strings.TrimSpace(p))
		w, ok := typeWords[p]
		if !ok && strings.HasPrefix(p, ".") {
			w = "a " + p + " file"
		} else if !ok {
			w = "a file of type " + p
		}
		if !slices.Contains(words, w) {
			words = append(words, w)
		}
	}
	if len(words) == 1 {
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}

var typeWords = map[string]string{
	"image/*": "an image", "video/*": "a video", "audio/*": "an audio file", "text/*": "a text file",
	"application/pdf": "a PDF", ".pdf": "a PDF", "text/plain": "a text file", ".txt": "a text file",
	"image/jpeg": "a JPEG image", ".jpg": "a JPEG image", ".jpeg": "a JPEG image",
	"image/png": "a PNG image", ".png": "a PNG image", "image/gif": "a GIF image", ".gif": "a GIF image",
	"image/webp": "a WebP image", ".webp": "a WebP image", "text/csv": "a CSV file", ".csv": "a CSV file",
	"application/zip": "a zip archive", ".zip": "a zip archive",
}

func tooLarge(limit int64) error {
	return fail(ErrTooLarge, fmt.Sprintf("The file is too large: the limit is %s.", SizeString(limit)))
}

// readFailure explains an error met while reading the client's request.
func readFailure(err error, limit int64) error {
	var mbe *http.MaxBytesError
	if errors.Is(err, ErrStalled) {
		return err // a sentence already
	}
	if errors.As(err, &mbe) {
		return failWith(ErrTooLarge, tooLarge(limit).Error(), err)
	}
	return failWith(ErrMalformed, "The upload was cut short or is malformed. Please try again.", err)
}

// storeFailure explains an error of the temporary store, and logs it: the
// person sees a sentence, the operator the cause.
func (u *Uploader) storeFailure(err error) error {
	u.log.Error("sticky: temporary store", "err", err)
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		return failWith(ErrStoreFull, "There is no room to store the file right now. Please try again later.", err)
	}
	return failWith(ErrStoreUnavailable, "The file could not be stored right now. Please try again in a moment.", err)
}
