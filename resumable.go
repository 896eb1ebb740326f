package sticky

import (
	"bytes"
	"context"
	"crypto/hmac"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/tus/tusd/v2/pkg/handler"
	"github.com/tus/tusd/v2/pkg/memorylocker"
	expslog "golang.org/x/exp/slog"
)

// Resumable uploads: the tus 1.0 protocol at <mount>tus/, served by tusd's
// handler over the same temporary store as the one-shot endpoint, so that
// tus-js-client, Uppy and the other tus clients work, and the client script
// sends big files in chunks and resumes them.
//
// Around tusd, sticky keeps its own rules:
//
//   - Every request but OPTIONS needs an identity (403 without one), and an
//     upload's id carries an HMAC of its owner's identity: anybody else
//     asking for it is told it is gone, whatever store holds it.
//   - Creation names the field (metadata "field"), whose rules apply: the
//     declared length against its MaxSize, Config.Before and Config.Rename.
//     The metadata is replaced by sticky's own: the cleaned name, the field,
//     the expiry; the client's claimed type is dropped.
//   - The first bytes decide the type before any is stored, and the whole
//     upload is judged again once complete, before the processors run.
//   - The response that completes an upload carries the signed reference
//     (Sticky-Ref) and the one-shot endpoint's JSON reply (Sticky-Reply). A
//     receipt (see process.go) records the answer, so a client that lost it
//     gets it again from HEAD; a complete upload without one, whose server
//     stopped before answering, is accepted by the next HEAD instead.
//   - Each chunk is hashed on its way to the store, for the file's SHA-256,
//     and checked against the checksum its client sent, if any (tus's
//     checksum extension; see checksum.go).
//   - Nothing is ever downloaded through the endpoint, and no extension
//     beyond creation, creation-with-upload, termination, checksum and
//     expiration is offered.

// tusPrefix is where the resumable endpoint is, below the mount path.
const tusPrefix = "tus/"

// Headers of the resumable endpoint's responses.
const (
	// RefHeader carries the signed reference of the upload completed by the
	// request, to post in the sticky field as the one-shot endpoint's
	// "stored" is posted.
	RefHeader = "Sticky-Ref"
	// ReplyHeader carries the JSON object the one-shot endpoint answers for
	// the same file, processors' members included, with every non-ASCII
	// character escaped (\uXXXX) to fit a header.
	ReplyHeader = "Sticky-Reply"
)

// TusURL is the URL path of the resumable endpoint, for tus clients:
// Config.Path followed by "tus/".
func (u *Uploader) TusURL() string { return u.path + tusPrefix }

// tusRequest is what sticky knows of a request to the resumable endpoint.
// It rides in the request's context, which tusd hands to the store and the
// hooks.
type tusRequest struct {
	r          *http.Request
	owner      string
	fine       string            // for Fine Uploader's chunks (see tusServe): the name of the file's upload
	info       *handler.FileInfo // the upload, once tusd has looked it up
	done       *receipt          // the receipt of a complete upload
	processing bool              // a complete upload whose processors still run
	sha256     string            // the SHA-256 (hex) of the upload its PATCH completed, as the chunks came
	checksum   *chunkChecksum    // what Upload-Checksum asks of the request's chunk
	gates      []*gatedLock      // the locks it holds (see tuslock.go)
}

type tusKey struct{}

func requestOf(ctx context.Context) *tusRequest {
	req, _ := ctx.Value(tusKey{}).(*tusRequest)
	return req
}

