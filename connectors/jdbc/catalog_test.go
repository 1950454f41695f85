package jdbc

import (
	"strconv"
	"strings"
	"testing"

	"github.com/flinkgo/engine/connectors"
	"github.com/flinkgo/engine/connectors/jdbc/jdbctest"
)

func openTestCatalog(t *testing.T, db *jdbctest.DB) *Catalog {
	t.Helper()
	c, err := CatalogFactory{}.Open("cat", map[string]string{"base-url": "jdbc:mysql://" + db.Config.Addr + "/",
		"default-database": db.Name, "username": db.User(), "password": db.Password()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c.(*Catalog)
}

// TestCatalogTypeMapping: each MySQL column type maps to Flink's type as
// Flink's MySqlTypeMapper maps it (NOT NULL kept; key columns NOT NULL).
func TestCatalogTypeMapping(t *testing.T) {
	db := jdbctest.NewDatabase(t)
	cases := []struct{ mysql, flink string }{
		{"INT NOT NULL", "INT NOT NULL"},
		{"INTEGER", "INT"},
		{"INT UNSIGNED", "BIGINT"},
		{"BIGINT", "BIGINT"},
		{"BIGINT UNSIGNED", "DECIMAL(20, 0)"},
		{"TINYINT", "TINYINT"},
		{"TINYINT(1)", "BOOLEAN"},
		{"BOOLEAN", "BOOLEAN"},
		{"TINYINT UNSIGNED", "SMALLINT"},
		{"SMALLINT", "SMALLINT"},
		{"SMALLINT UNSIGNED", "INT"},
		{"MEDIUMINT", "INT"},
		{"MEDIUMINT UNSIGNED", "INT"},
		{"BIT(1)", "BOOLEAN"},
		{"DECIMAL(10,2)", "DECIMAL(10, 2)"},
		{"DECIMAL(10,2) UNSIGNED", "DECIMAL(11, 2)"},
		{"NUMERIC(5)", "DECIMAL(5, 0)"},
		{"FLOAT", "FLOAT"},
		{"DOUBLE", "DOUBLE"},
		{"DOUBLE UNSIGNED", "DOUBLE"},
		{"CHAR(3)", "CHAR(3)"},
		{"VARCHAR(20) NOT NULL", "VARCHAR(20) NOT NULL"},
		{"TINYTEXT", "VARCHAR(255)"},
		{"TEXT", "VARCHAR(65535)"},
		{"MEDIUMTEXT", "VARCHAR(16777215)"},
		{"LONGTEXT", "STRING"},
		{"JSON", "STRING"},
		{"DATE", "DATE"},
		{"TIME", "TIME(0)"},
		{"TIME(3)", "TIME(3)"},
		{"DATETIME", "TIMESTAMP(0)"},
		{"DATETIME(3)", "TIMESTAMP(3)"},
		{"DATETIME(6)", "TIMESTAMP(6)"},
		{"TIMESTAMP(2) NULL", "TIMESTAMP(2)"},
		{"BINARY(4)", "BYTES"},
		{"VARBINARY(10)", "BYTES"},
		{"BLOB", "BYTES"},
		{"LONGBLOB", "BYTES"},
	}
	var cols []string
	for i, c := range cases {
		cols = append(cols, "c"+strconv.Itoa(i)+" "+c.mysql)
	}
	db.Exec(t, "CREATE TABLE types ("+strings.Join(cols, ", ")+")",
		"CREATE TABLE keyed (b VARCHAR(4), a INT, v INT, PRIMARY KEY (a, b))",
		"CREATE TABLE y (y YEAR)",
		"CREATE TABLE e (id INT, e ENUM('a','b'))",
		"CREATE TABLE u (d DECIMAL(38,0) UNSIGNED)")
	c := openTestCatalog(t, db)
	tb, err := c.GetTable(db.Name, "types")
	if err != nil || tb == nil {
		t.Fatalf("GetTable: %v %v", tb, err)
	}
	if len(tb.Columns) != len(cases) {
		t.Fatalf("%d columns, want %d", len(tb.Columns), len(cases))
	}
	for i, c := range cases {
		if got := tb.Columns[i].Type.String(); got != c.flink || tb.Columns[i].Name != "c"+strconv.Itoa(i) {
			t.Errorf("%s: %s %s, want %s", c.mysql, tb.Columns[i].Name, got, c.flink)
		}
	}
	if tb.PrimaryKey != nil || tb.Options["table-name"] != "types" || tb.Options["connector"] != "jdbc" ||
		tb.Options["url"] != "jdbc:mysql://"+db.Config.Addr+"/"+db.Name {
		t.Errorf("table %+v", tb)
	}
	k, err := c.GetTable(db.Name, "keyed")
	if err != nil || strings.Join(k.PrimaryKey, ",") != "a,b" || k.PrimaryKeyName != "PRIMARY" || k.Columns[0].Type.Nullable() || !k.Columns[2].Type.Nullable() {
		t.Errorf("keyed: %+v %v", k, err)
	}
	if n, err := c.GetTable(db.Name, "nope"); n != nil || err != nil {
		t.Errorf("nope: %v %v", n, err)
	}
	for table, want := range map[string]string{
		"y": "Doesn't support MySQL type 'YEAR' on column 'y' in MySQL version ",
		"e": "Doesn't support MySQL type 'ENUM' on column 'e' in MySQL version ",
		"u": "Precision 38 of table " + db.Name + ".u column name d in type DECIMAL UNSIGNED exceeds DecimalType.MAX_PRECISION 38.",
	} {
		_, err := c.GetTable(db.Name, table)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", table, err, want)
		}
	}
	tables, err := c.ListTables(db.Name)
	if err != nil || len(tables) != 5 {
		t.Errorf("tables %v %v", tables, err)
	}
	dbs, err := c.ListDatabases()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, d := range dbs {
		found = found || d == db.Name
		if builtinDatabases[d] {
			t.Errorf("lists %s", d)
		}
	}
	if !found {
		t.Errorf("databases %v lack %s", dbs, db.Name)
	}
	if ok, err := c.DatabaseExists("mysql"); ok || err != nil {
		t.Errorf("mysql exists: %v %v", ok, err)
	}
	if ok, err := c.DatabaseExists(db.Name); !ok || err != nil {
		t.Errorf("%s exists: %v %v", db.Name, ok, err)
	}
}

// TestCatalogTableThroughConnector: the options of a catalog table make a
// working jdbc table (upsert with its key).
func TestCatalogTableThroughConnector(t *testing.T) {
	db := jdbctest.NewDatabase(t)
	db.Exec(t, "CREATE TABLE kv (k INT PRIMARY KEY, v VARCHAR(10))")
	c := openTestCatalog(t, db)
	ct, err := c.GetTable(db.Name, "kv")
	if err != nil {
		t.Fatal(err)
	}
	tb := &connectors.Table{Name: "cat." + db.Name + ".kv", Columns: ct.Columns, PrimaryKey: []int{0}, Options: ct.Options}
	if _, err := newConfig(tb); err != nil {
		t.Fatalf("the catalog's options are not a valid jdbc table: %v", err)
	}
}

func TestCatalogOpenErrors(t *testing.T) {
	for _, tc := range []struct {
		opts map[string]string
		want string
	}{
		{map[string]string{"base-url": "jdbc:mysql://127.0.0.1:3306/db", "default-database": "d", "username": "u", "password": "hunter2"},
			"Invalid 'base-url' of the jdbc catalog c: 'jdbc:mysql://127.0.0.1:3306/db'"},
		{map[string]string{"base-url": "jdbc:postgresql://h:5432", "default-database": "d", "username": "u", "password": "hunter2"},
			"Catalog for 'jdbc:postgresql://h:5432' is not supported yet"},
		{map[string]string{"base-url": "jdbc:mysql://u:hunter2@127.0.0.1:1", "default-database": "d", "username": "u", "password": "hunter2"},
			"Failed connecting to jdbc:mysql://u:******@127.0.0.1:1/d via JDBC: "},
		{map[string]string{"base-url": "jdbc:mysql://127.0.0.1:1", "default-database": "d", "username": "", "password": "hunter2"},
			"Option 'username' of the jdbc catalog c must not be empty."},
		{map[string]string{"base-url": "jdbc:mysql://127.0.0.1:1", "default-database": "d", "username": "u", "password": "p", "compatible-mode": "oracle"},
			"Unsupported 'compatible-mode' 'oracle'"},
	} {
		_, err := CatalogFactory{}.Open("c", tc.opts)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want %q", tc.opts, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("the password shows: %v", err)
		}
	}
}
