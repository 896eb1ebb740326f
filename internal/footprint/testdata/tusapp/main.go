package main

import (
	"net/http"
	"os"

	"github.com/tus/tusd/v2/pkg/filestore"
	"github.com/tus/tusd/v2/pkg/handler"
)

func main() {
	store := filestore.New(os.TempDir())
	c := handler.NewStoreComposer()
	store.UseIn(c)
	h, err := handler.NewHandler(handler.Config{BasePath: "/files/", StoreComposer: c})
	if err != nil {
		panic(err)
	}
	http.Handle("/files/", http.StripPrefix("/files/", h))
	http.ListenAndServe("127.0.0.1:0", nil)
}
