// Package s3 keeps sticky's temporary uploads in an S3 bucket (AWS S3 or
// any S3-compatible server: MinIO, versitygw, Cloudflare R2...), so that
// several servers share them, and keeps apart their requests to one
// resumable upload with a lock in the same bucket.
//
//	store, err := s3.NewStore(ctx, s3.Config{Bucket: "uploads"})
//	up, err := sticky.New(sticky.Config{Keys: keys, Store: store, Locker: store.Locker()})
//
// It is the only package of sticky that imports the AWS SDK: an app that
// keeps its uploads on disk never compiles it.
package s3

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stickyuploads/sticky"
	"github.com/tus/tusd/v2/pkg/handler"
	"github.com/tus/tusd/v2/pkg/s3store"
)

// DefaultPrefix is where a Store keeps temporary uploads in the bucket
// when Config.Prefix is empty.
const DefaultPrefix = "sticky-temp/"

// partSize is the size of the parts sent to S3 while a file streams in.
// Each part waits in a temporary file until sent, so it bounds the local disk
// an upload uses; smaller parts go out sooner but cost more requests.
const partSize = 16 << 20

// Config says where a Store keeps temporary uploads. Credentials come
// from the usual AWS chain: the AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY
// variables, the shared config and credentials files, an IAM role.
type Config struct {
	// Bucket is the bucket's name. Required.
	Bucket string

	// Prefix is prepended to every key, so the temporary uploads stay apart
	// from anything else in the bucket and one lifecycle rule can expire
	// them. Default: DefaultPrefix ("sticky-temp/").
	Prefix string

	// Endpoint is the URL of an S3-compatible server, such as
	// "http://127.0.0.1:7070" for versitygw or MinIO, or the account URL of
	// Cloudflare R2. Empty means AWS itself.
	Endpoint string

	// Region is the bucket's region. Default: the region of the AWS chain
	// (AWS_REGION), else "us-east-1", which S3-compatible servers accept.
	Region string

	// PathStyle puts the bucket in the URL's path instead of its host name;
	// most S3-compatible servers need it.
	PathStyle bool

	// Client, when set, is used as it is, and Endpoint, Region and PathStyle
	// are ignored: for setups the fields above cannot express.
	Client *awss3.Client

	// PartDir is where parts wait, each in a file, until they are sent to
	// S3 (see partSize). Default: os.TempDir(). A process killed while
	// sending leaves its part files; Tidy removes those older than the TTL.
	PartDir string
}

// Store is a temporary store in an S3 bucket, for sticky.Config.Store:
// tusd's s3store, with what sticky needs besides. It implements
// sticky.Lister and sticky.Tidier, so Uploader.Sweep expires abandoned
// uploads and stale locks, and sticky.Namer, so sticky finds the uploads it
// named. NewStore makes one.
type Store struct {
	store s3store.S3Store
	// presign is made once, when first needed (see presigner).
	presign     *awss3.PresignClient
	presignOnce sync.Once
}

// lister is what listing needs of s3store's Service; *awss3.Client has it.
type lister interface {
	awss3.ListObjectsV2APIClient
	awss3.ListMultipartUploadsAPIClient
	GetObject(context.Context, *awss3.GetObjectInput, ...func(*awss3.Options)) (*awss3.GetObjectOutput, error)
}

// NewStore returns a temporary store in the bucket c names, for
// sticky.Config.Store. Several servers sharing the bucket, and the same
// sticky.Config.Keys, accept each other's references.
//
// It sends nothing to S3 yet: a missing bucket or wrong credentials show
// as uploads answered with 503, their causes logged.
func NewStore(ctx context.Context, c Config) (*Store, error) {
	if c.Bucket == "" {
		return nil, errors.New("sticky/s3: Config.Bucket is required")
	}
	client := c.Client
	if client == nil {
		var opts []func(*config.LoadOptions) error
		if c.Region != "" {
			opts = append(opts, config.WithRegion(c.Region))
		}
		cfg, err := config.LoadDefaultConfig(ctx, opts...)
		if err != nil {
			return nil, fmt.Errorf("sticky/s3: AWS configuration: %w", err)
		}
		if cfg.Region == "" {
			cfg.Region = "us-east-1"
		}
		client = awss3.NewFromConfig(cfg, func(o *awss3.Options) {
			o.UsePathStyle = c.PathStyle
			if c.Endpoint != "" {
				o.BaseEndpoint = aws.String(c.Endpoint)
				// The SDK's default checksums (aws-chunked bodies with
				// trailers) are unknown to many S3-compatible servers.
				// Without them every request is signed with the body's
				// SHA-256 in x-amz-content-sha256, which they all check.
				o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
				o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
			}
		})
	}
	store := s3store.New(c.Bucket, client)
	store.ObjectPrefix = c.Prefix
	if store.ObjectPrefix == "" {
		store.ObjectPrefix = DefaultPrefix
	}
	store.PreferredPartSize = partSize
	store.TemporaryDirectory = c.PartDir
	return &Store{store: store}, nil
}

