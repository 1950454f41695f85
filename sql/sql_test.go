package sql

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/pingcap/tidb/pkg/parser/ast"
)

func TestSplitScript(t *testing.T) {
	script := "SET 'a' = 'b';\n-- c;\nSELECT ';' /* ; */, `;`\n  FROM t;;\n\nEXECUTE STATEMENT SET BEGIN\n INSERT INTO x SELECT 1;\nEND;\nSELECT 2"
	want := []Segment{
		{Text: "SET 'a' = 'b'", Pos: Pos{Offset: 0, Line: 1, Col: 1}},
		{Text: "SELECT ';' /* ; */, `;`\n  FROM t", Pos: Pos{Offset: strings.Index(script, "SELECT ';'"), Line: 3, Col: 1}},
		{Text: "EXECUTE STATEMENT SET BEGIN\n INSERT INTO x SELECT 1;\nEND", Pos: Pos{Offset: strings.Index(script, "EXECUTE"), Line: 6, Col: 1}},
		{Text: "SELECT 2", Pos: Pos{Offset: strings.Index(script, "SELECT 2"), Line: 9, Col: 1}},
	}
	got := SplitScript(script)
	if len(got) != len(want) {
		t.Fatalf("got %d segments: %+v", len(got), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("segment %d: got %q at %+v, want %q at %+v", i, got[i].Text, pos(got[i].Pos), want[i].Text, pos(want[i].Pos))
		}
		if s := script[got[i].Pos.Offset : got[i].Pos.Offset+len(got[i].Text)]; s != got[i].Text {
			t.Errorf("segment %d: offset does not point at its text: %q", i, s)
		}
	}
}

func TestComplete(t *testing.T) {
	for in, want := range map[string]bool{
		"":                            false,
		"   ":                         false,
		";":                           true,
		"SELECT 1;":                   true,
		"SELECT 1;  \n":               true,
		"SELECT 1":                    false,
		"SELECT ';'":                  false,
		"SELECT `;":                   false, // Flink reads on while a quote is open
		"SELECT /*;\n":                false,
		"SELECT /*;\n'*/ 1;":          true,
		"SELECT ';\n';":               true,
		"SELECT 'a;\n  b":             false,
		"SELECT 1 -- ;":               false,
		"SELECT 1; -- more":           true,
		"SELECT 1; /* open":           false,
		"SELECT 1 /* ; */":            false,
		"SELECT 1 /* ; */;":           true,
		"execute statement set begin": false,
		"EXECUTE STATEMENT SET BEGIN INSERT INTO a SELECT 1;":      false,
		"EXECUTE STATEMENT SET BEGIN INSERT INTO a SELECT 1; END":  false,
		"EXECUTE STATEMENT SET BEGIN INSERT INTO a SELECT 1; END;": true,
		"BEGIN STATEMENT SET;": true,
	} {
		if got := Complete(in); got != want {
			t.Errorf("Complete(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestLocate(t *testing.T) {
	script := "INSERT INTO s\nSELECT CAST(`Price` AS STRING),\n  my_func(x)\nFROM t"
	sts, err := ParseScript(script)
	if err != nil {
		t.Fatal(err)
	}
	q := sts[0].(*Insert).Query
	if got, want := q.Locate("price"), (Pos{Offset: strings.Index(script, "`Price`"), Line: 2, Col: 13}); got != want {
		t.Errorf("Locate(price) = %s, want %s", pos(got), pos(want))
	}
	if got, want := q.Locate("MY_FUNC"), (Pos{Offset: strings.Index(script, "my_func"), Line: 3, Col: 3}); got != want {
		t.Errorf("Locate(MY_FUNC) = %s, want %s", pos(got), pos(want))
	}
	if got := q.Locate("nope"); got != (Pos{}) {
		t.Errorf("Locate(nope) = %+v, want zero", got)
	}

	script = "CREATE TABLE t (\n  a INT,\n  b AS UPPER(a) || 'x'\n)"
	sts, err = ParseScript(script)
	if err != nil {
		t.Fatal(err)
	}
	x := sts[0].(*CreateTable).Columns[1].Computed
	if got, want := x.Locate("upper"), (Pos{Offset: strings.Index(script, "UPPER"), Line: 3, Col: 8}); got != want {
		t.Errorf("Expr.Locate(upper) = %s, want %s", pos(got), pos(want))
	}
}

// TestRewritesPos checks that offsets TiDB records in the rewritten text map
// back to the user's text.
func TestRewritesPos(t *testing.T) {
	script := "SELECT CAST(a AS STRING) AS s,\n  INTERVAL '1' DAY AS d,\n  bcol FROM t"
	sts, err := ParseScript(script)
	if err != nil {
		t.Fatal(err)
	}
	q := sts[0].(*Select).Query
	sel := q.Node.(*ast.SelectStmt)
	f := sel.Fields.Fields[2]
	if got, want := q.Rewrites.Pos(f.Offset), (Pos{Offset: strings.Index(script, "bcol"), Line: 3, Col: 3}); got != want {
		t.Errorf("third field at %s, want %s (rewritten: %q)", pos(got), pos(want), q.Rewrites.Text)
	}
	if got, want := q.Rewrites.Pos(sel.Fields.Fields[1].Offset), (Pos{Offset: strings.Index(script, "INTERVAL"), Line: 2, Col: 3}); got != want {
		t.Errorf("second field at %s, want %s", pos(got), pos(want))
	}
}

// pos shows a position with its offset.
func pos(p Pos) string {
	return fmt.Sprintf("%d:%d(%d)", p.Line, p.Col, p.Offset)
}

// TestNexmark parses the Nexmark benchmark queries as the runner assembles
// them.
func TestNexmark(t *testing.T) {
	dir := "../../shared/nexmark"
	if _, err := os.Stat(dir); err != nil {
		dir = "/work/shared/nexmark"
	}
	qs, _ := filepath.Glob(filepath.Join(dir, "q*.sql"))
	if len(qs) == 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("nexmark queries not found beside the checkout (../shared/nexmark)")
		}
		t.Skip("nexmark queries not available")
	}
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	subst := strings.NewReplacer("${NEXMARK_TABLE}", "datagen", "${TPS}", "10000", "${EVENTS_NUM}", "100",
		"${PERSON_PROPORTION}", "1", "${AUCTION_PROPORTION}", "3", "${BID_PROPORTION}", "46")
	ddl := read("ddl_gen.sql") + ";\n" + read("ddl_views.sql") + ";\n"
	for _, q := range qs {
		script := subst.Replace(ddl + read(filepath.Base(q)))
		sts, err := ParseScript(script)
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(q), err)
			continue
		}
		if len(sts) < 5 {
			t.Errorf("%s: only %d statements", filepath.Base(q), len(sts))
		}
	}
}

