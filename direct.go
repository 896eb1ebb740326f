package sticky

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tus/tusd/v2/pkg/handler"
)

// Direct uploads: the browser puts the bytes straight into the bucket of a
// DirectStore, with presigned requests, and the app carries none of them
// (Config.Direct, Rules.Direct). The routes are those of Uppy's Companion, below the
// mount's s3/, so Uppy's AWS S3 plugin works unchanged:
//
//	GET    s3/params?filename=&type=&metadata[field]=   a presigned PUT or POST of the whole file
//	POST   s3/multipart                                  create a multipart upload
//	GET    s3/multipart/{uploadId}/{partNumber}?key=      presign one part's PUT
//	GET    s3/multipart/{uploadId}/batch?key=&partNumbers= presign several
//	GET    s3/multipart/{uploadId}?key=                   list the parts in the bucket
//	POST   s3/multipart/{uploadId}/complete?key=          join the parts, then claim
//	DELETE s3/multipart/{uploadId}?key=                   abort
//	POST   s3/complete?key=                               claim a finished object
//
// Creating passes the one ingest path's first steps (limit, admit) with the
// declared name, field, type and size; the key, under the store's prefix,
// is sticky's choice and carries an HMAC of its owner, as a resumable
// upload's id does, so nobody else can touch the object. Claiming checks
// the object's real size, adopts it as an upload of the store, and accepts
// it (judge, processors, reference) as any other; a file that breaks a
// rule is removed from the bucket. The reply is the one-shot endpoint's,
// with the object's location and key besides, as Uppy expects.

// directPrefix is where the direct-upload routes are, below the mount path.
const directPrefix = "s3/"

// directExpiry bounds how long a presigned request may start.
const directExpiry = time.Hour

// maxPartNumber is S3's largest part number.
const maxPartNumber = 10000

var (
	errNoDirect      = refuse(http.StatusNotFound, "direct.disabled")
	errNoObject      = fail(ErrGone, "direct.no_object")
	errNoDirectField = refuse(http.StatusForbidden, "direct.field_disabled")
	errBusy          = refuse(http.StatusConflict, "direct.busy")
)

// serveDirect answers a request to the direct-upload routes; rest is the
// path after s3/.
func (u *Uploader) serveDirect(w http.ResponseWriter, r *http.Request, rest string) {
	ds, ok := u.store.(DirectStore)
	if !u.anyDirect || !ok {
		writeError(w, r, errNoDirect)
		return
	}
	owner := u.who(r)
	if owner == "" {
		writeError(w, r, errSignIn)
		return
	}
	d := directRequest{u: u, ds: ds, w: w, r: r, owner: owner}
	parts := strings.Split(rest, "/")
	route := func(method string, serve func()) {
		if r.Method != method {
			w.Header().Set("Allow", method)
			writeJSON(w, http.StatusMethodNotAllowed, errorReply(r.Context(), fail(ErrMalformed, "direct.method", "method", method)))
			return
		}
		serve()
	}
	switch {
	case rest == "params":
		route(http.MethodGet, d.params)
	case rest == "complete":
		route(http.MethodPost, d.completeObject)
	case rest == "multipart":
		route(http.MethodPost, d.create)
	case len(parts) == 2 && parts[0] == "multipart" && r.Method == http.MethodDelete:
		d.abort(parts[1])
	case len(parts) == 2 && parts[0] == "multipart":
		route(http.MethodGet, func() { d.listParts(parts[1]) })
	case len(parts) == 3 && parts[0] == "multipart" && parts[2] == "complete":
		route(http.MethodPost, func() { d.completeMultipart(parts[1]) })
	case len(parts) == 3 && parts[0] == "multipart" && parts[2] == "batch":
		route(http.MethodGet, func() { d.signParts(parts[1]) })
	case len(parts) == 3 && parts[0] == "multipart":
		route(http.MethodGet, func() { d.signPart(parts[1], parts[2]) })
	default:
		writeJSON(w, http.StatusNotFound, errorReply(r.Context(), fail(ErrMalformed, "direct.no_route")))
	}
}

// directRequest is one request to the direct-upload routes.
type directRequest struct {
	u     *Uploader
	ds    DirectStore
	w     http.ResponseWriter
	r     *http.Request
	owner string
}

