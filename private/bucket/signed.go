package bucket

import (
	"errors"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stickyuploads/sticky/private"
	"gocloud.dev/blob"
)

// DefaultSignedURLExpiry is SignedRedirect's Expiry when it has none.
const DefaultSignedURLExpiry = time.Minute

// SignedRedirect is the private.Sender that has the bucket send the files
// of Files: a GET is answered "302 Found" to a signed URL of the object
// that works for Expiry, so the bytes go from the bucket to the browser
// without passing through the app. The redirect itself is never cached. A
// HEAD is answered by Go, as by private.Stream, since a signed URL is good
// for one method only.
//
// For S3 (gocloud.dev/blob/s3blob) the URL makes S3 answer with the
// handler's Content-Type, Content-Disposition and Cache-Control, so the file
// downloads under its name and type. Other services answer with what is
// stored with the object (sticky.Permanent stores the name and type); for
// Google Cloud Storage, BeforeSign can set them in the URL. S3 sends no
// X-Content-Type-Options or Content-Security-Policy of its own: the bucket's
// origin must be another than the app's (as it is unless a proxy maps
// them together).
type SignedRedirect struct {
	// Expiry is how long the signed URL works. Default:
	// DefaultSignedURLExpiry. Keep it short: whoever has the URL can
	// download the file until then.
	Expiry time.Duration

	// BeforeSign, when set, is called with the driver's signing options
	// after SignedRedirect has set its own (see blob.SignedURLOptions).
	BeforeSign func(as func(any) bool, f *private.File) error
}

// Send implements private.Sender.
func (s SignedRedirect) Send(w http.ResponseWriter, r *http.Request, f *private.File) error {
	o, ok := f.Content().(*object)
	if !ok {
		return errors.New("bucket: SignedRedirect serves files of Files only")
	}
	if r.Method == http.MethodHead {
		return private.Stream{}.Send(w, r, f)
	}
	expiry := s.Expiry
	if expiry <= 0 {
		expiry = DefaultSignedURLExpiry
	}
	h := w.Header()
	typ, disposition, cache := h.Get("Content-Type"), h.Get("Content-Disposition"), h.Get("Cache-Control")
	u, err := o.bucket.SignedURL(r.Context(), o.key, &blob.SignedURLOptions{
		Expiry: expiry,
		Method: http.MethodGet,
		BeforeSign: func(as func(any) bool) error {
			var in *s3.GetObjectInput
			if as(&in) {
				in.ResponseContentType = aws.String(typ)
				in.ResponseContentDisposition = aws.String(disposition)
				in.ResponseCacheControl = aws.String(cache)
			}
			if s.BeforeSign != nil {
				return s.BeforeSign(as, f)
			}
			return nil
		},
	})
	if err != nil {
		return err
	}
	// The redirect is not the file: it must not be kept, nor say what the
	// file's headers are.
	for _, k := range []string{"Content-Type", "Content-Disposition", "Content-Security-Policy"} {
		h.Del(k)
	}
	h.Set("Cache-Control", "no-store")
	h.Set("Location", u)
	w.WriteHeader(http.StatusFound)
	return nil
}
