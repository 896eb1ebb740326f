package e2e

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/stickyuploads/sticky/internal/needs"
	"github.com/stickyuploads/sticky/internal/testproc"
	"github.com/stickyuploads/sticky/internal/tmpcheck"
)

// Viewport of every browser, and so the size of the screenshots.
const (
	viewportWidth  = 1000
	viewportHeight = 700
)

var (
	moduleRoot string // the directory of go.mod
	demoBinary string // the demo built once by TestMain, when there is a browser
)

func TestMain(m *testing.M) {
	os.Exit(tmpcheck.Run(func() int { return testMain(m) }))
}

func testMain(m *testing.M) int {
	root, err := testproc.ModuleRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	moduleRoot = root
	// Every test drives a browser: without one build nothing; each test
	// skips (or fails, under STICKY_TEST_STRICT=1).
	if needs.Main("chromium") == "" && needs.Main("firefox-esr") == "" {
		return m.Run()
	}

	dir, err := os.MkdirTemp("", "sticky-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	if demoBinary, err = testproc.BuildDemo(dir); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	return m.Run()
}

// ---- The demo app ----

// Credentials of the user every demo is started with.
const (
	testUser     = "alice"
	testPassword = "correct horse battery staple"
)

// demo is one running sticky-demo process, or a site standing in for it.
type demo struct {
	URL  string // http://127.0.0.1:PORT, no trailing slash
	Data string // its -data directory
	PID  int    // its process; 0 when not known
}

// startDemo runs the demo binary on a free port with its own data directory
// and the test user. maxSize is the -max-size flag ("" for the default). The
// process is stopped when the test ends; its output is logged if the test
// failed.
func startDemo(t *testing.T, maxSize string) *demo {
	t.Helper()
	if maxSize == "" {
		return startDemoWith(t)
	}
	return startDemoWith(t, "-max-size", maxSize)
}

// startDemoWith is startDemo with extra flags.
func startDemoWith(t *testing.T, extra ...string) *demo {
	t.Helper()
	if demoBinary == "" {
		needs.Tool(t, "chromium") // TestMain found no browser to drive a demo
	}
	d := &demo{Data: filepath.Join(t.TempDir(), "data")}
	p := testproc.StartDemo(t, demoBinary, testproc.DemoConfig{
		Args: append([]string{"-addr", "127.0.0.1:0", "-data", d.Data, "-user", testUser + ":" + testPassword}, extra...),
	})
	p.Listen(t)
	d.URL, d.PID = p.URL, p.PID()
	return d
}

// wantTempStoreEmpty checks that the demo's temporary upload store holds no
// file: nothing is left after a failed or cancelled upload, and a saved
// document's upload is discarded. The demo keeps that store in -data
// DIR/tmp; if it ever moves, this check finds nothing and passes, so the
// directory is checked to exist. Removal may trail the response a little
// (an aborted request is noticed by the server a moment later).
func (d *demo) wantTempStoreEmpty(t *testing.T, when string) {
	t.Helper()
	dir := filepath.Join(d.Data, "tmp")
	if _, err := os.Stat(dir); err != nil {
		t.Errorf("the demo's temporary store: %v", err)
		return
	}
	deadline := time.Now().Add(3 * time.Second)
	for {
		left := storedFiles(t, dir)
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("%s the temporary store still holds %d file(s): %q", when, len(left), left)
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// ---- The browser ----

// browser is one headless Chromium with one tab, and what the tests observe
// of it through DevTools events.
type browser struct {
	ctx context.Context // a chromedp context of the tab; ends with the test's deadline
	net *netLog
}

// newBrowser starts a fresh Chromium (own profile directory) for the test.
// The whole test, browser included, is bounded by timeout.
func newBrowser(t *testing.T, timeout time.Duration) *browser {
	t.Helper()
	chromium := needs.Tool(t, "chromium")
	// Chromium leaves org.chromium.Chromium.* directories in TMPDIR when
	// it is stopped: give it one of its own, removed after it. Not under
	// t.TempDir: its socket's path there would be too long for a Unix
	// socket.
	tmp, err := os.MkdirTemp("", "chromium")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(tmp) })
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.NoSandbox, // the tests may run as root
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Env("TMPDIR="+tmp),
		chromedp.WindowSize(viewportWidth, viewportHeight),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	nl := &netLog{byID: map[network.RequestID]*request{}}
	tabCtx, cancelTab := chromedp.NewContext(allocCtx, chromedp.WithListener(nl.handle))
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
		cancel()
		if t.Failed() {
			t.Logf("browser log:\n%s", nl.report())
		}
	})
	// Start the browser now, so its start-up errors are reported here, and
	// fix the viewport so screenshots have the same size on every machine.
	if err := chromedp.Do(tabCtx, chromedp.EmulateViewport(viewportWidth, viewportHeight)); err != nil {
		t.Fatalf("starting Chromium (%s): %v", chromium, err)
	}
	return &browser{ctx: tabCtx, net: nl}
}

