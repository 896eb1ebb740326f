// Package sticky gives server-rendered Go web apps file fields that upload in
// the background and survive validation errors.
//
// An [Uploader] is an http.Handler mounted at a path of the app (by default
// /uploads/). Its endpoint takes one file at a time from the client script,
// streams it into a temporary store (a DiskStore by default, the bucket of
// package sticky/s3, or any tusd DataStore) and answers with a signed
// reference. The form then
// posts the reference instead of the bytes. When the app re-renders the form
// after a validation error, [Uploader.Widget] shows the kept file, so the
// user never chooses it twice. Without JavaScript the plain multipart post
// works, and [Uploader.ReadForm] keeps its bytes the same way.
//
// The whole use, in a handler:
//
//	form, err := up.ReadForm(w, r)
//	if err != nil { /* malformed or oversized post: sticky.Status(err) */ }
//	doc, err := form.File("file")
//	if err != nil || form.Value("title") == "" {
//		// re-render: up.Widget(sticky.Widget{Name: "file", Kept: doc, Error: ...})
//	}
//	key, err := docs.Save(ctx, doc, nil) // docs is a Permanent; the temporary upload goes away
package sticky

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tus/tusd/v2/pkg/handler"
)

// Defaults for the zero values of Config.
const (
	DefaultPath    = "/uploads/"
	DefaultMaxSize = 20 << 20
	DefaultTTL     = 24 * time.Hour
	// formOverhead is what ReadForm allows beyond MaxSize for the other fields.
	formOverhead = 10 << 20
)

