package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stickyuploads/sticky"
	"github.com/stickyuploads/sticky/blobvault"
	"github.com/stickyuploads/sticky/s3"
	"gocloud.dev/blob"
	"gocloud.dev/blob/s3blob"
)

const (
	// documentPattern makes the documents' keys: a folder per month, a
	// random name, the extension when it matches the content.
	documentPattern = "{yyyy}/{mm}/{key}{ext}"
	// documentPrefix is where the documents go in the bucket, apart from
	// the temporary uploads (s3.DefaultPrefix).
	documentPrefix = "documents/"
	// galleryTempPrefix is where the gallery's temporary uploads go in
	// the bucket, apart from the documents' (its uploader sweeps them).
	galleryTempPrefix = "sticky-temp-gallery/"

	// s3DialTimeout bounds connecting to S3, so that an unreachable server
	// (a dropped packet rather than a refused connection) is reported in
	// seconds rather than minutes.
	s3DialTimeout = 5 * time.Second
	// s3MaxBackoff bounds the wait between the SDK's attempts (3 by
	// default, AWS_MAX_ATTEMPTS to change; the SDK waits up to 20s): a
	// person is waiting for the answer, so a server that is down is told
	// within half a second, while a passing hiccup is still retried.
	s3MaxBackoff = 250 * time.Millisecond
)

// storage is where the temporary uploads and the documents go: the data
// directory, or an S3 bucket for both.
type storage struct {
	temp *s3.Store // nil: sticky's disk store in Data/tmp
	// galleryTemp holds the gallery's temporary uploads; nil: a disk
	// store in Data/gallery-tmp.
	galleryTemp *s3.Store
	docs        *sticky.Permanent
	root        *os.Root     // the files directory, when local
	bucket      *blob.Bucket // the bucket, when S3
	docsBucket  *blob.Bucket // the documents' part of it
	name        string       // the bucket's name
	where       string       // for the log
	connect     string       // the bucket's origin, which pages send to with -direct
}

// openStorage prepares the storage cfg asks for.
func openStorage(ctx context.Context, cfg config) (*storage, error) {
	if cfg.S3Bucket == "" {
		dir := filepath.Join(cfg.Data, "files")
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("data directory: %w", err)
		}
		root, err := os.OpenRoot(dir)
		if err != nil {
			return nil, err
		}
		return &storage{
			docs:  &sticky.Permanent{Vault: sticky.DirVault(root), Pattern: documentPattern},
			root:  root,
			where: cfg.Data,
		}, nil
	}

	client, err := newS3Client(ctx, cfg.S3Endpoint)
	if err != nil {
		return nil, err
	}
	// One client for both stores, so one configuration.
	temp, err := s3.NewStore(ctx, s3.Config{Bucket: cfg.S3Bucket, Client: client})
	if err != nil {
		return nil, err
	}
	galleryTemp, err := s3.NewStore(ctx, s3.Config{Bucket: cfg.S3Bucket, Client: client, Prefix: galleryTempPrefix})
	if err != nil {
		return nil, err
	}
	bucket, err := s3blob.OpenBucket(ctx, client, cfg.S3Bucket, nil)
	if err != nil {
		return nil, fmt.Errorf("bucket %s: %w", cfg.S3Bucket, err)
	}
	docsBucket := blob.PrefixedBucket(bucket, documentPrefix)
	where := "s3://" + cfg.S3Bucket
	if cfg.S3Endpoint != "" {
		where += " at " + cfg.S3Endpoint
	}
	var connect string
	if cfg.Direct {
		if connect, err = bucketOrigin(ctx, client, cfg.S3Bucket); err != nil {
			return nil, err
		}
	}
	return &storage{
		temp:        temp,
		galleryTemp: galleryTemp,
		docs:        &sticky.Permanent{Vault: blobvault.New(docsBucket), Pattern: documentPattern},
		bucket:      bucket,
		docsBucket:  docsBucket,
		name:        cfg.S3Bucket,
		where:       where,
		connect:     connect,
	}, nil
}

// bucketOrigin is the origin browsers send to when they upload to bucket
// directly: that of a URL presigned for it (path-style or virtual-hosted,
// as the client addresses it). Presigning needs no request.
func bucketOrigin(ctx context.Context, client *awss3.Client, bucket string) (string, error) {
	req, err := awss3.NewPresignClient(client).PresignGetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("origin")})
	if err != nil {
		return "", fmt.Errorf("-direct: presigning for bucket %s: %w", bucket, err)
	}
	u, err := url.Parse(req.URL)
	if err != nil {
		return "", err
	}
	return u.Scheme + "://" + u.Host, nil
}

