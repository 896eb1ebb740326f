package sticky

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tus/tusd/v2/pkg/handler"
)

// Fine Uploader's traditional endpoint, at <mount>fine/, so that pages built
// on valum's uploader (file-uploader 1 and 2, Fine Uploader 3 to 5 in
// "traditional" mode) keep their front end. See
// docs/migrating-from-fine-uploader.md.
//
// A file is known by the client's qquuid. Its upload in the temporary store
// is named after an HMAC of (owner, qquuid) under the signing key, so any
// server sharing Config.Keys and the store finds it again, with no table
// and no sticky sessions, and nobody reaches another person's upload by
// guessing a qquuid.
//
// The endpoint translates; it keeps no chunk engine of its own. Each chunk
// becomes requests to the resumable endpoint's engine, tusd's handler,
// served in process (see tusServe): a creation with the declared total
// for the first chunk, a HEAD to learn what is stored, a PATCH of what the
// upload lacks of the chunk, a DELETE to remove it. So a Fine Uploader
// chunk is admitted, locked (Config.Locker), written, judged and completed
// exactly as a tus request is, and the last one answered from the same
// receipt. A file sent whole is no chunk: it takes the one-shot store
// path, through the same admission and completion.

const (
	// fineFileParam is the multipart field of the bytes (Fine Uploader's
	// request.inputName default).
	fineFileParam = "qqfile"
	// fineMaxParams bounds the parameters of one request.
	fineMaxParams = 64
	// fineMaxValue bounds one parameter's value, in bytes.
	fineMaxValue = 8 << 10
	// fineMaxUUID bounds qquuid, in bytes.
	fineMaxUUID = 128
	// fineMaxParts bounds qqtotalparts.
	fineMaxParts = 100_000
	// fineMaxDelete bounds the body of a deletion sent with POST.
	fineMaxDelete = 64 << 10
)

// fineReply is the endpoint's answer to a chunk that is not the last, and
// to any failure, in the members Fine Uploader reads: success, error (shown
// to the person), preventRetry (no retry, automatic or offered) and reset
// (the next attempt starts the file over from its first chunk). A complete
// file is answered by fineDone.
type fineReply struct {
	Success      bool   `json:"success"`
	Error        string `json:"error,omitempty"`
	PreventRetry bool   `json:"preventRetry,omitempty"`
	Reset        bool   `json:"reset,omitempty"`
}

// fineOwn are the members Fine Uploader gives a meaning to, which the
// processors' results must not set.
var fineOwn = []string{"success", "error", "preventRetry", "reset", "newUuid"}

// fineDone turns the one-shot endpoint's reply for a file, in JSON (its
// name, size, type, reference and the processors' members), into Fine
// Uploader's success: "is_valid" becomes "success".
func fineDone(oneShot string) (map[string]json.RawMessage, error) {
	m := map[string]json.RawMessage{}
	if err := json.Unmarshal([]byte(oneShot), &m); err != nil {
		return nil, fmt.Errorf("sticky: reading the reply of a completed upload: %w", err)
	}
	delete(m, "is_valid")
	for _, k := range fineOwn {
		delete(m, k)
	}
	m["success"] = json.RawMessage("true")
	return m, nil
}

// fineError is a failure with what Fine Uploader should do about it.
type fineError struct {
	error
	status int           // when not 0, replaces Status(error)
	reset  bool          // start the file over from its first chunk
	retry  bool          // a 4xx that the same request may yet mend (it was cut short)
	wait   time.Duration // when not 0, how long to wait (Retry-After)
}

func (e *fineError) Unwrap() error { return e.error }

// writeFineError answers err. Failures that the same request cannot mend
// (4xx but 429, unless cut short) prevent retries: Fine Uploader then shows
// the sentence and offers no retry.
func writeFineError(w http.ResponseWriter, r *http.Request, err error) {
	status, rep := answer(r.Context(), err)
	var fe *fineError
	if errors.As(err, &fe) && fe.status != 0 {
		status = fe.status
	}
	switch {
	case fe != nil && fe.wait > 0:
		setRetryAfter(w, fe.wait)
	case status == http.StatusServiceUnavailable:
		w.Header().Set("Retry-After", "30")
	}
	reset := fe != nil && fe.reset
	writeJSON(w, status, fineReply{
		Error:        rep.Errors["upload"][0],
		Reset:        reset,
		PreventRetry: status < 500 && status != http.StatusTooManyRequests && !reset && (fe == nil || !fe.retry),
	})
}

