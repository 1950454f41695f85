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
var testHooks = readTestHooks()

type hooks struct {
	pollRows   int
	pollDelay  time.Duration
	crashAfter int64
	markers    bool
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
