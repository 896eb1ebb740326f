package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stickyuploads/sticky/internal/needs"
)

// Direct uploads: the same file sent three ways to one versitygw, on the
// same disk, by the same client process:
//
//   - direct: sticky's direct route. The client asks the mount for
//     permission (a presigned PUT, or a multipart upload whose parts it
//     has presigned six in a request), sends the bytes to the bucket itself, then
//     asks the mount to complete, which claims the object (HEAD, a ranged
//     GET to judge the type, the adoption) and signs the reference.
//   - proxied: sticky's one-shot endpoint, whose S3 store streams the file
//     through the app into the same bucket (s3store's 16 MiB parts).
//   - raw: what the AWS SDK does with no app at all: a presigned PUT of the
//     whole file, or a multipart upload with presigned part PUTs. The floor.
//
// A file up to directWhole goes in one presigned PUT both ways; a bigger
// one as S3 multipart, with the same part size and parts in flight both
// ways, and files go several at once (those of sticky's client script).
// versitygw keeps connections alive, as S3 does. The app server runs in
// its own process and tells its CPU time (getrusage) before and after each
// run, so that its CPU per GiB is its own, apart from versitygw's and the
// client's.

// The names of the ways, for -only (direct/WAY/SIZE) and the rows.
const (
	wayDirect  = "direct"
	wayProxied = "proxied"
	wayRaw     = "raw"
)

// directRunBytes is how much a run of the direct section uploads, at most
// 256 files.
const directRunBytes = 1 << 30

// The benchmark's buckets in its versitygw.
const (
	tempBucket = "sticky-temp"
	rawBucket  = "raw"
)

// directs measures the three ways, size by size.
func (h *harness) directs(ctx context.Context) []*result {
	var all []*result
	labels := map[string]string{
		wayDirect:  "sticky direct (presigned, straight to the bucket)",
		wayProxied: "sticky proxied (one-shot endpoint → S3 store)",
		wayRaw:     "raw presigned PUT, AWS SDK (no app)",
	}
	some := false
	for _, size := range h.p.directSizes {
		for _, way := range []string{wayDirect, wayProxied, wayRaw} {
			res := &result{Section: "direct", Server: way, Label: labels[way], Size: size}
			if !h.selected(caseName("direct", way, size, 0)) {
				res.Skip = "not run (-only)"
			} else {
				some = true
			}
			all = append(all, res)
		}
	}
	if !some || ctx.Err() != nil {
		return all
	}
	skip := func(why string) []*result {
		for _, r := range all {
			if r.Skip == "" {
				r.Skip = why
			}
		}
		return all
	}
	bin := h.o.versitygw
	if bin == "" {
		var err error
		if bin, err = needs.Find("versitygw"); err != nil {
			return skip("not available: versitygw is not installed (make bench installs it)")
		}
	}
	vgw, err := h.startVersitygw(ctx, bin)
	if err != nil {
		for _, r := range all {
			if r.Skip == "" {
				r.Err = err.Error()
			}
		}
		return all
	}
	defer vgw.proc.stop()
	h.directLoad[0] = loadAvg()
	defer func() { h.directLoad[1] = loadAvg() }()

	for _, size := range h.p.directSizes {
		var cs []*contender
		for _, way := range []string{wayDirect, wayProxied, wayRaw} {
			res := find(all, way, size, 0)
			if res.Skip != "" || ctx.Err() != nil {
				continue
			}
			c, err := h.directContender(ctx, vgw, way, size, res)
			if err != nil {
				res.Err = err.Error()
				continue
			}
			cs = append(cs, c)
		}
		if len(cs) > 0 {
			h.logf("uploads of %s to a bucket: direct, proxied, raw presigned", sizeWords(size))
			h.interleave(ctx, cs)
		}
	}
	return all
}

