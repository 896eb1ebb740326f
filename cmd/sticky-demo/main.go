// Command sticky-demo is a small document library that shows sticky file
// fields at work.
//
// Sign in, choose a file on the "New document" page and submit the form with
// the title left empty: the page comes back with an error, and the file is
// still chosen. With JavaScript the file uploads in the background while you
// type; without it the plain multipart post works and the server keeps the
// file across the re-render all the same. Each document's file can then be
// downloaded by its owner, and by nobody else.
//
// Usage:
//
//	go run ./cmd/sticky-demo [flags]
//
// Flags:
//
//	-addr host:port
//		address to listen on (default 127.0.0.1:8080; use 127.0.0.1:0 for a
//		random free port). The real address is printed on stdout as
//		"listening on http://HOST:PORT".
//	-data dir
//		directory for the SQLite database, the stored files, the temporary
//		uploads and the signing key (default ./sticky-demo-data).
//	-db file
//		the SQLite database (default demo.db in the -data directory).
//		Several demos on one machine may share it.
//	-user name:password
//		create the user, or reset its password if it exists. Repeat it for
//		several users. Without it, the first run creates demo / demo.
//		Users created earlier keep working.
//	-max-size size
//		largest file accepted, like 20MiB, 512KiB or 1GiB (default 20MiB).
//	-quota size
//		what each user may keep, documents and pictures together (default
//		1GiB); 0 for no limit.
//	-s3-bucket name
//		keep the temporary uploads (under sticky-temp/) and the documents
//		(under documents/) in this S3 bucket instead of the -data directory.
//		Credentials and region come from the AWS chain: AWS_ACCESS_KEY_ID,
//		AWS_SECRET_ACCESS_KEY and AWS_REGION, or ~/.aws.
//	-s3-endpoint URL
//		URL of an S3-compatible server (MinIO, versitygw, ...), addressed
//		path-style; without it, -s3-bucket is on AWS. Needs -s3-bucket.
//	-direct
//		browsers upload the documents' files and the gallery's pictures
//		straight to the bucket, and the demo carries none of their bytes
//		(sticky's Config.Direct). Needs -s3-bucket. At start the demo
//		prints the CORS rules the bucket needs for its origin.
//	-s3-cors
//		with -direct, set those CORS rules on the bucket (PutBucketCors,
//		which replaces the bucket's rules) rather than only printing them.
//	-temp-ttl duration
//		how long a chosen file is kept for a form that is not submitted,
//		and its reference valid (default 24h).
//	-rate n
//		uploads one user may start a minute (default 120), in bursts of up
//		to as many; more are answered 429 Too Many Requests with
//		Retry-After. 0 turns the limit off. The documents and the gallery
//		each count their own.
//	-sweep-every duration
//		how often abandoned temporary uploads are removed (default 10m;
//		0 turns the sweeping off).
//	-clamd address
//		scan every upload for viruses with clamd, at this Unix socket path
//		(Debian's is /run/clamav/clamd.ctl) or host:port. Infected files
//		are refused; while clamd is unreachable, uploads are refused (503).
//
// The signing key for upload references comes from the environment variable
// STICKY_SECRET when it is set (at least 32 bytes). Otherwise a random key is
// generated on the first run and kept in the data directory, so references
// stay valid across restarts.
//
// Several demos can serve the same documents, with no sticky sessions: give
// them the same -s3-bucket (and -s3-endpoint), the same STICKY_SECRET and the
// same -db (SQLite: processes on one machine only). A file uploaded through
// one can then be submitted through any other.
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/stickyuploads/sticky"
)

const (
	defaultAddr    = "127.0.0.1:8080"
	defaultData    = "sticky-demo-data"
	defaultMaxSize = 20 << 20
	defaultDB      = "demo.db" // in the data directory

	defaultTempTTL    = 24 * time.Hour
	defaultSweepEvery = 10 * time.Minute
	defaultRate       = 120 // uploads a minute per user

	// headerTimeout cuts a client that never finishes its request's
	// header; idleTimeout closes kept-alive connections left unused.
	headerTimeout = 10 * time.Second
	idleTimeout   = 2 * time.Minute

	secretEnv     = "STICKY_SECRET"
	secretFile    = "secret.key"
	minSecretSize = 32
)

