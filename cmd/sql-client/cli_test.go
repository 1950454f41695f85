package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func writeFile(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestHelpFlag(t *testing.T) {
	out, code := runClient(t, t.TempDir(), "-h")
	if code != 0 || !strings.Contains(out, "-f,--file <script file>") || !strings.Contains(out, "Mode \"embedded\" (default)") {
		t.Fatalf("exit %d, output:\n%s", code, out)
	}
	out, code = runClient(t, t.TempDir(), "--bogus")
	if code != 1 {
		t.Fatalf("unknown flag: exit %d\n%s", code, out)
	}
}

func TestInitFileAndDynamicConfig(t *testing.T) {
	dir := t.TempDir()
	initFile := writeFile(t, dir, "init.sql", `
SET 'pipeline.name' = 'from-init';
CREATE CATALOG c1 WITH ('type' = 'generic_in_memory');
USE CATALOG c1;
CREATE DATABASE shop;
USE shop;
CREATE TABLE src (id INT) WITH ('connector' = 'datagen', 'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '3');
CREATE TABLE out1 (id INT) WITH ('connector' = 'print');
`)
	script := writeFile(t, dir, "job.sql", "SET;\nSHOW CURRENT DATABASE;\nINSERT INTO c1.shop.out1 SELECT id * 7 FROM src;\n")
	out, code := runClient(t, dir, "-i", initFile, "-D", "parallelism.default=1", "-D", "table.dml-sync=true", "-f", script)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	for _, want := range []string{"pipeline.name | from-init |", "parallelism.default |         1 |", " shop |", "+I[7]", "+I[14]", "+I[21]",
		"[INFO] Complete execution of the SQL update statement."} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
	bad := writeFile(t, dir, "bad-init.sql", "CREATE TABLE p (id INT) WITH ('connector' = 'print');\nINSERT INTO p VALUES (1);\n")
	out, code = runClient(t, dir, "-i", bad, "-f", script)
	if code != 1 || !strings.Contains(out, "can only be SET, RESET, CREATE, DROP, USE or ALTER") {
		t.Fatalf("INSERT in init file: exit %d\n%s", code, out)
	}
}

// TestJarFlags: -j adds a JAR to the session and -l every JAR of a
// directory, as ADD JAR does (SHOW JARS lists them, absolute); a missing
// JAR stops the client before any statement runs.
func TestJarFlags(t *testing.T) {
	dir := t.TempDir()
	lib := filepath.Join(dir, "lib")
	if err := os.Mkdir(lib, 0o755); err != nil {
		t.Fatal(err)
	}
	one := writeFile(t, dir, "one.jar", "")
	two := writeFile(t, lib, "two.jar", "")
	writeFile(t, lib, "notes.txt", "")
	script := writeFile(t, dir, "job.sql", "SHOW JARS;\n")
	out, code := runClient(t, dir, "-j", "one.jar", "--library", "lib", "-f", script)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	for _, want := range []string{" " + one + " |", " " + two + " |", "2 rows in set"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
	out, code = runClient(t, dir, "--jar", "missing.jar", "-f", script)
	if code != 1 || !strings.Contains(out, "java.io.FileNotFoundException: Jar resource [missing.jar] not found.") || strings.Contains(out, "SHOW JARS") {
		t.Fatalf("missing -j JAR: exit %d\n%s", code, out)
	}
}

func TestPipedStdin(t *testing.T) {
	cmd := exec.Command(binary)
	cmd.Stdin = strings.NewReader("SELECT 1 AS one,\n  'two' AS two;\nSELECT nope;\nSELECT 3;\n")
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	}
	s := string(out)
	if code != 1 || !strings.Contains(s, "| +I |           1 |                            two |") {
		t.Fatalf("exit %d\n%s", code, s)
	}
	// As Flink's interactive client: it goes on after the error (exit 1).
	if !strings.Contains(s, "Column 'nope' not found") || !strings.Contains(s, "| +I |           3 |") {
		t.Fatalf("piped stdin must go on after a failing statement:\n%s", s)
	}
	// QUIT ends the stream with exit code 0.
	cmd = exec.Command(binary)
	cmd.Stdin = strings.NewReader("SET 'a' = 'b';\nQUIT;\nSELECT nope;\n")
	out, err = cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "[INFO] Exiting Flink SQL CLI Client...") {
		t.Fatalf("QUIT: %v\n%s", err, out)
	}
}

func TestFailedJobSetsExitCode(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "in"), 0o755)
	writeFile(t, dir, "in/x.csv", "1\nnot-a-number\n")
	script := writeFile(t, dir, "job.sql", `
CREATE TABLE src (id INT) WITH ('connector' = 'filesystem', 'path' = 'in', 'format' = 'csv');
CREATE TABLE p (id INT) WITH ('connector' = 'blackhole');
INSERT INTO p SELECT id FROM src;
`)
	out, code := runClient(t, dir, "-f", script)
	if code != 1 || !strings.Contains(out, "in/x.csv at line 2") {
		t.Fatalf("exit %d\n%s", code, out)
	}
}

