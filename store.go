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
