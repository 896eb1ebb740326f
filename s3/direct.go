package s3

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stickyuploads/sticky"
	"github.com/tus/tusd/v2/pkg/handler"
)

// Direct uploads: the browser puts a file straight into the bucket, under
// the store's prefix, with a presigned PUT or POST (one request) or presigned
// parts of a multipart upload, and sticky then adopts the finished object
// as an upload of the store. The Store implements sticky.DirectStore; its
// S3 client must be an *awss3.Client, which presigns.

// singlePart is the multipart id of an object that is whole from the start
// (a direct upload sent in one request, a small upload): s3store's ids
// need one, and finds no multipart upload under it, which tells it the
// upload is whole.
const singlePart = "single"

// The metadata keys (x-amz-meta-...) sticky records on a direct upload's
// object, where the bucket keeps them out of the browser's reach.
const metaPrefix = "sticky-"

func (s *Store) presigner() (*awss3.PresignClient, error) {
	c := s.Client()
	if c == nil {
		return nil, fmt.Errorf("sticky/s3: the S3 service (%T) cannot presign requests", s.store.Service)
	}
	s.presignOnce.Do(func() {
		s.presign = awss3.NewPresignClient(c, func(o *awss3.PresignOptions) {
			// Checksums the SDK would add on its own are headers the browser
			// does not send; a checksum sticky asks for is signed on purpose.
			o.ClientOptions = append(o.ClientOptions, func(o *awss3.Options) {
				o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
			})
		})
	})
	return s.presign, nil
}

// ObjectKey returns the key of the object upload name is kept in.
// It implements sticky.DirectStore.
func (s *Store) ObjectKey(name string) string {
	data, _ := s.prefixes()
	return data + name
}

func metadata(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[metaPrefix+k] = v
	}
	return out
}

// PresignPut presigns a browser's PUT of the whole file as the object of
// upload up.Name: its key, its metadata (x-amz-meta-sticky-*), its size
// (Content-Length) and, with up.SHA256, its x-amz-checksum-sha256 are
// signed, so the bucket refuses any other, and checks the bytes against
// the checksum. It returns the URL and the headers the PUT must carry; the
// browser sets Content-Length itself. It implements sticky.DirectStore.
func (s *Store) PresignPut(ctx context.Context, up sticky.DirectUpload, expires time.Duration) (url string, header map[string]string, err error) {
	if up.Size < 0 {
		return "", nil, errors.New("sticky/s3: presigning a PUT of a file of unknown size")
	}
	p, err := s.presigner()
	if err != nil {
		return "", nil, err
	}
	in := &awss3.PutObjectInput{
		Bucket:        aws.String(s.store.Bucket),
		Key:           aws.String(s.ObjectKey(up.Name)),
		ContentLength: aws.Int64(up.Size),
		Metadata:      metadata(up.Meta),
	}
	if up.SHA256 != "" {
		in.ChecksumSHA256 = aws.String(up.SHA256)
	}
	req, err := p.PresignPutObject(ctx, in, awss3.WithPresignExpires(expires))
	if err != nil {
		return "", nil, fmt.Errorf("sticky/s3: presigning a PUT: %w", err)
	}
	return req.URL, browserHeaders(req.SignedHeader), nil
}

// browserHeaders are the headers a presigned request must carry, less
// those the browser sets itself.
func browserHeaders(signed http.Header) map[string]string {
	header := map[string]string{}
	for k, v := range signed {
		switch strings.ToLower(k) {
		case "host", "content-length":
		default:
			header[k] = strings.Join(v, ",")
		}
	}
	return header
}

// PresignPost presigns a browser's POST of the whole file as the object of
// upload up.Name: its key, metadata and size are conditions of the signed
// policy, so the bucket refuses any other (a size of -1 is bound to
// 1..up.MaxSize), and so is up.SHA256, which the bucket checks the bytes
// against. It implements sticky.DirectStore.
func (s *Store) PresignPost(ctx context.Context, up sticky.DirectUpload, expires time.Duration) (url string, fields map[string]string, err error) {
	p, err := s.presigner()
	if err != nil {
		return "", nil, err
	}
	low, high := up.Size, up.Size
	if up.Size < 0 {
		low, high = 1, up.MaxSize
	}
	signed := map[string]string{}
	for k, v := range metadata(up.Meta) {
		signed["x-amz-meta-"+k] = v
	}
	if up.SHA256 != "" {
		signed["x-amz-checksum-sha256"] = up.SHA256
	}
	conditions := []any{[]any{"content-length-range", low, high}}
	for k, v := range signed {
		conditions = append(conditions, map[string]string{k: v})
	}
	req, err := p.PresignPostObject(ctx, &awss3.PutObjectInput{
		Bucket: aws.String(s.store.Bucket),
		Key:    aws.String(s.ObjectKey(up.Name)),
	}, func(o *awss3.PresignPostOptions) {
		o.Expires = expires
		o.Conditions = conditions
	})
	if err != nil {
		return "", nil, fmt.Errorf("sticky/s3: presigning a POST: %w", err)
	}
	for k, v := range signed {
		req.Values[k] = v
	}
	// Clients add the key to the URL to name the object.
	url = req.URL
	if !strings.HasSuffix(url, "/") {
		url += "/"
	}
	return url, req.Values, nil
}

