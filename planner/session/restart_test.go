package session

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

type lockedLog struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Scenario 4: a failing job restarts by itself within the strategy's
// bounds, then fails with the reason.
func TestRestartStrategyGivesUp(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "in"), 0o755)
	os.WriteFile(filepath.Join(dir, "in", "bad.csv"), []byte("1\nx\n"), 0o644)
	log := &lockedLog{}
	s := New(Options{Log: log})
	defer s.Close()
	execAll(t, s, `
SET 'restart-strategy.type' = 'fixed-delay';
SET 'restart-strategy.fixed-delay.attempts' = '2';
SET 'restart-strategy.fixed-delay.delay' = '10 ms';
CREATE TABLE src (id INT) WITH ('connector' = 'filesystem', 'path' = '`+filepath.Join(dir, "in")+`', 'format' = 'csv');
CREATE TABLE sink (id INT) WITH ('connector' = 'blackhole');
INSERT INTO sink SELECT id FROM src;`)
	err := s.Jobs()[0].Wait()
	if err == nil || !strings.Contains(err.Error(), "Recovery is suppressed by FixedDelayRestartBackoffTimeStrategy(maxNumberRestartAttempts=2, backoffTimeMS=10)") ||
		!strings.Contains(err.Error(), "bad.csv at line 2") {
		t.Fatalf("error: %v", err)
	}
	if n := strings.Count(log.String(), "Restarting job"); n != 2 {
		t.Fatalf("%d restarts logged, want 2:\n%s", n, log.String())
	}
	if got := s.Jobs()[0].Restarts(); got != 2 {
		t.Fatalf("Restarts() = %d", got)
	}
}

// A transient failure: the job restarts from its latest checkpoint and
// finishes with every row exactly once.
func TestRestartRecoversFromCheckpoint(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in")
	os.MkdirAll(in, 0o755)
	var good strings.Builder
	for i := 1; i <= 2000; i++ {
		good.WriteString(strconv.Itoa(i) + "\n")
	}
	os.WriteFile(filepath.Join(in, "a.csv"), []byte(good.String()), 0o644)
	os.WriteFile(filepath.Join(in, "b.csv"), []byte("2001\noops\n2003\n"), 0o644)
	log := &lockedLog{}
	s := New(Options{Log: log})
	defer s.Close()
	execAll(t, s, `
SET 'execution.checkpointing.interval' = '20ms';
SET 'restart-strategy.type' = 'fixed-delay';
SET 'restart-strategy.fixed-delay.attempts' = '3';
SET 'restart-strategy.fixed-delay.delay' = '300 ms';
CREATE TABLE src (id INT) WITH ('connector' = 'filesystem', 'path' = '`+in+`', 'format' = 'csv');
CREATE TABLE sink (id INT) WITH ('connector' = 'filesystem', 'path' = '`+filepath.Join(dir, "out")+`', 'format' = 'csv');
INSERT INTO sink SELECT id FROM src;`)
	waitFor(t, func() bool { return strings.Contains(log.String(), "Restarting job") })
	os.WriteFile(filepath.Join(in, "b.csv"), []byte("2001\n2002\n2003\n"), 0o644) // the operator fixes the data
	if err := s.Jobs()[0].Wait(); err != nil {
		t.Fatalf("job failed: %v\nlog:\n%s", err, log.String())
	}
	counts := readIDs(t, filepath.Join(dir, "out"))
	for id := int64(1); id <= 2003; id++ {
		if counts[id] != 1 {
			t.Fatalf("id %d written %d times\nlog:\n%s", id, counts[id], log.String())
		}
	}
	if !strings.Contains(log.String(), "from checkpoint") && !strings.Contains(log.String(), "initial state") {
		t.Fatalf("log does not say what the restart used:\n%s", log.String())
	}
}

// Cancelling a job that waits out its restart delay ends it at once.
func TestCancelDuringRestartDelay(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "in"), 0o755)
	os.WriteFile(filepath.Join(dir, "in", "bad.csv"), []byte("x\n"), 0o644)
	log := &lockedLog{}
	s := New(Options{Log: log})
	defer s.Close()
	execAll(t, s, `
SET 'restart-strategy.type' = 'fixed-delay';
SET 'restart-strategy.fixed-delay.attempts' = '5';
SET 'restart-strategy.fixed-delay.delay' = '10 min';
CREATE TABLE src (id INT) WITH ('connector' = 'filesystem', 'path' = '`+filepath.Join(dir, "in")+`', 'format' = 'csv');
CREATE TABLE sink (id INT) WITH ('connector' = 'blackhole');
INSERT INTO sink SELECT id FROM src;`)
	waitFor(t, func() bool { return strings.Contains(log.String(), "Restarting job") })
	j := s.Jobs()[0]
	if st := j.Status(); st != "RESTARTING" {
		t.Fatalf("status %s", st)
	}
	j.Cancel()
	select {
	case <-j.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("cancel did not end the restart delay")
	}
	if st := j.Status(); st != "CANCELED" {
		t.Fatalf("status %s", st)
	}
}
