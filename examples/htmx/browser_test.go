package main

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stickyuploads/sticky/examples/internal/apptest"
	"github.com/stickyuploads/sticky/internal/needs"
)

// TestBrowserSwap drives real htmx 2 in Chromium: a post with a missing
// title is answered 422, swapped in place with the error, and the file
// uploaded before stays kept in the new markup; the fixed post saves.
func TestBrowserSwap(t *testing.T) {
	chromium := needs.Tool(t, "chromium")
	up, docs, files := apptest.New(t)
	app, err := newApp(up, docs)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(app)
	t.Cleanup(srv.Close)
	notes := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(notes, []byte("some notes\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	// Chromium leaves directories in TMPDIR: give it one of its own, short
	// enough for its socket.
	tmp, err := os.MkdirTemp("", "chromium")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(tmp) })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx, append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.NoSandbox, // the tests may run as root
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Env("TMPDIR="+tmp),
	)...)
	t.Cleanup(cancelAlloc)
	tab, cancelTab := chromedp.NewContext(alloc)
	t.Cleanup(cancelTab)

	wait := func(what, expr string) {
		t.Helper()
		if _, err := chromedp.Run(tab, chromedp.Poll[bool](expr,
			chromedp.WithPollingInterval(50*time.Millisecond),
			chromedp.WithPollingTimeout(15*time.Second))); err != nil {
			page, _ := chromedp.Run(tab, chromedp.Evaluate[string](`document.body.innerHTML`))
			t.Fatalf("waiting for %s: %v\nthe page:\n%s", what, err, page)
		}
	}
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(tab, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}

	do("opening the form", chromedp.Navigate(srv.URL+"/"))
	wait("htmx and the client script", `!!(window.htmx && window.StickyUploads && StickyUploads.supported)`)
	if v, _ := chromedp.Run(tab, chromedp.Evaluate[string](`htmx.version`)); v != "2.0.11" {
		t.Fatalf("htmx %q is running, want 2.0.11", v)
	}
	do("choosing notes.txt", chromedp.SetUploadFiles(chromedp.CSS(`input[type=file][name=file]`), []string{notes}))
	wait("the upload", `document.querySelector('input[name=_file]').value !== ''`)
	ref, _ := chromedp.Run(tab, chromedp.Evaluate[string](`document.querySelector('input[name=_file]').value`))

	// A mark on the old form and on the window: the swap replaces the one
	// and keeps the other, where a page load would lose both.
	do("submitting without a title",
		chromedp.Evaluate[chromedp.Void](`window.notReloaded = true; document.querySelector('form').dataset.old = '1'`),
		chromedp.Click(chromedp.CSS(`form > button`)),
	)
	wait("the swapped form with the title's error",
		`!document.querySelector('form[data-old]') && document.querySelector('form strong')?.textContent === '`+apptest.TitleError+`'`)
	if reloaded, _ := chromedp.Run(tab, chromedp.Evaluate[bool](`window.notReloaded !== true`)); reloaded {
		t.Fatal("the page was loaded again instead of swapped")
	}
	// The new field is bound on its own and shows the file kept.
	wait("the new field bound, showing notes.txt kept", `(() => {
		const w = document.querySelector('[data-sticky]');
		const kept = w.querySelector('.sticky-kept');
		return w.classList.contains('sticky-js') && !kept.closest('[hidden]') && kept.getClientRects().length > 0 &&
			kept.querySelector('.sticky-name').textContent === 'notes.txt' &&
			!w.querySelector('.sticky-replace').hidden &&
			w.querySelector('.sticky-remove-nojs').getClientRects().length === 0;
	})()`)
	if got, _ := chromedp.Run(tab, chromedp.Evaluate[string](`document.querySelector('input[name=_file]').value`)); got != ref {
		t.Fatalf("the swapped form carries the reference %q, want %q", got, ref)
	}

	do("submitting with a title",
		chromedp.SendKeys(chromedp.CSS(`#title`), "Notes"),
		chromedp.Click(chromedp.CSS(`form > button`)),
	)
	// HX-Redirect loads the page: ask until the new one answers.
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		saved, err := chromedp.Run(tab, chromedp.Evaluate[bool](`location.search.startsWith('?saved=') && document.body.textContent.includes('Saved ')`))
		if err == nil && saved {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the fixed post did not lead to the saved page: %v", err)
		}
	}
	loc, _ := chromedp.Run(tab, chromedp.Location())
	key := loc[strings.Index(loc, "?saved=")+len("?saved="):]
	if b, err := os.ReadFile(filepath.Join(files, key)); err != nil || string(b) != "some notes\n" {
		t.Fatalf("the saved file %s: %q, %v", key, b, err)
	}
}