// Client returns the S3 client the store uses, to open the same bucket for
// permanent files (with gocloud.dev/blob/s3blob, for instance). It is nil
// when the store was given another implementation of s3store's S3API.
func (s *Store) Client() *awss3.Client {
	c, _ := s.store.Service.(*awss3.Client)
	return c
}

// UseIn registers the store and its extensions with a tusd composer, for
// serving the tus protocol from the same bucket.
func (s *Store) UseIn(composer *handler.StoreComposer) {
	composer.UseCore(s)
	composer.UseTerminater(s)
	composer.UseConcater(s)
	composer.UseLengthDeferrer(s)
	composer.UseContentServer(s)
}

// NewUpload starts an upload. It implements tusd's handler.DataStore.
func (s *Store) NewUpload(ctx context.Context, info handler.FileInfo) (handler.Upload, error) {
	up, err := s.store.NewUpload(ctx, info)
	if err != nil {
		return nil, err
	}
	return &upload{Upload: up}, nil
}

// GetUpload finds an upload by id. It implements tusd's handler.DataStore.
func (s *Store) GetUpload(ctx context.Context, id string) (handler.Upload, error) {
	up, err := s.store.GetUpload(ctx, id)
	if err != nil {
		return nil, err
	}
	return &upload{Upload: up}, nil
}

// AsTerminatableUpload implements tusd's handler.TerminaterDataStore.
func (s *Store) AsTerminatableUpload(up handler.Upload) handler.TerminatableUpload {
	return s.store.AsTerminatableUpload(unwrap(up))
}

// AsLengthDeclarableUpload implements tusd's handler.LengthDeferrerDataStore.
func (s *Store) AsLengthDeclarableUpload(up handler.Upload) handler.LengthDeclarableUpload {
	return s.store.AsLengthDeclarableUpload(unwrap(up))
}

// AsServableUpload implements tusd's handler.ContentServerDataStore.
func (s *Store) AsServableUpload(up handler.Upload) handler.ServableUpload {
	return s.store.AsServableUpload(unwrap(up))
}

// AsConcatableUpload implements tusd's handler.ConcaterDataStore.
func (s *Store) AsConcatableUpload(up handler.Upload) handler.ConcatableUpload {
	return concat{s.store.AsConcatableUpload(unwrap(up))}
}

type concat struct{ handler.ConcatableUpload }

func (c concat) ConcatUploads(ctx context.Context, partial []handler.Upload) error {
	inner := make([]handler.Upload, len(partial))
	for i, p := range partial {
		inner[i] = unwrap(p)
	}
	return c.ConcatableUpload.ConcatUploads(ctx, inner)
}

// upload mends one gap of s3store. While an upload's length is unknown,
// s3store keeps a last piece shorter than S3's minimum part aside, as an
// object of its own, and its FinishUpload then completes the upload without
// it. The tus protocol never meets this (the length is declared before the
// last bytes come), but sticky's one-shot uploads do: they write everything,
// then declare the length, then finish.
type upload struct {
	handler.Upload
	// deferred says the last write came while the length was unknown.
	deferred bool
}

func unwrap(up handler.Upload) handler.Upload {
	if u, ok := up.(*upload); ok {
		return u.Upload
	}
	return up
}

func (u *upload) WriteChunk(ctx context.Context, offset int64, src io.Reader) (int64, error) {
	info, err := u.Upload.GetInfo(ctx) // cached by s3store, which needs it anyway
	if err != nil {
		return 0, err
	}
	u.deferred = info.SizeIsDeferred
	return u.Upload.WriteChunk(ctx, offset, src)
}

func (u *upload) FinishUpload(ctx context.Context) error {
	if u.deferred {
		// Now that the length is known, an empty write sends the piece kept
		// aside as the final part (and costs nothing when there is none).
		info, err := u.Upload.GetInfo(ctx)
		if err != nil {
			return err
		}
		if _, err := u.Upload.WriteChunk(ctx, info.Offset, strings.NewReader("")); err != nil {
			return err
		}
		u.deferred = false
	}
	return u.Upload.FinishUpload(ctx)
}

// prefixes returns where s3store puts the uploads' data and their .info and
// .part objects, each ending in "/" unless empty.
func (s *Store) prefixes() (data, meta string) {
	slash := func(p string) string {
		if p != "" && !strings.HasSuffix(p, "/") {
			p += "/"
		}
		return p
	}
	data = slash(s.store.ObjectPrefix)
	meta = data
	if s.store.MetadataObjectPrefix != "" {
		meta = slash(s.store.MetadataObjectPrefix)
	}
	return data, meta
}

