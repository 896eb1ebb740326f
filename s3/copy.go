package s3

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stickyuploads/sticky"
)

// Saving inside the service: Permanent.Save into a Vault in a bucket of
// the same S3 service (blobvault over s3blob) has the service copy the
// upload's object, and no byte passes through the app.

// maxCopyObject is the largest object one CopyObject copies (S3's limit);
// larger ones are copied in parts with UploadPartCopy. A variable, so the
// tests can take the multipart path with small objects.
var maxCopyObject int64 = 5 << 30

// copyPart is the size of the parts of a multipart copy, unless the object
// needs larger ones to fit S3's 10,000 parts.
var copyPart int64 = 512 << 20

// copiesAtOnce bounds the parts of one multipart copy in flight.
const copiesAtOnce = 4

// CopyUpload copies upload id to dst inside the service, when dst is a
// bucket of the service the store is in (the same endpoint and region):
// one CopyObject, atomic, up to 5 GiB; beyond, a multipart upload of
// UploadPartCopy parts, which appears whole when completed. The copy uses
// the Vault's client, so its credentials must read the temporary object:
// when the service refuses (403), nothing is copied and copied is false,
// and Save streams the bytes instead.
//
// The upload's object must be size bytes, and stay the object looked at
// (If-Match on its ETag). With sum (hexadecimal SHA-256) given, CopyObject
// asks the service for the copy's SHA-256 and compares it; a service that
// reports none is trusted on the size alone, and so is a multipart copy,
// whose checksum is of its parts. It implements sticky.ServerCopier.
func (s *Store) CopyUpload(ctx context.Context, id string, size int64, sum string, dst sticky.BucketObject) (copied bool, err error) {
	var (
		client *awss3.Client
		in     *awss3.CopyObjectInput
	)
	own := s.Client()
	if own == nil || dst.As == nil || !dst.As(&client) || !sameService(own, client) ||
		!dst.As(&in) || in == nil || in.Bucket == nil || in.Key == nil {
		return false, nil
	}
	srcKey := s.ObjectKey(s.UploadName(id))
	head, err := client.HeadObject(ctx, &awss3.HeadObjectInput{Bucket: aws.String(s.store.Bucket), Key: aws.String(srcKey)})
	switch {
	case denied(err):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("sticky/s3: copying s3://%s/%s: %w", s.store.Bucket, srcKey, err)
	case aws.ToInt64(head.ContentLength) != size:
		return false, fmt.Errorf("sticky/s3: copying s3://%s/%s: the object is %d bytes, not %d: %w", s.store.Bucket, srcKey, aws.ToInt64(head.ContentLength), size, sticky.ErrCorrupted)
	}
	c := objectCopy{
		client: client,
		source: (&url.URL{Path: s.store.Bucket + "/" + srcKey}).EscapedPath(),
		etag:   head.ETag,
		dst:    dst,
		in:     *in,
	}
	if size > maxCopyObject {
		err = c.inParts(ctx, size)
	} else {
		err = c.whole(ctx, sum)
	}
	if denied(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("sticky/s3: copying s3://%s/%s to s3://%s/%s: %w", s.store.Bucket, srcKey, aws.ToString(in.Bucket), aws.ToString(in.Key), err)
	}
	return true, nil
}

// sameService says whether two clients reach the same S3 service: the
// same endpoint (none: AWS) and region.
func sameService(a, b *awss3.Client) bool {
	if a == b {
		return true
	}
	ao, bo := a.Options(), b.Options()
	return aws.ToString(ao.BaseEndpoint) == aws.ToString(bo.BaseEndpoint) && ao.Region == bo.Region
}

// denied says whether the service refused the request for want of
// permission.
func denied(err error) bool { return err != nil && httpStatus(err) == http.StatusForbidden }

// objectCopy is one copy of an object to another inside the service.
type objectCopy struct {
	client *awss3.Client
	source string  // bucket/key, escaped, as x-amz-copy-source takes it
	etag   *string // the source's, so it cannot change under the copy
	dst    sticky.BucketObject
	in     awss3.CopyObjectInput // the Vault's own request: its bucket, key, encryption
}