// admitted admits a declared file for owner: its field, name, type and
// size (-1: none declared) pass Uploader.admit, and the upload is given a
// name of sticky's that binds it to owner. The declared details ride on
// the object, signed, until it is claimed.
func (d *directRequest) admitted(field, name, typ string, size int64) (DirectUpload, error) {
	if !validField(field) {
		return DirectUpload{}, fail(ErrMalformed, "upload.no_field_metadata")
	}
	if !d.u.directFor(field) {
		return DirectUpload{}, errNoDirectField
	}
	in, rules, err := d.u.admit(d.r, d.owner, Incoming{Field: field, Name: name, Size: size, Type: typ})
	if err != nil {
		return DirectUpload{}, err
	}
	return DirectUpload{
		Name:    d.u.tusID(d.owner),
		Size:    size,
		MaxSize: rules.MaxSize,
		Meta: map[string]string{
			"field": field,
			"name":  url.PathEscape(in.Name),
			"size":  strconv.FormatInt(size, 10),
		},
	}, nil
}

// declaredSize reads a declared size: "" is none (-1).
func declaredSize(s string) (int64, error) {
	if s == "" {
		return -1, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, fail(ErrMalformed, "direct.size")
	}
	return n, nil
}

// params presigns the upload of the whole file, as Companion's GET
// s3/params. Uppy sends the file's meta as metadata[...]; the size, when
// declared, comes as size or metadata[size]; sticky's client sends the
// file's SHA-256 (base64) as sha256, which the bucket then checks. A
// client that asks with method=PUT and declares the size gets a presigned
// PUT, which a bucket takes faster than a form POST; the others (Uppy's
// plugin posts a form) get a POST.
func (d *directRequest) params() {
	done, err := d.u.startUpload(d.r.Context(), d.w, d.owner) // a new upload: rate and cap
	if err != nil {
		writeError(d.w, d.r, err)
		return
	}
	defer done()
	q := d.r.URL.Query()
	size, err := declaredSize(cmp(q.Get("size"), q.Get("metadata[size]")))
	if err != nil {
		writeError(d.w, d.r, err)
		return
	}
	up, err := d.admitted(q.Get("metadata[field]"), cmp(q.Get("filename"), q.Get("metadata[name]")), q.Get("type"), size)
	if err != nil {
		writeError(d.w, d.r, err)
		return
	}
	if up.SHA256, err = checksumParam(q.Get("sha256")); err != nil {
		writeError(d.w, d.r, err)
		return
	}
	if up.SHA256 != "" {
		// The bucket refuses other bytes: the claim takes it as the file's.
		b, _ := base64.StdEncoding.DecodeString(up.SHA256)
		up.Meta[metaSHA256] = hex.EncodeToString(b)
	}
	if q.Get("method") == http.MethodPut && size >= 0 {
		link, header, err := d.ds.PresignPut(d.r.Context(), up, directExpiry)
		if err != nil {
			writeError(d.w, d.r, d.u.storeFailure(err))
			return
		}
		writeJSON(d.w, http.StatusOK, map[string]any{"method": "PUT", "url": link, "headers": header, "fields": struct{}{}, "key": d.ds.ObjectKey(up.Name)})
		return
	}
	link, fields, err := d.ds.PresignPost(d.r.Context(), up, directExpiry)
	if err != nil {
		writeError(d.w, d.r, d.u.storeFailure(err))
		return
	}
	writeJSON(d.w, http.StatusOK, map[string]any{"method": "POST", "url": link, "fields": fields, "key": d.ds.ObjectKey(up.Name)})
}

// create starts a multipart upload, as Companion's POST s3/multipart.
func (d *directRequest) create() {
	var body struct {
		Filename string            `json:"filename"`
		Type     string            `json:"type"`
		Size     json.Number       `json:"size"`
		Metadata map[string]string `json:"metadata"`
		Checksum string            `json:"checksum"` // "sha256": every part will carry its own
	}
	if err := d.readJSON(&body); err != nil {
		writeError(d.w, d.r, err)
		return
	}
	size, err := declaredSize(cmp(body.Size.String(), body.Metadata["size"]))
	if err != nil {
		writeError(d.w, d.r, err)
		return
	}
	up, err := d.admitted(body.Metadata["field"], cmp(body.Filename, body.Metadata["name"]), body.Type, size)
	if err != nil {
		writeError(d.w, d.r, err)
		return
	}
	switch body.Checksum {
	case "sha256":
		up.PartChecksums = true
	case "":
	default:
		writeError(d.w, d.r, fail(ErrMalformed, "direct.part_checksum"))
		return
	}
	id, err := d.ds.CreateMultipart(d.r.Context(), up)
	if err != nil {
		writeError(d.w, d.r, d.u.storeFailure(err))
		return
	}
	writeJSON(d.w, http.StatusOK, map[string]string{"key": d.ds.ObjectKey(up.Name), "uploadId": id})
}

