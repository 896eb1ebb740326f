// Package s3test runs a real S3 server for tests: versitygw, serving a
// temporary directory on 127.0.0.1.
//
// versitygw is found on PATH or in $GOBIN or $GOPATH/bin; `make test`
// installs it there. A test that needs it and cannot find it is skipped,
// or fails under STICKY_TEST_STRICT=1 (see internal/needs).
package s3test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stickyuploads/sticky/internal/needs"
	"github.com/stickyuploads/sticky/internal/testproc"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Server is a running versitygw.
type Server struct {
	// Endpoint is the server's URL, http://127.0.0.1:PORT.
	Endpoint string
	// Access and Secret are the root user's keys.
	Access, Secret string
	// Region is the region the server answers for.
	Region string
	// Dir is the directory the server keeps the buckets in, one
	// subdirectory each.
	Dir string

	bin  string
	stop func() // stops the running versitygw; nil when none runs
}

// Start starts versitygw on a free port of 127.0.0.1, serving a new
// temporary directory, and stops it when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	s := &Server{Access: "sticky-test", Secret: "sticky-test-secret-" + randomHex(8), Region: "us-east-1", Dir: t.TempDir(),
		bin: needs.Tool(t, "versitygw")}
	t.Cleanup(func() {
		if s.stop != nil {
			s.stop()
		}
	})
	// Another process may take the free port before versitygw does: try a
	// few times.
	for attempt := 1; ; attempt++ {
		port, err := freePort()
		if err == nil {
			err = s.start("127.0.0.1:" + port)
		}
		if err == nil {
			return s
		}
		if attempt == 3 {
			t.Fatalf("s3test: starting versitygw: %v", err)
		}
	}
}

// Restart stops versitygw (SIGINT, as an operator would) and starts it
// again on the same port, with the same directory and keys, as a server
// restarted for an upgrade: clients keep their endpoint, and buckets,
// objects and multipart uploads in progress are kept. It returns once the
// server answers again, and how long it did not.
func (s *Server) Restart(t testing.TB) (down time.Duration) {
	t.Helper()
	start := time.Now()
	if s.stop != nil {
		s.stop()
		s.stop = nil
	}
	addr := strings.TrimPrefix(s.Endpoint, "http://")
	// The port is free again at once (Go listens with SO_REUSEADDR), but
	// another process may take it meanwhile: try a few times.
	var err error
	for attempt := 1; attempt <= 3; attempt++ {
		if err = s.start(addr); err == nil {
			return time.Since(start)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("s3test: restarting versitygw on %s: %v", addr, err)
	return 0
}

// start starts versitygw on addr and waits until it answers.
func (s *Server) start(addr string) error {
	cmd := exec.Command(s.bin, "--access", s.Access, "--secret", s.Secret, "--region", s.Region,
		"--port", addr, "--quiet", "posix", s.Dir)
	cmd.Env = cleanEnv()
	out := &testproc.Buffer{}
	cmd.Stdout, cmd.Stderr = out, out
	exited, stop, err := testproc.Start(cmd, os.Interrupt)
	if err != nil {
		return err
	}
	s.Endpoint = "http://" + addr
	deadline := time.Now().Add(15 * time.Second)
	for {
		select {
		case <-exited:
			return fmt.Errorf("versitygw exited: %s", out)
		default:
		}
		if res, err := http.Get(s.Endpoint + "/"); err == nil {
			res.Body.Close()
			s.stop = stop
			return nil
		}
		if time.Now().After(deadline) {
			stop()
			return fmt.Errorf("versitygw did not answer on %s within 15s: %s", addr, out)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Client returns an S3 client of the server, signed in as the root user.
func (s *Server) Client() *s3.Client {
	return s3.New(s3.Options{
		Region:                     s.Region,
		BaseEndpoint:               aws.String(s.Endpoint),
		UsePathStyle:               true,
		Credentials:                credentials.NewStaticCredentialsProvider(s.Access, s.Secret, ""),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	})
}

// NewBucket creates a bucket with a fresh name and returns the name.
func (s *Server) NewBucket(t testing.TB) string {
	t.Helper()
	name := "sticky-" + randomHex(6)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := s.Client().CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatalf("s3test: creating bucket %s: %v", name, err)
	}
	return name
}

// SetEnv points the AWS configuration chain at the server for the rest of
// the test: its keys and region in the environment, no shared files, no
// instance metadata. Like t.Setenv, it cannot be used in parallel tests.
func (s *Server) SetEnv(t testing.TB) {
	t.Helper()
	none := filepath.Join(t.TempDir(), "none")
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID":           s.Access,
		"AWS_SECRET_ACCESS_KEY":       s.Secret,
		"AWS_SESSION_TOKEN":           "",
		"AWS_REGION":                  s.Region,
		"AWS_PROFILE":                 "",
		"AWS_CONFIG_FILE":             none,
		"AWS_SHARED_CREDENTIALS_FILE": none,
		"AWS_EC2_METADATA_DISABLED":   "true",
		"AWS_ENDPOINT_URL":            "",
		"AWS_ENDPOINT_URL_S3":         "",
	} {
		t.Setenv(k, v)
	}
}

// Objects returns the keys in bucket under prefix, for checking what a test
// left behind.
func (s *Server) Objects(t testing.TB, bucket, prefix string) []string {
	t.Helper()
	var keys []string
	pages := s3.NewListObjectsV2Paginator(s.Client(), &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(context.Background())
		if err != nil {
			t.Fatalf("s3test: listing %s/%s: %v", bucket, prefix, err)
		}
		for _, o := range page.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
	}
	return keys
}

// MultipartUploads returns the keys of the multipart uploads in progress in
// bucket under prefix.
func (s *Server) MultipartUploads(t testing.TB, bucket, prefix string) []string {
	t.Helper()
	var keys []string
	pages := s3.NewListMultipartUploadsPaginator(s.Client(), &s3.ListMultipartUploadsInput{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(context.Background())
		if err != nil {
			t.Fatalf("s3test: listing multipart uploads in %s/%s: %v", bucket, prefix, err)
		}
		for _, u := range page.Uploads {
			keys = append(keys, aws.ToString(u.Key))
		}
	}
	return keys
}

// ClosedEndpoint returns the URL of a port of 127.0.0.1 where nothing
// listens: an S3 server that is down.
func ClosedEndpoint(t testing.TB) string {
	t.Helper()
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	return "http://127.0.0.1:" + port
}

func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	_, port, err := net.SplitHostPort(l.Addr().String())
	return port, err
}

// cleanEnv is the environment without the variables versitygw reads, so
// that only the flags configure it.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "VGW_") || strings.HasPrefix(kv, "ROOT_") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