// cutShort explains an error met while reading the request: a body that
// broke off may come whole on a retry; one over the limit never will.
func cutShort(err error, limit int64) error {
	err = readFailure(err, limit)
	if errors.Is(err, ErrMalformed) || errors.Is(err, ErrStalled) {
		return &fineError{error: err, retry: true}
	}
	return err
}

// fineParams is what an upload request says of itself.
type fineParams struct {
	uuid     string // qquuid, the client's id of the file; "" for a whole file from valum's uploader before 3
	field    string // field, the sticky field the file is for
	filename string // qqfilename, or the file part's name
	total    int64  // qqtotalfilesize; -1 when not sent
	chunked  bool   // the request carries one chunk of the file
	part     int64  // qqpartindex
	parts    int64  // qqtotalparts
	offset   int64  // qqpartbyteoffset
	size     int64  // qqchunksize; -1 for a whole file
	claimed  string // the type the client claims, unchecked
}

// end is the offset just past the chunk.
func (p fineParams) end() int64 { return p.offset + p.size }

// last reports whether the request carries the file's last bytes.
func (p fineParams) last() bool { return p.part == p.parts-1 }

// parseFineParams reads and checks the parameters of an upload request. A
// request without the chunk parameters carries a whole file: part 0 of 1.
func parseFineParams(v url.Values) (fineParams, error) {
	p := fineParams{total: -1, parts: 1, size: -1}
	one := func(name string) (string, bool, error) {
		switch vs := v[name]; len(vs) {
		case 0:
			return "", false, nil
		case 1:
			return vs[0], true, nil
		}
		return "", false, fail(ErrMalformed, "fine.twice", "param", name)
	}
	num := func(name string) (int64, bool, error) {
		s, ok, err := one(name)
		if !ok || err != nil {
			return -1, ok, err
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			return -1, true, fail(ErrMalformed, "fine.invalid", "param", name)
		}
		return n, true, nil
	}
	var err error
	var ok bool
	if p.uuid, ok, err = one("qquuid"); err != nil {
		return p, err
	}
	// valum's uploader before Fine Uploader 3 sent no qquuid: its whole
	// files still come in, though they cannot be deleted.
	if ok && !validUUID(p.uuid) {
		return p, fail(ErrMalformed, "fine.no_uuid")
	}
	if p.field, ok, err = one("field"); err != nil {
		return p, err
	}
	if !ok {
		return p, fail(ErrMalformed, "upload.no_field")
	}
	if !validField(p.field) {
		return p, fail(ErrMalformed, "upload.field_named_wrongly")
	}
	if p.filename, _, err = one("qqfilename"); err != nil {
		return p, err
	}
	if p.total, _, err = num("qqtotalfilesize"); err != nil {
		return p, err
	}
	var seen [4]bool
	for i, f := range []struct {
		name string
		dst  *int64
	}{{"qqpartindex", &p.part}, {"qqtotalparts", &p.parts}, {"qqpartbyteoffset", &p.offset}, {"qqchunksize", &p.size}} {
		if *f.dst, seen[i], err = num(f.name); err != nil {
			return p, err
		}
		p.chunked = p.chunked || seen[i]
	}
	if !p.chunked {
		p.part, p.parts, p.offset, p.size = 0, 1, 0, -1
		return p, nil
	}
	if p.uuid == "" {
		return p, fail(ErrMalformed, "fine.no_uuid")
	}
	bad := func(id string) (fineParams, error) {
		return p, fail(ErrMalformed, id)
	}
	switch {
	case seen != [4]bool{true, true, true, true} || p.total < 0:
		return p, fail(ErrMalformed, "fine.chunk_where")
	case p.total == 0:
		return p, fail(ErrEmpty, "upload.empty")
	case p.parts < 1 || p.parts > fineMaxParts || p.part >= p.parts:
		return bad("fine.chunk_index")
	case p.size < 1 || p.offset > p.total-p.size:
		return bad("fine.chunk_offset_or_size")
	case (p.part == 0) != (p.offset == 0):
		return bad("fine.chunk_offset")
	case p.last() != (p.end() == p.total):
		return bad("fine.chunk_size")
	}
	return p, nil
}

