package session

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/flinkgo/engine/sql"
)

// flinkError is what the client prints for an error: Flink's class, then
// the message.
func flinkError(err error) string {
	if c, ok := err.(interface{ FlinkClass() string }); ok {
		return c.FlinkClass() + ": " + err.Error()
	}
	return err.Error()
}

// execErr runs a script whose last statement must fail and returns the
// error as the client prints it.
func execErr(t *testing.T, s *Session, script string) string {
	t.Helper()
	stmts, err := sql.ParseScript(script)
	if err != nil {
		return flinkError(err)
	}
	for i, st := range stmts {
		_, err := s.Execute(st)
		if i < len(stmts)-1 && err != nil {
			t.Fatalf("%s: %v", st.SQL(), err)
		}
		if i == len(stmts)-1 {
			if err == nil {
				t.Fatalf("%s: no error", st.SQL())
			}
			return flinkError(err)
		}
	}
	return ""
}

// readCSV returns the sorted lines of the part files under dir.
func readCSV(t *testing.T, dir string) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "part-*"))
	var lines []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			if l != "" {
				lines = append(lines, l)
			}
		}
	}
	sort.Strings(lines)
	return lines
}

func showCreateText(t *testing.T, s *Session, name string) string {
	t.Helper()
	rs := execAll(t, s, "SHOW CREATE TABLE "+name+";")
	return rs[0].Text
}

// TestCreateTableAsSelect: CTAS creates the table from the query's schema
// (time attributes dropped) and runs the INSERT; REPLACE TABLE AS replaces
// an existing table; CREATE OR REPLACE creates a missing one; a CTAS may
// sit in a statement set.
func TestCreateTableAsSelect(t *testing.T) {
	dir := t.TempDir()
	s := New(Options{})
	defer s.Close()
	out := func(name string) string { return filepath.Join(dir, name) }
	execAll(t, s, `
SET 'table.dml-sync' = 'true';
CREATE TABLE src (
  id INT NOT NULL, name STRING, ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts
) WITH ('connector' = 'datagen', 'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '4');
CREATE TABLE t1 WITH ('connector' = 'filesystem', 'path' = '`+out("t1")+`', 'format' = 'csv')
  AS SELECT id, id * 10 AS tens, ts FROM src;`)
	want := "CREATE TABLE `default_catalog`.`default_database`.`t1` (\n" +
		"  `id` INT NOT NULL,\n  `tens` INT NOT NULL,\n  `ts` TIMESTAMP(3)\n" +
		") WITH (\n  'connector' = 'filesystem',\n  'format' = 'csv',\n  'path' = '" + out("t1") + "'\n)\n"
	if got := showCreateText(t, s, "t1"); got != want {
		t.Errorf("SHOW CREATE TABLE t1:\n%s\nwant:\n%s", got, want)
	}
	if got := readCSV(t, out("t1")); len(got) != 4 || !strings.HasPrefix(got[0], "1,10,") {
		t.Errorf("t1 rows: %q", got)
	}

	// IF NOT EXISTS on an existing table still inserts.
	execAll(t, s, `CREATE TABLE IF NOT EXISTS t1 WITH ('connector' = 'blackhole') AS SELECT 9 AS id, 90 AS tens, CAST(NULL AS TIMESTAMP(3)) AS ts;`)
	if got := readCSV(t, out("t1")); len(got) != 5 || got[4] != "9,90," {
		t.Errorf("t1 rows after the second CTAS: %q", got)
	}

	execAll(t, s, `
REPLACE TABLE t1 WITH ('connector' = 'filesystem', 'path' = '`+out("t1b")+`', 'format' = 'csv')
  AS SELECT CAST(id AS BIGINT) AS id FROM src WHERE id > 2;
CREATE OR REPLACE TABLE t2 WITH ('connector' = 'filesystem', 'path' = '`+out("t2")+`', 'format' = 'csv')
  AS SELECT name IS NULL AS no_name FROM src WHERE id = 1;`)
	if got := showCreateText(t, s, "t1"); !strings.Contains(got, "  `id` BIGINT NOT NULL\n)") {
		t.Errorf("replaced t1:\n%s", got)
	}
	if got := readCSV(t, out("t1b")); strings.Join(got, " ") != "3 4" {
		t.Errorf("t1b rows: %q", got)
	}
	if got := readCSV(t, out("t2")); strings.Join(got, " ") != "false" {
		t.Errorf("t2 rows: %q", got)
	}

	execAll(t, s, `
BEGIN STATEMENT SET;
CREATE TABLE t3 WITH ('connector' = 'filesystem', 'path' = '`+out("t3")+`', 'format' = 'csv') AS SELECT id FROM src WHERE id < 3;
INSERT INTO t3 SELECT id * 100 FROM src WHERE id = 4;
END;`)
	if got := readCSV(t, out("t3")); strings.Join(got, " ") != "1 2 400" {
		t.Errorf("t3 rows: %q", got)
	}

	execAll(t, s, `
EXECUTE STATEMENT SET BEGIN
INSERT INTO t3 SELECT id * 1000 FROM src WHERE id = 1;
CREATE TABLE t4 WITH ('connector' = 'filesystem', 'path' = '`+out("t4")+`', 'format' = 'csv') AS SELECT name IS NOT NULL AS named FROM src WHERE id = 2;
END;`)
	if got := readCSV(t, out("t3")); strings.Join(got, " ") != "1 1000 2 400" {
		t.Errorf("t3 rows: %q", got)
	}
	if got := readCSV(t, out("t4")); strings.Join(got, " ") != "true" {
		t.Errorf("t4 rows: %q", got)
	}
	if n := len(s.Jobs()); n != 6 {
		t.Errorf("%d jobs, want 6", n)
	}
}

