//go:build !linux

package testproc

import "os/exec"

// DieWithParent does nothing where the system cannot tie a child's life to
// its parent's; the tests' cleanups stop their servers.
func DieWithParent(*exec.Cmd) {}
