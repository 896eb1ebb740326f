package sticky

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"net/url"
	"os"
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
// guessing a qquuid. Chunks are appended in order at their byte offsets;
// the declared total is judged by size and the first chunk by type before
// anything is stored, and the complete file by type again, before the
// processors run and the reference is signed. The same steps as on every
// way in apply: Config.Before, Config.Rename, the field's rules.

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

// fineDone turns the one-shot endpoint's reply for a file (its name, size,
// type, reference and the processors' members) into Fine Uploader's
// success: "is_valid" becomes "success".
func fineDone(rep reply) (map[string]json.RawMessage, error) {
	b, err := json.Marshal(rep)
	if err != nil {
		return nil, err
	}
	m := map[string]json.RawMessage{}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
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
func writeFineError(w http.ResponseWriter, err error) {
	status, rep := answer(err)
	var fe *fineError
	if errors.As(err, &fe) && fe.status != 0 {
		status = fe.status
	}
	switch {
	case fe != nil && fe.wait > 0:
		w.Header().Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(fe.wait.Seconds())))))
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
		return "", false, fail(ErrMalformed, "The upload sent "+name+" more than once.")
	}
	num := func(name string) (int64, bool, error) {
		s, ok, err := one(name)
		if !ok || err != nil {
			return -1, ok, err
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			return -1, true, fail(ErrMalformed, "The upload sent an invalid "+name+".")
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
		return p, fail(ErrMalformed, "The upload did not identify its file (qquuid).")
	}
	if p.field, ok, err = one("field"); err != nil {
		return p, err
	}
	if !ok {
		return p, fail(ErrMalformed, "The upload did not say which field it is for.")
	}
	if !validField(p.field) {
		return p, fail(ErrMalformed, "The upload named its field wrongly.")
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
		return p, fail(ErrMalformed, "The upload did not identify its file (qquuid).")
	}
	bad := func(what string) (fineParams, error) {
		return p, fail(ErrMalformed, "The chunk's "+what+" does not fit the file.")
	}
	switch {
	case seen != [4]bool{true, true, true, true} || p.total < 0:
		return p, fail(ErrMalformed, "The chunk did not say where it belongs (qqpartindex, qqtotalparts, qqpartbyteoffset, qqchunksize, qqtotalfilesize).")
	case p.total == 0:
		return p, fail(ErrEmpty, "The file is empty.")
	case p.parts < 1 || p.parts > fineMaxParts || p.part >= p.parts:
		return bad("index")
	case p.size < 1 || p.offset > p.total-p.size:
		return bad("offset or size")
	case (p.part == 0) != (p.offset == 0):
		return bad("offset")
	case p.last() != (p.end() == p.total):
		return bad("size")
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
		writeFineError(w, &fineError{error: fail(ErrMalformed, "Send uploads to the endpoint itself."), status: http.StatusNotFound})
	default:
		w.Header().Set("Allow", "POST, DELETE")
		writeFineError(w, &fineError{error: fail(ErrMalformed, "Send uploads with POST and deletions with DELETE."), status: http.StatusMethodNotAllowed})
	}
}

