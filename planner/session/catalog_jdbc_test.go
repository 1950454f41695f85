package session

import (
	"sort"
	"strings"
	"testing"

	"github.com/flinkgo/engine/connectors/jdbc/jdbctest"
	"github.com/flinkgo/engine/sql"
)

func TestMain(m *testing.M) { jdbctest.Main(m) }

// TestJdbcCatalog runs statements on a jdbc catalog over a real MariaDB
// database created for the test: listing, describing, reading and writing
// its tables without CREATE TABLE, the read-only DDL errors, temporary
// objects alongside, and secrets never shown. Each step's outcome (as
// outcome renders it) must equal want, or contain every part of
// contains and none of absent.
func TestJdbcCatalog(t *testing.T) {
	db := jdbctest.NewDatabase(t)
	other := jdbctest.NewDatabase(t)
	db.Exec(t,
		"CREATE TABLE t (id INT PRIMARY KEY, name VARCHAR(20) NOT NULL, price DECIMAL(10,2), flag TINYINT(1), "+
			"ts DATETIME(3), d DATE, big BIGINT UNSIGNED, ti TINYINT, c CHAR(3), txt TEXT, dbl DOUBLE, bin VARBINARY(10), "+
			"lt LONGTEXT, ts0 TIMESTAMP NULL, ui INT UNSIGNED, sm SMALLINT, fl FLOAT)",
		"CREATE TABLE nopk (a INT, b VARCHAR(5))",
		"CREATE TABLE pk2 (k1 INT, k2 VARCHAR(4), v BIGINT, PRIMARY KEY (k2, k1))",
		"CREATE TABLE bad (y YEAR)",
		"INSERT INTO nopk VALUES (1, 'x')",
	)
	base := "jdbc:mysql://" + db.Config.Addr
	subst := strings.NewReplacer("$DB2", other.Name, "$DB", db.Name, "$BASE", base, "$USER", db.User(), "$PASSWORD", db.Password())
	s := New(Options{Config: map[string]string{"parallelism.default": "1"}})
	defer s.Close()

	steps := []struct {
		sql      string
		want     string
		contains []string
		absent   []string
	}{
		{sql: "CREATE CATALOG my_mysql WITH ('type' = 'jdbc', 'base-url' = '$BASE', 'default-database' = '$DB', 'username' = '$USER', 'password' = '$PASSWORD')", want: "ok"},
		{sql: "SHOW CATALOGS", want: "catalog name\ndefault_catalog\nmy_mysql\n"},
		{sql: "DESCRIBE CATALOG EXTENDED my_mysql", want: "info name | info value\nname | my_mysql\ntype | jdbc\ncomment | \n" +
			"option:base-url | $BASE\noption:default-database | $DB\noption:password | ******\noption:username | $USER\n"},
		{sql: "USE CATALOG my_mysql", want: "ok"},
		{sql: "SHOW CURRENT DATABASE", want: "current database name\n$DB\n"},
		{sql: "SHOW DATABASES", contains: []string{"\n$DB\n", "\n$DB2\n"},
			absent: []string{"information_schema", "performance_schema", "\nmysql\n", "\nsys\n"}},
		{sql: "SHOW TABLES", want: "table name\nbad\nnopk\npk2\nt\n"},
		{sql: "SHOW TABLES FROM $DB2", want: "table name\n"},
		{sql: "DESCRIBE t", want: "name | type | null | key | extras | watermark\n" +
			"id | INT | FALSE | PRI(id) |  | \n" +
			"name | VARCHAR(20) | FALSE |  |  | \n" +
			"price | DECIMAL(10, 2) | TRUE |  |  | \n" +
			"flag | BOOLEAN | TRUE |  |  | \n" +
			"ts | TIMESTAMP(3) | TRUE |  |  | \n" +
			"d | DATE | TRUE |  |  | \n" +
			"big | DECIMAL(20, 0) | TRUE |  |  | \n" +
			"ti | TINYINT | TRUE |  |  | \n" +
			"c | CHAR(3) | TRUE |  |  | \n" +
			"txt | VARCHAR(65535) | TRUE |  |  | \n" +
			"dbl | DOUBLE | TRUE |  |  | \n" +
			"bin | BYTES | TRUE |  |  | \n" +
			"lt | STRING | TRUE |  |  | \n" +
			"ts0 | TIMESTAMP(0) | TRUE |  |  | \n" +
			"ui | BIGINT | TRUE |  |  | \n" +
			"sm | SMALLINT | TRUE |  |  | \n" +
			"fl | FLOAT | TRUE |  |  | \n"},
		{sql: "DESCRIBE pk2", want: "name | type | null | key | extras | watermark\n" +
			"k1 | INT | FALSE | PRI(k2, k1) |  | \n" +
			"k2 | VARCHAR(4) | FALSE | PRI(k2, k1) |  | \n" +
			"v | BIGINT | TRUE |  |  | \n"},
		{sql: "SHOW CREATE TABLE pk2", want: "CREATE TABLE `my_mysql`.`$DB`.`pk2` (\n" +
			"  `k1` INT NOT NULL,\n  `k2` VARCHAR(4) NOT NULL,\n  `v` BIGINT,\n" +
			"  CONSTRAINT `PRIMARY` PRIMARY KEY (`k2`, `k1`) NOT ENFORCED\n) WITH (\n" +
			"  'connector' = 'jdbc',\n  'password' = '******',\n  'table-name' = 'pk2',\n" +
			"  'url' = '$BASE/$DB',\n  'username' = '$USER'\n)\n"},
		{sql: "SHOW COLUMNS FROM my_mysql.$DB.nopk", want: "name | type | null | key | extras | watermark\na | INT | TRUE |  |  | \nb | VARCHAR(5) | TRUE |  |  | \n"},
		{sql: "DESCRIBE bad", contains: []string{"error: java.lang.UnsupportedOperationException: Doesn't support MySQL type 'YEAR' on column 'y' in MySQL version "}},
		{sql: "SELECT * FROM bad", contains: []string{"error: java.lang.UnsupportedOperationException: Doesn't support MySQL type 'YEAR'"}},
		{sql: "DESCRIBE nope", want: "error: org.apache.flink.table.api.ValidationException: Tables or views with the identifier 'my_mysql.$DB.nope' doesn't exist."},
		{sql: "SELECT * FROM nope", want: "error: org.apache.flink.table.api.ValidationException: SQL validation failed. From line 1, column 15: Object 'nope' not found\n" +
			"Caused by: org.apache.calcite.runtime.CalciteContextException: From line 1, column 15: Object 'nope' not found\n" +
			"Caused by: org.apache.calcite.sql.validate.SqlValidatorException: Object 'nope' not found"},
		{sql: "SELECT * FROM $DB2.nope", want: "error: org.apache.flink.table.api.ValidationException: SQL validation failed. From line 1, column 15: Object 'nope' not found within 'my_mysql.$DB2'\n" +
			"Caused by: org.apache.calcite.runtime.CalciteContextException: From line 1, column 15: Object 'nope' not found within 'my_mysql.$DB2'\n" +
			"Caused by: org.apache.calcite.sql.validate.SqlValidatorException: Object 'nope' not found within 'my_mysql.$DB2'"},
		{sql: "SELECT * FROM nodb.nope", want: "error: org.apache.flink.table.api.ValidationException: SQL validation failed. From line 1, column 15: Object 'nodb' not found within 'my_mysql'\n" +
			"Caused by: org.apache.calcite.runtime.CalciteContextException: From line 1, column 15: Object 'nodb' not found within 'my_mysql'\n" +
			"Caused by: org.apache.calcite.sql.validate.SqlValidatorException: Object 'nodb' not found within 'my_mysql'"},

		// Read-only DDL, as Flink's JdbcCatalog.
		{sql: "CREATE TABLE x (a INT) WITH ('connector' = 'blackhole')", want: "error: org.apache.flink.table.api.TableException: Could not execute CreateTable in path `my_mysql`.`$DB`.`x`"},
		{sql: "CREATE TABLE IF NOT EXISTS t (a INT) WITH ('connector' = 'blackhole')", want: "error: org.apache.flink.table.api.TableException: Could not execute CreateTable in path `my_mysql`.`$DB`.`t`"},
		{sql: "CREATE TABLE x AS SELECT * FROM t", want: "error: org.apache.flink.table.api.TableException: Could not execute CreateTable in path `my_mysql`.`$DB`.`x`"},
		{sql: "CREATE VIEW v AS SELECT 1", want: "error: org.apache.flink.table.api.TableException: Could not execute CreateTable in path `my_mysql`.`$DB`.`v`"},
		{sql: "DROP TABLE t", want: "error: org.apache.flink.table.api.TableException: Could not execute DropTable in path `my_mysql`.`$DB`.`t`"},
		{sql: "DROP TABLE nope", want: "error: org.apache.flink.table.api.ValidationException: Table with identifier 'my_mysql.$DB.nope' does not exist."},
		{sql: "DROP TABLE IF EXISTS nope", want: "ok"},
		{sql: "DROP VIEW t", want: "error: org.apache.flink.table.api.ValidationException: View with identifier 'my_mysql.$DB.t' does not exist."},
		{sql: "ALTER TABLE t ADD extra INT", want: "error: org.apache.flink.table.api.TableException: Could not execute AlterTable in path `my_mysql`.`$DB`.`t`"},
		{sql: "ALTER TABLE t ADD name INT", contains: []string{"error: org.apache.flink.table.api.ValidationException: ", "name"}},
		{sql: "ALTER TABLE t RENAME TO t2", want: "error: org.apache.flink.table.api.TableException: Could not execute ALTER TABLE my_mysql.$DB.t RENAME TO my_mysql.$DB.t2"},
		{sql: "ALTER TABLE nope ADD extra INT", want: "error: org.apache.flink.table.api.ValidationException: Table `my_mysql`.`$DB`.`nope` doesn't exist or is a temporary table."},
		{sql: "CREATE DATABASE foo", want: "error: org.apache.flink.table.api.TableException: Could not execute CREATE DATABASE: (catalogDatabase: [{}], catalogName: [my_mysql], databaseName: [foo], ignoreIfExists: [false])"},
		{sql: "ALTER DATABASE $DB SET ('k' = 'v')", want: "error: org.apache.flink.table.api.TableException: Could not execute ALTER DATABASE: (alterDatabase: [{k=v}], catalogName: [my_mysql], databaseName: [$DB])"},
		{sql: "DROP DATABASE $DB2", want: "error: org.apache.flink.table.api.TableException: Could not execute DROP DATABASE my_mysql.$DB2 RESTRICT"},
		{sql: "DROP DATABASE IF EXISTS $DB2 CASCADE", want: "error: org.apache.flink.table.api.TableException: Could not execute DROP DATABASE IF EXISTS  my_mysql.$DB2 CASCADE"},
		{sql: "USE nodb", want: "error: org.apache.flink.table.catalog.exceptions.CatalogException: A database with name [nodb] does not exist in the catalog: [my_mysql]."},
		{sql: "USE $DB2", want: "ok"},
		{sql: "SHOW CURRENT DATABASE", want: "current database name\n$DB2\n"},
		{sql: "USE $DB", want: "ok"},

		// Temporary objects live alongside, and shadow.
		{sql: "CREATE TEMPORARY TABLE src (id INT, name STRING) WITH ('connector' = 'datagen', 'number-of-rows' = '3', 'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '3', 'fields.name.length' = '4')", want: "ok"},
		{sql: "CREATE TEMPORARY VIEW tv AS SELECT id, name FROM t", want: "ok"},
		{sql: "SHOW TABLES", want: "table name\nbad\nnopk\npk2\nsrc\nt\ntv\n"},
		{sql: "SHOW VIEWS", want: "view name\ntv\n"},
		{sql: "CREATE TEMPORARY TABLE liked WITH ('connector' = 'blackhole') LIKE pk2 (EXCLUDING OPTIONS)", want: "ok"},
		{sql: "SHOW CREATE TABLE liked", want: "CREATE TEMPORARY TABLE `my_mysql`.`$DB`.`liked` (\n" +
			"  `k1` INT NOT NULL,\n  `k2` VARCHAR(4) NOT NULL,\n  `v` BIGINT,\n" +
			"  CONSTRAINT `PRIMARY` PRIMARY KEY (`k2`, `k1`) NOT ENFORCED\n) WITH (\n  'connector' = 'blackhole'\n)\n"},
		{sql: "EXPLAIN SELECT k2, v FROM pk2 WHERE k1 > 1", contains: []string{"TableSourceScan(table=[[my_mysql, $DB, pk2]"}},
		{sql: "DROP TEMPORARY TABLE src", want: "ok"},
		{sql: "CREATE TEMPORARY TABLE src (id INT, name STRING) WITH ('connector' = 'datagen', 'number-of-rows' = '3', 'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '3', 'fields.name.length' = '4')", want: "ok"},

		// Reading and writing without CREATE TABLE: upsert with the key,
		// append without, from another catalog too.
		{sql: "SET 'table.dml-sync' = 'true'", want: "ok"},
		{sql: "INSERT INTO t (id, name, price, flag, ts) SELECT id, CONCAT('n', CAST(id AS STRING)), CAST(id AS DECIMAL(10, 2)) * 1.5, id = 2, TIMESTAMP '2024-01-02 03:04:05.678' FROM src", want: "job submitted"},
		{sql: "INSERT INTO t (id, name) VALUES (2, 'two')", want: "job submitted"},
		{sql: "INSERT INTO nopk SELECT id, name FROM t WHERE id > 1", want: "job submitted"},
		// A catalog table as the dimension of a lookup join.
		{sql: "CREATE TEMPORARY TABLE probe (id INT, pt AS PROCTIME()) WITH ('connector' = 'datagen', 'number-of-rows' = '2', 'fields.id.kind' = 'sequence', 'fields.id.start' = '2', 'fields.id.end' = '3')", want: "ok"},
		{sql: "INSERT INTO nopk SELECT p.id * 10, d.name FROM probe AS p JOIN t FOR SYSTEM_TIME AS OF p.pt AS d ON p.id = d.id", want: "job submitted"},
		{sql: "USE CATALOG default_catalog", want: "ok"},
		{sql: "INSERT INTO my_mysql.$DB.pk2 SELECT id, name, CAST(id AS BIGINT) FROM my_mysql.$DB.t", want: "job submitted"},
		{sql: "DROP CATALOG my_mysql", want: "ok"},
		{sql: "SHOW CATALOGS", want: "catalog name\ndefault_catalog\n"},

		// Validation and connection errors; no password in any of them.
		{sql: "CREATE CATALOG c WITH ('type' = 'jdbc', 'base-url' = '$BASE')", want: "error: org.apache.flink.table.api.ValidationException: One or more required options are missing.\n\n" +
			"Missing required options are:\n\ndefault-database\npassword\nusername"},
		{sql: "CREATE CATALOG c WITH ('type' = 'jdbc', 'base-url' = '$BASE', 'default-database' = '$DB', 'username' = 'u', 'password' = 'hunter2', 'foo' = 'bar')",
			want: "error: org.apache.flink.table.api.ValidationException: Unsupported options found for 'jdbc'.\n\nUnsupported options:\n\nfoo\n\n" +
				"Supported options:\n\nbase-url\ncompatible-mode\ndefault-database\npassword\nproperty-version\ntype\nusername"},
		{sql: "CREATE CATALOG c WITH ('type' = 'jdbc', 'base-url' = '$BASE/$DB', 'default-database' = '$DB', 'username' = 'u', 'password' = 'hunter2')",
			contains: []string{"error: org.apache.flink.table.api.ValidationException: Invalid 'base-url' of the jdbc catalog c: '$BASE/$DB'."}},
		{sql: "CREATE CATALOG c WITH ('type' = 'jdbc', 'base-url' = 'jdbc:postgresql://localhost:5432', 'default-database' = 'd', 'username' = 'u', 'password' = 'hunter2')",
			contains: []string{"error: org.apache.flink.table.api.ValidationException: Catalog for 'jdbc:postgresql://localhost:5432' is not supported yet"}},
		{sql: "CREATE CATALOG c WITH ('type' = 'jdbc', 'base-url' = 'jdbc:mysql://127.0.0.1:1', 'default-database' = '$DB', 'username' = 'u', 'password' = 'hunter2')",
			contains: []string{"error: org.apache.flink.table.api.ValidationException: Failed connecting to jdbc:mysql://127.0.0.1:1/$DB via JDBC: "}},
		{sql: "CREATE CATALOG c WITH ('type' = 'jdbc', 'base-url' = 'jdbc:mysql://u:hunter2@127.0.0.1:1?useSSL=false', 'default-database' = '$DB', 'username' = 'u', 'password' = 'hunter2')",
			contains: []string{"Failed connecting to jdbc:mysql://u:******@127.0.0.1:1/$DB?useSSL=false via JDBC: "}},
		{sql: "CREATE CATALOG c WITH ('type' = 'jdbc', 'base-url' = '$BASE', 'default-database' = 'no_such_db_$DB', 'username' = '$USER', 'password' = '$PASSWORD')",
			contains: []string{"Failed connecting to $BASE/no_such_db_$DB via JDBC: ", "Unknown database"}},
		{sql: "SHOW CATALOGS", want: "catalog name\ndefault_catalog\n"},
	}
	for i, st := range steps {
		text := subst.Replace(st.sql)
		parsed, err := sql.Parse(sql.Segment{Text: text, Pos: sql.Pos{Line: 1, Col: 1}})
		var got string
		if err != nil {
			got = outcome(nil, err)
		} else {
			got = outcome(s.Execute(parsed))
		}
		if strings.Contains(got, "hunter2") || db.Password() != "" && strings.Contains(got, db.Password()) {
			t.Errorf("step %d %s: the password shows:\n%s", i+1, text, got)
		}
		if st.want != "" && got != subst.Replace(st.want) {
			t.Errorf("step %d %s:\n--- got ---\n%s\n--- want ---\n%s", i+1, text, got, subst.Replace(st.want))
		}
		for _, c := range st.contains {
			if !strings.Contains(got, subst.Replace(c)) {
				t.Errorf("step %d %s: lacks %q:\n%s", i+1, text, subst.Replace(c), got)
			}
		}
		for _, a := range st.absent {
			if strings.Contains(got, a) {
				t.Errorf("step %d %s: shows %q:\n%s", i+1, text, a, got)
			}
		}
	}

	// What the jobs wrote, read back from MySQL.
	rows := func(q string) []string {
		t.Helper()
		r, err := db.SQL.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		var out []string
		for r.Next() {
			var a, b, c string
			if err := r.Scan(&a, &b, &c); err != nil {
				t.Fatal(err)
			}
			out = append(out, a+","+b+","+c)
		}
		sort.Strings(out)
		return out
	}
	check := func(q string, want ...string) {
		t.Helper()
		if got := rows(q); strings.Join(got, ";") != strings.Join(want, ";") {
			t.Errorf("%s:\n got %v\nwant %v", q, got, want)
		}
	}
	check("SELECT id, name, CONCAT(COALESCE(price, 'null'), '/', COALESCE(flag, 'null'), '/', COALESCE(ts, 'null')) FROM t",
		"1,n1,1.50/0/2024-01-02 03:04:05.678", "2,two,null/null/null", "3,n3,4.50/0/2024-01-02 03:04:05.678")
	check("SELECT a, b, '' FROM nopk", "1,x,", "2,two,", "20,two,", "3,n3,", "30,n3,")
	check("SELECT k1, k2, v FROM pk2", "1,n1,1", "2,two,2", "3,n3,3")
}
