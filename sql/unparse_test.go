package sql

import (
	"slices"
	"testing"
)

// TestUnparse: expressions render as Flink stores them (Calcite's unparse):
// quoted identifiers, upper-case calls, canonical INTERVAL, parentheses
// only where precedence needs them.
func TestUnparse(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"ts - INTERVAL '1' SECOND", "`ts` - INTERVAL '1' SECOND"},
		{"ts - interval '1' seconds", "`ts` - INTERVAL '1' SECOND"},
		{"ts - INTERVAL '1 02' DAY TO HOUR", "`ts` - INTERVAL '1 02' DAY TO HOUR"},
		{"PROCTIME()", "PROCTIME()"},
		{"coalesce(product, 'it''s')", "COALESCE(`product`, 'it''s')"},
		{"(a + b) * c", "(`a` + `b`) * `c`"},
		{"a + (b * c)", "`a` + `b` * `c`"},
		{"a - (b - c)", "`a` - (`b` - `c`)"},
		{"(a - b) - c", "`a` - `b` - `c`"},
		{"-a + 1.50", "-`a` + 1.50"},
		{"CAST(x AS INT) + TRY_CAST(y AS VARCHAR(3))", "CAST(`x` AS INTEGER) + TRY_CAST(`y` AS VARCHAR(3))"},
		{"a IS NOT NULL AND NOT b OR c = TRUE", "`a` IS NOT NULL AND NOT `b` OR `c` = TRUE"},
		{"a AND (b OR c)", "`a` AND (`b` OR `c`)"},
		{"CASE WHEN a > 1 THEN 'x' ELSE NULL END", "CASE WHEN `a` > 1 THEN 'x' ELSE NULL END"},
		{"a BETWEEN 1 AND 2", "`a` BETWEEN ASYMMETRIC 1 AND 2"},
		{"a NOT BETWEEN ASYMMETRIC 1 AND 2", "`a` NOT BETWEEN ASYMMETRIC 1 AND 2"},
		{"a NOT IN (1, 2) AND b LIKE 'x%'", "`a` NOT IN (1, 2) AND `b` LIKE 'x%'"},
		{"arr[1] + CARDINALITY(ARRAY[1, 2])", "`arr`[1] + CARDINALITY(ARRAY[1, 2])"},
		{"MAP['a', 1]", "MAP['a', 1]"},
		{"CONCAT(a, b)", "CONCAT(`a`, `b`)"},
		{"FLOOR(ts TO HOUR)", "FLOOR(`ts` TO HOUR)"},
		{"CURRENT_TIMESTAMP", "CURRENT_TIMESTAMP"},
		{"`user` || 'x'", "`user` || 'x'"},
	} {
		x, err := parseExpr(c.in, Pos{Line: 1, Col: 1}, nil)
		if err != nil {
			t.Errorf("%s: %v", c.in, err)
			continue
		}
		if got := x.Unparse(); got != c.want {
			t.Errorf("%s: got %s, want %s", c.in, got, c.want)
		}
	}
}

func TestColumnRefs(t *testing.T) {
	x, err := parseExpr("a + COALESCE(b, a) * CAST(c AS INT)", Pos{Line: 1, Col: 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := x.ColumnRefs(); !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Errorf("got %v", got)
	}
}

func TestParseDataType(t *testing.T) {
	for _, s := range []string{"INT NOT NULL", "STRING", "TIMESTAMP_LTZ(3)", "ROW<`a` INT, `b` ARRAY<STRING>>", "DECIMAL(10, 2)"} {
		dt, err := ParseDataType(s)
		if err != nil {
			t.Errorf("%s: %v", s, err)
			continue
		}
		if dt.String() != s {
			t.Errorf("%s: round trip %s", s, dt)
		}
	}
	if _, err := ParseDataType("INT garbage"); err == nil {
		t.Error("no error for trailing text")
	}
}

// TestExpanded: a view's query expanded as Flink stores it, and the forms
// the expansion leaves as written.
func TestExpanded(t *testing.T) {
	resolve := func(n ObjectName) ([]string, []string, bool) {
		cols := map[string][]string{"t": {"a", "b"}, "u": {"a", "c"}}[n.Name()]
		return []string{"cat", "db", n.Name()}, cols, cols != nil
	}
	for _, c := range []struct{ in, want string }{
		{"SELECT * FROM t", "SELECT `t`.`a`, `t`.`b`\nFROM `cat`.`db`.`t` AS `t`"},
		{"SELECT DISTINCT b + 1 AS x FROM cat.db.t AS v WHERE v.a IS NULL",
			"SELECT DISTINCT `v`.`b` + 1 AS `x`\nFROM `cat`.`db`.`t` AS `v`\nWHERE `v`.`a` IS NULL"},
		{"SELECT t.a, c FROM t JOIN u ON t.a = u.a", "SELECT `t`.`a`, `u`.`c`\nFROM `cat`.`db`.`t` AS `t`\nINNER JOIN `cat`.`db`.`u` AS `u` ON `t`.`a` = `u`.`a`"},
		{"SELECT u.* FROM t FULL JOIN u ON t.b = u.c", "SELECT `u`.`a`, `u`.`c`\nFROM `cat`.`db`.`t` AS `t`\nFULL JOIN `cat`.`db`.`u` AS `u` ON `t`.`b` = `u`.`c`"},
		{"SELECT a FROM t JOIN u ON t.a = u.a", ""},             // ambiguous column
		{"SELECT a FROM t ORDER BY a", ""},                      // ORDER BY
		{"SELECT a FROM t UNION ALL SELECT a FROM u", ""},       // set operation
		{"SELECT a FROM (SELECT a FROM t)", ""},                 // subquery
		{"SELECT a FROM nowhere", ""},                           // unknown table
		{"SELECT a, ROW_NUMBER() OVER (ORDER BY a) FROM t", ""}, // window function
	} {
		q, err := parseQuery(c.in, Pos{Line: 1, Col: 1}, nil)
		if err != nil {
			t.Fatalf("%s: %v", c.in, err)
		}
		got, ok := q.Expanded(resolve)
		if ok != (c.want != "") || got != c.want {
			t.Errorf("%s: got %q (%v), want %q", c.in, got, ok, c.want)
		}
	}
}
