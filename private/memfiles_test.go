package private

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"sync"
	"time"
)

// memFiles is Files in memory, read in ranges as a bucket's are. It
// records the ranges read.
type memFiles struct {
	mu    sync.Mutex
	files map[string]*memFile
	reads []string // "offset+length" of each ReadRange
}

type memFile struct {
	data    []byte
	modTime time.Time
	etag    string
	files   *memFiles
}

func newMemFiles() *memFiles { return &memFiles{files: map[string]*memFile{}} }

// put stores data under key, with the given ETag ("" for none).
func (m *memFiles) put(key string, data []byte, etag string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.files[key] = &memFile{data: bytes.Clone(data), modTime: time.Now(), etag: etag, files: m}
}

func (m *memFiles) Open(ctx context.Context, key string) (Content, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	f, ok := m.files[key]
	if !ok {
		return nil, fmt.Errorf("memFiles %q: %w", key, fs.ErrNotExist)
	}
	return f, nil
}

func (f *memFile) Size() int64        { return int64(len(f.data)) }
func (f *memFile) ModTime() time.Time { return f.modTime }
func (f *memFile) ETag() string       { return f.etag }
func (f *memFile) Close() error       { return nil }

func (f *memFile) ReadRange(ctx context.Context, offset, length int64) (io.ReadCloser, error) {
	f.files.mu.Lock()
	f.files.reads = append(f.files.reads, fmt.Sprintf("%d+%d", offset, length))
	f.files.mu.Unlock()
	if offset > f.Size() {
		return nil, fmt.Errorf("memFile: offset %d past the end", offset)
	}
	end := f.Size()
	if length >= 0 {
		end = min(offset+length, end)
	}
	return io.NopCloser(bytes.NewReader(f.data[offset:end])), nil
}

// NewMemFiles returns empty Files in memory, for the external tests.
var NewMemFiles = newMemFiles

// Put stores data under key.
func (m *memFiles) Put(key string, data []byte) { m.put(key, data, "") }
