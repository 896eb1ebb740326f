// Package cluster holds the many-servers tests of sticky: they build the
// demo app (cmd/sticky-demo) once, start a real S3 server (versitygw, see
// internal/s3test) with a fresh bucket, and run two demo processes on
// different ports of 127.0.0.1 that share the bucket, the signing key
// (STICKY_SECRET) and the SQLite database (-db), each with its own -data
// directory. A file uploaded through one server is then submitted through
// the other, as behind a load balancer with no sticky sessions.
//
// TestFaults puts three demos behind a real nginx (round robin, no sticky
// sessions) and runs people uploading through it while one demo is killed
// with SIGKILL and started again and versitygw is restarted: nothing a
// person believes kept may be lost or differ, tus uploads cut by the kill
// resume on another server, and nothing is left under the temporary prefix
// after the sweep. Its short form runs in make test; `-full` runs the load
// of make loadtest-cluster (docs/load.md). It needs nginx too.
//
// The tests need versitygw; `make test` installs it. Without it they are
// skipped, or fail under STICKY_TEST_STRICT=1 (as in `make test`). Run
// them with
//
//	go test ./internal/cluster/ -count=1
//
// The demo binary is built without -race, even when the tests run with it:
// the race detector makes the demo's bcrypt twenty times slower. The demo's
// code runs under -race in its own package's tests.
package cluster
