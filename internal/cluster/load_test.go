package cluster

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/textproto"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The load client of TestFaults: people who sign in once, then each
// choose files (one-shot or tus), submit the new-document form with the
// reference, and at the end download every document they believe kept.
// They retry as the client script and its user do (client/src): tus
// requests after a backoff, resuming from the server's offset; one-shot
// uploads, form posts and downloads as a person clicking "retry" or
// reloading would.

// loadConfig is the size of a load run.
type loadConfig struct {
	clients  int     // people at once, each with a session of their own
	users    int     // accounts they share (clients % users)
	uploads  int     // in all
	sizes    []int64 // classes, picked equally often; a file is 75-100% of its class
	tusShare float64 // share of uploads made with tus
	chunk    int64   // tus PATCH size
	seed     uint64
}

// loadPlan is one upload, drawn from the seed and its index alone.
type loadPlan struct {
	index int
	tus   bool
	size  int64
	seed  uint64
}

func (c loadConfig) plan(i int) loadPlan {
	r := rand.New(rand.NewPCG(c.seed, uint64(i)))
	p := loadPlan{index: i, tus: r.Float64() < c.tusShare, seed: r.Uint64()}
	s := c.sizes[r.IntN(len(c.sizes))]
	p.size = max(s*3/4+r.Int64N(s/4+1), 64)
	return p
}

func (p loadPlan) title() string { return fmt.Sprintf("load %d", p.index) }
func (p loadPlan) name() string  { return fmt.Sprintf("load-%d.pdf", p.index) }

// pdfHeader makes the bytes sniff as a PDF, which the demo accepts.
const pdfHeader = "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"

// content returns the upload's bytes from offset on, made again from its
// seed for every try, never held whole.
func (p loadPlan) content(offset int64) io.Reader {
	var seed [32]byte
	binary.LittleEndian.PutUint64(seed[:], p.seed)
	binary.LittleEndian.PutUint64(seed[8:], uint64(p.index))
	r := io.MultiReader(strings.NewReader(pdfHeader), rand.NewChaCha8(seed))
	r = io.LimitReader(r, p.size)
	io.CopyN(io.Discard, r, offset)
	return r
}

func (p loadPlan) sum() [32]byte {
	h := sha256.New()
	io.Copy(h, p.content(0))
	return [32]byte(h.Sum(nil))
}

// As the client script: a lost connection, an offset conflict, a lock, 429
// and 5xx but 501 and 507 are worth another try, after 1, 2, 4, 8, 16, 16…
// s; eight tries, counted again after progress.
const maxTries = 8

func retryable(status int) bool {
	return status == 0 || status == 409 || status == 423 || status == 429 ||
		status >= 500 && status != 501 && status != 507
}

func backoff(n int) time.Duration { return min(time.Second<<n, 16*time.Second) }

// kill is a demo killed: its address, and when.
type kill struct {
	addr string
	at   time.Time
}

// cutBy says whether a request that failed at t on upstream (or "" when
// the connection broke before an answer) was cut by the kill k: within a
// second of it, on its demo.
func (k *kill) cutBy(upstream string, t time.Time) bool {
	return k != nil && (upstream == k.addr || upstream == "") && !t.Before(k.at) && t.Sub(k.at) < time.Second
}

// loader runs the clients against base (nginx) and counts what they met.
type loader struct {
	base   *url.URL
	cfg    loadConfig
	killed atomic.Pointer[kill] // once a demo is killed

	transport *http.Transport
	finished  atomic.Int64
	pin       atomic.Bool  // send PATCHes past byte 0 to the victim (X-Pin)
	pinned    atomic.Int64 // such PATCHes in flight
	retries   sync.Map     // "502", "503", "network", ... → *atomic.Int64
}

func (l *loader) noteRetry(status int, err error) {
	key := strconv.Itoa(status)
	if status == 0 {
		key = "network"
	}
	n, _ := l.retries.LoadOrStore(key, new(atomic.Int64))
	n.(*atomic.Int64).Add(1)
}