// UploadsBefore yields the uploads in the bucket last written before t:
// those with their info object, and multipart uploads a crash left without
// one (aborted when swept). It implements sticky.Lister.
func (s *Store) UploadsBefore(ctx context.Context, t time.Time) iter.Seq2[sticky.StoredUpload, error] {
	return func(yield func(sticky.StoredUpload, error) bool) {
		client, ok := s.store.Service.(lister)
		if !ok {
			yield(sticky.StoredUpload{}, fmt.Errorf("sticky/s3: the S3 service (%T) cannot list objects", s.store.Service))
			return
		}
		bucket := s.store.Bucket
		data, meta := s.prefixes()
		// An upload is up to three objects: id, id.info and id.part. It was
		// last written when the newest of them was.
		type upload struct {
			modified time.Time
			info     bool
		}
		uploads := map[string]*upload{}
		for _, prefix := range slices.Compact([]string{data, meta}) {
			pages := awss3.NewListObjectsV2Paginator(client, &awss3.ListObjectsV2Input{
				Bucket: aws.String(bucket),
				Prefix: aws.String(prefix),
			})
			for pages.HasMorePages() {
				page, err := pages.NextPage(ctx)
				if err != nil {
					yield(sticky.StoredUpload{}, fmt.Errorf("sticky/s3: listing s3://%s/%s: %w", bucket, prefix, err))
					return
				}
				for _, o := range page.Contents {
					name := strings.TrimPrefix(aws.ToString(o.Key), prefix)
					if strings.Contains(name, "/") {
						continue // not one of ours
					}
					id, isInfo := strings.CutSuffix(name, ".info")
					if !isInfo {
						id = strings.TrimSuffix(name, ".part")
					}
					up := uploads[id]
					if up == nil {
						up = &upload{}
						uploads[id] = up
					}
					up.info = up.info || isInfo && prefix == meta
					if m := aws.ToTime(o.LastModified); m.After(up.modified) {
						up.modified = m
					}
				}
			}
		}
		for id, up := range uploads {
			if !up.info || !up.modified.Before(t) {
				continue
			}
			info, err := s.readInfo(ctx, client, meta+id+".info")
			if errors.Is(err, handler.ErrNotFound) {
				continue // removed meanwhile
			}
			if err != nil {
				if !yield(sticky.StoredUpload{}, err) {
					return
				}
				continue
			}
			if objectID, _, _ := strings.Cut(info.ID, "+"); objectID != id {
				continue // not an s3store upload: leave it alone
			}
			if !yield(sticky.StoredUpload{ID: info.ID, Modified: up.modified}, nil) {
				return
			}
		}

		multiparts := awss3.NewListMultipartUploadsPaginator(client, &awss3.ListMultipartUploadsInput{
			Bucket: aws.String(bucket),
			Prefix: aws.String(data),
		})
		for multiparts.HasMorePages() {
			page, err := multiparts.NextPage(ctx)
			if err != nil {
				yield(sticky.StoredUpload{}, fmt.Errorf("sticky/s3: listing multipart uploads in s3://%s/%s: %w", bucket, data, err))
				return
			}
			for _, m := range page.Uploads {
				id := strings.TrimPrefix(aws.ToString(m.Key), data)
				if strings.Contains(id, "/") || uploads[id] != nil && uploads[id].info {
					continue // not ours, or listed above with its info
				}
				if started := aws.ToTime(m.Initiated); started.Before(t) {
					if !yield(sticky.StoredUpload{ID: id + "+" + aws.ToString(m.UploadId), Modified: started}, nil) {
						return
					}
				}
			}
		}
	}
}

// readInfo reads an upload's info object, as s3store wrote it.
func (s *Store) readInfo(ctx context.Context, client lister, key string) (handler.FileInfo, error) {
	var info handler.FileInfo
	out, err := client.GetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String(s.store.Bucket), Key: aws.String(key)})
	var missing *types.NoSuchKey
	if errors.As(err, &missing) {
		return info, handler.ErrNotFound
	}
	if err != nil {
		return info, fmt.Errorf("sticky/s3: reading s3://%s/%s: %w", s.store.Bucket, key, err)
	}
	defer out.Body.Close()
	if err := json.NewDecoder(io.LimitReader(out.Body, 1<<20)).Decode(&info); err != nil {
		return info, fmt.Errorf("sticky/s3: reading s3://%s/%s: %w", s.store.Bucket, key, err)
	}
	return info, nil
}

// UploadName returns the name an upload was created under: its id without
// the multipart upload's id that s3store adds after "+". It implements
// sticky.Namer.
func (s *Store) UploadName(id string) string {
	name, _, _ := strings.Cut(id, "+")
	return name
}

// GetUploadByName finds the upload created under name: its info object
// holds its whole id. It implements sticky.Namer.
func (s *Store) GetUploadByName(ctx context.Context, name string) (handler.Upload, error) {
	client, ok := s.store.Service.(lister)
	if !ok {
		return nil, fmt.Errorf("sticky/s3: the S3 service (%T) cannot read objects", s.store.Service)
	}
	_, meta := s.prefixes()
	info, err := s.readInfo(ctx, client, meta+name+".info")
	if err != nil {
		return nil, err
	}
	return s.GetUpload(ctx, info.ID)
}
