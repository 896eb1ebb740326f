// Package shared is the configuration the crash test of saving and its
// saver process share.
package shared

import (
	"context"
	"io"
	"net/http"
	"strings"

	"github.com/stickyuploads/sticky"
)

// User is the one user.
const User = "alice"

// DerivedName is the name of the file derived from each upload: its first
// half.
const DerivedName = "half.bin"

// Config configures an Uploader over the temporary store in dir.
func Config(dir string) sticky.Config {
	store, err := sticky.NewDiskStore(dir)
	if err != nil {
		panic(err)
	}
	return sticky.Config{
		Keys:       [][]byte{[]byte(strings.Repeat("save-crash-key-", 3))},
		Identity:   func(r *http.Request) string { return r.Header.Get("X-User") },
		MaxSize:    64 << 20,
		Store:      store,
		Processors: []sticky.Processor{sticky.Derive(half{})},
	}
}

// half derives DerivedName.
type half struct{}

func (half) Derive(ctx context.Context, open func() (io.ReadCloser, error), create func(name, contentType string) (io.WriteCloser, error)) (map[string]any, error) {
	rc, err := open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		return nil, err
	}
	w, err := create(DerivedName, "application/octet-stream")
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(b[:len(b)/2]); err != nil {
		w.Close()
		return nil, err
	}
	return nil, w.Close()
}