// validUUID accepts what Fine Uploader makes (RFC 4122 text) and anything
// alike: URL-safe characters, so it fits a path.
func validUUID(s string) bool {
	if s == "" || len(s) > fineMaxUUID {
		return false
	}
	for _, c := range []byte(s) {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~') {
			return false
		}
	}
	return true
}

// fineID names the temporary upload of owner's file uuid under key.
// Owner and uuid are told apart by uuid holding no NUL.
func fineID(key []byte, owner, uuid string) string {
	return "fine-" + hex.EncodeToString(keyed(key, "fine", owner+"\x00"+uuid))
}

// serveFine answers Fine Uploader at <mount>fine/; rest is the path below
// it: "" for uploads and for deletions sent with POST, the qquuid for
// DELETE.
func (u *Uploader) serveFine(w http.ResponseWriter, r *http.Request, rest string) {
	switch {
	case r.Method == http.MethodPost && rest == "":
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "application/x-www-form-urlencoded" {
			u.fineDeleteByPost(w, r)
			return
		}
		u.fineUpload(w, r)
	case r.Method == http.MethodDelete:
		uuid := rest
		if uuid == "" {
			uuid = r.URL.Query().Get("qquuid")
		}
		u.fineDelete(w, r, uuid)
	case r.Method == http.MethodPost:
		writeFineError(w, r, &fineError{error: fail(ErrMalformed, "fine.endpoint"), status: http.StatusNotFound})
	default:
		w.Header().Set("Allow", "POST, DELETE")
		writeFineError(w, r, &fineError{error: fail(ErrMalformed, "fine.methods"), status: http.StatusMethodNotAllowed})
	}
}