// Config configures an Uploader. Keys is required; every other zero value
// is a sensible default.
type Config struct {
	// Path is where the Uploader is mounted, ending in "/". It names the
	// endpoint in references (a reference made for one Uploader does not
	// verify on another) and prefixes the script and stylesheet URLs.
	// Default: "/uploads/".
	Path string

	// Keys sign references, each at least 32 random bytes. The first signs;
	// all verify, so a new key can be put first while the old one still
	// verifies references handed out before the rotation.
	Keys [][]byte

	// Identity tells who is making the request, typically the signed-in
	// user's id; "" means nobody. Nobody may upload: the endpoint answers
	// 403 and ReadForm keeps no files. References are bound to the identity.
	// A nil Identity denies everyone.
	Identity func(*http.Request) string

	// Accept lists the accepted types: MIME types ("application/pdf"),
	// wildcards ("image/*") and extensions (".txt"). Files are judged by
	// their content, not only by their name. Empty accepts any type.
	Accept []string

	// MaxSize is the largest file accepted, in bytes. Default: 20 MiB.
	MaxSize int64

	// Fields sets rules for single fields, by name, where they differ from
	// Accept and MaxSize: Fields: map[string]sticky.Rules{"avatar":
	// {Accept: []string{"image/*"}, MaxSize: 2 << 20}}. A zero member of
	// Rules takes the default above. With Fields set, an upload must name
	// its field before the file (the client script does).
	Fields map[string]Rules

	// OnlyFields refuses, on every way in, a file for a field that Fields
	// does not list (400), instead of holding it to Accept and MaxSize.
	OnlyFields bool

	// MaxFormSize bounds a whole form post read by ReadForm.
	// Default: the largest MaxSize (of all fields) + 10 MiB.
	MaxFormSize int64

	// TTL is how long a reference stays valid. Default: 24 hours.
	TTL time.Duration

	// Store holds the temporary uploads: NewDiskStore(dir) for a directory
	// of your choice, the store of package sticky/s3 for a bucket that
	// several servers share, or any tusd DataStore that lets uploads be
	// terminated and have their length declared late (see Lister, Tidier
	// and Namer for what else sticky can use). Default: a DiskStore in
	// os.TempDir()/sticky-uploads. Nothing in it is ever served.
	Store handler.DataStore

	// RateLimit is how many uploads one user may start a minute, in bursts
	// of up to as many; more are answered 429 with Retry-After. Zero: no
	// limit. Chunks of an upload already started (tus PATCH requests, Fine
	// Uploader chunks) do not count. The count is per process.
	RateLimit int

	// MaxConcurrent is how many requests carrying upload bytes one user may
	// have in flight at once; more are answered 429. A file whose
	// processors go on after its request was answered (see ProcessWait)
	// counts as one until they are done. Zero means DefaultMaxConcurrent;
	// negative means no cap. Per process.
	MaxConcurrent int

	// BodyTimeout is how long a request may send none of its body before
	// it is cut (408), on the endpoints and in ReadForm; a slow upload that
	// keeps moving is never cut. Default: DefaultBodyTimeout (60 s, as
	// nginx's client_body_timeout). Negative: never cut (leave it to a
	// proxy in front).
	BodyTimeout time.Duration

	// TrustedOrigins are origins, besides the app's own, allowed to send
	// uploads (for example "https://admin.example.com").
	TrustedOrigins []string

	// Logger receives store failures and other conditions worth a look.
	// Default: slog.Default().
	Logger *slog.Logger

	// Before, when set, is asked before each file is received, on every
	// way in (the endpoint, ReadForm, resumable uploads), and may refuse
	// it by returning an error: Refuse(status, message) for a status and a
	// sentence of the application's choosing, as a quota would; any other
	// error refuses with 403 and general words, and is logged.
	Before func(r *http.Request, in Incoming) error

	// Rename, when set, chooses the display name of each file received,
	// from Incoming.Name (the client's name, cleaned); the result is
	// cleaned again with CleanName. Stored files are always named by
	// sticky's own unique ids, so the default keeps the client's name.
	Rename func(r *http.Request, in Incoming) string

	// Quota, when set, tells how much room each user has left: an upload
	// that does not fit is refused (413, ErrQuota) with a sentence saying
	// how much room is left, before its bytes move when it declares its
	// size, as they arrive when it does not.
	Quota Quota

	// Observer, when set, hears what becomes of each upload and sweep
	// (see Event): package sticky/telemetry makes OpenTelemetry metrics
	// and spans of it.
	Observer Observer

	// Processors run, in order, on each file once all its bytes are in the
	// temporary store, before the upload is answered: see Processor.
	Processors []Processor

	// ProcessWait is how long the request that completes an upload (on
	// every way in) waits for the processors. Still running past it, they
	// go on in the background: the upload is answered with its reference
	// and "processing": true (202 on the one-shot endpoint), the client
	// script shows "Checking…" and asks the status route until they are
	// done, and Form.File waits up to ProcessWait again, then returns the
	// file with ErrProcessing. Default: DefaultProcessWait (3 s). Negative:
	// the request waits for the processors, however long.
	ProcessWait time.Duration

	// ProcessTimeout bounds the processors' work on one file; past it the
	// upload fails and is removed. Default: DefaultProcessTimeout (10
	// minutes). Call Uploader.Shutdown when the server stops, so that
	// processing in the background is not cut short.
	ProcessTimeout time.Duration

	// Direct lets browsers put files straight into the bucket of the
	// temporary store, with presigned requests, so that their bytes never
	// pass through the app: the store must be a DirectStore (the store of
	// package sticky/s3 is), and the bucket must allow the app's origin
	// (CORS). Every rule still applies: see docs/direct-uploads.md.
	// Rules.Direct turns it on or off for one field.
	Direct bool

	// Language, when set, chooses the language sticky speaks to a request:
	// a tag such as "de" or "fr-CA", matched against the languages known
	// as Accept-Language is (see Uploader.Language). "", or a language
	// sticky does not know, leaves the choice to the request's
	// Accept-Language header, which is the default.
	Language func(*http.Request) string

	// Messages overrides sticky's sentences and adds languages: language
	// tag → message id → text, such as {"de": {"upload.too_large": "Zu
	// groß (höchstens {limit})."}}. A text may use the placeholders of
	// the message it replaces. A language sticky does not ship speaks
	// English where its map leaves an id out. DefaultMessages lists the
	// ids; New refuses an id or a placeholder it does not know.
	// See docs/languages.md.
	Messages map[string]map[string]string

	// Locker keeps apart the requests to one resumable upload. Default:
	// tusd's memorylocker, right for one server process; several servers
	// sharing a store need a locker they share, such as the s3 store's Locker
	// (see docs/resumable.md).
	Locker handler.Locker
}

