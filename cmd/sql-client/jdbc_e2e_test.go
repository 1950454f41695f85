package main

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/flinkgo/engine/connectors/jdbc/jdbctest"
)

// newestCheckpoint returns the newest completed <dir>/<job-id>/chk-<n>.
func newestCheckpoint(t *testing.T, root string) string {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(root, "*", "chk-*", "_metadata"))
	best, bestN := "", int64(-1)
	for _, f := range m {
		d := filepath.Dir(f)
		n, err := strconv.ParseInt(strings.TrimPrefix(filepath.Base(d), "chk-"), 10, 64)
		if err == nil && n > bestN {
			best, bestN = d, n
		}
	}
	if best == "" {
		t.Fatalf("no completed checkpoint under %s", root)
	}
	return best
}

// jdbcOptions renders the WITH options of a jdbc table on db.
func jdbcOptions(db *jdbctest.DB, table string, extra ...string) string {
	o := []string{"'connector' = 'jdbc'", "'url' = '" + db.URL() + "?useSSL=false&useUnicode=true&characterEncoding=UTF-8&serverTimezone=UTC&rewriteBatchedStatements=true'",
		"'table-name' = '" + table + "'"}
	if db.User() != "" || db.Password() != "" {
		o = append(o, "'username' = '"+db.User()+"'", "'password' = '"+db.Password()+"'")
	}
	for i := 0; i+1 < len(extra); i += 2 {
		o = append(o, "'"+extra[i]+"' = '"+extra[i+1]+"'")
	}
	return strings.Join(o, ",\n  ")
}

// killRestoreLoop runs body, SIGKILLs it at a random moment after its
// first checkpoint and restarts it from the newest chk-<n> (restore is the
// SET statement put before body), KILL_CYCLES times (default 2) at random
// parallelisms, then lets the last run finish; it returns that run's output.
func killRestoreLoop(t *testing.T, r *rand.Rand, dir, ckpt, body string, restore func(chk string) string) string {
	t.Helper()
	script := writeFile(t, dir, "first.sql", body)
	for c := 0; c < killCycles(); c++ {
		par := 1 + r.IntN(2)
		d := time.Duration(100+r.IntN(600)) * time.Millisecond
		t.Logf("cycle %d: parallelism %d, kill %v after the first checkpoint", c, par, d)
		out, done := runUntilKilled(t, dir, script, par, d, ckpt)
		if done {
			return out
		}
		chk := newestCheckpoint(t, ckpt)
		t.Logf("restoring from %s", chk)
		script = writeFile(t, dir, fmt.Sprintf("again%d.sql", c), restore(chk)+body)
	}
	return runToEnd(t, dir, script, 1+r.IntN(2))
}

// TestJdbcScenario1KillRestore is SCENARIOS.md scenario 1: a replayable
// source (a throttled datagen sequence) into a jdbc upsert table, SIGKILL
// at a random moment, restart from the newest chk-<n> with
// execution.savepoint.path, run to the end. The table must hold every id
// exactly once with its values, and no row may have been rewritten (the
// replayed upserts carry the same values, so update_time, maintained by
// MySQL ON UPDATE, stays equal to insert_time).
func TestJdbcScenario1KillRestore(t *testing.T) {
	for _, kind := range storeKinds {
		t.Run(kind, func(t *testing.T) { jdbcScenario1KillRestore(t, kind) })
	}
}

