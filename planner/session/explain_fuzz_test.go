package session

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	_ "github.com/flinkgo/engine/connectors/all"
	"github.com/flinkgo/engine/sql"
)

// fuzzTables are the tables every EXPLAIN of FuzzExplain plans against:
// an event-time source with nested and decimal columns and a processing
// time attribute, a versioned dimension table, and a blackhole sink.
var fuzzTables = []string{
	`CREATE TABLE src (id BIGINT, name STRING, price DOUBLE, amount DECIMAL(10, 2), qty INT, flag BOOLEAN,
	  tags ARRAY<INT>, attrs MAP<STRING, BIGINT>, pos ROW<x INT, y STRING>, ts TIMESTAMP(3), pt AS PROCTIME(),
	  WATERMARK FOR ts AS ts - INTERVAL '5' SECOND) WITH ('connector' = 'datagen')`,
	`CREATE TABLE dim (k BIGINT, v STRING, w INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts,
	  PRIMARY KEY (k) NOT ENFORCED) WITH ('connector' = 'datagen')`,
	`CREATE TABLE snk (s STRING, n BIGINT) WITH ('connector' = 'blackhole')`,
}

// fuzzConfigs are the session configurations the fuzzer picks from.
var fuzzConfigs = []map[string]string{
	{"parallelism.default": "2"},
	{"parallelism.default": "1", "table.exec.mini-batch.enabled": "true", "table.exec.mini-batch.allow-latency": "1 s",
		"table.exec.mini-batch.size": "100", "table.optimizer.agg-phase-strategy": "TWO_PHASE"},
	{"parallelism.default": "3", "table.exec.state.ttl": "1 h", "table.exec.sink.upsert-materialize": "FORCE"},
}

// FuzzExplain plans queries through a Session: EXPLAIN of a query built
// from the fuzz bytes by a small grammar (projections, filters, functions,
// GROUP BY, joins, window TVFs, OVER, Top-N, UNNEST, unions, subqueries)
// so that most inputs reach the planner, or, when the first byte says so,
// of the raw bytes as text. Planning may fail with an error but must never
// panic and must finish within a few seconds. The seeds are the Nexmark
// queries and the plan test cases, run raw.
func FuzzExplain(f *testing.F) {
	f.Add([]byte{1, 0, 0, 0})
	// REPEAT of an empty string folded at planning time once looped k times.
	f.Add([]byte("\x00SELECT REPEAT('', 9223372036854775807), REPEAT(name, 9223372036854775807) FROM src"))
	for i := 0; i < 24; i++ {
		f.Add([]byte{byte(i + 1), byte(i), byte(i * 7), byte(i * 13), byte(i * 29), 3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5})
	}
	var raw []string
	for _, pattern := range []string{"../../testdata/nexmark/q*.sql", "../../testdata/plan/*.txt"} {
		files, _ := filepath.Glob(pattern)
		for _, path := range files {
			b, err := os.ReadFile(path)
			if err != nil {
				f.Fatal(err)
			}
			raw = append(raw, explainableQueries(string(b))...)
		}
	}
	for _, q := range raw {
		f.Add(append([]byte{0}, q...))
	}
	sessions := make([]*Session, len(fuzzConfigs))
	for i, cfg := range fuzzConfigs {
		s := New(Options{Config: cfg})
		f.Cleanup(s.Close)
		for _, ddl := range fuzzTables {
			st, err := sql.Parse(sql.Segment{Text: ddl})
			if err != nil {
				f.Fatal(err)
			}
			if _, err := s.Execute(st); err != nil {
				f.Fatalf("%s: %v", ddl, err)
			}
		}
		sessions[i] = s
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		s := sessions[int(data[0]>>4)%len(sessions)]
		var query string
		if data[0]&0x0f == 0 {
			query = string(data[1:])
		} else {
			g := &queryGen{b: data[1:]}
			query = g.query()
		}
		st, err := sql.Parse(sql.Segment{Text: "EXPLAIN " + query})
		if err != nil {
			return
		}
		// Planning runs in a goroutine so that a hang is reported; a panic
		// there is recovered and reported here, where the fuzzer records it.
		done := make(chan struct{})
		var panicked any
		var stack []byte
		go func() {
			defer close(done)
			defer func() {
				if panicked = recover(); panicked != nil {
					stack = debug.Stack()
				}
			}()
			_, _ = s.Execute(st)
		}()
		select {
		case <-done:
			if panicked != nil {
				t.Fatalf("EXPLAIN panicked: %v\n%s\n%s", panicked, query, stack)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("EXPLAIN did not finish within 20s:\n%s", query)
		}
	})
}

