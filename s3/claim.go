package s3

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stickyuploads/sticky"
)

// claimsDir is where claims are kept, below the store's prefix.
const claimsDir = "claims/"

// Claim claims upload id for saving, for every server that shares the
// bucket: it creates the object claims/<name> under the store's prefix
// with a conditional write (If-None-Match: *), which S3 and S3-compatible
// servers make atomic; a claim that exists already fails with an error
// wrapping sticky.ErrClaimed. release deletes it. A claim whose server
// died goes with the sweep once it is older than the TTL (see Tidy). It
// implements sticky.Claimer.
func (s *Store) Claim(ctx context.Context, id string) (release func(), err error) {
	data, _ := s.prefixes()
	key := data + claimsDir + s.UploadName(id)
	_, err = s.store.Service.PutObject(ctx, &awss3.PutObjectInput{
		Bucket:        aws.String(s.store.Bucket),
		Key:           aws.String(key),
		Body:          strings.NewReader(""),
		ContentLength: aws.Int64(0),
		IfNoneMatch:   aws.String("*"),
	})
	switch {
	case conflict(err):
		return nil, fmt.Errorf("sticky/s3: claim %s: %w", id, sticky.ErrClaimed)
	case err != nil:
		return nil, fmt.Errorf("sticky/s3: claim %s: %w", id, err)
	}
	return func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		s.store.Service.DeleteObject(ctx, &awss3.DeleteObjectInput{Bucket: aws.String(s.store.Bucket), Key: aws.String(key)})
	}, nil
}

// removeStaleClaims removes the claims last written before t: their
// servers died while saving, and their uploads have expired.
func (s *Store) removeStaleClaims(ctx context.Context, t time.Time) (removed int, err error) {
	client, ok := s.store.Service.(lister)
	if !ok {
		return 0, nil
	}
	data, _ := s.prefixes()
	pages := awss3.NewListObjectsV2Paginator(client, &awss3.ListObjectsV2Input{
		Bucket: aws.String(s.store.Bucket),
		Prefix: aws.String(data + claimsDir),
	})
	var errs []error
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return removed, fmt.Errorf("sticky/s3: listing s3://%s/%s%s: %w", s.store.Bucket, data, claimsDir, err)
		}
		for _, o := range page.Contents {
			if !aws.ToTime(o.LastModified).Before(t) {
				continue
			}
			_, err := s.store.Service.DeleteObject(ctx, &awss3.DeleteObjectInput{Bucket: aws.String(s.store.Bucket), Key: o.Key})
			switch {
			case err == nil:
				removed++
			case !notFound(err):
				errs = append(errs, err)
			}
		}
	}
	return removed, errors.Join(errs...)
}

// removeStaleParts removes the part files (tusd's "tusd-s3-tmp-" and
// "tusd-s3-concat-tmp-") last written before t from the part directory:
// what a process killed while sending parts left.
func (s *Store) removeStaleParts(t time.Time) (removed int, err error) {
	dir := s.store.TemporaryDirectory
	if dir == "" {
		dir = os.TempDir()
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, fmt.Errorf("sticky/s3: listing the part directory: %w", err)
	}
	var errs []error
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), "tusd-s3-") || !e.Type().IsRegular() {
			continue
		}
		info, err := e.Info()
		if err != nil || !info.ModTime().Before(t) {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
			continue
		}
		removed++
	}
	return removed, errors.Join(errs...)
}
