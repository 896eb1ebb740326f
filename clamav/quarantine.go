package clamav

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"time"

	"github.com/stickyuploads/sticky"
)

// Record is what the quarantine keeps beside an infected file, as JSON in
// key.json: what the audit record says.
type Record struct {
	Key       string    `json:"key"`  // the name of the file's copy
	User      string    `json:"user"` // sticky.IdentityOf: who uploaded it
	Name      string    `json:"name"` // the file's name, as the client gave it (cleaned)
	Size      int64     `json:"size"`
	Type      string    `json:"type"` // judged from the bytes
	Field     string    `json:"field"`
	Signature string    `json:"signature"` // what clamd found
	Time      time.Time `json:"time"`
}

// quarantine copies f into the quarantine directory under a new random
// key, with its record beside it, and returns the key. On error nothing
// is left.
func (s *Scanner) quarantine(ctx context.Context, f *sticky.File, sig string) (key string, err error) {
	key = sticky.NewKey()
	rec := Record{Key: key, User: sticky.IdentityOf(ctx), Name: f.Name, Size: f.Size,
		Type: f.Type, Field: f.Field, Signature: sig, Time: time.Now().UTC()}
	meta, err := json.MarshalIndent(rec, "", "\t")
	if err != nil {
		return "", err
	}
	defer func() {
		if err != nil {
			s.Quarantine.Remove(key)
			s.Quarantine.Remove(key + ".json")
		}
	}()
	if err := s.writeFile(key, func(w io.Writer) error {
		rc, err := f.Open(ctx)
		if err != nil {
			return err
		}
		defer rc.Close()
		n, err := io.Copy(w, rc)
		if err == nil && n != f.Size {
			err = errors.New("clamav: the upload changed length while it was copied")
		}
		return err
	}); err != nil {
		return "", err
	}
	return key, s.writeFile(key+".json", func(w io.Writer) error {
		_, err := w.Write(append(meta, '\n'))
		return err
	})
}

// writeFile creates name in the quarantine, mode 0600, and fills it.
func (s *Scanner) writeFile(name string, fill func(io.Writer) error) error {
	file, err := s.Quarantine.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if err := fill(file); err != nil {
		file.Close()
		return err
	}
	return file.Close()
}