var insertSelect = regexp.MustCompile(`(?is)\b(INSERT\s+INTO\s+\S+\s+)?(SELECT\b.*)`)

// explainableQueries cuts the SELECT queries out of a script (a Nexmark
// query or a plan test case): the text after INSERT INTO x, or after the
// last "EXPLAIN", of every statement.
func explainableQueries(script string) []string {
	script, _, _ = strings.Cut(script, "\n----\n")
	var out []string
	for _, c := range strings.Split(script, "\n====\n") {
		c, _, _ = strings.Cut(c, "\n----\n")
		for _, seg := range sql.SplitScript(c) {
			text := strings.TrimSuffix(strings.TrimSpace(seg.Text), ";")
			if m := insertSelect.FindStringSubmatch(text); m != nil && !strings.HasPrefix(strings.ToUpper(text), "CREATE") {
				out = append(out, m[2])
			}
		}
	}
	return out
}

// queryGen builds a mostly valid query over the fuzz tables from bytes:
// every choice consumes one byte (zero once the bytes run out, so every
// input ends in the simplest alternatives).
type queryGen struct {
	b     []byte
	depth int
	// the relation the expressions range over
	num, str, boo, ts []string
}

func (g *queryGen) pick(n int) int {
	if len(g.b) == 0 || n <= 1 {
		return 0
	}
	v := int(g.b[0]) % n
	g.b = g.b[1:]
	return v
}

func (g *queryGen) oneOf(s ...string) string { return s[g.pick(len(s))] }

func (g *queryGen) small() int { return g.pick(10) }

// scope sets the columns the expressions use: src as s, and optionally
// dim as d and the window columns.
func (g *queryGen) scope(dim, window bool) {
	g.num = []string{"s.id", "s.price", "s.amount", "s.qty", "s.pos.x", "s.tags[1]", "s.attrs['a']", "CARDINALITY(s.tags)"}
	g.str = []string{"s.name", "s.pos.y"}
	g.boo = []string{"s.flag"}
	g.ts = []string{"s.ts"}
	if dim {
		g.num = append(g.num, "d.k", "d.w")
		g.str = append(g.str, "d.v")
		g.ts = append(g.ts, "d.ts")
	}
	if window {
		g.ts = append(g.ts, "s.window_start", "s.window_end")
	}
}

func (g *queryGen) deeper() bool { return g.depth < 4 && g.pick(3) != 0 }

