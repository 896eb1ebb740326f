package s3test

import (
	"os/exec"
	"syscall"
)

// dieWithParent makes the server stop when the test process dies without
// cleaning up (a panic, a timeout).
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