// config is what the command line and the environment decide.
type config struct {
	Addr    string
	Data    string
	DB      string     // the SQLite file; default Data/demo.db
	Users   []userSpec // from -user; empty means "demo/demo on the first run"
	MaxSize int64
	Quota   int64  // what each user may keep, in bytes; 0 for no limit
	Secret  []byte // from STICKY_SECRET; nil means "use or create the key file"

	S3Bucket   string // "" keeps everything in Data
	S3Endpoint string // "" is AWS itself
	Direct     bool   // browsers upload straight to the bucket
	S3CORS     bool   // set the bucket's CORS for Direct at start

	Rate       int           // Config.RateLimit: uploads a minute per user; 0 for no limit
	TempTTL    time.Duration // Config.TTL: how long a chosen file is kept
	SweepEvery time.Duration // 0: no sweeping
	Clamd      string        // clamd's socket or host:port; "" scans nothing
}

// userSpec is one -user name:password.
type userSpec struct {
	Name     string
	Password string
}

// userFlags collects repeated -user flags.
type userFlags []userSpec

func (u *userFlags) String() string {
	if u == nil {
		return ""
	}
	names := make([]string, len(*u))
	for i, s := range *u {
		names[i] = s.Name + ":…"
	}
	return strings.Join(names, ", ")
}

func (u *userFlags) Set(v string) error {
	s, err := parseUserSpec(v)
	if err != nil {
		return err
	}
	for _, have := range *u {
		if strings.EqualFold(have.Name, s.Name) {
			return fmt.Errorf("user %q given twice", s.Name)
		}
	}
	*u = append(*u, s)
	return nil
}

// parseUserSpec splits "name:password" at the first colon, so passwords may
// contain colons and names may not.
func parseUserSpec(v string) (userSpec, error) {
	name, password, ok := strings.Cut(v, ":")
	if !ok {
		return userSpec{}, errors.New("want name:password")
	}
	if err := validUserName(name); err != nil {
		return userSpec{}, err
	}
	if password == "" {
		return userSpec{}, fmt.Errorf("user %q: the password is empty", name)
	}
	if len(password) > 72 { // bcrypt's limit
		return userSpec{}, fmt.Errorf("user %q: the password is longer than 72 bytes", name)
	}
	return userSpec{Name: name, Password: password}, nil
}

func validUserName(name string) error {
	switch {
	case name == "":
		return errors.New("the user name is empty")
	case utf8.RuneCountInString(name) > 64:
		return errors.New("the user name is longer than 64 characters")
	case !utf8.ValidString(name):
		return errors.New("the user name is not valid UTF-8")
	}
	for _, r := range name {
		if unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return fmt.Errorf("the user name %q has spaces or control characters", name)
		}
	}
	return nil
}