// resumable returns the resumable endpoint's handler, for requests whose
// path begins with the mount path and "tus/".
func (u *Uploader) resumable(locker handler.Locker) (http.Handler, error) {
	if locker == nil {
		locker = memorylocker.New()
	}
	store := tusStore{u}
	composer := handler.NewStoreComposer()
	composer.UseCore(store)
	composer.UseTerminater(store)
	composer.UseLocker(gatedLocker{locker})
	h, err := handler.NewUnroutedHandler(handler.Config{
		StoreComposer: composer,
		BasePath:      u.path + tusPrefix,
		// tusd cuts a body that stalls as sticky does elsewhere.
		NetworkTimeout:  cmpDuration(u.bodyTimeout, 24*time.Hour),
		DisableDownload: true,
		// Cross-origin requests are refused before tusd sees them.
		Cors: &handler.CorsConfig{Disable: true},
		// tusd logs every request; failures worth a look are logged by
		// sticky, in its own logger.
		Logger:                    expslog.New(expslog.NewTextHandler(io.Discard, nil)),
		PreUploadCreateCallback:   u.tusCreate,
		PreFinishResponseCallback: u.tusFinish,
	})
	if err != nil {
		return nil, err
	}
	route := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := strings.Trim(r.URL.Path, "/")
		switch {
		case id == "" && r.Method == http.MethodPost:
			h.PostFile(w, r)
		case id == "":
			w.Header().Set("Allow", "POST, OPTIONS")
			writeJSON(w, http.StatusMethodNotAllowed, errorReply(r.Context(), fail(ErrMalformed, "tus.create_with_post")))
		case r.Method == http.MethodHead:
			h.HeadFile(w, r)
		case r.Method == http.MethodPatch:
			h.PatchFile(w, r)
		case r.Method == http.MethodDelete:
			h.DelFile(w, r)
		default:
			w.Header().Set("Allow", "HEAD, PATCH, DELETE, OPTIONS")
			writeJSON(w, http.StatusMethodNotAllowed, errorReply(r.Context(), fail(ErrMalformed, "tus.send_with_patch")))
		}
	})
	return http.StripPrefix(strings.TrimSuffix(u.path+tusPrefix, "/"), h.Middleware(route)), nil
}

// serveTus answers a request to the resumable endpoint; rest is the path
// after it: "" or an upload's id.
func (u *Uploader) serveTus(w http.ResponseWriter, r *http.Request, rest string) {
	req := &tusRequest{r: r}
	if r.Method != http.MethodOptions { // OPTIONS only tells what the server supports
		req.owner = u.who(r)
		if req.owner == "" {
			w.Header().Set("Tus-Resumable", "1.0.0")
			writeError(w, r, u.refused(r.Context(), "", errSignIn))
			return
		}
		if rest != "" && !u.ownsUpload(rest, req.owner) {
			w.Header().Set("Tus-Resumable", "1.0.0")
			writeError(w, r, errUnknownUpload)
			return
		}
	}
	if h := r.Header.Get("Upload-Checksum"); h != "" && (r.Method == http.MethodPatch || r.Method == http.MethodPost) {
		var err error
		if req.checksum, err = parseChecksum(h); err != nil {
			w.Header().Set("Tus-Resumable", "1.0.0")
			writeError(w, r, err)
			return
		}
	}
	r = r.WithContext(context.WithValue(r.Context(), tusKey{}, req))
	u.tus.ServeHTTP(&tusResponse{ResponseWriter: w, u: u, req: req}, r)
}

// tusServe serves a request of sticky's own to upload id ("" to create
// one) through the resumable endpoint's handler, as if a tus client had
// sent it: tusd's engine creates, locks (Config.Locker), checks offsets,
// writes and finishes, with the hooks and the store of the endpoint.
// Fine Uploader's chunks take this way (see fine.go); req says whose they
// are, and names their upload. The answer is recorded, not sent: w, the
// response to the client's own request, only lends its connection's
// deadlines, so that tusd times out a stalled body and stops it when
// another request takes the upload's lock.
func (u *Uploader) tusServe(w http.ResponseWriter, req *tusRequest, method, id string, header http.Header, body io.Reader, length int64) tusAnswer {
	ctx, cancel := context.WithCancel(context.WithValue(req.r.Context(), tusKey{}, req))
	defer cancel() // ends what tusd starts for the request
	r, err := http.NewRequestWithContext(ctx, method, u.TusURL()+id, body)
	if err != nil {
		return tusAnswer{status: http.StatusInternalServerError, engine: true}
	}
	r.Header = header.Clone()
	if r.Header == nil {
		r.Header = http.Header{}
	}
	r.Header.Set("Tus-Resumable", "1.0.0")
	r.ContentLength = length
	rec := &tusRecorder{client: w, header: http.Header{}}
	tw := &tusResponse{ResponseWriter: rec, u: u, req: req}
	u.tus.ServeHTTP(tw, r)
	return tusAnswer{status: rec.code, header: rec.header, body: rec.body.Bytes(), engine: tw.swallow}
}

// tusAnswer is the resumable endpoint's answer to a request of tusServe.
type tusAnswer struct {
	status int
	header http.Header
	body   []byte // sticky's JSON reply, when status is a failure
	engine bool   // the failure is tusd's own (an unknown upload, a busy one, an offset moved on), not a rule of sticky's
}

