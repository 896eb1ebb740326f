package sticky_test

import (
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"

	"github.com/stickyuploads/sticky"
)

// The language follows the request's Accept-Language, among sticky's own
// (English, German, French, Spanish) and those the app adds; the app may
// change any sentence. The errors of a Form speak the request's language,
// and Message says any error in any language.
func Example_languages() {
	dir, _ := os.MkdirTemp("", "sticky-example")
	defer os.RemoveAll(dir)
	up, err := sticky.New(sticky.Config{
		Keys:     [][]byte{[]byte("an example key of at least 32 bytes!")},
		Identity: currentUser,
		Store:    mustDisk(dir),
		Messages: map[string]map[string]string{
			"de": {"form.choose": "Bitte eine Datei auswählen."}, // a sentence changed
			"it": {"form.choose": "Scegli un file."},             // a language added
		},
	})
	if err != nil {
		log.Fatal(err)
	}

	r := httptest.NewRequest(http.MethodPost, "/documents/new", strings.NewReader("title=Report"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Accept-Language", "it-CH, de;q=0.8, en;q=0.5")
	form, err := up.ReadForm(httptest.NewRecorder(), r)
	if err != nil {
		log.Fatal(err)
	}
	_, err = form.File("file")
	fmt.Println(up.Language(r))
	fmt.Println(err)
	fmt.Println(up.Message(err, "de"))
	fmt.Println(up.Message(err, "fr"))

	field := up.Widget(sticky.Widget{Name: "file", Error: err.Error(), Language: up.Language(r)})
	fmt.Println(strings.Contains(string(field), `lang="it"`))
	// Output:
	// it
	// Scegli un file.
	// Bitte eine Datei auswählen.
	// Choisissez un fichier.
	// true
}
