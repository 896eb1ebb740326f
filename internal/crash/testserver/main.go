// Command testserver serves a sticky Uploader for the crash tests, as a
// process of its own that a test can kill with SIGKILL and start again on
// the same store.
//
//	testserver -addr 127.0.0.1:PORT -store DIR [-hold FILE]
//
// The identity is the X-User header. Besides the uploader at /uploads/, it
// answers POST /check, a form whose sticky field "file" is read with
// ReadForm and Form.File, with {"name", "size", "sha256"} of the file, or
// {"error"} and the error's status. With -hold, a processor stops at any
// file named hold.bin: it creates FILE and waits, never to answer.
package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"io"
	"log"
	"net/http"
	"os"
	"strings"

	"github.com/stickyuploads/sticky"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on")
	store := flag.String("store", "", "the temporary store's directory")
	hold := flag.String("hold", "", "a file to create when a hold.bin upload is being processed")
	flag.Parse()

	var processors []sticky.Processor
	if *hold != "" {
		processors = append(processors, sticky.ProcessorFunc(func(ctx context.Context, f *sticky.File) (map[string]any, error) {
			if f.Name == "hold.bin" {
				if err := os.WriteFile(*hold, nil, 0o600); err != nil {
					return nil, err
				}
				select {} // until killed
			}
			return nil, nil
		}))
	}
	disk, err := sticky.NewDiskStore(*store)
	if err != nil {
		log.Fatal(err)
	}
	up, err := sticky.New(sticky.Config{
		Keys:       [][]byte{[]byte(strings.Repeat("crash-test-key-", 3))},
		Identity:   func(r *http.Request) string { return r.Header.Get("X-User") },
		MaxSize:    64 << 20,
		Store:      disk,
		Processors: processors,
	})
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/uploads/", up)
	mux.HandleFunc("POST /check", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		form, err := up.ReadForm(w, r)
		var f *sticky.File
		if err == nil {
			f, err = form.File("file")
		}
		if err != nil {
			w.WriteHeader(sticky.Status(err))
			json.NewEncoder(w).Encode(map[string]any{"error": err.Error()})
			return
		}
		rc, err := f.Open(r.Context())
		if err != nil {
			w.WriteHeader(sticky.Status(err))
			json.NewEncoder(w).Encode(map[string]any{"error": err.Error()})
			return
		}
		defer rc.Close()
		h := sha256.New()
		n, err := io.Copy(h, rc)
		if err != nil {
			w.WriteHeader(http.StatusInternalServerError)
			json.NewEncoder(w).Encode(map[string]any{"error": err.Error()})
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"name": f.Name, "size": n, "sha256": hex.EncodeToString(h.Sum(nil))})
	})
	log.Fatal(http.ListenAndServe(*addr, mux))
}
