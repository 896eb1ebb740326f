package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stickyuploads/sticky"
	"github.com/stickyuploads/sticky/internal/needs"
	"github.com/stickyuploads/sticky/internal/testproc"
)

// The scenarios that matter to users, run through the same code in every
// browser: testdata/browsers.test.mjs drives the browser with puppeteer-core,
// Chromium over the DevTools protocol and Firefox ESR over WebDriver BiDi.
// Neither browser can throttle one URL through BiDi, so the slow uploads
// and the cut connection are played by servers here (browserLab), the same
// for both.

// puppeteerVersion is the puppeteer-core release the suite runs with: the
// last line (24.x) that runs on Node 20 (25.x needs Node 22.12) and drives
// Firefox over WebDriver BiDi. It never downloads a browser: the suite
// starts Debian's.
const puppeteerVersion = "24.43.1"

var driverPackages = &npmSet{
	dir:      "puppeteer-core-" + puppeteerVersion,
	install:  []string{"puppeteer-core@" + puppeteerVersion},
	versions: map[string]string{"puppeteer-core": puppeteerVersion},
	files:    []string{"puppeteer-core/lib/cjs/puppeteer/puppeteer-core.js"},
}

// suiteBrowsers are the browsers the suite runs in: the name the script
// takes, and Debian's program.
var suiteBrowsers = []struct{ name, program string }{
	{"chromium", "chromium"},
	{"firefox", "firefox-esr"},
}

// TestBrowsers runs the scenarios of testdata/browsers.test.mjs in each
// browser, one subtest per scenario.
func TestBrowsers(t *testing.T) {
	for _, br := range suiteBrowsers {
		t.Run(br.name, func(t *testing.T) {
			exe := needs.Tool(t, br.program)
			node := needs.Tool(t, "node")
			modules := driverPackages.nodeModules(t)
			lab := startBrowserLab(t)
			start := time.Now()
			runNodeSuite(t, node, filepath.Join(moduleRoot, "internal", "e2e", "testdata", "browsers.test.mjs"), map[string]string{
				"STICKY_BROWSER":      br.name,
				"STICKY_BROWSER_PATH": exe,
				"STICKY_PUPPETEER":    filepath.Join(modules, "puppeteer-core"),
				"STICKY_DEMO":         lab.demo.URL,
				"STICKY_CLIENT":       lab.client.URL,
				"STICKY_CONTROL":      lab.control.URL,
				"STICKY_USER":         testUser,
				"STICKY_PASSWORD":     testPassword,
				"STICKY_FILES":        lab.files,
				"STICKY_DIRECT_DEMO":  lab.direct,
				"STICKY_DIRECT_SKIP":  lab.directSkip,
			})
			t.Logf("%s: the suite took %v", br.name, time.Since(start).Round(time.Second))
		})
	}
}

// browserLab is what the scenarios run against: the demo behind a proxy
// that can slow its one-shot uploads down, the client tests' server (whose
// tus endpoint can cut a PATCH off part way), a control server through
// which the script sets these and reads what the servers saw, and the
// files to upload.
type browserLab struct {
	demo    *demo // URL: the proxy's
	client  *clientServer
	control *httptest.Server
	files   string // JSON: each file's role → its path

	// The demo with -direct against versitygw, its bucket behind a cable
	// the control server cuts; or why there is none.
	direct, directSkip string

	throttle atomic.Int64 // bytes per second of the demo's one-shot uploads; 0: full speed
}