// tusRecorder records the answer to a request of tusServe.
type tusRecorder struct {
	client http.ResponseWriter
	header http.Header
	code   int
	body   bytes.Buffer
}

func (r *tusRecorder) Header() http.Header { return r.header }

func (r *tusRecorder) WriteHeader(code int) {
	if r.code == 0 {
		r.code = code
	}
}

func (r *tusRecorder) Write(b []byte) (int, error) {
	r.WriteHeader(http.StatusOK)
	return r.body.Write(b)
}

// Unwrap lends tusd the client's connection, for its deadlines.
func (r *tusRecorder) Unwrap() http.ResponseWriter { return r.client }

var (
	errUnknownUpload = fail(ErrGone, "tus.unknown")
	errUnfinished    = fail(ErrGone, "tus.unfinished")
)

// tusOwnerLabel keys the HMAC that binds an upload's id to its owner.
const tusOwnerLabel = "tus-owner"

// tusID returns a new upload id for owner: 32 random hexadecimal digits,
// "-", and an HMAC of them and the owner, so that a server sharing the keys
// checks who may touch an upload from its id alone.
func (u *Uploader) tusID(owner string) string {
	nonce := NewKey()
	return nonce + "-" + hex.EncodeToString(keyed(u.sign.keys[0], tusOwnerLabel, nonce+"\x00"+owner))
}

// ownsUpload reports whether the upload id was made for owner.
func (u *Uploader) ownsUpload(id, owner string) bool {
	nonce, mac, _ := strings.Cut(u.uploadName(id), "-")
	want, err := hex.DecodeString(mac)
	if err != nil || len(nonce) != 32 || len(want) != refHashLen || hex.EncodeToString(want) != mac {
		return false // one spelling per id
	}
	for _, k := range u.sign.keys {
		if hmac.Equal(keyed(k, tusOwnerLabel, nonce+"\x00"+owner), want) {
			return true
		}
	}
	return false
}

// tusCreate vets a new upload: its field, declared length and name, and
// the application's Config.Before and Config.Rename; then it chooses the
// upload's id and metadata.
func (u *Uploader) tusCreate(ev handler.HookEvent) (handler.HTTPResponse, handler.FileInfoChanges, error) {
	var none handler.HTTPResponse
	req := requestOf(ev.Context)
	if req == nil {
		return none, handler.FileInfoChanges{}, errors.New("sticky: a resumable upload outside serveTus")
	}
	meta := ev.Upload.MetaData
	field := meta["field"]
	if !validField(field) {
		return none, handler.FileInfoChanges{}, tusError(ev.Context, fail(ErrMalformed, "upload.no_field_metadata"))
	}
	in := Incoming{Field: field, Name: cmp(meta["filename"], meta["name"]), Size: ev.Upload.Size, Type: cmp(meta["filetype"], meta["type"])}
	var err error
	if ev.Upload.SizeIsDeferred || ev.Upload.IsPartial || ev.Upload.IsFinal {
		err = fail(ErrMalformed, "tus.declare_length")
	} else {
		in, _, err = u.admit(req.r, req.owner, in)
	}
	if err != nil {
		return none, handler.FileInfoChanges{}, tusError(ev.Context, err)
	}
	id := req.fine // named after the owner and the qquuid (fineID)
	if id == "" {
		id = u.tusID(req.owner)
	}
	return none, handler.FileInfoChanges{
		ID: id,
		MetaData: handler.MetaData{
			"filename": in.Name,
			"field":    field,
			"expires":  u.expiry(),
		},
	}, nil
}

// cmpDuration returns a, or b when a is 0.
func cmpDuration(a, b time.Duration) time.Duration {
	if a != 0 {
		return a
	}
	return b
}