// TestDDLErrors: Flink's messages for ALTER TABLE / VIEW, LIKE, CTAS and
// temporary objects that hide permanent ones.
func TestDDLErrors(t *testing.T) {
	const orders = `CREATE TABLE orders (
  id BIGINT NOT NULL, product STRING, amount INT, ts TIMESTAMP(3),
  total AS amount * 2, label AS UPPER(product),
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND,
  PRIMARY KEY (id) NOT ENFORCED
) PARTITIONED BY (product) WITH ('connector' = 'datagen');
CREATE TABLE plain (a INT, b INT) WITH ('connector' = 'datagen');
CREATE VIEW v AS SELECT id FROM orders;
`
	const validation = "org.apache.flink.table.api.ValidationException: "
	const alter = validation + "Failed to execute ALTER TABLE statement.\n"
	for _, c := range []struct{ stmt, want string }{
		{"ALTER TABLE nope RENAME TO x;", validation + "Table `default_catalog`.`default_database`.`nope` doesn't exist or is a temporary table."},
		{"ALTER TABLE v SET ('k' = 'v');", validation + "ALTER TABLE for a view is not allowed"},
		{"ALTER TABLE orders RENAME TO plain;", "org.apache.flink.table.catalog.exceptions.TableAlreadyExistException: Table (or view) default_database.plain already exists in Catalog default_catalog."},
		{"ALTER TABLE orders RESET ();", validation + "ALTER TABLE RESET does not support empty key"},
		{"ALTER TABLE orders RESET ('connector');", validation + "ALTER TABLE RESET does not support changing 'connector'"},
		{"ALTER TABLE orders ADD product STRING FIRST;", alter + "Try to add a column `product` which already exists in the table."},
		{"ALTER TABLE orders ADD x INT AFTER nowhere;", alter + "Referenced column `nowhere` by 'AFTER' does not exist in the table."},
		{"ALTER TABLE orders ADD (x INT, x BIGINT);", alter + "Encounter duplicate column `x`."},
		{"ALTER TABLE orders MODIFY nowhere INT;", alter + "Try to modify a column `nowhere` which does not exist in the table."},
		{"ALTER TABLE orders ADD WATERMARK FOR ts AS ts;", alter + "The base table has already defined the watermark strategy `ts` AS `ts` - INTERVAL '1' SECOND. You might want to drop it before adding a new one."},
		{"ALTER TABLE orders ADD PRIMARY KEY (amount) NOT ENFORCED;", alter + "The base table has already defined the primary key constraint [`id`]. You might want to drop it before adding a new one."},
		{"ALTER TABLE plain MODIFY WATERMARK FOR a AS a;", alter + "The base table does not define any watermark. You might want to add a new one."},
		{"ALTER TABLE plain MODIFY PRIMARY KEY (a) NOT ENFORCED;", alter + "The base table does not define any primary key constraint. You might want to add a new one."},
		{"ALTER TABLE plain DROP PRIMARY KEY;", alter + "The base table does not define any primary key."},
		{"ALTER TABLE orders DROP CONSTRAINT pk;", alter + "The base table does not define a primary key constraint named 'pk'. Available constraint name: ['PK_id']."},
		{"ALTER TABLE plain DROP WATERMARK;", alter + "The base table does not define any watermark strategy."},
		{"ALTER TABLE orders DROP amount;", alter + "The column `amount` is referenced by computed column `total`."},
		{"ALTER TABLE orders DROP ts;", alter + "The column `ts` is referenced by watermark expression."},
		{"ALTER TABLE orders DROP id;", alter + "The column `id` is used as the primary key."},
		{"ALTER TABLE orders DROP label;", ""},
		{"ALTER TABLE orders DROP (label, product);", alter + "The column `product` is used as the partition keys."},
		{"ALTER TABLE orders DROP (total, total);", alter + "Duplicate column `total`."},
		{"ALTER TABLE orders DROP nowhere;", alter + "The column `nowhere` does not exist in the base table."},
		{"ALTER TABLE orders RENAME amount TO amount2;", alter + "The column `amount` is referenced by computed column `total`."},
		{"ALTER TABLE orders RENAME total TO id;", alter + "The column `id` already existed in table schema."},
		{"ALTER TABLE orders ADD (c AS nowhere + 1);", alter + "Column 'nowhere' not found in any table"},
		{"ALTER VIEW nope RENAME TO x;", validation + "View `default_catalog`.`default_database`.`nope` doesn't exist or is a temporary view."},
		{"ALTER VIEW orders AS SELECT 1;", validation + "ALTER VIEW for a table is not allowed"},
		{"CREATE TABLE x WITH ('connector' = 'datagen') LIKE nope;", validation + "Source table '`default_catalog`.`default_database`.`nope`' of the LIKE clause not found in the catalog, at line 1, column 52"},
		{"CREATE TABLE x LIKE v;", validation + "Source table '`default_catalog`.`default_database`.`v`' of the LIKE clause can not be a VIEW, at line 1, column 21"},
		{"CREATE TABLE x (id INT) LIKE orders;", validation + "A column named 'id' already exists in the base table."},
		{"CREATE TABLE x (total AS 1) LIKE orders;", validation + "A generated column named 'total' already exists in the base table. You might want to specify EXCLUDING GENERATED or OVERWRITING GENERATED."},
		{"CREATE TABLE x (id AS 1) LIKE orders (OVERWRITING GENERATED);", validation + "A column named 'id' already exists in the base table. Computed columns can only overwrite other computed columns."},
		{"CREATE TABLE x (WATERMARK FOR ts AS ts) LIKE orders;", validation + "There already exists a watermark spec for column 'ts' in the base table. You might want to specify EXCLUDING WATERMARKS or OVERWRITING WATERMARKS."},
		{"CREATE TABLE x (PRIMARY KEY (amount) NOT ENFORCED) LIKE orders;", validation + "The base table already has a primary key. You might want to specify EXCLUDING CONSTRAINTS."},
		{"CREATE TABLE x PARTITIONED BY (amount) LIKE orders;", validation + "The base table already has partitions defined. You might want to specify EXCLUDING PARTITIONS."},
		{"CREATE TABLE x WITH ('connector' = 'print') LIKE orders (INCLUDING OPTIONS);", validation + "There already exists an option ['connector' -> 'datagen']  in the base table. You might want to specify EXCLUDING OPTIONS or OVERWRITING OPTIONS."},
		{"CREATE TABLE x LIKE orders (OVERWRITING CONSTRAINTS);", "org.apache.flink.sql.parser.error.SqlValidateException: Illegal merging strategy 'OVERWRITING' for 'CONSTRAINTS' option."},
		{"CREATE TABLE x LIKE orders (INCLUDING OPTIONS EXCLUDING OPTIONS);", "org.apache.flink.sql.parser.error.SqlValidateException: Each like option feature can be declared only once."},
		{"CREATE TEMPORARY TABLE x WITH ('connector' = 'blackhole') AS SELECT 1 AS a;", "org.apache.flink.sql.parser.error.SqlValidateException: CREATE TABLE AS SELECT syntax does not support to create temporary table yet."},
		{"CREATE TABLE x (a INT) WITH ('connector' = 'blackhole') AS SELECT 1 AS a;", "org.apache.flink.sql.parser.error.SqlValidateException: CREATE TABLE AS SELECT syntax does not support to specify explicit columns yet."},
		{"CREATE TABLE plain WITH ('connector' = 'blackhole') AS SELECT 1 AS a;", "org.apache.flink.table.catalog.exceptions.TableAlreadyExistException: Table (or view) default_database.plain already exists in Catalog default_catalog."},
		{"REPLACE TABLE nope WITH ('connector' = 'blackhole') AS SELECT 1 AS a;", "org.apache.flink.table.api.TableException: The table `default_catalog`.`default_database`.`nope` to be replaced doesn't exist. You can try to use CREATE TABLE AS statement or CREATE OR REPLACE TABLE AS statement."},
		{"CREATE TABLE plain (x INT) WITH ('connector' = 'datagen');", "org.apache.flink.table.catalog.exceptions.TableAlreadyExistException: Table (or view) default_database.plain already exists in Catalog default_catalog."},
		{"CREATE TEMPORARY VIEW tv AS SELECT 1; CREATE TEMPORARY VIEW tv AS SELECT 2;", validation + "Temporary table '`default_catalog`.`default_database`.`tv`' already exists"},
		{"CREATE TEMPORARY VIEW v AS SELECT 1; DROP VIEW v;", validation + "Temporary view with identifier '`default_catalog`.`default_database`.`v`' exists. Drop it first before removing the permanent view."},
		{"CREATE TEMPORARY TABLE plain (x INT) WITH ('connector' = 'datagen'); DROP TABLE plain;", validation + "Temporary table with identifier '`default_catalog`.`default_database`.`plain`' exists. Drop it first before removing the permanent table."},
		{"CREATE TEMPORARY TABLE plain (x INT) WITH ('connector' = 'datagen'); ALTER TABLE plain SET ('k' = 'v');", validation + "Table `default_catalog`.`default_database`.`plain` doesn't exist or is a temporary table."},
		{"DROP TEMPORARY VIEW v;", validation + "Temporary table or view with identifier 'default_catalog.default_database.v' does not exist."},
		{"DROP VIEW plain;", validation + "View with identifier 'default_catalog.default_database.plain' does not exist."},
		{"DROP TABLE v;", validation + "Table with identifier 'default_catalog.default_database.v' does not exist."},
	} {
		t.Run(c.stmt, func(t *testing.T) {
			s := New(Options{})
			defer s.Close()
			execAll(t, s, orders)
			if c.want == "" {
				execAll(t, s, c.stmt)
				return
			}
			got := execErr(t, s, c.stmt)
			if strings.HasPrefix(got, "org.apache.flink.sql.parser") {
				got, _, _ = strings.Cut(got, "\n") // without the excerpt
			}
			if got != c.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, c.want)
			}
		})
	}
}

// TestViewKeepsExpandedQuery: a view keeps its query as expanded when it
// was created, so its columns do not change when a table it reads gains
// one (as in Flink, where `*` is expanded at CREATE VIEW).
func TestViewKeepsExpandedQuery(t *testing.T) {
	s := New(Options{})
	defer s.Close()
	execAll(t, s, `CREATE TABLE t (a INT, b STRING) WITH ('connector' = 'datagen');
CREATE VIEW v AS SELECT * FROM t WHERE a BETWEEN 1 AND 5;
ALTER TABLE t ADD c INT FIRST;`)
	v, _ := s.cat.View("default_catalog.default_database.v")
	if !strings.HasPrefix(v.Query.Text, "SELECT `t`.`a`, `t`.`b`\nFROM `default_catalog`") {
		t.Errorf("view query %q", v.Query.Text)
	}
	stmts, err := sql.ParseScript("SELECT * FROM v;")
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.Execute(&sql.Explain{StmtBase: stmts[0].(*sql.Select).StmtBase, Target: stmts[0]})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.Text, "Calc(select=[a, b]") {
		t.Errorf("plan:\n%s", r.Text)
	}
}
