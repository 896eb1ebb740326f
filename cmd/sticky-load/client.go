package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/stickyuploads/sticky"
)

// kind of upload.
const (
	oneShot = "one-shot"
	tus     = "tus"
)

// errAbort is how the client cuts a request body short on purpose.
var errAbort = errors.New("sticky-load: upload aborted on purpose")

// plan is what one upload does, drawn from the run's seed and the upload's
// index alone, so a run is repeatable.
type plan struct {
	index int
	user  string
	kind  string
	size  int64
	seed  uint64
	// abort: cut the upload at byte cut (one-shot, tus "cut" mode), or
	// stop before the PATCH that would send byte cut (tus "stop" mode).
	abort bool
	cut   int64
	stop  bool
}

func makePlan(c *config, index int) plan {
	r := rand.New(rand.NewPCG(c.seed, uint64(index)))
	p := plan{index: index, user: "user-" + strconv.Itoa(index%c.clients), seed: r.Uint64()}
	p.kind = oneShot
	if r.Float64() < c.tusShare {
		p.kind = tus
	}
	s := c.sizes[pickWeighted(r, c.weights)]
	p.size = s*3/4 + r.Int64N(s/4+1) // 75% to 100% of the class
	if p.size < 1 {
		p.size = 1
	}
	if r.Float64() < c.abort {
		p.abort = true
		p.cut = r.Int64N(p.size)
		p.stop = p.kind == tus && r.IntN(2) == 0
	}
	return p
}

func pickWeighted(r *rand.Rand, w []int) int {
	total := 0
	for _, x := range w {
		total += x
	}
	n := r.IntN(total)
	for i, x := range w {
		if n < x {
			return i
		}
		n -= x
	}
	return len(w) - 1
}

// source streams an upload's bytes from its seed, hashing what it hands out.
type source struct {
	gen  *rand.ChaCha8
	left int64
	sum  hash.Hash
	sent int64
}

func newSource(p plan) *source {
	var seed [32]byte
	binary.LittleEndian.PutUint64(seed[:], p.seed)
	binary.LittleEndian.PutUint64(seed[8:], uint64(p.index))
	return &source{gen: rand.NewChaCha8(seed), left: p.size, sum: sha256.New()}
}

func (s *source) Read(b []byte) (int, error) {
	if s.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(b)) > s.left {
		b = b[:s.left]
	}
	n, _ := s.gen.Read(b)
	s.sum.Write(b[:n])
	s.left -= int64(n)
	s.sent += int64(n)
	return n, nil
}

// result of one upload.
type result struct {
	plan
	ref     string
	sent    int64
	latency time.Duration
	err     error // unexpected: a failure of the run
	sum     string
}

type client struct {
	base  *url.URL
	http  *http.Client
	chunk int64 // tus PATCH size
}

func (c *client) do(p plan) result {
	res := result{plan: p}
	start := time.Now()
	src := newSource(p)
	if p.kind == oneShot {
		res.ref, res.err = c.oneShot(p, src)
	} else {
		res.ref, res.err = c.tus(p, src)
	}
	res.latency = time.Since(start)
	res.sent = src.sent
	res.sum = hex.EncodeToString(src.sum.Sum(nil))
	if p.abort {
		if res.ref != "" {
			res.err = fmt.Errorf("aborted %s upload %d yielded a reference", p.kind, p.index)
		}
		return res
	}
	if res.err == nil && res.ref == "" {
		res.err = fmt.Errorf("%s upload %d: no reference in the answer", p.kind, p.index)
	}
	if res.err != nil {
		return res
	}
	res.err = c.verify(p, res.ref, res.sum)
	return res
}

// oneShot posts the file to the endpoint, streaming the multipart body
// through a pipe; an aborted upload's pipe is closed with an error mid-file.
func (c *client) oneShot(p plan, src *source) (string, error) {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		err := func() error {
			if err := mw.WriteField("field", field); err != nil {
				return err
			}
			h := textproto.MIMEHeader{}
			h.Set("Content-Disposition", `form-data; name="upload"; filename="load.bin"`)
			h.Set("Content-Type", "application/octet-stream")
			part, err := mw.CreatePart(h)
			if err != nil {
				return err
			}
			if p.abort {
				if _, err := io.CopyN(part, src, p.cut); err != nil {
					return err
				}
				return errAbort
			}
			if _, err := io.Copy(part, src); err != nil {
				return err
			}
			return mw.Close()
		}()
		pw.CloseWithError(err)
	}()
	req, err := http.NewRequest(http.MethodPost, c.base.JoinPath("/uploads/").String(), pr)
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set(userHeader, p.user)
	resp, err := c.http.Do(req)
	pr.CloseWithError(errAbort) // let the writer go when the answer came early
	if err != nil {
		if p.abort {
			return "", nil
		}
		return "", err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var rep struct {
		Stored string `json:"stored"`
	}
	json.Unmarshal(body, &rep)
	if resp.StatusCode != http.StatusOK {
		if p.abort {
			return rep.Stored, nil
		}
		return "", fmt.Errorf("one-shot upload %d: %s: %s", p.index, resp.Status, bytes.TrimSpace(body))
	}
	return rep.Stored, nil
}