// fineUpload takes a whole file or one chunk of it. The rate limit counts
// a file at its first bytes.
func (u *Uploader) fineUpload(w http.ResponseWriter, r *http.Request) {
	c := fineCall{u: u, w: w, r: r, owner: u.who(r)}
	if c.owner == "" { // refused before the body is read
		writeFineError(w, r, u.refused(r.Context(), "", errSignIn))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, u.largest+uploadOverhead)
	p, src, err := u.readFineRequest(r)
	if err == nil && p.part == 0 {
		if wait, cerr := u.limits.charge(c.owner); u.refused(r.Context(), p.field, cerr) != nil {
			err = &fineError{error: cerr, wait: wait}
		}
	}
	var rep any
	switch {
	case err != nil:
	case !p.chunked:
		rep, err = c.whole(p, src)
	case p.part == 0:
		rep, err = c.first(p, src)
	default:
		rep, err = c.next(p, src)
	}
	if err != nil {
		writeFineError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

// readFineRequest reads the parameters of an upload, from the query and
// from the multipart parts before the file, and returns them with the
// reader of the file's bytes. Fine Uploader sends its parameters first; a
// request with a body that is not multipart carries the bare bytes, its
// parameters all in the query.
func (u *Uploader) readFineRequest(r *http.Request) (fineParams, io.Reader, error) {
	v := r.URL.Query()
	var src io.Reader
	var partName, claimed string
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		mr, err := r.MultipartReader()
		if err != nil {
			return fineParams{}, nil, fail(ErrMalformed, "upload.not_multipart")
		}
		for n := 0; src == nil; n++ {
			part, err := mr.NextPart()
			if err == io.EOF {
				return fineParams{}, nil, fail(ErrNoFile, "upload.choose")
			}
			if err != nil {
				return fineParams{}, nil, cutShort(err, u.largest)
			}
			if n == fineMaxParams {
				return fineParams{}, nil, fail(ErrMalformed, "upload.too_many_parts")
			}
			if part.FormName() == fineFileParam {
				src, partName, claimed = part, part.FileName(), part.Header.Get("Content-Type")
				break
			}
			b, err := io.ReadAll(io.LimitReader(part, fineMaxValue+1))
			if err != nil {
				return fineParams{}, nil, cutShort(err, u.largest)
			}
			if len(b) > fineMaxValue {
				return fineParams{}, nil, fail(ErrMalformed, "fine.parameter_too_long")
			}
			v.Add(part.FormName(), string(b))
		}
	} else {
		// Fine Uploader names the file in qqfile and its type in X-Mime-Type.
		src, partName, claimed = r.Body, v.Get(fineFileParam), r.Header.Get("X-Mime-Type")
	}
	p, err := parseFineParams(v)
	if p.filename == "" {
		p.filename = partName
	}
	p.claimed = claimed
	return p, src, err
}

// fineCall is one request of owner's to the endpoint. Its chunks become
// requests to the engine (see tusServe), which lend its connection.
type fineCall struct {
	u     *Uploader
	w     http.ResponseWriter
	r     *http.Request
	owner string
}

// whole takes a file sent whole: it puts the file to the application
// (Config.Before, Config.Rename), judges its type on the first bytes,
// stores it under the name of its qquuid, replacing an earlier attempt,
// and completes it. Whatever fails, nothing of it is left in the store.
func (c fineCall) whole(p fineParams, src io.Reader) (any, error) {
	u, ctx := c.u, c.r.Context()
	in, rules, err := u.admit(c.r, c.owner, Incoming{Field: p.field, Name: p.filename, Size: p.total, Type: p.claimed})
	if err != nil {
		return nil, err
	}
	head, typ, err := sniff(src, rules, in.Name, cutShort)
	if err != nil {
		return nil, u.refused(ctx, p.field, err)
	}
	name := "fine-" + NewKey() // no qquuid: nobody asks for it again
	if p.uuid != "" {
		if err := c.forget(p); err != nil {
			return nil, err
		}
		name = fineID(u.sign.keys[0], c.owner, p.uuid)
	}
	meta := handler.MetaData{"filename": in.Name, "field": p.field, "filetype": typ, "expires": u.expiry()}
	st, err := u.putUnder(ctx, handler.FileInfo{ID: name, MetaData: meta}, io.MultiReader(bytes.NewReader(head), src), rules)
	u.refused(ctx, p.field, err)
	if errors.Is(err, ErrMalformed) { // put's only malformed: the body broke off
		return nil, &fineError{error: err, retry: true}
	}
	if err == nil {
		err = u.fineNamed(ctx, st.id, name)
	}
	var f *File
	if err == nil {
		f, err = u.accept(ctx, st.id, c.owner, st.sha256)
	}
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(replyOf(f))
	if err != nil {
		return nil, err
	}
	return fineDone(string(b))
}

// first starts a chunked file with its first chunk. An upload left under
// the same qquuid (an earlier attempt) is removed; the engine creates the
// new one, putting the file to the application and checking its declared
// size, then judges the chunk's first bytes by type before storing them.
func (c fineCall) first(p fineParams, src io.Reader) (any, error) {
	if err := c.forget(p); err != nil {
		return nil, err
	}
	name := fineID(c.u.sign.keys[0], c.owner, p.uuid)
	a := c.tus(http.MethodPost, name, http.Header{
		"Upload-Length":   {strconv.FormatInt(p.total, 10)},
		"Upload-Metadata": {handler.SerializeMetadataHeader(handler.MetaData{"field": p.field, "filename": p.filename, "filetype": p.claimed})},
	}, nil, 0)
	if a.status != http.StatusCreated {
		return nil, fineRefusal(a)
	}
	if err := c.u.fineNamed(c.r.Context(), strings.TrimPrefix(a.header.Get("Location"), c.u.TusURL()), name); err != nil {
		return nil, err
	}
	return c.write(p, fineStored{name: name, field: p.field, size: p.total}, src)
}

// fineNamed checks that the store named upload id after name, as chosen:
// Fine Uploader's requests find their upload by it. s3store appends the id
// of the multipart upload.
func (u *Uploader) fineNamed(ctx context.Context, id, name string) error {
	if id == name || strings.HasPrefix(id, name+"+") {
		return nil
	}
	(&File{u: u, id: id}).Discard(ctx)
	err := fmt.Errorf("sticky: the temporary store (%T) named an upload %q instead of %q; Fine Uploader's endpoint needs a store that keeps the ids it is given, as tusd's filestore, s3store, gcsstore and azurestore do", u.store, id, name)
	u.log.Error(err.Error())
	return err
}

// next takes a later chunk of a file, after what the engine says its
// upload holds.
func (c fineCall) next(p fineParams, src io.Reader) (any, error) {
	st, err := c.find(p.uuid)
	switch {
	case err != nil:
		return nil, err
	case st.name == "":
		return nil, &fineError{error: fail(ErrGone, "fine.expired"), status: http.StatusNotFound, reset: true}
	case st.unfinished: // its server stopped before answering: never handed out, as for tus
		return nil, &fineError{error: fail(ErrGone, "fine.unfinished"), reset: true}
	case st.field != p.field || st.size != p.total:
		return nil, c.drop(st.name, fail(ErrMalformed, "fine.chunks_disagree"))
	case p.offset > st.offset:
		return nil, &fineError{error: fail(ErrMalformed, "fine.chunk_missing"), reset: true}
	}
	return c.write(p, st, src)
}

// write has the engine append to upload st what it lacks of chunk p: the
// prefix an earlier attempt stored is skipped, and a chunk stored already
// (its answer was lost) is not written twice. The last chunk is answered
// with the file's reply, from the engine's completion or, for an upload
// complete already, from its receipt. A chunk that breaks the rules
// removes the upload.
func (c fineCall) write(p fineParams, st fineStored, src io.Reader) (any, error) {
	oneShot := st.reply
	if st.offset < p.end() {
		limit := c.u.rules(p.field).MaxSize
		if _, err := io.CopyN(io.Discard, src, st.offset-p.offset); err != nil {
			return nil, cutShort(err, limit)
		}
		body := &chunkReader{src: src, left: p.end() - st.offset, limit: limit}
		a := c.tus(http.MethodPatch, st.name, http.Header{
			"Content-Type":  {"application/offset+octet-stream"},
			"Upload-Offset": {strconv.FormatInt(st.offset, 10)},
		}, body, body.left)
		err := body.err
		if err == nil && a.status != http.StatusNoContent {
			err = fineRefusal(a)
		}
		if err != nil {
			return nil, c.drop(st.name, err)
		}
		oneShot = a.header.Get(ReplyHeader)
	}
	if !p.last() {
		return fineReply{Success: true}, nil
	}
	return fineDone(oneShot)
}

// chunkReader passes the engine the left bytes of a chunk that its upload
// lacks, and holds back the last until it has seen the chunk end there: a
// chunk longer than it said never completes an upload. err explains a
// chunk that did not end where it said, or a body that broke off.
type chunkReader struct {
	src   io.Reader
	left  int64
	limit int64 // the field's MaxSize, for readFailure
	err   error
}

func (c *chunkReader) Read(b []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	if c.left != 1 || len(b) == 0 {
		n, err := c.src.Read(b[:min(int64(len(b)), max(c.left-1, 0))])
		c.left -= int64(n)
		if c.left == 0 {
			return n, io.EOF
		}
		return n, c.broke(err)
	}
	var last [2]byte // the last byte, and any that follows it
	switch n, err := io.ReadFull(c.src, last[:]); n {
	case 0:
		return 0, c.broke(err)
	case 2:
		c.err = fail(ErrMalformed, "fine.chunk_too_long")
		return 0, c.err
	}
	b[0], c.left = last[0], 0
	return 1, io.EOF
}

// broke notes that the chunk's body broke off, or ended early, with err.
func (c *chunkReader) broke(err error) error {
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		c.err = cutShort(err, c.limit)
	}
	return c.err
}

