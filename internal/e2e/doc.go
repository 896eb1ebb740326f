// Package e2e holds the end-to-end tests of sticky: they build the demo app
// (cmd/sticky-demo), run it on a free port with a fresh data directory, and
// drive it with a real headless Chromium through the DevTools protocol
// (github.com/chromedp/chromedp).
//
// The tests need Chromium on PATH (Debian's package "chromium"; `make test`
// installs it), and npm for the compatibility tests. Without them they are
// skipped, or fail under STICKY_TEST_STRICT=1 (as in `make test`). Run
// them with
//
//	go test ./internal/e2e/ -count=1
//
// They do not need -race (the code under test runs in a separate process,
// the demo binary, which is built without it), but they pass with it too.
// They also refresh the screenshots in docs/images.
package e2e