func (g *queryGen) numExpr() string {
	if !g.deeper() {
		switch g.pick(4) {
		case 0, 1:
			return g.oneOf(g.num...)
		case 2:
			return g.oneOf("1", "0", "-7", "2.5", "CAST(NULL AS INT)", "12345678901", "1e3", "0.001")
		}
		return g.oneOf(g.num...)
	}
	g.depth++
	defer func() { g.depth-- }()
	switch g.pick(16) {
	case 0:
		return "(" + g.numExpr() + " " + g.oneOf("+", "-", "*", "/", "%") + " " + g.numExpr() + ")"
	case 1:
		return g.oneOf("ABS", "FLOOR", "CEIL", "SIGN", "SQRT", "LN", "EXP") + "(" + g.numExpr() + ")"
	case 2:
		return fmt.Sprintf("ROUND(%s, %d)", g.numExpr(), g.small())
	case 3:
		return "CAST(" + g.anyExpr() + " AS " + g.oneOf("INT", "BIGINT", "DOUBLE", "DECIMAL(12, 3)", "TINYINT", "FLOAT") + ")"
	case 4:
		return "CHAR_LENGTH(" + g.strExpr() + ")"
	case 5:
		return "CASE WHEN " + g.boolExpr() + " THEN " + g.numExpr() + " ELSE " + g.numExpr() + " END"
	case 6:
		return g.oneOf("COALESCE", "GREATEST", "LEAST", "NULLIF", "MOD", "POWER") + "(" + g.numExpr() + ", " + g.numExpr() + ")"
	case 7:
		return g.oneOf("YEAR", "MONTH", "HOUR", "MINUTE", "SECOND", "DAYOFWEEK") + "(" + g.tsExpr() + ")"
	case 8:
		return "TIMESTAMPDIFF(" + g.oneOf("SECOND", "MINUTE", "DAY") + ", " + g.tsExpr() + ", " + g.tsExpr() + ")"
	case 9:
		return "EXTRACT(" + g.oneOf("HOUR", "DAY", "YEAR") + " FROM " + g.tsExpr() + ")"
	case 10:
		return "-" + g.numExpr()
	case 11:
		return "IF(" + g.boolExpr() + ", " + g.numExpr() + ", " + g.numExpr() + ")"
	case 12:
		return "TRY_CAST(" + g.strExpr() + " AS " + g.oneOf("INT", "DECIMAL(5, 2)", "DOUBLE") + ")"
	case 13:
		return "POSITION(" + g.strExpr() + " IN " + g.strExpr() + ")"
	case 14:
		return "CARDINALITY(ARRAY[" + g.numExpr() + ", " + g.numExpr() + "])"
	}
	return "UNIX_TIMESTAMP(" + g.strExpr() + ")"
}

func (g *queryGen) strExpr() string {
	if !g.deeper() {
		if g.pick(3) == 2 {
			return g.oneOf("'a'", "''", "'x%y'", "'2020-01-01 00:00:00'", "CAST(NULL AS STRING)", "'é'")
		}
		return g.oneOf(g.str...)
	}
	g.depth++
	defer func() { g.depth-- }()
	switch g.pick(14) {
	case 0:
		return g.oneOf("UPPER", "LOWER", "TRIM", "LTRIM", "REVERSE", "INITCAP", "MD5", "TO_BASE64") + "(" + g.strExpr() + ")"
	case 1:
		return "CONCAT(" + g.strExpr() + ", " + g.strExpr() + ")"
	case 2:
		return "(" + g.strExpr() + " || " + g.strExpr() + ")"
	case 3:
		return fmt.Sprintf("SUBSTRING(%s, %d, %d)", g.strExpr(), g.small(), g.small())
	case 4:
		return "CAST(" + g.anyExpr() + " AS " + g.oneOf("STRING", "VARCHAR(3)", "CHAR(2)") + ")"
	case 5:
		return "DATE_FORMAT(" + g.tsExpr() + ", " + g.oneOf("'yyyy-MM-dd'", "'HH:mm'", "''") + ")"
	case 6:
		return "REPLACE(" + g.strExpr() + ", " + g.strExpr() + ", " + g.strExpr() + ")"
	case 7:
		return "REGEXP_EXTRACT(" + g.strExpr() + ", " + g.oneOf("'a(.)'", "'('", "'[0-9]+'") + fmt.Sprintf(", %d)", g.pick(3))
	case 8:
		return "COALESCE(" + g.strExpr() + ", " + g.strExpr() + ")"
	case 9:
		return "CASE WHEN " + g.boolExpr() + " THEN " + g.strExpr() + " END"
	case 10:
		return fmt.Sprintf("%s(%s, %d, %s)", g.oneOf("LPAD", "RPAD"), g.strExpr(), g.small(), g.strExpr())
	case 11:
		return fmt.Sprintf("SPLIT_INDEX(%s, ',', %d)", g.strExpr(), g.small())
	case 12:
		return "CONCAT_WS(" + g.strExpr() + ", " + g.strExpr() + ", " + g.strExpr() + ")"
	}
	return "IF(" + g.boolExpr() + ", " + g.strExpr() + ", " + g.strExpr() + ")"
}

