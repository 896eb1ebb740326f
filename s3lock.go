package sticky

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/tus/tusd/v2/pkg/handler"
)

// Defaults of S3Locker.
const (
	DefaultLockLease = 30 * time.Second
	DefaultLockPoll  = 250 * time.Millisecond
)

// S3Locker keeps apart the requests to one resumable upload across every
// server that shares the bucket: what tusd's in-memory locker does within
// one process. Set it as Config.Locker on each server; S3Uploads.Locker
// makes one.
//
// A lock is an object under the store's prefix, in locks/, created with a
// conditional write (If-None-Match: *), which S3 and most S3-compatible
// servers (versitygw, MinIO, R2) make atomic. Its holder renews it every
// third of its lease; a lock whose holder died is taken over once its lease
// has run out. A request that waits for a lock leaves a release request
// beside it, which the holder sees within Poll and answers by stopping its
// request, as tusd asks of a lock holder. Each held lock costs about one
// request to the bucket per Poll.
type S3Locker struct {
	// Lease is how long a lock holds without being renewed: the longest a
	// server that dies holding a lock keeps its upload locked. Default:
	// DefaultLockLease. The servers' clocks must agree to well within it.
	Lease time.Duration
	// Poll is how often a waiting request tries again and a holder looks
	// for release requests. Default: DefaultLockPoll.
	Poll time.Duration

	client lockAPI
	bucket string
	prefix string // of the lock objects, ending in "locks/"
	now    func() time.Time
}

// lockAPI is what the locker needs of an S3 client.
type lockAPI interface {
	PutObject(context.Context, *s3.PutObjectInput, ...func(*s3.Options)) (*s3.PutObjectOutput, error)
	GetObject(context.Context, *s3.GetObjectInput, ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	DeleteObject(context.Context, *s3.DeleteObjectInput, ...func(*s3.Options)) (*s3.DeleteObjectOutput, error)
}

// Locker returns a locker that keeps its locks in the store's bucket, under
// its prefix, for Config.Locker. Every server sharing the bucket must use
// one.
func (s *S3Uploads) Locker() *S3Locker {
	data, _ := s.prefixes()
	return &S3Locker{client: s.store.Service, bucket: s.store.Bucket, prefix: data + "locks/", now: time.Now}
}

// NewLock implements handler.Locker.
func (l *S3Locker) NewLock(id string) (handler.Lock, error) {
	if id == "" {
		return nil, errors.New("sticky: a lock needs an upload id")
	}
	var b [12]byte
	rand.Read(b[:])
	return &s3Lock{l: l, key: l.prefix + id, token: hex.EncodeToString(b[:])}, nil
}

func (l *S3Locker) lease() time.Duration {
	if l.Lease > 0 {
		return l.Lease
	}
	return DefaultLockLease
}

func (l *S3Locker) poll() time.Duration {
	if l.Poll > 0 {
		return l.Poll
	}
	return DefaultLockPoll
}

// lockRecord is the body of a lock object, and of a release request.
type lockRecord struct {
	Holder string `json:"holder"`          // the lock's token
	Until  int64  `json:"until,omitempty"` // the lease's end, Unix milliseconds
	Seq    int    `json:"seq,omitempty"`   // renewals, so that each write has its own ETag
}

// s3Lock is one upload's lock, as one request takes it.
type s3Lock struct {
	l     *S3Locker
	key   string // the lock object
	token string // this lock's, written in the lock and its release requests

	mu   sync.Mutex
	etag string        // of the lock object while held
	stop chan struct{} // closes to end the holder's loop
	done chan struct{} // closed when it has ended
}

// Lock implements handler.Lock: it takes the lock, waiting while another
// holds it (and asking it to let go), until ctx ends.
func (k *s3Lock) Lock(ctx context.Context, requestUnlock func()) error {
	var asked time.Time
	for {
		etag, err := k.write(ctx, lockRecord{}, "", true)
		if err == nil {
			k.hold(etag, requestUnlock)
			return nil
		}
		if !conflict(err) {
			return k.failed(ctx, err)
		}
		// Held. Take it over if its holder has stopped renewing it.
		cur, curTag, err := k.read(ctx, k.key)
		switch {
		case notFound(err):
			continue // let go meanwhile
		case err != nil:
			return k.failed(ctx, err)
		case cur.Until < k.l.now().UnixMilli():
			etag, err := k.write(ctx, lockRecord{}, curTag, false)
			if err == nil {
				k.hold(etag, requestUnlock)
				return nil
			}
			if !conflict(err) && !notFound(err) {
				return k.failed(ctx, err)
			}
			continue
		}
		// Ask the holder to let go, again now and then in case the request
		// was removed by an earlier holder letting go.
		if k.l.now().Sub(asked) >= 8*k.l.poll() {
			body, _ := json.Marshal(lockRecord{Holder: k.token})
			if _, err := k.l.client.PutObject(ctx, &s3.PutObjectInput{
				Bucket: aws.String(k.l.bucket), Key: aws.String(k.key + ".release"),
				Body: bytes.NewReader(body), ContentLength: aws.Int64(int64(len(body))),
			}); err != nil {
				return k.failed(ctx, err)
			}
			asked = k.l.now()
		}
		select {
		case <-ctx.Done():
			return handler.ErrLockTimeout
		case <-time.After(k.l.poll()):
		}
	}
}

// failed is the error of a Lock that could not go on.
func (k *s3Lock) failed(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return handler.ErrLockTimeout
	}
	return fmt.Errorf("sticky: locking an upload in s3://%s/%s: %w", k.l.bucket, k.key, err)
}

