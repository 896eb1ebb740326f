package nginxtest

import (
	"os/exec"
	"syscall"
)

// dieWithParent makes nginx stop when the test process dies without
// cleaning up (a panic, a timeout).
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
