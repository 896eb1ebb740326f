package e2e

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

const (
	galleryInput  = `[data-sticky-uploader] input[type=file]`
	galleryTusURL = "/uploads/gallery/tus/"
	otherUser     = "bob"
	otherPassword = "builder builder builder"
)

// TestGallery drops three pictures on the gallery: each thumbnail appears
// as its upload completes, is served to its owner and to nobody else. Then
// a big picture, throttled, loses its connection part way: the status says
// so, the upload resumes and its thumbnail appears too.
func TestGallery(t *testing.T) {
	d := startDemoWith(t, "-user", otherUser+":"+otherPassword)
	b := newBrowser(t, 90*time.Second)
	b.login(t, d)
	b.open(t, d, "/gallery")

	dir := t.TempDir()
	var pics []string
	for i, c := range []color.NRGBA{{224, 90, 60, 255}, {60, 140, 220, 255}, {90, 180, 110, 255}} {
		pics = append(pics, writeGradientPNG(t, dir, fmt.Sprintf("picture-%d.png", i+1), 800, 600, c))
	}
	start := time.Now()
	b.do(t, "choosing three pictures", chromedp.SetUploadFiles(chromedp.CSS(galleryInput), pics))
	thumbs := waitThumbnails(t, b, 3, 20*time.Second)
	t.Logf("three thumbnails shown after %v", time.Since(start).Round(time.Millisecond))

	owner := httpLogin(t, d, testUser, testPassword)
	other := httpLogin(t, d, otherUser, otherPassword)
	for _, th := range thumbs {
		for _, u := range []string{th, strings.TrimSuffix(th, "/thumb") + "/image"} {
			if s := httpStatus(t, owner, d.URL+u); s != http.StatusOK {
				t.Errorf("owner GET %s: %d, want 200", u, s)
			}
			if s := httpStatus(t, other, d.URL+u); s != http.StatusNotFound {
				t.Errorf("other user GET %s: %d, want 404", u, s)
			}
		}
	}
	waitGallery(t, b, "every row done", `[...document.querySelectorAll('.sticky-item')].every(r => r.dataset.stickyState === 'done') && !document.querySelector('[data-sticky-uploader] .sticky-status').textContent.includes('uploading')`, 5*time.Second)
	// A saved picture's row offers no Remove, which would drop only the
	// row: it says the picture is in the gallery.
	waitGallery(t, b, "saved rows say so", `[...document.querySelectorAll('.sticky-item.gallery-saved')].length === 3 && [...document.querySelectorAll('.sticky-item.gallery-saved')].every(r => !r.querySelector('.sticky-remove') && r.textContent.includes('Saved to the gallery.'))`, 5*time.Second)
	b.screenshot(t, "gallery.png")

	// A big picture over tus, throttled; the connection is cut once.
	big := writePNG(t, dir, "big.png", 12<<20)
	recordStatus(t, b)
	setTusConditions(t, b, d, false)
	start = time.Now()
	b.do(t, "choosing the big picture", chromedp.SetUploadFiles(chromedp.CSS(galleryInput), []string{big}))
	waitGallery(t, b, "the big upload to pass 20%", `(() => { const p = [...document.querySelectorAll('.sticky-item progress')].pop(); return !!p && p.value >= 20 })()`, 20*time.Second)
	setTusConditions(t, b, d, true)
	waitGallery(t, b, "the status to say the connection was lost", `window.__statuses.some(s => s.includes('Connection lost'))`, 10*time.Second)
	setTusConditions(t, b, d, false)
	waitGallery(t, b, "the status to say it resumes", `window.__statuses.some(s => s.includes('Resuming at'))`, 15*time.Second)
	setTusConditions(t, b, d, false)
	unthrottleAll(t, b)
	waitThumbnails(t, b, 4, 30*time.Second)
	t.Logf("the big picture resumed and its thumbnail appeared after %v; statuses: %q", time.Since(start).Round(time.Millisecond), eval[[]string](t, b, `window.__statuses`))
}

// waitThumbnails waits for n loaded thumbnails in the grid, each at most
// 320 pixels wide, and returns their URLs (paths).
func waitThumbnails(t *testing.T, b *browser, n int, timeout time.Duration) []string {
	t.Helper()
	waitGallery(t, b, fmt.Sprintf("%d thumbnails in the grid", n), fmt.Sprintf(`(() => {
		const imgs = [...document.querySelectorAll('[data-gallery-grid] img')];
		return imgs.length === %d && imgs.every(i => i.complete && i.naturalWidth > 0 && i.naturalWidth <= 320);
	})()`, n), timeout)
	return eval[[]string](t, b, `[...document.querySelectorAll('[data-gallery-grid] img')].map(i => new URL(i.src).pathname)`)
}

func waitGallery(t *testing.T, b *browser, what, cond string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if eval[bool](t, b, cond) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waiting %v for %s; the page says: %q", timeout, what,
				eval[string](t, b, `document.querySelector('.gallery-uploader').innerText`))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// recordStatus keeps every text the uploader's status line shows in
// window.__statuses.
func recordStatus(t *testing.T, b *browser) {
	t.Helper()
	eval[bool](t, b, `(() => {
		window.__statuses = [];
		const s = document.querySelector('[data-sticky-uploader] .sticky-status');
		new MutationObserver(() => { if (s.textContent) window.__statuses.push(s.textContent) })
			.observe(s, {childList: true, characterData: true, subtree: true});
		return true;
	})()`)
}

// setTusConditions throttles the gallery's resumable uploads to 1 MiB/s,
// or cuts them off.
func setTusConditions(t *testing.T, b *browser, d *demo, offline bool) {
	t.Helper()
	_, err := chromedp.Call(b.ctx, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
		MatchedNetworkConditions: []*network.Conditions{{
			URLPattern:         d.URL + galleryTusURL + "*",
			DownloadThroughput: -1,
			UploadThroughput:   1 << 20,
			Offline:            offline,
		}},
	})
	if err != nil {
		t.Fatalf("network conditions (offline %v): %v", offline, err)
	}
}

func unthrottleAll(t *testing.T, b *browser) {
	t.Helper()
	b.unthrottle(t)
}

// writeGradientPNG writes a w×h PNG shading from c to white.
func writeGradientPNG(t *testing.T, dir, name string, w, h int, c color.NRGBA) string {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			f := float64(x+y) / float64(w+h)
			mix := func(v uint8) uint8 { return uint8(float64(v) + (255-float64(v))*f) }
			img.SetNRGBA(x, y, color.NRGBA{mix(c.R), mix(c.G), mix(c.B), 255})
		}
	}
	path := filepath.Join(dir, name)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// httpLogin signs in to the demo with a plain HTTP client.
func httpLogin(t *testing.T, d *demo, name, password string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.PostForm(d.URL+"/login", url.Values{"username": {name}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("signing in as %s: %s", name, resp.Status)
	}
	return c
}

func httpStatus(t *testing.T, c *http.Client, u string) int {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}