// cmp returns the first of a and b that is not empty.
func cmp(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// tusFinish accepts an upload whose last byte has just been stored: it
// judges the type again, on the stored bytes, runs the processors, and
// answers with the reference and the reply. An upload refused here is
// removed.
func (u *Uploader) tusFinish(ev handler.HookEvent) (handler.HTTPResponse, error) {
	ctx, info := ev.Context, ev.Upload
	req := requestOf(ctx)
	if req == nil {
		return handler.HTTPResponse{}, errors.New("sticky: a resumable upload outside serveTus")
	}
	f, err := u.accept(ctx, info.ID, req.owner, req.sha256)
	if err != nil {
		return handler.HTTPResponse{}, tusError(ev.Context, err)
	}
	b, err := json.Marshal(replyOf(f))
	if err != nil {
		return handler.HTTPResponse{}, err
	}
	return handler.HTTPResponse{Header: handler.HTTPHeader{RefHeader: f.Ref, ReplyHeader: asciiJSON(b)}}, nil
}

// readHead reads the first bytes of stored upload id, those that decide
// its type: with a ranged read when the store is a HeadReader.
func (u *Uploader) readHead(ctx context.Context, id string, up handler.Upload) ([]byte, error) {
	if hr, ok := u.store.(HeadReader); ok {
		return hr.ReadHead(ctx, id, sniffLen)
	}
	rc, err := up.GetReader(ctx)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	head := make([]byte, sniffLen)
	n, err := io.ReadFull(rc, head)
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		err = nil
	}
	return head[:n], err
}

// storedType returns the type of a complete upload: the one recorded when
// it was received, or, for a resumable upload, the one its first bytes
// tell, as they told when it was accepted.
func (u *Uploader) storedType(ctx context.Context, up handler.Upload, info handler.FileInfo) string {
	if t := info.MetaData["filetype"]; t != "" {
		return t
	}
	head, err := u.readHead(ctx, info.ID, up)
	if err != nil {
		u.log.Warn("sticky: reading an upload's first bytes", "err", err)
		return "application/octet-stream"
	}
	typ, _ := accepted(nil, CleanName(info.MetaData["filename"]), head)
	return typ
}

// tusError makes err an error tusd answers as sticky would: its status
// and the JSON reply of the one-shot endpoint. tusd's own errors stay.
func tusError(ctx context.Context, err error) error {
	var he handler.Error
	if errors.As(err, &he) {
		return he
	}
	status, rep := answer(ctx, err)
	body, _ := json.Marshal(rep)
	h := handler.HTTPHeader{"Content-Type": "application/json; charset=utf-8"}
	if status == http.StatusServiceUnavailable {
		h["Retry-After"] = "30"
	}
	return handler.Error{
		ErrorCode:    "ERR_STICKY",
		Message:      rep.Errors["upload"][0],
		HTTPResponse: handler.HTTPResponse{StatusCode: status, Body: string(body) + "\n", Header: h},
	}
}

// tusStoreError explains a failure of the temporary store to a tus client,
// in general words, the cause logged: tusd would answer with the cause.
func (u *Uploader) tusStoreError(ctx context.Context, err error) error {
	var he handler.Error
	if errors.As(err, &he) {
		return he
	}
	return tusError(ctx, u.storeFailure(err))
}

// tusStore is the temporary store as tusd sees it, through tusUpload.
type tusStore struct{ u *Uploader }

func (s tusStore) NewUpload(ctx context.Context, info handler.FileInfo) (handler.Upload, error) {
	up, err := s.u.store.NewUpload(ctx, info)
	if err != nil {
		return nil, s.u.tusStoreError(ctx, err)
	}
	got, err := up.GetInfo(ctx)
	if err != nil {
		s.u.terminate(ctx, up)
		return nil, s.u.tusStoreError(ctx, err)
	}
	return &tusUpload{Upload: up, u: s.u, id: got.ID}, nil
}

func (s tusStore) GetUpload(ctx context.Context, id string) (handler.Upload, error) {
	get := s.u.store.GetUpload
	if req := requestOf(ctx); req != nil && req.fine != "" {
		get = s.u.findUpload // Fine Uploader's requests know the name, not the store's id
	}
	up, err := get(ctx, id)
	if err != nil {
		return nil, s.u.tusStoreError(ctx, err)
	}
	return &tusUpload{Upload: up, u: s.u, id: id}, nil
}

func (s tusStore) AsTerminatableUpload(up handler.Upload) handler.TerminatableUpload {
	return up.(*tusUpload)
}

// tusUpload is an upload as tusd sees it: checked by type on its first
// bytes, and known complete only with its receipt.
type tusUpload struct {
	handler.Upload
	u  *Uploader
	id string
}

