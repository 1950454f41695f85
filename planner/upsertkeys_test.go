package planner

import (
	"errors"
	"flag"
	"os"
	"reflect"
	"strings"
	"testing"

	_ "github.com/flinkgo/engine/connectors/blackhole"
	_ "github.com/flinkgo/engine/connectors/datagen"
	_ "github.com/flinkgo/engine/connectors/filesystem"
	_ "github.com/flinkgo/engine/connectors/formats"
	_ "github.com/flinkgo/engine/connectors/jdbc"
	_ "github.com/flinkgo/engine/connectors/kafka"
	_ "github.com/flinkgo/engine/connectors/print"
	"github.com/flinkgo/engine/sql"
)

var rewrite = flag.Bool("rewrite", false, "rewrite the expected outputs under planner/testdata")

// explainKeys renders an optimized plan as EXPLAIN does, each node with
// its upsert keys (column names), as Flink's plan advice shows them.
func explainKeys(n Node) string {
	var b strings.Builder
	var walk func(n Node, prefix string, last, root bool)
	walk = func(n Node, prefix string, last, root bool) {
		line := n.Describe()
		if n.Changelog() == Updating {
			line += ", changelogMode=[I,UB,UA,D]"
		}
		if keys := upsertKeys(n); keys != nil {
			cols := n.Schema()
			parts := make([]string, len(keys))
			for i, k := range keys {
				names := make([]string, len(k))
				for j, c := range k {
					names[j] = cols[c].Name
				}
				parts[i] = "[" + strings.Join(names, ", ") + "]"
			}
			line += ", upsertKeys=[" + strings.Join(parts, ", ") + "]"
		}
		if root {
			b.WriteString(line + "\n")
		} else {
			b.WriteString(prefix + "+- " + line + "\n")
			if last {
				prefix += "   "
			} else {
				prefix += ":  "
			}
		}
		ins := n.Inputs()
		for i, in := range ins {
			walk(in, prefix, i == len(ins)-1, false)
		}
	}
	walk(n, "", true, true)
	return b.String()
}

// runKeysCase plans a script (CREATE TABLE / VIEW, SET, then one SELECT or
// INSERT) and renders the optimized plan of its last statement with the
// upsert keys, or the error.
func runKeysCase(t *testing.T, script string) string {
	t.Helper()
	stmts, err := sql.ParseScript(script)
	if err != nil {
		return "error: " + err.Error()
	}
	p := &Planner{Catalog: NewCatalog(), Config: NewConfig()}
	for i, st := range stmts {
		var out Node
		var err error
		switch x := st.(type) {
		case *sql.CreateTable:
			var tb *Table
			if tb, err = p.Catalog.BuildTable(x); err == nil {
				p.Catalog.AddTable(tb)
			}
		case *sql.CreateView:
			var q Node
			var name string
			if name, err = p.Catalog.QualifiedName(x.Name); err == nil {
				if q, err = p.PlanQuery(x.Query); err == nil {
					p.Catalog.AddView(&View{Name: name, Query: x.Query, Columns: q.Schema()})
				}
			}
		case *sql.Set:
			p.Config.Set(x.Key, x.Value)
		case *sql.Select:
			var q Node
			if q, err = p.PlanQuery(x.Query); err == nil {
				out = Optimize(&Sink{Input: q, Collect: true}).(*Sink).Input
			}
		case *sql.Insert:
			var s *Sink
			if s, err = p.PlanInsert(x); err == nil {
				out = Optimize(s)
			}
		default:
			t.Fatalf("unsupported statement %T", st)
		}
		if err != nil {
			if i < len(stmts)-1 {
				t.Fatalf("statement %d of\n%s\nfailed: %v", i+1, script, err)
			}
			var fc interface{ FlinkClass() string }
			if errors.As(err, &fc) {
				return "error: " + fc.FlinkClass() + ": " + err.Error()
			}
			return "error: " + err.Error()
		}
		if i == len(stmts)-1 {
			return explainKeys(out)
		}
	}
	return ""
}

// TestUpsertKeys runs the datadriven cases of testdata/upsert_keys.txt:
// each case is a script, "----", and its last statement's optimized plan
// with every node's upsert keys (or the error). Regenerate with
// go test ./planner -run TestUpsertKeys -rewrite
func TestUpsertKeys(t *testing.T) {
	const file = "testdata/upsert_keys.txt"
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	cases := strings.Split(string(data), "\n====\n")
	var out []string
	for i, c := range cases {
		input, want, ok := strings.Cut(c, "\n----\n")
		input = strings.TrimSpace(input)
		got := runKeysCase(t, input)
		out = append(out, input+"\n----\n"+strings.TrimRight(got, "\n")+"\n")
		if !*rewrite && (!ok || strings.TrimRight(want, "\n") != strings.TrimRight(got, "\n")) {
			t.Errorf("case %d:\n%s\n--- got ---\n%s\n--- want ---\n%s", i+1, input, got, want)
		}
	}
	if *rewrite {
		if err := os.WriteFile(file, []byte(strings.Join(out, "====\n")), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestNormKeysAndHelpers(t *testing.T) {
	if got, want := normKeys([][]int{{2, 0}, {0, 2}, {1}, {}, {3, 1, 1}}), [][]int{{}, {1}, {0, 2}, {1, 3}}; !reflect.DeepEqual(got, want) {
		t.Errorf("normKeys = %v, want %v", got, want)
	}
	if got, want := distributedKeys([][]int{{0}, {0, 1}, {2}}, []int{0, 1}), [][]int{{0, 1}}; !reflect.DeepEqual(got, want) {
		t.Errorf("distributedKeys = %v, want %v", got, want)
	}
	if got := distributedKeys([][]int{{0}, {2}}, nil); len(got) != 2 {
		t.Errorf("distributedKeys over a global exchange = %v, want both keys", got)
	}
}