// directContender sets up one way of sending files of size to vgw.
func (h *harness) directContender(ctx context.Context, vgw *bucketServer, way string, size int64, res *result) (*contender, error) {
	client := newClient(h.p.directParallel * h.p.directFiles)
	// Up to 1 GiB a run: the app's CPU time for a run is then far above
	// the kernel's accounting tick, even where it is a few ms a file.
	reps := int(max(1, min(256, directRunBytes/size)))
	if h.p.directMaxReps > 0 {
		reps = min(reps, h.p.directMaxReps)
	}
	var (
		procs []*child
		send  func(ctx context.Context, n int64) error
		cpu   func(ctx context.Context) (time.Duration, error)
	)
	switch way {
	case wayDirect, wayProxied:
		dir := filepath.Join(h.scratch, "direct-"+way)
		p, err := h.startGo(ctx, "serve-sticky-s3", dir, "-s3-endpoint", vgw.endpoint, "-s3-bucket", tempBucket)
		if err != nil {
			return nil, err
		}
		procs = []*child{p}
		mount := p.url + stickyMount
		cpu = func(ctx context.Context) (time.Duration, error) { return serverCPU(ctx, client, p.url) }
		if way == wayDirect {
			send = func(ctx context.Context, n int64) error {
				return directUpload(ctx, client, mount, n, h.p.directWhole, h.p.directPart, h.p.directParallel)
			}
		} else {
			send = func(ctx context.Context, n int64) error { return upload(ctx, client, mount, n) }
		}
	case wayRaw:
		sdk := s3Client(vgw.endpoint, client)
		send = func(ctx context.Context, n int64) error {
			return rawUpload(ctx, client, sdk, rawBucket, "bench/"+strconv.FormatInt(time.Now().UnixNano(), 36), n, h.p.directWhole, h.p.directPart, h.p.directParallel)
		}
	}
	return &contender{
		res:    res,
		client: client,
		procs:  procs,
		warm:   func(ctx context.Context) error { return send(ctx, min(size, 1<<20)) },
		run: func(ctx context.Context) (float64, error) {
			var before time.Duration
			if cpu != nil {
				var err error
				if before, err = cpu(ctx); err != nil {
					return 0, err
				}
			}
			start := time.Now()
			if err := sendFiles(ctx, reps, h.p.directFiles, func(ctx context.Context) error { return send(ctx, size) }); err != nil {
				return 0, err
			}
			took := time.Since(start)
			if cpu != nil {
				after, err := cpu(ctx)
				if err != nil {
					return 0, err
				}
				gib := float64(size*int64(reps)) / (1 << 30)
				res.CPU = append(res.CPU, float64(after-before)/float64(time.Millisecond)/gib)
			}
			return mibps(size*int64(reps), took), nil
		},
		after: func() { vgw.empty(context.Background()) },
	}, nil
}

// bucketServer is the benchmark's versitygw, with a client of its own.
type bucketServer struct {
	proc     *child
	endpoint string
	sdk      *awss3.Client
	dir      string
}

// startVersitygw runs versitygw over a directory of the scratch space,
// with the benchmark's buckets.
func (h *harness) startVersitygw(ctx context.Context, bin string) (*bucketServer, error) {
	dir := filepath.Join(h.scratch, "versitygw")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	addr, err := freePort()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "--access", benchS3Access, "--secret", benchS3Secret, "--region", benchS3Region,
		"--port", addr, "--keep-alive", "--quiet", "posix", dir)
	// Only the flags configure it.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "VGW_") && !strings.HasPrefix(kv, "ROOT_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	p, err := h.ps.start(ctx, "versitygw", cmd, nil, addr)
	if err != nil {
		return nil, err
	}
	b := &bucketServer{proc: p, endpoint: p.url, sdk: s3Client(p.url, nil), dir: dir}
	for _, name := range []string{tempBucket, rawBucket} {
		if _, err := b.sdk.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
			p.stop()
			return nil, fmt.Errorf("versitygw: creating bucket %s: %w", name, err)
		}
	}
	return b, nil
}

// empty removes every object and multipart upload of the buckets, so that
// the disk holds no more than one run's files.
func (b *bucketServer) empty(ctx context.Context) {
	for _, bucket := range []string{tempBucket, rawBucket} {
		pages := awss3.NewListObjectsV2Paginator(b.sdk, &awss3.ListObjectsV2Input{Bucket: aws.String(bucket)})
		for pages.HasMorePages() {
			page, err := pages.NextPage(ctx)
			if err != nil {
				break
			}
			for _, o := range page.Contents {
				b.sdk.DeleteObject(ctx, &awss3.DeleteObjectInput{Bucket: aws.String(bucket), Key: o.Key})
			}
		}
		ups, err := b.sdk.ListMultipartUploads(ctx, &awss3.ListMultipartUploadsInput{Bucket: aws.String(bucket)})
		if err == nil {
			for _, u := range ups.Uploads {
				b.sdk.AbortMultipartUpload(ctx, &awss3.AbortMultipartUploadInput{Bucket: aws.String(bucket), Key: u.Key, UploadId: u.UploadId})
			}
		}
	}
}

