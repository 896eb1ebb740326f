package sticky

import (
	"errors"
	"net/http"
	"syscall"
)

// Errors returned by the upload endpoint, ReadForm and Form.File. They are
// sentinels: test with errors.Is. The errors sticky returns wrap them with a
// sentence a person can read, so err.Error() can be shown beside the field
// (in the request's language for the errors of a Form; Uploader.Message
// says any of them in any language).
var (
	ErrNoFile           = errors.New("sticky: no file")
	ErrTooLarge         = errors.New("sticky: file too large")
	ErrType             = errors.New("sticky: file type not accepted")
	ErrEmpty            = errors.New("sticky: file is empty")
	ErrMalformed        = errors.New("sticky: malformed request")
	ErrNotAllowed       = errors.New("sticky: not allowed to upload")
	ErrInvalidRef       = errors.New("sticky: invalid reference")
	ErrExpired          = errors.New("sticky: reference expired")
	ErrNotOwner         = errors.New("sticky: reference belongs to another user")
	ErrWrongField       = errors.New("sticky: reference belongs to another field")
	ErrGone             = errors.New("sticky: upload no longer available")
	ErrStoreUnavailable = errors.New("sticky: store unavailable")
	ErrStoreFull        = errors.New("sticky: store full")
	ErrRateLimited      = errors.New("sticky: too many uploads")
	ErrStalled          = errors.New("sticky: request body stalled")
	ErrQuota            = errors.New("sticky: over the user's quota")
	// ErrChecksum is a chunk whose bytes do not match the checksum its
	// client sent with it (tus's Upload-Checksum): they were damaged on the
	// way, and the chunk is refused with 460 for the client to send again.
	ErrChecksum = errors.New("sticky: checksum mismatch")
)

// ErrCorrupted is wrapped by the error of a save whose bytes, read from
// the temporary store, are not those that came in: their length or their
// SHA-256 (File.SHA256) differs. Nothing is saved, and the file stays kept.
var ErrCorrupted = errors.New("sticky: stored bytes changed")

// StatusChecksumMismatch is the status of a tus chunk refused by its
// checksum, from the tus protocol's checksum extension.
const StatusChecksumMismatch = 460

// userError pairs a sentinel with the sentence shown to the person: a
// message of the catalogue, said in the language of the request that met
// it (see messages.go).
type userError struct {
	kind  error
	msg   message     // the sentence; its id is "" for text
	text  string      // a sentence of the application's (Refuse), as it is
	name  string      // the file it is about, in lists of files (see named)
	words *phrasebook // what Error says it with: nil for sticky's own texts
	lang  string      // the language Error speaks: "" for DefaultLanguage
	err   error       // underlying cause, for logs; may be nil
}

// Error is the sentence in the language of the request it was returned
// for, when the Uploader knew it (Form.File's errors), else in English.
func (e *userError) Error() string { return e.sayIn(e.words, cmp(e.lang, DefaultLanguage)) }

// sayIn puts the sentence into words in lang.
func (e *userError) sayIn(words *phrasebook, lang string) string {
	s := e.text
	if e.msg.id != "" {
		s = words.say(lang, e.msg)
	}
	if e.name != "" {
		s = words.say(lang, message{"form.named", []any{"name", e.name, "message", s}})
	}
	return s
}

// Unwrap exposes both the sentinel and the cause to errors.Is and errors.As.
func (e *userError) Unwrap() []error {
	if e.err == nil {
		return []error{e.kind}
	}
	return []error{e.kind, e.err}
}

// named puts a file's name before a user error's sentence, for lists of
// files: "photo.png: The file is too large…".
func named(err error, name string) error {
	var ue *userError
	if !errors.As(err, &ue) {
		return err
	}
	c := *ue
	c.name = CleanName(name)
	return &c
}

// spoken returns err said with words in lang, when it is a user error.
func spoken(err error, words *phrasebook, lang string) error {
	var ue *userError
	if err == nil || !errors.As(err, &ue) {
		return err
	}
	c := *ue
	c.words, c.lang = words, lang
	return &c
}

// fail returns the error of kind that says the catalogue's message id,
// its placeholders filled from args: name, value, name, value...
func fail(kind error, id string, args ...any) error {
	return &userError{kind: kind, msg: message{id, args}}
}

// failWith is fail with a cause, for logs and errors.Is.
func failWith(kind error, id string, cause error, args ...any) error {
	return &userError{kind: kind, msg: message{id, args}, err: cause}
}

// Status returns the HTTP status code that answers err: 413 for ErrTooLarge,
// 415 for ErrType, 403 for ErrNotAllowed, the status given to Refuse, and
// so on; 408 for ErrStalled, 460 for ErrChecksum, 202 for ErrProcessing.
// Unknown errors are 500.
func Status(err error) int {
	var rf *refused // Refuse chose the status
	if errors.As(err, &rf) {
		return rf.status
	}
	switch {
	case err == nil:
		return http.StatusOK
	case errors.Is(err, ErrProcessing):
		return http.StatusAccepted
	case errors.Is(err, ErrTooLarge), errors.Is(err, ErrQuota):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, ErrType):
		return http.StatusUnsupportedMediaType
	case errors.Is(err, ErrNotAllowed), errors.Is(err, ErrNotOwner):
		return http.StatusForbidden
	case errors.Is(err, ErrStalled):
		return http.StatusRequestTimeout
	case errors.Is(err, ErrRateLimited):
		return http.StatusTooManyRequests
	case errors.Is(err, ErrStoreUnavailable):
		return http.StatusServiceUnavailable
	case errors.Is(err, ErrStoreFull):
		return http.StatusInsufficientStorage
	case errors.Is(err, ErrChecksum):
		return StatusChecksumMismatch
	case errors.Is(err, ErrGone), errors.Is(err, ErrExpired):
		return http.StatusGone
	case errors.Is(err, ErrNoFile), errors.Is(err, ErrEmpty), errors.Is(err, ErrMalformed),
		errors.Is(err, ErrInvalidRef), errors.Is(err, ErrWrongField):
		return http.StatusBadRequest
	}
	return http.StatusInternalServerError
}

func tooLarge(limit int64) error {
	return fail(ErrTooLarge, "upload.too_large", "limit", byteCount(limit))
}

// readFailure explains an error met while reading the client's request.
func readFailure(err error, limit int64) error {
	var mbe *http.MaxBytesError
	if errors.Is(err, ErrStalled) {
		return err // a sentence already
	}
	if errors.As(err, &mbe) {
		return failWith(ErrTooLarge, "upload.too_large", err, "limit", byteCount(limit))
	}
	return failWith(ErrMalformed, "upload.cut_short_or_malformed", err)
}

// storeFailure explains an error of the temporary store, and logs it: the
// person sees a sentence, the operator the cause.
func (u *Uploader) storeFailure(err error) error {
	u.log.Error("sticky: temporary store", "err", err)
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		return failWith(ErrStoreFull, "store.full", err)
	}
	return failWith(ErrStoreUnavailable, "store.unavailable", err)
}