// whole copies the object with one CopyObject and, given sum, checks the
// copy's SHA-256, removing it when it differs.
func (c *objectCopy) whole(ctx context.Context, sum string) error {
	in := c.in
	in.CopySource = aws.String(c.source)
	in.CopySourceIfMatch = c.etag
	in.MetadataDirective = types.MetadataDirectiveReplace
	in.ContentType = optional(c.dst.ContentType)
	in.ContentDisposition = optional(c.dst.ContentDisposition)
	if sum != "" {
		in.ChecksumAlgorithm = types.ChecksumAlgorithmSha256
	}
	out, err := c.client.CopyObject(ctx, &in)
	if err != nil {
		return err
	}
	if sum == "" || out.CopyObjectResult == nil || out.CopyObjectResult.ChecksumSHA256 == nil {
		return nil
	}
	want, err := hex.DecodeString(sum)
	if err != nil {
		return fmt.Errorf("the upload's SHA-256 %q is not hexadecimal", sum)
	}
	if got := aws.ToString(out.CopyObjectResult.ChecksumSHA256); got != base64.StdEncoding.EncodeToString(want) {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
		defer cancel()
		c.client.DeleteObject(rctx, &awss3.DeleteObjectInput{Bucket: in.Bucket, Key: in.Key})
		return fmt.Errorf("the copy has SHA-256 %s (base64), not %s as the bytes had when they came in: %w", got, sum, sticky.ErrCorrupted)
	}
	return nil
}

// cleanupTimeout bounds removing what a failed copy wrote.
const cleanupTimeout = 30 * time.Second

// inParts copies the object of size bytes as a multipart upload of
// UploadPartCopy parts, several at once, and completes it; a failure
// aborts it, so nothing appears.
func (c *objectCopy) inParts(ctx context.Context, size int64) (err error) {
	part := max(copyPart, (size+9999)/10000)
	created, err := c.client.CreateMultipartUpload(ctx, &awss3.CreateMultipartUploadInput{
		Bucket:               c.in.Bucket,
		Key:                  c.in.Key,
		ContentType:          optional(c.dst.ContentType),
		ContentDisposition:   optional(c.dst.ContentDisposition),
		ServerSideEncryption: c.in.ServerSideEncryption,
		SSEKMSKeyId:          c.in.SSEKMSKeyId,
	})
	if err != nil {
		return err
	}
	uploadID := created.UploadId
	defer func() {
		if err != nil {
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
			defer cancel()
			c.client.AbortMultipartUpload(rctx, &awss3.AbortMultipartUploadInput{Bucket: c.in.Bucket, Key: c.in.Key, UploadId: uploadID})
		}
	}()
	n := int((size + part - 1) / part)
	parts := make([]types.CompletedPart, n)
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	sem := make(chan struct{}, copiesAtOnce)
	for i := range n {
		sem <- struct{}{}
		if ctx.Err() != nil {
			break
		}
		wg.Go(func() {
			defer func() { <-sem }()
			first := int64(i) * part
			last := min(first+part, size) - 1
			out, err := c.client.UploadPartCopy(ctx, &awss3.UploadPartCopyInput{
				Bucket:            c.in.Bucket,
				Key:               c.in.Key,
				UploadId:          uploadID,
				PartNumber:        aws.Int32(int32(i + 1)),
				CopySource:        aws.String(c.source),
				CopySourceIfMatch: c.etag,
				CopySourceRange:   aws.String(fmt.Sprintf("bytes=%d-%d", first, last)),
			})
			if err == nil && out.CopyPartResult == nil {
				err = errors.New("no ETag in the answer")
			}
			if err != nil {
				cancel(fmt.Errorf("part %d: %w", i+1, err))
				return
			}
			parts[i] = types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: out.CopyPartResult.ETag}
		})
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return err
	}
	_, err = c.client.CompleteMultipartUpload(ctx, &awss3.CompleteMultipartUploadInput{
		Bucket:          c.in.Bucket,
		Key:             c.in.Key,
		UploadId:        uploadID,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: parts},
	})
	return err
}

// optional is s as an optional field of a request: nil when empty.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return aws.String(s)
}

var _ sticky.ServerCopier = (*Store)(nil)
