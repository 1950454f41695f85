package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/flinkgo/engine/connectors/jdbc/jdbctest"
)

// TestShowCreateJdbcCatalog: SHOW CREATE CATALOG of a jdbc catalog over a
// real MariaDB prints Flink's CREATE CATALOG with its comment and its
// options sorted, the password masked.
func TestShowCreateJdbcCatalog(t *testing.T) {
	db := jdbctest.NewDatabase(t)
	user, password := catalogUser(t, db)
	base := "jdbc:mysql://" + db.Config.Addr
	body := fmt.Sprintf("CREATE CATALOG my_mysql COMMENT 'the shop' WITH ('type' = 'jdbc', 'base-url' = '%s', 'default-database' = '%s', 'username' = '%s', 'password' = '%s');\nSHOW CREATE CATALOG my_mysql;\n",
		base, db.Name, user, password)
	dir := t.TempDir()
	out, code := runClient(t, dir, "-f", writeFile(t, dir, "show.sql", body))
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	want := fmt.Sprintf("| CREATE CATALOG `my_mysql`\nCOMMENT 'the shop'\nWITH (\n  'base-url' = '%s',\n  'default-database' = '%s',\n  'password' = '******',\n  'type' = 'jdbc',\n  'username' = '%s'\n)\n |",
		base, db.Name, user)
	if !strings.Contains(out, want) {
		t.Errorf("output lacks\n%s\n--- output ---\n%s", want, out)
	}
	if rest := withoutEcho(out, body); password != "" && strings.Contains(rest, password) {
		t.Errorf("the password shows in the output:\n%s", out)
	}
}
