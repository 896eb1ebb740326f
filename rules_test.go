package sticky

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// postUpload posts parts to the endpoint in process.
func postUpload(t *testing.T, up *Uploader, user string, parts ...mpPart) (int, reply) {
	t.Helper()
	body, ct := mpBody(t, parts...)
	r := httptest.NewRequest(http.MethodPost, up.path, body)
	r.Header.Set("Content-Type", ct)
	r.Header.Set("X-User", user)
	w := httptest.NewRecorder()
	up.ServeHTTP(w, r)
	var rep reply
	if err := json.Unmarshal(w.Body.Bytes(), &rep); err != nil {
		t.Fatalf("reply %q: %v", w.Body, err)
	}
	return w.Code, rep
}

// Fields have rules of their own; a field without rules takes the defaults.
func TestFieldRules(t *testing.T) {
	up, dir := newTestUploader(t, Config{
		Accept:  []string{"text/plain"},
		MaxSize: 4 << 10,
		Fields: map[string]Rules{
			"avatar": {Accept: []string{"image/*"}, MaxSize: 1 << 10},
			"notes":  {MaxSize: 8 << 10}, // Accept taken from the defaults
		},
	})
	if up.largest != 8<<10 || up.maxForm != 8<<10+formOverhead {
		t.Fatalf("largest %d maxForm %d", up.largest, up.maxForm)
	}
	png := pngBytes(t)
	text6k := bytes.Repeat([]byte("n"), 6<<10)
	for _, c := range []struct {
		field, name string
		data        []byte
		want        error
	}{
		{"avatar", "me.png", png, nil},
		{"avatar", "me.txt", []byte("plain text"), ErrType},
		{"avatar", "big.png", append(append([]byte{}, png...), bytes.Repeat([]byte{0}, 2<<10)...), ErrTooLarge},
		{"notes", "n.txt", text6k, nil},
		{"notes", "n.png", png, ErrType},
		{"doc", "d.txt", text6k, ErrTooLarge}, // defaults: 4 KiB
		{"doc", "d.txt", []byte("fine"), nil},
	} {
		status, rep := postUpload(t, up, "alice", mpField("field", c.field), mpFile("upload", c.name, c.data))
		if c.want == nil {
			if status != http.StatusOK || !rep.Valid {
				t.Errorf("%s %s: %d %+v, want 200", c.field, c.name, status, rep)
			}
			continue
		}
		if status != Status(c.want) || rep.Valid || len(rep.Errors["upload"]) != 1 {
			t.Errorf("%s %s: %d %+v, want %d", c.field, c.name, status, rep, Status(c.want))
		}
	}
	assertUploads(t, dir, 3)

	// The messages speak of the field's own rules.
	_, rep := postUpload(t, up, "alice", mpField("field", "avatar"), mpFile("upload", "big.png", append(png, bytes.Repeat([]byte{0}, 2<<10)...)))
	if msg := rep.Errors["upload"][0]; !strings.Contains(msg, "1 KiB") {
		t.Errorf("too-large message %q does not name the field's limit", msg)
	}
	_, rep = postUpload(t, up, "alice", mpField("field", "avatar"), mpFile("upload", "a.txt", []byte("text")))
	if msg := rep.Errors["upload"][0]; !strings.Contains(msg, "an image") {
		t.Errorf("type message %q does not name the field's types", msg)
	}

	// With per-field rules the field must come first.
	status, rep := postUpload(t, up, "alice", mpFile("upload", "me.png", png), mpField("field", "avatar"))
	if status != http.StatusBadRequest || !strings.Contains(rep.Errors["upload"][0], "field") {
		t.Errorf("file before field: %d %+v", status, rep)
	}

	// ReadForm applies each field's rules to the bytes posted with the form.
	form, _ := mustReadForm(t, up, "alice", mpFile("avatar", "a.txt", []byte("text")), mpFile("notes", "n.txt", text6k))
	if _, err := form.File("avatar"); !errors.Is(err, ErrType) {
		t.Errorf("avatar: %v, want ErrType", err)
	}
	if f, err := form.File("notes"); err != nil || f.Size != int64(len(text6k)) {
		t.Errorf("notes: %+v %v", f, err)
	}

	// The widget's accept attribute follows the field.
	if w := string(up.Widget(Widget{Name: "avatar"})); !strings.Contains(w, `accept="image/*"`) {
		t.Errorf("avatar widget: %s", w)
	}
	if w := string(up.Widget(Widget{Name: "notes"})); !strings.Contains(w, `accept="text/plain"`) {
		t.Errorf("notes widget: %s", w)
	}
}

// With OnlyFields, a field that Fields does not list is refused on every
// way in; without it, it takes the general rules.
func TestOnlyFields(t *testing.T) {
	for _, only := range []bool{false, true} {
		up, _ := newTestUploader(t, Config{Fields: map[string]Rules{"doc": {}}, OnlyFields: only})
		srv := waysServer(t, up)
		for _, way := range entries {
			if way.name == "form" {
				continue // a form keeps no file for an unlisted field either way (TestFormKeepsNoFileForUnlistedField)
			}
			got := way.send(t, srv, up, "alice", "stray", "a.txt", []byte("hi\n"))
			want := http.StatusOK
			if only {
				want = http.StatusBadRequest
			}
			if got.status != want {
				t.Errorf("OnlyFields %v, %s: %d %q, want %d", only, way.name, got.status, got.msg, want)
			}
		}
	}
}
