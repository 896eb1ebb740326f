package sticky

import (
	"html"
	"regexp"
	"strings"
	"testing"
)

// tagAttr returns the unescaped value of attribute name on the first element
// of html whose opening tag matches tagRe, and whether it has it.
func tagAttr(t *testing.T, doc, tagRe, name string) (string, bool) {
	t.Helper()
	tag := regexp.MustCompile(tagRe).FindString(doc)
	if tag == "" {
		t.Fatalf("no tag matching %s in\n%s", tagRe, doc)
	}
	m := regexp.MustCompile(`\s` + regexp.QuoteMeta(name) + `(?:="([^"]*)")?[\s>]`).FindStringSubmatch(tag)
	if m == nil {
		return "", false
	}
	return html.UnescapeString(m[1]), true
}

// spanText returns the unescaped text inside the first element with class cls.
func spanText(t *testing.T, doc, cls string) string {
	t.Helper()
	m := regexp.MustCompile(`<span class="` + cls + `"[^>]*>([^<]*)</span>`).FindStringSubmatch(doc)
	if m == nil {
		t.Fatalf("no span.%s in\n%s", cls, doc)
	}
	return html.UnescapeString(m[1])
}

var (
	widgetElements = map[string]bool{"div": true, "input": true, "span": true, "label": true, "button": true, "progress": true,
		"ul": true, "li": true, "template": true}
	widgetAttrs = map[string]bool{
		"class": true, "data-sticky": true, "data-endpoint": true, "data-required": true, "data-kept": true,
		"type": true, "id": true, "name": true, "accept": true, "required": true, "aria-invalid": true,
		"aria-describedby": true, "value": true, "hidden": true, "max": true, "role": true, "aria-live": true,
		"data-tus": true, "data-direct": true, "data-multiple": true, "multiple": true, "aria-label": true,
		"data-sticky-uploader": true, "data-field": true, "for": true, "data-messages": true, "lang": true,
	}
)

// checkMarkup fails if doc holds an element or attribute the widget does
// not make: what an unescaped value would inject.
func checkMarkup(t *testing.T, doc string) {
	t.Helper()
	bare := regexp.MustCompile(`="[^"]*"`).ReplaceAllString(doc, `=""`)
	if strings.ContainsAny(regexp.MustCompile(`<[^>]*>`).ReplaceAllString(bare, ""), "<>\"") {
		t.Errorf("stray markup characters in text:\n%s", doc)
	}
	for _, tag := range regexp.MustCompile(`<(/?)([a-z]+)([^>]*)>`).FindAllStringSubmatch(bare, -1) {
		if !widgetElements[tag[2]] {
			t.Errorf("unexpected element <%s> in\n%s", tag[2], doc)
		}
		rest := regexp.MustCompile(`\s+([^\s=]+)(?:="")?`).ReplaceAllStringFunc(tag[3], func(a string) string {
			name := strings.TrimSuffix(strings.TrimSpace(a), `=""`)
			if !widgetAttrs[name] {
				t.Errorf("unexpected attribute %q on <%s> in\n%s", name, tag[2], doc)
			}
			return ""
		})
		if rest != "" {
			t.Errorf("unparsed %q in <%s>", rest, tag[2])
		}
	}
}

const (
	wrapperTag = `<div class="sticky"[^>]*>`
	fileTag    = `<input type="file"[^>]*>`
	hiddenTag  = `<input type="hidden"[^>]*>`
	keptTag    = `<div class="sticky-kept"[^>]*>`
	removeTag  = `<input type="checkbox"[^>]*>`
	errorTag   = `<span class="sticky-error"[^>]*>`
	statusTag  = `<span class="sticky-status"[^>]*>`
)

