package sticky

import (
	"context"
	"iter"
	"time"

	"github.com/tus/tusd/v2/pkg/handler"
)

// The temporary store is a tusd DataStore that can terminate uploads and
// have their length declared late (tusd's filestore, s3store, gcsstore and
// azurestore can). Beyond that, sticky asks a store for what it can do
// through the small interfaces below, each optional, found by a type
// assertion as tusd's handler finds a store's extensions: DiskStore and the
// store of package sticky/s3 implement them all.

// Lister is a temporary store that can find its uploads, which tusd's
// DataStore cannot: what Uploader.Sweep needs to expire the abandoned ones.
// DiskStore and the store of package sticky/s3 implement it. A store that does not must be
// expired by the storage itself (an S3 lifecycle rule, for instance).
type Lister interface {
	// UploadsBefore yields the uploads last written before t, in no
	// particular order. It stops at the first error it yields, or goes on
	// past it when the error concerns a single upload.
	UploadsBefore(ctx context.Context, t time.Time) iter.Seq2[StoredUpload, error]
}

// StoredUpload is an upload found by a Lister.
type StoredUpload struct {
	// ID is the upload's id, as the store's GetUpload takes it.
	ID string
	// Modified is when the upload was last written.
	Modified time.Time
}

// A Tidier is a temporary store that leaves things besides uploads, which
// Uploader.Sweep removes with Tidy once they are older than the TTL: data
// files a crash cut off from their record, locks of servers that died.
type Tidier interface {
	// Tidy removes the leftovers last written before t and returns how
	// many it removed.
	Tidy(ctx context.Context, t time.Time) (removed int, err error)
}

// A Namer is a temporary store whose upload ids say more than the id the
// upload was created with (s3store adds its multipart upload's id), so
// that an upload named by sticky is found by a lookup of its name. A store
// that is not a Namer finds uploads by the id they were created with.
type Namer interface {
	// UploadName returns the id an upload was created with.
	UploadName(id string) string
	// GetUploadByName finds the upload created with the id name.
	GetUploadByName(ctx context.Context, name string) (handler.Upload, error)
}

// A HeadReader is a temporary store that can read the first bytes of a
// complete upload without the rest: a ranged read, where a bucket would
// otherwise start sending the whole object. Sticky judges a file's type on
// its first bytes.
type HeadReader interface {
	// ReadHead returns up to n bytes from the start of complete upload id;
	// fewer when the upload is shorter.
	ReadHead(ctx context.Context, id string, n int) ([]byte, error)
}

// A SmallWriter is a temporary store that can store a small upload whole,
// in one write, rather than through the steps of a resumable upload:
// sticky's receipts, notes and checksum states, of a few hundred bytes.
// A store that is not one gets them through NewUpload and WriteChunk.
type SmallWriter interface {
	// WriteSmall stores data as a complete upload created with info.ID
	// and info.MetaData, and returns the upload's id, for GetUpload. An
	// upload of that id already there is replaced. Until WriteSmall
	// returns, lookups find the old upload or none, never a part of the
	// new one; a write cut short leaves nothing that the sweep misses.
	WriteSmall(ctx context.Context, info handler.FileInfo, data []byte) (id string, err error)
}

// uploadName returns the id upload id was created with.
func (u *Uploader) uploadName(id string) string {
	if n, ok := u.store.(Namer); ok {
		return n.UploadName(id)
	}
	return id
}

// findUpload gets an upload by the id sticky created it with.
func (u *Uploader) findUpload(ctx context.Context, name string) (handler.Upload, error) {
	if n, ok := u.store.(Namer); ok {
		return n.GetUploadByName(ctx, name)
	}
	return u.store.GetUpload(ctx, name)
}

