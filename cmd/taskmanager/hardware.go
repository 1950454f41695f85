package main

import (
	"bufio"
	"bytes"
	"os"
	goruntime "runtime"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/flinkgo/engine/runtime/cluster"
)

// hardware describes this machine for the registration (Flink's
// HardwareDescription): memory from /proc/meminfo, -1 where unknown;
// managed memory is 0 (state lives in the Go heap or Pebble's cache).
func hardware() cluster.Hardware {
	total, avail := meminfo()
	return cluster.Hardware{CPUCores: goruntime.NumCPU(), PhysicalMemory: total, FreeMemory: avail}
}

// memory reports the Go runtime's heap and the machine's available memory
// with every heartbeat.
func memory() cluster.Memory {
	var ms goruntime.MemStats
	goruntime.ReadMemStats(&ms)
	_, avail := meminfo()
	return cluster.Memory{
		HeapUsed:      int64(ms.HeapAlloc),
		HeapCommitted: int64(ms.HeapSys - ms.HeapReleased),
		NonHeapUsed:   int64(ms.Sys - ms.HeapSys),
		Goroutines:    goruntime.NumGoroutine(),
		FreeMemory:    avail,
	}
}

// meminfo returns MemTotal and MemAvailable in bytes (-1 when unknown).
func meminfo() (total, avail int64) {
	total, avail = -1, -1
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) == 0 {
			continue
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			continue
		}
		switch name {
		case "MemTotal":
			total = kb * 1024
		case "MemAvailable":
			avail = kb * 1024
		}
	}
	return
}

// version is the binary's VCS revision (short), or "dev".
func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 7 {
				return s.Value[:7]
			}
		}
	}
	return "dev"
}
