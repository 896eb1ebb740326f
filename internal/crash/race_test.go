//go:build race

package crash_test

// The test server is built like the tests, so that the packages the tests
// compiled are reused.
func init() { buildFlags = append(buildFlags, "-race") }
