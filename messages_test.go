package sticky

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// placeholders lists the {names} of a text, sorted, each once.
func placeholders(text string) []string {
	var names []string
	for _, m := range regexp.MustCompile(`\{(\w+)\}`).FindAllStringSubmatch(text, -1) {
		if !slices.Contains(names, m[1]) {
			names = append(names, m[1])
		}
	}
	slices.Sort(names)
	return names
}

// Every id in every language, with the placeholders of its English text,
// and a translation where a translation is due.
func TestCatalogueComplete(t *testing.T) {
	// Texts that may read the same as in English.
	same := map[string]bool{"form.named": true, "size.byte": true, "size.bytes": true, "unit.minute": true, "unit.minutes": true} // French says them as English does
	idForm := regexp.MustCompile(`^[a-z]+\.[a-zA-Z_]+$`)
	for id, texts := range catalogue {
		if !idForm.MatchString(id) {
			t.Errorf("id %q: want area.name", id)
		}
		for i, text := range texts {
			lang := builtinLanguages[i]
			if strings.TrimSpace(text) == "" || text != strings.TrimSpace(text) {
				t.Errorf("%s in %s: %q is empty or padded", id, lang, text)
				continue
			}
			if got, want := placeholders(text), placeholders(texts[0]); !slices.Equal(got, want) {
				t.Errorf("%s in %s: placeholders %v, English has %v", id, lang, got, want)
			}
			if i > 0 && text == texts[0] && !same[id] && !strings.HasPrefix(id, "size.point") {
				t.Errorf("%s in %s is the English text %q", id, lang, text)
			}
			if strings.ContainsAny(text, "%\\") && !strings.Contains(text, "{percent}") {
				t.Errorf("%s in %s: %q holds a format verb or escape", id, lang, text)
			}
		}
	}
	for _, id := range typeWords {
		if _, ok := catalogue[id]; !ok {
			t.Errorf("typeWords names %q, which the catalogue lacks", id)
		}
	}
	for _, lang := range builtinLanguages {
		if m := DefaultMessages(lang); len(m) != len(catalogue) {
			t.Errorf("DefaultMessages(%q) has %d ids, want %d", lang, len(m), len(catalogue))
		}
	}
	if DefaultMessages("xx") != nil {
		t.Error("DefaultMessages of a language sticky does not ship is not nil")
	}
}

// The script's English defaults (client/src/defaults.js) are the
// catalogue's English texts of the same messages, key for key.
func TestClientMessagesMatchCatalogue(t *testing.T) {
	src, err := os.ReadFile("client/src/defaults.js")
	if err != nil {
		t.Fatal(err)
	}
	block := regexp.MustCompile(`(?s)var messages = \{(.*?)\n\};`).FindSubmatch(src)
	if block == nil {
		t.Fatal("no messages object in defaults.js")
	}
	script := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^\s+(\w+): '((?:[^'\\]|\\.)*)',?$`).FindAllSubmatch(block[1], -1) {
		script[string(m[1])] = strings.ReplaceAll(string(m[2]), `\'`, `'`)
	}
	if len(script) != len(clientMessages) {
		t.Errorf("defaults.js has %d messages, the catalogue %d (client.* and size.*)", len(script), len(clientMessages))
	}
	for name, id := range clientMessages {
		if got, want := script[name], catalogue[id][0]; got != want {
			t.Errorf("defaults.js %s = %q, the catalogue's %s = %q", name, got, id, want)
		}
	}
}

