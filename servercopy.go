package sticky

import (
	"context"
	"fmt"
)

// Saving inside the object store: when the temporary upload is an object of
// an S3-compatible service and the Vault keeps its files in a bucket of the
// same service, Permanent.Save asks the service to copy the object (S3
// CopyObject, or UploadPartCopy for the largest), and no byte passes
// through the app. Two small capabilities make it, found at run time: the
// Vault says where it would write a key (BucketVault), and the temporary
// store copies an upload there when it can reach it (ServerCopier). Either
// missing, or the two in different services, the save streams the bytes
// as always.

// A BucketVault is a Vault that keeps each file as an object in a bucket of
// an object store, and says which, so that a temporary store in the same
// service can copy an upload there itself (see ServerCopier). The blobvault
// package implements it.
type BucketVault interface {
	Vault
	// BucketObject describes the object that Create(ctx, key, name,
	// contentType) would write, for a copy to write it instead.
	BucketObject(ctx context.Context, key, name, contentType string) BucketObject
}

// A BucketObject is an object of a bucket that a BucketVault would write.
type BucketObject struct {
	// ContentType and ContentDisposition are the attributes the Vault
	// gives the object, for the copy to carry.
	ContentType, ContentDisposition string
	// As exposes, in the types of the service's SDK, the Vault's client
	// and the request that would write the object, as gocloud.dev/blob's
	// As does: for S3, it sets a **s3.Client and a **s3.CopyObjectInput
	// of the AWS SDK for Go v2 (whose Bucket and Key name the object). It
	// reports whether target was of a type it could set. The store finds
	// by it whether the Vault is in its own service, and where.
	As func(target any) bool
}

// A ServerCopier is a temporary store that can copy an upload to an
// object in the same service itself: the bytes go from object to object
// inside the service, none through the app. Permanent.Save asks it first,
// for the file and each file derived from it, when the Vault is a
// BucketVault; the store of package sticky/s3 implements it.
type ServerCopier interface {
	// CopyUpload copies upload id to dst and reports whether it did.
	// copied false with a nil error means it cannot reach dst (another
	// service, or no permission), nothing was written, and Save streams
	// the bytes instead. The copy appears at dst whole or not at all. It
	// must fail with an error wrapping ErrCorrupted, leaving nothing at
	// dst, when the upload is not size bytes, or when sha256 (hexadecimal,
	// "" for none) is given and the checksum the service reports of the
	// copy differs.
	CopyUpload(ctx context.Context, id string, size int64, sha256 string, dst BucketObject) (copied bool, err error)
}

// copyInService copies file to key inside the object store, when the
// temporary store and the Vault are in one service; copied false means
// the bytes have to stream.
func (f *File) copyInService(ctx context.Context, v Vault, key string) (copied bool, err error) {
	sc, ok := f.u.store.(ServerCopier)
	if !ok {
		return false, nil
	}
	bv, ok := v.(BucketVault)
	if !ok {
		return false, nil
	}
	dst := bv.BucketObject(ctx, key, f.Name, f.Type)
	copied, err = sc.CopyUpload(ctx, f.id, f.Size, f.SHA256, dst)
	if err != nil {
		return false, fmt.Errorf("sticky: save %s: %w", f.Name, err)
	}
	return copied, nil
}