// jdbcScenario1KillRestore runs scenario 1 with its checkpoints on kind
// ("local", or "s3" where the restore path is s3://bucket/.../chk-<n>).
func jdbcScenario1KillRestore(t *testing.T, kind string) {
	db := jdbctest.NewDatabase(t)
	db.Exec(t, "CREATE TABLE orders_sink (id INT PRIMARY KEY, name VARCHAR(32), price DOUBLE, ts BIGINT, dt VARCHAR(10), "+
		"insert_time TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), "+
		"update_time TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6))")
	r := killRand(t)
	dir := t.TempDir()
	store := newCheckpointStore(t, dir, kind)
	if store.local == "" {
		t.Skip("the S3 server's files are not local: cannot find chk-<n> by listing")
	}
	ckpt := store.local
	n := max(4000, 1500*killCycles()) // KILL_CYCLES=30 for the long loop
	body := store.sets + fmt.Sprintf(`SET execution.checkpointing.interval=200ms;
SET execution.checkpointing.externalized-checkpoint-retention=RETAIN_ON_CANCELLATION;
SET execution.checkpointing.mode=EXACTLY_ONCE;
SET execution.checkpointing.timeout=600000;
SET state.checkpoints.num-retained=3;
CREATE TABLE orders_src (id INT, name STRING, price DOUBLE, ts BIGINT, dt STRING) WITH (
  'connector' = 'datagen', 'rows-per-second' = '2000',
  'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '%d');
CREATE TABLE orders_sink (id INT PRIMARY KEY NOT ENFORCED, name STRING, price DOUBLE, ts BIGINT, dt STRING) WITH (
  %s);
INSERT INTO orders_sink SELECT id, CONCAT('n', CAST(id AS STRING)), id * 1.5, CAST(id AS BIGINT) * 10, 'd' FROM orders_src;
`, n, jdbcOptions(db, "orders_sink", "sink.buffer-flush.max-rows", "50", "sink.buffer-flush.interval", "100ms"))
	out := killRestoreLoop(t, r, dir, ckpt, body, func(chk string) string { return "SET execution.savepoint.path=" + store.uri(chk) + ";\n" })
	var total, distinct, wrong, rewritten int
	row := db.SQL.QueryRow("SELECT COUNT(*), COUNT(DISTINCT id), " +
		"SUM(name <> CONCAT('n', id) OR price <> id * 1.5 OR ts <> id * 10 OR dt <> 'd' OR id < 1 OR id > " + strconv.Itoa(n) + "), " +
		"SUM(insert_time <> update_time) FROM orders_sink")
	if err := row.Scan(&total, &distinct, &wrong, &rewritten); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if total != n || distinct != n || wrong != 0 {
		t.Fatalf("orders_sink: %d rows, %d distinct ids, %d wrong values; want %d exactly once\n%s", total, distinct, wrong, n, out)
	}
	if rewritten != 0 {
		t.Fatalf("%d rows were rewritten with different values after the restore", rewritten)
	}
}

// TestJdbcXAKillRestore: an append table (no primary key) with
// 'sink.delivery-guarantee' = 'exactly-once' survives a SIGKILL and a
// restore from the newest chk-<n> with every row exactly once: XA
// transactions prepared after that checkpoint are rolled back, the one it
// holds is committed.
func TestJdbcXAKillRestore(t *testing.T) {
	db := jdbctest.NewDatabase(t)
	db.Exec(t, "CREATE TABLE events (id BIGINT, v VARCHAR(10))")
	r := killRand(t)
	dir := t.TempDir()
	ckpt := filepath.Join(dir, "ckpt")
	n := max(4000, 1500*killCycles()) // KILL_CYCLES=30 for the long loop
	body := fmt.Sprintf(`SET 'execution.checkpointing.interval' = '200ms';
SET 'state.checkpoints.dir' = 'file://%s';
CREATE TABLE src (id BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '2000',
  'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '%d');
CREATE TABLE events (id BIGINT, v STRING) WITH (
  %s);
INSERT INTO events SELECT id, 'e' FROM src;
`, ckpt, n, jdbcOptions(db, "events", "sink.delivery-guarantee", "exactly-once", "sink.buffer-flush.max-rows", "64"))
	out := killRestoreLoop(t, r, dir, ckpt, body, func(chk string) string { return "SET 'execution.savepoint.path' = '" + chk + "';\n" })
	var total, distinct, lo, hi int
	if err := db.SQL.QueryRow("SELECT COUNT(*), COUNT(DISTINCT id), MIN(id), MAX(id) FROM events").Scan(&total, &distinct, &lo, &hi); err != nil {
		t.Fatal(err)
	}
	if total != n || distinct != n || lo != 1 || hi != n {
		t.Fatalf("events: %d rows, %d distinct ids in [%d, %d]; want %d exactly once\n%s", total, distinct, lo, hi, n, out)
	}
}