func startBrowserLab(t *testing.T) *browserLab {
	t.Helper()
	// Files named "checked…" are held by a slow check until /release.
	check := &slowCheck{only: "checked", started: make(chan string, 1), release: make(chan struct{})}
	lab := &browserLab{client: startClientServer(t, func(c *sticky.Config) {
		c.Processors = []sticky.Processor{check}
		c.ProcessWait = 200 * time.Millisecond
	})}
	real := startDemo(t, "")
	target, err := url.Parse(real.URL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if bps := lab.throttle.Load(); bps > 0 && r.Method == http.MethodPost && r.URL.Path == uploadPath {
			r.Body = &slowBody{r: r.Body, bytesPerSecond: bps}
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	lab.demo = &demo{URL: front.URL, Data: real.Data}

	mux := http.NewServeMux()
	mux.HandleFunc("POST /throttle", func(w http.ResponseWriter, r *http.Request) {
		lab.throttle.Store(formInt(r, "bps"))
	})
	mux.HandleFunc("POST /cut", func(w http.ResponseWriter, r *http.Request) {
		s := lab.client
		s.cutAfter.Store(formInt(r, "after"))
		s.cutLeft.Store(formInt(r, "left"))
		s.cutAt.Store(formInt(r, "at"))
	})
	mux.HandleFunc("POST /release", func(w http.ResponseWriter, r *http.Request) { check.open() })
	mux.HandleFunc("GET /tus-calls", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, lab.client.tusCalls())
	})
	mux.HandleFunc("GET /sum", func(w http.ResponseWriter, r *http.Request) {
		sum, n, err := lab.client.sum(r.FormValue("field"), r.FormValue("ref"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnprocessableEntity)
			return
		}
		writeJSON(w, map[string]any{"sha256": sum, "size": n})
	})
	mux.HandleFunc("GET /temp-files", func(w http.ResponseWriter, r *http.Request) {
		dir := filepath.Join(lab.demo.Data, "tmp")
		if _, err := os.Stat(dir); err != nil {
			http.Error(w, "the demo's temporary store: "+err.Error(), http.StatusInternalServerError)
			return
		}
		left, err := regularFiles(dir)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		writeJSON(w, left)
	})
	lab.startDirect(t, mux)
	lab.control = httptest.NewServer(mux)
	t.Cleanup(lab.control.Close)

	dir := t.TempDir()
	pdf := filepath.Join(dir, "refused.pdf")
	clientWriteFile(t, pdf, "%PDF-1.4\n% not an image\n")
	files, err := json.Marshal(map[string]string{
		"kept":     writePNG(t, dir, "harbour at dusk.png", 3<<20),
		"cancel":   writePNG(t, dir, "scan.png", 2<<20),
		"keyboard": writePNG(t, dir, "keyboard.png", 2<<20),
		"noscript": writeText(t, dir, "meeting notes.txt", 700<<10),
		"photo":    writePNG(t, dir, "harbour.png", 200<<10),
		"notes":    writeText(t, dir, "notes.txt", 30<<10),
		"pdf":      pdf,
		"big":      clientBinary(t, dir, "cut.bin", 12<<20),
		"small":    writeText(t, dir, "hello.txt", 2000),
		"checked":  writeText(t, dir, "checked notes.txt", 20<<10),
		"tooLarge": writeText(t, dir, "bericht.txt", 21<<20), // over the demo's 20 MiB
		"direct":   writeText(t, dir, "survey.txt", directSize),
	})
	if err != nil {
		t.Fatal(err)
	}
	lab.files = string(files)
	return lab
}

// directSize is the size of the file the scenarios send straight to the
// bucket.
const directSize = 200 << 20

// startDirect starts the demo with -direct (see directDemo), when
// versitygw is there, and the control routes of its cable: cut, connect,
// spoil?at= and throttle?bps= (each connection's), spoilt (whether the
// byte was), and app: what /proc says of the demo (procFigures).
func (lab *browserLab) startDirect(t *testing.T, mux *http.ServeMux) {
	if _, err := needs.Find("versitygw"); err != nil && !needs.Strict() {
		lab.directSkip = err.Error()
		return
	}
	d, cable, _ := directDemo(t, "256MiB")
	lab.direct = d.URL
	mux.HandleFunc("POST /direct/cut", func(http.ResponseWriter, *http.Request) { cable.cut() })
	mux.HandleFunc("POST /direct/connect", func(http.ResponseWriter, *http.Request) { cable.connect() })
	mux.HandleFunc("POST /direct/spoil", func(w http.ResponseWriter, r *http.Request) { cable.spoil(formInt(r, "at")) })
	mux.HandleFunc("POST /direct/throttle", func(w http.ResponseWriter, r *http.Request) { cable.bps.Store(formInt(r, "bps")) })
	mux.HandleFunc("GET /direct/spoilt", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, cable.spoilt.Load() == 0) })
	mux.HandleFunc("GET /direct/app", func(w http.ResponseWriter, r *http.Request) {
		figures, err := readProc(d.PID)
		if err != nil {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		writeJSON(w, figures)
	})
}

// slowBody reads a request's body at about bytesPerSecond, in slices of a
// twentieth of a second.
type slowBody struct {
	r              io.ReadCloser
	bytesPerSecond int64
}

