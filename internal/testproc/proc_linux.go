package testproc

import (
	"os/exec"
	"syscall"
)

// DieWithParent makes cmd stop when the test process dies without
// cleaning up (a panic, a timeout).
func DieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