// write puts the lock object, held by this lock until a lease from now:
// only if there is none (create), or only over the version match.
func (k *s3Lock) write(ctx context.Context, rec lockRecord, match string, create bool) (string, error) {
	rec.Holder = k.token
	rec.Until = k.l.now().Add(k.l.lease()).UnixMilli()
	body, _ := json.Marshal(rec)
	in := &s3.PutObjectInput{
		Bucket: aws.String(k.l.bucket), Key: aws.String(k.key),
		Body: bytes.NewReader(body), ContentLength: aws.Int64(int64(len(body))),
		ContentType: aws.String("application/json"),
	}
	if create {
		in.IfNoneMatch = aws.String("*")
	} else {
		in.IfMatch = aws.String(match)
	}
	out, err := k.l.client.PutObject(ctx, in)
	if err != nil {
		return "", err
	}
	return aws.ToString(out.ETag), nil
}

// read returns the record in the object at key and its ETag.
func (k *s3Lock) read(ctx context.Context, key string) (lockRecord, string, error) {
	out, err := k.l.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(k.l.bucket), Key: aws.String(key)})
	if err != nil {
		return lockRecord{}, "", err
	}
	defer out.Body.Close()
	var rec lockRecord
	b, err := io.ReadAll(io.LimitReader(out.Body, 4096))
	if err != nil {
		return rec, "", err
	}
	// A body that is not a record (another program's object) reads as a
	// lock long expired, which is taken over.
	json.Unmarshal(b, &rec)
	return rec, aws.ToString(out.ETag), nil
}

// hold starts renewing the lock and watching for release requests.
func (k *s3Lock) hold(etag string, requestUnlock func()) {
	k.mu.Lock()
	k.etag = etag
	k.stop, k.done = make(chan struct{}), make(chan struct{})
	stop, done := k.stop, k.done
	k.mu.Unlock()
	go func() {
		defer close(done)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go func() {
			select {
			case <-stop:
			case <-done:
			}
			cancel()
		}()
		tick := time.NewTicker(k.l.poll())
		defer tick.Stop()
		renewed, seq, asked := k.l.now(), 0, false
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			if k.l.now().Sub(renewed) >= k.l.lease()/3 {
				seq++
				k.mu.Lock()
				match := k.etag
				k.mu.Unlock()
				etag, err := k.write(ctx, lockRecord{Seq: seq}, match, false)
				switch {
				case err == nil:
					k.mu.Lock()
					k.etag = etag
					k.mu.Unlock()
					renewed = k.l.now()
				case ctx.Err() != nil:
					return
				case conflict(err) || notFound(err):
					// Taken over: this request must stop at once.
					if !asked {
						requestUnlock()
					}
					return
				}
			}
			if !asked {
				rec, _, err := k.read(ctx, k.key+".release")
				if err == nil && rec.Holder != k.token {
					asked = true
					requestUnlock()
				}
			}
		}
	}()
}