// fineStored is what the engine holds of a file's upload.
type fineStored struct {
	name         string // what it was created with (fineID); "" when there is none
	unfinished   bool   // all its bytes are stored, but it was never accepted
	field        string
	size, offset int64  // size -1 while unknown
	reply        string // the one-shot reply of a complete upload, from its receipt
}

// find asks the engine (HEAD) what the upload of the file uuid holds,
// under the names of all the keys: an upload begun before a key rotation
// goes on after it.
func (c fineCall) find(uuid string) (fineStored, error) {
	for _, key := range c.u.sign.keys {
		st := fineStored{name: fineID(key, c.owner, uuid), size: -1}
		a := c.tus(http.MethodHead, st.name, nil, nil, 0)
		switch a.status {
		case http.StatusNotFound:
			continue
		case http.StatusGone:
			st.unfinished = true
			return st, nil
		case http.StatusOK:
		default:
			return fineStored{}, fineRefusal(a)
		}
		st.field = handler.ParseMetadataHeader(a.header.Get("Upload-Metadata"))["field"]
		st.reply = a.header.Get(ReplyHeader)
		if n, err := strconv.ParseInt(a.header.Get("Upload-Length"), 10, 64); err == nil {
			st.size = n
		}
		st.offset, _ = strconv.ParseInt(a.header.Get("Upload-Offset"), 10, 64)
		return st, nil
	}
	return fineStored{}, nil
}