// Rules limit the files one field accepts. A zero member means the
// Uploader's default, Config.Accept or Config.MaxSize.
type Rules struct {
	// Accept lists the accepted types, as Config.Accept does.
	Accept []string
	// MaxSize is the largest file accepted, in bytes.
	MaxSize int64
	// Direct turns direct uploads to the bucket on (DirectOn) or off
	// (DirectOff) for this field, whatever Config.Direct says.
	Direct DirectSwitch

	quotaBound *Room // MaxSize is the quota's room left (see admit)
}

// DirectSwitch turns direct uploads on or off for one field (Rules.Direct).
// Its zero value, DirectDefault, leaves it to Config.Direct.
type DirectSwitch uint8

// The choices of Rules.Direct.
const (
	DirectDefault DirectSwitch = iota // as Config.Direct says
	DirectOn                          // straight to the bucket
	DirectOff                         // through the app
)

// Uploader receives uploads, signs references to them and reads forms that
// carry them. It is safe for concurrent use. Create one with New.
type Uploader struct {
	path     string
	identity func(*http.Request) string
	def      Rules            // Config.Accept and Config.MaxSize, with defaults
	fields   map[string]Rules // Config.Fields, zero members filled from def
	largest  int64            // the largest MaxSize of any field
	maxForm  int64
	ttl      time.Duration
	// bodyTimeout cuts bodies that stall (Config.BodyTimeout); 0: never.
	bodyTimeout time.Duration
	claims      claimSet // uploads being saved (see claim.go)
	onlyFields  bool
	observer    Observer
	quota       Quota
	store       handler.DataStore
	term        handler.TerminaterDataStore
	deferLen    handler.LengthDeferrerDataStore
	sign        signer
	limits      *limiter
	log         *slog.Logger
	mux         http.Handler

	before     func(*http.Request, Incoming) error
	rename     func(*http.Request, Incoming) string
	processors []Processor
	// processWait and processTimeout bound processing (Config.ProcessWait
	// and Config.ProcessTimeout); jobs is the processing under way.
	processWait, processTimeout time.Duration
	jobs                        jobs
	language                    func(*http.Request) string // Config.Language
	words                       *phrasebook                // the messages, Config.Messages over sticky's
	tus                         http.Handler               // the resumable endpoint, see resumable.go
	direct                      bool                       // Config.Direct, see direct.go
	anyDirect                   bool                       // some field may go direct: the routes are served
}