func TestSignalCancelsUnboundedJobs(t *testing.T) {
	dir := t.TempDir()
	script := writeFile(t, dir, "job.sql", `
CREATE TABLE src (id BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '1000');
CREATE TABLE p (id BIGINT) WITH ('connector' = 'blackhole');
INSERT INTO p SELECT id FROM src;
`)
	cmd := exec.Command(binary, "-f", script)
	cmd.Dir = dir
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(out.String(), "Job ID:") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	err := cmd.Wait()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 143 {
		t.Fatalf("want exit 143 after SIGTERM, got %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "cancelling 1 job(s)") || !strings.Contains(out.String(), "Shutting down the session...") {
		t.Fatalf("output:\n%s", out.String())
	}
}

// TestREPLOnTerminal drives the interactive shell through a pseudo
// terminal: prompt, continuation lines, a query, HELP and QUIT.
func TestREPLOnTerminal(t *testing.T) {
	home := t.TempDir()
	r := startREPL(t, "", home)
	r.send("CREATE TABLE t (id INT) WITH ('connector' = 'datagen',")
	r.waitFor("> ", 2)
	r.send("'number-of-rows' = '2');")
	r.waitFor("[INFO] Execute statement succeeded.", 1)
	r.send("SELECT COUNT(*) AS n FROM t;")
	r.waitFor("Received a total of", 1)
	r.send("HELP;")
	r.waitFor("The following commands are available:", 1)
	screen := r.quit()
	if !strings.Contains(screen, "| +U |                    2 |") { // +I 1, -U 1, +U 2 (no mini-batch)
		t.Fatalf("query result missing:\n%s", screen)
	}
	if h, err := os.ReadFile(filepath.Join(home, ".flink-sql-history")); err != nil || !strings.Contains(string(h), "SELECT COUNT(*)") {
		t.Fatalf("history file: %v %q", err, h)
	}
}

func TestSkippedRecordsShowInShowJobs(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "in"), 0o755)
	writeFile(t, dir, "in/x.json", "{\"id\": 1, \"s\": \"a\"}\n{\"id\": 2, \"s\n{\"id\": 3, \"s\": \"c\"}\n")
	script := writeFile(t, dir, "job.sql", `
SET 'table.dml-sync' = 'true';
CREATE TABLE src (id INT, s STRING) WITH ('connector' = 'filesystem', 'path' = 'in', 'format' = 'json', 'json.ignore-parse-errors' = 'true');
CREATE TABLE p (id INT, s STRING) WITH ('connector' = 'blackhole');
INSERT INTO p SELECT id, s FROM src WHERE id > 1;
SHOW JOBS;
`)
	out, code := runClient(t, dir, "-f", script)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	// job id | name | FINISHED | start | in | out | skipped | checkpoints: in
	// counts the malformed record too; the filter drops id 1.
	if !strings.Contains(out, "| FINISHED |") || !regexp.MustCompile(`\| +3 \| +1 \| +1 \| +0 \|`).MatchString(out) {
		t.Fatalf("SHOW JOBS does not count the skipped record:\n%s", out)
	}
}

// TestStreamingDirectory: a filesystem source with source.monitor-interval
// picks up files that appear while the job runs.
func TestStreamingDirectory(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "in"), 0o755)
	writeFile(t, dir, "in/a.csv", "1,first\n")
	script := writeFile(t, dir, "job.sql", `
CREATE TABLE src (id INT, s STRING) WITH ('connector' = 'filesystem', 'path' = 'in', 'format' = 'csv', 'source.monitor-interval' = '50ms');
CREATE TABLE p (id INT, s STRING) WITH ('connector' = 'print', 'print-identifier' = 'seen');
INSERT INTO p SELECT id, UPPER(s) FROM src;
`)
	cmd := exec.Command(binary, "-f", script)
	cmd.Dir = dir
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	waitOut := func(s string) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for !strings.Contains(out.String(), s) {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %q:\n%s", s, out.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitOut("seen> +I[1, FIRST]")
	// A new file, written under a hidden name and renamed into place.
	writeFile(t, dir, "in/.b.csv.tmp", "2,second\n3,third\n")
	os.Rename(filepath.Join(dir, "in/.b.csv.tmp"), filepath.Join(dir, "in/b.csv"))
	waitOut("seen> +I[3, THIRD]")
	cmd.Process.Signal(os.Interrupt)
	err := cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 130 {
		t.Fatalf("want exit 130 after SIGINT, got %v\n%s", err, out.String())
	}
	if strings.Count(out.String(), "seen> +I[1, FIRST]") != 1 {
		t.Fatalf("first file read twice:\n%s", out.String())
	}
}

