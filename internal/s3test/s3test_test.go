package s3test

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

func TestServer(t *testing.T) {
	srv := Start(t)
	bucket := srv.NewBucket(t)
	ctx := context.Background()
	c := srv.Client()
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("a/b.txt"), Body: strings.NewReader("hello")}); err != nil {
		t.Fatal(err)
	}
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("a/b.txt")})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(out.Body)
	out.Body.Close()
	if string(b) != "hello" {
		t.Errorf("read %q", b)
	}
	if keys := srv.Objects(t, bucket, "a/"); len(keys) != 1 || keys[0] != "a/b.txt" {
		t.Errorf("objects %q", keys)
	}
}

// TestRestart checks that a restarted server answers on the same endpoint
// with what it held: objects and a multipart upload in progress.
func TestRestart(t *testing.T) {
	srv := Start(t)
	bucket := srv.NewBucket(t)
	ctx := context.Background()
	c := srv.Client()
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("kept"), Body: strings.NewReader("still here")}); err != nil {
		t.Fatal(err)
	}
	mp, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String("big")})
	if err != nil {
		t.Fatal(err)
	}
	endpoint := srv.Endpoint
	down := srv.Restart(t)
	if srv.Endpoint != endpoint {
		t.Errorf("endpoint %s after the restart, want %s", srv.Endpoint, endpoint)
	}
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("kept")})
	if err != nil {
		t.Fatalf("after the restart: %v", err)
	}
	b, _ := io.ReadAll(out.Body)
	out.Body.Close()
	if string(b) != "still here" {
		t.Errorf("read %q after the restart", b)
	}
	if ups := srv.MultipartUploads(t, bucket, ""); len(ups) != 1 || ups[0] != "big" {
		t.Errorf("multipart uploads after the restart: %q (upload id %s)", ups, aws.ToString(mp.UploadId))
	}
	t.Logf("versitygw down for %v", down.Round(time.Millisecond))
}