// TestJdbcGroupByUpsertAndXAAppend: in one statement set, an updating
// GROUP BY into an upsert table and an append table with XA exactly-once,
// killed and restored from the newest chk-<n>: the counts end exact and
// every event is there once.
func TestJdbcGroupByUpsertAndXAAppend(t *testing.T) {
	db := jdbctest.NewDatabase(t)
	db.Exec(t, "CREATE TABLE counts (k BIGINT PRIMARY KEY, c BIGINT)", "CREATE TABLE events (id BIGINT, v VARCHAR(10))")
	r := killRand(t)
	dir := t.TempDir()
	ckpt := filepath.Join(dir, "ckpt")
	const n, keys = 4200, 7
	body := fmt.Sprintf(`SET 'execution.checkpointing.interval' = '150ms';
SET 'state.checkpoints.dir' = 'file://%s';
CREATE TABLE src (id BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '2000',
  'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '%d');
CREATE TABLE counts (k BIGINT PRIMARY KEY NOT ENFORCED, c BIGINT) WITH (
  %s);
CREATE TABLE events (id BIGINT, v STRING) WITH (
  %s);
EXECUTE STATEMENT SET BEGIN
INSERT INTO counts SELECT MOD(id, %d) AS k, COUNT(*) AS c FROM src GROUP BY MOD(id, %d);
INSERT INTO events SELECT id, 'e' FROM src;
END;
`, ckpt, n, jdbcOptions(db, "counts"), jdbcOptions(db, "events", "sink.delivery-guarantee", "exactly-once"), keys, keys)
	out := killRestoreLoop(t, r, dir, ckpt, body, func(chk string) string { return "SET 'execution.savepoint.path' = '" + chk + "';\n" })
	var got []string
	rows, err := db.SQL.Query("SELECT k, c FROM counts ORDER BY k")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k, c int64
		rows.Scan(&k, &c)
		got = append(got, fmt.Sprintf("%d:%d", k, c))
	}
	rows.Close()
	var want []string
	for k := 0; k < keys; k++ {
		want = append(want, fmt.Sprintf("%d:%d", k, n/keys))
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("counts = %v, want %v\n%s", got, want, out)
	}
	var total, distinct int
	if err := db.SQL.QueryRow("SELECT COUNT(*), COUNT(DISTINCT id) FROM events").Scan(&total, &distinct); err != nil {
		t.Fatal(err)
	}
	if total != n || distinct != n {
		t.Fatalf("events: %d rows, %d distinct, want %d\n%s", total, distinct, n, out)
	}
}