func TestParseAcceptLanguage(t *testing.T) {
	tests := []struct {
		header string
		want   []string
	}{
		{"", nil},
		{"de", []string{"de"}},
		{"fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5", []string{"fr-CH", "fr", "en", "de"}},
		{"en;q=0.5, de", []string{"de", "en"}},
		{"es;q=0.8,de;q=0.8", []string{"es", "de"}}, // ties keep their order
		{"de;q=0, fr", []string{"fr"}},
		{"de ; q=0.7 , fr;Q=1.000", []string{"fr", "de"}},
		{"zh-Hant-TW", []string{"zh-Hant-TW"}},
		{"de;q=1.5, fr;q=0.1234, es;q=abc, it;q=, pt;q=-1, nl;q=1.001", nil},
		{"de;level=1, fr", []string{"fr"}},
		{"<script>, en_US, toolongtag, d e, fr", []string{"fr"}},
		{"1de, de-1, x-", []string{"de-1"}},
		{",,, ;q=1, en", []string{"en"}},
		{"*", nil},
	}
	for _, tt := range tests {
		if got := parseAcceptLanguage(tt.header); !slices.Equal(got, tt.want) {
			t.Errorf("parseAcceptLanguage(%q) = %q, want %q", tt.header, got, tt.want)
		}
	}
	long := strings.Repeat("xx, ", 1000) + "de"
	if got := parseAcceptLanguage(long); len(got) != maxLanguageRanges {
		t.Errorf("a header of 1001 ranges gave %d, want the first %d", len(got), maxLanguageRanges)
	}
}

func TestLanguage(t *testing.T) {
	up, _ := newTestUploader(t, Config{Messages: map[string]map[string]string{"pt-BR": {"form.choose": "Escolha um arquivo."}}})
	chosen, _ := newTestUploader(t, Config{Language: func(r *http.Request) string { return r.URL.Query().Get("lang") }})
	tests := []struct {
		up     *Uploader
		query  string
		accept string
		want   string
	}{
		{up, "", "", "en"},
		{up, "", "de", "de"},
		{up, "", "de-AT", "de"},
		{up, "", "FR-ca, de;q=0.5", "fr"},
		{up, "", "it, es;q=0.4", "es"},
		{up, "", "it, ja", "en"},
		{up, "", "pt-br", "pt-br"},
		{up, "", "pt", "en"}, // pt-BR does not speak for all of pt
		{up, "", "pt-BR-x-y", "pt-br"},
		{chosen, "?lang=es", "de", "es"},
		{chosen, "?lang=es-MX", "de", "es"},
		{chosen, "", "de", "de"},         // "" leaves it to Accept-Language
		{chosen, "?lang=xx", "fr", "fr"}, // so does a language not known
	}
	two := httptest.NewRequest(http.MethodGet, "/", nil)
	two.Header.Add("Accept-Language", "it")
	two.Header.Add("Accept-Language", "es;q=0.5")
	if got := up.Language(two); got != "es" {
		t.Errorf("two Accept-Language lines: %q, want es", got)
	}
	for _, tt := range tests {
		r := httptest.NewRequest(http.MethodGet, "/"+tt.query, nil)
		if tt.accept != "" {
			r.Header.Set("Accept-Language", tt.accept)
		}
		if got := tt.up.Language(r); got != tt.want {
			t.Errorf("Language(%q, Accept-Language %q) = %q, want %q", tt.query, tt.accept, got, tt.want)
		}
	}
}

func TestNewChecksMessages(t *testing.T) {
	tests := []struct {
		messages map[string]map[string]string
		want     string
	}{
		{map[string]map[string]string{"de": {"upload.to_large": "x"}}, `no message has the id "upload.to_large"`},
		{map[string]map[string]string{"de": {"upload.too_large": "Höchstens {max}."}}, "placeholder {max}"},
		{map[string]map[string]string{"de_DE": {}}, "not a language tag"},
		{map[string]map[string]string{"de": {}, "DE": {}}, "twice"},
	}
	for _, tt := range tests {
		_, err := New(Config{Keys: testKeys, Store: diskAt(t, t.TempDir()), Messages: tt.messages})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("New with Messages %v: %v, want an error saying %q", tt.messages, err, tt.want)
		}
	}
}

