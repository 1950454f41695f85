package checkpoint

import (
	"os"
	"syscall"
)

// crashProcess ends the process as kill -9 would: no deferred function,
// no flush, no cleanup (runtime.CrashAfterCheckpoint, a test hook).
func crashProcess() {
	syscall.Kill(os.Getpid(), syscall.SIGKILL)
	select {}
}