// retryCounts returns the retries by cause.
func (l *loader) retryCounts() map[string]int64 {
	m := map[string]int64{}
	l.retries.Range(func(k, v any) bool {
		m[k.(string)] = v.(*atomic.Int64).Load()
		return true
	})
	return m
}

// session is one person's browser: a cookie jar, signed in once.
type session struct {
	l    *loader
	http *http.Client
	user string
}

func (l *loader) signIn(user, password string) (*session, error) {
	jar, _ := cookiejar.New(nil)
	s := &session{l: l, user: user, http: &http.Client{
		Jar: jar, Transport: l.transport, Timeout: 5 * time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
	form := url.Values{"username": {user}, "password": {password}}
	res, err := s.send(http.MethodPost, "/login", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()), nil)
	if err != nil {
		return nil, err
	}
	if res.status != http.StatusSeeOther {
		return nil, fmt.Errorf("sign-in of %s: %d %s", user, res.status, res.body)
	}
	return s, nil
}

// reply is what came back, read whole (bodies here are small).
type reply struct {
	status   int
	header   http.Header
	body     string
	upstream string // the demo that answered, as nginx says
}

// send makes one request as a browser on the page would: same-origin.
func (s *session) send(method, path, contentType string, body io.Reader, header map[string]string) (reply, error) {
	u := path
	if !strings.HasPrefix(path, "http") {
		u = s.l.base.String() + path
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		return reply{}, err
	}
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	if r, ok := body.(interface{ Len() int }); ok {
		req.ContentLength = int64(r.Len())
	}
	res, err := s.http.Do(req)
	if err != nil {
		return reply{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, 16<<20))
	rep := reply{status: res.StatusCode, header: res.Header, body: string(b), upstream: lastUpstream(res.Header)}
	return rep, err
}

// lastUpstream is the demo that answered: nginx's $upstream_addr lists
// every one it tried.
func lastUpstream(h http.Header) string {
	a := h.Get("X-Upstream")
	if i := strings.LastIndex(a, ","); i >= 0 {
		a = a[i+1:]
	}
	return strings.TrimSpace(a)
}

// outcome is what became of one upload, as its person believes.
type outcome struct {
	loadPlan
	user      string        // whose session uploaded it
	kept      bool          // the form was saved: the person believes the file kept
	err       error         // gave up
	latency   time.Duration // choosing the file to holding its reference, retries included
	resumed   bool          // a tus upload interrupted, then continued (HEAD, PATCH)
	resumedAt int64         // the offset it continued from, at most
	elsewhere bool          // ...on another server than the one killed under it
	restarted int           // times the whole file was sent again
}

var errChooseAgain = errors.New("the form asked to choose the file again")

// do uploads the file and submits the form with its reference. A form
// whose answer was lost and whose reference turns out used, with no
// document to show for it, makes the person choose the file again.
func (s *session) do(p loadPlan) (o outcome) {
	o.loadPlan, o.user = p, s.user
	for attempt := 0; attempt < 3; attempt++ {
		start := time.Now()
		var ref string
		if p.tus {
			ref, o.err = s.tusUpload(p, &o)
		} else {
			ref, o.err = s.oneShot(p)
		}
		o.latency = time.Since(start)
		if o.err != nil {
			return o
		}
		o.kept, o.err = s.submit(p, ref)
		if !errors.Is(o.err, errChooseAgain) {
			return o
		}
		o.restarted++
	}
	return o
}

// oneShot posts the file to the upload endpoint, streamed; a failure
// worth it is tried again from the start, as a person clicks "retry".
func (s *session) oneShot(p loadPlan) (string, error) {
	for try := 0; ; try++ {
		pr, pw := io.Pipe()
		mw := multipart.NewWriter(pw)
		go func() {
			mw.WriteField("field", "file")
			h := textproto.MIMEHeader{}
			h.Set("Content-Disposition", `form-data; name="upload"; filename="`+p.name()+`"`)
			h.Set("Content-Type", "application/pdf")
			part, _ := mw.CreatePart(h)
			_, err := io.Copy(part, p.content(0))
			if err == nil {
				err = mw.Close()
			}
			pw.CloseWithError(err)
		}()
		res, err := s.send(http.MethodPost, "/uploads/", mw.FormDataContentType(), pr, map[string]string{"Accept": "application/json"})
		pr.CloseWithError(io.ErrClosedPipe)
		if err == nil && res.status == http.StatusOK {
			var r struct {
				Stored string `json:"stored"`
				Size   int64  `json:"size"`
			}
			if json.Unmarshal([]byte(res.body), &r) != nil || r.Stored == "" || r.Size != p.size {
				return "", fmt.Errorf("one-shot %d: reply %s", p.index, res.body)
			}
			return r.Stored, nil
		}
		if !retryable(res.status) || try == maxTries {
			return "", fmt.Errorf("one-shot %d, try %d: %d %s %v", p.index, try+1, res.status, res.body, err)
		}
		s.l.noteRetry(res.status, err)
		time.Sleep(backoff(try))
	}
}

// tusUpload sends the file as client/src/tus.js does: create, PATCH
// chunks, and after a failure worth it HEAD the upload (on whichever
// server) and go on from its offset; an upload gone, or complete without a
// reference for the client, is started again.
func (s *session) tusUpload(p loadPlan, o *outcome) (string, error) {
	b64 := func(v string) string { return base64.StdEncoding.EncodeToString([]byte(v)) }
	var (
		loc         string
		offset      int64
		tries       int
		interrupted bool
		cut         bool // by the kill, since the last progress
	)
	fail := func(what string, res reply, err error) error {
		if tries >= maxTries || !retryable(res.status) && !(loc != "" && (res.status == 404 || res.status == 410)) {
			return fmt.Errorf("tus %d: %s at %d, try %d: %d %s %v", p.index, what, offset, tries+1, res.status, strings.TrimSpace(res.body), err)
		}
		s.l.noteRetry(res.status, err)
		if res.status == 404 || res.status == 410 {
			loc = "" // gone: start again
			o.restarted++
			tries++
			return nil
		}
		cut = cut || s.l.killed.Load().cutBy(res.upstream, time.Now())
		time.Sleep(backoff(tries))
		tries++
		interrupted = true
		return nil
	}
	for {
		if loc == "" {
			res, err := s.send(http.MethodPost, "/uploads/tus/", "", nil, map[string]string{
				"Tus-Resumable":   "1.0.0",
				"Upload-Length":   strconv.FormatInt(p.size, 10),
				"Upload-Metadata": "filename " + b64(p.name()) + ",filetype " + b64("application/pdf") + ",field " + b64("file"),
			})
			if err != nil || res.status != http.StatusCreated || res.header.Get("Location") == "" {
				if err := fail("create", res, err); err != nil {
					return "", err
				}
				continue
			}
			u, err := s.l.base.Parse(res.header.Get("Location"))
			if err != nil {
				return "", fmt.Errorf("tus %d: Location %q", p.index, res.header.Get("Location"))
			}
			loc, offset, interrupted = u.String(), 0, false
		}
		if interrupted {
			res, err := s.send(http.MethodHead, loc, "", nil, map[string]string{"Tus-Resumable": "1.0.0"})
			if err != nil || res.status != http.StatusOK {
				if err := fail("HEAD", res, err); err != nil {
					return "", err
				}
				continue
			}
			n, err := strconv.ParseInt(res.header.Get("Upload-Offset"), 10, 64)
			if err == nil && n == p.size && res.header.Get("Sticky-Ref") != "" {
				// Complete: its answer was lost, or its server stopped
				// before answering and this one completed it.
				o.resumed, o.resumedAt = true, n
				if cut && res.upstream != s.l.killed.Load().addr {
					o.elsewhere = true
				}
				return res.header.Get("Sticky-Ref"), nil
			}
			if err != nil || n < 0 || n >= p.size {
				loc = "" // complete without a reference, or nonsense: start again
				o.restarted++
				continue
			}
			o.resumed, o.resumedAt = true, max(o.resumedAt, n)
			if cut && res.upstream != s.l.killed.Load().addr {
				o.elsewhere = true
			}
			interrupted, cut, offset = false, false, n
		}
		n := min(s.l.cfg.chunk, p.size-offset)
		body := &io.LimitedReader{R: p.content(offset), N: n}
		pinned := offset > 0 && s.l.pin.Load()
		if pinned {
			s.l.pinned.Add(1)
		}
		res, err := s.sendPatch(loc, offset, body, n, pinned)
		if pinned {
			s.l.pinned.Add(-1)
		}
		if err != nil || res.status != http.StatusNoContent {
			if err := fail("PATCH", res, err); err != nil {
				return "", err
			}
			continue
		}
		next, err := strconv.ParseInt(res.header.Get("Upload-Offset"), 10, 64)
		switch {
		case err == nil && next == p.size && res.header.Get("Sticky-Ref") != "":
			return res.header.Get("Sticky-Ref"), nil
		case err == nil && next > offset && next < p.size:
			offset, tries = next, 0
		default:
			return "", fmt.Errorf("tus %d: PATCH at %d answered offset %q, ref %q", p.index, offset, res.header.Get("Upload-Offset"), res.header.Get("Sticky-Ref"))
		}
	}
}

func (s *session) sendPatch(loc string, offset int64, body io.Reader, n int64, pinned bool) (reply, error) {
	req, err := http.NewRequest(http.MethodPatch, loc, body)
	if err != nil {
		return reply{}, err
	}
	if pinned {
		req.Header.Set("X-Pin", "victim") // nginx sends it to demo B alone
	}
	req.ContentLength = n
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Tus-Resumable", "1.0.0")
	req.Header.Set("Upload-Offset", strconv.FormatInt(offset, 10))
	req.Header.Set("Content-Type", "application/offset+octet-stream")
	res, err := s.http.Do(req)
	if err != nil {
		return reply{}, err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	return reply{status: res.StatusCode, header: res.Header, body: string(b), upstream: lastUpstream(res.Header)}, nil
}

// submit posts the new-document form with the reference, as the browser
// posts the form with the hidden field. A 303 is a saved document. A form
// that comes back is submitted again as it came (its hidden field may
// still hold the file), or, when it holds no file, the person chooses the
// file again. An answer lost on the way (a network error, 502, 504) may
// hide a save: if the form then asks to choose the file again, the person
// looks at the list first.
func (s *session) submit(p loadPlan, ref string) (bool, error) {
	lost := false
	for try := 0; ; try++ {
		form := url.Values{"title": {p.title()}, "_file": {ref}}.Encode()
		res, err := s.send(http.MethodPost, "/documents/new", "application/x-www-form-urlencoded", strings.NewReader(form), nil)
		if err == nil && res.status == http.StatusSeeOther {
			return true, nil
		}
		if m := hiddenRef.FindStringSubmatch(res.body); err == nil && m != nil {
			if m[1] == "" || strings.Contains(res.body, "Please choose it again") {
				// The form no longer holds the file, or says it is gone.
				if lost {
					docs, err := s.documents()
					if err != nil {
						return false, err
					}
					if len(docs[p.title()]) > 0 {
						return true, nil
					}
				}
				s.l.noteRetry(res.status, err)
				return false, errChooseAgain
			}
			ref = m[1]
		}
		if !retryable(res.status) || try == maxTries {
			return false, fmt.Errorf("form %d, try %d: %d %v\n%.2000s", p.index, try+1, res.status, err, res.body)
		}
		s.l.noteRetry(res.status, err)
		if err != nil || res.status == http.StatusBadGateway || res.status == http.StatusGatewayTimeout {
			lost = true
		}
		time.Sleep(backoff(try))
	}
}

var documentItem = regexp.MustCompile(`(?s)<h2 class="document-title">([^<]*)</h2>.*?href="(/documents/[0-9]+/file)"`)

// documents reads the signed-in user's list: each title's download links.
func (s *session) documents() (map[string][]string, error) {
	for try := 0; ; try++ {
		res, err := s.send(http.MethodGet, "/", "", nil, nil)
		if err == nil && res.status == http.StatusOK {
			docs := map[string][]string{}
			for _, m := range documentItem.FindAllStringSubmatch(res.body, -1) {
				docs[m[1]] = append(docs[m[1]], m[2])
			}
			return docs, nil
		}
		if !retryable(res.status) || try == maxTries {
			return nil, fmt.Errorf("the list of %s: %d %v", s.user, res.status, err)
		}
		s.l.noteRetry(res.status, err)
		time.Sleep(backoff(try))
	}
}

// download returns the SHA-256 and length of the file at path.
func (s *session) download(path string) ([32]byte, int64, error) {
	for try := 0; ; try++ {
		req, _ := http.NewRequest(http.MethodGet, s.l.base.String()+path, nil)
		res, err := s.http.Do(req)
		status := 0
		if err == nil {
			status = res.StatusCode
			if status == http.StatusOK {
				h := sha256.New()
				n, err := io.Copy(h, res.Body)
				res.Body.Close()
				if err == nil {
					return [32]byte(h.Sum(nil)), n, nil
				}
				status = 0 // cut: try again
			} else {
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
			}
		}
		if !retryable(status) || try == maxTries {
			return [32]byte{}, 0, fmt.Errorf("download %s: %d %v", path, status, err)
		}
		s.l.noteRetry(status, err)
		time.Sleep(backoff(try))
	}
}

// check is the end of the run: every document a person believes kept is
// listed once and downloads with the bytes sent.
type check struct {
	kept, lost, duplicated, mismatched, unclaimed int
	listed                                        int // documents in all the lists
	problems                                      []string
}

func (c *check) problem(format string, args ...any) {
	if len(c.problems) < 10 {
		c.problems = append(c.problems, fmt.Sprintf(format, args...))
	}
}

// verify downloads, with workers at once, every document the outcomes
// say kept, through each user's own session.
func verify(sessions map[string]*session, outcomes []outcome, workers int) (*check, error) {
	c := &check{}
	lists := map[string]map[string][]string{}
	for user, s := range sessions {
		docs, err := s.documents()
		if err != nil {
			return nil, err
		}
		lists[user] = docs
		for _, links := range docs {
			c.listed += len(links)
		}
	}
	type job struct {
		o    outcome
		link string
	}
	jobs := make(chan job)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for j := range jobs {
				sum, n, err := sessions[j.o.user].download(j.link)
				want := j.o.sum()
				mu.Lock()
				switch {
				case err != nil:
					c.lost++
					c.problem("upload %d: %v", j.o.index, err)
				case sum != want || n != j.o.size:
					c.mismatched++
					c.problem("upload %d: %d bytes with SHA-256 %x came back, %d sent", j.o.index, n, sum, j.o.size)
				}
				mu.Unlock()
			}
		})
	}
	for _, o := range outcomes {
		links := lists[o.user][o.title()]
		if !o.kept {
			c.unclaimed += len(links) // saved, though its person gave up: not a loss
			continue
		}
		c.kept++
		switch len(links) {
		case 0:
			c.lost++
			c.problem("upload %d (%s) was saved, but is not on the list", o.index, o.title())
			continue
		case 1:
		default:
			c.duplicated++
			c.problem("upload %d (%s) is listed %d times", o.index, o.title(), len(links))
		}
		for _, link := range links {
			jobs <- job{o, link}
		}
	}
	close(jobs)
	wg.Wait()
	return c, nil
}