// parseConfig reads the flags in args and the environment through getenv.
// Usage and flag errors go to output.
func parseConfig(args []string, getenv func(string) string, output io.Writer) (config, error) {
	fset := flag.NewFlagSet("sticky-demo", flag.ContinueOnError)
	fset.SetOutput(output)
	fset.Usage = func() {
		fmt.Fprintf(output, "Usage: sticky-demo [flags]\n\nA demo app for sticky file uploads. Flags:\n\n")
		fset.PrintDefaults()
		fmt.Fprintf(output, "\nThe signing key comes from $%s (at least %d bytes) when set,\notherwise from %s in the data directory (created on first run).\n", secretEnv, minSecretSize, secretFile)
	}
	var (
		c       config
		users   userFlags
		maxSize = "20MiB"
		quota   = "1GiB"
	)
	fset.StringVar(&c.Addr, "addr", defaultAddr, "`address` to listen on; port 0 picks a free port")
	fset.StringVar(&c.Data, "data", defaultData, "`directory` for the database, files, temporary uploads and signing key")
	fset.Var(&users, "user", "create the user `name:password` (or reset its password); repeatable; default on first run: demo:demo")
	fset.StringVar(&maxSize, "max-size", maxSize, "largest accepted file, like 20MiB, 512KiB or 1GiB")
	fset.StringVar(&quota, "quota", quota, "what each user may keep, documents and pictures together, like 1GiB; 0 for no limit")
	fset.StringVar(&c.DB, "db", "", "SQLite database `file`, which demos on one machine may share (default demo.db in the -data directory)")
	fset.StringVar(&c.S3Bucket, "s3-bucket", "", "keep temporary uploads and documents in this S3 `bucket` (credentials: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION)")
	fset.StringVar(&c.S3Endpoint, "s3-endpoint", "", "`URL` of an S3-compatible server (path-style); default: AWS")
	fset.BoolVar(&c.Direct, "direct", false, "browsers upload straight to the -s3-bucket; the CORS it needs is printed at start")
	fset.BoolVar(&c.S3CORS, "s3-cors", false, "with -direct, set the bucket's CORS (PutBucketCors, replacing its rules) instead of only printing it")
	fset.DurationVar(&c.TempTTL, "temp-ttl", defaultTempTTL, "how long a chosen file is kept for a form not yet submitted")
	fset.IntVar(&c.Rate, "rate", defaultRate, "uploads a `number` of one user may start a minute; more are answered 429; 0 for no limit")
	fset.DurationVar(&c.SweepEvery, "sweep-every", defaultSweepEvery, "how often abandoned uploads are removed; 0 for never")
	fset.StringVar(&c.Clamd, "clamd", "", "scan uploads for viruses with clamd at this `address`: a socket path (/run/clamav/clamd.ctl) or host:port")
	if err := fset.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return config{}, err
		}
		return config{}, &usageError{err} // the flag package has told the user
	}
	if fset.NArg() > 0 {
		return config{}, misused(fset, fmt.Errorf("unexpected argument %q", fset.Arg(0)))
	}
	n, err := sticky.ParseSize(maxSize)
	if err != nil {
		return config{}, fmt.Errorf("-max-size: %w", err)
	}
	if n <= 0 {
		return config{}, fmt.Errorf("-max-size %q: must be more than zero", maxSize)
	}
	c.MaxSize = n
	if c.Quota, err = sticky.ParseSize(quota); err != nil {
		return config{}, fmt.Errorf("-quota: %w", err)
	}
	c.Users = users
	if c.Data == "" {
		return config{}, errors.New("-data: the directory name is empty")
	}
	if c.DB == "" {
		c.DB = filepath.Join(c.Data, defaultDB)
	}
	if c.S3Endpoint != "" {
		if c.S3Bucket == "" {
			return config{}, errors.New("-s3-endpoint needs -s3-bucket: the bucket to use on that server")
		}
		u, err := url.Parse(c.S3Endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return config{}, fmt.Errorf("-s3-endpoint %q: want a URL like http://127.0.0.1:7070", c.S3Endpoint)
		}
	}
	if c.Direct && c.S3Bucket == "" {
		return config{}, misused(fset, errors.New("-direct needs -s3-bucket: the bucket the browsers upload to"))
	}
	if c.S3CORS && !c.Direct {
		return config{}, misused(fset, errors.New("-s3-cors needs -direct: the rules are those of direct uploads"))
	}
	if c.TempTTL <= 0 {
		return config{}, fmt.Errorf("-temp-ttl %v: must be more than zero", c.TempTTL)
	}
	if c.Rate < 0 {
		return config{}, fmt.Errorf("-rate %d: must be zero (no limit) or more", c.Rate)
	}
	if c.SweepEvery < 0 {
		return config{}, fmt.Errorf("-sweep-every %v: must be zero (never) or more", c.SweepEvery)
	}
	if s, ok := lookupEnv(getenv, secretEnv); ok {
		if len(s) < minSecretSize {
			return config{}, fmt.Errorf("%s is %d bytes long; it must be at least %d bytes (for example: export %s=$(openssl rand -hex 32)), or unset it to use a generated key",
				secretEnv, len(s), minSecretSize, secretEnv)
		}
		c.Secret = []byte(s)
	}
	return c, nil
}

// misused reports err with the usage, as the flag package reports its own.
func misused(fset *flag.FlagSet, err error) error {
	fmt.Fprintln(fset.Output(), err)
	fset.Usage()
	return &usageError{err}
}

// usageError is a command-line mistake already reported with the usage.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func lookupEnv(getenv func(string) string, key string) (string, bool) {
	if getenv == nil {
		return "", false
	}
	v := getenv(key)
	return v, v != ""
}

