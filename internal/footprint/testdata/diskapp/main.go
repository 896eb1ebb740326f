package main

import (
	"net/http"

	"github.com/stickyuploads/sticky"
)

func main() {
	up, err := sticky.New(sticky.Config{Keys: [][]byte{make([]byte, 32)}, Identity: func(*http.Request) string { return "u" }})
	if err != nil {
		panic(err)
	}
	http.Handle("/uploads/", up)
	http.HandleFunc("/doc", func(w http.ResponseWriter, r *http.Request) {
		form, err := up.ReadForm(w, r)
		if err != nil {
			return
		}
		f, err := form.File("file")
		_ = f
	})
	http.ListenAndServe("127.0.0.1:0", nil)
}
