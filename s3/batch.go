package s3

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/stickyuploads/sticky"
)

// PresignParts presigns the PUTs of several parts of a multipart upload:
// the first with the SDK, as PresignPart does, and the others by signing
// that request again with each part's number, size and checksum, which
// costs a fraction of a presigning through the SDK's middleware. It
// implements sticky.BatchPresigner.
func (s *Store) PresignParts(ctx context.Context, name, uploadID string, parts []sticky.DirectPart, expires time.Duration) ([]sticky.SignedPart, error) {
	if len(parts) == 0 {
		return nil, nil
	}
	first, header, err := s.PresignPart(ctx, name, uploadID, parts[0], expires)
	if err != nil {
		return nil, err
	}
	out := make([]sticky.SignedPart, len(parts))
	out[0] = sticky.SignedPart{URL: first, Header: header}
	if len(parts) == 1 {
		return out, nil
	}
	same := true // all parts with a checksum, or none: the first's request fits them all
	for _, p := range parts {
		same = same && (p.SHA256 == "") == (parts[0].SHA256 == "")
	}
	if !same {
		for i, p := range parts[1:] {
			if out[i+1].URL, out[i+1].Header, err = s.PresignPart(ctx, name, uploadID, p, expires); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	tmpl, err := url.Parse(first)
	if err != nil {
		return nil, fmt.Errorf("sticky/s3: presigning parts: %w", err)
	}
	q := tmpl.Query()
	// The scope the SDK signed in: KEY/DATE/REGION/SERVICE/aws4_request.
	scope := strings.Split(q.Get("X-Amz-Credential"), "/")
	if len(scope) != 5 || q.Get("X-Amz-Algorithm") != "AWS4-HMAC-SHA256" {
		return nil, errors.New("sticky/s3: presigning parts: the SDK's presigned URL is not signed with SigV4")
	}
	region, service := scope[2], scope[3]
	creds, err := s.Client().Options().Credentials.Retrieve(ctx)
	if err != nil {
		return nil, fmt.Errorf("sticky/s3: presigning parts: %w", err)
	}
	for _, k := range []string{"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Signature", "X-Amz-Security-Token"} {
		q.Del(k)
	}
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true }) // as the SDK signs for S3
	now := time.Now()
	for i, part := range parts[1:] {
		q.Set("partNumber", strconv.Itoa(int(part.Number)))
		u := *tmpl
		u.RawQuery = q.Encode()
		req, err := http.NewRequestWithContext(ctx, http.MethodPut, u.String(), http.NoBody)
		if err != nil {
			return nil, err
		}
		req.ContentLength = part.Size // signed when above 0
		if part.SHA256 != "" {
			req.Header.Set("X-Amz-Checksum-Sha256", part.SHA256)
		}
		link, signed, err := signer.PresignHTTP(ctx, creds, req, "UNSIGNED-PAYLOAD", service, region, now)
		if err != nil {
			return nil, fmt.Errorf("sticky/s3: presigning part %d: %w", part.Number, err)
		}
		out[i+1] = sticky.SignedPart{URL: link, Header: browserHeaders(signed)}
	}
	return out, nil
}

var _ sticky.BatchPresigner = (*Store)(nil)