func TestWidgetPlain(t *testing.T) {
	up, _ := newTestUploader(t, Config{Accept: []string{"image/*", ".pdf"}})
	doc := string(up.Widget(Widget{Name: "file"}))

	checks := []struct {
		tag, attr, want string
	}{
		{wrapperTag, "data-endpoint", "/uploads/"},
		{fileTag, "name", "file"},
		{fileTag, "id", "file"},
		{fileTag, "accept", "image/*,.pdf"},
		{fileTag, "aria-describedby", "file-status file-error"},
		{hiddenTag, "name", "_file"},
		{hiddenTag, "value", ""},
		{removeTag, "name", "_file_remove"},
		{removeTag, "value", "1"},
		{statusTag, "id", "file-status"},
		{statusTag, "role", "status"},
		{statusTag, "aria-live", "polite"},
		{errorTag, "id", "file-error"},
		{errorTag, "role", "alert"},
	}
	for _, c := range checks {
		got, ok := tagAttr(t, doc, c.tag, c.attr)
		if !ok || got != c.want {
			t.Errorf("%s %s = %q (present %v), want %q", c.tag, c.attr, got, ok, c.want)
		}
	}
	for _, absent := range []struct{ tag, attr string }{
		{wrapperTag, "data-required"},
		{wrapperTag, "data-kept"},
		{fileTag, "required"},
		{fileTag, "aria-invalid"},
	} {
		if _, ok := tagAttr(t, doc, absent.tag, absent.attr); ok {
			t.Errorf("%s has %s", absent.tag, absent.attr)
		}
	}
	if _, hidden := tagAttr(t, doc, keptTag, "hidden"); !hidden {
		t.Error("kept block is shown with nothing kept")
	}
	if got := spanText(t, doc, "sticky-name"); got != "" {
		t.Errorf("name shown with nothing kept: %q", got)
	}
	if got := spanText(t, doc, "sticky-error"); got != "" {
		t.Errorf("error shown without an error: %q", got)
	}
	for _, cls := range []string{"sticky-progress", "sticky-cancel", "sticky-retry", "sticky-replace", "sticky-remove\""} {
		tag := regexp.MustCompile(`<[a-z]+ [^>]*class="` + cls + `[^>]*>`).FindString(doc)
		if !strings.Contains(tag, " hidden") {
			t.Errorf("%s is not hidden initially: %q", cls, tag)
		}
	}
	checkMarkup(t, doc)
	if !strings.HasPrefix(doc, "<div") || !strings.HasSuffix(doc, "</div>") {
		t.Errorf("widget is not one element:\n%s", doc)
	}
	if strings.Count(doc, "<div") != strings.Count(doc, "</div>") {
		t.Errorf("unbalanced divs:\n%s", doc)
	}
}

func TestWidgetRequiredAndKept(t *testing.T) {
	up, _ := newTestUploader(t, Config{})
	kept := &File{Name: "report.pdf", Size: 1_234_567, Type: "application/pdf", Ref: "REF-abc_123"}
	tests := []struct {
		name         string
		field        Widget
		dataRequired bool
		required     bool
		dataKept     bool
	}{
		{"optional, empty", Widget{Name: "f"}, false, false, false},
		{"required, empty", Widget{Name: "f", Required: true}, true, true, false},
		{"optional, kept", Widget{Name: "f", Kept: kept}, false, false, true},
		{"required, kept", Widget{Name: "f", Required: true, Kept: kept}, true, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := string(up.Widget(tt.field))
			if _, ok := tagAttr(t, doc, wrapperTag, "data-required"); ok != tt.dataRequired {
				t.Errorf("data-required present = %v, want %v", ok, tt.dataRequired)
			}
			if _, ok := tagAttr(t, doc, fileTag, "required"); ok != tt.required {
				t.Errorf("required present = %v, want %v", ok, tt.required)
			}
			if _, ok := tagAttr(t, doc, wrapperTag, "data-kept"); ok != tt.dataKept {
				t.Errorf("data-kept present = %v, want %v", ok, tt.dataKept)
			}
			_, hidden := tagAttr(t, doc, keptTag, "hidden")
			if hidden == (tt.field.Kept != nil) {
				t.Errorf("kept block hidden = %v with Kept = %v", hidden, tt.field.Kept)
			}
			ref, _ := tagAttr(t, doc, hiddenTag, "value")
			name, size := spanText(t, doc, "sticky-name"), spanText(t, doc, "sticky-size")
			if tt.field.Kept != nil {
				if ref != kept.Ref || name != kept.Name || size != "1.2 MiB" {
					t.Errorf("kept shows ref %q, name %q, size %q", ref, name, size)
				}
			} else if ref != "" || name != "" || size != "" {
				t.Errorf("nothing kept, yet ref %q, name %q, size %q", ref, name, size)
			}
		})
	}
}

