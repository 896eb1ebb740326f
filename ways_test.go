package sticky

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// outcome is what a way in answered for one file: its status, the signed
// reference on success, the sentence on failure.
type outcome struct {
	status int
	ref    string
	name   string
	msg    string
}

// entry sends one file to an Uploader the way a client of that way does,
// as user ("" for nobody), for field.
type entry struct {
	name string
	send func(t *testing.T, srv *httptest.Server, up *Uploader, user, field, name string, data []byte) outcome
}

var entries = []entry{
	{"one-shot", func(t *testing.T, srv *httptest.Server, up *Uploader, user, field, name string, data []byte) outcome {
		body, ct := mpBody(t, mpField("field", field), mpFile("upload", name, data))
		res := httpDo(t, srv, http.MethodPost, up.path, ct, user, body)
		var rep reply
		json.Unmarshal([]byte(res.body), &rep)
		return outcome{res.status, rep.Stored, rep.Filename, firstError(rep)}
	}},
	{"form", func(t *testing.T, srv *httptest.Server, up *Uploader, user, field, name string, data []byte) outcome {
		body, ct := mpBody(t, mpField("title", "x"), mpFile(field, name, data))
		res := httpDo(t, srv, http.MethodPost, "/form?field="+field, ct, user, body)
		var o outcome
		if err := json.Unmarshal([]byte(res.body), &struct {
			Ref  *string `json:"ref"`
			Name *string `json:"name"`
			Msg  *string `json:"msg"`
		}{&o.ref, &o.name, &o.msg}); err != nil {
			t.Fatalf("form reply %q: %v", res.body, err)
		}
		o.status = res.status
		return o
	}},
	{"tus", func(t *testing.T, srv *httptest.Server, up *Uploader, user, field, name string, data []byte) outcome {
		c := tusUser(srv.URL+up.TusURL(), user)
		_, res, err := c.Create(t.Context(), int64(len(data)), map[string]string{"field": field, "filename": name}, bytes.NewReader(data))
		if err != nil {
			t.Fatalf("tus: %v", err)
		}
		var rep reply
		if res.Status < 300 {
			json.Unmarshal([]byte(res.Header.Get(ReplyHeader)), &rep)
		} else {
			json.Unmarshal([]byte(res.Body), &rep)
		}
		if res.Status == http.StatusCreated {
			res.Status = http.StatusOK
		}
		return outcome{res.Status, res.Header.Get(RefHeader), rep.Filename, firstError(rep)}
	}},
	{"fine", func(t *testing.T, srv *httptest.Server, up *Uploader, user, field, name string, data []byte) outcome {
		body, ct := mpBody(t, fineParts([][2]string{{"field", field}, {"qquuid", NewKey()}, {"qqfilename", name}}, name, data)...)
		res := httpDo(t, srv, http.MethodPost, up.path+"fine/", ct, user, body)
		var rep struct {
			Stored, Filename, Error string
		}
		json.Unmarshal([]byte(res.body), &rep)
		return outcome{res.status, rep.Stored, rep.Filename, rep.Error}
	}},
}

func firstError(rep reply) string {
	if msgs := rep.Errors["upload"]; len(msgs) > 0 {
		return msgs[0]
	}
	return ""
}

type httpResult struct {
	status int
	body   string
}

func httpDo(t *testing.T, srv *httptest.Server, method, path, ct, user string, body *bytes.Buffer) httpResult {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", ct)
	if user != "" {
		req.Header.Set("X-User", user)
	}
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(res.Body)
	return httpResult{res.StatusCode, b.String()}
}