// tus serves one request of the engine for the upload name (see
// tusServe); a POST creates it.
func (c fineCall) tus(method, name string, header http.Header, body io.Reader, length int64) tusAnswer {
	id := name
	if method == http.MethodPost {
		id = ""
	}
	return c.u.tusServe(c.w, &tusRequest{r: c.r, owner: c.owner, fine: name}, method, id, header, body, length)
}

// fineRefusal explains a failure that the engine answered. sticky's rules
// keep their status and sentence. Of tusd's own failures, an upload gone
// starts the file over; the others (the upload busy, the request stopped
// by another for the same upload, the offset moved on) may pass when the
// chunk is sent again.
func fineRefusal(a tusAnswer) error {
	status := a.status
	if status < 400 {
		status = http.StatusInternalServerError
	}
	refusal := refuse(status, "upload.failed")
	var rep reply
	if json.Unmarshal(a.body, &rep) == nil && len(rep.Errors["upload"]) > 0 {
		refusal = Refuse(status, rep.Errors["upload"][0]) // in the request's language already
	}
	err := &fineError{error: refusal}
	switch {
	case status == http.StatusNotFound || status == http.StatusGone:
		err.reset = true
	case a.engine:
		err.retry = true
	}
	return err
}

// drop removes upload name when err refused one of its chunks, and returns
// err. What the same chunk may yet mend (cut short, stopped by another
// request) keeps what is stored, as does what starts the file over anyway.
func (c fineCall) drop(name string, err error) error {
	var fe *fineError
	if Status(err) >= 500 || errors.As(err, &fe) && (fe.retry || fe.reset) {
		return err
	}
	if rerr := c.remove(name); rerr != nil {
		c.u.log.Warn("sticky: removing a refused Fine Uploader upload", "err", rerr)
	}
	return err
}

// remove has the engine remove the upload name, with what processors made
// of it, even if the client goes away. One gone already is no error.
func (c fineCall) remove(name string) error {
	ctx, cancel := cleanupContext(c.r.Context())
	defer cancel()
	c.r = c.r.WithContext(ctx)
	if a := c.tus(http.MethodDelete, name, nil, nil, 0); a.status != http.StatusNoContent && a.status != http.StatusNotFound {
		return fineRefusal(a)
	}
	return nil
}

// forget removes what an earlier attempt at the file left, before the file
// starts over. The earlier attempt must have been for the same field: a
// reference to it may be out, and must not come to point at a file that
// another field's rules let in.
func (c fineCall) forget(p fineParams) error {
	st, err := c.find(p.uuid)
	switch {
	case err != nil:
		return err
	case st.name == "":
		return nil
	case !st.unfinished && st.field != p.field:
		return fail(ErrMalformed, "fine.other_field")
	}
	return c.remove(st.name)
}

// fineDeleteByPost answers a deletion sent with POST (Fine Uploader's
// deleteFile.method "POST"): _method=DELETE and qquuid in the body.
func (u *Uploader) fineDeleteByPost(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, fineMaxDelete)
	if err := r.ParseForm(); err != nil {
		writeFineError(w, r, readFailure(err, fineMaxDelete))
		return
	}
	if !strings.EqualFold(r.PostForm.Get("_method"), http.MethodDelete) {
		writeFineError(w, r, fail(ErrMalformed, "upload.not_multipart"))
		return
	}
	u.fineDelete(w, r, r.PostForm.Get("qquuid"))
}

// fineDelete removes the requester's upload of the file uuid, finished or
// not, with what processors made of it. Another person's uuid names
// nothing of the requester's, so it is answered like one that never
// existed: 404.
func (u *Uploader) fineDelete(w http.ResponseWriter, r *http.Request, uuid string) {
	c := fineCall{u: u, w: w, r: r, owner: u.who(r)}
	if c.owner == "" {
		writeFineError(w, r, errSignIn)
		return
	}
	if !validUUID(uuid) {
		writeFineError(w, r, fail(ErrMalformed, "fine.delete_uuid"))
		return
	}
	st, err := c.find(uuid)
	if err == nil && st.name == "" {
		err = &fineError{error: fail(ErrGone, "fine.not_yours"), status: http.StatusNotFound}
	}
	if err == nil {
		err = c.remove(st.name)
	}
	if err != nil {
		writeFineError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, fineReply{Success: true})
}
