package main

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/flinkgo/engine/connectors/jdbc/jdbctest"
)

// canary is a password with the characters that broke masking before.
const canary = "c4nary/Pw?x#y;z@q:w"

// TestCanaryPasswordNowhere runs a checkpointed job into MariaDB as a user
// whose password is the canary, given in the 'password' option, inside the
// URL's user-info and query and in a SET key, kills it after a checkpoint,
// restores it from 'latest', and then makes a parse error on the line that
// holds the password. The canary must appear in no output of the three runs
// and in no file the runs left behind: checkpoints, state, logs.
func TestCanaryPasswordNowhere(t *testing.T) {
	db := jdbctest.NewDatabase(t)
	db.Exec(t, "CREATE USER IF NOT EXISTS 'canary_user'@'%' IDENTIFIED BY '"+canary+"'",
		"GRANT ALL PRIVILEGES ON `"+db.Name+"`.* TO 'canary_user'@'%'",
		"CREATE TABLE ids (id BIGINT PRIMARY KEY, n BIGINT)")
	t.Cleanup(func() { db.SQL.Exec("DROP USER IF EXISTS 'canary_user'@'%'") })
	dir := t.TempDir()
	ckpt := filepath.Join(dir, "ckpt")
	body := `SET 'execution.checkpointing.interval' = '100ms';
SET 'state.checkpoints.dir' = 'file://` + ckpt + `';
SET 'execution.checkpointing.externalized-checkpoint-retention' = 'RETAIN_ON_CANCELLATION';
SET 'state.backend.type' = 'rocksdb';
SET 'pipeline.name' = 'canary';
SET 's3.secret-key' = '` + canary + `';
CREATE TABLE src (id BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '2000',
  'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '3000');
CREATE TABLE ids (id BIGINT PRIMARY KEY NOT ENFORCED, n BIGINT) WITH (
  'connector' = 'jdbc',
  'url' = 'jdbc:mysql://canary_user:` + canary + `@` + db.Config.Addr + `/` + db.Name + `?password=` + canary + `&useSSL=false',
  'table-name' = 'ids', 'username' = 'canary_user', 'password' = '` + canary + `');
INSERT INTO ids SELECT MOD(id, 100), COUNT(*) FROM src GROUP BY MOD(id, 100);
`
	var outputs []string
	first := writeFile(t, dir, "first.sql", body)
	out, finished := runUntilKilled(t, dir, first, 2, 300*time.Millisecond, ckpt)
	outputs = append(outputs, out)
	if !finished {
		again := writeFile(t, dir, "again.sql", "SET 'execution.savepoint.path' = 'latest';\n"+body)
		outputs = append(outputs, runToEnd(t, dir, again, 1))
	}
	var n int
	if err := db.SQL.QueryRow("SELECT COALESCE(SUM(n), 0) FROM ids").Scan(&n); err != nil || n != 3000 {
		t.Fatalf("the job did not write its counts (sum %d, %v):\n%s", n, err, strings.Join(outputs, "\n"))
	}
	bad := writeFile(t, dir, "bad.sql", "CREATE TABLE t (id INT) WITH (\n  'connector' = 'datagen', 'password' = '"+canary+"' oops);\n")
	out, code := runClient(t, dir, "-f", bad)
	if code == 0 || !strings.Contains(out, "oops") {
		t.Fatalf("the parse error did not show (exit %d):\n%s", code, out)
	}
	outputs = append(outputs, out)
	for i, o := range outputs {
		if strings.Contains(o, canary) || strings.Contains(o, "c4nary") {
			t.Errorf("run %d printed the password:\n%s", i+1, o)
		}
	}
	files := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, ".sql") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files++
		if bytes.Contains(b, []byte("c4nary")) {
			t.Errorf("%s holds the password", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if m, _ := filepath.Glob(filepath.Join(ckpt, "*", "chk-*", "_metadata")); len(m) == 0 {
		t.Fatalf("no checkpoint was retained under %s (%d files checked)", ckpt, files)
	}
}
