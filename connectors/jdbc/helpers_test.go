package jdbc

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/flinkgo/engine/connectors"
	"github.com/flinkgo/engine/connectors/jdbc/jdbctest"
	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/types"
)

func TestMain(m *testing.M) { jdbctest.Main(m) }

var intType = types.Int.WithNullable(false)

// table builds a connector table on db's database.
func table(db *jdbctest.DB, name string, cols []connectors.Column, pk []int, opts ...string) *connectors.Table {
	o := map[string]string{"connector": "jdbc", "url": db.URL(), "table-name": name}
	if db.User() != "" || db.Password() != "" {
		o["username"], o["password"] = db.User(), db.Password()
	}
	for i := 0; i+1 < len(opts); i += 2 {
		o[opts[i]] = opts[i+1]
	}
	return &connectors.Table{Name: "default_catalog.default_database." + name, Columns: cols, PrimaryKey: pk, Options: o,
		Config: map[string]string{"execution.checkpointing.interval": "1s"}}
}

func opCtx(subtask, par int) *runtime.OperatorContext {
	return &runtime.OperatorContext{Ctx: context.Background(), OperatorID: "0123456789abcdef0123456789abcdef",
		Name: "sink", Subtask: subtask, Parallelism: par, MaxParallel: 128, Clock: runtime.SystemClock{}}
}

// row is one test row: kind and values (nil, int, int64, string, float64, bool, []byte).
type row struct {
	k    types.RowKind
	vals []any
}

func ins(v ...any) row { return row{types.Insert, v} }
func upd(v ...any) row { return row{types.UpdateAfter, v} }
func ub(v ...any) row  { return row{types.UpdateBefore, v} }
func del(v ...any) row { return row{types.Delete, v} }

// batchOf builds a batch (test-only helper; values by type switch).
func batchOf(t *testing.T, colTypes []*types.Type, rows ...row) *types.Batch {
	t.Helper()
	b := types.NewBatch(colTypes, len(rows))
	for _, r := range rows {
		b.AppendKind(r.k)
		for c, v := range r.vals {
			vec := b.Cols[c]
			switch x := v.(type) {
			case nil:
				vec.AppendNull()
			case int:
				vec.AppendInt(int64(x))
			case int64:
				vec.AppendInt(x)
			case string:
				if colTypes[c].Kind == types.KindDecimal {
					d, err := types.ParseDecimal(x, colTypes[c].Precision, colTypes[c].Scale)
					if err != nil {
						t.Fatal(err)
					}
					vec.AppendDecimal(d)
				} else {
					vec.AppendString(x)
				}
			case []byte:
				vec.AppendBytes(x)
			case float64:
				vec.AppendFloat(x)
			case bool:
				vec.AppendBool(x)
			default:
				t.Fatalf("unsupported test value %T", v)
			}
		}
		b.Len++
	}
	return b
}

// query returns the rows of q as "a|b|c" strings, sorted; NULL as "NULL".
func query(t *testing.T, db *sql.DB, q string) []string {
	t.Helper()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		raw := make([]sql.RawBytes, len(cols))
		dest := make([]any, len(cols))
		for i := range raw {
			dest[i] = &raw[i]
		}
		if err := rows.Scan(dest...); err != nil {
			t.Fatal(err)
		}
		parts := make([]string, len(cols))
		for i, r := range raw {
			if r == nil {
				parts[i] = "NULL"
			} else {
				parts[i] = string(r)
			}
		}
		out = append(out, strings.Join(parts, "|"))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

func wantRows(t *testing.T, got []string, want ...string) {
	t.Helper()
	got = append([]string(nil), got...)
	sort.Strings(got)
	sort.Strings(want)
	if fmt.Sprint(got) == fmt.Sprint(want) {
		return
	}
	count := map[string]int{}
	for _, g := range got {
		count[g]++
	}
	for _, w := range want {
		count[w]--
	}
	var extra, missing []string
	for k, n := range count {
		for ; n > 0; n-- {
			extra = append(extra, k)
		}
		for ; n < 0; n++ {
			missing = append(missing, k)
		}
	}
	sort.Strings(extra)
	sort.Strings(missing)
	show := func(xs []string) []string { return xs[:min(len(xs), 20)] }
	t.Fatalf("rows differ (%d got, %d want):\n unexpected (%d): %q\n missing (%d): %q", len(got), len(want), len(extra), show(extra), len(missing), show(missing))
}

// batchStrings renders a batch's rows as "a|b" with the engine's SQL style.
func batchStrings(b *types.Batch) []string {
	var out []string
	for i := 0; i < b.Len; i++ {
		parts := make([]string, len(b.Cols))
		for c, v := range b.Cols {
			if v.IsNull(i) {
				parts[c] = "NULL"
			} else {
				parts[c] = string(types.AppendValue(nil, v, i, types.StyleSQL))
			}
		}
		out = append(out, strings.Join(parts, "|"))
	}
	return out
}

func mustOpen(t *testing.T, op runtime.Operator, ctx *runtime.OperatorContext) {
	t.Helper()
	if err := op.Open(ctx, nil); err != nil {
		t.Fatal(err)
	}
}

func newWriter(t *testing.T, tbl *connectors.Table, subtask, par int) runtime.Operator {
	t.Helper()
	s, err := Factory{}.CreateSink(tbl)
	if err != nil {
		t.Fatal(err)
	}
	w, err := s.NewWriter(subtask, par)
	if err != nil {
		t.Fatal(err)
	}
	return w
}
