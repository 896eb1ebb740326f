package thumbnail_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"

	"github.com/stickyuploads/sticky/thumbnail"
)

func ExampleMake() {
	src, err := os.Open("testdata/quadrants.webp") // 64×48
	if err != nil {
		log.Fatal(err)
	}
	defer src.Close()

	var dst bytes.Buffer // a file, or a bucket's writer
	res, err := thumbnail.Make(&dst, src, thumbnail.Spec{Width: 32, Height: 32})
	switch {
	case errors.Is(err, thumbnail.ErrFormat), errors.Is(err, thumbnail.ErrCorrupt):
		log.Print("not an image we can read") // the user's fault: 415 or 422
		return
	case errors.Is(err, thumbnail.ErrTooManyPixels):
		log.Print("image too large") // 413
		return
	case err != nil:
		log.Fatal(err)
	}
	fmt.Println(res.Width, res.Height, res.ContentType)
	// Output: 32 24 image/jpeg
}

func ExampleParseBox() {
	// A size from configuration, such as a -thumbnail flag.
	w, h, err := thumbnail.ParseBox("160x90")
	if err != nil {
		log.Fatal(err)
	}
	spec := thumbnail.Spec{Width: w, Height: h, Crop: true}
	fmt.Printf("%dx%d crop %v\n", spec.Width, spec.Height, spec.Crop)

	_, _, err = thumbnail.ParseBox("0x100")
	fmt.Println(err)
	// Output:
	// 160x90 crop true
	// thumbnail: invalid spec: size "0x100" is not WIDTHxHEIGHT with sides 1 to 8192
}

func ExampleSpec_Derive() {
	// Uploads kept in a directory; the thumbnail goes beside the upload,
	// its name prefixed with the upload's.
	dir, err := os.MkdirTemp("", "uploads")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	upload := filepath.Join(dir, "7f3a9c")
	photo, err := os.ReadFile("testdata/quadrants.webp")
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(upload, photo, 0o600); err != nil {
		log.Fatal(err)
	}

	open := func() (io.ReadCloser, error) { return os.Open(upload) }
	create := func(name, contentType string) (io.WriteCloser, error) {
		return os.Create(upload + "." + name)
	}
	spec := thumbnail.Spec{Width: 24, Height: 24, Crop: true}
	fields, err := spec.Derive(context.Background(), open, create)
	if err != nil {
		log.Fatal(err)
	}

	res := fields["thumbnail"].(thumbnail.Result)
	fmt.Println(res.Name, res.Width, res.Height, res.ContentType)
	if _, err := os.Stat(upload + ".thumbnail.jpg"); err == nil {
		fmt.Println("stored beside the upload")
	}
	// Output:
	// thumbnail.jpg 24 24 image/jpeg
	// stored beside the upload
}
