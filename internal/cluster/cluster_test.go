package cluster

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestTwoServers runs two demos on one bucket, one key and one database,
// as behind a load balancer without sticky sessions, and sends each step
// of a person's work to whichever server: nothing breaks, the bytes arrive
// intact, and no server keeps anything of the uploads on its own disk.
func TestTwoServers(t *testing.T) {
	start := time.Now()
	c := newCluster(t)
	demos := c.start(t, []string{"A", "B"})
	a, b := demos[0], demos[1]
	t.Logf("versitygw and two demos up in %v (demo built in %v)", time.Since(start).Round(time.Millisecond), buildTime.Round(time.Millisecond))

	browser := newBrowser(t)
	a.login(t, browser)
	// The session is a row of the shared database: B knows it.
	if resp, body := b.get(t, browser, "/"); resp.StatusCode != http.StatusOK || !strings.Contains(body, testUser) {
		t.Fatalf("A's session on B: %s", resp.Status)
	}

	t.Run("background upload on A, form on B", func(t *testing.T) {
		step := time.Now()
		report := pdf(6 << 20) // more than S3's smallest part
		ref := a.upload(t, browser, "report.pdf", report)
		if left := c.s3.Objects(t, c.bucket, "sticky-temp/"); len(left) == 0 {
			t.Fatal("the upload is not in the bucket's sticky-temp/")
		}

		resp, body := b.post(t, browser, "/documents/new", map[string]string{"title": "Quarterly report", "_file": ref}, nil)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
			t.Fatalf("form on B: %s to %q\n%s", resp.Status, resp.Header.Get("Location"), body)
		}
		c.wantBucket(t, ".pdf")
		a.wantNoLocalFiles(t)
		b.wantNoLocalFiles(t)

		link := a.documentLink(t, browser, "Quarterly report")
		a.wantDownload(t, browser, link, report)
		b.wantDownload(t, browser, link, report)

		// Ranges and revalidation, streamed from the bucket.
		resp, part := b.get(t, browser, link, "Range", "bytes=5000000-5000099")
		if resp.StatusCode != http.StatusPartialContent || part != string(report[5000000:5000100]) {
			t.Errorf("range from the bucket: %s, %d bytes", resp.Status, len(part))
		}
		if etag := resp.Header.Get("ETag"); etag == "" {
			t.Error("no ETag")
		} else if resp, _ := a.get(t, browser, link, "If-None-Match", etag); resp.StatusCode != http.StatusNotModified {
			t.Errorf("If-None-Match on A: %s", resp.Status)
		}
		t.Logf("%d bytes uploaded on A, saved on B, downloaded from both in %v", len(report), time.Since(step).Round(time.Millisecond))
	})

	t.Run("bytes posted on B, reference submitted on A", func(t *testing.T) {
		step := time.Now()
		notes := []byte(strings.Repeat("Minutes of the meeting, kept across servers.\n", 20000)) // ~900 KiB
		// No JavaScript: the bytes come with the form, whose title is
		// missing. B keeps the file in the bucket and hands back its
		// reference in the re-rendered form.
		resp, body := b.post(t, browser, "/documents/new", map[string]string{"title": ""},
			[]formFile{{"file", "minutes.txt", notes}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Enter a title.") || !strings.Contains(body, "minutes.txt") {
			t.Fatalf("form without a title on B: %s\n%s", resp.Status, body)
		}
		m := hiddenRef.FindStringSubmatch(body)
		if m == nil || m[1] == "" {
			t.Fatalf("no kept reference in B's form:\n%s", body)
		}

		resp, body = a.post(t, browser, "/documents/new", map[string]string{"title": "Minutes", "_file": m[1]}, nil)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("form with the reference on A: %s\n%s", resp.Status, body)
		}
		c.wantBucket(t, ".pdf", ".txt")
		a.wantNoLocalFiles(t)
		b.wantNoLocalFiles(t)

		link := b.documentLink(t, browser, "Minutes")
		b.wantDownload(t, browser, link, notes)
		a.wantDownload(t, browser, link, notes)

		// The reference was used up by the save, on either server.
		resp, body = b.post(t, browser, "/documents/new", map[string]string{"title": "Again", "_file": m[1]}, nil)
		wantChooseAgain(t, resp, body)
		t.Logf("%d bytes posted on B, saved on A, downloaded from both in %v", len(notes), time.Since(step).Round(time.Millisecond))
	})

	// Nothing went wrong on the way, as the demos see it.
	for _, d := range demos {
		for _, line := range strings.Split(d.Out.String(), "\n") {
			if strings.Contains(line, "level=ERROR") || strings.Contains(line, "level=WARN") {
				t.Errorf("demo %s: %s", d.Name, line)
			}
		}
	}
}

// TestExpiry runs two demos with a tiny -temp-ttl and a quick -sweep-every
// on one bucket: a file chosen on one and abandoned is swept from the
// bucket (both servers sweeping it at once), and its reference submitted to
// the other afterwards asks the person to choose the file again.
func TestExpiry(t *testing.T) {
	c := newCluster(t)
	demos := c.start(t, []string{"A", "B"}, "-temp-ttl", "1s", "-sweep-every", "200ms")
	a, b := demos[0], demos[1]
	browser := newBrowser(t)
	a.login(t, browser)

	ref := a.upload(t, browser, "abandoned.pdf", pdf(64<<10))
	if len(c.s3.Objects(t, c.bucket, "sticky-temp/")) == 0 {
		t.Fatal("the upload is not in the bucket's sticky-temp/")
	}
	start := time.Now()
	for len(c.s3.Objects(t, c.bucket, "sticky-temp/")) > 0 || len(c.s3.MultipartUploads(t, c.bucket, "")) > 0 {
		if time.Since(start) > 10*time.Second {
			t.Fatalf("the abandoned upload is still in the bucket after 10s: %q", c.s3.Objects(t, c.bucket, ""))
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("abandoned upload swept %v after it was stored", time.Since(start).Round(time.Millisecond))

	resp, body := b.post(t, browser, "/documents/new", map[string]string{"title": "Too late", "_file": ref}, nil)
	wantChooseAgain(t, resp, body)
	if !strings.Contains(body, `value="Too late"`) {
		t.Error("the title was lost")
	}
	c.wantBucket(t)
	for _, d := range demos {
		if out := d.Out.String(); strings.Contains(out, "sweeping the temporary store") {
			t.Errorf("demo %s failed to sweep:\n%s", d.Name, out)
		}
	}
}