// GetInfo notes the upload in the request, for the response's headers. A
// complete upload must have its receipt, which the response then repeats.
func (t *tusUpload) GetInfo(ctx context.Context) (handler.FileInfo, error) {
	info, err := t.Upload.GetInfo(ctx)
	if err != nil {
		return info, t.u.tusStoreError(ctx, err)
	}
	req := requestOf(ctx)
	if req == nil {
		return info, nil
	}
	req.info = &info
	if !info.SizeIsDeferred && info.Offset == info.Size {
		rec, _, err := t.u.readReceipt(ctx, info.ID)
		if err != nil {
			return info, t.u.tusStoreError(ctx, err)
		}
		if rec == nil {
			// Accepted, its processors still running, or never accepted.
			switch why := t.u.outcome(ctx, info.ID); {
			case errors.Is(why, ErrProcessing):
				req.processing = true
				return info, nil
			case why != nil:
				return info, tusError(ctx, why)
			}
			if req.r.Method != http.MethodHead {
				return info, tusError(ctx, errUnfinished)
			}
			// Its server stopped between the last byte and the answer.
			// tusd holds the upload's lock for a HEAD, and the server
			// completing an upload holds it until a receipt or a
			// processing note is written: nobody else is completing it.
			// Complete it here, so that the client need not send it again.
			f, err := t.u.accept(ctx, info.ID, req.owner, "")
			if err != nil {
				return info, tusError(ctx, err)
			}
			if f.processing {
				req.processing = true
				return info, nil
			}
			switch rec, _, err = t.u.readReceipt(ctx, info.ID); {
			case err != nil:
				return info, t.u.tusStoreError(ctx, err)
			case rec == nil:
				return info, tusError(ctx, errUnfinished)
			}
		}
		req.done = rec
	}
	return info, nil
}

// WriteChunk checks the chunk against the checksum its request sent, if
// any, before any of it is stored; judges the type of the upload on its
// first bytes, when they come, before they are stored (an upload of a
// refused type is removed); and hashes the chunk as it is stored, going on
// from the running hash of the chunks before (see checksum.go).
func (t *tusUpload) WriteChunk(ctx context.Context, offset int64, src io.Reader) (int64, error) {
	req := requestOf(ctx)
	if req != nil {
		req.armGates() // the request body is set: releases may come now
	}
	var info handler.FileInfo
	if req != nil && req.info != nil && req.info.ID == t.id {
		info = *req.info // as tusd just read it
	} else {
		var err error
		if info, err = t.Upload.GetInfo(ctx); err != nil {
			return 0, t.u.tusStoreError(ctx, err)
		}
	}
	if req != nil && req.checksum != nil {
		chunk, err := t.u.spoolChunk(src, req.checksum, req.r.ContentLength)
		if err != nil {
			if offset == 0 && req.r.Method == http.MethodPost {
				// A creation refused: its client never learns the upload.
				t.u.terminate(ctx, t.Upload)
			}
			return 0, tusError(ctx, err)
		}
		if chunk == nil {
			return 0, nil // cut short: tusd answers its body's error
		}
		defer func() { chunk.Close(); os.Remove(chunk.Name()) }()
		src = chunk
	}
	if offset == 0 {
		head := make([]byte, min(sniffLen, info.Size))
		n, _ := io.ReadFull(src, head) // tusd's reader keeps errors for itself
		if n > 0 {
			if _, err := judge(t.u.rules(info.MetaData["field"]), CleanName(info.MetaData["filename"]), head[:n]); err != nil {
				t.u.terminate(ctx, t.Upload)
				return 0, tusError(ctx, t.u.refused(ctx, info.MetaData["field"], err))
			}
		}
		src = io.MultiReader(bytes.NewReader(head[:n]), src)
	}
	running := t.u.resumeHash(ctx, t.id, offset)
	body := &countingReader{r: src}
	if running != nil {
		src = io.TeeReader(body, running)
	} else {
		src = body
	}
	n, err := t.Upload.WriteChunk(ctx, offset, src)
	if err != nil {
		err = t.u.tusStoreError(ctx, err)
	}
	// The hash goes on only when it has seen exactly the bytes stored.
	if running != nil && req != nil && n > 0 && body.n == n {
		t.u.keepHash(ctx, req, t.id, info.Size, offset, offset+n, running)
	}
	return n, err
}