func TestWidgetEscaping(t *testing.T) {
	up, _ := newTestUploader(t, Config{})
	hostile := []string{
		`<script>alert(1)</script>.pdf`,
		`"><img src=x onerror=alert(1)>.png`,
		`' onmouseover='alert(1)`,
		`&lt;already escaped&gt;`,
		"a\"b'c<d>e&f",
	}
	for _, h := range hostile {
		t.Run(h, func(t *testing.T) {
			doc := string(up.Widget(Widget{
				Name:  h,
				ID:    h,
				Kept:  &File{Name: h, Size: 10, Ref: h},
				Error: h,
			}))
			// With the (properly quoted) attribute values blanked, only the
			// widget's own elements and attributes remain.
			checkMarkup(t, doc)
			// Each value comes back intact once unescaped.
			checks := []struct{ tag, attr, want string }{
				{fileTag, "name", h},
				{fileTag, "id", h},
				{fileTag, "aria-describedby", h + "-status " + h + "-error"},
				{hiddenTag, "name", "_" + h},
				{hiddenTag, "value", h},
				{removeTag, "name", "_" + h + "_remove"},
			}
			for _, c := range checks {
				if got, ok := tagAttr(t, doc, c.tag, c.attr); !ok || got != c.want {
					t.Errorf("%s %s = %q, want %q", c.tag, c.attr, got, c.want)
				}
			}
			if got := spanText(t, doc, "sticky-name"); got != h {
				t.Errorf("name text = %q, want %q", got, h)
			}
			if got := spanText(t, doc, "sticky-error"); got != h {
				t.Errorf("error text = %q, want %q", got, h)
			}
			// Exactly the widget's own elements: no injected tags.
			if n := strings.Count(doc, "<input"); n != 3 {
				t.Errorf("%d inputs, want 3", n)
			}
		})
	}
}

func TestWidgetErrorAndOptions(t *testing.T) {
	up, _ := newTestUploader(t, Config{Path: "/files/", Accept: []string{"image/png", ".jpg"}})
	doc := string(up.Widget(Widget{Name: "avatar", Error: "The file is too large: the limit is 20 MiB."}))
	if got := spanText(t, doc, "sticky-error"); got != "The file is too large: the limit is 20 MiB." {
		t.Errorf("error text = %q", got)
	}
	if v, ok := tagAttr(t, doc, fileTag, "aria-invalid"); !ok || v != "true" {
		t.Errorf("aria-invalid = %q, %v; want true", v, ok)
	}
	if v, _ := tagAttr(t, doc, wrapperTag, "data-endpoint"); v != "/files/" {
		t.Errorf("default endpoint = %q, want Config.Path", v)
	}
	if v, _ := tagAttr(t, doc, fileTag, "accept"); v != "image/png,.jpg" {
		t.Errorf("accept = %q, want it from Config.Accept", v)
	}
	if v, _ := tagAttr(t, doc, fileTag, "id"); v != "avatar" {
		t.Errorf("default id = %q, want the name", v)
	}

	doc = string(up.Widget(Widget{Name: "avatar", ID: "profile-photo", Endpoint: "/app/upload/", Accept: ".gif"}))
	checks := []struct{ tag, attr, want string }{
		{wrapperTag, "data-endpoint", "/app/upload/"},
		{fileTag, "id", "profile-photo"},
		{fileTag, "name", "avatar"},
		{fileTag, "accept", ".gif"},
		{fileTag, "aria-describedby", "profile-photo-status profile-photo-error"},
		{hiddenTag, "name", "_avatar"},
		{statusTag, "id", "profile-photo-status"},
		{errorTag, "id", "profile-photo-error"},
	}
	for _, c := range checks {
		if got, ok := tagAttr(t, doc, c.tag, c.attr); !ok || got != c.want {
			t.Errorf("%s %s = %q, want %q", c.tag, c.attr, got, c.want)
		}
	}
	if _, ok := tagAttr(t, doc, fileTag, "aria-invalid"); ok {
		t.Error("aria-invalid without an error")
	}

	// No Config.Accept, no Widget.Accept: no accept attribute at all.
	up2, _ := newTestUploader(t, Config{})
	if _, ok := tagAttr(t, string(up2.Widget(Widget{Name: "f"})), fileTag, "accept"); ok {
		t.Error("accept attribute without any accepted types")
	}
}

