package sticky

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/tus/tusd/v2/pkg/handler"
)

// A receipt is a small JSON upload beside a processed file, under the id
// receiptID(file's id): written once the processors are done, it lists the
// files they derived and keeps the reply. Resumable uploads always get one,
// and one exists only for uploads that were answered: a complete upload
// without it was never accepted (its server stopped while processing it),
// until a HEAD accepts it (see tusUpload.GetInfo).
type receipt struct {
	Name    string                     `json:"name"`
	Size    int64                      `json:"size"`
	Type    string                     `json:"type"`
	SHA256  string                     `json:"sha256,omitempty"`
	Results map[string]json.RawMessage `json:"results,omitempty"`
	Derived []derivedRecord            `json:"derived,omitempty"`
}

type derivedRecord struct {
	Name   string `json:"name"`
	Type   string `json:"type"`
	Size   int64  `json:"size"`
	ID     string `json:"id"`
	SHA256 string `json:"sha256,omitempty"`
}

// maxReceipt bounds a receipt, in bytes.
const maxReceipt = 1 << 20

// receiptID names the receipt of upload id, so that it can be found from
// the id alone.
func (u *Uploader) receiptID(id string) string { return u.uploadName(id) + ".receipt" }

func (u *Uploader) writeReceipt(ctx context.Context, f *File) error {
	m := f.made
	rec := receipt{Name: f.Name, Size: f.Size, Type: f.Type, SHA256: f.SHA256, Results: m.results}
	for _, d := range m.derived {
		rec.Derived = append(rec.Derived, derivedRecord{Name: d.Name, Type: d.Type, Size: d.Size, ID: d.id, SHA256: d.SHA256})
	}
	b, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	info := handler.FileInfo{ID: u.receiptID(f.id), MetaData: handler.MetaData{
		"filename": "receipt.json",
		"filetype": "application/json",
		"parent":   f.id,
		"expires":  strconv.FormatInt(time.Now().Add(u.ttl).Unix(), 10),
	}}
	id, err := u.putSmall(ctx, info, b, maxReceipt)
	if err != nil {
		return err
	}
	m.receipt = id
	return nil
}

// readReceipt reads the receipt of upload id. It returns a nil receipt when
// there is none, and then the id of a half-written one, if any, to remove.
func (u *Uploader) readReceipt(ctx context.Context, id string) (*receipt, string, error) {
	var rec receipt
	found, rid, err := u.readNote(ctx, u.receiptID(id), &rec)
	if !found {
		return nil, rid, err
	}
	return &rec, rid, nil
}

// readNote reads the small JSON upload named name (a receipt, a note) into
// v, and reports whether there is one. A half-written one is not found,
// and then its id is returned, to remove.
func (u *Uploader) readNote(ctx context.Context, name string, v any) (found bool, id string, err error) {
	up, err := u.findUpload(ctx, name)
	if errors.Is(err, handler.ErrNotFound) {
		return false, "", nil
	}
	if err != nil {
		return false, "", err
	}
	info, err := up.GetInfo(ctx)
	if errors.Is(err, handler.ErrNotFound) {
		return false, "", nil
	}
	if err != nil {
		return false, "", err
	}
	if info.SizeIsDeferred || info.Offset != info.Size {
		return false, info.ID, nil
	}
	rc, err := up.GetReader(ctx)
	if err != nil {
		return false, "", err
	}
	defer rc.Close()
	if err := json.NewDecoder(io.LimitReader(rc, maxReceipt)).Decode(v); err != nil {
		return false, "", fmt.Errorf("sticky: reading %s: %w", info.ID, err)
	}
	return true, info.ID, nil
}