// CreateMultipart starts the multipart upload of upload up.Name's object,
// with up.Meta recorded on it, and ChecksumAlgorithm SHA256 when each part
// will carry its SHA-256 (the bucket then refuses a part without one). It
// implements sticky.DirectStore.
func (s *Store) CreateMultipart(ctx context.Context, up sticky.DirectUpload) (uploadID string, err error) {
	in := &awss3.CreateMultipartUploadInput{
		Bucket:   aws.String(s.store.Bucket),
		Key:      aws.String(s.ObjectKey(up.Name)),
		Metadata: metadata(up.Meta),
	}
	if up.PartChecksums {
		in.ChecksumAlgorithm = types.ChecksumAlgorithmSha256
	}
	out, err := s.store.Service.CreateMultipartUpload(ctx, in)
	if err != nil {
		return "", fmt.Errorf("sticky/s3: creating a multipart upload: %w", err)
	}
	return aws.ToString(out.UploadId), nil
}

// PresignPart presigns a PUT of part number of a multipart upload. A size
// above 0 is signed as the part's Content-Length, and a checksum (SHA-256,
// base64) as its x-amz-checksum-sha256, so the bucket refuses any other
// body. It implements sticky.DirectStore.
func (s *Store) PresignPart(ctx context.Context, name, uploadID string, part sticky.DirectPart, expires time.Duration) (url string, header map[string]string, err error) {
	p, err := s.presigner()
	if err != nil {
		return "", nil, err
	}
	in := &awss3.UploadPartInput{
		Bucket:     aws.String(s.store.Bucket),
		Key:        aws.String(s.ObjectKey(name)),
		UploadId:   aws.String(uploadID),
		PartNumber: aws.Int32(part.Number),
	}
	if part.Size > 0 {
		in.ContentLength = aws.Int64(part.Size)
	}
	if part.SHA256 != "" {
		in.ChecksumSHA256 = aws.String(part.SHA256)
	}
	req, err := p.PresignUploadPart(ctx, in, awss3.WithPresignExpires(expires))
	if err != nil {
		return "", nil, fmt.Errorf("sticky/s3: presigning part %d: %w", part.Number, err)
	}
	return req.URL, browserHeaders(req.SignedHeader), nil
}

// ListParts lists the parts of a multipart upload already in the bucket.
// It implements sticky.DirectStore.
func (s *Store) ListParts(ctx context.Context, name, uploadID string) ([]sticky.DirectPart, error) {
	var parts []sticky.DirectPart
	in := &awss3.ListPartsInput{
		Bucket:   aws.String(s.store.Bucket),
		Key:      aws.String(s.ObjectKey(name)),
		UploadId: aws.String(uploadID),
	}
	for {
		out, err := s.store.Service.ListParts(ctx, in)
		if err != nil {
			return nil, s.directError("listing the parts of", name, err)
		}
		for _, p := range out.Parts {
			parts = append(parts, sticky.DirectPart{Number: aws.ToInt32(p.PartNumber), ETag: aws.ToString(p.ETag), Size: aws.ToInt64(p.Size), SHA256: aws.ToString(p.ChecksumSHA256)})
		}
		if !aws.ToBool(out.IsTruncated) {
			return parts, nil
		}
		in.PartNumberMarker = out.NextPartNumberMarker
	}
}

