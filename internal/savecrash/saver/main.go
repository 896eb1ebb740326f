// Command saver saves one kept file, for the crash test of saving: it
// reads the reference given with ReadForm and Form.File, as a handler
// would, prints "saving", saves the file with Permanent.Save into a
// DirVault, and prints "saved KEY".
//
//	saver -store DIR -vault DIR -ref REF
package main

import (
	"flag"
	"fmt"
	"log"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"

	"github.com/stickyuploads/sticky"
	"github.com/stickyuploads/sticky/internal/savecrash/shared"
)

func main() {
	store := flag.String("store", "", "the temporary store's directory")
	vault := flag.String("vault", "", "the vault's directory")
	ref := flag.String("ref", "", "the kept file's reference")
	flag.Parse()

	up, err := sticky.New(shared.Config(*store))
	if err != nil {
		log.Fatal(err)
	}
	root, err := os.OpenRoot(*vault)
	if err != nil {
		log.Fatal(err)
	}
	var body strings.Builder
	mw := multipart.NewWriter(&body)
	mw.WriteField("_file", *ref)
	mw.Close()
	r := httptest.NewRequest(http.MethodPost, "/save", strings.NewReader(body.String()))
	r.Header.Set("Content-Type", mw.FormDataContentType())
	r.Header.Set("X-User", shared.User)
	form, err := up.ReadForm(httptest.NewRecorder(), r)
	if err != nil {
		log.Fatal(err)
	}
	f, err := form.File("file")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("saving")
	key, err := (&sticky.Permanent{Vault: sticky.DirVault(root), Pattern: "{owner}/{key}{ext}"}).Save(r.Context(), f, map[string]string{"owner": shared.User})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("saved", key)
}