// syncBuffer is a bytes.Buffer safe for a writer process and a reader test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// In -f mode SIGTERM cancels the jobs and applies the retention policy:
// RETAIN_ON_CANCELLATION keeps the checkpoints, the default deletes them.
func TestSignalAppliesRetention(t *testing.T) {
	for _, c := range []struct {
		retention string
		kept      bool
	}{{"RETAIN_ON_CANCELLATION", true}, {"NO_EXTERNALIZED_CHECKPOINTS", false}, {"DELETE_ON_CANCELLATION", false}} {
		t.Run(c.retention, func(t *testing.T) {
			dir := t.TempDir()
			script := writeFile(t, dir, "job.sql", `
SET 'execution.checkpointing.interval' = '50ms';
SET 'state.checkpoints.dir' = '`+filepath.Join(dir, "ckpt")+`';
SET 'execution.checkpointing.externalized-checkpoint-retention' = '`+c.retention+`';
CREATE TABLE src (id BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '1000');
CREATE TABLE p (id BIGINT) WITH ('connector' = 'blackhole');
INSERT INTO p SELECT id FROM src;
`)
			cmd := exec.Command(binary, "-f", script)
			cmd.Dir = dir
			var out syncBuffer
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(20 * time.Second)
			for !hasCompleteCheckpoint(filepath.Join(dir, "ckpt")) {
				if time.Now().After(deadline) {
					t.Fatalf("no checkpoint:\n%s", out.String())
				}
				time.Sleep(10 * time.Millisecond)
			}
			cmd.Process.Signal(syscall.SIGTERM)
			cmd.Wait()
			if got := hasCompleteCheckpoint(filepath.Join(dir, "ckpt")); got != c.kept {
				t.Fatalf("checkpoints kept = %v, want %v\n%s", got, c.kept, out.String())
			}
		})
	}
}

// TestREPLReportsBackgroundFailure: an INSERT returns at once in the REPL;
// when its job fails later, the root cause shows at the next statement,
// once, and QUIT says it cancels the jobs still running.
// The same with the jobs on a session cluster (the client learns of the
// failure from the cluster's REST API; QUIT leaves the jobs running).
func TestREPLReportsBackgroundFailure(t *testing.T) {
	for _, where := range []string{"embedded", "cluster"} {
		t.Run(where, func(t *testing.T) { replReportsBackgroundFailure(t, where) })
	}
}

func replReportsBackgroundFailure(t *testing.T, where string) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "in"), 0o755)
	writeFile(t, dir, "in/x.csv", "1,a\nnot-a-number,b\n")
	var args []string
	atQuit := "[WARN] Cancelling 1 running job(s)"
	if where == "cluster" {
		c := startCluster(t, dir)
		args = []string{"gateway", "--endpoint", "127.0.0.1:" + c.port}
		atQuit = "Shutting down the session..."
	}
	r := startREPL(t, dir, dir, args...)
	for i, stmt := range []string{
		"CREATE TABLE src (id INT, s STRING) WITH ('connector' = 'filesystem', 'path' = 'in', 'format' = 'csv');",
		"CREATE TABLE snk (id INT, s STRING) WITH ('connector' = 'blackhole');",
		"CREATE TABLE gen (id INT) WITH ('connector' = 'datagen', 'rows-per-second' = '10');",
		"CREATE TABLE gen_snk (id INT) WITH ('connector' = 'blackhole');",
	} {
		r.send(stmt)
		r.waitFor("[INFO] Execute statement succeeded.", i+1)
	}
	r.send("INSERT INTO snk SELECT * FROM src;")
	r.waitFor("Job ID:", 1)
	// The job fails on the second line; SHOW JOBS tells when (the failure
	// is reported at the statement after it failed).
	deadline := time.Now().Add(60 * time.Second)
	for shows := 1; !strings.Contains(r.out.String(), "FAILED"); shows++ {
		if time.Now().After(deadline) {
			t.Fatalf("the job did not fail:\n%s", r.out.String())
		}
		r.send("SHOW JOBS;")
		r.waitFor("Flink SQL> ", 6+shows)
	}
	r.send("INSERT INTO gen_snk SELECT * FROM gen;")
	r.waitFor("failed in the background. Reason:", 1)
	r.waitFor("Job ID:", 2)
	r.send("SHOW JOBS;")
	r.waitFor("RUNNING", 1)
	screen := r.quit(atQuit)
	if strings.Count(screen, "failed in the background") != 1 || !strings.Contains(screen, "not-a-number") {
		t.Fatalf("the background failure was not reported once with its cause:\n%s", screen)
	}
}
