package sticky

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// The replies of the endpoints, in JSON: the one-shot endpoint answers a
// reply; tus repeats it in the Sticky-Reply header; Fine Uploader gets it
// renamed (see fine.go).

// reply is the endpoint's JSON answer, the same shape as django-sticky-uploads'.
type reply struct {
	Valid    bool   `json:"is_valid"`
	Filename string `json:"filename,omitempty"`
	Size     int64  `json:"size,omitempty"`
	Type     string `json:"type,omitempty"`
	SHA256   string `json:"sha256,omitempty"`
	Stored   string `json:"stored,omitempty"`
	// Processing says that the processors still run (see
	// Config.ProcessWait): StatusURL tells how they end.
	Processing bool                `json:"processing,omitempty"`
	StatusURL  string              `json:"status_url,omitempty"`
	Errors     map[string][]string `json:"errors,omitempty"`
	// Extra are the processors' members (see Processor and MarshalJSON).
	Extra map[string]json.RawMessage `json:"-"`
}

// replyOf is the reply that tells the client about f.
func replyOf(f *File) reply {
	r := reply{Valid: true, Filename: f.Name, Size: f.Size, Type: f.Type, SHA256: f.SHA256, Stored: f.Ref}
	if f.processing {
		r.Processing, r.StatusURL = true, f.u.statusURL(f)
	} else if f.made != nil {
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

// errorReply is the reply that tells a client about err, in the language
// of ctx's request.
func errorReply(ctx context.Context, err error) reply {
	words, lang := speaker(ctx)
	var ue *userError
	if !errors.As(err, &ue) {
		ue = &userError{msg: message{id: "upload.failed"}}
	}
	return reply{Errors: map[string][]string{"upload": {ue.sayIn(words, lang)}}}
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

// writeError answers err to r.
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	status, rep := answer(r.Context(), err)
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "30")
	}
	writeJSON(w, status, rep)
}

// answer returns the status and the reply that tell a client about err,
// in the language of ctx's request; an error without a sentence of its
// own in general words.
func answer(ctx context.Context, err error) (int, reply) {
	return Status(err), errorReply(ctx, err)
}