// name returns the name of the upload whose key the request gives, once
// sure it is the owner's.
func (d *directRequest) name() (string, bool) {
	name, ok := strings.CutPrefix(d.r.URL.Query().Get("key"), d.ds.ObjectKey(""))
	if !ok || !d.u.ownsUpload(name, d.owner) {
		writeError(d.w, d.r, errUnknownUpload)
		return "", false
	}
	return name, true
}

// signPart presigns the PUT of one part. A size (bytes) and a sha256
// (base64) in the query are signed too, so the bucket refuses another body.
func (d *directRequest) signPart(uploadID, number string) {
	name, ok := d.name()
	if !ok {
		return
	}
	n, err := strconv.Atoi(number)
	if err != nil || n < 1 || n > maxPartNumber {
		writeError(d.w, d.r, fail(ErrMalformed, "direct.part_numbers"))
		return
	}
	q := d.r.URL.Query()
	size, err := declaredSize(q.Get("size"))
	if err != nil {
		writeError(d.w, d.r, err)
		return
	}
	sum, err := checksumParam(q.Get("sha256"))
	if err != nil {
		writeError(d.w, d.r, err)
		return
	}
	link, header, err := d.ds.PresignPart(d.r.Context(), name, uploadID, DirectPart{Number: int32(n), Size: max(size, 0), SHA256: sum}, directExpiry)
	if err != nil {
		writeError(d.w, d.r, d.u.storeFailure(err))
		return
	}
	writeJSON(d.w, http.StatusOK, map[string]any{"url": link, "headers": header})
}

// maxBatch is the most parts presigned in one request.
const maxBatch = 100

// signParts presigns the PUTs of several parts at once, as Companion's
// batch route: partNumbers=1,2,3 and, optionally, as many sizes= (bytes)
// and sha256= (base64) to sign, comma-separated, an empty one for none.
// It answers {"presignedUrls": {"1": url, ...}, "headers": {"1": {...}}}.
func (d *directRequest) signParts(uploadID string) {
	name, ok := d.name()
	if !ok {
		return
	}
	parts, err := batchParts(d.r.URL.Query())
	if err != nil {
		writeError(d.w, d.r, err)
		return
	}
	var signed []SignedPart
	if bp, ok := d.ds.(BatchPresigner); ok {
		signed, err = bp.PresignParts(d.r.Context(), name, uploadID, parts, directExpiry)
	} else {
		signed = make([]SignedPart, len(parts))
		for i, p := range parts {
			if signed[i].URL, signed[i].Header, err = d.ds.PresignPart(d.r.Context(), name, uploadID, p, directExpiry); err != nil {
				break
			}
		}
	}
	if err != nil {
		writeError(d.w, d.r, d.u.storeFailure(err))
		return
	}
	urls := make(map[string]string, len(parts))
	headers := make(map[string]map[string]string, len(parts))
	for i, p := range parts {
		n := strconv.Itoa(int(p.Number))
		urls[n], headers[n] = signed[i].URL, signed[i].Header
	}
	writeJSON(d.w, http.StatusOK, map[string]any{"presignedUrls": urls, "headers": headers})
}

// batchParts reads the parts a batch asks to presign: partNumbers=1,2,3
// and, optionally, as many sizes= and sha256=, comma-separated.
func batchParts(q url.Values) ([]DirectPart, error) {
	numbers := strings.Split(q.Get("partNumbers"), ",")
	list := func(key string) []string {
		if v := q.Get(key); v != "" {
			return strings.Split(v, ",")
		}
		return make([]string, len(numbers))
	}
	sizes, sums := list("sizes"), list("sha256")
	bad := fail(ErrMalformed, "direct.batch", "max", strconv.Itoa(maxBatch))
	if len(numbers) > maxBatch || len(sizes) != len(numbers) || len(sums) != len(numbers) {
		return nil, bad
	}
	parts := make([]DirectPart, len(numbers))
	seen := make(map[int]bool, len(numbers))
	for i, number := range numbers {
		n, err := strconv.Atoi(number)
		if err != nil || n < 1 || n > maxPartNumber || seen[n] {
			return nil, bad
		}
		seen[n] = true
		size, err := declaredSize(sizes[i])
		if err != nil {
			return nil, err
		}
		sum, err := checksumParam(sums[i])
		if err != nil {
			return nil, err
		}
		parts[i] = DirectPart{Number: int32(n), Size: max(size, 0), SHA256: sum}
	}
	return parts, nil
}