func (g *queryGen) boolExpr() string {
	if !g.deeper() {
		return g.oneOf(append([]string{"TRUE", "FALSE", "CAST(NULL AS BOOLEAN)"}, g.boo...)...)
	}
	g.depth++
	defer func() { g.depth-- }()
	switch g.pick(12) {
	case 0, 1:
		return g.numExpr() + " " + g.oneOf("=", "<>", "<", "<=", ">", ">=") + " " + g.numExpr()
	case 2:
		return g.strExpr() + " " + g.oneOf("=", "<>", "<", ">=") + " " + g.strExpr()
	case 3:
		return "(" + g.boolExpr() + " " + g.oneOf("AND", "OR") + " " + g.boolExpr() + ")"
	case 4:
		return "NOT " + g.boolExpr()
	case 5:
		return g.anyExpr() + g.oneOf(" IS NULL", " IS NOT NULL")
	case 6:
		return g.strExpr() + g.oneOf(" LIKE ", " NOT LIKE ", " SIMILAR TO ") + g.oneOf("'a%'", "'_'", "'%\\_%' ESCAPE '\\'")
	case 7:
		return g.numExpr() + g.oneOf(" BETWEEN ", " NOT BETWEEN ") + g.numExpr() + " AND " + g.numExpr()
	case 8:
		return g.numExpr() + g.oneOf(" IN (", " NOT IN (") + g.numExpr() + ", " + g.numExpr() + ")"
	case 9:
		return g.tsExpr() + " " + g.oneOf("<", ">=", "=") + " " + g.tsExpr()
	case 10:
		return g.boolExpr() + g.oneOf(" IS TRUE", " IS NOT FALSE", " IS DISTINCT FROM FALSE")
	}
	return g.numExpr() + g.oneOf(" IN (SELECT k FROM dim)", " NOT IN (SELECT w FROM dim)") +
		g.oneOf("", " AND EXISTS (SELECT 1 FROM dim WHERE dim.k = s.id)")
}

func (g *queryGen) tsExpr() string {
	if !g.deeper() {
		return g.oneOf(g.ts...)
	}
	g.depth++
	defer func() { g.depth-- }()
	switch g.pick(5) {
	case 0:
		return g.tsExpr() + g.oneOf(" + ", " - ") + "INTERVAL '" + fmt.Sprint(g.small()) + "' " + g.oneOf("SECOND", "MINUTE", "HOUR", "DAY")
	case 1:
		return g.oneOf("CURRENT_TIMESTAMP", "LOCALTIMESTAMP", "TO_TIMESTAMP('2020-01-01 00:00:00')")
	case 2:
		return "TIMESTAMPADD(" + g.oneOf("SECOND", "HOUR") + ", " + g.numExpr() + ", " + g.tsExpr() + ")"
	case 3:
		return "CAST(" + g.strExpr() + " AS TIMESTAMP(3))"
	}
	return "FLOOR(" + g.tsExpr() + " TO " + g.oneOf("MINUTE", "HOUR") + ")"
}

func (g *queryGen) anyExpr() string {
	switch g.pick(4) {
	case 0:
		return g.numExpr()
	case 1:
		return g.strExpr()
	case 2:
		return g.boolExpr()
	}
	return g.tsExpr()
}