// CompleteMultipart joins the parts into the object and returns its URL.
// The bucket wants each part's checksum again when the parts carried
// theirs: when some part is given without its SHA256 and the bucket
// refuses, each such part takes the one the bucket lists for it, and the
// parts are joined again. It implements sticky.DirectStore.
func (s *Store) CompleteMultipart(ctx context.Context, name, uploadID string, parts []sticky.DirectPart) (location string, err error) {
	done := make([]types.CompletedPart, len(parts))
	unsummed := false
	for i, p := range parts {
		done[i] = types.CompletedPart{PartNumber: aws.Int32(p.Number), ETag: aws.String(p.ETag)}
		if p.SHA256 != "" {
			done[i].ChecksumSHA256 = aws.String(p.SHA256)
		} else {
			unsummed = true
		}
	}
	join := func() (*awss3.CompleteMultipartUploadOutput, error) {
		return s.store.Service.CompleteMultipartUpload(ctx, &awss3.CompleteMultipartUploadInput{
			Bucket:          aws.String(s.store.Bucket),
			Key:             aws.String(s.ObjectKey(name)),
			UploadId:        aws.String(uploadID),
			MultipartUpload: &types.CompletedMultipartUpload{Parts: done},
		})
	}
	out, err := join()
	if err != nil && unsummed && httpStatus(err) == http.StatusBadRequest {
		listed, lerr := s.partChecksums(ctx, name, uploadID)
		if lerr != nil {
			return "", lerr
		}
		if len(listed) > 0 {
			for i, p := range parts {
				if sum := listed[p.Number]; p.SHA256 == "" && sum != "" {
					done[i].ChecksumSHA256 = aws.String(sum)
				}
			}
			out, err = join()
		}
	}
	if err != nil {
		return "", s.directError("completing", name, err)
	}
	return aws.ToString(out.Location), nil
}

// partChecksums are the SHA-256 checksums of the parts in the bucket, by
// number; none for an upload whose parts carried none.
func (s *Store) partChecksums(ctx context.Context, name, uploadID string) (map[int32]string, error) {
	parts, err := s.ListParts(ctx, name, uploadID)
	if err != nil {
		return nil, err
	}
	sums := make(map[int32]string, len(parts))
	for _, p := range parts {
		if p.SHA256 != "" {
			sums[p.Number] = p.SHA256
		}
	}
	return sums, nil
}

// AbortMultipart abandons a multipart upload and the parts it has. It
// implements sticky.DirectStore.
func (s *Store) AbortMultipart(ctx context.Context, name, uploadID string) error {
	_, err := s.store.Service.AbortMultipartUpload(ctx, &awss3.AbortMultipartUploadInput{
		Bucket:   aws.String(s.store.Bucket),
		Key:      aws.String(s.ObjectKey(name)),
		UploadId: aws.String(uploadID),
	})
	if err != nil {
		return s.directError("aborting", name, err)
	}
	return nil
}

// HeadObject describes upload name's object from one ranged GET of its
// first n bytes: its size (from Content-Range), the metadata recorded on
// it and those bytes. An empty object, which has no byte in range, is
// described by a HEAD. It returns an error wrapping handler.ErrNotFound
// when the object is not in the bucket. It implements sticky.DirectStore.
func (s *Store) HeadObject(ctx context.Context, name string, n int) (sticky.DirectObject, error) {
	head, out, err := s.firstBytes(ctx, name, n)
	if err != nil {
		return sticky.DirectObject{}, err
	}
	if out == nil { // empty
		return s.describe(ctx, name)
	}
	size := aws.ToInt64(out.ContentLength) // the whole object's, if the bucket sent it all
	if r := aws.ToString(out.ContentRange); r != "" {
		_, total, _ := strings.Cut(r, "/")
		if size, err = strconv.ParseInt(total, 10, 64); err != nil {
			return sticky.DirectObject{}, fmt.Errorf("sticky/s3: reading s3://%s/%s: the bucket answered Content-Range %q", s.store.Bucket, s.ObjectKey(name), r)
		}
	}
	return sticky.DirectObject{Size: size, Meta: stickyMeta(out.Metadata), Head: head}, nil
}

// describe describes upload name's object with a HEAD: its size, its
// metadata and its SHA-256 when the bucket checked one for the whole
// object.
func (s *Store) describe(ctx context.Context, name string) (sticky.DirectObject, error) {
	out, err := s.store.Service.HeadObject(ctx, &awss3.HeadObjectInput{
		Bucket:       aws.String(s.store.Bucket),
		Key:          aws.String(s.ObjectKey(name)),
		ChecksumMode: types.ChecksumModeEnabled,
	})
	if err != nil {
		return sticky.DirectObject{}, s.directError("looking up", name, err)
	}
	obj := sticky.DirectObject{Size: aws.ToInt64(out.ContentLength), Meta: stickyMeta(out.Metadata)}
	// A multipart upload's SHA-256 is of its parts' ("...-40"), not the file's.
	if sum, err := base64.StdEncoding.DecodeString(aws.ToString(out.ChecksumSHA256)); err == nil && len(sum) == sha256.Size && out.ChecksumType != types.ChecksumTypeComposite {
		obj.SHA256 = hex.EncodeToString(sum)
	}
	return obj, nil
}

// stickyMeta is the metadata sticky recorded on an object, without its
// prefix.
func stickyMeta(m map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		if k, ok := strings.CutPrefix(strings.ToLower(k), metaPrefix); ok {
			out[k] = v
		}
	}
	return out
}