// New returns an Uploader for c, creating the default temporary directory
// when c.Store is nil.
func New(c Config) (*Uploader, error) {
	if len(c.Keys) == 0 {
		return nil, errors.New("sticky: Config.Keys needs at least one key (32 random bytes or more)")
	}
	for _, k := range c.Keys {
		if len(k) < 32 {
			return nil, errShortKey
		}
	}
	u := &Uploader{
		path:     c.Path,
		identity: c.Identity,
		def:      Rules{Accept: c.Accept, MaxSize: c.MaxSize},
		maxForm:  c.MaxFormSize,
		ttl:      c.TTL,
		store:    c.Store,
		log:      c.Logger,
		sign:     signer{keys: c.Keys, now: time.Now},

		before:     c.Before,
		quota:      c.Quota,
		onlyFields: c.OnlyFields,
		observer:   c.Observer,
		rename:     c.Rename,
		processors: c.Processors,

		processWait:    cmpDuration(c.ProcessWait, DefaultProcessWait),
		processTimeout: c.ProcessTimeout,
	}
	if u.processTimeout <= 0 {
		u.processTimeout = DefaultProcessTimeout
	}
	var err error
	if u.words, err = newPhrasebook(c.Messages); err != nil {
		return nil, err
	}
	u.language = c.Language
	if u.path == "" {
		u.path = DefaultPath
	}
	if !strings.HasPrefix(u.path, "/") || !strings.HasSuffix(u.path, "/") {
		return nil, fmt.Errorf("sticky: Config.Path %q must start and end with /", u.path)
	}
	if u.def.MaxSize <= 0 {
		u.def.MaxSize = DefaultMaxSize
	}
	u.largest = u.def.MaxSize
	u.fields = make(map[string]Rules, len(c.Fields))
	for name, r := range c.Fields {
		if r.Accept == nil {
			r.Accept = u.def.Accept
		}
		if r.MaxSize <= 0 {
			r.MaxSize = u.def.MaxSize
		}
		u.fields[name] = r
		u.largest = max(u.largest, r.MaxSize)
	}
	if u.maxForm <= 0 {
		u.maxForm = u.largest + formOverhead
	}
	if u.ttl <= 0 {
		u.ttl = DefaultTTL
	}
	switch {
	case c.BodyTimeout == 0:
		u.bodyTimeout = DefaultBodyTimeout
	case c.BodyTimeout > 0:
		u.bodyTimeout = c.BodyTimeout
	}
	if u.log == nil {
		u.log = slog.Default()
	}
	if u.identity == nil {
		u.identity = func(*http.Request) string { return "" }
	}
	if u.store == nil {
		store, err := NewDiskStore(filepath.Join(os.TempDir(), "sticky-uploads"))
		if err != nil {
			return nil, err
		}
		u.store = store
	}
	var ok bool
	if u.term, ok = u.store.(handler.TerminaterDataStore); !ok {
		return nil, errors.New("sticky: Config.Store must implement tusd's TerminaterDataStore")
	}
	if u.deferLen, ok = u.store.(handler.LengthDeferrerDataStore); !ok {
		return nil, errors.New("sticky: Config.Store must implement tusd's LengthDeferrerDataStore")
	}
	u.direct, u.anyDirect = c.Direct, c.Direct
	for _, r := range u.fields {
		u.anyDirect = u.anyDirect || r.Direct == DirectOn
	}
	if _, ok := u.store.(DirectStore); u.anyDirect && !ok {
		return nil, fmt.Errorf("sticky: Config.Direct needs a store that browsers can upload to (a DirectStore, such as the store of package sticky/s3), not %T", u.store)
	}
	tus, err := u.resumable(c.Locker)
	if err != nil {
		return nil, err
	}
	u.tus = tus

	concurrent := c.MaxConcurrent
	if concurrent == 0 {
		concurrent = DefaultMaxConcurrent
	}
	u.limits = newLimiter(max(c.RateLimit, 0), max(concurrent, 0))

	cop := http.NewCrossOriginProtection()
	for _, o := range c.TrustedOrigins {
		if err := cop.AddTrustedOrigin(o); err != nil {
			return nil, fmt.Errorf("sticky: Config.TrustedOrigins: %w", err)
		}
	}
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := fail(ErrNotAllowed, "auth.cross_origin")
		if rest, _ := strings.CutPrefix(r.URL.Path, u.path); rest == "fine" || strings.HasPrefix(rest, "fine/") {
			writeFineError(w, r, err) // Fine Uploader reads {"success":false,"error":...}
			return
		}
		writeError(w, r, err)
	}))
	u.mux = cop.Handler(http.HandlerFunc(u.route))
	return u, nil
}

