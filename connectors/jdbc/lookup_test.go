package jdbc

import (
	"fmt"
	"strings"
	"testing"

	"github.com/flinkgo/engine/connectors"
	"github.com/flinkgo/engine/connectors/jdbc/jdbctest"
	"github.com/flinkgo/engine/runtime/types"
)

type fakeClock struct{ ms int64 }

func (c *fakeClock) NowMillis() int64 { return c.ms }
func (c *fakeClock) NowMicros() int64 { return c.ms * 1000 }

// lookupRows runs one Lookup and renders "inputRow:col|col".
func lookupRows(t *testing.T, l connectors.Lookuper, outTypes []*types.Type, keys ...*types.Vector) []string {
	t.Helper()
	out := types.NewBatch(outTypes, 8)
	from, err := l.Lookup(keys, keys[0].Len, out, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(from) != out.Len {
		t.Fatalf("from has %d entries for %d rows", len(from), out.Len)
	}
	var res []string
	for i, s := range batchStrings(out) {
		res = append(res, fmt.Sprintf("%d:%s", from[i], s))
	}
	return res
}

func TestLookup(t *testing.T) {
	db := jdbctest.NewDatabase(t)
	db.Exec(t, "CREATE TABLE dim (id INT PRIMARY KEY, region VARCHAR(10), name VARCHAR(20), KEY (region))",
		"INSERT INTO dim VALUES (1, 'eu', 'one'), (2, 'us', 'two'), (3, 'eu', 'three')")
	cols := []connectors.Column{{Name: "id", Type: intType}, {Name: "region", Type: types.String}, {Name: "name", Type: types.String}}
	intKeys := func(vals ...any) *types.Vector {
		v := types.NewVector(types.Int, len(vals))
		for _, x := range vals {
			if x == nil {
				v.AppendNull()
			} else {
				v.AppendInt(int64(x.(int)))
			}
		}
		return v
	}
	strKeys := func(vals ...string) *types.Vector {
		v := types.NewVector(types.String, len(vals))
		for _, x := range vals {
			v.AppendString(x)
		}
		return v
	}
	tests := []struct {
		name  string
		opts  []string
		cache bool
	}{
		{"no cache", nil, false},
		{"partial cache", []string{"lookup.cache", "PARTIAL", "lookup.partial-cache.max-rows", "2", "lookup.partial-cache.expire-after-write", "10s"}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src, err := Factory{}.CreateSource(table(db, "dim", cols, []int{0}, tc.opts...))
			if err != nil {
				t.Fatal(err)
			}
			ls := src.(connectors.LookupSource)
			// By primary key, projecting name and id.
			l, err := ls.NewLookuper(0, 1, []int{0}, []int{2, 0})
			if err != nil {
				t.Fatal(err)
			}
			clock := &fakeClock{ms: 1000}
			ctx := opCtx(0, 1)
			ctx.Clock = clock
			if err := l.Open(ctx); err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			outT := []*types.Type{types.String, intType}
			got := lookupRows(t, l, outT, intKeys(1, 9, nil, 2, 2))
			wantRows(t, got, "0:one|1", "3:two|2", "4:two|2")
			// The dimension changes: a cached key keeps its old value until
			// it expires; an uncached lookup sees the change.
			db.Exec(t, "UPDATE dim SET name = 'TWO' WHERE id = 2", "INSERT INTO dim VALUES (9, 'ap', 'nine')")
			got = lookupRows(t, l, outT, intKeys(2, 9))
			hits, _ := l.(*lookuper).cacheStats()
			if tc.cache {
				// 2 and 9 (missing key cached) are in the cache (max 2 keys: 1 was evicted).
				wantRows(t, got, "0:two|2")
				if hits != 2 {
					t.Fatalf("cache hits = %d, want 2", hits)
				}
				clock.ms += 10_000 // expire-after-write
				got = lookupRows(t, l, outT, intKeys(2, 9))
			}
			wantRows(t, got, "0:TWO|2", "1:nine|9")
			db.Exec(t, "UPDATE dim SET name = 'two' WHERE id = 2", "DELETE FROM dim WHERE id = 9")

			// By a non-unique column: several rows per key.
			l2, err := ls.NewLookuper(0, 1, []int{1}, []int{0})
			if err != nil {
				t.Fatal(err)
			}
			if err := l2.Open(ctx); err != nil {
				t.Fatal(err)
			}
			defer l2.Close()
			got = lookupRows(t, l2, []*types.Type{intType}, strKeys("eu", "xx", "us", "eu"))
			wantRows(t, got, "0:1", "0:3", "2:2", "3:1", "3:3")
		})
	}
}

func TestLookupCompositeKey(t *testing.T) {
	db := jdbctest.NewDatabase(t)
	db.Exec(t, "CREATE TABLE `d``2` (a INT, b VARCHAR(5), v DECIMAL(10,2), PRIMARY KEY (a, b))",
		"INSERT INTO `d``2` VALUES (1, 'x', 1.50), (1, 'y', 2.00), (2, 'x', NULL)")
	cols := []connectors.Column{{Name: "a", Type: intType}, {Name: "b", Type: types.String}, {Name: "v", Type: types.Decimal(10, 2)}}
	src, err := Factory{}.CreateSource(table(db, "d`2", cols, []int{0, 1}, "lookup.cache", "PARTIAL", "lookup.partial-cache.max-rows", "100"))
	if err != nil {
		t.Fatal(err)
	}
	l, err := src.(connectors.LookupSource).NewLookuper(0, 1, []int{1, 0}, []int{2})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Open(opCtx(0, 1)); err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	bs := types.NewVector(types.String, 4)
	as := types.NewVector(types.Int, 4)
	for _, k := range []struct {
		b string
		a int64
	}{{"y", 1}, {"x", 2}, {"x", 3}, {"x", 1}} {
		bs.AppendString(k.b)
		as.AppendInt(k.a)
	}
	for round := 0; round < 2; round++ { // the second round is served by the cache
		got := lookupRows(t, l, []*types.Type{types.Decimal(10, 2)}, bs, as)
		wantRows(t, got, "0:2.00", "1:NULL", "3:1.50")
	}
	if hits, _ := l.(*lookuper).cacheStats(); hits != 4 {
		t.Fatalf("hits = %d, want 4", hits)
	}
	if _, err := l.Lookup([]*types.Vector{bs}, 1, types.NewBatch([]*types.Type{types.Decimal(10, 2)}, 1), nil); err == nil || !strings.Contains(err.Error(), "key vectors") {
		t.Fatalf("wrong key count: %v", err)
	}
}
