package s3_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stickyuploads/sticky"
	"github.com/stickyuploads/sticky/s3"
	"github.com/stickyuploads/sticky/storetest"
	"github.com/tus/tusd/v2/pkg/handler"
)

// The store can do all that sticky asks of a store besides tusd's.
var _ interface {
	sticky.Lister
	sticky.Tidier
	sticky.Namer
} = (*s3.Store)(nil)

// listed returns the ids of the uploads the store lists as last written
// before t.
func listed(t *testing.T, store *s3.Store, before time.Time) []string {
	t.Helper()
	var ids []string
	for u, err := range store.UploadsBefore(t.Context(), before) {
		if err != nil {
			t.Fatalf("UploadsBefore: %v", err)
		}
		ids = append(ids, u.ID)
	}
	slices.Sort(ids)
	return ids
}

// The sweep of one server removes what any server sharing the bucket left
// past the TTL: a finished upload, a half-written one, and a multipart
// upload a crash left without its info object; and nothing else in the
// bucket, even under the prefix.
func TestSweepS3(t *testing.T) {
	stores, srv, bucket := s3Stores(t, 2)
	client := srv.Client()
	ctx := t.Context()
	begun := time.Now()
	keeper := storetest.NewSite(t, sticky.Config{Store: stores[0], TTL: time.Hour})
	kept := keeper.MustUpload(t, "doc", "kept.txt", []byte("finished, abandoned"))
	half, err := stores[0].NewUpload(ctx, handler.FileInfo{SizeIsDeferred: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := half.WriteChunk(ctx, 0, strings.NewReader("cut short")); err != nil {
		t.Fatal(err)
	}
	orphan := s3.DefaultPrefix + "0123456789abcdef"
	if _, err := client.CreateMultipartUpload(ctx, &awss3.CreateMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String(orphan)}); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"documents/report.pdf", s3.DefaultPrefix + "sub/x.info", "loose.info"} {
		if _, err := client.PutObject(ctx, &awss3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader("{}")}); err != nil {
			t.Fatal(err)
		}
	}

	if ids := listed(t, stores[1], time.Now().Add(-time.Hour)); len(ids) != 0 {
		t.Errorf("listed as written before an hour ago: %v", ids)
	}
	if ids := listed(t, stores[1], time.Now().Add(time.Hour)); len(ids) != 4 {
		t.Errorf("listed %v, want the finished upload and its receipt, the half-written and the orphaned upload", ids)
	}

	// Another server, with a short TTL, sweeps once it has passed.
	const ttl = 2 * time.Second
	sweeper := storetest.NewSite(t, sticky.Config{Store: stores[1], TTL: ttl})
	time.Sleep(time.Until(begun.Add(ttl + 1500*time.Millisecond)))
	removed, err := sweeper.Sweep(ctx)
	if err != nil || removed != 4 {
		t.Fatalf("Sweep: removed %d, %v; want 4", removed, err)
	}
	if left := srv.Objects(t, bucket, s3.DefaultPrefix); len(left) != 1 || left[0] != s3.DefaultPrefix+"sub/x.info" {
		t.Errorf("left under the prefix: %v, want only the object that is not an upload", left)
	}
	if left := srv.MultipartUploads(t, bucket, ""); len(left) != 0 {
		t.Errorf("multipart uploads left: %v", left)
	}
	if n := len(srv.Objects(t, bucket, "")); n != 3 {
		t.Errorf("%d objects in the bucket, want the 3 that are not uploads", n)
	}
	if _, err := keeper.Kept(ctx, "doc", kept.Stored); !errors.Is(err, sticky.ErrGone) {
		t.Errorf("reference to a swept upload: %v, want ErrGone", err)
	}
}

// An upload created under a name gets an id with its multipart upload's id
// after "+": UploadName gives the name back, GetUploadByName the upload.
func TestStoreNamesUploads(t *testing.T) {
	stores, srv, bucket := s3Stores(t, 2)
	ctx := t.Context()
	up, err := stores[0].NewUpload(ctx, handler.FileInfo{ID: "named-upload", Size: 5})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := up.WriteChunk(ctx, 0, strings.NewReader("hello")); err != nil {
		t.Fatal(err)
	}
	if err := up.FinishUpload(ctx); err != nil {
		t.Fatal(err)
	}
	info, err := up.GetInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(info.ID, "named-upload+") || len(info.ID) == len("named-upload+") {
		t.Errorf("id %q, want the name, +, and the multipart upload's id", info.ID)
	}
	for i, s := range stores {
		if name := s.UploadName(info.ID); name != "named-upload" {
			t.Errorf("store %d: UploadName(%q) = %q", i, info.ID, name)
		}
		if name := s.UploadName("no-plus"); name != "no-plus" {
			t.Errorf("store %d: UploadName of an id without +: %q", i, name)
		}
		found, err := s.GetUploadByName(ctx, "named-upload")
		if err != nil {
			t.Fatalf("store %d: GetUploadByName: %v", i, err)
		}
		got, err := found.GetInfo(ctx)
		if err != nil || got.ID != info.ID || got.Offset != 5 {
			t.Errorf("store %d: found %q at %d (%v), want %q at 5", i, got.ID, got.Offset, err, info.ID)
		}
		if _, err := s.GetUploadByName(ctx, "no-such-upload"); !errors.Is(err, handler.ErrNotFound) {
			t.Errorf("store %d: GetUploadByName of an unknown name: %v, want ErrNotFound", i, err)
		}
	}
	if err := stores[1].AsTerminatableUpload(up).Terminate(ctx); err != nil {
		t.Fatal(err)
	}
	wantEmpty(t, srv, bucket)
}
