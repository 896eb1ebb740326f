// Package testproc starts the servers that tests run beside them (nginx,
// versitygw, the demo) so that none outlives the test.
package testproc

import (
	"os"
	"os/exec"
	"time"
)

// Start starts cmd, made to die with the test process. exited is closed
// once cmd has exited; stop sends sig, waits up to 5 s, then kills it, and
// returns once it has exited.
func Start(cmd *exec.Cmd, sig os.Signal) (exited <-chan struct{}, stop func(), err error) {
	DieWithParent(cmd)
	if err := cmd.Start(); err != nil {
		return nil, nil, err
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	return done, func() {
		cmd.Process.Signal(sig)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	}, nil
}
