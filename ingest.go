package sticky

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/tus/tusd/v2/pkg/handler"
)

// The one ingest path. Every way a file comes in (the one-shot endpoint,
// ReadForm, resumable uploads over tus, Fine Uploader's endpoint) passes
// the same steps, each written once here:
//
//  1. limit: the per-user rate limit and cap on uploads at once
//     (Config.RateLimit, Config.MaxConcurrent);
//  2. admit: identity, the field's name and rules, the declared size, then
//     the application (Config.Before may refuse, Config.Rename rename);
//  3. judge: the type, from the first bytes, against the field's rules;
//  4. store: streamed into the temporary store under the size limit, and
//     hashed (SHA-256) as it streams: File.SHA256, which a save checks;
//  5. complete: the processors, then the signed reference; processors
//     that outlast Config.ProcessWait go on in the background, the upload
//     answered as processing (see background.go).
//
// Cross-origin requests are refused before any of them (see New). Whatever
// step fails, nothing of the file is left in the store.

// identityKey carries the identity of a request through the Uploader's
// handlers, so Config.Identity is asked once per request.
type identityKey struct{}

// who returns the identity of r.
func (u *Uploader) who(r *http.Request) string {
	if id, ok := r.Context().Value(identityKey{}).(string); ok {
		return id
	}
	return u.identity(r)
}

// limit applies the per-user limits to a request that carries upload bytes
// (newUpload: one that starts an upload). Over a limit, it answers 429 with
// Retry-After itself and returns a nil done. Otherwise it returns the
// request, which now carries its identity, and the function that releases
// the request's place once its handler has returned.
func (u *Uploader) limit(w http.ResponseWriter, r *http.Request, newUpload bool) (_ *http.Request, done func()) {
	user := u.identity(r)
	r = r.WithContext(context.WithValue(r.Context(), identityKey{}, user))
	if user == "" || r.Method == http.MethodOptions || r.Method == http.MethodHead || r.Method == http.MethodGet {
		return r, func() {} // nobody is refused by the handler; reads are not uploads
	}
	done, wait, err := u.limits.start(user, newUpload)
	if err != nil {
		u.refused(r.Context(), "", err)
		setRetryAfter(w, wait)
		writeError(w, r, err)
		return r, nil
	}
	return r, done
}

// startUpload counts one more upload of owner against the rate limit and
// the cap on uploads at once, for ReadForm, which learns that a post
// carries files only as it reads it. It returns the function that ends it.
func (u *Uploader) startUpload(ctx context.Context, w http.ResponseWriter, owner string) (done func(), err error) {
	done, wait, err := u.limits.start(owner, true)
	if err != nil {
		u.refused(ctx, "", err)
		setRetryAfter(w, wait)
		return nil, err
	}
	return done, nil
}

var errSignIn = fail(ErrNotAllowed, "auth.sign_in")

// admit decides whether a file may come in, before any of its bytes is
// stored: owner must be someone, the field's name well formed, the declared
// size (when there is one) within the field's limit and the owner's quota;
// then Config.Before may refuse the file and Config.Rename rename it. It
// returns the incoming file with its name cleaned, and the rules its bytes
// are held to (the field's, its size limit lowered to the room left).
func (u *Uploader) admit(r *http.Request, owner string, in Incoming) (Incoming, Rules, error) {
	in, rules, err := u.admitted(r, owner, in)
	if err != nil {
		u.refused(r.Context(), in.Field, err)
		return in, rules, err
	}
	u.observe(r.Context(), Event{Kind: EventStarted, Field: in.Field, Size: in.Size})
	return in, rules, nil
}

