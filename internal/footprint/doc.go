// Package footprint holds the test that keeps the core light: what an app
// that keeps its uploads on disk compiles, and how big its binary is,
// against an app built on tusd's handler and filestore alone.
package footprint