// fineUpload takes a whole file or one chunk of it.
func (u *Uploader) fineUpload(w http.ResponseWriter, r *http.Request) {
	owner := u.who(r)
	if owner == "" { // refused before the body is read
		writeFineError(w, errSignIn)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, u.largest+uploadOverhead)
	p, src, err := u.readFineRequest(r)
	var rep any
	switch {
	case err != nil:
	case p.part == 0:
		rep, err = u.fineFirst(r, owner, p, src)
	default:
		rep, err = u.fineNext(r.Context(), owner, p, src)
	}
	if err != nil {
		writeFineError(w, err)
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
			return fineParams{}, nil, fail(ErrMalformed, "Send the file as multipart/form-data.")
		}
		for n := 0; src == nil; n++ {
			part, err := mr.NextPart()
			if err == io.EOF {
				return fineParams{}, nil, fail(ErrNoFile, "Choose a file to upload.")
			}
			if err != nil {
				return fineParams{}, nil, cutShort(err, u.largest)
			}
			if n == fineMaxParams {
				return fineParams{}, nil, fail(ErrMalformed, "The upload has too many parts.")
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
				return fineParams{}, nil, fail(ErrMalformed, "The upload has a parameter that is too long.")
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

// fineFirst starts a file's upload with its first chunk, or takes the whole
// file: it puts the file to the application (Config.Before, Config.Rename)
// and judges its type on the first bytes and its declared size, before
// storing anything. An upload left under the same qquuid (an earlier
// attempt) is replaced. Whatever fails, nothing of it is left in the store.
func (u *Uploader) fineFirst(r *http.Request, owner string, p fineParams, src io.Reader) (any, error) {
	ctx := r.Context()
	if wait, err := u.limits.charge(owner); err != nil {
		return nil, &fineError{error: err, wait: wait}
	}
	in, rules, err := u.admit(r, owner, Incoming{Field: p.field, Name: p.filename, Size: p.total, Type: p.claimed})
	if err != nil {
		return nil, err
	}
	head, typ, err := sniff(src, rules, in.Name, cutShort)
	if err != nil {
		return nil, err
	}
	name := "fine-" + NewKey() // no qquuid: nobody asks for it again
	if p.uuid != "" {
		if err := u.fineForget(ctx, owner, p); err != nil {
			return nil, err
		}
		name = fineID(u.sign.keys[0], owner, p.uuid)
	}
	info := handler.FileInfo{ID: name, MetaData: handler.MetaData{
		"filename": in.Name,
		"field":    p.field,
		"expires":  u.expiry(),
	}}
	src = io.MultiReader(bytes.NewReader(head), src)
	if !p.chunked {
		// The whole file: its length is learnt as it arrives.
		info.MetaData["filetype"] = typ
		id, _, err := u.put(ctx, info, src, rules.MaxSize)
		if errors.Is(err, ErrMalformed) { // put's only malformed: the body broke off
			return nil, &fineError{error: err, retry: true}
		}
		if err != nil {
			return nil, err
		}
		if err := u.fineNamed(ctx, id, name); err != nil {
			return nil, err
		}
		return u.fineAccept(ctx, id, owner)
	}
	// A first chunk. The type is judged again on the complete file: the
	// first chunk may be shorter than what decides it.
	info.Size = p.total
	up, err := u.store.NewUpload(ctx, info)
	if err != nil {
		return nil, u.storeFailure(err)
	}
	got, err := up.GetInfo(ctx)
	if err != nil {
		u.terminate(ctx, up)
		return nil, u.storeFailure(err)
	}
	if err := u.fineNamed(ctx, got.ID, name); err != nil {
		return nil, err
	}
	rep, err := u.fineChunk(ctx, up, got.ID, owner, p, rules, 0, src)
	if err != nil {
		(&File{u: u, id: got.ID}).Discard(ctx)
	}
	return rep, err
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

// fineNext appends a later chunk to the file's upload. A chunk cut short
// leaves what arrived, a prefix of it: the retry of that chunk resumes
// after it. A chunk already stored (a retry after a lost reply) is not
// written twice. A chunk that breaks the rules removes the upload.
func (u *Uploader) fineNext(ctx context.Context, owner string, p fineParams, src io.Reader) (any, error) {
	up, info, err := u.fineFind(ctx, owner, p.uuid)
	if errors.Is(err, handler.ErrNotFound) {
		return nil, &fineError{error: fail(ErrGone, "The upload of this file has expired or was removed; it starts over."), status: http.StatusNotFound, reset: true}
	}
	if err != nil {
		return nil, err
	}
	if info.MetaData["field"] != p.field || info.SizeIsDeferred || info.Size != p.total {
		(&File{u: u, id: info.ID}).Discard(ctx)
		return nil, fail(ErrMalformed, "The chunks of one file disagree about its field or size.")
	}
	if p.offset > info.Offset {
		return nil, &fineError{error: fail(ErrMalformed, "A piece of the file is missing, so its upload starts over."), reset: true}
	}
	rep, err := u.fineChunk(ctx, up, info.ID, owner, p, u.rules(p.field), info.Offset, src)
	var fe *fineError
	if err != nil && Status(err) < 500 && !(errors.As(err, &fe) && (fe.retry || fe.reset)) {
		(&File{u: u, id: info.ID}).Discard(ctx)
	}
	return rep, err
}

// fineChunk writes what upload id, which holds stored bytes, lacks of chunk
// p, checks that the upload then ends where the chunk does, and completes
// the upload after the last chunk.
func (u *Uploader) fineChunk(ctx context.Context, up handler.Upload, id, owner string, p fineParams, rules Rules, stored int64, src io.Reader) (any, error) {
	if stored >= p.end() {
		// Stored already: the reply was lost, or the server stopped before
		// answering the last chunk.
		if !p.last() {
			return fineReply{Success: true}, nil
		}
		return u.fineAgain(ctx, up, id, owner, p.field, rules)
	}
	if err := u.fineWrite(ctx, up, p, rules, stored, src); err != nil {
		return nil, err
	}
	// Read the offset afresh: a second request writing the same upload at
	// the same time (a retry racing a stalled attempt) shows here, and the
	// upload, its bytes mixed, starts over.
	fresh, err := u.store.GetUpload(ctx, id)
	var info handler.FileInfo
	if err == nil {
		info, err = fresh.GetInfo(ctx)
	}
	if err != nil {
		return nil, u.lookupFailure(err)
	}
	if info.Offset != p.end() {
		(&File{u: u, id: id}).Discard(ctx)
		return nil, &fineError{error: fail(ErrMalformed, "The file was sent twice at once, so its upload starts over."), reset: true}
	}
	if !p.last() {
		return fineReply{Success: true}, nil
	}
	if err := up.FinishUpload(ctx); err != nil {
		return nil, u.storeFailure(err)
	}
	return u.fineAccept(ctx, id, owner)
}

// fineWrite appends to up, which holds stored bytes, what it lacks of
// chunk p.
func (u *Uploader) fineWrite(ctx context.Context, up handler.Upload, p fineParams, rules Rules, stored int64, src io.Reader) error {
	// An earlier attempt at this chunk may have stored its first bytes.
	if _, err := io.CopyN(io.Discard, src, stored-p.offset); err != nil {
		return cutShort(err, rules.MaxSize)
	}
	limit := p.end() - stored
	body := &sourceReader{r: io.LimitReader(src, limit)}
	n, err := up.WriteChunk(ctx, stored, body)
	switch {
	case body.err != nil:
		return cutShort(body.err, rules.MaxSize)
	case err != nil:
		return u.storeFailure(err)
	case n < limit:
		return cutShort(io.ErrUnexpectedEOF, rules.MaxSize)
	}
	// The chunk must end where it said: more bytes would shift all that
	// follows.
	var extra [1]byte
	if _, err := io.ReadFull(src, extra[:]); err != io.EOF {
		return fail(ErrMalformed, "A chunk of the file is longer than it said.")
	}
	return nil
}

// fineAgain answers the last chunk of an upload that holds all its bytes
// already. An upload answered before has its receipt (see process.go), and
// gets the same answer; one whose server stopped before answering is
// finished and accepted now.
func (u *Uploader) fineAgain(ctx context.Context, up handler.Upload, id, owner, field string, rules Rules) (any, error) {
	rec, _, err := u.readReceipt(ctx, id)
	if err != nil {
		return nil, u.storeFailure(err)
	}
	if rec != nil {
		return fineDone(reply{Valid: true, Filename: rec.Name, Size: rec.Size, Type: rec.Type,
			Stored: u.refFor(id, owner, field), Extra: rec.Results})
	}
	if err := up.FinishUpload(ctx); err != nil {
		// Some stores (s3store) refuse to finish an upload twice: one that
		// reads is finished.
		rc, rerr := up.GetReader(ctx)
		if rerr != nil {
			return nil, u.storeFailure(err)
		}
		rc.Close()
	}
	return u.fineAccept(ctx, id, owner)
}

// fineAccept accepts upload id, finished, and answers with Fine Uploader's
// success. A file refused is removed.
func (u *Uploader) fineAccept(ctx context.Context, id, owner string) (any, error) {
	f, err := u.accept(ctx, id, owner)
	if err != nil {
		return nil, err
	}
	return fineDone(replyOf(f))
}

// fineFind finds owner's upload of the file uuid, named under any of the
// keys (an upload begun before a key rotation goes on after it). The error
// is handler.ErrNotFound when there is none.
func (u *Uploader) fineFind(ctx context.Context, owner, uuid string) (handler.Upload, handler.FileInfo, error) {
	for _, key := range u.sign.keys {
		up, err := u.findUpload(ctx, fineID(key, owner, uuid))
		var info handler.FileInfo
		if err == nil {
			info, err = up.GetInfo(ctx)
		}
		switch {
		case errors.Is(err, handler.ErrNotFound) || errors.Is(err, os.ErrNotExist):
			continue
		case err != nil:
			return nil, info, u.storeFailure(err)
		}
		return up, info, nil
	}
	return nil, handler.FileInfo{}, handler.ErrNotFound
}

// fineForget removes what an earlier attempt at the file left, before the
// file starts over. The earlier attempt must have been for the same field:
// a reference to it may be out, and must not come to point at a file that
// another field's rules let in.
func (u *Uploader) fineForget(ctx context.Context, owner string, p fineParams) error {
	_, info, err := u.fineFind(ctx, owner, p.uuid)
	switch {
	case errors.Is(err, handler.ErrNotFound):
		return nil
	case err != nil:
		return err
	case info.MetaData["field"] != p.field:
		return fail(ErrMalformed, "This file was uploaded for another field. Choose it again.")
	}
	if err := (&File{u: u, id: info.ID}).Discard(ctx); err != nil {
		return u.storeFailure(err)
	}
	return nil
}

// fineDeleteByPost answers a deletion sent with POST (Fine Uploader's
// deleteFile.method "POST"): _method=DELETE and qquuid in the body.
func (u *Uploader) fineDeleteByPost(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, fineMaxDelete)
	if err := r.ParseForm(); err != nil {
		writeFineError(w, readFailure(err, fineMaxDelete))
		return
	}
	if !strings.EqualFold(r.PostForm.Get("_method"), http.MethodDelete) {
		writeFineError(w, fail(ErrMalformed, "Send the file as multipart/form-data."))
		return
	}
	u.fineDelete(w, r, r.PostForm.Get("qquuid"))
}

// fineDelete removes the requester's upload of the file uuid, finished or
// not, with what processors made of it. Another person's uuid names
// nothing of the requester's, so it is answered like one that never
// existed: 404.
func (u *Uploader) fineDelete(w http.ResponseWriter, r *http.Request, uuid string) {
	owner := u.who(r)
	if owner == "" {
		writeFineError(w, fail(ErrNotAllowed, "Please sign in to upload files."))
		return
	}
	if !validUUID(uuid) {
		writeFineError(w, fail(ErrMalformed, "The deletion did not identify its file (qquuid)."))
		return
	}
	ctx, cancel := cleanupContext(r.Context())
	defer cancel()
	_, info, err := u.fineFind(ctx, owner, uuid)
	if errors.Is(err, handler.ErrNotFound) {
		err = &fineError{error: fail(ErrGone, "This file is not among your uploads."), status: http.StatusNotFound}
	}
	if err == nil {
		if err = (&File{u: u, id: info.ID}).Discard(ctx); err != nil {
			err = u.storeFailure(err)
		}
	}
	if err != nil {
		writeFineError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, fineReply{Success: true})
}