// request is one HTTP request the page made, as DevTools reported it.
type request struct {
	ID       network.RequestID
	Method   string
	URL      string
	Status   int64 // 0 until the response arrives
	Finished bool  // the response body arrived
	Failed   bool  // the request failed or was aborted
	Canceled bool
	Error    string
}

// netLog records, from DevTools events, every request the page made and
// every console message or uncaught exception.
//
// The uploads are counted here, in the browser, rather than on the server:
// the browser sees every POST to /uploads/ whatever its outcome (finished,
// aborted, rejected), while the server's temporary store is emptied as soon
// as a document is saved and its log lines are not a contract.
type netLog struct {
	mu       sync.Mutex
	requests []*request
	byID     map[network.RequestID]*request
	console  []string
}

// handle runs in the tab's event loop (chromedp.WithListener): it only
// records, quickly, under the lock.
func (n *netLog) handle(ev any) {
	n.mu.Lock()
	defer n.mu.Unlock()
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		if ev.RedirectResponse != nil {
			// The same request ID goes on after a redirect: close the
			// old hop and record the new one.
			if r := n.byID[ev.RequestID]; r != nil {
				r.Status = ev.RedirectResponse.Status
				r.Finished = true
			}
		}
		r := &request{ID: ev.RequestID, Method: ev.Request.Method, URL: ev.Request.URL}
		n.requests = append(n.requests, r)
		n.byID[ev.RequestID] = r
	case *network.EventResponseReceived:
		if r := n.byID[ev.RequestID]; r != nil {
			r.Status = ev.Response.Status
		}
	case *network.EventLoadingFinished:
		if r := n.byID[ev.RequestID]; r != nil {
			r.Finished = true
		}
	case *network.EventLoadingFailed:
		if r := n.byID[ev.RequestID]; r != nil {
			r.Failed, r.Canceled, r.Error = true, ev.Canceled, ev.ErrorText
		}
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		msg := d.Text
		if d.Exception != nil && d.Exception.Description != "" {
			msg += " " + d.Exception.Description
		}
		n.console = append(n.console, fmt.Sprintf("exception: %s (%s:%d)", msg, d.URL, d.LineNumber+1))
	case *runtime.EventConsoleAPICalled:
		var parts []string
		for _, a := range ev.Args {
			if a.Value != nil {
				parts = append(parts, string(a.Value))
			} else {
				parts = append(parts, a.Description)
			}
		}
		n.console = append(n.console, fmt.Sprintf("console.%s: %s", ev.Type, strings.Join(parts, " ")))
	case *log.EventEntryAdded:
		n.console = append(n.console, fmt.Sprintf("log %s/%s: %s %s", ev.Entry.Source, ev.Entry.Level, ev.Entry.Text, ev.Entry.URL))
	}
}

// uploads returns copies of the POST requests to the upload endpoint.
func (n *netLog) uploads() []request {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []request
	for _, r := range n.requests {
		if r.Method == "POST" && strings.HasPrefix(urlPath(r.URL), uploadPath) {
			out = append(out, *r)
		}
	}
	return out
}

// report is everything recorded, for the log of a failed test.
func (n *netLog) report() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	var b strings.Builder
	for _, r := range n.requests {
		state := "pending"
		switch {
		case r.Failed:
			state = "failed: " + r.Error
		case r.Finished:
			state = "finished"
		}
		fmt.Fprintf(&b, "  %s %s -> %d (%s)\n", r.Method, r.URL, r.Status, state)
	}
	for _, c := range n.console {
		fmt.Fprintf(&b, "  %s\n", c)
	}
	return b.String()
}

func urlPath(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return ""
	}
	return u.Path
}