func TestConcurrentParse(t *testing.T) {
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 50; j++ {
				if _, err := ParseScript("SELECT CAST(a AS STRING), ARRAY[1] FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '1' SECOND));"); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestErrorIsMessage(t *testing.T) {
	e := &Error{Pos: Pos{Line: 1, Col: 4}, Msg: "m"}
	if got, want := e.Error(), "m"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if e.FlinkClass() != ClassParseException {
		t.Errorf("class %q", e.FlinkClass())
	}
}

// FuzzParse splits and parses arbitrary text; nothing may panic.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("../testdata/parse/*.txt")
	for _, path := range files {
		b, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		for _, chunk := range strings.Split(string(b), "\n----\n") {
			f.Add(chunk)
		}
	}
	f.Add("SELECT * FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '1' SECOND)) AS w(a, b)")
	f.Add("EXECUTE STATEMENT SET BEGIN INSERT INTO a SELECT x[1] FILTER (WHERE y) FROM UNNEST(z) t(c); END")
	f.Fuzz(func(t *testing.T, s string) {
		Complete(s)
		for _, seg := range SplitScript(s) {
			st, err := Parse(seg)
			if err != nil {
				e, ok := err.(*Error)
				if !ok {
					t.Fatalf("error of type %T", err)
				}
				_ = e.Error()
				continue
			}
			_ = Format(st)
			if sel, ok := st.(*Select); ok {
				sel.Query.Locate("a")
			}
		}
		_, _ = ParseScript(s)
	})
}

// TestLongQueryError checks the error position when TiDB cuts the text it
// quotes (after 2048 characters).
func TestLongQueryError(t *testing.T) {
	script := "SELECT CAST(a AS STRING)\nFROM t\nWHERE b = = 1" + strings.Repeat(" AND c = 'xxxxxxxxxx'", 200)
	_, err := ParseScript(script)
	e, ok := err.(*Error)
	if !ok {
		t.Fatalf("got %v", err)
	}
	if e.Pos.Line != 3 || e.Pos.Col != 11 || !strings.HasPrefix(e.Msg, `Encountered "=" at line 3, column 11.`) {
		t.Errorf("got %s: %s", pos(e.Pos), e.Msg)
	}
}