func TestAssetsTags(t *testing.T) {
	up, _ := newTestUploader(t, Config{Path: "/up/"})
	doc := string(up.Assets())
	if v, ok := tagAttr(t, doc, `<link [^>]*>`, "href"); !ok || v != up.StyleURL() {
		t.Errorf("stylesheet href = %q, want %q", v, up.StyleURL())
	}
	if v, ok := tagAttr(t, doc, `<link [^>]*>`, "rel"); !ok || v != "stylesheet" {
		t.Errorf("rel = %q", v)
	}
	if v, ok := tagAttr(t, doc, `<script [^>]*>`, "src"); !ok || v != up.ScriptURL() {
		t.Errorf("script src = %q, want %q", v, up.ScriptURL())
	}
	if _, ok := tagAttr(t, doc, `<script [^>]*>`, "defer"); !ok {
		t.Error("script is not deferred")
	}
	for _, u := range []string{up.ScriptURL(), up.StyleURL()} {
		if !strings.HasPrefix(u, "/up/") {
			t.Errorf("asset URL %q is not under Config.Path", u)
		}
		if !regexp.MustCompile(`^/up/sticky\.[0-9a-f]{12}\.(js|css)$`).MatchString(u) {
			t.Errorf("asset URL %q is not content-hashed", u)
		}
	}
}

func TestWidgetHint(t *testing.T) {
	up, _ := newTestUploader(t, Config{})
	const hint = `A PDF or an image, up to 20 MiB. <b>"Really"</b>`
	doc := string(up.Widget(Widget{Name: "doc", Hint: hint}))
	checkMarkup(t, doc)
	if got := spanText(t, doc, "sticky-hint"); got != hint {
		t.Errorf("hint text = %q, want %q", got, hint)
	}
	if v, _ := tagAttr(t, doc, `<span class="sticky-hint"[^>]*>`, "id"); v != "doc-hint" {
		t.Errorf("hint id = %q, want doc-hint", v)
	}
	if v, _ := tagAttr(t, doc, fileTag, "aria-describedby"); v != "doc-hint doc-status doc-error" {
		t.Errorf("aria-describedby = %q, want the hint first", v)
	}

	doc = string(up.Widget(Widget{Name: "doc"}))
	if strings.Contains(doc, "sticky-hint") || strings.Contains(doc, "doc-hint") {
		t.Errorf("hint element without a hint:\n%s", doc)
	}
	if v, _ := tagAttr(t, doc, fileTag, "aria-describedby"); v != "doc-status doc-error" {
		t.Errorf("aria-describedby = %q", v)
	}
}

// presigningDisk is a disk store that passes for a DirectStore, for the
// markup of an Uploader with Config.Direct; nothing here reaches a bucket.
type presigningDisk struct {
	*DiskStore
	DirectStore
}

func TestWidgetDirect(t *testing.T) {
	plain, _ := newTestUploader(t, Config{})
	direct, _ := newTestUploader(t, Config{Direct: true, Store: presigningDisk{DiskStore: diskAt(t, t.TempDir())},
		Fields: map[string]Rules{"avatar": {Direct: DirectOff}}})
	// Off for the Uploader, on for one field.
	one, _ := newTestUploader(t, Config{Store: presigningDisk{DiskStore: diskAt(t, t.TempDir())},
		Fields: map[string]Rules{"video": {Direct: DirectOn}, "avatar": {}}})
	for _, c := range []struct {
		name string
		doc  string
		want string // data-direct; "" for none
	}{
		{"plain field", string(plain.Widget(Widget{Name: "file"})), ""},
		{"direct field", string(direct.Widget(Widget{Name: "file"})), "/uploads/s3/"},
		{"direct list", string(direct.UploadList(UploadList{Field: "pics"})), "/uploads/s3/"},
		{"custom endpoint", string(direct.Widget(Widget{Name: "file", Endpoint: "/mine/"})), ""},
		{"a field turned off", string(direct.Widget(Widget{Name: "avatar"})), ""},
		{"a field turned on", string(one.Widget(Widget{Name: "video"})), "/uploads/s3/"},
		{"a list turned on", string(one.UploadList(UploadList{Field: "video"})), "/uploads/s3/"},
		{"the others", string(one.Widget(Widget{Name: "avatar"})), ""},
		{"a field not listed", string(one.Widget(Widget{Name: "file"})), ""},
	} {
		got, ok := tagAttr(t, c.doc, wrapperTag, "data-direct")
		if got != c.want || ok != (c.want != "") {
			t.Errorf("%s: data-direct %q (present %v), want %q", c.name, got, ok, c.want)
		}
		checkMarkup(t, c.doc)
	}
	if _, err := New(Config{Keys: testKeys, Store: diskAt(t, t.TempDir()), Fields: map[string]Rules{"video": {Direct: DirectOn}}}); err == nil {
		t.Error("New with a field going direct and a disk store: no error")
	}
}
