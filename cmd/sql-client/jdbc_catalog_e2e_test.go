package main

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/flinkgo/engine/connectors/jdbc/jdbctest"
)

// catalogUser returns the credentials for a jdbc catalog on db: a user
// with a real password created for the test when the server allows it
// (dropped at the end), else the server's own (root, maybe no password).
func catalogUser(t *testing.T, db *jdbctest.DB) (user, password string) {
	var rnd [4]byte
	rand.Read(rnd[:])
	user, password = "fc_"+hex.EncodeToString(rnd[:]), "Pw-"+hex.EncodeToString(rnd[:])+"-secret"
	if _, err := db.SQL.Exec(fmt.Sprintf("CREATE USER '%s'@'%%' IDENTIFIED BY '%s'", user, password)); err != nil {
		t.Logf("using the server's credentials: cannot create a user: %v", err)
		return db.User(), db.Password()
	}
	t.Cleanup(func() { db.SQL.Exec(fmt.Sprintf("DROP USER '%s'@'%%'", user)) })
	if _, err := db.SQL.Exec(fmt.Sprintf("GRANT ALL PRIVILEGES ON *.* TO '%s'@'%%'", user)); err != nil {
		t.Logf("using the server's credentials: cannot grant: %v", err)
		return db.User(), db.Password()
	}
	return user, password
}

// tableauRows returns the data rows of the tableau results in out, each
// as its trimmed cells joined by ",".
func tableauRows(out string) []string {
	var rows []string
	for _, l := range strings.Split(out, "\n") {
		if !strings.HasPrefix(l, "| +") && !strings.HasPrefix(l, "| -") {
			continue
		}
		var cells []string
		for _, c := range strings.Split(strings.Trim(l, "|"), "|") {
			cells = append(cells, strings.TrimSpace(c))
		}
		rows = append(rows, strings.Join(cells, ","))
	}
	return rows
}

// withoutEcho removes the lines of script the client echoes from out.
func withoutEcho(out, script string) string {
	for _, l := range strings.Split(script, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = strings.ReplaceAll(out, l, "<echo>")
		}
	}
	return out
}

