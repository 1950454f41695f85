package s3test

import (
	"os/exec"
	"syscall"
)

// dieWithParent makes the private server die with the test binary.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
