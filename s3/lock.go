package s3

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
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/tus/tusd/v2/pkg/handler"
)

// Defaults of Locker.
const (
	DefaultLockLease = 30 * time.Second
	DefaultLockPoll  = 250 * time.Millisecond
)

// Locker keeps apart the requests to one resumable upload across every
// server that shares the bucket: what tusd's in-memory locker does within
// one process. Set it as sticky.Config.Locker on each server; Store.Locker
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
type Locker struct {
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
	PutObject(context.Context, *awss3.PutObjectInput, ...func(*awss3.Options)) (*awss3.PutObjectOutput, error)
	GetObject(context.Context, *awss3.GetObjectInput, ...func(*awss3.Options)) (*awss3.GetObjectOutput, error)
	DeleteObject(context.Context, *awss3.DeleteObjectInput, ...func(*awss3.Options)) (*awss3.DeleteObjectOutput, error)
}

// Locker returns a locker that keeps its locks in the store's bucket, under
// its prefix, for sticky.Config.Locker. Every server sharing the bucket must use
// one.
func (s *Store) Locker() *Locker {
	data, _ := s.prefixes()
	return &Locker{client: s.store.Service, bucket: s.store.Bucket, prefix: data + "locks/", now: time.Now}
}

// NewLock implements handler.Locker.
func (l *Locker) NewLock(id string) (handler.Lock, error) {
	if id == "" {
		return nil, errors.New("sticky/s3: a lock needs an upload id")
	}
	var b [12]byte
	rand.Read(b[:])
	return &lock{l: l, key: l.prefix + id, token: hex.EncodeToString(b[:])}, nil
}

func (l *Locker) lease() time.Duration {
	if l.Lease > 0 {
		return l.Lease
	}
	return DefaultLockLease
}

func (l *Locker) poll() time.Duration {
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

// lock is one upload's lock, as one request takes it.
type lock struct {
	l     *Locker
	key   string // the lock object
	token string // this lock's, written in the lock and its release requests

	mu   sync.Mutex
	etag string        // of the lock object while held
	stop chan struct{} // closes to end the holder's loop
	done chan struct{} // closed when it has ended
}

// Lock implements handler.Lock: it takes the lock, waiting while another
// holds it (and asking it to let go), until ctx ends.
func (k *lock) Lock(ctx context.Context, requestUnlock func()) error {
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
			if _, err := k.l.client.PutObject(ctx, &awss3.PutObjectInput{
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
func (k *lock) failed(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return handler.ErrLockTimeout
	}
	return fmt.Errorf("sticky/s3: locking an upload in s3://%s/%s: %w", k.l.bucket, k.key, err)
}

// write puts the lock object, held by this lock until a lease from now:
// only if there is none (create), or only over the version match.
func (k *lock) write(ctx context.Context, rec lockRecord, match string, create bool) (string, error) {
	rec.Holder = k.token
	rec.Until = k.l.now().Add(k.l.lease()).UnixMilli()
	body, _ := json.Marshal(rec)
	in := &awss3.PutObjectInput{
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
func (k *lock) read(ctx context.Context, key string) (lockRecord, string, error) {
	out, err := k.l.client.GetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String(k.l.bucket), Key: aws.String(key)})
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
func (k *lock) hold(etag string, requestUnlock func()) {
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
func (k *lock) Unlock() error {
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
	k.l.client.DeleteObject(ctx, &awss3.DeleteObjectInput{Bucket: aws.String(k.l.bucket), Key: aws.String(k.key + ".release")})
	_, err := k.l.client.DeleteObject(ctx, &awss3.DeleteObjectInput{
		Bucket: aws.String(k.l.bucket), Key: aws.String(k.key), IfMatch: aws.String(etag),
	})
	switch {
	case err == nil, conflict(err), notFound(err):
		// Let go, or taken over by another.
		return nil
	default:
		// A server without conditional deletes: the lock was renewed
		// until a moment ago, so it is still this one's.
		_, err = k.l.client.DeleteObject(ctx, &awss3.DeleteObjectInput{Bucket: aws.String(k.l.bucket), Key: aws.String(k.key)})
	}
	if err != nil && !notFound(err) {
		return fmt.Errorf("sticky/s3: unlocking an upload in s3://%s/%s: %w", k.l.bucket, k.key, err)
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

// Tidy removes what servers that died left: lock objects last written
// before t whose lease has run out, release requests last written before t
// (a waiting request renews its own), claims last written before t
// (see Claim), objects sent straight to the bucket that nobody claimed
// (see Adopt), and part files left in Config.PartDir. It implements
// sticky.Tidier; Uploader.Sweep calls it.
func (s *Store) Tidy(ctx context.Context, t time.Time) (removed int, err error) {
	removed, err = s.removeStaleClaims(ctx, t)
	n, lerr := s.removeStaleLocks(ctx, t)
	m, uerr := s.removeUnadopted(ctx, t)
	p, perr := s.removeStaleParts(t)
	return removed + n + m + p, errors.Join(err, lerr, uerr, perr)
}

// removeStaleLocks removes the locks and release requests of servers that
// died, last written before t.
func (s *Store) removeStaleLocks(ctx context.Context, t time.Time) (removed int, err error) {
	l := s.Locker()
	client, ok := l.client.(lister)
	if !ok {
		return 0, nil // cannot list: sweeping has said so already
	}
	pages := awss3.NewListObjectsV2Paginator(client, &awss3.ListObjectsV2Input{
		Bucket: aws.String(l.bucket),
		Prefix: aws.String(l.prefix),
	})
	var errs []error
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return removed, fmt.Errorf("sticky/s3: listing s3://%s/%s: %w", l.bucket, l.prefix, err)
		}
		for _, o := range page.Contents {
			key := aws.ToString(o.Key)
			if !aws.ToTime(o.LastModified).Before(t) {
				continue
			}
			in := &awss3.DeleteObjectInput{Bucket: aws.String(l.bucket), Key: aws.String(key)}
			if !strings.HasSuffix(key, ".release") {
				k := &lock{l: l, key: key}
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
			_, err := l.client.DeleteObject(ctx, in)
			switch {
			case err == nil:
				removed++
			case !notFound(err) && !conflict(err):
				errs = append(errs, fmt.Errorf("sticky/s3: removing the stale lock s3://%s/%s: %w", l.bucket, key, err))
			}
		}
	}
	return removed, errors.Join(errs...)
}
