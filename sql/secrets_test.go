package sql

import (
	"errors"
	"strings"
	"testing"
)

func TestIsSensitiveKey(t *testing.T) {
	for _, k := range []string{"password", "PassWord", "properties.sasl.jaas.config", "s3.secret-key",
		"fs.azure.account.key.acc", "my.apikey", "api-key", "http-headers", "basic-auth", "service-key",
		"auth-params", "access-token", "credentials"} {
		if !IsSensitiveKey(k) {
			t.Errorf("%q is not sensitive", k)
		}
	}
	for _, k := range []string{"username", "url", "connector", "table-name", ""} {
		if IsSensitiveKey(k) {
			t.Errorf("%q is sensitive", k)
		}
	}
}

func TestMaskURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"jdbc:mysql://u:hunter2@h:3306/d", "jdbc:mysql://u:******@h:3306/d"},
		{"jdbc:mysql://u:se/cret@host/db", "jdbc:mysql://u:******@host/db"},
		{"jdbc:mysql://u:a?b#c;d@e:f@host/db", "jdbc:mysql://u:******@host/db"},
		{"redis://:hunter2@host", "redis://:******@host"},
		{"jdbc:mysql://u@host/db", "jdbc:mysql://u@host/db"},
		{"jdbc:mysql://h:3306/d?user=u&password=hunter2&useSSL=false", "jdbc:mysql://h:3306/d?user=u&password=******&useSSL=false"},
		{"jdbc:mysql://h/d?password=a?b#c&user=u", "jdbc:mysql://h/d?password=******&user=u"},
		{"jdbc:mysql://u:hunter2@h/d?password=x", "jdbc:mysql://u:******@h/d?password=******"},
		{"jdbc:sqlserver://h;user=u;password=hunter2", "jdbc:sqlserver://h;user=u;password=******"},
		{"jdbc:sqlserver://h;password=a;b;user=u", "jdbc:sqlserver://h;password=******;user=u"},
		{"jdbc:sqlserver://h;password={a;b}}c};user=u", "jdbc:sqlserver://h;password=******;user=u"},
		{"jdbc:oracle:thin:scott/tiger@//h:1521/s", "jdbc:oracle:thin:scott/******@//h:1521/s"},
		{"host=h password=a b dbname=d", "host=h password=****** dbname=d"},
		{"jdbc:mysql://h/d?pass%77ord=x&a=b", "jdbc:mysql://h/d?pass%77ord=******&a=b"},
		{"jdbc%3Amysql%3A%2F%2Fu%3Ahunter2%40h%2Fd", Masked},
		{"jdbc:mysql://h/d?x=1&next=http%3A%2F%2Fu%3Ap%40h", Masked},
		{"http://h/?proxy=http://u:p@x", "http://h/?proxy=http://u:******@x"},
		{"jdbc:mysql://h/d?useSSL=false", "jdbc:mysql://h/d?useSSL=false"},
		{"file:///tmp/out", "file:///tmp/out"},
		{"s3://bucket/dir@2024:x", "s3://bucket/dir@2024:x"},
		{"x=1", "x=1"},
		{"token=abc", "token=******"},
		{"100%", "100%"},
	}
	for _, tc := range tests {
		if got := MaskURL(tc.in); got != tc.want {
			t.Errorf("MaskURL(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestMaskText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"SET 'password' = 'x'", "SET 'password' = '******'"},
		{"SET 'password'='it''s'", "SET 'password'='******'"},
		{"SET 's3.secret-key' = 'x';", "SET 's3.secret-key' = '******';"},
		{"SET s3.secret-key = abc/def;", "SET s3.secret-key = ******;"},
		{"SET password=abc", "SET password=******"},
		{"SET 'table.exec.mini-batch.size' = '10'", "SET 'table.exec.mini-batch.size' = '10'"},
		{"CREATE TABLE t (a INT) WITH (\n  'connector' = 'jdbc',\n  'PassWord'\n    = 'x',\n  'url' = 'jdbc:mysql://u:p@h/d'\n)",
			"CREATE TABLE t (a INT) WITH (\n  'connector' = 'jdbc',\n  'PassWord'\n    = '******',\n  'url' = 'jdbc:mysql://u:******@h/d'\n)"},
		{"WITH ('password' 'x')", "WITH ('password' '******')"},
		{"WITH ('password' = 'x", "WITH ('password' = '******"},
		{"'url' = 'jdbc:mysql://u:it''s@h'", "'url' = '" + "jdbc:mysql://u:******@h'"},
		{"SELECT * FROM t /*+ OPTIONS('password'='x') */ -- token=y\nWHERE a = 1",
			"SELECT * FROM t /*+ OPTIONS('password'='******') */ -- token=******\nWHERE a = 1"},
		{"SELECT 'password', token FROM t", "SELECT 'password', token FROM t"},
		{"SELECT 1; SET 'password' = 'x'; SELECT 'jdbc:mysql://h/d'", "SELECT 1; SET 'password' = '******'; SELECT 'jdbc:mysql://h/d'"},
	}
	for _, tc := range tests {
		if got := MaskText(tc.in); got != tc.want {
			t.Errorf("MaskText(%q)\n got %q\nwant %q", tc.in, got, tc.want)
		}
	}
}

func TestMaskValues(t *testing.T) {
	values := SecretValues("SET 'password' = 'x'")
	if got, want := MaskValues(`Encountered "\'x\'" expecting x, max, x.`, values), `Encountered "******" expecting ******, max, ******.`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// The canary's two halves surround the hostile part of every password; neither may be shown.
const canaryHead, canaryTail = "Cn4ry", "Tail7"

// hostilePasswords are the passwords as they are written inside a SQL
// string literal (a quote is doubled).
var hostilePasswords = []string{
	"", "''q", "/", "@", ":", ";", "#", "?", "%2F", "%40x%3A", "é☃日本", "a b", `\"`, "--", "/*",
	strings.Repeat("Z", 3000),
}

// secretContexts are statements holding the password PW; %E% is where a
// stray token makes a parse error on the password's line.
var secretContexts = []string{
	"CREATE TABLE t (a INT) WITH ('connector' = 'jdbc', 'password' = 'PW'%E%)",
	"CREATE TABLE t (a INT) WITH ('connector' = 'jdbc', 'PassWord'='PW'%E%, 'url' = 'x')",
	"CREATE TABLE t (a INT) WITH ('properties.sasl.jaas.config' = 'org.apache.kafka.common.security.plain.PlainLoginModule required username=\"u\" password=\"PW\";'%E%)",
	"CREATE TABLE t (\n  a INT\n) WITH (\n  'connector' = 'jdbc',\n  'password'\n    =\n  'PW'%E%,\n  'table-name' = 't'\n)",
	"CREATE TABLE t (a INT) WITH ('url' = 'jdbc:mysql://user:PW@host:3306/db'%E%)",
	"CREATE TABLE t (a INT) WITH ('url' = 'jdbc:mysql://me:PW@host/db?password=PW'%E%)",
	"CREATE TABLE t (a INT) WITH ('url' = 'jdbc:mysql://host/db?user=u&password=PW&useSSL=false'%E%)",
	"CREATE TABLE t (a INT) WITH ('url' = 'jdbc:sqlserver://h;user=u;password=PW;encrypt=true'%E%)",
	"CREATE TABLE t (a INT) WITH ('url' = 'jdbc:oracle:thin:scott/PW@//h:1521/s'%E%)",
	"CREATE TABLE t (a INT) WITH ('dsn' = 'host=h password=PW dbname=d'%E%)",
	"SET 's3.secret-key' = 'PW'%E%",
	"SET 'password'='PW'%E%",
	"SELECT * FROM t /*+ OPTIONS('password'='PW') */",
	"CREATE TABLE t (a INT) WITH ('connector' = 'jdbc', 'password' 'PW')",
	"CREATE TABLE t (a INT) WITH ('connector' = 'jdbc', 'password' = 'PW",
}

// unquotedContexts take the password unquoted, when it has no space, quote
// or ';'.
var unquotedContexts = []string{
	"SET password = PW",
	"SET s3.secret-key=PW",
}

// secretCase is a statement holding a hostile password.
type secretCase struct{ name, text, broken string }

// secretCases combines every hostile password with every context.
func secretCases() []secretCase {
	var out []secretCase
	for _, hostile := range hostilePasswords {
		pw := canaryHead + hostile + canaryTail
		contexts := secretContexts
		if !strings.ContainsAny(hostile, "'; ") && !strings.HasPrefix(hostile, "--") && !strings.HasPrefix(hostile, "/*") {
			contexts = append(contexts[:len(contexts):len(contexts)], unquotedContexts...)
		}
		for _, ctx := range contexts {
			text := strings.ReplaceAll(ctx, "PW", pw)
			name := ctx[:min(len(ctx), 60)] + "/" + hostile[:min(len(hostile), 10)]
			broken := ""
			if strings.Contains(text, "%E%") {
				broken = strings.ReplaceAll(text, "%E%", " oops")
				text = strings.ReplaceAll(text, "%E%", "")
			}
			out = append(out, secretCase{name: name, text: text, broken: broken})
		}
	}
	return out
}

// leaks reports whether s shows any part of a canary password.
func leaks(s string) bool {
	return strings.Contains(s, canaryHead) || strings.Contains(s, canaryTail)
}

// TestSecretsNeverLeak checks that no hostile password shows in the masked
// text, in the values masked out of messages, or in parse errors on the
// password's line, on another line and at the end of the text, and that
// a parse error prints only its message.
func TestSecretsNeverLeak(t *testing.T) {
	for _, tc := range secretCases() {
		if m := MaskText(tc.text); leaks(m) || !strings.Contains(m, Masked) {
			t.Errorf("%s: MaskText shows the password: %s", tc.name, m)
		}
		if m := MaskValues(messageQuoting(tc.text), SecretValues(tc.text)); leaks(m) {
			t.Errorf("%s: MaskValues shows the password: %s", tc.name, m)
		}
		variants := []string{tc.text + "\n  GARBAGE (", "SELECT 1;\n" + tc.text + ";\nSELECT FROM;"}
		if tc.broken != "" {
			variants = append(variants, tc.broken)
		}
		for _, v := range variants {
			_, err := ParseScript(v)
			var e *Error
			if !errors.As(err, &e) {
				continue
			}
			if leaks(e.Error()) {
				t.Errorf("%s: the parse error of %q shows the password:\n%s", tc.name, v, e.Error())
			}
			checkMessageOnly(t, tc.name, e)
		}
	}
}

// messageQuoting is a message that quotes the value holding the password
// in text, as it is written and as it is meant.
func messageQuoting(text string) string {
	for _, t := range Tokenize(text, Pos{Line: 1, Col: 1}) {
		if strings.Contains(t.Text, canaryHead) && isQuoted(t) {
			return "cannot use " + t.Value() + " (" + t.Text + ")"
		}
	}
	i := strings.Index(text, canaryHead)
	j := strings.Index(text[i:], canaryTail)
	return "cannot use " + text[i:i+j+len(canaryTail)]
}

// checkMessageOnly checks that e prints its message and nothing else, as
// Flink does: no excerpt of the statement, no caret.
func checkMessageOnly(t *testing.T, name string, e *Error) {
	t.Helper()
	if e.Error() != e.Msg || strings.Contains(e.Msg, "^") {
		t.Errorf("%s: the parse error is more than its message:\n%s", name, e.Error())
	}
}

func TestErrorMaskedMessageOnly(t *testing.T) {
	for _, tc := range []struct{ script, want string }{
		{"CREATE TABLE t (a INT) WITH ('password' = 'a-very-long-secret', 'url' = 'jdbc:mysql://u:another-long-one@h/d' oops)",
			`Encountered "oops" at line 1, column 111.
Was expecting one of:
    ")" ...
    "," ...`},
		// The unexpected token is the secret itself.
		{"CREATE TABLE t (a INT) WITH ('password' = 'a-very-long-secret' 'a-very-long-secret')",
			`Encountered "******" at line 1, column 64.
Was expecting one of:
    ")" ...
    "," ...`},
	} {
		_, err := ParseScript(tc.script)
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s:\ngot\n%v\nwant\n%s", tc.script, err, tc.want)
		}
	}
}
