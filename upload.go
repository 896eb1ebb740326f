package sticky

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode"

	"github.com/tus/tusd/v2/pkg/handler"
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
	if owner == "" {
		writeError(w, fail(ErrNotAllowed, "Please sign in to upload files."))
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
	f.Ref = u.sign.sign(f.id, owner, scopeOf(u.path, field), u.ttl)
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
			if f, err = u.receive(r, in, p); err != nil {
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

// sniff reads the first bytes of src and judges them, with name, against
// rules: it returns the bytes read (to be stored first) and the type to
// record. readErr explains an error of the client's side.
func sniff(src io.Reader, rules Rules, name string, readErr func(error, int64) error) ([]byte, string, error) {
	head := make([]byte, sniffLen)
	n, err := io.ReadFull(src, head)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return nil, "", readErr(err, rules.MaxSize)
	}
	if n == 0 {
		return nil, "", fail(ErrEmpty, "The file is empty.")
	}
	typ, ok := accepted(rules.Accept, name, head[:n])
	if !ok {
		return nil, "", typeError(rules.Accept)
	}
	return head[:n], typ, nil
}

// receive streams one file from src into the temporary store: it puts
// the file to the application (Config.Before, Config.Rename), checks its
// type on the first bytes and its size while it streams, against the
// field's rules, then runs the processors. Whatever fails, nothing is left
// in the store.
func (u *Uploader) receive(r *http.Request, in Incoming, src io.Reader) (*File, error) {
	ctx := r.Context()
	rules := u.rules(in.Field)
	in, err := u.admit(r, in)
	if err != nil {
		return nil, err
	}
	head, typ, err := sniff(src, rules, in.Name, readFailure)
	if err != nil {
		return nil, err
	}
	id, size, err := u.put(ctx, handler.FileInfo{MetaData: handler.MetaData{
		"filename": in.Name,
		"filetype": typ,
		"expires":  strconv.FormatInt(time.Now().Add(u.ttl).Unix(), 10),
	}}, io.MultiReader(bytes.NewReader(head), src), rules.MaxSize)
	if err != nil {
		return nil, err
	}
	f := &File{Name: in.Name, Size: size, Type: typ, Field: in.Field, u: u, id: id}
	if err := u.process(ctx, f, false); err != nil {
		f.Discard(ctx)
		return nil, err
	}
	return f, nil
}

// put streams src into a new upload of the temporary store, with the id
// (if any) and metadata of info, refusing more than limit bytes, and
// returns the upload's id and size. Whatever fails, nothing is left in the
// store.
func (u *Uploader) put(ctx context.Context, info handler.FileInfo, src io.Reader, limit int64) (string, int64, error) {
	body := &sourceReader{r: src}
	check := func(size int64, err error) error {
		switch {
		case body.err != nil:
			return readFailure(body.err, limit)
		case err != nil:
			return u.storeFailure(err)
		case size > limit:
			return tooLarge(limit)
		}
		return nil
	}
	if w, ok := u.store.(wholeWriter); ok && info.ID == "" {
		return w.putWhole(info, io.LimitReader(body, limit+1), check)
	}

	info.SizeIsDeferred = true
	up, err := u.store.NewUpload(ctx, info)
	if err != nil {
		return "", 0, u.storeFailure(err)
	}
	size, err := up.WriteChunk(ctx, 0, io.LimitReader(body, limit+1))
	if err = check(size, err); err == nil {
		if err = u.deferLen.AsLengthDeclarableUpload(up).DeclareLength(ctx, size); err == nil {
			err = up.FinishUpload(ctx)
		}
		if err == nil {
			info, err = up.GetInfo(ctx)
		}
		if err != nil {
			err = u.storeFailure(err)
		}
	}
	if err != nil {
		u.terminate(ctx, up)
		return "", 0, err
	}
	return info.ID, size, nil
}

func (u *Uploader) terminate(ctx context.Context, up handler.Upload) {
	ctx, cancel := cleanupContext(ctx)
	defer cancel()
	if err := u.term.AsTerminatableUpload(up).Terminate(ctx); err != nil {
		u.log.Error("sticky: removing a failed upload", "err", err)
	}
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