// serverCPU asks one of our servers for the CPU time it has used.
func serverCPU(ctx context.Context, c *http.Client, base string) (time.Duration, error) {
	var r cpuReply
	if err := getJSON(ctx, c, http.MethodGet, base+cpuPath, nil, &r); err != nil {
		return 0, err
	}
	return time.Duration(r.CPU), nil
}

// getJSON sends a request with body (marshalled, nil for none) and decodes
// its 200 answer into out.
func getJSON(ctx context.Context, c *http.Client, method, target string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s: %s: %s", method, target, resp.Status, strings.TrimSpace(string(b)))
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("%s %s: %w in %q", method, target, err, b)
	}
	return nil
}

// directUpload sends a file of size bytes through sticky's direct route at
// mount, as sticky's client script does: up to whole bytes in one
// presigned PUT, else a multipart upload of part-byte parts, parallel at
// once; then it completes and checks the reference.
func directUpload(ctx context.Context, c *http.Client, mount string, size, whole, part int64, parallel int) error {
	base := mount + "s3/"
	var done struct {
		Size   int64  `json:"size"`
		Stored string `json:"stored"`
	}
	if size <= whole {
		q := url.Values{"filename": {"bench.bin"}, "type": {"application/octet-stream"},
			"metadata[field]": {benchField}, "size": {strconv.FormatInt(size, 10)}, "method": {http.MethodPut}}
		var params struct {
			Method  string            `json:"method"`
			URL     string            `json:"url"`
			Headers map[string]string `json:"headers"`
			Key     string            `json:"key"`
		}
		if err := getJSON(ctx, c, http.MethodGet, base+"params?"+q.Encode(), nil, &params); err != nil {
			return err
		}
		if params.Method != http.MethodPut {
			return fmt.Errorf("direct upload: asked for a PUT, got a %s", params.Method)
		}
		if _, err := putPart(ctx, c, params.URL, params.Headers, 0, size); err != nil {
			return err
		}
		if err := getJSON(ctx, c, http.MethodPost, base+"complete?key="+url.QueryEscape(params.Key), nil, &done); err != nil {
			return err
		}
	} else {
		var created struct {
			Key      string `json:"key"`
			UploadID string `json:"uploadId"`
		}
		body := map[string]any{"filename": "bench.bin", "type": "application/octet-stream",
			"metadata": map[string]string{"field": benchField, "size": strconv.FormatInt(size, 10)}}
		if err := getJSON(ctx, c, http.MethodPost, base+"multipart", body, &created); err != nil {
			return err
		}
		route := base + "multipart/" + url.PathEscape(created.UploadID)
		key := "?key=" + url.QueryEscape(created.Key)
		// Parts are signed 2 × parallel in a request, as the script signs
		// them: the batch of part n when a part of it is first needed.
		count := int((size + part - 1) / part)
		batch := 2 * parallel
		type signedBatch struct {
			once    sync.Once
			URLs    map[string]string            `json:"presignedUrls"`
			Headers map[string]map[string]string `json:"headers"`
			err     error
		}
		batches := make([]signedBatch, (count+batch-1)/batch)
		etags, err := sendParts(ctx, size, part, parallel, func(ctx context.Context, n int32, off, length int64) (string, error) {
			b := &batches[(int(n)-1)/batch]
			b.once.Do(func() {
				first := (int(n)-1)/batch*batch + 1
				var numbers, sizes []string
				for m := first; m < first+batch && m <= count; m++ {
					numbers = append(numbers, strconv.Itoa(m))
					sizes = append(sizes, strconv.FormatInt(min(part, size-int64(m-1)*part), 10))
				}
				b.err = getJSON(ctx, c, http.MethodGet, route+"/batch"+key+"&partNumbers="+strings.Join(numbers, ",")+"&sizes="+strings.Join(sizes, ","), nil, b)
			})
			if b.err != nil {
				return "", b.err
			}
			m := strconv.Itoa(int(n))
			return putPart(ctx, c, b.URLs[m], b.Headers[m], off, length)
		})
		if err != nil {
			return err
		}
		parts := make([]map[string]any, len(etags))
		for i, e := range etags {
			parts[i] = map[string]any{"PartNumber": i + 1, "ETag": e}
		}
		if err := getJSON(ctx, c, http.MethodPost, route+"/complete"+key, map[string]any{"parts": parts}, &done); err != nil {
			return err
		}
	}
	if done.Size != size || done.Stored == "" {
		return fmt.Errorf("direct upload: claimed %d bytes of %d, reference %q", done.Size, size, done.Stored)
	}
	return nil
}

