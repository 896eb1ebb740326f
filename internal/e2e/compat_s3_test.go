package e2e

import (
	"crypto/rand"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/chromedp/chromedp"
	"github.com/stickyuploads/sticky"
	"github.com/stickyuploads/sticky/internal/s3test"
	"github.com/stickyuploads/sticky/s3"
)

// uppyS3Page runs Uppy with its AWS S3 plugin (the bundle's, from
// @uppy/aws-s3) pointed at sticky's mount as at a Companion server: files
// above 6 MiB go up in parts of 5 MiB, smaller ones in one POST, straight
// to the bucket. Each finished file is turned into a sticky reference with
// the one call docs/direct-uploads.md documents: POST s3/complete?key=.
const uppyS3Page = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Uppy's AWS S3 plugin against sticky</title>
<script src="/npm/uppy/dist/uppy.min.js"></script>
</head><body>
<input type="file" id="file" multiple>
<script>
window.s3 = {done: [], failed: []};
const uppy = new Uppy.Uppy({autoProceed: true, meta: {field: 'file'}})
	.use(Uppy.AwsS3, {
		companionEndpoint: '/uploads',
		shouldUseMultipart: (file) => file.size > 6 * 1024 * 1024,
		getChunkSize: () => 5 * 1024 * 1024,
	});
uppy.on('upload-success', async (file, response) => {
	const res = await fetch('/uploads/s3/complete?key=' + encodeURIComponent(response.body.key), {method: 'POST'});
	window.s3.done.push({name: file.name, location: response.body.location, key: response.body.key, status: res.status, reply: await res.json()});
});
uppy.on('upload-error', (file, error) => window.s3.failed.push({name: file && file.name, error: String(error)}));
document.getElementById('file').addEventListener('change', (e) => {
	for (const f of e.target.files) uppy.addFile({name: f.name, type: f.type, data: f, source: 'Local'});
});
</script>
</body></html>`

// newS3CompatSite is a compatibility site whose temporary store is a
// versitygw bucket that allows the site's origin, with direct uploads on.
func newS3CompatSite(t *testing.T, modules string, pages map[string]string) (*compatSite, *s3test.Server, string) {
	t.Helper()
	srv := s3test.Start(t)
	bucket := srv.NewBucket(t)
	store, err := s3.NewStore(t.Context(), s3.Config{Bucket: bucket, Client: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	key := make([]byte, 32)
	rand.Read(key)
	up, err := sticky.New(sticky.Config{
		Keys: [][]byte{key},
		Identity: func(r *http.Request) string {
			if c, err := r.Cookie(compatCookie); err == nil && c.Value == compatSession {
				return "alice"
			}
			return ""
		},
		MaxSize: 32 << 20,
		Store:   store,
		Direct:  true,
		Logger:  slog.New(slog.NewTextHandler(t.Output(), nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/uploads/", up)
	mux.Handle("GET /npm/", http.StripPrefix("/npm/", http.FileServer(http.Dir(modules))))
	for path, html := range pages {
		mux.HandleFunc("GET "+path, func(w http.ResponseWriter, r *http.Request) {
			http.SetCookie(w, &http.Cookie{Name: compatCookie, Value: compatSession, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			io.WriteString(w, html)
		})
	}
	site := httptest.NewServer(mux)
	t.Cleanup(site.Close)

	// The CORS docs/direct-uploads.md asks of the bucket.
	_, err = srv.Client().PutBucketCors(t.Context(), &awss3.PutBucketCorsInput{
		Bucket: aws.String(bucket),
		CORSConfiguration: &types.CORSConfiguration{CORSRules: []types.CORSRule{{
			AllowedOrigins: []string{site.URL},
			AllowedMethods: []string{"POST", "PUT"},
			AllowedHeaders: []string{"*"},
			ExposeHeaders:  []string{"ETag"},
			MaxAgeSeconds:  aws.Int32(3600),
		}}},
	})
	if err != nil {
		t.Fatalf("PutBucketCors: %v", err)
	}
	return &compatSite{URL: site.URL, up: up}, srv, bucket
}

// Uppy's AWS S3 plugin, unchanged, sends a small file in one POST and a
// 12 MiB one in three parts straight to the bucket through sticky's
// signing routes; no byte of either passes through the app, and the
// references sticky gives for them fill a form with the same bytes.
func TestUppyAwsS3(t *testing.T) {
	modules := npmPackages(t)
	start := time.Now()
	site, _, bucket := newS3CompatSite(t, modules, map[string]string{"/uppy-s3.html": uppyS3Page})
	b := newBrowser(t, compatTimeout)
	b.open(t, &demo{URL: site.URL}, "/uppy-s3.html")

	dir := t.TempDir()
	small := writeText(t, dir, "minutes.txt", 20_000)
	big := writeRandom(t, dir, "survey.bin", bigFileSize)
	b.do(t, "choosing two files", chromedp.SetUploadFiles(chromedp.CSS(`#file`), []string{small, big}))
	type done struct {
		Name     string `json:"name"`
		Location string `json:"location"`
		Key      string `json:"key"`
		Status   int    `json:"status"`
		Reply    struct {
			IsValid bool   `json:"is_valid"`
			Stored  string `json:"stored"`
			Size    int64  `json:"size"`
		} `json:"reply"`
	}
	type outcome struct {
		Done   []done `json:"done"`
		Failed []struct {
			Name  string `json:"name"`
			Error string `json:"error"`
		} `json:"failed"`
	}
	out := waitJS[outcome](t, b, "both uploads", `window.s3.done.length + window.s3.failed.length >= 2 ? window.s3 : null`, 45*time.Second)
	if len(out.Failed) > 0 || len(out.Done) != 2 {
		t.Fatalf("Uppy: %+v", out)
	}
	for _, d := range out.Done {
		path := filepath.Join(dir, d.Name)
		if d.Status != http.StatusOK || !d.Reply.IsValid || !strings.HasPrefix(d.Key, s3.DefaultPrefix) {
			t.Errorf("%s: %+v", d.Name, d)
		}
		site.wantSameFile(t, "file", d.Reply.Stored, path)
	}
	// The bytes went to the bucket, never to the app.
	posts := b.net.requestsTo(http.MethodPost, "/"+bucket)
	puts := b.net.requestsTo(http.MethodPut, "/"+bucket)
	if len(posts) != 1 || len(puts) != 3 {
		t.Errorf("the browser sent %d POSTs and %d PUTs to the bucket, want 1 and 3", len(posts), len(puts))
	}
	for _, r := range b.net.requestsTo(http.MethodPut, "/uploads/") {
		t.Errorf("a PUT to the app: %s", r.URL)
	}
	if n := len(b.net.requestsTo(http.MethodGet, "/uploads/s3/multipart/")); n != 3 {
		t.Errorf("%d parts signed, want 3", n)
	}
	t.Logf("Uppy %s (@uppy/aws-s3): a POST and 12 MiB in 3 parts straight to versitygw in %v", uppyVersion, time.Since(start).Round(time.Millisecond))
}