// DeleteObject removes upload name's object. It implements
// sticky.DirectStore.
func (s *Store) DeleteObject(ctx context.Context, name string) error {
	_, err := s.store.Service.DeleteObject(ctx, &awss3.DeleteObjectInput{
		Bucket: aws.String(s.store.Bucket),
		Key:    aws.String(s.ObjectKey(name)),
	})
	if err != nil && !notFound(err) {
		return s.directError("removing", name, err)
	}
	return nil
}

// Adopt makes the finished object of upload name, sent by the browser in
// one PUT or POST (uploadID "") or as the multipart upload uploadID, an upload of
// the store, of size bytes, with info's metadata: it writes the info object
// tusd's s3store keeps beside each upload, so that GetUpload reads it and
// the sweep finds it. Only the first of several calls adopts it: the others
// get an error wrapping sticky.ErrClaimed. It returns the upload's id. It
// implements sticky.DirectStore.
func (s *Store) Adopt(ctx context.Context, name, uploadID string, size int64, meta handler.MetaData) (id string, err error) {
	if uploadID == "" {
		uploadID = singlePart
	}
	return s.writeInfo(ctx, name, uploadID, handler.FileInfo{Size: size, Offset: size, MetaData: meta}, true)
}

// directError wraps an error of the bucket about upload name's object or
// multipart upload, as handler.ErrNotFound when there is none.
func (s *Store) directError(doing, name string, err error) error {
	var noUpload *types.NoSuchUpload
	var noKey *types.NoSuchKey
	if notFound(err) || errors.As(err, &noUpload) || errors.As(err, &noKey) || strings.Contains(err.Error(), "NoSuchUpload") {
		return fmt.Errorf("sticky/s3: %s s3://%s/%s: %w", doing, s.store.Bucket, s.ObjectKey(name), handler.ErrNotFound)
	}
	return fmt.Errorf("sticky/s3: %s s3://%s/%s: %w", doing, s.store.Bucket, s.ObjectKey(name), err)
}

// directName matches the names sticky gives direct uploads (see
// sticky.DirectUpload): a nonce and an HMAC of it and the owner.
var directName = regexp.MustCompile(`^[0-9a-f]{32}-[0-9a-f]{32,}$`)

// removeUnadopted removes the objects last written before t, named as
// sticky names direct uploads and small uploads (see WriteSmall), that
// have no info object: files the browser sent straight to the bucket that
// nobody claimed, and small uploads whose server died half-way.
func (s *Store) removeUnadopted(ctx context.Context, t time.Time) (removed int, err error) {
	client, ok := s.store.Service.(lister)
	if !ok {
		return 0, nil // cannot list: sweeping has said so already
	}
	data, meta := s.prefixes()
	infos := map[string]bool{}
	type object struct {
		key      string
		modified time.Time
	}
	var objects []object
	for _, prefix := range uniq(data, meta) {
		pages := awss3.NewListObjectsV2Paginator(client, &awss3.ListObjectsV2Input{Bucket: aws.String(s.store.Bucket), Prefix: aws.String(prefix)})
		for pages.HasMorePages() {
			page, err := pages.NextPage(ctx)
			if err != nil {
				return removed, fmt.Errorf("sticky/s3: listing s3://%s/%s: %w", s.store.Bucket, prefix, err)
			}
			for _, o := range page.Contents {
				key := aws.ToString(o.Key)
				name := strings.TrimPrefix(key, prefix)
				if strings.Contains(name, "/") {
					continue // not one of ours
				}
				if id, ok := strings.CutSuffix(name, ".info"); ok && prefix == meta {
					infos[id] = true
					continue
				}
				if prefix == data {
					objects = append(objects, object{key, aws.ToTime(o.LastModified)})
				}
			}
		}
	}
	var errs []error
	for _, o := range objects {
		id := strings.TrimPrefix(o.key, data)
		if infos[id] || !o.modified.Before(t) || !orphan(id) {
			continue
		}
		_, err := s.store.Service.DeleteObject(ctx, &awss3.DeleteObjectInput{Bucket: aws.String(s.store.Bucket), Key: aws.String(o.key)})
		switch {
		case err == nil:
			removed++
		case !notFound(err):
			errs = append(errs, fmt.Errorf("sticky/s3: removing s3://%s/%s: %w", s.store.Bucket, o.key, err))
		}
	}
	return removed, errors.Join(errs...)
}

func uniq(a, b string) []string {
	if a == b {
		return []string{a}
	}
	return []string{a, b}
}

var _ sticky.DirectStore = (*Store)(nil)
