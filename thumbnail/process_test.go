package thumbnail

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"testing"
)

// files is an in-memory place to store uploads and thumbnails.
type files struct {
	stored     map[string][]byte
	types      map[string]string
	failure    error // returned by create, or by Close when closeFails
	closeFails bool
}

func (f *files) open(data []byte) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
}

func (f *files) create(name, contentType string) (io.WriteCloser, error) {
	if f.failure != nil && !f.closeFails {
		return nil, f.failure
	}
	return &file{f: f, name: name, contentType: contentType}, nil
}

type file struct {
	bytes.Buffer
	f                 *files
	name, contentType string
}

func (w *file) Close() error {
	if w.f.closeFails {
		return w.f.failure
	}
	if w.f.stored == nil {
		w.f.stored, w.f.types = map[string][]byte{}, map[string]string{}
	}
	w.f.stored[w.name], w.f.types[w.name] = w.Bytes(), w.contentType
	return nil
}

func TestProcess(t *testing.T) {
	tests := []struct {
		name     string
		in       []byte
		spec     Spec
		wantKey  string
		wantFile string
		wantType string
		w, h     int
	}{
		{"jpeg by default", encodeJPEG(t, quadrants(400, 300, red, green, blue, yellow)), Spec{Width: 100, Height: 100},
			"thumbnail", "thumbnail.jpg", "image/jpeg", 100, 75},
		{"png for alpha, named", encodePNG(t, quadrants(300, 400, red, transparent, blue, yellow)), Spec{Width: 64, Height: 64, Crop: true, Name: "small"},
			"small", "small.png", "image/png", 64, 64},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var fs files
			fields, err := tt.spec.Derive(context.Background(), fs.open(tt.in), fs.create)
			if err != nil {
				t.Fatal(err)
			}
			res, ok := fields[tt.wantKey].(Result)
			if !ok || len(fields) != 1 {
				t.Fatalf("fields = %#v, want one Result under %q", fields, tt.wantKey)
			}
			want := Result{Name: tt.wantFile, Width: tt.w, Height: tt.h, ContentType: tt.wantType, Size: int64(len(fs.stored[tt.wantFile]))}
			if res != want {
				t.Errorf("Result = %+v, want %+v", res, want)
			}
			if len(fs.stored) != 1 || fs.types[tt.wantFile] != tt.wantType {
				t.Errorf("stored %v with types %v, want %s as %s", len(fs.stored), fs.types, tt.wantFile, tt.wantType)
			}
			decodeOutput(t, fs.stored[tt.wantFile], res)

			// The reply the uploader will send.
			reply, err := json.Marshal(fields)
			if err != nil {
				t.Fatal(err)
			}
			var back map[string]map[string]any
			if err := json.Unmarshal(reply, &back); err != nil {
				t.Fatal(err)
			}
			got := back[tt.wantKey]
			if got["name"] != tt.wantFile || got["type"] != tt.wantType || got["width"] != float64(tt.w) || got["height"] != float64(tt.h) {
				t.Errorf("reply = %s", reply)
			}
		})
	}
}

func TestProcessSkipsOtherFiles(t *testing.T) {
	var fs files
	for _, in := range [][]byte{nil, []byte("%PDF-1.7\n"), []byte("just text")} {
		fields, err := Spec{Width: 10, Height: 10}.Derive(context.Background(), fs.open(in), fs.create)
		if err != nil || fields != nil {
			t.Errorf("Process(%q) = %v, %v; want nothing", in, fields, err)
		}
	}
	if len(fs.stored) != 0 {
		t.Errorf("stored %d files", len(fs.stored))
	}
}

func TestProcessErrors(t *testing.T) {
	good := encodePNG(t, quadrants(40, 40, red, green, blue, yellow))
	failure := errors.New("store down")
	tests := []struct {
		name string
		spec Spec
		open func() (io.ReadCloser, error)
		fs   files
		want error
	}{
		{"bad spec", Spec{Width: 0, Height: 10}, (&files{}).open(good), files{}, ErrSpec},
		{"bomb", Spec{Width: 10, Height: 10}, (&files{}).open(pngBomb()), files{}, ErrTooManyPixels},
		{"corrupt", Spec{Width: 10, Height: 10}, (&files{}).open(good[:len(good)/2]), files{}, ErrCorrupt},
		{"open fails", Spec{Width: 10, Height: 10}, func() (io.ReadCloser, error) { return nil, failure }, files{}, failure},
		{"create fails", Spec{Width: 10, Height: 10}, (&files{}).open(good), files{failure: failure}, failure},
		{"close fails", Spec{Width: 10, Height: 10}, (&files{}).open(good), files{failure: failure, closeFails: true}, failure},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fields, err := tt.spec.Derive(context.Background(), tt.open, tt.fs.create)
			if !errors.Is(err, tt.want) || fields != nil {
				t.Errorf("Process = %v, %v; want %v", fields, err, tt.want)
			}
			if len(tt.fs.stored) != 0 {
				t.Errorf("stored %d files", len(tt.fs.stored))
			}
		})
	}
}

func TestProcessClosesTheUpload(t *testing.T) {
	for _, in := range [][]byte{encodePNG(t, quadrants(40, 40, red, green, blue, yellow)), pngBomb(), []byte("text")} {
		rc := &closeCounter{Reader: bytes.NewReader(in)}
		var fs files
		Spec{Width: 10, Height: 10}.Derive(context.Background(), func() (io.ReadCloser, error) { return rc, nil }, fs.create)
		if rc.closed != 1 {
			t.Errorf("upload closed %d times, want once", rc.closed)
		}
	}
}

type closeCounter struct {
	io.Reader
	closed int
}

func (c *closeCounter) Close() error { c.closed++; return nil }