// Unlock implements handler.Lock: it stops renewing the lock and removes
// it, with the release requests that were waiting on it.
func (k *s3Lock) Unlock() error {
	k.mu.Lock()
	stop, done, etag := k.stop, k.done, k.etag
	k.stop, k.etag = nil, ""
	k.mu.Unlock()
	if stop == nil {
		return nil
	}
	close(stop)
	<-done
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	k.l.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(k.l.bucket), Key: aws.String(k.key + ".release")})
	_, err := k.l.client.DeleteObject(ctx, &s3.DeleteObjectInput{
		Bucket: aws.String(k.l.bucket), Key: aws.String(k.key), IfMatch: aws.String(etag),
	})
	switch {
	case err == nil, conflict(err), notFound(err):
		// Let go, or taken over by another.
		return nil
	default:
		// A server without conditional deletes: the lock was renewed
		// until a moment ago, so it is still this one's.
		_, err = k.l.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(k.l.bucket), Key: aws.String(k.key)})
	}
	if err != nil && !notFound(err) {
		return fmt.Errorf("sticky: unlocking an upload in s3://%s/%s: %w", k.l.bucket, k.key, err)
	}
	return nil
}

// httpStatus is the HTTP status of an S3 error, or 0.
func httpStatus(err error) int {
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

// conflict reports whether a conditional write lost: the object is there
// (or changed), or another conditional write to it was under way.
func conflict(err error) bool {
	s := httpStatus(err)
	return s == http.StatusPreconditionFailed || s == http.StatusConflict
}

func notFound(err error) bool { return httpStatus(err) == http.StatusNotFound }

// removeStaleLocks removes what servers that died left of their locks:
// lock objects last written before t whose lease has run out, and release
// requests last written before t (a waiting request renews its own).
func (s *S3Uploads) removeStaleLocks(ctx context.Context, t time.Time) error {
	l := s.Locker()
	client, ok := l.client.(s3Lister)
	if !ok {
		return nil // cannot list: sweeping has said so already
	}
	pages := s3.NewListObjectsV2Paginator(client, &s3.ListObjectsV2Input{
		Bucket: aws.String(l.bucket),
		Prefix: aws.String(l.prefix),
	})
	var errs []error
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("sticky: listing s3://%s/%s: %w", l.bucket, l.prefix, err)
		}
		for _, o := range page.Contents {
			key := aws.ToString(o.Key)
			if !aws.ToTime(o.LastModified).Before(t) {
				continue
			}
			in := &s3.DeleteObjectInput{Bucket: aws.String(l.bucket), Key: aws.String(key)}
			if !strings.HasSuffix(key, ".release") {
				k := &s3Lock{l: l, key: key}
				rec, etag, err := k.read(ctx, key)
				if notFound(err) || err == nil && rec.Until >= l.now().UnixMilli() {
					continue // let go meanwhile, or held
				}
				if err != nil {
					errs = append(errs, err)
					continue
				}
				in.IfMatch = aws.String(etag) // unless renewed meanwhile
			}
			if _, err := l.client.DeleteObject(ctx, in); err != nil && !notFound(err) && !conflict(err) {
				errs = append(errs, fmt.Errorf("sticky: removing the stale lock s3://%s/%s: %w", l.bucket, key, err))
			}
		}
	}
	return errors.Join(errs...)
}