// corsRules are what the bucket must allow the demo's origin for direct
// uploads: POST (a file sent whole), PUT (parts), GET; any header (the
// signed ones); and the ETag of each part readable by the page.
func corsRules(origin string) []types.CORSRule {
	return []types.CORSRule{{
		AllowedOrigins: []string{origin},
		AllowedMethods: []string{"PUT", "POST", "GET"},
		AllowedHeaders: []string{"*"},
		ExposeHeaders:  []string{"ETag"},
		MaxAgeSeconds:  aws.Int32(3600),
	}}
}

// directCORS sets the CORS rules direct uploads need for origin on the
// bucket, when set says so, or prints them on out for the person to set.
func (s *storage) directCORS(ctx context.Context, origin string, set bool, out io.Writer) error {
	rules := corsRules(origin)
	if set {
		_, err := s.temp.Client().PutBucketCors(ctx, &awss3.PutBucketCorsInput{
			Bucket:            aws.String(s.name),
			CORSConfiguration: &types.CORSConfiguration{CORSRules: rules},
		})
		if err != nil {
			return fmt.Errorf("-s3-cors: setting the CORS of bucket %s: %w", s.name, err)
		}
		fmt.Fprintf(out, "direct uploads: the CORS of bucket %s now allows %s (PUT, POST, GET; ETag exposed)\n", s.name, origin)
		return nil
	}
	b, _ := json.MarshalIndent(map[string]any{"CORSRules": rules}, "", "  ")
	fmt.Fprintf(out, "direct uploads: bucket %s must allow this origin (CORS), for example with\n"+
		"  aws s3api put-bucket-cors --bucket %s --cors-configuration file://cors.json\n"+
		"or -s3-cors; cors.json:\n%s\n", s.name, s.name, b)
	return nil
}

// check tells the log at once when the bucket cannot be reached, rather
// than at the first upload. The demo serves all the same: uploads are then
// answered with 503 until the bucket is back.
func (s *storage) check(ctx context.Context, log *slog.Logger) {
	if s.temp == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	_, err := s.temp.Client().HeadBucket(ctx, &awss3.HeadBucketInput{Bucket: aws.String(s.name)})
	if err != nil && ctx.Err() == nil {
		log.Warn("the bucket cannot be reached; uploads will be answered with 503 until it can", "bucket", s.where, "err", err)
	}
}

// newS3Client makes an S3 client from the AWS chain (AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY, AWS_REGION, ~/.aws, an IAM role). With an endpoint
// it addresses the bucket path-style and leaves out the SDK's newer
// checksums, as S3-compatible servers want (see package sticky/s3).
func newS3Client(ctx context.Context, endpoint string) (*awss3.Client, error) {
	httpClient := awshttp.NewBuildableClient().WithDialerOptions(func(d *net.Dialer) {
		d.Timeout = s3DialTimeout
	})
	retryer := func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) { o.MaxBackoff = s3MaxBackoff })
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithHTTPClient(httpClient), awsconfig.WithRetryer(retryer))
	if err != nil {
		return nil, fmt.Errorf("AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1" // what S3-compatible servers accept
	}
	return awss3.NewFromConfig(cfg, func(o *awss3.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
			o.UsePathStyle = true
			o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
			o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
		}
	}), nil
}

// Close releases the files directory or the bucket.
func (s *storage) Close() error {
	var errs []error
	if s.root != nil {
		errs = append(errs, s.root.Close())
	}
	if s.bucket != nil {
		errs = append(errs, s.bucket.Close())
	}
	return errors.Join(errs...)
}

// recoverSaves removes what saves cut short by a crash left among the
// documents: at start, then every d (0: only at start) until ctx ends.
func recoverSaves(ctx context.Context, docs *sticky.Permanent, d time.Duration, logger *slog.Logger) {
	for {
		if removed, err := docs.Recover(ctx); err != nil && ctx.Err() == nil {
			logger.Error("recovering cut saves", "removed", removed, "err", err)
		} else if removed > 0 {
			logger.Info("removed the files of cut saves", "saves", removed)
		}
		if d <= 0 {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(d):
		}
	}
}