// loadOrCreateKey returns the signing key kept in dir, creating it (32 random
// bytes, mode 0600) on the first run.
func loadOrCreateKey(dir string) (key []byte, created bool, err error) {
	path := filepath.Join(dir, secretFile)
	key, err = os.ReadFile(path)
	if err == nil {
		if len(key) < minSecretSize {
			return nil, false, fmt.Errorf("%s holds %d bytes, want at least %d; delete it to have a new key generated", path, len(key), minSecretSize)
		}
		return key, false, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, false, err
	}
	key = make([]byte, minSecretSize)
	rand.Read(key)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, false, err
	}
	if _, err := f.Write(key); err != nil {
		f.Close()
		os.Remove(path)
		return nil, false, err
	}
	if err := f.Close(); err != nil {
		os.Remove(path)
		return nil, false, err
	}
	return key, true, nil
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	var ue *usageError
	switch {
	case errors.Is(err, flag.ErrHelp):
		return
	case errors.As(err, &ue):
		os.Exit(2)
	case err != nil:
		fmt.Fprintln(os.Stderr, "sticky-demo:", err)
		os.Exit(1)
	}
}

// run starts the demo and serves until ctx is done. Things for the person at
// the terminal (created users, the URL) go to stdout, logs to stderr.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseConfig(args, getenv, stderr)
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(stderr, nil))

	a, err := newApp(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer a.Close()

	created, err := a.ensureUsers(ctx, cfg.Users)
	if err != nil {
		return err
	}
	for _, c := range created {
		fmt.Fprintln(stdout, c)
	}

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	ln = capConns(ln, maxConns, maxConnsPerAddr)

	// Abandoned uploads go away in the background until shutdown, and the
	// bucket, if any, is checked once.
	bgCtx, stopBackground := context.WithCancel(ctx)
	var background sync.WaitGroup
	defer func() {
		stopBackground()
		background.Wait()
	}()
	if cfg.SweepEvery > 0 {
		background.Go(func() { a.up.SweepEvery(bgCtx, cfg.SweepEvery) })
		background.Go(func() { a.gallery.SweepEvery(bgCtx, cfg.SweepEvery) })
	}
	background.Go(func() { a.store.check(bgCtx, logger) })
	background.Go(func() { recoverSaves(bgCtx, a.store.docs, cfg.SweepEvery, logger) })
	if cfg.Direct {
		if err := a.store.directCORS(ctx, displayURL(ln.Addr()), cfg.S3CORS, stdout); err != nil {
			ln.Close()
			return err
		}
	}
	srv := newServer(a.Handler(), logger, headerTimeout)
	fmt.Fprintf(stdout, "listening on %s\n", displayURL(ln.Addr()))
	logger.Info("serving", "addr", ln.Addr().String(), "data", cfg.Data, "db", cfg.DB, "storage", a.store.where,
		"max_size", cfg.MaxSize, "temp_ttl", cfg.TempTTL, "sweep_every", cfg.SweepEvery)

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		srv.Close()
		return fmt.Errorf("shutdown: %w", err)
	}
	// Scans and thumbnails still running after their requests were
	// answered (see sticky.Config.ProcessWait) finish, or are recorded as
	// cut short.
	for _, up := range []*sticky.Uploader{a.up, a.gallery} {
		if err := up.Shutdown(shutdownCtx); err != nil {
			logger.Warn("processing cut short by the shutdown", "err", err)
		}
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// newServer is the demo's HTTP server: a client that has not sent its whole
// request header within readHeader (headerTimeout in the demo) is cut off,
// a body that sends nothing for sticky.DefaultBodyTimeout is cut (on every
// route, sign-in included), and idle kept-alive connections are closed
// after idleTimeout. Bodies have no overall deadline, since big uploads
// take long but keep moving.
func newServer(h http.Handler, logger *slog.Logger, readHeader time.Duration) *http.Server {
	return &http.Server{
		Handler:           sticky.CutStalled(h, sticky.DefaultBodyTimeout),
		ReadHeaderTimeout: readHeader,
		IdleTimeout:       idleTimeout,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
}

// displayURL is the URL to print for a listener: an unspecified host
// (":8080", "0.0.0.0:8080") becomes 127.0.0.1, which can be browsed.
func displayURL(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "http://" + addr.String()
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}