// tus creates the upload, then sends it in PATCHes of chunk bytes; an
// aborted upload stops before some PATCH or cuts one mid-way.
func (c *client) tus(p plan, src *source) (string, error) {
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	req, _ := http.NewRequest(http.MethodPost, c.base.JoinPath("/uploads/tus/").String(), nil)
	req.Header.Set("Tus-Resumable", "1.0.0")
	req.Header.Set("Upload-Length", strconv.FormatInt(p.size, 10))
	req.Header.Set("Upload-Metadata", "filename "+b64("load.bin")+",filetype "+b64("application/octet-stream")+",field "+b64(field))
	req.Header.Set(userHeader, p.user)
	resp, err := c.http.Do(req)
	if err != nil {
		return "", fmt.Errorf("tus create %d: %w", p.index, err)
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		return "", fmt.Errorf("tus create %d: %s: %s", p.index, resp.Status, bytes.TrimSpace(body))
	}
	loc, err := c.base.Parse(resp.Header.Get("Location"))
	if err != nil || resp.Header.Get("Location") == "" {
		return "", fmt.Errorf("tus create %d: bad Location %q", p.index, resp.Header.Get("Location"))
	}
	chunk := c.chunk
	for off := int64(0); off < p.size; {
		n := min(chunk, p.size-off)
		cutHere := p.abort && p.cut < off+n
		if cutHere && p.stop {
			return "", nil // never finished
		}
		var body io.Reader = io.LimitReader(src, n)
		length := n
		if cutHere {
			pr, pw := io.Pipe()
			go func() {
				_, err := io.CopyN(pw, src, p.cut-off)
				if err == nil {
					err = errAbort
				}
				pw.CloseWithError(err)
			}()
			body, length = pr, -1
			defer pr.CloseWithError(errAbort)
		}
		req, _ := http.NewRequest(http.MethodPatch, loc.String(), body)
		req.ContentLength = length
		req.Header.Set("Tus-Resumable", "1.0.0")
		req.Header.Set("Upload-Offset", strconv.FormatInt(off, 10))
		req.Header.Set("Content-Type", "application/offset+octet-stream")
		req.Header.Set(userHeader, p.user)
		resp, err := c.http.Do(req)
		if cutHere {
			if err != nil {
				return "", nil
			}
			io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
			return resp.Header.Get(sticky.RefHeader), nil
		}
		if err != nil {
			return "", fmt.Errorf("tus PATCH %d at %d: %w", p.index, off, err)
		}
		body2, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		if resp.StatusCode != http.StatusNoContent {
			return "", fmt.Errorf("tus PATCH %d at %d: %s: %s", p.index, off, resp.Status, bytes.TrimSpace(body2))
		}
		next, err := strconv.ParseInt(resp.Header.Get("Upload-Offset"), 10, 64)
		if err != nil || next != off+n {
			return "", fmt.Errorf("tus PATCH %d at %d: Upload-Offset %q, want %d", p.index, off, resp.Header.Get("Upload-Offset"), off+n)
		}
		off = next
		if off == p.size {
			return resp.Header.Get(sticky.RefHeader), nil
		}
	}
	return "", fmt.Errorf("tus %d: no PATCH completed the upload", p.index)
}

// verify asks the server for the SHA-256 of the stored bytes of ref, which
// it then discards, and compares it with the client's.
func (c *client) verify(p plan, ref, sum string) error {
	form := url.Values{"_" + field: {ref}}
	req, _ := http.NewRequest(http.MethodPost, c.base.JoinPath("/verify").String(), strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set(userHeader, p.user)
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("verify %s upload %d: %w", p.kind, p.index, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("verify %s upload %d: %s: %s", p.kind, p.index, resp.Status, bytes.TrimSpace(body))
	}
	var v verifyReply
	if err := json.Unmarshal(body, &v); err != nil {
		return fmt.Errorf("verify %s upload %d: %w", p.kind, p.index, err)
	}
	if v.SHA256 != sum || v.Size != p.size {
		return fmt.Errorf("%w: %s upload %d: stored %d bytes sha256 %s, sent %d bytes sha256 %s", errMismatch, p.kind, p.index, v.Size, v.SHA256, p.size, sum)
	}
	return nil
}

var errMismatch = errors.New("SHA-256 mismatch")
