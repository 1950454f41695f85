package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The canary's halves surround the hostile part of every password; no
// output may show either.
const canaryHead, canaryTail = "Cn4ry", "Tail7"

// clientPasswords are hostile passwords as written inside a SQL string
// literal (a quote doubled).
var clientPasswords = []string{
	"", "''q", "/", "@", ":", ";", "#", "?", "%2F", "é☃", "a b", strings.Repeat("Z", 2000),
}

// leaks reports whether out shows a part of a canary password.
func leaks(out string) bool {
	return strings.Contains(out, canaryHead) || strings.Contains(out, canaryTail)
}

// secretScripts are -f scripts holding the password PW: they echo every
// statement, list the configuration and end with an error: the options
// validation of a hint, or a parse error on the password's line, on another
// line of the same statement, in the password, or on a later statement.
var secretScripts = map[string]string{
	"echo and SET listing": `SET 'password' = 'PW';
SET 'PassWord'='PW';
SET 's3.secret-key' = 'PW';
CREATE TABLE src (id INT) WITH (
  'connector' = 'datagen',
  'number-of-rows' = '1',
  'properties.sasl.jaas.config' = 'PlainLoginModule required username="u" password="PW";',
  'url' = 'jdbc:mysql://user:PW@host:3306/db?password=PW&useSSL=false'
);
CREATE TABLE dst (id INT) WITH ('connector' = 'blackhole', 'url' = 'jdbc:sqlserver://h;user=u;password=PW;x=1');
SHOW CREATE TABLE src;
SET;
SELECT * FROM src /*+ OPTIONS('password' = 'PW') */;
`,
	"parse error on the password's line": `CREATE TABLE t (id INT) WITH (
  'connector' = 'jdbc', 'password' = 'PW' oops,
  'table-name' = 't');
`,
	"parse error on another line": `CREATE TABLE t (id INT) WITH (
  'connector' = 'jdbc',
  'url' = 'jdbc:mysql://u:PW@h/d',
  'password' = 'PW'
) oops;
`,
	"parse error in the password": `CREATE TABLE t (id INT) WITH ('connector' = 'jdbc', 'password' 'PW');
`,
	"unterminated password": `CREATE TABLE t (id INT) WITH ('connector' = 'jdbc', 'password' = 'PW);
`,
	"parse error after the password": `SET 'password' = 'PW';
SELECT FROM;
`,
}

// TestSecretsMaskedInScripts runs scripts holding hostile passwords through
// the binary with -f and checks that no output (echo, errors, SET listing,
// SHOW CREATE TABLE, -D values) shows them.
func TestSecretsMaskedInScripts(t *testing.T) {
	for _, hostile := range clientPasswords {
		pw := canaryHead + hostile + canaryTail
		for name, script := range secretScripts {
			t.Run(name+"/"+hostile[:min(len(hostile), 8)], func(t *testing.T) {
				t.Parallel()
				dir := t.TempDir()
				file := writeFile(t, dir, "job.sql", strings.ReplaceAll(script, "PW", pw))
				plain := strings.ReplaceAll(pw, "''", "'")
				out, code := runClient(t, dir, "-D", "password="+plain, "-D", "url=jdbc:mysql://u:"+plain+"@h/d", "-f", file)
				if leaks(out) {
					t.Fatalf("exit %d, the output shows the password:\n%s", code, out)
				}
				if !strings.Contains(out, "******") {
					t.Fatalf("exit %d, nothing masked:\n%s", code, out)
				}
				want := "ParseException"
				switch name {
				case "echo and SET listing":
					want = " password |"
				case "unterminated password":
					want = "TokenMgrError: Lexical error"
				}
				if code != 1 || !strings.Contains(out, want) {
					t.Fatalf("exit %d, no %q:\n%s", code, want, out)
				}
			})
		}
	}
}

// TestParseErrorMaskedNoExcerpt checks that a parse error in a statement
// holding a password prints Flink's message only: no excerpt of the
// statement, so no password either.
func TestParseErrorMaskedNoExcerpt(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "job.sql", "CREATE TABLE t (id INT) WITH ('connector' = 'jdbc',\n  'password' = '"+canaryHead+"-a-long-one' oops);\n")
	out, _ := runClient(t, dir, "-f", file)
	want := `org.apache.flink.sql.parser.impl.ParseException: Encountered "oops" at line 2, column 35.
Was expecting one of:
    ")" ...
    "," ...

`
	if !strings.Contains(out, want) || leaks(out) {
		t.Fatalf("want\n%s\nin\n%s", want, out)
	}
}

// TestREPLHistoryMasked types statements with a password through a pseudo
// terminal: the history file (which existed world-readable, with a password
// in an old entry) ends up 0600, with the passwords masked, and the parse
// error printed does not show the password.
func TestREPLHistoryMasked(t *testing.T) {
	home := t.TempDir()
	hist := filepath.Join(home, "hist")
	if err := os.WriteFile(hist, []byte("SELECT 1;\nSET 'password' = 'old-"+canaryHead+"';\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	pw := canaryHead + "/''@:;#?%2F" + canaryTail
	screen := runREPL(t, home, []string{"-hist", hist},
		"SET 'password' = '"+pw+"';",
		"CREATE TABLE t (id INT) WITH (",
		"  'connector' = 'datagen', 'password' =",
		"  '"+pw+"',",
		"  'url' = 'jdbc:mysql://u:"+pw+"@h/d');",
		"CREATE TABLE u (id INT) WITH ('password' = '"+pw+"' oops);",
	)
	if i := strings.LastIndex(screen, "[ERROR]"); i < 0 || leaks(screen[i:]) || !strings.Contains(screen[i:], `Encountered "oops"`) {
		t.Errorf("parse error missing or showing the password:\n%s", screen)
	}
	st, err := os.Stat(hist)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("history file mode %v, want 0600", st.Mode().Perm())
	}
	h, _ := os.ReadFile(hist)
	if leaks(string(h)) {
		t.Errorf("history shows the password:\n%s", h)
	}
	for _, want := range []string{"SELECT 1;", "SET 'password' = '******';", "  '******',", "'url' = 'jdbc:mysql://u:******@h/d');", "'password' = '******' oops);"} {
		if !strings.Contains(string(h), want) {
			t.Errorf("history lacks %q:\n%s", want, h)
		}
	}
}

// TestREPLDefaultHistoryPrivate checks that the default history file,
// ~/.flink-sql-history, is created 0600.
func TestREPLDefaultHistoryPrivate(t *testing.T) {
	home := t.TempDir()
	runREPL(t, home, nil, "SET 'secret' = '"+canaryHead+"';")
	hist := filepath.Join(home, ".flink-sql-history")
	st, err := os.Stat(hist)
	if err != nil {
		t.Fatal(err)
	}
	h, _ := os.ReadFile(hist)
	if st.Mode().Perm() != 0o600 || leaks(string(h)) {
		t.Errorf("history file mode %v, content:\n%s", st.Mode().Perm(), h)
	}
}

// runREPL starts the client on a pseudo terminal with HOME=home, types
// lines (each complete statement is waited for), quits and returns the
// screen.
func runREPL(t *testing.T, home string, args []string, lines ...string) string {
	t.Helper()
	r := startREPL(t, "", home, args...)
	prompts := 1
	for _, line := range lines {
		r.send(line)
		if strings.HasSuffix(line, ";") {
			prompts++
			r.waitFor("Flink SQL> ", prompts)
		}
	}
	return r.quit()
}