// TestJdbcPasswordMasked: the password never shows in SHOW CREATE TABLE,
// SET;, EXPLAIN, or the error of a failed connection.
func TestJdbcPasswordMasked(t *testing.T) {
	dir := t.TempDir()
	script := writeFile(t, dir, "job.sql", `SET 'my.db.password' = 'hunter2-secret';
SET 'my.url' = 'jdbc:mysql://u:hunter2-secret@127.0.0.1:1/x';
CREATE TABLE src (id INT) WITH ('connector' = 'datagen', 'number-of-rows' = '3');
CREATE TABLE t (id INT PRIMARY KEY NOT ENFORCED) WITH ('connector' = 'jdbc',
  'url' = 'jdbc:mysql://u:hunter2-secret@127.0.0.1:1/x?password=hunter2-secret&useSSL=false',
  'table-name' = 't', 'username' = 'u', 'password' = 'hunter2-secret', 'connection.max-retry-timeout' = '1s');
SHOW CREATE TABLE t;
SET;
EXPLAIN INSERT INTO t SELECT id FROM src;
INSERT INTO t SELECT id FROM src;
`)
	out, _ := runClient(t, dir, "-f", script)
	// The client echoes the script's own statements; the rest must not
	// show the password.
	text, _ := os.ReadFile(script)
	for _, l := range strings.Split(string(text), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = strings.ReplaceAll(out, l, "<echo>")
		}
	}
	if strings.Contains(out, "hunter2") {
		t.Fatalf("the password shows in the output:\n%s", out)
	}
	for _, want := range []string{"'password' = '******'", "u:******@127.0.0.1:1/x?password=******", "my.db.password", "******"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// TestJdbcOutageRecovery: MariaDB becomes unreachable in the middle of a
// job (all connections cut, new ones refused for 2.5 s): the sink retries,
// then the task fails, the restart strategy restores the last checkpoint
// (its Open waiting for the server) and the job ends with every row exactly
// once.
func TestJdbcOutageRecovery(t *testing.T) {
	db := jdbctest.NewDatabase(t)
	db.Exec(t, "CREATE TABLE orders_sink (id INT PRIMARY KEY, name VARCHAR(32))")
	p := jdbctest.NewProxy(t, db.Config.Addr)
	dir := t.TempDir()
	ckpt := filepath.Join(dir, "ckpt")
	const n = 4000
	// A write during the outage fails after one retry; the restarted
	// attempt's Open waits for the server (connection.max-retry-timeout):
	// a failure in Open is not retried by the restart strategy.
	opts := jdbcOptions(db, "orders_sink", "sink.max-retries", "1", "connection.max-retry-timeout", "20s",
		"sink.buffer-flush.max-rows", "100", "sink.buffer-flush.interval", "100ms")
	opts = strings.Replace(opts, db.Config.Addr, p.Addr(), 1)
	script := writeFile(t, dir, "job.sql", fmt.Sprintf(`SET 'execution.checkpointing.interval' = '200ms';
SET 'state.checkpoints.dir' = 'file://%s';
SET 'restart-strategy.type' = 'fixed-delay';
SET 'restart-strategy.fixed-delay.attempts' = '20';
SET 'restart-strategy.fixed-delay.delay' = '300ms';
CREATE TABLE src (id INT) WITH ('connector' = 'datagen', 'rows-per-second' = '2000',
  'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '%d');
CREATE TABLE orders_sink (id INT PRIMARY KEY NOT ENFORCED, name STRING) WITH (
  %s);
INSERT INTO orders_sink SELECT id, CONCAT('n', CAST(id AS STRING)) FROM src;
`, ckpt, n, opts))
	done := make(chan struct{})
	var out bytes.Buffer
	var runErr error
	go func() { // no t.Fatal here: not the test's goroutine
		defer close(done)
		cmd := exec.Command(binary, "-D", "parallelism.default=2", "-f", script)
		cmd.Dir, cmd.Stdout, cmd.Stderr = dir, &out, &out
		runErr = cmd.Run()
	}()
	deadline := time.Now().Add(30 * time.Second)
	for !hasCompleteCheckpoint(ckpt) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
	p.Cut(true)
	time.Sleep(2500 * time.Millisecond)
	p.Up()
	<-done
	if runErr != nil {
		t.Fatalf("the job failed: %v\n%s", runErr, out.String())
	}
	if !strings.Contains(out.String(), "Restarting job") {
		t.Errorf("the outage did not fail the task:\n%s", out.String())
	}
	var total, distinct, wrong int
	if err := db.SQL.QueryRow("SELECT COUNT(*), COUNT(DISTINCT id), SUM(name <> CONCAT('n', id)) FROM orders_sink").Scan(&total, &distinct, &wrong); err != nil {
		t.Fatal(err)
	}
	if total != n || distinct != n || wrong != 0 {
		t.Fatalf("orders_sink: %d rows, %d distinct, %d wrong; want %d\n%s", total, distinct, wrong, n, out.String())
	}
}

// TestJdbcAppendRejectsUpdates: an updating query into a jdbc table
// without a primary key fails at plan time with Flink's message.
func TestJdbcAppendRejectsUpdates(t *testing.T) {
	dir := t.TempDir()
	script := writeFile(t, dir, "job.sql", `CREATE TABLE src (id INT) WITH ('connector' = 'datagen', 'number-of-rows' = '3');
CREATE TABLE t (k INT, c BIGINT) WITH ('connector' = 'jdbc', 'url' = 'jdbc:mysql://127.0.0.1:1/x', 'table-name' = 't');
INSERT INTO t SELECT MOD(id, 2), COUNT(*) FROM src GROUP BY MOD(id, 2);
`)
	out, code := runClient(t, dir, "-f", script)
	if code == 0 || !strings.Contains(out, "doesn't support consuming update changes") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
}

// TestJdbcScanThroughBinary: a partitioned bounded scan at parallelism 3
// into a print sink emits every row once.
func TestJdbcScanThroughBinary(t *testing.T) {
	db := jdbctest.NewDatabase(t)
	db.Exec(t, "CREATE TABLE src (id INT PRIMARY KEY, v VARCHAR(10))")
	var vals []string
	for i := 1; i <= 300; i++ {
		vals = append(vals, fmt.Sprintf("(%d, 'v%d')", i, i))
	}
	db.Exec(t, "INSERT INTO src VALUES "+strings.Join(vals, ","))
	dir := t.TempDir()
	script := writeFile(t, dir, "job.sql", fmt.Sprintf(`CREATE TABLE src (id INT PRIMARY KEY NOT ENFORCED, v STRING) WITH (
  %s);
CREATE TABLE out_print (id INT, v STRING) WITH ('connector' = 'print');
INSERT INTO out_print SELECT id, UPPER(v) FROM src;
`, jdbcOptions(db, "src", "scan.partition.column", "id", "scan.partition.num", "4",
		"scan.partition.lower-bound", "1", "scan.partition.upper-bound", "300", "scan.fetch-size", "50")))
	out, code := runClient(t, dir, "-D", "parallelism.default=3", "-f", script)
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	_, state := corpusResult(out)
	seen := map[string]int{}
	for _, l := range strings.Split(state, "\n") {
		if l != "" {
			seen[l]++
		}
	}
	for i := 1; i <= 300; i++ {
		if k := fmt.Sprintf("> [%d, V%d]", i, i); seen[k] != 1 {
			t.Fatalf("row %d seen %d times\n%s", i, seen[k], out)
		}
	}
	if len(seen) != 300 {
		t.Fatalf("%d distinct rows, want 300", len(seen))
	}
}

// TestRestartStrategyCoversStartFailure: MariaDB is not reachable yet when
// the job starts; the sink's Open fails (connection.max-retry-timeout 1s)
// and the restart strategy retries the start, as Flink does for a failed
// deployment, until the server is up; every row arrives once. Without a
// restart strategy the INSERT fails at once.
func TestRestartStrategyCoversStartFailure(t *testing.T) {
	db := jdbctest.NewDatabase(t)
	db.Exec(t, "CREATE TABLE late_sink (id INT PRIMARY KEY, name VARCHAR(32))")
	p := jdbctest.NewProxy(t, db.Config.Addr)
	p.Cut(true)
	dir := t.TempDir()
	const n = 2000
	opts := strings.Replace(jdbcOptions(db, "late_sink", "connection.max-retry-timeout", "1s",
		"sink.buffer-flush.max-rows", "100", "sink.buffer-flush.interval", "100ms"), db.Config.Addr, p.Addr(), 1)
	body := fmt.Sprintf(`CREATE TABLE src (id INT) WITH ('connector' = 'datagen', 'rows-per-second' = '2000',
  'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '%d');
CREATE TABLE late_sink (id INT PRIMARY KEY NOT ENFORCED, name STRING) WITH (
  %s);
INSERT INTO late_sink SELECT id, CONCAT('n', CAST(id AS STRING)) FROM src;
`, n, opts)
	out, code := runClient(t, dir, "-f", writeFile(t, dir, "none.sql", "SET 'restart-strategy.type' = 'none';\n"+body))
	if code == 0 || !strings.Contains(out, "[ERROR]") {
		t.Fatalf("without restarts the job should fail at once (exit %d):\n%s", code, out)
	}
	script := writeFile(t, dir, "job.sql", `SET 'restart-strategy.type' = 'fixed-delay';
SET 'restart-strategy.fixed-delay.attempts' = '100';
SET 'restart-strategy.fixed-delay.delay' = '200ms';
`+body)
	done := make(chan struct{})
	var buf syncBuffer
	var runErr error
	go func() { // no t.Fatal here: not the test's goroutine
		defer close(done)
		cmd := exec.Command(binary, "-f", script)
		cmd.Dir, cmd.Stdout, cmd.Stderr = dir, &buf, &buf
		runErr = cmd.Run()
	}()
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(buf.String(), "Restarting job") {
		if time.Now().After(deadline) {
			t.Fatalf("no restart after the failed start:\n%s", buf.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	p.Up()
	select {
	case <-done:
	case <-time.After(120 * time.Second):
		t.Fatalf("the job did not finish after the server came up:\n%s", buf.String())
	}
	if runErr != nil {
		t.Fatalf("%v:\n%s", runErr, buf.String())
	}
	var total, distinct int
	if err := db.SQL.QueryRow("SELECT COUNT(*), COUNT(DISTINCT id) FROM late_sink").Scan(&total, &distinct); err != nil || total != n || distinct != n {
		t.Fatalf("late_sink: %d rows, %d distinct (%v), want %d\n%s", total, distinct, err, n, buf.String())
	}
}
