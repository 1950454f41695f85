package runtime

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"time"
)

// The watchdog of tests and harnesses (FLINKGO_TEST_WATCHDOG=<duration>,
// see testhooks.go): a job that makes no progress — processes no record,
// acknowledges no checkpoint, finishes no task — for the duration is hung.
// Rather than wait for a checkpoint timeout or a test deadline and then
// say nothing of where it stood, the watchdog dumps every goroutine (to
// standard error, or to a file under FLINKGO_TEST_REPORT_DIR) and fails the
// job with an error that says so. It measures the machine's time, not the
// job's clock: a hang is a wall-clock matter.

// progress is a number that grows whenever the job does anything.
func (j *Job) progress() int64 {
	var n int64
	for _, t := range j.tasks {
		n += t.metrics.RecordsIn.Load() + t.metrics.RecordsOut.Load()
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, a := range j.acks {
		n += a
	}
	return n + int64(j.finishedCount) + j.lastDone
}

// watch fails the job when it made no progress for d; it returns when the
// job ended.
func (j *Job) watch(d time.Duration) {
	tick := time.NewTicker(max(d/8, 10*time.Millisecond))
	defer tick.Stop()
	last, since := j.progress(), time.Now()
	for {
		select {
		case <-j.done:
			return
		case <-tick.C:
		}
		if p := j.progress(); p != last {
			last, since = p, time.Now()
			continue
		}
		if time.Since(since) < d {
			continue
		}
		where := j.dumpGoroutines(d)
		j.Fail(fmt.Errorf("watchdog: job %s (%s) made no progress for %s: no record processed, no checkpoint acknowledged, no task finished; goroutines dumped to %s", j.Name, j.ID, d, where))
		return
	}
}

// dumpGoroutines writes every goroutine's stack and returns where to.
func (j *Job) dumpGoroutines(d time.Duration) string {
	var b bytes.Buffer
	fmt.Fprintf(&b, "watchdog: job %s (%s) made no progress for %s; every goroutine follows\n", j.Name, j.ID, d)
	pprof.Lookup("goroutine").WriteTo(&b, 2)
	if dir := testHooks.reportDir; dir != "" {
		path := filepath.Join(dir, fmt.Sprintf("hang-%d-%s.txt", os.Getpid(), j.ID))
		if err := os.WriteFile(path, b.Bytes(), 0o644); err == nil {
			return path
		}
	}
	os.Stderr.Write(b.Bytes())
	return "standard error"
}

// reportEnd appends the job's end to FLINKGO_TEST_REPORT_DIR/jobs.log.
func (j *Job) reportEnd(status JobStatus, err error) {
	dir := testHooks.reportDir
	if dir == "" {
		return
	}
	f, ferr := os.OpenFile(filepath.Join(dir, "jobs.log"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if ferr != nil {
		return
	}
	defer f.Close()
	msg := ""
	if err != nil {
		msg = err.Error()
		if len(msg) > 300 {
			msg = msg[:300]
		}
		msg = " " + string(bytes.ReplaceAll([]byte(msg), []byte("\n"), []byte(" ")))
	}
	fmt.Fprintf(f, "%s %d %s %s%s\n", status, os.Getpid(), j.ID, time.Since(j.StartTime).Round(time.Millisecond), msg)
}