// Values go into a text as they are, once: a value's own braces are not
// placeholders, and a placeholder a text lacks stays as written.
func TestMessageValuesFilledOnce(t *testing.T) {
	err := named(tooLarge(20<<20), "{message}{limit}.png")
	if got, want := err.Error(), "{message}{limit}.png: The file is too large: the limit is 20 MiB."; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got := fill("{a} {b} {", map[string]string{"a": "{b}"}); got != "{b} {b} {" {
		t.Errorf("fill = %q", got)
	}
	up, _ := newTestUploader(t, Config{})
	for lang, want := range map[string]string{
		"en": "This file is 1.5 KiB, but your storage has only 812 bytes of room left.",
		"de": "Diese Datei ist 1,5 KiB groß, aber Ihr Speicherplatz hat nur noch 812 Bytes frei.",
		"fr": "Ce fichier fait 1,5 KiB, mais votre espace de stockage a seulement 812 octets de place libre.",
		"es": "Este archivo ocupa 1,5 KiB, pero su espacio de almacenamiento tiene solo 812 bytes de espacio libre.",
	} {
		if got := up.Message(quotaFull(Room{Bytes: 812, Files: 3}, 1536), lang); got != want {
			t.Errorf("%s: %q, want %q", lang, got, want)
		}
	}
	typeErr := typeError([]string{"image/*", ".pdf", ".docx", "model/x"})
	if got, want := up.Message(typeErr, "de"), "Diese Art von Datei wird nicht angenommen. Wählen Sie ein Bild, eine PDF-Datei, eine .docx-Datei oder eine Datei vom Typ model/x."; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got, want := up.Message(fail(ErrRateLimited, "limits.rate", "wait", seconds(1)), "fr"), "Trop d'envois. Veuillez patienter 1 seconde et réessayer."; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestMessage(t *testing.T) {
	up, _ := newTestUploader(t, Config{Messages: map[string]map[string]string{
		"de": {"form.choose": "Bitte eine Datei auswählen."},
		"it": {"form.choose": "Scegli un file."},
	}})
	choose := fail(ErrNoFile, "form.choose")
	tests := []struct {
		err        error
		lang, want string
	}{
		{choose, "de", "Bitte eine Datei auswählen."},
		{choose, "de-CH", "Bitte eine Datei auswählen."},
		{choose, "fr", "Choisissez un fichier."},
		{choose, "it", "Scegli un file."},
		{fail(ErrEmpty, "upload.empty"), "it", "The file is empty."}, // what "it" leaves out is English
		{choose, "", "Choose a file."},
		{choose, "xx", "Choose a file."},
		{errors.Join(named(choose, "a.png"), tooLarge(1024)), "es", "a.png: Elija un archivo.\nEl archivo es demasiado grande: el límite es 1 KiB."},
		{Refuse(http.StatusForbidden, "Nur für Mitglieder."), "fr", "Nur für Mitglieder."},
		{RefuseWith(http.StatusRequestEntityTooLarge, "scan.too_large_for", "limit", int64(1536)), "de",
			"Diese Datei ist zu groß, um auf Viren geprüft zu werden. Dateien bis 1,5 KiB können geprüft werden."},
		{RefuseWith(http.StatusUnprocessableEntity, "scan.infected", "virus", "{limit}"), "es",
			"Este archivo contiene un virus ({limit}) y no se ha aceptado."},
		{errors.New("disk on fire"), "de", "Beim Hochladen ist etwas schiefgegangen. Bitte versuchen Sie es noch einmal."},
		{nil, "de", ""},
	}
	for _, tt := range tests {
		if got := up.Message(tt.err, tt.lang); got != tt.want {
			t.Errorf("Message(%v, %q) = %q, want %q", tt.err, tt.lang, got, tt.want)
		}
	}
	if choose.Error() != "Choose a file." {
		t.Errorf("an error outside a request says %q, want English", choose.Error())
	}
}

// The errors of a Form speak its request's language, and stay what they
// are for errors.Is.
func TestFormSpeaksLanguage(t *testing.T) {
	up, _ := newTestUploader(t, Config{MaxSize: 10})
	for lang, want := range map[string][2]string{
		"":   {"Choose a file.", "The file is too large: the limit is 10 bytes."},
		"de": {"Wählen Sie eine Datei.", "Die Datei ist zu groß: Die Grenze liegt bei 10 Bytes."},
		"fr": {"Choisissez un fichier.", "Le fichier est trop volumineux : la limite est de 10 octets."},
		"es": {"Elija un archivo.", "El archivo es demasiado grande: el límite es 10 bytes."},
	} {
		body, ct := mpBody(t, mpField("title", "x"), mpFile("big", "big.txt", []byte("more than ten bytes")))
		r := httptest.NewRequest(http.MethodPost, "/submit", body)
		r.Header.Set("Content-Type", ct)
		r.Header.Set("X-User", "alice")
		r.Header.Set("Accept-Language", lang)
		form, err := up.ReadForm(httptest.NewRecorder(), r)
		if err != nil {
			t.Fatal(err)
		}
		_, err = form.File("file")
		if !errors.Is(err, ErrNoFile) || err.Error() != want[0] {
			t.Errorf("%q: %v, want ErrNoFile saying %q", lang, err, want[0])
		}
		_, err = form.File("big")
		if !errors.Is(err, ErrTooLarge) || err.Error() != want[1] {
			t.Errorf("%q: %v, want ErrTooLarge saying %q", lang, err, want[1])
		}
		if r.PostForm.Get("title") != "x" {
			t.Errorf("%q: the app's request lost its form values", lang)
		}
	}
}

// Through the real endpoints, the refusals speak the request's language:
// a 413, a 415 and a 403 as JSON, and a tus creation over the limit.
func TestEndpointSpeaksLanguage(t *testing.T) {
	e := newEndpoint(t, Config{MaxSize: 1000, Accept: []string{"image/*", ".pdf"}})
	tests := []struct {
		lang            string
		large, typ, who string
	}{
		{"en", "The file is too large: the limit is 1000 bytes.",
			"This kind of file is not accepted. Choose an image or a PDF.",
			"Please sign in to upload files."},
		{"de-DE,de;q=0.9", "Die Datei ist zu groß: Die Grenze liegt bei 1000 Bytes.",
			"Diese Art von Datei wird nicht angenommen. Wählen Sie ein Bild oder eine PDF-Datei.",
			"Bitte melden Sie sich an, um Dateien hochzuladen."},
		{"fr", "Le fichier est trop volumineux : la limite est de 1000 octets.",
			"Ce genre de fichier n'est pas accepté. Choisissez une image ou un PDF.",
			"Veuillez vous connecter pour envoyer des fichiers."},
		{"es-419, en;q=0.5", "El archivo es demasiado grande: el límite es 1000 bytes.",
			"No se acepta este tipo de archivo. Elija una imagen o un PDF.",
			"Inicie sesión para subir archivos."},
	}
	for _, tt := range tests {
		hdr := map[string]string{"Accept-Language": tt.lang}
		for _, c := range []struct {
			user   string
			name   string
			data   []byte
			status int
			want   string
		}{
			{"alice", "a.pdf", []byte("%PDF-1.4\n" + strings.Repeat("x", 2000)), http.StatusRequestEntityTooLarge, tt.large},
			{"alice", "a.txt", []byte("plain text"), http.StatusUnsupportedMediaType, tt.typ},
			{"", "a.txt", []byte("plain text"), http.StatusForbidden, tt.who},
		} {
			body, ct := mpBody(t, mpField("field", "doc"), mpFile("upload", c.name, c.data))
			status, _, b := e.post(t, c.user, ct, body, hdr)
			if status != c.status {
				t.Errorf("%s: status %d, want %d", tt.lang, status, c.status)
			}
			if got := checkFailureJSON(t, b); got != c.want {
				t.Errorf("%s: %q, want %q", tt.lang, got, c.want)
			}
		}

		// tus: a creation over the limit, answered before any byte.
		r, _ := http.NewRequest(http.MethodPost, e.srv.URL+e.up.TusURL(), nil)
		r.Header.Set("X-User", "alice")
		r.Header.Set("Tus-Resumable", "1.0.0")
		r.Header.Set("Upload-Length", "5000")
		r.Header.Set("Upload-Metadata", "field "+b64("doc"))
		r.Header.Set("Accept-Language", tt.lang)
		res, err := e.srv.Client().Do(r)
		if err != nil {
			t.Fatal(err)
		}
		var rep reply
		json.NewDecoder(res.Body).Decode(&rep)
		res.Body.Close()
		if res.StatusCode != http.StatusRequestEntityTooLarge || len(rep.Errors["upload"]) != 1 || rep.Errors["upload"][0] != tt.large {
			t.Errorf("%s: tus creation: %d %v, want 413 %q", tt.lang, res.StatusCode, rep.Errors, tt.large)
		}
	}
	assertStoreEmpty(t, e.dir)
}

// Config.Messages replaces a text in every reply, and adds a language.
func TestMessagesOverride(t *testing.T) {
	e := newEndpoint(t, Config{MaxSize: 10, Messages: map[string]map[string]string{
		"de": {"upload.too_large": "Zu groß: höchstens {limit}."},
		"en": {"upload.too_large": "Too big (at most {limit})."},
		"nl": {"upload.too_large": "Te groot: hoogstens {limit}."},
	}})
	for lang, want := range map[string]string{
		"de": "Zu groß: höchstens 10 Bytes.",
		"en": "Too big (at most 10 bytes).",
		"nl": "Te groot: hoogstens 10 bytes.", // sizes in words "nl" leaves out: English
		"fr": "Le fichier est trop volumineux : la limite est de 10 octets.",
	} {
		body, ct := mpBody(t, mpField("field", "doc"), mpFile("upload", "a.txt", []byte("more than ten")))
		_, _, b := e.post(t, "alice", ct, body, map[string]string{"Accept-Language": lang})
		if got := checkFailureJSON(t, b); got != want {
			t.Errorf("%s: %q, want %q", lang, got, want)
		}
	}
}

func TestWidgetLanguage(t *testing.T) {
	up, _ := newTestUploader(t, Config{})
	kept := &File{Name: "report.pdf", Size: 1288490, Ref: "ref"}
	doc := string(up.Widget(Widget{Name: "doc", Kept: kept, Language: "de"}))
	checkMarkup(t, doc)
	for _, want := range []string{">Ersetzen</button>", ">Entfernen</button>", ">Abbrechen</button>", ">Erneut versuchen</button>", "> Entfernen</label>", ">1,2 MiB<"} {
		if !strings.Contains(doc, want) {
			t.Errorf("the German widget lacks %q:\n%s", want, doc)
		}
	}
	if lang, _ := tagAttr(t, doc, `<div class="sticky"[^>]*>`, "lang"); lang != "de" {
		t.Errorf("the German widget's lang attribute is %q", lang)
	}
	raw, ok := tagAttr(t, doc, `<div class="sticky"[^>]*>`, "data-messages")
	var msgs map[string]string
	if !ok || json.Unmarshal([]byte(raw), &msgs) != nil {
		t.Fatalf("data-messages %q is not JSON", raw)
	}
	if msgs["removed"] != "Datei entfernt." || msgs["point"] != "," || len(msgs) != len(clientMessages) {
		t.Errorf("data-messages %v", msgs)
	}

	list := string(up.Widget(Widget{Name: "docs", Multiple: true, KeptFiles: []*File{kept}, Language: "fr-CA"}))
	checkMarkup(t, list)
	if label, _ := tagAttr(t, list, `<button type="button" class="sticky-remove" aria-label[^>]*>`, "aria-label"); label != "Retirer report.pdf" {
		t.Errorf("a kept row's Remove is labelled %q", label)
	}
	uploader := string(up.UploadList(UploadList{Field: "photos", Language: "es"}))
	if !strings.Contains(uploader, ">Reintentar</button>") || !strings.Contains(uploader, "data-messages=") {
		t.Errorf("the Spanish upload list:\n%s", uploader)
	}

	// English, the script's own, carries no messages; English changed does.
	for _, lang := range []string{"", "en", "en-GB", "xx"} {
		if doc := string(up.Widget(Widget{Name: "doc", Language: lang})); strings.Contains(doc, "data-messages") || !strings.Contains(doc, ">Retry</button>") {
			t.Errorf("%q: the English widget:\n%s", lang, doc)
		}
	}
	changed, _ := newTestUploader(t, Config{Messages: map[string]map[string]string{"en": {"client.removed": "Gone."}}})
	raw, _ = tagAttr(t, string(changed.Widget(Widget{Name: "doc"})), `<div class="sticky"[^>]*>`, "data-messages")
	if !strings.Contains(raw, `"removed":"Gone."`) {
		t.Errorf("data-messages with English changed: %q", raw)
	}
}

// A processor refuses in the words of the person's language.
func TestLanguageOf(t *testing.T) {
	e := newEndpoint(t, Config{Processors: []Processor{ProcessorFunc(func(ctx context.Context, f *File) (map[string]any, error) {
		return nil, Refuse(http.StatusUnprocessableEntity, "lang="+LanguageOf(ctx))
	})}})
	for accept, want := range map[string]string{"": "lang=en", "de-CH": "lang=de", "es;q=0.5, it": "lang=es"} {
		body, ct := mpBody(t, mpField("field", "doc"), mpFile("upload", "a.txt", []byte("text")))
		_, _, b := e.post(t, "alice", ct, body, map[string]string{"Accept-Language": accept})
		var rep reply
		json.Unmarshal(b, &rep)
		if got := rep.Errors["upload"]; len(got) != 1 || got[0] != want {
			t.Errorf("Accept-Language %q: %q, want %q", accept, got, want)
		}
	}
	if got := LanguageOf(context.Background()); got != DefaultLanguage {
		t.Errorf("LanguageOf outside a request = %q", got)
	}
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// docs/languages.md lists every message with its English text.
func TestLanguagesDocListsIDs(t *testing.T) {
	doc, err := os.ReadFile("docs/languages.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]string{}
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z]+\\.[A-Za-z_]+)` \\| `([^`]*)` \\|$").FindAllStringSubmatch(string(doc), -1) {
		rows[m[1]] = m[2]
	}
	for id, texts := range catalogue {
		if got, ok := rows[id]; !ok || got != strings.ReplaceAll(texts[0], "|", `\|`) {
			t.Errorf("docs/languages.md: want the row | `%s` | `%s` |", id, texts[0])
		}
	}
	for id := range rows {
		if _, ok := catalogue[id]; !ok {
			t.Errorf("docs/languages.md lists %q, which the catalogue lacks", id)
		}
	}
}

// Durations are said in minutes when whole, else in seconds rounded up,
// in each language: the stall message's {timeout}.
func TestDurationWords(t *testing.T) {
	p := &phrasebook{}
	for _, c := range []struct {
		d          time.Duration
		lang, want string
	}{
		{time.Minute, "en", "1 minute"},
		{2 * time.Minute, "de", "2 Minuten"},
		{90 * time.Second, "en", "90 seconds"},
		{1500 * time.Millisecond, "es", "2 segundos"},
		{time.Millisecond, "fr", "1 seconde"},
		{time.Hour, "fr", "60 minutes"},
	} {
		if got := p.word(c.lang, duration(c.d)); got != c.want {
			t.Errorf("%v in %s: %q, want %q", c.d, c.lang, got, c.want)
		}
	}
	err := failWith(ErrStalled, "upload.stalled", nil, "timeout", duration(time.Minute))
	if got := err.Error(); got != "The upload stopped sending data for 1 minute, so it was cut off. Please try again." {
		t.Errorf("the stall message: %q", got)
	}
}
