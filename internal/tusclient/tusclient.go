// Package tusclient speaks the client side of tus 1.0 with net/http alone,
// for the tests of sticky's resumable endpoint: creation (with or without
// the first bytes), offset, append, checksums and termination, nothing
// hidden, every response kept for the test to look at.
//
// Its own tests run the real tus-js-client, in node, against the endpoint.
package tusclient

import (
	"bytes"
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Client talks to one tus endpoint.
type Client struct {
	// Endpoint is the URL uploads are created at, such as
	// "http://127.0.0.1:8080/uploads/tus/".
	Endpoint string
	// Header is sent with every request: the identity, say.
	Header http.Header
	// HTTP sends the requests. Default: http.DefaultClient.
	HTTP *http.Client
	// Checksum, when set ("sha1" or "sha256"), sends the digest of every
	// chunk in Upload-Checksum (the checksum extension).
	Checksum string
}

// StatusChecksumMismatch answers a chunk that does not match its checksum.
const StatusChecksumMismatch = 460

// UploadChecksum returns the Upload-Checksum header of chunk b under algo,
// "sha1" or "sha256"; any other algo is sent as it is, with a SHA-256.
func UploadChecksum(algo string, b []byte) string {
	var sum []byte
	if algo == "sha1" {
		s := sha1.Sum(b)
		sum = s[:]
	} else {
		s := sha256.Sum256(b)
		sum = s[:]
	}
	return algo + " " + base64.StdEncoding.EncodeToString(sum)
}

// withChecksum sets Upload-Checksum in h for the chunk body, when the
// client sends checksums, and returns the body to send.
func (c *Client) withChecksum(h http.Header, body io.Reader) (io.Reader, error) {
	if c.Checksum == "" || body == nil {
		return body, nil
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return nil, err
	}
	h.Set("Upload-Checksum", UploadChecksum(c.Checksum, b))
	return bytes.NewReader(b), nil
}

// Response is what the server answered.
type Response struct {
	Status int
	Header http.Header
	Body   string
}

func (r *Response) String() string {
	return fmt.Sprintf("%d %s", r.Status, strings.TrimSpace(r.Body))
}

// Options asks what the server supports.
func (c *Client) Options(ctx context.Context) (*Response, error) {
	return c.do(ctx, http.MethodOptions, c.Endpoint, nil, nil)
}

// Create creates an upload of size bytes with the metadata meta and
// returns its URL, resolved against Endpoint. When body is not nil, it is
// sent with the creation (creation-with-upload).
func (c *Client) Create(ctx context.Context, size int64, meta map[string]string, body io.Reader) (string, *Response, error) {
	h := http.Header{"Upload-Length": {strconv.FormatInt(size, 10)}}
	if len(meta) > 0 {
		h.Set("Upload-Metadata", Metadata(meta))
	}
	if body != nil {
		h.Set("Content-Type", "application/offset+octet-stream")
	}
	body, err := c.withChecksum(h, body)
	if err != nil {
		return "", nil, err
	}
	res, err := c.do(ctx, http.MethodPost, c.Endpoint, h, body)
	if err != nil {
		return "", nil, err
	}
	loc := res.Header.Get("Location")
	if loc == "" {
		return "", res, nil
	}
	u, err := c.resolve(loc)
	return u, res, err
}

// Offset asks how many bytes of the upload at u the server has.
func (c *Client) Offset(ctx context.Context, u string) (int64, *Response, error) {
	res, err := c.do(ctx, http.MethodHead, u, nil, nil)
	if err != nil {
		return 0, nil, err
	}
	if res.Status != http.StatusOK {
		return 0, res, nil
	}
	n, err := strconv.ParseInt(res.Header.Get("Upload-Offset"), 10, 64)
	if err != nil {
		return 0, res, fmt.Errorf("tusclient: Upload-Offset %q: %w", res.Header.Get("Upload-Offset"), err)
	}
	return n, res, nil
}

// Patch appends body to the upload at u, whose bytes up to offset the
// server has.
func (c *Client) Patch(ctx context.Context, u string, offset int64, body io.Reader) (*Response, error) {
	h := http.Header{
		"Upload-Offset": {strconv.FormatInt(offset, 10)},
		"Content-Type":  {"application/offset+octet-stream"},
	}
	body, err := c.withChecksum(h, body)
	if err != nil {
		return nil, err
	}
	return c.do(ctx, http.MethodPatch, u, h, body)
}

// Delete terminates the upload at u.
func (c *Client) Delete(ctx context.Context, u string) (*Response, error) {
	return c.do(ctx, http.MethodDelete, u, nil, nil)
}

// Send uploads data, or what is left of it, to the upload at u, in chunks
// of at most chunk bytes, starting from the offset the server reports. A
// chunk refused for its checksum (460) is sent again, up to 3 times. It
// returns the last response, which completes the upload when it is a
// success.
func (c *Client) Send(ctx context.Context, u string, data []byte, chunk int) (*Response, error) {
	offset, res, err := c.Offset(ctx, u)
	if err != nil || res.Status != http.StatusOK {
		return res, err
	}
	resent := 0
	for offset < int64(len(data)) {
		end := min(offset+int64(chunk), int64(len(data)))
		res, err = c.Patch(ctx, u, offset, bytes.NewReader(data[offset:end]))
		if err == nil && res.Status == StatusChecksumMismatch && resent < 3 {
			resent++
			continue
		}
		if err != nil || res.Status != http.StatusNoContent {
			return res, err
		}
		if offset, err = strconv.ParseInt(res.Header.Get("Upload-Offset"), 10, 64); err != nil {
			return res, fmt.Errorf("tusclient: Upload-Offset %q: %w", res.Header.Get("Upload-Offset"), err)
		}
	}
	return res, nil
}

func (c *Client) do(ctx context.Context, method, u string, h http.Header, body io.Reader) (*Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, err
	}
	for k, v := range c.Header {
		req.Header[k] = slices.Clone(v)
	}
	for k, v := range h {
		req.Header[k] = v
	}
	req.Header.Set("Tus-Resumable", "1.0.0")
	client := c.HTTP
	if client == nil {
		client = http.DefaultClient
	}
	res, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	return &Response{Status: res.StatusCode, Header: res.Header, Body: string(b)}, nil
}

func (c *Client) resolve(loc string) (string, error) {
	base, err := url.Parse(c.Endpoint)
	if err != nil {
		return "", err
	}
	ref, err := url.Parse(loc)
	if err != nil {
		return "", fmt.Errorf("tusclient: Location %q: %w", loc, err)
	}
	return base.ResolveReference(ref).String(), nil
}

// Metadata encodes meta as the Upload-Metadata header: "key base64(value)"
// pairs, comma-separated, in the order of the keys.
func Metadata(meta map[string]string) string {
	keys := make([]string, 0, len(meta))
	for k := range meta {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	pairs := make([]string, len(keys))
	for i, k := range keys {
		pairs[i] = k + " " + base64.StdEncoding.EncodeToString([]byte(meta[k]))
	}
	return strings.Join(pairs, ",")
}
