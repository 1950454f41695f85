package runtime

import (
	"os"
	"strconv"
	"time"
)

// Test hooks: fault injection and observation points for the end-to-end
// tests that drive the real binary (the SQL corpus run "killed and restored
// at another parallelism"). They are switched on only by environment
// variables, never by SQL configuration, and cost one branch on an
// already-read flag when off. They are read once at start-up.
//
//	FLINKGO_TEST_SOURCE_PACE=<rows>:<delay>  sources emit at most <rows> rows
//	    per poll (sources that can bound a poll honour PollRowLimit) and the
//	    source task sleeps <delay> after every poll that produced rows, so a
//	    small bounded input spans several checkpoints.
//	FLINKGO_TEST_CRASH_AFTER_CHECKPOINT=<n>  a job that was not restored
//	    kills its process with SIGKILL right after checkpoint n is durable
//	    (its _metadata written), before any sink learns it completed.
//	FLINKGO_TEST_CHECKPOINT_MARKERS=1  sinks that write to the terminal
//	    (print, the client's result table) write a line "<prefix>@@checkpoint
//	    <n>" when they snapshot checkpoint n, so a test can cut their output
//	    at the checkpoint a restored job resumes from.
//	FLINKGO_TEST_PERTURB=<seed>  schedule perturbation (perturb.go): tasks
//	    yield or sleep briefly at random before channel sends, after
//	    receives, around barrier injection and before their end of input,
//	    each task from its own generator seeded by <seed>, its vertex and its
//	    subtask, so rare interleavings happen often and a seed replays the
//	    same decisions.
//	FLINKGO_TEST_WATCHDOG=<duration>  a job that processes no record,
//	    acknowledges no checkpoint and finishes no task for <duration> dumps
//	    every goroutine and fails (watchdog.go).
//	FLINKGO_TEST_REPORT_DIR=<dir>  every job appends a line to <dir>/jobs.log
//	    when it ends, and the watchdog writes its dump to a file in <dir>
//	    (instead of standard error), for the stress command to collect.
var testHooks = readTestHooks()

type hooks struct {
	pollRows   int
	pollDelay  time.Duration
	crashAfter int64
	markers    bool
	perturb    bool
	seed       uint64
	watchdog   time.Duration
	reportDir  string
}

func readTestHooks() hooks {
	var h hooks
	if v := os.Getenv("FLINKGO_TEST_SOURCE_PACE"); v != "" {
		for i := 0; i < len(v); i++ {
			if v[i] == ':' {
				h.pollRows, _ = strconv.Atoi(v[:i])
				h.pollDelay, _ = time.ParseDuration(v[i+1:])
				break
			}
		}
	}
	if v := os.Getenv("FLINKGO_TEST_CRASH_AFTER_CHECKPOINT"); v != "" {
		h.crashAfter, _ = strconv.ParseInt(v, 10, 64)
	}
	h.markers = os.Getenv("FLINKGO_TEST_CHECKPOINT_MARKERS") != ""
	if v := os.Getenv("FLINKGO_TEST_PERTURB"); v != "" {
		seed, err := strconv.ParseUint(v, 10, 64)
		h.perturb, h.seed = err == nil, seed
	}
	if v := os.Getenv("FLINKGO_TEST_WATCHDOG"); v != "" {
		h.watchdog, _ = time.ParseDuration(v)
	}
	h.reportDir = os.Getenv("FLINKGO_TEST_REPORT_DIR")
	return h
}

// PollRowLimit returns the most rows a source should put in one poll's
// batch, or 0 for no test limit.
func PollRowLimit() int { return testHooks.pollRows }

// CrashAfterCheckpoint returns the checkpoint id after which a job that was
// not restored kills its process, or 0.
func CrashAfterCheckpoint() int64 { return testHooks.crashAfter }

// CheckpointMarkers reports whether terminal sinks write checkpoint markers.
func CheckpointMarkers() bool { return testHooks.markers }

// AppendCheckpointMarker appends the marker line of checkpoint id after
// prefix.
func AppendCheckpointMarker(b []byte, prefix string, id int64) []byte {
	b = append(b, prefix...)
	b = append(b, "@@checkpoint "...)
	b = strconv.AppendInt(b, id, 10)
	return append(b, '\n')
}