// waysServer mounts up and, at /form, an application handler that reads a
// form with ReadForm and answers, in JSON, what Form.File says of the field
// named in the query, with Status of its error.
func waysServer(t *testing.T, up *Uploader) *httptest.Server {
	mux := http.NewServeMux()
	mux.Handle(up.path, up)
	mux.HandleFunc("/form", func(w http.ResponseWriter, r *http.Request) {
		form, err := up.ReadForm(w, r)
		var f *File
		if err == nil {
			f, err = form.File(r.URL.Query().Get("field"))
		}
		if err != nil {
			writeJSON(w, Status(err), map[string]string{"msg": err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"ref": f.Ref, "name": f.Name})
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// Every rule an upload must meet holds on every way in: the same status,
// the same sentence, nothing left in the store after a refusal, and a
// reference bound to the user and the field after a success.
func TestEveryRuleOnEveryWayIn(t *testing.T) {
	png := pngBytes(t)
	text := []byte("plain text, accepted by the field notes\n")
	refuseBig := func(r *http.Request, in Incoming) error {
		if strings.HasPrefix(in.Name, "quota") {
			return Refuse(http.StatusPaymentRequired, "You have no room left.")
		}
		return nil
	}
	veto := ProcessorFunc(func(ctx context.Context, f *File) (map[string]any, error) {
		if strings.Contains(f.Name, "veto") {
			return nil, Refuse(http.StatusUnprocessableEntity, "The processor refused it.")
		}
		return map[string]any{"seen": true}, nil
	})
	rules := []struct {
		rule       string
		user       string
		field      string
		name       string
		data       []byte
		wantStatus int
		wantMsg    string // part of the sentence
		wantName   string // on success
	}{
		{"success", "alice", "photo", "me.png", png, 200, "", "renamed-me.png"},
		{"success, other field", "alice", "notes", "n.txt", text, 200, "", "renamed-n.txt"},
		{"identity", "", "photo", "me.png", png, 403, "sign in", ""},
		{"type", "alice", "photo", "me.txt", text, 415, "not accepted", ""},
		{"size", "alice", "photo", "big.png", append(append([]byte{}, png...), make([]byte, 2<<10)...), 413, "too large", ""},
		{"empty", "alice", "notes", "empty.txt", nil, 400, "empty", ""},
		{"Before", "alice", "notes", "quota.txt", text, 402, "no room left", ""},
		{"processor", "alice", "notes", "veto.txt", text, 422, "processor refused", ""},
	}
	for _, way := range entries {
		t.Run(way.name, func(t *testing.T) {
			up, dir := newTestUploader(t, Config{
				Fields: map[string]Rules{
					"photo": {Accept: []string{"image/*"}, MaxSize: 2 << 10},
					"notes": {Accept: []string{"text/plain"}},
				},
				Before:     refuseBig,
				Rename:     func(r *http.Request, in Incoming) string { return "renamed-" + in.Name },
				Processors: []Processor{veto},
			})
			srv := waysServer(t, up)
			for _, c := range rules {
				if c.data == nil && way.name == "tus" {
					c.wantStatus = 400 // an empty upload is refused at creation
				}
				got := way.send(t, srv, up, c.user, c.field, c.name, c.data)
				if got.status != c.wantStatus || !strings.Contains(strings.ToLower(got.msg), c.wantMsg) {
					t.Errorf("%s: %d %q, want %d and %q", c.rule, got.status, got.msg, c.wantStatus, c.wantMsg)
					continue
				}
				if c.wantStatus != 200 {
					continue
				}
				if got.name != c.wantName {
					t.Errorf("%s: named %q, want %q", c.rule, got.name, c.wantName)
				}
				f, err := up.fromRef(t.Context(), got.ref, "alice", c.field, 0)
				if err != nil || !bytes.Equal(fileBytes(t, f), c.data) {
					t.Errorf("%s: the reference does not give the file back: %v", c.rule, err)
					continue
				}
				if _, err := up.fromRef(t.Context(), got.ref, "bob", c.field, 0); !errors.Is(err, ErrNotOwner) {
					t.Errorf("%s: another user's reference: %v", c.rule, err)
				}
				if _, err := up.fromRef(t.Context(), got.ref, "alice", "other", 0); !errors.Is(err, ErrWrongField) {
					t.Errorf("%s: another field's reference: %v", c.rule, err)
				}
				if err := f.Discard(t.Context()); err != nil {
					t.Fatal(err)
				}
			}
			if left := storeFiles(t, dir); len(left) != 0 {
				t.Errorf("left in the store: %q", left)
			}
		})
	}
}

// The rate limit and the cap on uploads at once hold on every way in,
// form posts included.
func TestLimitsOnEveryWayIn(t *testing.T) {
	text := []byte("limited\n")
	for _, way := range entries {
		t.Run(way.name+"/rate", func(t *testing.T) {
			up, _ := newTestUploader(t, Config{RateLimit: 2})
			srv := waysServer(t, up)
			for i := range 3 {
				got := way.send(t, srv, up, "alice", "doc", "r.txt", text)
				if want := []int{200, 200, 429}[i]; got.status != want {
					t.Fatalf("upload %d: %d %q, want %d", i+1, got.status, got.msg, want)
				}
			}
			if got := way.send(t, srv, up, "bob", "doc", "r.txt", text); got.status != 200 {
				t.Errorf("another user: %d %q, want 200", got.status, got.msg)
			}
		})
		t.Run(way.name+"/concurrent", func(t *testing.T) {
			entered, release := make(chan struct{}), make(chan struct{})
			var once sync.Once
			hold := ProcessorFunc(func(ctx context.Context, f *File) (map[string]any, error) {
				once.Do(func() {
					close(entered)
					<-release
				})
				return nil, nil
			})
			up, _ := newTestUploader(t, Config{MaxConcurrent: 1, Processors: []Processor{hold}})
			srv := waysServer(t, up)
			first := make(chan outcome, 1)
			go func() { first <- way.send(t, srv, up, "alice", "doc", "a.txt", text) }()
			select {
			case <-entered:
			case <-time.After(10 * time.Second):
				t.Fatal("the first upload never reached its processor")
			}
			if got := way.send(t, srv, up, "alice", "doc", "b.txt", text); got.status != 429 {
				t.Errorf("a second upload at once: %d %q, want 429", got.status, got.msg)
			}
			close(release)
			if got := <-first; got.status != 200 {
				t.Errorf("the first upload: %d %q", got.status, got.msg)
			}
			if got := way.send(t, srv, up, "alice", "doc", "c.txt", text); got.status != 200 {
				t.Errorf("after the first finished: %d %q, want 200", got.status, got.msg)
			}
		})
	}
}

// A form keeps no file for a field that Config.Fields does not list.
func TestFormKeepsNoFileForUnlistedField(t *testing.T) {
	up, dir := newTestUploader(t, Config{Fields: map[string]Rules{"doc": {}}})
	form, _, err := readMultipart(t, up, "alice", mpFile("doc", "a.txt", []byte("kept")), mpFile("stray", "b.txt", []byte("not kept")))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := form.File("stray"); !errors.Is(err, ErrNoFile) {
		t.Errorf("the unlisted field: %v, want ErrNoFile", err)
	}
	f, err := form.File("doc")
	if err != nil {
		t.Fatal(err)
	}
	assertUploads(t, dir, 1)
	f.Discard(t.Context())
}
