# make test: every test, installing what it needs when it is missing.
GO       ?= go
FUZZTIME ?= 3s
SUDO     := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: test deps chromium firefox versitygw nginx clamd lint node unit examples loadshort e2e fuzz demo bench loadtest loadtest-cluster

test: deps lint node unit examples loadshort e2e fuzz
	@echo "make test: all passed"

deps: chromium firefox versitygw nginx clamd

chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "make test: installing Chromium with apt-get"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; \
	} || { echo "make test: FAILED to install Chromium (apt-get install chromium); the browser tests need /usr/bin/chromium" >&2; exit 1; }
	@command -v chromium >/dev/null 2>&1 || { echo "make test: chromium is still missing" >&2; exit 1; }
	@command -v node >/dev/null 2>&1 || { echo "make test: node is missing (the client tests run with node --test)" >&2; exit 1; }
	@command -v npm >/dev/null 2>&1 || { echo "make test: npm is missing (the tests install tus-js-client, Uppy and Fine Uploader with it)" >&2; exit 1; }

firefox:
	@command -v firefox-esr >/dev/null 2>&1 || { \
		echo "make test: installing Firefox ESR with apt-get"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq firefox-esr >/dev/null; \
	} || { echo "make test: FAILED to install Firefox ESR (apt-get install firefox-esr); the browser tests need /usr/bin/firefox-esr" >&2; exit 1; }
	@command -v firefox-esr >/dev/null 2>&1 || { echo "make test: firefox-esr is still missing" >&2; exit 1; }

versitygw:
	@command -v versitygw >/dev/null 2>&1 || [ -x "$$($(GO) env GOPATH)/bin/versitygw" ] || { \
		echo "make test: installing versitygw (a real S3 server for the tests)"; \
		$(GO) install github.com/versity/versitygw/cmd/versitygw@v1.8.0; \
	} || { echo "make test: FAILED to install versitygw (go install github.com/versity/versitygw/cmd/versitygw@v1.8.0); the S3 tests need it" >&2; exit 1; }

nginx:
	@command -v nginx >/dev/null 2>&1 || test -x /usr/sbin/nginx || { \
		echo "make test: installing nginx with apt-get"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq nginx >/dev/null; \
	} || { echo "make test: FAILED to install nginx (apt-get install nginx); the private-files tests run behind it" >&2; exit 1; }
	@command -v nginx >/dev/null 2>&1 || test -x /usr/sbin/nginx || { echo "make test: nginx is still missing" >&2; exit 1; }

# clamd only: the tests start their own, with a database they write, and
# never run freshclam.
clamd:
	@command -v clamd >/dev/null 2>&1 || test -x /usr/sbin/clamd || { \
		echo "make test: installing clamav-daemon with apt-get"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq clamav-daemon >/dev/null; \
	} || { echo "make test: FAILED to install clamd (apt-get install clamav-daemon); the virus-scanning tests need it" >&2; exit 1; }
	@command -v clamd >/dev/null 2>&1 || test -x /usr/sbin/clamd || { echo "make test: clamd is still missing" >&2; exit 1; }

# Under make, a test whose program (Chromium, Firefox ESR, nginx, versitygw, clamd, node,
# npm) is missing fails instead of skipping: deps has installed them all.
# nginx and clamd are found on PATH, and Debian puts them in /usr/sbin.
unit examples e2e loadshort fuzz: export STICKY_TEST_STRICT := 1
unit examples e2e loadshort fuzz: export PATH := $(PATH):/usr/sbin

STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2

lint:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt would change: $$out" >&2; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...
	cd examples && $(GO) run $(STATICCHECK) ./...

node:
	node --test client/

unit:
	$(GO) test -race -count=1 $$($(GO) list ./... | grep -v /internal/e2e)

# The load test's short version, at full speed (no race detector), with its
# 256 MiB ceiling on the server's memory.
loadshort:
	$(GO) run ./cmd/sticky-load -short

# The routers and templates of docs/routers.md, a module of their own so
# that their dependencies stay out of sticky's.
examples:
	$(GO) -C examples vet ./...
	$(GO) -C examples test -count=1 ./...

e2e:
	$(GO) test -count=1 -timeout 15m ./internal/e2e/

# Every fuzz target, for a short budget each. A target that fails is run
# once more: an input the fuzzer found failing is saved in testdata/fuzz
# and fails that second run at once, while a hiccup of the fuzzing engine
# itself (a worker stalled on a loaded machine) does not come back.
fuzz:
	@set -e; out=$$(mktemp); trap 'rm -f $$out' EXIT; \
	for pkg in $$($(GO) list ./...); do \
		dir=$$($(GO) list -f '{{.Dir}}' $$pkg); \
		for t in $$(grep -ho '^func Fuzz[A-Za-z0-9_]*' $$dir/*_test.go 2>/dev/null | sed 's/^func //'); do \
			echo "fuzz $$pkg $$t ($(FUZZTIME))"; \
			$(GO) test -run='^$$' -fuzz="^$$t$$" -fuzztime=$(FUZZTIME) $$pkg >$$out 2>&1 || \
			{ tail -20 $$out; echo "fuzz $$t failed once; again:"; \
			  $(GO) test -run='^$$' -fuzz="^$$t$$" -fuzztime=$(FUZZTIME) $$pkg >$$out 2>&1; } || \
			{ cat $$out; echo "fuzz $$t failed; rerun: go test -run='^$$' -fuzz=^$$t$$ $$pkg" >&2; exit 1; }; \
		done; \
	done

demo:
	$(GO) run ./cmd/sticky-demo

# make bench: sticky against its baselines; rewrites docs/benchmarks.md and
# docs/images/bench-*.svg. Run it on a quiet machine. The first run also builds
# tusd v2.10.0 from the module proxy (cached in ~/.cache/sticky-bench).
# Flags: make bench BENCHFLAGS='-runs 5 -only oneshot'; the direct-upload
# cases alone, elsewhere: BENCHFLAGS="-only '^direct/' -out /tmp/docs"
BENCHFLAGS ?=
bench: nginx versitygw
	$(GO) run ./bench $(BENCHFLAGS)

# make loadtest: the full load test (64 clients, 3000 mixed one-shot and tus
# uploads, 10% aborted); fails on any mismatch, leak, error or server peak
# memory over 256 MiB. Flags: make loadtest LOADFLAGS='-uploads 10000 -json'
# Then loadtest-cluster.
LOADFLAGS ?=
loadtest:
	$(GO) run ./cmd/sticky-load $(LOADFLAGS)
	$(MAKE) loadtest-cluster

# make loadtest-cluster: faults across servers, the full run (make test runs
# the short one in unit): three demos behind nginx on one versitygw bucket,
# 48 people, 1500 uploads, one demo SIGKILLed and versitygw restarted midway.
# See docs/load.md.
loadtest-cluster: export STICKY_TEST_STRICT := 1
loadtest-cluster: export PATH := $(PATH):/usr/sbin
loadtest-cluster: versitygw nginx
	$(GO) test -count=1 -timeout 30m -run '^TestFaults$$' -v ./internal/cluster/ -full
