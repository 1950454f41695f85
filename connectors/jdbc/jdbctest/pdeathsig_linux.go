package jdbctest

import (
	"os/exec"
	"syscall"
)

// dieWithParent makes the private server die with the test binary, also
// when the binary is killed or its TestMain does not call Main.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
