package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/stickyuploads/sticky"
	"github.com/stickyuploads/sticky/private"
)

// The servers under test, each run as `bench NAME -addr ADDR -dir DIR`.
// They are not in the usage: the harness starts them.
var servers = map[string]func(cfg serveConfig) (http.Handler, error){
	"serve-sticky":    stickyServer,
	"serve-sticky-s3": stickyS3Server,
	"serve-bare":      bareServer,
	"serve-parseform": parseFormServer,
	"serve-private":   privateServer,
	"serve-servefile": serveFileServer,
}

// serveConfig is what a server subcommand is told.
type serveConfig struct {
	dir      string // where uploads go, or where the files to serve are
	sender   string // private: "stream" (Go sends) or "xaccel" (nginx sends)
	endpoint string // sticky-s3: the S3 server's URL
	bucket   string // sticky-s3: the bucket of the temporary uploads
}

// Paths of the servers under test.
const (
	stickyMount  = "/uploads/"     // sticky's one-shot endpoint; tus below it
	stickyTus    = "/uploads/tus/" // sticky's tus endpoint
	uploadPath   = "/upload"       // the baselines' upload handlers
	filesPrefix  = "/files/"       // private downloads and http.ServeFile
	internalPath = "/private-internal/"
	directPrefix = "/direct/" // nginx serving the files itself
	benchOwner   = "bench-user"
	benchField   = "doc"
	maxUpload    = 4 << 30
)

// benchKey signs references in the sticky server; any 32 bytes will do.
var benchKey = []byte("sticky-bench-key-0123456789abcdef-not-secret")

// serveMain runs one server until its standard input closes (the harness
// stopped it, or died) or it gets SIGTERM. It prints its URL first.
func serveMain(name string, newHandler func(serveConfig) (http.Handler, error), args []string) int {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:0", "address to listen on")
	var cfg serveConfig
	fs.StringVar(&cfg.dir, "dir", "", "data directory")
	fs.StringVar(&cfg.sender, "sender", "stream", "private: stream or xaccel")
	fs.StringVar(&cfg.endpoint, "s3-endpoint", "", "sticky-s3: the S3 server's URL")
	fs.StringVar(&cfg.bucket, "s3-bucket", "", "sticky-s3: the bucket of the temporary uploads")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if cfg.dir == "" {
		fmt.Fprintln(os.Stderr, name+": -dir is required")
		return 2
	}
	h, err := newHandler(cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, name+":", err)
		return 1
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, name+":", err)
		return 1
	}
	fmt.Printf("http://%s\n", ln.Addr())
	// STICKY_BENCH_CPUPROFILE=DIR writes each server's CPU profile there.
	if dir := os.Getenv("STICKY_BENCH_CPUPROFILE"); dir != "" {
		if f, err := os.Create(filepath.Join(dir, name+"-"+strconv.Itoa(os.Getpid())+".pprof")); err == nil {
			pprof.StartCPUProfile(f)
			term := make(chan os.Signal, 1)
			signal.Notify(term, syscall.SIGTERM)
			go func() { <-term; pprof.StopCPUProfile(); os.Exit(0) }()
		}
	}
	go func() {
		// The harness holds our stdin open while it needs us.
		io.Copy(io.Discard, os.Stdin)
		pprof.StopCPUProfile()
		os.Exit(0)
	}()
	mux := http.NewServeMux()
	mux.Handle("/", h)
	mux.HandleFunc("GET "+cpuPath, serveCPU)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ErrorLog: nil}
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(os.Stderr, name+":", err)
		return 1
	}
	return 0
}

// stickyServer is sticky's Uploader mounted at /uploads/, storing into a
// DiskStore in dir, with every request coming from the same user.
func stickyServer(cfg serveConfig) (http.Handler, error) {
	store, err := sticky.NewDiskStore(cfg.dir)
	if err != nil {
		return nil, err
	}
	return stickyMux(sticky.Config{Store: store})
}

// stickyMux mounts at /uploads/ an Uploader of c with the harness's key,
// its one user, its largest upload and warnings logged.
func stickyMux(c sticky.Config) (http.Handler, error) {
	c.Path, c.Keys, c.MaxSize = stickyMount, [][]byte{benchKey}, maxUpload
	c.Identity = func(*http.Request) string { return benchOwner }
	// Every client is the same user here; the per-user cap on uploads at
	// once would refuse the concurrency cases' extra clients.
	c.MaxConcurrent = -1
	c.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	up, err := sticky.New(c)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle(stickyMount, up)
	return mux, nil
}

// sizeReply is the baselines' answer: the bytes they stored.
type sizeReply struct {
	Size int64 `json:"size"`
}

// writeSize answers a baseline's upload.
func writeSize(w http.ResponseWriter, n int64) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(sizeReply{Size: n})
}

// bareServer streams the multipart file to a file in dir and nothing else:
// no limits, no checks. It is as fast as a multipart upload can be stored
// in Go on this machine.
func bareServer(cfg serveConfig) (http.Handler, error) {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+uploadPath, func(w http.ResponseWriter, r *http.Request) {
		mr, err := r.MultipartReader()
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var total int64
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			if p.FileName() == "" {
				continue
			}
			f, err := os.CreateTemp(cfg.dir, "bare-*")
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			n, err := io.Copy(f, p)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				os.Remove(f.Name())
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			total += n
		}
		writeSize(w, total)
	})
	return mux, nil
}

// parseFormServer is the handler most tutorials show: ParseMultipartForm
// with 32 MiB in memory (the rest spills to a temporary file, in TMPDIR),
// FormFile, and a copy to the destination.
func parseFormServer(cfg serveConfig) (http.Handler, error) {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+uploadPath, func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseMultipartForm(32 << 20); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		file, _, err := r.FormFile("upload")
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		defer file.Close()
		dst, err := os.CreateTemp(cfg.dir, "form-*")
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		n, err := io.Copy(dst, file)
		if cerr := dst.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(dst.Name())
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		writeSize(w, n)
	})
	return mux, nil
}

// benchAuth is what the download clients send, and what the private
// handler checks: a stand-in for a session lookup.
const benchAuth = "Bearer bench"

// privateServer is private.Handler over the files in dir, at /files/,
// allowing requests that carry benchAuth. With sender "xaccel" it answers
// with X-Accel-Redirect for nginx to send the bytes.
func privateServer(cfg serveConfig) (http.Handler, error) {
	root, err := os.OpenRoot(cfg.dir)
	if err != nil {
		return nil, err
	}
	h := &private.Handler{
		Files:     private.Dir{Root: root},
		Prefix:    filesPrefix,
		Authorize: func(r *http.Request, f *private.File) bool { return r.Header.Get("Authorization") == benchAuth },
	}
	switch cfg.sender {
	case "stream":
	case "xaccel":
		h.Sender = private.XAccelRedirect{Prefix: internalPath}
	default:
		return nil, fmt.Errorf("unknown -sender %q", cfg.sender)
	}
	mux := http.NewServeMux()
	mux.Handle(filesPrefix, h)
	return mux, nil
}

// serveFileServer is http.ServeFile over the files in dir, at /files/,
// with the same check of the request as the private handler.
func serveFileServer(cfg serveConfig) (http.Handler, error) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+filesPrefix+"{name}", func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("name")
		if r.Header.Get("Authorization") != benchAuth || strings.ContainsAny(name, `/\`) || name == ".." {
			http.NotFound(w, r)
			return
		}
		http.ServeFile(w, r, filepath.Join(cfg.dir, name))
	})
	return mux, nil
}