func (u *Uploader) admitted(r *http.Request, owner string, in Incoming) (Incoming, Rules, error) {
	rules := u.rules(in.Field)
	switch {
	case owner == "":
		return in, rules, errSignIn
	case in.Field != "" && !validField(in.Field):
		return in, rules, fail(ErrMalformed, "upload.field_named_wrongly")
	case u.onlyFields && !u.listed(in.Field):
		return in, rules, fail(ErrMalformed, "upload.no_such_field")
	case in.Size == 0:
		return in, rules, fail(ErrEmpty, "upload.empty")
	case in.Size > rules.MaxSize:
		return in, rules, tooLarge(rules.MaxSize)
	}
	room, err := u.quotaRoom(r, owner)
	switch {
	case err != nil:
		return in, rules, err
	case room.Files == 0 || room.Bytes >= 0 && in.Size > room.Bytes:
		return in, rules, quotaFull(room, in.Size)
	case room.Bytes >= 0 && room.Bytes < rules.MaxSize:
		// Bytes that arrive are held to the room left, not only to the
		// field's limit.
		rules.MaxSize, rules.quotaBound = room.Bytes, &room
	}
	in.Name = CleanName(in.Name)
	if u.before != nil {
		if err := u.before(r, in); err != nil {
			var ue *userError
			if errors.As(err, &ue) {
				return in, rules, ue
			}
			u.log.Warn("sticky: Config.Before refused an upload", "field", in.Field, "err", err)
			return in, rules, refuse(http.StatusForbidden, "auth.not_allowed")
		}
	}
	if u.rename != nil {
		in.Name = CleanName(u.rename(r, in))
	}
	return in, rules, nil
}

// judge returns the type of a file from its first bytes and its name, or
// the error that refuses it under rules.
func judge(rules Rules, name string, head []byte) (string, error) {
	if len(head) == 0 {
		return "", fail(ErrEmpty, "upload.empty")
	}
	typ, ok := accepted(rules.Accept, name, head)
	if !ok {
		return "", typeError(rules.Accept)
	}
	return typ, nil
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
	typ, err := judge(rules, name, head[:n])
	if err != nil {
		return nil, "", err
	}
	return head[:n], typ, nil
}

// receive streams one file from src into the temporary store: it puts
// the file to the application (Config.Before, Config.Rename), checks its
// type on the first bytes and its size while it streams, against the
// field's rules, then runs the processors. Whatever fails, nothing is left
// in the store.
func (u *Uploader) receive(r *http.Request, owner string, in Incoming, src io.Reader) (*File, error) {
	ctx := r.Context()
	in, rules, err := u.admit(r, owner, in)
	if err != nil {
		return nil, err
	}
	head, typ, err := sniff(src, rules, in.Name, readFailure)
	if err != nil {
		return nil, u.refused(ctx, in.Field, err)
	}
	st, err := u.putUnder(ctx, handler.FileInfo{MetaData: handler.MetaData{
		"filename": in.Name,
		"filetype": typ,
		"expires":  u.expiry(),
	}}, io.MultiReader(bytes.NewReader(head), src), rules)
	if err != nil {
		return nil, u.refused(ctx, in.Field, err)
	}
	f := &File{Name: in.Name, Size: st.size, Type: typ, SHA256: st.sha256, Field: in.Field, u: u, id: st.id}
	// A checksum the store could not record with the upload goes in its
	// receipt.
	if err := u.complete(ctx, f, owner, !st.sealed); err != nil {
		return nil, err
	}
	return f, nil
}

// accept takes upload id, whose bytes are all stored (a resumable or
// chunked upload), as a file of owner's: it judges the type again on the
// stored bytes, runs the processors, which record a receipt with the
// file's checksum, and signs the reference. sum is the SHA-256 (hex) of
// the bytes taken as they came in; when it is "" (the running hash was
// lost on the way), the stored bytes are read back to compute it. A file
// refused here is removed.
func (u *Uploader) accept(ctx context.Context, id, owner, sum string) (*File, error) {
	up, err := u.store.GetUpload(ctx, id)
	var info handler.FileInfo
	if err == nil {
		info, err = up.GetInfo(ctx)
	}
	if err != nil {
		return nil, u.refused(ctx, "", u.lookupFailure(err))
	}
	f := &File{Name: CleanName(info.MetaData["filename"]), Size: info.Size, Field: info.MetaData["field"], u: u, id: id}
	if info.SizeIsDeferred || info.Offset != info.Size {
		err = u.storeFailure(errors.New("sticky: upload " + id + " is not whole once finished"))
	} else if head, rerr := u.readHead(ctx, id, up); rerr != nil {
		err = u.storeFailure(rerr)
	} else {
		f.Type, err = judge(u.rules(f.Field), f.Name, head)
	}
	if f.SHA256 = sum; err == nil && sum == "" {
		if f.SHA256, err = hashStored(ctx, up); err != nil {
			err = u.storeFailure(err)
		}
	}
	if err != nil {
		f.Discard(ctx)
		return nil, u.refused(ctx, f.Field, err)
	}
	if err := u.complete(ctx, f, owner, true); err != nil {
		return nil, err
	}
	return f, nil
}