// directPart is a part as Companion names its members, with its
// checksum as S3 names it.
type directPart struct {
	PartNumber int32  `json:"PartNumber"`
	ETag       string `json:"ETag"`
	Size       int64  `json:"Size,omitempty"`
	SHA256     string `json:"ChecksumSHA256,omitempty"`
}

// listParts lists the parts already in the bucket, for a client resuming.
func (d *directRequest) listParts(uploadID string) {
	name, ok := d.name()
	if !ok {
		return
	}
	parts, err := d.ds.ListParts(d.r.Context(), name, uploadID)
	if err != nil {
		writeError(d.w, d.r, d.failure(err))
		return
	}
	out := make([]directPart, len(parts))
	for i, p := range parts {
		out[i] = directPart{PartNumber: p.Number, ETag: p.ETag, Size: p.Size, SHA256: p.SHA256}
	}
	writeJSON(d.w, http.StatusOK, out)
}

// abort abandons a multipart upload.
func (d *directRequest) abort(uploadID string) {
	name, ok := d.name()
	if !ok {
		return
	}
	if err := d.ds.AbortMultipart(d.r.Context(), name, uploadID); err != nil && !errors.Is(err, handler.ErrNotFound) {
		writeError(d.w, d.r, d.u.storeFailure(err))
		return
	}
	writeJSON(d.w, http.StatusOK, struct{}{})
}

// completeMultipart joins the parts into the object, then claims it.
func (d *directRequest) completeMultipart(uploadID string) {
	name, ok := d.name()
	if !ok {
		return
	}
	var body struct {
		Parts []directPart `json:"parts"`
	}
	if err := d.readJSON(&body); err != nil {
		writeError(d.w, d.r, err)
		return
	}
	if len(body.Parts) == 0 || len(body.Parts) > maxPartNumber {
		writeError(d.w, d.r, fail(ErrMalformed, "direct.name_parts"))
		return
	}
	parts := make([]DirectPart, len(body.Parts))
	for i, p := range body.Parts {
		parts[i] = DirectPart{Number: p.PartNumber, ETag: p.ETag, SHA256: p.SHA256}
	}
	ctx := d.r.Context()
	location, err := d.ds.CompleteMultipart(ctx, name, uploadID, parts)
	if err != nil && !errors.Is(err, handler.ErrNotFound) { // not found: completed already, the claim will tell
		writeError(d.w, d.r, d.failure(err))
		return
	}
	d.claim(name, uploadID, location)
}

// completeObject claims an object sent in one PUT or POST, or answers again for
// one claimed already.
func (d *directRequest) completeObject() {
	if name, ok := d.name(); ok {
		d.claim(name, "", "")
	}
}

// claim claims the finished object of upload name for its owner and
// answers the one-shot endpoint's reply, with the object's location and key.
func (d *directRequest) claim(name, uploadID, location string) {
	rep, err := d.u.claimDirect(d.r.Context(), d.ds, d.owner, name, uploadID)
	if err != nil {
		writeError(d.w, d.r, err)
		return
	}
	key := d.ds.ObjectKey(name)
	if location == "" {
		location = key
	}
	extra := make(map[string]json.RawMessage, len(rep.Extra)+2)
	for k, v := range rep.Extra {
		extra[k] = v
	}
	extra["location"], _ = json.Marshal(location)
	extra["key"], _ = json.Marshal(key)
	rep.Extra = extra
	writeJSON(d.w, http.StatusOK, rep)
}

