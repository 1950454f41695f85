package runtime

import (
	"bufio"
	"os"
	rt "runtime/debug"
	"strconv"
	"strings"
)

// DefaultGCPercent is the Go GC target the engine runs with when GOGC is
// not set: state and in-flight batches are long-lived, so collecting at
// twice the live heap (instead of Go's 100%) roughly halves GC work; the
// soft memory limit keeps the larger target from exhausting memory.
const DefaultGCPercent = 200

// TuneGC applies the engine's garbage collector settings to the process:
// GC target DefaultGCPercent unless GOGC is set, and a soft memory limit of
// three quarters of the machine's memory (or the cgroup limit) unless
// GOMEMLIMIT is set. It returns what it applied, for the log.
func TuneGC() (gcPercent int, memLimit int64) {
	gcPercent, memLimit = -1, -1
	if os.Getenv("GOGC") == "" {
		rt.SetGCPercent(DefaultGCPercent)
		gcPercent = DefaultGCPercent
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		if total := memoryBytes(); total > 0 {
			memLimit = total / 4 * 3
			rt.SetMemoryLimit(memLimit)
		}
	}
	return gcPercent, memLimit
}

// memoryBytes is the memory available to the process: the cgroup v2 limit
// when there is one, else MemTotal; 0 when unknown.
func memoryBytes() int64 {
	var total int64
	if f, err := os.Open("/proc/meminfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "MemTotal:"); ok {
				kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
				total = kb * 1024
				break
			}
		}
		f.Close()
	}
	if b, err := os.ReadFile("/sys/fs/cgroup/memory.max"); err == nil {
		if v, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil && v > 0 && (total == 0 || v < total) {
			total = v
		}
	}
	return total
}