func (b *slowBody) Read(p []byte) (int, error) {
	if slice := int(max(b.bytesPerSecond/20, 1)); len(p) > slice {
		p = p[:slice]
	}
	n, err := b.r.Read(p)
	time.Sleep(time.Duration(int64(n) * int64(time.Second) / b.bytesPerSecond))
	return n, err
}

func (b *slowBody) Close() error { return b.r.Close() }

func formInt(r *http.Request, name string) int64 {
	n, _ := strconv.ParseInt(r.FormValue(name), 10, 64)
	return n
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

// regularFiles is storedFiles without a testing.T, for a handler.
func regularFiles(dir string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(p string, e os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.Type().IsRegular() {
			files = append(files, p)
		}
		return nil
	})
	return files, err
}

// runNodeSuite runs `node --test` on script with env added, and reports
// each top-level test of its TAP output as a subtest of t, with what it
// printed. A script that fails outside its tests fails t.
func runNodeSuite(t *testing.T, node, script string, env map[string]string) {
	t.Helper()
	// The browsers' own temporary files (profiles, sockets) go to a
	// directory of their own, removed after them; not under t.TempDir,
	// whose path is too long for a Unix socket.
	tmp, err := os.MkdirTemp("", "browsers")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	args := []string{"--test", "--test-reporter=tap"}
	if only := os.Getenv("STICKY_SCENARIOS"); only != "" {
		// A regular expression over the scenarios' names, to run a few.
		args = append(args, "--test-name-pattern="+only)
	}
	cmd := exec.CommandContext(ctx, node, append(args, script)...)
	cmd.Dir = filepath.Dir(script)
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp, "PUPPETEER_SKIP_DOWNLOAD=1")
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	// SIGTERM first: puppeteer then closes the browser it started.
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 15 * time.Second
	var stdout, stderr testproc.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	testproc.DieWithParent(cmd)
	runErr := cmd.Run()

	results := parseTAP(stdout.String())
	for _, r := range results {
		t.Run(r.name, func(t *testing.T) {
			if r.detail != "" {
				t.Log("\n" + r.detail)
			}
			switch {
			case r.skip != "":
				t.Skip(r.skip)
			case !r.ok:
				t.Error("failed")
			}
		})
	}
	if runErr != nil && !anyFailed(results) || len(results) == 0 {
		t.Errorf("node --test %s: %v (%d tests reported)\nstdout:\n%s\nstderr:\n%s", filepath.Base(script), runErr, len(results), stdout.String(), stderr.String())
	} else if s := stderr.String(); s != "" {
		t.Logf("node's stderr:\n%s", s)
	}
}

// tapResult is one top-level test of node's TAP output.
type tapResult struct {
	name   string
	ok     bool
	skip   string // the reason, when skipped
	detail string // its diagnostics and, when it failed, the error
}

var tapLine = regexp.MustCompile(`^(not )?ok \d+ - (.*?)(?: # SKIP(?: (.*))?)?$`)

// parseTAP reads the top-level tests of node's TAP reporter (Node 20): each
// is a "# Subtest: name" line, an unindented "ok N - name" or "not ok N -
// name", an indented YAML block (with the error), then the test's
// diagnostics ("# ..." lines, from t.diagnostic). The plan line "1..N" ends
// the tests; the summary follows it.
func parseTAP(out string) []tapResult {
	var results []tapResult
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if m := tapLine.FindStringSubmatch(line); m != nil {
			results = append(results, tapResult{name: m[2], ok: m[1] == "", skip: m[3]})
			continue
		}
		if strings.HasPrefix(line, "1..") {
			break
		}
		if len(results) == 0 || strings.HasPrefix(line, "# Subtest: ") {
			continue
		}
		last := &results[len(results)-1]
		switch {
		case strings.HasPrefix(line, "# "):
			last.detail += strings.TrimPrefix(line, "# ") + "\n"
		case !last.ok && strings.HasPrefix(line, "  ") && !strings.HasPrefix(line, "  duration_ms:"):
			last.detail += strings.TrimPrefix(line, "  ") + "\n"
		}
	}
	return results
}

func anyFailed(results []tapResult) bool {
	for _, r := range results {
		if !r.ok {
			return true
		}
	}
	return false
}
