package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/stickyuploads/sticky"
)

// Header names the user of a request to the server under test.
const userHeader = "X-Load-User"

// field is the sticky field every upload is made for.
const field = "doc"

// serveMain is the server under test, run in a process of its own (the
// hidden "serve" subcommand) so that its peak memory is its own. It prints
// "listening <addr>" on stdout once it accepts connections and serves until
// it is sent SIGINT or SIGTERM, or its stdin closes.
//
// Besides the Uploader at /uploads/ it answers:
//
//	POST /verify  (form: _doc=<ref>)  the SHA-256 and size of the stored bytes,
//	              read through ReadForm, Form.File and File.Open; then the
//	              upload is discarded
//	POST /sweep   a Sweep of every temporary upload older than now
func serveMain(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	dir := fs.String("dir", "", "temporary directory of the DiskStore")
	maxSize := fs.Int64("max-size", 64<<20, "Config.MaxSize")
	verbose := fs.Bool("v", false, "log the Uploader's warnings to stderr")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dir == "" {
		return fmt.Errorf("serve: -dir is required")
	}
	store, err := sticky.NewDiskStore(*dir)
	if err != nil {
		return err
	}
	logger := slog.New(slog.DiscardHandler)
	if *verbose {
		logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	key := []byte(sticky.NewKey() + sticky.NewKey())
	identity := func(r *http.Request) string { return r.Header.Get(userHeader) }
	up, err := sticky.New(sticky.Config{
		Keys:          [][]byte{key},
		Identity:      identity,
		MaxSize:       *maxSize,
		Store:         store,
		TTL:           time.Hour,
		RateLimit:     0,  // no per-user rate limit
		MaxConcurrent: -1, // no cap on uploads at once
		Logger:        logger,
	})
	if err != nil {
		return err
	}
	// The sweeper shares the store; with a TTL of 1 ns its Sweep removes
	// every upload last written before now, as the real Sweep does once
	// Config.TTL has passed.
	sweeper, err := sticky.New(sticky.Config{Keys: [][]byte{key}, Identity: identity, Store: store, TTL: time.Nanosecond, Logger: logger})
	if err != nil {
		return err
	}

	mux := http.NewServeMux()
	mux.Handle("/uploads/", up)
	mux.HandleFunc("POST /verify", func(w http.ResponseWriter, r *http.Request) {
		form, err := up.ReadForm(w, r)
		if err != nil {
			http.Error(w, "read form: "+err.Error(), sticky.Status(err))
			return
		}
		f, err := form.File(field)
		if err != nil {
			http.Error(w, "file: "+err.Error(), sticky.Status(err))
			return
		}
		rc, err := f.Open(r.Context())
		if err != nil {
			http.Error(w, "open: "+err.Error(), http.StatusInternalServerError)
			return
		}
		h := sha256.New()
		n, err := io.Copy(h, rc)
		rc.Close()
		if err != nil {
			http.Error(w, "read: "+err.Error(), http.StatusInternalServerError)
			return
		}
		if err := f.Discard(r.Context()); err != nil {
			http.Error(w, "discard: "+err.Error(), http.StatusInternalServerError)
			return
		}
		writeJSON(w, verifyReply{SHA256: hex.EncodeToString(h.Sum(nil)), Size: n})
	})
	mux.HandleFunc("POST /sweep", func(w http.ResponseWriter, r *http.Request) {
		removed, err := sweeper.Sweep(r.Context())
		rep := sweepReply{Removed: removed}
		if err != nil {
			rep.Error = err.Error()
		}
		writeJSON(w, rep)
	})

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: time.Minute}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		io.Copy(io.Discard, os.Stdin) // the parent went away
		stop <- syscall.SIGTERM
	}()
	go func() {
		<-stop
		srv.Close()
	}()
	fmt.Printf("listening %s\n", ln.Addr())
	if err := srv.Serve(ln); err != http.ErrServerClosed {
		return err
	}
	return nil
}

type verifyReply struct {
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

type sweepReply struct {
	Removed int    `json:"removed"`
	Error   string `json:"error,omitempty"`
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}