// Terminate removes the upload, the files derived from it and its receipt,
// or, while it is incomplete, the state of its running hash.
func (t *tusUpload) Terminate(ctx context.Context) error {
	info, infoErr := t.Upload.GetInfo(ctx)
	if err := t.u.term.AsTerminatableUpload(t.Upload).Terminate(ctx); err != nil {
		return t.u.tusStoreError(ctx, err)
	}
	if infoErr == nil && info.Offset > 0 && info.Offset < info.Size {
		t.u.removeHashState(ctx, t.id, info.Offset)
	}
	if err := (&File{u: t.u, id: t.id}).discardMade(ctx); err != nil {
		t.u.log.Warn("sticky: removing what was derived from a terminated upload", "err", err)
	}
	return nil
}

// tusResponse adds sticky's headers to tusd's responses.
type tusResponse struct {
	http.ResponseWriter
	u       *Uploader
	req     *tusRequest
	wrote   bool
	swallow bool // tusd's own error text is replaced by sticky's JSON
}

func (w *tusResponse) WriteHeader(code int) {
	if !w.wrote && code >= 200 {
		w.wrote = true
		w.u.decorate(w.Header(), code, w.req)
		if code >= 400 && !strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
			// An error of tusd itself ("ERR_MISMATCHED_OFFSET: ..."): answer
			// in the endpoint's JSON shape, with a sentence for a person.
			w.swallow = true
			b, _ := json.Marshal(errorReply(w.req.r.Context(), fail(ErrMalformed, tusSentence(code))))
			h := w.Header()
			h.Del("Content-Length")
			h.Set("Content-Type", "application/json; charset=utf-8")
			h.Set("X-Content-Type-Options", "nosniff")
			w.ResponseWriter.WriteHeader(code)
			if w.req.r.Method != http.MethodHead {
				w.ResponseWriter.Write(append(b, '\n'))
			}
			return
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *tusResponse) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	if w.swallow {
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}

// tusSentence is the message that says in words what a status of tusd's
// own means.
func tusSentence(code int) string {
	switch code {
	case http.StatusNotFound, http.StatusGone:
		return "tus.unknown"
	case http.StatusConflict:
		return "tus.offset"
	case http.StatusRequestEntityTooLarge:
		return "tus.too_long"
	case http.StatusLocked:
		return "tus.busy"
	case http.StatusNotImplemented:
		return "tus.unsupported"
	}
	if code >= 500 {
		return "upload.failed"
	}
	return "tus.malformed"
}

// Unwrap lets tusd set the connection's deadlines.
func (w *tusResponse) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// decorate sets sticky's headers on a response of the resumable endpoint.
func (u *Uploader) decorate(h http.Header, code int, req *tusRequest) {
	h.Set("Cache-Control", "no-store")
	// tusd makes the upload's URL absolute from the request's Host and
	// TLS state, which behind a proxy may be neither the browser's scheme
	// nor its host. A path is as good to tus clients, and always right.
	if loc, err := url.Parse(h.Get("Location")); err == nil && loc.IsAbs() {
		h.Set("Location", loc.RequestURI())
	}
	if ext := h.Get("Tus-Extension"); ext != "" { // an OPTIONS request
		h.Set("Tus-Extension", ext+",checksum,expiration")
		h.Set("Tus-Checksum-Algorithm", checksumAlgorithmList)
		h.Set("Tus-Max-Size", strconv.FormatInt(u.largest, 10))
	}
	if code >= 300 || req.info == nil {
		return
	}
	info := req.info
	if exp, err := strconv.ParseInt(info.MetaData["expires"], 10, 64); err == nil {
		// The sweep removes an upload TTL after its last write, never
		// sooner than TTL after its creation.
		h.Set("Upload-Expires", time.Unix(exp, 0).UTC().Format(http.TimeFormat))
	}
	var rep reply
	switch rec := req.done; {
	case rec != nil:
		rep = reply{Valid: true, Filename: rec.Name, Size: rec.Size, Type: rec.Type, SHA256: rec.SHA256, Extra: rec.Results}
	case req.processing:
		rep = reply{Valid: true, Filename: CleanName(info.MetaData["filename"]), Size: info.Size, Processing: true}
	default:
		return
	}
	f := &File{Field: info.MetaData["field"], u: u}
	f.Ref = u.refFor(info.ID, req.owner, f.Field)
	rep.Stored = f.Ref
	if rep.Processing {
		rep.StatusURL = u.statusURL(f)
	}
	if b, err := json.Marshal(rep); err == nil {
		h.Set(RefHeader, f.Ref)
		h.Set(ReplyHeader, asciiJSON(b))
	}
}