// claimDirect takes the object of upload name, which the browser finished
// sending to the bucket, as a file of owner's: its real size must be the
// declared one and within the field's limit, and its first bytes (read
// while the bucket describes the object) must be of a type the field
// takes; then the store adopts it, with its type and checksum recorded,
// and the processors run on it as on any upload. Whatever refuses it
// removes it. A claim made already is answered again.
func (u *Uploader) claimDirect(ctx context.Context, ds DirectStore, owner, name, uploadID string) (reply, error) {
	obj, err := ds.HeadObject(ctx, name, sniffLen)
	size, meta := obj.Size, obj.Meta
	if errors.Is(err, handler.ErrNotFound) {
		return reply{}, errNoObject
	}
	if err != nil {
		return reply{}, u.storeFailure(err)
	}
	field := meta["field"]
	filename, _ := url.PathUnescape(meta["name"])
	filename = CleanName(filename)
	declared, derr := strconv.ParseInt(meta["size"], 10, 64) // -1: none declared
	rules := u.rules(field)
	var typ string
	switch {
	case !validField(field) || derr != nil:
		err = fail(ErrMalformed, "direct.foreign")
	case size == 0:
		err = fail(ErrEmpty, "upload.empty")
	case size > rules.MaxSize:
		err = tooLarge(rules.MaxSize)
	case declared >= 0 && size != declared:
		err = fail(ErrMalformed, "direct.size_differs")
	default:
		if typ, err = judge(rules, filename, obj.Head); err != nil {
			err = u.refused(ctx, field, err)
		}
	}
	if err != nil {
		rctx, cancel := cleanupContext(ctx)
		defer cancel()
		if rerr := ds.DeleteObject(rctx, name); rerr != nil {
			u.log.Error("sticky: removing a refused direct upload", "err", rerr)
		}
		return reply{}, err
	}
	adopted := handler.MetaData{
		"filename": filename,
		"filetype": typ,
		"field":    field,
		"expires":  u.expiry(),
	}
	// The bucket's checksum: told by the bucket, or the one the client
	// declared, which the bucket held the bytes to (see params).
	sum := cmp(obj.SHA256, meta[metaSHA256])
	if sum != "" {
		adopted[metaSHA256] = sum
	}
	id, err := ds.Adopt(ctx, name, uploadID, size, adopted)
	if errors.Is(err, ErrClaimed) {
		return u.claimedDirect(ctx, owner, name, field)
	}
	if err != nil {
		return reply{}, u.storeFailure(err)
	}
	f := &File{Name: filename, Size: size, Type: typ, SHA256: sum, Field: field, u: u, id: id}
	// Without processors, the adopted upload's metadata holds all that a
	// receipt would: a claim made again is answered from it.
	if err := u.complete(ctx, f, owner, len(u.processors) > 0); err != nil {
		return reply{}, err
	}
	return replyOf(f), nil
}

// claimedDirect answers again for an object claimed already: from its
// receipt, or from its metadata when there are no processors to write one.
func (u *Uploader) claimedDirect(ctx context.Context, owner, name, field string) (reply, error) {
	up, err := u.findUpload(ctx, name)
	var info handler.FileInfo
	if err == nil {
		info, err = up.GetInfo(ctx)
	}
	if errors.Is(err, handler.ErrNotFound) {
		return reply{}, errNoObject
	}
	if err != nil {
		return reply{}, u.storeFailure(err)
	}
	rec, _, err := u.readReceipt(ctx, info.ID)
	switch {
	case err != nil:
		return reply{}, u.storeFailure(err)
	case rec == nil:
		// Its processors still running, failed, or not yet begun; or none.
		why := u.outcome(ctx, info.ID)
		if why == nil && len(u.processors) == 0 {
			rec = &receipt{Name: CleanName(info.MetaData["filename"]), Size: info.Size, Type: u.storedType(ctx, up, info), SHA256: info.MetaData[metaSHA256]}
			break
		}
		if !errors.Is(why, ErrProcessing) {
			return reply{}, cmpErr(why, errBusy)
		}
		f := &File{Name: CleanName(info.MetaData["filename"]), Size: info.Size, Field: field, u: u, id: info.ID, processing: true}
		f.Ref = u.refFor(info.ID, owner, field)
		return replyOf(f), nil
	}
	return reply{Valid: true, Filename: rec.Name, Size: rec.Size, Type: rec.Type, SHA256: rec.SHA256, Stored: u.refFor(info.ID, owner, field), Extra: rec.Results}, nil
}

// checksumParam reads a SHA-256 given in base64, as S3 takes it.
func checksumParam(s string) (string, error) {
	if b, err := base64.StdEncoding.DecodeString(s); s != "" && (err != nil || len(b) != sha256.Size) {
		return "", fail(ErrMalformed, "direct.bad_checksum")
	}
	return s, nil
}

// readJSON reads the request's small JSON body into v.
func (d *directRequest) readJSON(v any) error {
	if err := json.NewDecoder(http.MaxBytesReader(d.w, d.r.Body, 1<<20)).Decode(v); err != nil {
		return failWith(ErrMalformed, "direct.bad_json", err)
	}
	return nil
}

// failure explains an error of the store about an upload.
func (d *directRequest) failure(err error) error {
	if errors.Is(err, handler.ErrNotFound) {
		return errUnknownUpload
	}
	return d.u.storeFailure(err)
}