// rawUpload sends a file of size bytes to bucket/key as the AWS SDK alone
// would, with no app: one presigned PUT up to whole bytes, else a
// multipart upload of presigned part PUTs, parallel at once.
func rawUpload(ctx context.Context, c *http.Client, sdk *awss3.Client, bucket, key string, size, whole, part int64, parallel int) error {
	presign := awss3.NewPresignClient(sdk)
	if size <= whole {
		req, err := presign.PresignPutObject(ctx, &awss3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), ContentLength: aws.Int64(size)})
		if err != nil {
			return err
		}
		_, err = putPart(ctx, c, req.URL, signedHeaders(req.SignedHeader), 0, size)
		return err
	}
	created, err := sdk.CreateMultipartUpload(ctx, &awss3.CreateMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return err
	}
	etags, err := sendParts(ctx, size, part, parallel, func(ctx context.Context, n int32, off, length int64) (string, error) {
		req, err := presign.PresignUploadPart(ctx, &awss3.UploadPartInput{Bucket: aws.String(bucket), Key: aws.String(key),
			UploadId: created.UploadId, PartNumber: aws.Int32(n), ContentLength: aws.Int64(length)})
		if err != nil {
			return "", err
		}
		return putPart(ctx, c, req.URL, signedHeaders(req.SignedHeader), off, length)
	})
	if err != nil {
		return err
	}
	done := make([]types.CompletedPart, len(etags))
	for i, e := range etags {
		done[i] = types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: aws.String(e)}
	}
	_, err = sdk.CompleteMultipartUpload(ctx, &awss3.CompleteMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String(key),
		UploadId: created.UploadId, MultipartUpload: &types.CompletedMultipartUpload{Parts: done}})
	return err
}

// signedHeaders are the headers a presigned request must carry, less those
// the HTTP client sets itself.
func signedHeaders(h http.Header) map[string]string {
	out := map[string]string{}
	for k, v := range h {
		switch strings.ToLower(k) {
		case "host", "content-length":
		default:
			out[k] = strings.Join(v, ",")
		}
	}
	return out
}

// sendFiles sends n files with send, at most at once at a time, as
// sticky's client script's queue sends the files chosen.
func sendFiles(ctx context.Context, n, at int, send func(ctx context.Context) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	next := make(chan struct{})
	var wg sync.WaitGroup
	for range min(at, n) {
		wg.Go(func() {
			for range next {
				if err := send(ctx); err != nil {
					cancel(err)
				}
			}
		})
	}
	for range n {
		if ctx.Err() != nil {
			break
		}
		next <- struct{}{}
	}
	close(next)
	wg.Wait()
	return context.Cause(ctx)
}

// sendParts sends the parts of a file of size bytes, part bytes each,
// parallel at once, with send, and returns their ETags in order.
func sendParts(ctx context.Context, size, part int64, parallel int, send func(ctx context.Context, n int32, off, length int64) (string, error)) ([]string, error) {
	count := int((size + part - 1) / part)
	etags := make([]string, count)
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(parallel, count) {
		wg.Go(func() {
			for i := range next {
				off := int64(i) * part
				etag, err := send(ctx, int32(i+1), off, min(part, size-off))
				if err != nil {
					cancel(fmt.Errorf("part %d: %w", i+1, err))
					continue
				}
				etags[i] = etag
			}
		})
	}
	for i := range count {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return nil, err
	}
	return etags, nil
}

// putPart PUTs length generated bytes from off to a presigned URL with the
// headers given, and returns the ETag.
func putPart(ctx context.Context, c *http.Client, link string, header map[string]string, off, length int64) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, link, newGenerator(off, length))
	if err != nil {
		return "", err
	}
	req.ContentLength = length
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("PUT %s: %s: %s", link, resp.Status, strings.TrimSpace(string(b)))
	}
	return resp.Header.Get("ETag"), nil
}