// A DirectStore is a temporary store in a bucket that browsers can upload
// to directly, with presigned requests, so that the bytes of a file never
// pass through the app (see Config.Direct and docs/direct-uploads.md). The
// store of package sticky/s3 implements it. Sticky admits each file before
// anything is presigned, chooses its name, and adopts the finished object
// as an upload of the store before judging it like any other.
//
// Errors about an object or a multipart upload that is not in the bucket
// wrap handler.ErrNotFound.
type DirectStore interface {
	// ObjectKey returns the key of the object that upload name is kept
	// in, which the browser sends back; ObjectKey("") is the prefix of all.
	ObjectKey(name string) string
	// PresignPut presigns a PUT of the whole file as up's object, whose
	// declared size (up.Size, at least 0) is signed as the Content-Length,
	// and up.SHA256, when given, as its checksum. It returns the URL and
	// the headers the PUT must carry (the metadata among them): the
	// bucket must refuse any other key, metadata, size or, with
	// up.SHA256, bytes.
	PresignPut(ctx context.Context, up DirectUpload, expires time.Duration) (url string, header map[string]string, err error)
	// PresignPost presigns a browser's POST of the whole file (an HTML
	// form upload) as up's object. It returns the URL to post to, ending
	// in "/", and the form fields to send before the file. The bucket
	// must refuse any other key, metadata or size, and, with up.SHA256,
	// any other bytes.
	PresignPost(ctx context.Context, up DirectUpload, expires time.Duration) (url string, fields map[string]string, err error)
	// CreateMultipart starts a multipart upload of up's object; with
	// up.PartChecksums the bucket is told that every part carries its
	// SHA-256.
	CreateMultipart(ctx context.Context, up DirectUpload) (uploadID string, err error)
	// PresignPart presigns the PUT of one part: a part with a Size or a
	// SHA256 has it signed, so the bucket refuses another body. It returns
	// the URL and the headers the PUT must carry.
	PresignPart(ctx context.Context, name, uploadID string, part DirectPart, expires time.Duration) (url string, header map[string]string, err error)
	// ListParts lists the parts in the bucket, with their Number, ETag and Size.
	ListParts(ctx context.Context, name, uploadID string) ([]DirectPart, error)
	// CompleteMultipart joins parts (Number, ETag and, when the client
	// gives it, SHA256) into the object and returns its URL, if the bucket
	// says it. A part without its SHA256 takes the one the bucket lists.
	CompleteMultipart(ctx context.Context, name, uploadID string, parts []DirectPart) (location string, err error)
	// AbortMultipart abandons a multipart upload and its parts.
	AbortMultipart(ctx context.Context, name, uploadID string) error
	// HeadObject describes upload name's object: its size, the Meta it
	// was created with, its SHA-256 when the bucket knows it, and its
	// first n bytes, read with the rest (one ranged read, where the bucket
	// allows it), never the whole object.
	HeadObject(ctx context.Context, name string, n int) (DirectObject, error)
	// DeleteObject removes upload name's object; a missing one is no error.
	DeleteObject(ctx context.Context, name string) error
	// Adopt makes the finished object of upload name, sent in one PUT or POST
	// (uploadID "") or as multipart upload uploadID, an upload of the
	// store, of size bytes, with metadata meta, and returns its id, for
	// GetUpload. Only the first call for an object adopts it; the others
	// fail with an error wrapping ErrClaimed. An object nobody adopts goes
	// with the sweep (the store is a Tidier), once older than the TTL.
	Adopt(ctx context.Context, name, uploadID string, size int64, meta handler.MetaData) (id string, err error)
}

// A BatchPresigner is a DirectStore that presigns several parts at once
// for less than one at a time; the route that presigns a batch of parts
// uses it when the store is one. The store of package sticky/s3 is.
type BatchPresigner interface {
	// PresignParts presigns the PUTs of parts, as PresignPart each, and
	// returns them in the same order.
	PresignParts(ctx context.Context, name, uploadID string, parts []DirectPart, expires time.Duration) ([]SignedPart, error)
}

// SignedPart is a presigned PUT of a part: its URL and the headers it must
// carry.
type SignedPart struct {
	URL    string
	Header map[string]string
}

// DirectUpload is a file admitted for a direct upload.
type DirectUpload struct {
	// Name names the upload, and its object (see ObjectKey).
	Name string
	// Size is the size declared, or -1 when none was: then MaxSize bounds it.
	Size    int64
	MaxSize int64
	// Meta is recorded on the object, where the browser cannot change it,
	// and read back by HeadObject. Keys are lower case; values ASCII.
	Meta map[string]string
	// SHA256 is the whole file's SHA-256 (base64), when the client gives
	// it for a file sent whole: the bucket then refuses any other bytes.
	SHA256 string
	// PartChecksums says the client sends each part with its SHA-256.
	PartChecksums bool
}

// DirectObject is what HeadObject tells of a direct upload's object.
type DirectObject struct {
	Size int64
	Meta map[string]string
	// SHA256 is the SHA-256 of the whole object (hexadecimal), when the
	// bucket tells one; "" otherwise (a multipart upload's checksum is of
	// its parts', not of the file).
	SHA256 string
	// Head is the object's first bytes, as many as asked for or the
	// whole object when shorter.
	Head []byte
}

// DirectPart is one part of a direct multipart upload.
type DirectPart struct {
	Number int32
	ETag   string
	// Size is the part's length in bytes; 0 when unknown.
	Size int64
	// SHA256 is the part's checksum, base64, when the client gives one.
	SHA256 string
}