// refFor signs the reference to upload id for owner's field.
func (u *Uploader) refFor(id, owner, field string) string {
	return u.sign.sign(id, owner, scopeOf(u.path, field), u.ttl)
}

// putUnder puts a file of unknown length whose bytes are held to rules:
// over the room a quota left, the error says so.
func (u *Uploader) putUnder(ctx context.Context, info handler.FileInfo, src io.Reader, rules Rules) (stored, error) {
	st, err := u.put(ctx, info, src, rules.MaxSize)
	if errors.Is(err, ErrTooLarge) && rules.quotaBound != nil {
		err = quotaFull(*rules.quotaBound, -1)
	}
	return st, err
}

// expiry is the metadata that dates a new upload.
func (u *Uploader) expiry() string { return strconv.FormatInt(time.Now().Add(u.ttl).Unix(), 10) }

// stored is what put stored: the new upload's id, its size and the
// SHA-256 of its bytes (hex). sealed says that the upload's metadata
// records the checksum (metaSHA256): the store wrote the metadata after
// the bytes. Otherwise a caller that keeps the checksum records it itself.
type stored struct {
	id     string
	size   int64
	sha256 string
	sealed bool
}

// newSum makes the hash of the bytes that come in; a benchmark replaces
// it, to measure what hashing costs.
var newSum = sha256.New

// metaSHA256 is the metadata that records an upload's checksum.
const metaSHA256 = "sha256"

// putSmall stores b, a few hundred bytes of sticky's own (a receipt, a
// note, a checksum's state), as a new upload with info's id and metadata,
// and returns its id: in one write when the store is a SmallWriter. More
// than limit bytes are refused.
func (u *Uploader) putSmall(ctx context.Context, info handler.FileInfo, b []byte, limit int64) (string, error) {
	w, ok := u.store.(SmallWriter)
	if !ok {
		st, err := u.put(ctx, info, bytes.NewReader(b), limit)
		return st.id, err
	}
	if int64(len(b)) > limit {
		return "", tooLarge(limit)
	}
	info.Size, info.Offset = int64(len(b)), int64(len(b))
	id, err := w.WriteSmall(ctx, info, b)
	if err != nil {
		return "", u.storeFailure(err)
	}
	return id, nil
}

// put streams src into a new upload of the temporary store, with the id
// (if any) and metadata of info, refusing more than limit bytes, and
// hashes the bytes as they pass: this is where every file that comes in
// whole gets its checksum. Whatever fails, nothing is left in the store.
func (u *Uploader) put(ctx context.Context, info handler.FileInfo, src io.Reader, limit int64) (stored, error) {
	sum := newSum()
	body := &sourceReader{r: io.TeeReader(src, sum)}
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
		st := stored{sealed: true}
		seal := func() handler.MetaData {
			st.sha256 = hex.EncodeToString(sum.Sum(nil))
			return handler.MetaData{metaSHA256: st.sha256}
		}
		var err error
		st.id, st.size, err = w.putWhole(info, io.LimitReader(body, limit+1), check, seal)
		if err != nil {
			return stored{}, err
		}
		return st, nil
	}

	info.SizeIsDeferred = true
	up, err := u.store.NewUpload(ctx, info)
	if err != nil {
		return stored{}, u.storeFailure(err)
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
		return stored{}, err
	}
	return stored{id: info.ID, size: size, sha256: hex.EncodeToString(sum.Sum(nil))}, nil
}

// hashStored reads a stored upload back and returns the SHA-256 of its
// bytes (hex).
func hashStored(ctx context.Context, up handler.Upload) (string, error) {
	rc, err := up.GetReader(ctx)
	if err != nil {
		return "", err
	}
	defer rc.Close()
	sum := sha256.New()
	if _, err := io.Copy(sum, rc); err != nil {
		return "", err
	}
	return hex.EncodeToString(sum.Sum(nil)), nil
}

func (u *Uploader) terminate(ctx context.Context, up handler.Upload) {
	ctx, cancel := cleanupContext(ctx)
	defer cancel()
	if err := u.term.AsTerminatableUpload(up).Terminate(ctx); err != nil {
		u.log.Error("sticky: removing a failed upload", "err", err)
	}
}
