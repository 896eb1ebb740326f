package sticky_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"

	"github.com/stickyuploads/sticky"
	"github.com/stickyuploads/sticky/thumbnail"
)

// post sends one file to the upload endpoint as user and returns the
// status and the JSON reply.
func post(up http.Handler, user, name string, content []byte) (int, map[string]any) {
	body, ctype := multipartBody(map[string]string{"field": "doc"}, "upload", name, string(content))
	r := httptest.NewRequest("POST", "/uploads/", body)
	r.Header.Set("Content-Type", ctype)
	r.Header.Set("X-Demo-User", user)
	w := httptest.NewRecorder()
	up.ServeHTTP(w, r)
	var reply map[string]any
	json.Unmarshal(w.Body.Bytes(), &reply)
	return w.Code, reply
}

// A quota: Before refuses an upload when the space is used up, before any
// byte is stored, and a processor, which sees the file's real size, refuses
// the one that does not fit and tells the page how much is left.
func ExampleProcessorFunc() {
	const quota = 1000
	used := map[string]int64{"alice": 200, "bob": 1000} // the app's own records
	dir, _ := os.MkdirTemp("", "uploads")
	defer os.RemoveAll(dir)
	up, err := sticky.New(sticky.Config{
		Keys:     [][]byte{[]byte("an example key of at least 32 bytes!")},
		Identity: currentUser,
		Store:    mustDisk(dir),
		Before: func(r *http.Request, in sticky.Incoming) error {
			if used[currentUser(r)]+max(in.Size, 0) >= quota {
				return sticky.Refuse(http.StatusRequestEntityTooLarge, "Your space is full: delete a file first.")
			}
			return nil
		},
		Processors: []sticky.Processor{sticky.ProcessorFunc(func(ctx context.Context, f *sticky.File) (map[string]any, error) {
			left := quota - used[ctx.Value(userKey{}).(string)] - f.Size
			if left < 0 {
				return nil, sticky.Refuse(http.StatusRequestEntityTooLarge, "This file does not fit in your space.")
			}
			return map[string]any{"space_left": left}, nil
		})},
	})
	if err != nil {
		log.Fatal(err)
	}
	// The app's middleware puts the user in the request's context, which
	// processors see.
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		up.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), userKey{}, currentUser(r))))
	})
	for _, try := range []struct {
		user string
		size int
	}{{"alice", 300}, {"alice", 900}, {"bob", 10}} {
		status, reply := post(h, try.user, "notes.txt", bytes.Repeat([]byte("x"), try.size))
		fmt.Println(try.user, status, reply["space_left"], reply["errors"])
	}
	// Output:
	// alice 200 500 <nil>
	// alice 413 <nil> map[upload:[This file does not fit in your space.]]
	// bob 413 <nil> map[upload:[Your space is full: delete a file first.]]
}

type userKey struct{}

// Thumbnails are made as each image arrives, kept beside it, described in
// the reply, and saved with it.
func ExampleDerive() {
	dir, _ := os.MkdirTemp("", "uploads")
	defer os.RemoveAll(dir)
	up, err := sticky.New(sticky.Config{
		Keys:       [][]byte{[]byte("an example key of at least 32 bytes!")},
		Identity:   currentUser,
		Store:      mustDisk(filepath.Join(dir, "uploads")),
		Processors: []sticky.Processor{sticky.Derive(thumbnail.Spec{Width: 32, Height: 32, Format: "jpeg"})},
	})
	if err != nil {
		log.Fatal(err)
	}
	photo := image.NewRGBA(image.Rect(0, 0, 128, 64))
	for i := range photo.Pix {
		photo.Pix[i] = uint8(i)
	}
	photo.Set(0, 0, color.White)
	var b bytes.Buffer
	png.Encode(&b, photo)

	_, reply := post(up, "alice", "photo.png", b.Bytes())
	fmt.Println(reply["thumbnail"].(map[string]any)["name"], reply["thumbnail"].(map[string]any)["width"], reply["thumbnail"].(map[string]any)["height"])

	// Later the form posts the reference; the file comes with its thumbnail.
	body, ctype := multipartBody(map[string]string{"_doc": reply["stored"].(string)}, "", "", "")
	r := httptest.NewRequest("POST", "/gallery", body)
	r.Header.Set("Content-Type", ctype)
	r.Header.Set("X-Demo-User", "alice")
	form, _ := up.ReadForm(httptest.NewRecorder(), r)
	f, _ := form.File("doc")
	derived, _ := f.Derived(r.Context())
	fmt.Println(len(derived), derived[0].Name, derived[0].Type)

	os.Mkdir(filepath.Join(dir, "documents"), 0o700)
	root, _ := os.OpenRoot(filepath.Join(dir, "documents"))
	defer root.Close()
	perm := &sticky.Permanent{Vault: sticky.DirVault(root)}
	key, err := perm.Save(r.Context(), f, nil) // the photo, and its thumbnail beside it
	if err != nil {
		log.Fatal(err)
	}
	thumbKey := sticky.DerivedKey(key, derived[0].Name)
	_, err = root.Stat(thumbKey)
	fmt.Println(strings.HasSuffix(key, ".png"), strings.HasSuffix(thumbKey, "-thumbnail.jpg"), err)
	// Output:
	// thumbnail.jpg 32 16
	// 1 thumbnail.jpg image/jpeg
	// true true <nil>
}
