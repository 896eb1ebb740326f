package sticky

import (
	"errors"
	"html"
	"regexp"
	"strings"
	"testing"
)

// A field that takes several files keeps those posted before, adds those
// posted now, drops those the person removed, and names each refused file.
func TestFormFiles(t *testing.T) {
	up, dir := newTestUploader(t, Config{MaxSize: 1 << 10})
	a := mustUpload(t, up, "alice", "photos", "a.txt", []byte("first"))
	b := mustUpload(t, up, "alice", "photos", "b.txt", []byte("second"))
	c := mustUpload(t, up, "alice", "photos", "c.txt", []byte("third"))

	form, r := mustReadForm(t, up, "alice",
		mpField("_photos", a.Stored), mpField("_photos", b.Stored), mpField("_photos", c.Stored),
		mpField("_photos", a.Stored), // a repeated ref counts once
		mpField("_photos_remove", b.Stored),
		mpFile("photos", "d.txt", []byte("fourth")),
		mpFile("photos", "huge.txt", []byte(strings.Repeat("h", 2<<10))),
		mpFile("photos", "", nil), // an input left empty
	)
	files, err := form.Files("photos")
	var names []string
	for _, f := range files {
		names = append(names, f.Name+"="+string(fileBytes(t, f)))
	}
	if got := strings.Join(names, ","); got != "a.txt=first,c.txt=third,d.txt=fourth" {
		t.Errorf("Files = %s", got)
	}
	if !errors.Is(err, ErrTooLarge) || !strings.HasPrefix(err.Error(), "huge.txt: The file is too large") {
		t.Errorf("error = %v, want huge.txt named and ErrTooLarge", err)
	}
	if refs := r.PostForm["_photos"]; len(refs) != 3 || refs[0] != a.Stored || refs[2] != files[2].Ref {
		t.Errorf("PostForm[_photos] = %q, want the three kept refs", refs)
	}
	assertUploads(t, dir, 3) // b was removed, huge.txt never kept

	// The widget shows each kept file in a row that posts its reference.
	w := string(up.Widget(Widget{Name: "photos", Multiple: true, Required: true, KeptFiles: files}))
	checkMarkup(t, w)
	rows := regexp.MustCompile(`<li class="sticky-item" data-kept><input type="hidden" name="_photos" value="([^"]+)">`).FindAllStringSubmatch(w, -1)
	if len(rows) != 3 || html.UnescapeString(rows[1][1]) != c.Stored {
		t.Errorf("rows %v in\n%s", rows, w)
	}
	for _, want := range []string{` multiple`, `data-multiple`, `<template class="sticky-item-template">`, `value="` + html.EscapeString(a.Stored) + `"> Remove</label>`, `aria-label="Remove a.txt"`} {
		if !strings.Contains(w, want) {
			t.Errorf("widget lacks %q:\n%s", want, w)
		}
	}
	if strings.Contains(w, " required") {
		t.Error("a field with kept files is still required")
	}

	// Posting the rows back without new files keeps exactly them.
	form, _ = mustReadForm(t, up, "alice", mpField("_photos", files[0].Ref), mpField("_photos", files[1].Ref), mpField("_photos", files[2].Ref))
	again, err := form.Files("photos")
	if err != nil || len(again) != 3 {
		t.Errorf("Files again = %d files, %v", len(again), err)
	}

	// Nothing kept and nothing posted.
	form, _ = mustReadForm(t, up, "alice", mpField("title", "T"))
	if files, err := form.Files("photos"); len(files) != 0 || !errors.Is(err, ErrNoFile) {
		t.Errorf("empty field: %v %v", files, err)
	}
	// Someone else's reference is refused and not removed.
	form, _ = mustReadForm(t, up, "bob", mpField("_photos", a.Stored), mpField("_photos_remove", a.Stored))
	if files, err := form.Files("photos"); len(files) != 0 || !errors.Is(err, ErrNotOwner) {
		t.Errorf("bob: %v %v", files, err)
	}
	assertUploads(t, dir, 3)
}

// A single field posted several files keeps the first and stores no others.
func TestFormFileKeepsOneOfSeveral(t *testing.T) {
	up, dir := newTestUploader(t, Config{})
	form, _ := mustReadForm(t, up, "alice", mpFile("doc", "one.txt", []byte("1")), mpFile("doc", "two.txt", []byte("2")))
	f, err := form.File("doc")
	if err != nil || f.Name != "one.txt" {
		t.Fatalf("File = %+v, %v", f, err)
	}
	assertUploads(t, dir, 1)
}

func TestUploadList(t *testing.T) {
	up, _ := newTestUploader(t, Config{Fields: map[string]Rules{"gallery": {Accept: []string{"image/*"}}}})
	w := string(up.UploadList(UploadList{Field: "gallery", Label: `Add <pictures>`, Hint: "Images only.", Post: true}))
	checkMarkup(t, w)
	for _, want := range []string{
		`data-sticky-uploader data-endpoint="/uploads/" data-tus="/uploads/tus/" data-field="gallery"`,
		`<label for="gallery">Add &lt;pictures&gt;</label>`,
		`<input type="file" id="gallery" multiple accept="image/*" aria-describedby="gallery-hint gallery-status">`,
		`<input type="hidden" name="_gallery" value="">`,
		`<template class="sticky-item-template">`,
	} {
		if !strings.Contains(w, want) {
			t.Errorf("upload list lacks %q:\n%s", want, w)
		}
	}
	w = string(up.UploadList(UploadList{Field: "x", Endpoint: "/mine"}))
	if strings.Contains(w, "data-tus") || strings.Contains(w, `type="hidden"`) || strings.Contains(w, "<label") {
		t.Errorf("custom endpoint list:\n%s", w)
	}
}
