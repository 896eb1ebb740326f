// Package private serves stored files only to whom the app allows.
//
// A Handler reads files from its Files: a local directory (Dir, through
// os.Root, so no request can reach outside it) or a gocloud.dev/blob
// bucket (package private/bucket, so that an app serving a directory
// compiles no cloud SDK), and asks the app's Authorize function about
// every request. Nobody is allowed until Authorize says so. Go sends the
// bytes itself, with ranges and conditional requests, or leaves the
// sending to nginx (XAccelRedirect), Apache (XSendfile) or the bucket
// (bucket.SignedRedirect); the decision stays in Go.
//
//	root, err := os.OpenRoot("/var/lib/myapp/files")
//	// ...
//	files := &private.Handler{
//		Files:  private.Dir{Root: root},
//		Prefix: "/files/",
//		Authorize: func(r *http.Request, f *private.File) bool {
//			return strings.HasPrefix(f.Key, currentUser(r)+"/")
//		},
//	}
//	mux.Handle("GET /files/", files)
//
// For a route of the app's own, such as /documents/{id}/file, the app
// looks up the document and calls Serve with its file's key; the document
// becomes File.Parent, for Authorize and Name to use:
//
//	mux.HandleFunc("GET /documents/{id}/file", func(w http.ResponseWriter, r *http.Request) {
//		doc, err := db.Document(r.Context(), r.PathValue("id"))
//		if err != nil {
//			http.NotFound(w, r)
//			return
//		}
//		files.Serve(w, r, doc.FileKey, doc)
//	})
//
// docs/private-files.md covers parent objects, inline display, the nginx
// and Apache configuration, and buckets.
package private
