package main

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
)

// acceptLanguage is a browser set to a language: every request says it.
type acceptLanguage struct {
	lang string
	next http.RoundTripper
}

func (a acceptLanguage) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Accept-Language", a.lang)
	return a.next.RoundTrip(r)
}

// The widget and sticky's messages follow the browser's language: German
// labels and script messages on the form, a German error for a file too
// large posted without JavaScript, and a French one from the endpoint.
func TestDemoFollowsBrowserLanguage(t *testing.T) {
	_, srv := newTestServer(t) // files up to 1 MiB
	c := login(t, srv, "alice", "wonderland")
	c.Transport = acceptLanguage{"de-DE,de;q=0.9,en;q=0.5", http.DefaultTransport}

	resp, body := get(t, c, srv.URL+"/documents/new")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /documents/new: %s", resp.Status)
	}
	for _, want := range []string{">Ersetzen</button>", ">Entfernen</button>", ">Abbrechen</button>", ">Erneut versuchen</button>", "data-messages=", "Datei entfernt."} {
		if !strings.Contains(body, want) {
			t.Errorf("the German form lacks %q", want)
		}
	}

	big := "%PDF-1.4\n" + strings.Repeat("x", 1<<20)
	resp, body = postForm(t, c, srv.URL+"/documents/new", map[string]string{"title": "Bericht"}, map[string][2]string{"file": {"bericht.pdf", big}})
	if want := "Die Datei ist zu groß: Die Grenze liegt bei 1 MiB."; resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, want) {
		t.Errorf("a file too large, in German: %s, want %q in\n%s", resp.Status, want, body)
	}

	// The background upload, from a French browser.
	c.Transport = acceptLanguage{"fr-FR,fr;q=0.9", http.DefaultTransport}
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	mw.WriteField("field", "file")
	w, _ := mw.CreateFormFile("upload", "rapport.pdf")
	io.WriteString(w, big)
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/uploads/", &b)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var rep struct {
		Errors map[string][]string `json:"errors"`
	}
	json.NewDecoder(res.Body).Decode(&rep)
	if want := "Le fichier est trop volumineux : la limite est de 1 MiB."; res.StatusCode != http.StatusRequestEntityTooLarge || len(rep.Errors["upload"]) != 1 || rep.Errors["upload"][0] != want {
		t.Errorf("the endpoint in French: %s %v, want %q", res.Status, rep.Errors, want)
	}

	// No Accept-Language: English, and no messages for the script to swap.
	c.Transport = nil
	_, body = get(t, c, srv.URL+"/documents/new")
	if !strings.Contains(body, ">Replace</button>") || strings.Contains(body, "data-messages=") {
		t.Error("the form without Accept-Language is not the English one")
	}
}