func (g *queryGen) aggExpr() string {
	switch g.pick(10) {
	case 0:
		return "COUNT(*)"
	case 1:
		return "COUNT(" + g.oneOf("", "DISTINCT ") + g.anyExpr() + ")"
	case 2:
		return g.oneOf("SUM", "AVG", "MIN", "MAX") + "(" + g.numExpr() + ")"
	case 3:
		return g.oneOf("MIN", "MAX", "FIRST_VALUE", "LAST_VALUE") + "(" + g.strExpr() + ")"
	case 4:
		return "LISTAGG(" + g.strExpr() + g.oneOf("", ", ';'") + ")"
	case 5:
		return g.oneOf("STDDEV_POP", "VAR_SAMP", "SUM") + "(" + g.numExpr() + ")"
	case 6:
		return "SUM(" + g.numExpr() + ") FILTER (WHERE " + g.boolExpr() + ")"
	case 7:
		return "COUNT(DISTINCT " + g.strExpr() + ") FILTER (WHERE " + g.boolExpr() + ")"
	case 8:
		return "MAX(" + g.tsExpr() + ")"
	}
	return "(" + g.aggExpr() + " + 1)"
}

// selectList is n expressions named c0..cn-1.
func (g *queryGen) selectList(n int) string {
	items := make([]string, n)
	for i := range items {
		items[i] = fmt.Sprintf("%s AS c%d", g.anyExpr(), i)
	}
	return strings.Join(items, ", ")
}

func (g *queryGen) where() string {
	if g.pick(2) == 0 {
		return ""
	}
	return " WHERE " + g.boolExpr()
}

func (g *queryGen) window() string {
	tbl := g.oneOf("TABLE src", "TABLE src", "TABLE dim")
	time := g.oneOf("ts", "ts", "pt")
	switch g.pick(3) {
	case 0:
		return fmt.Sprintf("TABLE(TUMBLE(%s, DESCRIPTOR(%s), INTERVAL '%d' SECOND))", tbl, time, g.small()+1)
	case 1:
		return fmt.Sprintf("TABLE(HOP(%s, DESCRIPTOR(%s), INTERVAL '%d' SECOND, INTERVAL '%d' SECOND))", tbl, time, g.small()+1, g.small()+1)
	}
	step := g.small() + 1
	return fmt.Sprintf("TABLE(CUMULATE(%s, DESCRIPTOR(%s), INTERVAL '%d' SECOND, INTERVAL '%d' SECOND))", tbl, time, step, step*(g.small()+1))
}

// query returns one query of one of the forms below.
func (g *queryGen) query() string { return g.form(g.pick(14)) }