// listed reports whether Config.Fields names field.
func (u *Uploader) listed(field string) bool {
	_, ok := u.fields[field]
	return ok
}

// rules returns the rules of a field.
func (u *Uploader) rules(field string) Rules {
	if r, ok := u.fields[field]; ok {
		return r
	}
	return u.def
}

// directFor reports whether field's files may go straight to the bucket.
func (u *Uploader) directFor(field string) bool {
	switch u.rules(field).Direct {
	case DirectOn:
		return true
	case DirectOff:
		return false
	}
	return u.direct
}

// ServeHTTP answers the upload endpoint (POST at the mount path), the
// status of an upload being processed (GET at status below it; see
// Config.ProcessWait), the resumable endpoint (tus 1.0, at tus/; see TusURL), the
// direct-upload routes (at s3/, with Config.Direct or a Rules.Direct) and the client assets
// below it. Mount the Uploader at its Path, for every path below it,
// without stripping the prefix: mux.Handle("/uploads/", up); Check tells
// whether a router does.
func (u *Uploader) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if answerProbe(w, r) {
		return
	}
	u.mux.ServeHTTP(w, u.withLanguage(r))
}

func (u *Uploader) route(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, u.path)
	switch {
	case !ok:
		http.NotFound(w, r)
	case rest == "":
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			writeJSON(w, http.StatusMethodNotAllowed, errorReply(r.Context(), fail(ErrMalformed, "upload.post")))
			return
		}
		if r, done := u.limit(w, withWay(r, "oneshot"), true); done != nil {
			defer done()
			watchBody(w, r, u.bodyTimeout)
			u.serveUpload(w, r)
		}
	case rest == statusPath:
		u.serveStatus(w, r)
	case strings.HasPrefix(rest, tusPrefix):
		if r, done := u.limit(w, withWay(r, "tus"), r.Method == http.MethodPost); done != nil {
			defer done()
			u.serveTus(w, r, rest[len(tusPrefix):])
		}
	case strings.HasPrefix(rest, directPrefix):
		// Creating a multipart upload counts as a new upload; params, a GET,
		// counts itself (see serveDirect).
		if r, done := u.limit(w, withWay(r, "direct"), r.Method == http.MethodPost && rest == directPrefix+"multipart"); done != nil {
			defer done()
			u.serveDirect(w, r, rest[len(directPrefix):])
		}
	case rest == "fine" || strings.HasPrefix(rest, "fine/"):
		// Each chunk is a POST: the cap on uploads at once applies to each,
		// the rate limit to each file, at its first chunk (see fineFirst).
		if r, done := u.limit(w, withWay(r, "fine"), false); done != nil {
			defer done()
			watchBody(w, r, u.bodyTimeout)
			u.serveFine(w, r, strings.TrimLeft(rest[len("fine"):], "/"))
		}
	default:
		a, found := assets[rest]
		if !found {
			http.NotFound(w, r)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		h := w.Header()
		h.Set("Content-Type", a.typ)
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
		h.Set("X-Content-Type-Options", "nosniff")
		http.ServeContent(w, r, a.name, time.Time{}, bytes.NewReader(a.body))
	}
}

// ScriptURL is the content-hashed URL of the client script.
func (u *Uploader) ScriptURL() string { return u.path + assetName("sticky.js") }

// StyleURL is the content-hashed URL of the stylesheet.
func (u *Uploader) StyleURL() string { return u.path + assetName("sticky.css") }

// Assets returns the stylesheet link and the deferred script tag, for the
// page's <head>.
func (u *Uploader) Assets() template.HTML {
	return template.HTML(fmt.Sprintf(`<link rel="stylesheet" href="%s"><script defer src="%s"></script>`,
		template.HTMLEscapeString(u.StyleURL()), template.HTMLEscapeString(u.ScriptURL())))
}

// cleanupContext outlives the request: a client that went away must not stop
// the removal of what it left half-written.
func cleanupContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
}
