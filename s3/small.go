package s3

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stickyuploads/sticky"
	"github.com/tus/tusd/v2/pkg/handler"
)

// ReadHead reads up to n bytes from the start of complete upload id with a
// ranged GET, so that the bucket sends those bytes and no more. It
// implements sticky.HeadReader.
func (s *Store) ReadHead(ctx context.Context, id string, n int) ([]byte, error) {
	head, _, err := s.firstBytes(ctx, s.UploadName(id), n)
	return head, err
}

// firstBytes reads up to n bytes from the start of upload name's object
// with a ranged GET, read to its end so that the connection serves again.
// It returns the answer too, nil for an empty object (no byte is in range).
func (s *Store) firstBytes(ctx context.Context, name string, n int) ([]byte, *awss3.GetObjectOutput, error) {
	out, err := s.store.Service.GetObject(ctx, &awss3.GetObjectInput{
		Bucket: aws.String(s.store.Bucket),
		Key:    aws.String(s.ObjectKey(name)),
		Range:  aws.String(fmt.Sprintf("bytes=0-%d", n-1)),
	})
	if httpStatus(err) == http.StatusRequestedRangeNotSatisfiable {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, s.directError("reading the first bytes of", name, err)
	}
	defer out.Body.Close()
	head, err := io.ReadAll(io.LimitReader(out.Body, int64(n)))
	if err != nil {
		return nil, nil, s.directError("reading the first bytes of", name, err)
	}
	return head, out, nil
}

// WriteSmall stores data whole as the upload created with info.ID, with
// two PUTs: the object, then the info object s3store keeps beside it,
// which makes the upload found (whole: it has no multipart upload). A
// server that dies between the two leaves an object without its info,
// which the sweep removes (see Tidy). It implements sticky.SmallWriter.
func (s *Store) WriteSmall(ctx context.Context, info handler.FileInfo, data []byte) (id string, err error) {
	name := info.ID
	if name == "" || strings.ContainsAny(name, "/+") {
		return "", fmt.Errorf("sticky/s3: writing a small upload: %q cannot name one", name)
	}
	_, err = s.store.Service.PutObject(ctx, &awss3.PutObjectInput{
		Bucket:        aws.String(s.store.Bucket),
		Key:           aws.String(s.ObjectKey(name)),
		Body:          bytes.NewReader(data),
		ContentLength: aws.Int64(int64(len(data))),
	})
	if err != nil {
		return "", s.directError("writing", name, err)
	}
	info.Size, info.Offset, info.SizeIsDeferred = int64(len(data)), int64(len(data)), false
	return s.writeInfo(ctx, name, singlePart, info, false)
}

// writeInfo writes the info object of upload name, whose object is whole
// (uploadID names the multipart upload it was joined from, or is
// singlePart), as s3store writes it, and returns the upload's id. With
// once, only the first of several writes succeeds: the others get an error
// wrapping sticky.ErrClaimed.
func (s *Store) writeInfo(ctx context.Context, name, uploadID string, info handler.FileInfo, once bool) (string, error) {
	key := s.ObjectKey(name)
	info.ID = name + "+" + uploadID
	info.Storage = map[string]string{"Type": "s3store", "Bucket": s.store.Bucket, "Key": key}
	b, err := json.Marshal(info)
	if err != nil {
		return "", err
	}
	_, meta := s.prefixes()
	in := &awss3.PutObjectInput{
		Bucket:        aws.String(s.store.Bucket),
		Key:           aws.String(meta + name + ".info"),
		Body:          bytes.NewReader(b),
		ContentLength: aws.Int64(int64(len(b))),
	}
	if once {
		in.IfNoneMatch = aws.String("*")
	}
	_, err = s.store.Service.PutObject(ctx, in)
	switch {
	case once && conflict(err):
		return "", fmt.Errorf("sticky/s3: adopting %s: %w", key, sticky.ErrClaimed)
	case err != nil:
		return "", fmt.Errorf("sticky/s3: writing the info of %s: %w", key, err)
	}
	return info.ID, nil
}

// noteName matches the names of the small uploads sticky writes beside an
// upload (its receipt, notes, checksum states): the upload's name, a
// direct upload's or s3store's own, then a suffix.
var noteName = regexp.MustCompile(`^[0-9a-f]{32}(-[0-9a-f]{32,})?(\.[a-z][a-z0-9-]*)+$`)

// orphan says whether an object named name (below the data prefix) that
// has no info object is one that WriteSmall or a direct upload left, and
// the sweep removes: not the part file s3store keeps of an unfinished
// upload.
func orphan(name string) bool {
	if strings.HasSuffix(name, ".part") || strings.HasSuffix(name, ".info") {
		return false
	}
	return directName.MatchString(name) || noteName.MatchString(name)
}

var (
	_ sticky.HeadReader  = (*Store)(nil)
	_ sticky.SmallWriter = (*Store)(nil)
)
