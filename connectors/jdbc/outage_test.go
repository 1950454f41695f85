package jdbc

import (
	"strings"
	"testing"
	"time"

	"github.com/flinkgo/engine/connectors/jdbc/jdbctest"
)

// TestOutageRetries: lost connections and a short outage are retried;
// a long one fails the flush with a clear error (then the runtime
// restarts from the last checkpoint) that does not show the password.
func TestOutageRetries(t *testing.T) {
	db := jdbctest.NewDatabase(t)
	db.Exec(t, "CREATE TABLE kv (id INT PRIMARY KEY, v VARCHAR(20))")
	p := jdbctest.NewProxy(t, db.Config.Addr)
	cols, ct := kvCols()
	tbl := table(db, "kv", cols, []int{0}, "sink.buffer-flush.max-rows", "0", "sink.buffer-flush.interval", "0",
		"sink.max-retries", "3", "connection.max-retry-timeout", "2s")
	tbl.Options["url"] = "jdbc:mysql://" + p.Addr() + "/" + db.Name + "?useSSL=false"
	w := newWriter(t, tbl, 0, 1)
	mustOpen(t, w, opCtx(0, 1))
	defer w.Close()
	step := func(id int, v string) error {
		if err := w.ProcessBatch(0, batchOf(t, ct, ins(id, v))); err != nil {
			return err
		}
		_, err := w.SnapshotState(int64(id))
		return err
	}
	if err := step(1, "a"); err != nil {
		t.Fatal(err)
	}
	// Connections reset (a server restart): the next flush reconnects.
	p.Cut(false)
	if err := step(2, "b"); err != nil {
		t.Fatalf("after a connection reset: %v", err)
	}
	// Down for 500 ms: the retries with backoff (200, 400, 800 ms) bridge it.
	p.Cut(true)
	go func() { time.Sleep(500 * time.Millisecond); p.Up() }()
	if err := step(3, "c"); err != nil {
		t.Fatalf("after a short outage: %v", err)
	}
	wantRows(t, query(t, db.SQL, "SELECT id, v FROM kv"), "1|a", "2|b", "3|c")
	// Down for good: the flush fails after the retries.
	p.Cut(true)
	start := time.Now()
	err := step(4, "d")
	if err == nil {
		t.Fatal("a flush during a long outage succeeded")
	}
	if time.Since(start) < time.Second {
		t.Errorf("failed after %v, without the retries", time.Since(start))
	}
	if !strings.Contains(err.Error(), "after 3 retries") || (db.Password() != "" && strings.Contains(err.Error(), db.Password())) {
		t.Errorf("error: %v", err)
	}
	// The error sticks: the task fails and the runtime restores.
	if _, err2 := w.SnapshotState(5); err2 == nil {
		t.Error("the writer went on after a failed flush")
	}
}