// form returns a query of the given form; forms 0, 3, 4, 5 and 9 have a
// column c0.
func (g *queryGen) form(form int) string {
	n := g.pick(3) + 1
	g.scope(false, false)
	switch form {
	case 0: // projection and filter
		return "SELECT " + g.oneOf("", "DISTINCT ") + g.selectList(n) + " FROM src AS s" + g.where()
	case 1: // group aggregation
		key := g.oneOf("s.name", "s.id", "s.qty", "s.pos.y", "s.flag")
		q := "SELECT " + key + " AS k, " + g.aggExpr() + " AS a FROM src AS s" + g.where() + " GROUP BY " + key
		if g.pick(2) == 1 {
			q += " HAVING " + g.aggExpr() + " > " + fmt.Sprint(g.small())
		}
		return q
	case 2: // window aggregation
		g.scope(false, true)
		key := g.oneOf("", ", s.name", ", s.id")
		return "SELECT s.window_start, s.window_end" + key + ", " + g.aggExpr() + " AS a FROM " + g.window() + " AS s" +
			g.where() + " GROUP BY s.window_start, s.window_end" + key + g.oneOf("", ", s.window_time")
	case 3: // regular join
		g.scope(true, false)
		return "SELECT " + g.selectList(n) + " FROM src AS s " + g.oneOf("JOIN", "LEFT JOIN", "RIGHT JOIN", "FULL JOIN") +
			" dim AS d ON s.id = d.k" + g.oneOf("", " AND "+g.boolExpr()) + g.where()
	case 4: // interval join
		g.scope(true, false)
		return "SELECT " + g.selectList(n) + " FROM src AS s" + g.oneOf(", dim AS d WHERE", " JOIN dim AS d ON") +
			" s.id = d.k AND s.ts BETWEEN d.ts - INTERVAL '" + fmt.Sprint(g.small()) + "' SECOND AND d.ts" + g.oneOf("", " + INTERVAL '1' MINUTE")
	case 5: // temporal and lookup-style joins
		g.scope(true, false)
		return "SELECT " + g.selectList(n) + " FROM src AS s " + g.oneOf("JOIN", "LEFT JOIN") + " dim FOR SYSTEM_TIME AS OF s." +
			g.oneOf("ts", "pt") + " AS d ON s.id = d.k" + g.where()
	case 6: // Top-N and deduplication
		order := g.oneOf("s.price DESC", "s.ts", "s.pt", "s.ts DESC", "s.id, s.qty DESC")
		return "SELECT * FROM (SELECT s.id, s.name, s.ts, ROW_NUMBER() OVER (PARTITION BY " + g.oneOf("s.name", "s.id", "s.pos.y") +
			" ORDER BY " + order + ") AS rn FROM src AS s" + g.where() + ") WHERE rn " + g.oneOf("= 1", "<= 3", "< "+fmt.Sprint(g.small()))
	case 7: // OVER aggregation
		frame := g.oneOf("", " ROWS BETWEEN 2 PRECEDING AND CURRENT ROW", " RANGE BETWEEN INTERVAL '1' MINUTE PRECEDING AND CURRENT ROW",
			" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW")
		return "SELECT s.id, " + g.oneOf("SUM(s.price)", "COUNT(*)", "MAX(s.name)", "AVG(s.qty)", "ROW_NUMBER()") + " OVER (PARTITION BY s." +
			g.oneOf("name", "id") + " ORDER BY s." + g.oneOf("ts", "pt") + frame + ") AS o FROM src AS s" + g.where()
	case 8: // UNNEST
		return "SELECT s.id, t.x" + g.oneOf("", ", t.x + s.qty") + " FROM src AS s " + g.oneOf("CROSS JOIN", "LEFT JOIN", "JOIN") +
			" UNNEST(s.tags) AS t(x)" + g.oneOf(" ON TRUE", "") + g.where()
	case 9: // union
		return "SELECT " + g.numExpr() + " AS c0, " + g.strExpr() + " AS c1 FROM src AS s" + g.where() +
			" UNION ALL SELECT " + g.numExpr() + " AS c0, " + g.strExpr() + " AS c1 FROM src AS s" + g.where()
	case 10: // aggregation over a subquery
		inner := g.form([]int{0, 3, 4, 5, 9}[g.pick(5)])
		return "SELECT c0, COUNT(*) AS n FROM (" + inner + ") AS q GROUP BY c0"
	case 11: // window join
		w := g.window()
		return "SELECT l.window_start, l.id, r.k FROM (SELECT * FROM " + w + ") AS l " + g.oneOf("JOIN", "LEFT JOIN", "FULL JOIN") +
			" (SELECT d.*, d.window_start AS ws FROM TABLE(TUMBLE(TABLE dim, DESCRIPTOR(ts), INTERVAL '" + fmt.Sprint(g.small()+1) +
			"' SECOND)) AS d) AS r ON l.id = r.k AND l.window_start = r.window_start AND l.window_end = r.window_end"
	case 12: // legacy group windows and sessions
		return "SELECT s.name, " + g.oneOf("TUMBLE", "HOP", "SESSION") + "_START(s.ts, INTERVAL '" + fmt.Sprint(g.small()+1) +
			"' SECOND) AS ws, " + g.aggExpr() + " AS a FROM src AS s GROUP BY s.name, " +
			g.oneOf("TUMBLE(s.ts, INTERVAL '1' SECOND)", "SESSION(s.ts, INTERVAL '1' SECOND)", "HOP(s.ts, INTERVAL '1' SECOND, INTERVAL '2' SECOND)")
	}
	// into the sink, casting to its types
	return "INSERT INTO snk SELECT CAST(" + g.strExpr() + " AS STRING), CAST(" + g.numExpr() + " AS BIGINT) FROM src AS s" + g.where()
}
