package sticky

import (
	"net/http"
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	up, dir := newTestUploader(t, Config{})
	identityAsked := false
	up.identity = func(*http.Request) string { identityAsked = true; return "u" }
	signIn := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if _, err := r.Cookie("session"); err != nil {
				http.Redirect(w, r, "/login", http.StatusSeeOther)
				return
			}
			h.ServeHTTP(w, r)
		})
	}
	tests := []struct {
		name  string
		mount func(*http.ServeMux)
		want  []string // in the error; none: no error
	}{
		{"subtree", func(m *http.ServeMux) { m.Handle("/uploads/", up) }, nil},
		{"subtree behind cross-origin protection", func(m *http.ServeMux) {
			m.Handle("/uploads/", http.NewCrossOriginProtection().Handler(up))
		}, nil},
		{"the mount path only", func(m *http.ServeMux) { m.Handle("/uploads/{$}", up) }, []string{
			"GET " + up.ScriptURL() + " (the client script) never reached the Uploader: the handler answered 404",
			"OPTIONS /uploads/tus/ (the resumable endpoint) never reached",
			`r.Handle("/uploads/*", up)`,
		}},
		{"POST only", func(m *http.ServeMux) { m.Handle("POST /uploads/", up) }, []string{"(the stylesheet) never reached the Uploader: the handler answered 405"}},
		{"prefix stripped", func(m *http.ServeMux) { m.Handle("/uploads/", http.StripPrefix("/uploads", up)) }, []string{
			"reached the Uploader as /" + strings.TrimPrefix(up.ScriptURL(), "/uploads/") + ": mount it without stripping the prefix",
		}},
		{"elsewhere", func(m *http.ServeMux) { m.Handle("/files/", up) }, []string{"POST /uploads/ (the upload endpoint) never reached"}},
		{"behind a sign-in redirect", func(m *http.ServeMux) { m.Handle("/uploads/", signIn(up)) }, []string{"answered 303"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mux := http.NewServeMux()
			tt.mount(mux)
			err := up.Check(mux)
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("Check: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("Check passed")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("the error lacks %q:\n%v", w, err)
				}
			}
		})
	}
	if identityAsked {
		t.Error("a probe asked Identity")
	}
	assertStoreEmpty(t, dir)
}
