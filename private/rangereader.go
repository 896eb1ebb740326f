package private

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// rangeContent reads a Content for http.ServeContent: an io.ReadSeeker
// over range reads, in constant memory. A Seek costs nothing; the next
// Read opens a range reader where it lands. The range read is bounded by
// the byte range the request asked for there, if any, so that a small
// range of a large object in a bucket fetches no more than that.
type rangeContent struct {
	ctx     context.Context
	cancel  context.CancelFunc
	content Content
	size    int64
	head    []byte      // the object's first bytes, already read
	wanted  []byteRange // the ranges the request asks for

	mu     sync.Mutex // ServeContent reads multiple ranges from a goroutine that may outlive it
	off    int64      // where the next Read starts
	r      io.ReadCloser
	rOff   int64 // where r's next Read starts
	closed bool
}

type byteRange struct{ start, length int64 }

func newRangeContent(ctx context.Context, f *File, rangeHeader string) *rangeContent {
	ctx, cancel := context.WithCancel(ctx)
	return &rangeContent{
		ctx: ctx, cancel: cancel, content: f.content, size: f.Size, head: f.head,
		wanted: parseRanges(rangeHeader, f.Size),
	}
}

func (c *rangeContent) Seek(offset int64, whence int) (int64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += c.off
	case io.SeekEnd:
		offset += c.size
	default:
		return 0, errors.New("private: invalid whence")
	}
	if offset < 0 {
		return 0, errors.New("private: negative position")
	}
	c.off = offset
	return offset, nil
}

func (c *rangeContent) Read(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return 0, errors.New("private: read after close")
	}
	if c.off >= c.size {
		return 0, io.EOF
	}
	if c.off < int64(len(c.head)) {
		n := copy(p, c.head[c.off:])
		c.off += int64(n)
		return n, nil
	}
	if c.r != nil && c.rOff != c.off {
		c.r.Close()
		c.r = nil
	}
	fresh := false
	if c.r == nil {
		r, err := c.content.ReadRange(c.ctx, c.off, c.lengthAt(c.off))
		if err != nil {
			return 0, err
		}
		c.r, c.rOff, fresh = r, c.off, true
	}
	n, err := c.r.Read(p)
	c.off += int64(n)
	c.rOff += int64(n)
	if err == io.EOF {
		c.r.Close()
		c.r = nil
		switch {
		case c.off >= c.size:
		case n == 0 && fresh:
			return 0, io.ErrUnexpectedEOF // the object shrank
		default:
			err = nil // the end of a bounded read: the next Read goes on
		}
	}
	return n, err
}

// lengthAt is how far to read from off: to the end of the wanted range
// that holds off, or to the end of the object (-1).
func (c *rangeContent) lengthAt(off int64) int64 {
	for _, w := range c.wanted {
		if w.start <= off && off < w.start+w.length {
			return w.start + w.length - off
		}
	}
	return -1
}

// Close ends the reading; it is safe while a Read is under way.
func (c *rangeContent) Close() error {
	c.cancel()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	if c.r != nil {
		err := c.r.Close()
		c.r = nil
		return err
	}
	return nil
}

// parseRanges reads a Range header's byte ranges, for sizing range reads
// only: ServeContent decides what is actually sent, so a range this gets
// wrong costs at most an extra read, never wrong bytes.
func parseRanges(h string, size int64) []byteRange {
	spec, ok := strings.CutPrefix(h, "bytes=")
	if !ok {
		return nil
	}
	var rs []byteRange
	for part := range strings.SplitSeq(spec, ",") {
		first, last, ok := strings.Cut(strings.TrimSpace(part), "-")
		if !ok {
			return nil
		}
		var start, end int64
		var err error
		if first == "" { // the last `last` bytes
			n, err := strconv.ParseInt(last, 10, 64)
			if err != nil || n <= 0 {
				return nil
			}
			start, end = max(size-n, 0), size-1
		} else {
			if start, err = strconv.ParseInt(first, 10, 64); err != nil || start < 0 {
				return nil
			}
			end = size - 1
			if last != "" {
				if end, err = strconv.ParseInt(last, 10, 64); err != nil || end < start {
					return nil
				}
				end = min(end, size-1)
			}
		}
		if start <= end {
			rs = append(rs, byteRange{start, end - start + 1})
		}
	}
	return rs
}

// maxRanges bounds the ranges honoured in one request. A request for more
// is answered whole, as HTTP allows: each range can cost a read of a
// bucket, and nobody needs hundreds.
const maxRanges = 32

// tooManyRanges says whether r asks for more than maxRanges ranges.
func tooManyRanges(r *http.Request) bool {
	return strings.Count(r.Header.Get("Range"), ",") >= maxRanges
}
