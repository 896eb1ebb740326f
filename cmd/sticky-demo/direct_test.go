package main

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stickyuploads/sticky/internal/s3test"
)

func TestParseConfigDirect(t *testing.T) {
	c, err := parseConfig([]string{"-s3-bucket", "b", "-direct", "-s3-cors"}, noEnv, io.Discard)
	if err != nil || !c.Direct || !c.S3CORS {
		t.Fatalf("config = %+v, %v", c, err)
	}
	for _, args := range [][]string{
		{"-direct"},                     // no bucket
		{"-s3-bucket", "b", "-s3-cors"}, // nothing to set CORS for
	} {
		var out strings.Builder
		_, err := parseConfig(args, noEnv, &out)
		if _, ok := err.(*usageError); !ok || !strings.Contains(out.String(), "Usage:") {
			t.Errorf("%q: err = %v, want a usage error with the usage:\n%s", args, err, out.String())
		}
	}
}

// With -direct the demo's fields send their files to the bucket: the
// widget says where, the pages may connect to the bucket, and the bucket's
// CORS is printed at start, or set with -s3-cors.
func TestDirect(t *testing.T) {
	srv := s3test.Start(t)
	srv.SetEnv(t)
	for _, set := range []bool{false, true} {
		bucket := srv.NewBucket(t)
		args := []string{"-addr", "127.0.0.1:0", "-data", t.TempDir(), "-user", "alice:wonderland",
			"-s3-bucket", bucket, "-s3-endpoint", srv.Endpoint, "-direct"}
		if set {
			args = append(args, "-s3-cors")
		}
		d := startRun(t, noEnv, args...)
		out := strings.Join(d.Stdout, "\n")
		cors, err := srv.Client().GetBucketCors(t.Context(), &awss3.GetBucketCorsInput{Bucket: aws.String(bucket)})
		switch {
		case set && (err != nil || len(cors.CORSRules) != 1 || cors.CORSRules[0].AllowedOrigins[0] != d.URL ||
			strings.Join(cors.CORSRules[0].ExposeHeaders, ",") != "ETag"):
			t.Errorf("-s3-cors: the bucket's CORS: %+v, %v", cors, err)
		case set && !strings.Contains(out, "now allows "+d.URL):
			t.Errorf("-s3-cors: stdout does not say the rules were set:\n%s", out)
		case !set && err == nil:
			t.Errorf("without -s3-cors the bucket's CORS was set: %+v", cors.CORSRules)
		case !set && (!strings.Contains(out, `"AllowedOrigins": [`+"\n"+`        "`+d.URL+`"`) || !strings.Contains(out, `"ETag"`)):
			t.Errorf("stdout does not give the CORS rules for %s:\n%s", d.URL, out)
		}

		c := loginAt(t, d.URL, "alice", "wonderland")
		for path, want := range map[string]string{"/documents/new": `data-direct="/uploads/s3/"`, "/gallery": `data-direct="` + galleryPath + `s3/"`} {
			res, body := get(t, c, d.URL+path)
			if !strings.Contains(body, want) {
				t.Errorf("%s has no %s", path, want)
			}
			if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "connect-src 'self' "+srv.Endpoint) {
				t.Errorf("%s: the pages may not send to the bucket: %s", path, csp)
			}
		}
		// Signing works: a file declared for the documents' field.
		if res, _ := get(t, c, d.URL+"/uploads/s3/params?filename=a.txt&type=text/plain&metadata[field]=file&size=5"); res.StatusCode != http.StatusOK {
			t.Errorf("GET s3/params: %s", res.Status)
		}
		d.Stop()
	}
}