// TestJdbcCatalogThroughBinary: a jdbc catalog over a real MariaDB
// database through the sql-client binary: its databases and tables are
// listed and described with Flink's type mapping, its tables read and
// written (upsert with a primary key, append without) with no CREATE
// TABLE, DDL on it fails as in Flink, and the password shows nowhere.
func TestJdbcCatalogThroughBinary(t *testing.T) {
	db := jdbctest.NewDatabase(t)
	db.Exec(t,
		"CREATE TABLE orders (id INT PRIMARY KEY, name VARCHAR(20) NOT NULL, price DECIMAL(10,2), paid TINYINT(1), ts DATETIME(3))",
		"INSERT INTO orders VALUES (1, 'apple', 1.50, 1, '2024-01-02 03:04:05.678'), (2, 'pear', NULL, 0, NULL), (3, 'fig', 7.25, NULL, '2024-02-03 00:00:00')",
		"CREATE TABLE totals (id INT PRIMARY KEY, name VARCHAR(20), total DECIMAL(12,2))",
		"INSERT INTO totals VALUES (1, 'old', 0)",
		"CREATE TABLE audit (id INT, what VARCHAR(40))",
	)
	user, password := catalogUser(t, db)
	base := "jdbc:mysql://" + db.Config.Addr
	create := fmt.Sprintf("CREATE CATALOG my_mysql WITH (\n  'type' = 'jdbc',\n  'base-url' = '%s',\n  'default-database' = '%s',\n  'username' = '%s',\n  'password' = '%s'\n);\n",
		base, db.Name, user, password)
	dir := t.TempDir()
	body := create + fmt.Sprintf(`SHOW CATALOGS;
DESCRIBE CATALOG EXTENDED my_mysql;
USE CATALOG my_mysql;
SHOW CURRENT DATABASE;
SHOW DATABASES;
SHOW TABLES;
DESCRIBE orders;
SHOW CREATE TABLE orders;
SET 'table.dml-sync' = 'true';
SELECT id, name, price, paid, ts FROM my_mysql.%[1]s.orders;
INSERT INTO totals SELECT id, UPPER(name), price * 2 FROM orders;
INSERT INTO audit SELECT id, CONCAT('seen ', name) FROM orders WHERE price IS NOT NULL;
CREATE TEMPORARY VIEW cheap AS SELECT id, name FROM orders WHERE price < 5;
SELECT * FROM cheap;
USE CATALOG default_catalog;
CREATE TABLE src (id INT) WITH ('connector' = 'datagen', 'number-of-rows' = '2', 'fields.id.kind' = 'sequence', 'fields.id.start' = '3', 'fields.id.end' = '4');
INSERT INTO my_mysql.%[1]s.totals SELECT id, 'from datagen', CAST(id AS DECIMAL(12, 2)) FROM src;
`, db.Name)
	script := writeFile(t, dir, "catalog.sql", body)
	out, code := runClient(t, dir, "-f", script)
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	rest := withoutEcho(out, body)
	if strings.Contains(rest, password) && password != "" {
		t.Fatalf("the password shows in the output:\n%s", out)
	}
	for _, want := range []string{
		"| " + db.Name + " |",
		"option:password | ******",
		"CONSTRAINT `PRIMARY` PRIMARY KEY (`id`) NOT ENFORCED",
		"'password' = '******'",
		"'url' = '" + base + "/" + db.Name + "'",
		"'table-name' = 'orders'",
	} {
		if !strings.Contains(strings.Join(strings.Fields(rest), " "), strings.Join(strings.Fields(want), " ")) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	for _, bad := range []string{"information_schema", "performance_schema"} {
		if strings.Contains(rest, bad) {
			t.Errorf("SHOW DATABASES lists %s:\n%s", bad, out)
		}
	}
	// SHOW TABLES, DESCRIBE: exact cells.
	var cells []string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "|") && !strings.HasPrefix(l, "| +") && !strings.HasPrefix(l, "| -") {
			var cs []string
			for _, c := range strings.Split(strings.Trim(l, "|"), "|") {
				cs = append(cs, strings.TrimSpace(c))
			}
			cells = append(cells, strings.Join(cs, ","))
		}
	}
	joined := strings.Join(cells, "\n")
	for _, want := range []string{
		"table name\naudit\norders\ntotals",
		"name,type,null,key,extras,watermark\n" +
			"id,INT,FALSE,PRI(id),,\n" +
			"name,VARCHAR(20),FALSE,,,\n" +
			"price,DECIMAL(10, 2),TRUE,,,\n" +
			"paid,BOOLEAN,TRUE,,,\n" +
			"ts,TIMESTAMP(3),TRUE,,,",
		"current database name\n" + db.Name,
	} {
		if !strings.Contains(joined, want) {
			t.Errorf("output lacks the table\n%s\n--- cells ---\n%s", want, joined)
		}
	}
	rows := tableauRows(out)
	wantRows := []string{
		"+I,1,apple,1.50,TRUE,2024-01-02 03:04:05.678",
		"+I,2,pear,<NULL>,FALSE,<NULL>",
		"+I,3,fig,7.25,<NULL>,2024-02-03 00:00:00.000",
		"+I,1,apple",
	}
	if strings.Join(rows, "\n") != strings.Join(wantRows, "\n") {
		t.Errorf("SELECT rows:\n%s\nwant:\n%s\n--- output ---\n%s", strings.Join(rows, "\n"), strings.Join(wantRows, "\n"), out)
	}
	query := func(q string) []string {
		t.Helper()
		r, err := db.SQL.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		var got []string
		for r.Next() {
			var a, b, c string
			if err := r.Scan(&a, &b, &c); err != nil {
				t.Fatal(err)
			}
			got = append(got, a+"|"+b+"|"+c)
		}
		sort.Strings(got)
		return got
	}
	if got, want := query("SELECT id, COALESCE(name, 'null'), COALESCE(total, 'null') FROM totals"),
		[]string{"1|APPLE|3.00", "2|PEAR|null", "3|from datagen|3.00", "4|from datagen|4.00"}; strings.Join(got, ";") != strings.Join(want, ";") {
		t.Errorf("totals: %v, want %v\n%s", got, want, out)
	}
	if got, want := query("SELECT id, what, '' FROM audit"), []string{"1|seen apple|", "3|seen fig|"}; strings.Join(got, ";") != strings.Join(want, ";") {
		t.Errorf("audit: %v, want %v\n%s", got, want, out)
	}

	// DDL on the catalog fails as in Flink (each in a script of its own:
	// -f stops at the first error); temporary objects still work.
	for _, c := range []struct{ stmt, want string }{
		{"CREATE TABLE my_mysql.$DB.x (a INT) WITH ('connector' = 'blackhole');",
			"org.apache.flink.table.api.TableException: Could not execute CreateTable in path `my_mysql`.`$DB`.`x`"},
		{"USE CATALOG my_mysql;\nCREATE TEMPORARY TABLE tmp (a INT) WITH ('connector' = 'blackhole');\nSHOW TABLES;\nCREATE VIEW v AS SELECT * FROM tmp;",
			"org.apache.flink.table.api.TableException: Could not execute CreateTable in path `my_mysql`.`$DB`.`v`"},
		{"DROP TABLE my_mysql.$DB.orders;",
			"org.apache.flink.table.api.TableException: Could not execute DropTable in path `my_mysql`.`$DB`.`orders`"},
		{"ALTER TABLE my_mysql.$DB.orders ADD note STRING;",
			"org.apache.flink.table.api.TableException: Could not execute AlterTable in path `my_mysql`.`$DB`.`orders`"},
		{"CREATE DATABASE my_mysql.more;",
			"org.apache.flink.table.api.TableException: Could not execute CREATE DATABASE: (catalogDatabase: [{}], catalogName: [my_mysql], databaseName: [more], ignoreIfExists: [false])"},
		{"DROP DATABASE my_mysql.$DB;",
			"org.apache.flink.table.api.TableException: Could not execute DROP DATABASE my_mysql.$DB RESTRICT"},
	} {
		stmt := strings.ReplaceAll(c.stmt, "$DB", db.Name)
		want := strings.ReplaceAll(c.want, "$DB", db.Name)
		text := create + stmt + "\n"
		out, code := runClient(t, dir, "-f", writeFile(t, dir, "ddl.sql", text))
		if code == 0 || !strings.Contains(out, want) {
			t.Errorf("%s: exit %d, want the error %q:\n%s", stmt, code, want, out)
		}
		if strings.Contains(stmt, "TEMPORARY") && !strings.Contains(out, " tmp |") {
			t.Errorf("SHOW TABLES lacks the temporary table:\n%s", out)
		}
	}
	// The tables are unchanged.
	if got := query("SELECT COUNT(*), '', '' FROM orders"); len(got) != 1 || got[0] != "3||" {
		t.Errorf("orders changed: %v", got)
	}

	// An unreachable server or wrong credentials fail CREATE CATALOG with
	// the url, never the password.
	for _, c := range []struct{ url, user, want string }{
		{"jdbc:mysql://127.0.0.1:1", user, "Failed connecting to jdbc:mysql://127.0.0.1:1/" + db.Name + " via JDBC"},
		{base, user, "Failed connecting to " + base + "/" + db.Name + " via JDBC"},
	} {
		text := fmt.Sprintf("CREATE CATALOG bad WITH ('type' = 'jdbc', 'base-url' = '%s', 'default-database' = '%s', 'username' = '%s', 'password' = 'hunter2-wrong');\n",
			c.url, db.Name, c.user)
		out, code := runClient(t, dir, "-f", writeFile(t, dir, "bad.sql", text))
		if c.url == base && code == 0 {
			t.Logf("the server accepts any password (--skip-grant-tables): no wrong-credentials check")
			continue
		}
		if code == 0 || !strings.Contains(out, "org.apache.flink.table.api.ValidationException: "+c.want) {
			t.Errorf("%s: exit %d, want %q:\n%s", c.url, code, c.want, out)
		}
		if strings.Contains(withoutEcho(out, text), "hunter2") {
			t.Errorf("the password shows:\n%s", out)
		}
	}
	if os.Getenv("JDBC_CATALOG_E2E_VERBOSE") != "" {
		t.Log(out)
	}
}
