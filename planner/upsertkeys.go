package planner

import (
	"slices"

	"github.com/flinkgo/engine/runtime/expr"
	"github.com/flinkgo/engine/runtime/operators"
)

// upsertKeys returns the upsert keys of n's changelog, as Flink's
// FlinkRelMdUpsertKeys: sets of output columns (sorted indexes) such that
// at any time at most one row is alive per value of the set, and all the
// changes of one value arrive in order (they travelled one path). The
// empty set is the key of a stream with at most one row (a global
// aggregation); nil means no key is known.
//
//   - Scan: the table's PRIMARY KEY (a CDC / upsert source, or a database).
//   - Calc: the input's keys whose columns it keeps (plain column
//     references, or injective widening casts of them), renamed and
//     reordered; filters keep keys; a key losing a column is lost.
//   - GroupAggregate (and the global phase of a two-phase one): its group
//     keys; window aggregates add the window.
//   - Top-N / deduplication: the partition keys with the row number, or
//     alone when the limit is 1; the input's keys that survive the
//     exchange stay (a row has one rank at a time).
//   - Join: a key of each side that survives the exchange on its join keys
//     (only keys containing all the join keys do: the changes of other keys
//     are spread over subtasks); an inner join's pairs of such keys; one
//     side's keys when the other side is unique on its join keys (and the
//     join does not null the first side).
//   - Lookup join: the input's keys when the dimension table's primary key
//     lies within the lookup keys.
//   - Union, UNNEST, VALUES and nodes not listed here: none.
func upsertKeys(n Node) [][]int {
	switch x := n.(type) {
	case *Scan:
		if len(x.Table.PrimaryKey) == 0 {
			return nil
		}
		key := columnsNamed(x.Schema(), x.Table.PrimaryKey)
		if key == nil {
			return nil
		}
		return normKeys([][]int{key})
	case *Calc:
		return calcKeys(x, upsertKeys(x.Input))
	case *WatermarkAssigner:
		return upsertKeys(x.Input)
	case *Aggregate:
		return normKeys([][]int{seq(0, len(x.Keys))})
	case *GlobalAggregate:
		return normKeys([][]int{seq(0, x.NumKeys)})
	case *WindowAggregate:
		return normKeys([][]int{seq(0, len(x.Keys))})
	case *SessionWindowAggregate:
		end := len(x.Keys) + len(x.Calls)
		return normKeys([][]int{append(seq(0, len(x.Keys)), end, end+1)})
	case *WindowTableFunction:
		// A row of a sliding window is in several windows: its key plus the
		// window's start identifies one of them.
		start := len(x.Input.Schema())
		var out [][]int
		for _, k := range upsertKeys(x.Input) {
			out = append(out, append(slices.Clone(k), start))
		}
		return normKeys(out)
	case *Rank:
		out := distributedKeys(upsertKeys(x.Input), x.PartitionBy)
		rn := len(x.Schema()) - 1
		if !x.NoRowNumber { // without it the row number column is 0
			out = append(out, append(slices.Clone(x.PartitionBy), rn))
		}
		if x.Limit == 1 {
			out = append(out, slices.Clone(x.PartitionBy))
		}
		return normKeys(out)
	case *OverAggregate:
		return distributedKeys(upsertKeys(x.Input), x.PartitionBy)
	case *Join:
		return joinKeys(x)
	case *LookupJoin:
		if len(x.Table.PrimaryKey) == 0 {
			return nil
		}
		for _, name := range x.Table.PrimaryKey {
			found := false
			for _, rk := range x.RightKeys {
				if rk < len(x.Table.ConnectorColumns) && x.Table.ConnectorColumns[rk].Name == name {
					found = true
				}
			}
			if !found {
				return nil
			}
		}
		return upsertKeys(x.Input)
	case *SinkMaterializer:
		return normKeys([][]int{slices.Clone(x.PK)})
	case *Sink:
		return upsertKeys(x.Input)
	}
	return nil
}

// distributedKeys keeps the keys that survive a hash exchange on dist: the
// changes of a key value stay in one channel (in order) only when the key
// holds every distribution column. An exchange on no columns (everything
// into one subtask) keeps every key.
func distributedKeys(keys [][]int, dist []int) [][]int {
	var out [][]int
	for _, k := range keys {
		if isSubset(dist, k) {
			out = append(out, k)
		}
	}
	return out
}

// joinKeys derives the upsert keys of a regular join.
func joinKeys(j *Join) [][]int {
	nl := len(j.Left.Schema())
	left := distributedKeys(upsertKeys(j.Left), j.LeftKeys)
	right := distributedKeys(upsertKeys(j.Right), j.RightKeys)
	if j.Type == operators.SemiJoin || j.Type == operators.AntiJoin {
		return left
	}
	shift := func(k []int) []int {
		out := make([]int, len(k))
		for i, c := range k {
			out[i] = c + nl
		}
		return out
	}
	unique := func(keys [][]int, joinCols []int) bool {
		for _, k := range keys {
			if isSubset(k, joinCols) {
				return true
			}
		}
		return false
	}
	nullsLeft := j.Type == operators.RightJoin || j.Type == operators.FullJoin
	nullsRight := j.Type == operators.LeftJoin || j.Type == operators.FullJoin
	var out [][]int
	if j.Type == operators.InnerJoin {
		for _, l := range left {
			for _, r := range right {
				out = append(out, append(slices.Clone(l), shift(r)...))
			}
		}
	}
	// Each left row matches at most one right row: the left keys stay
	// unique (a left join's unmatched rows are alone as well).
	if !nullsLeft && unique(right, j.RightKeys) {
		out = append(out, left...)
	}
	if !nullsRight && unique(left, j.LeftKeys) {
		for _, r := range right {
			out = append(out, shift(r))
		}
	}
	return normKeys(out)
}

// calcKeys maps the input keys through a Calc's projections.
func calcKeys(c *Calc, keys [][]int) [][]int {
	if len(keys) == 0 {
		return nil
	}
	// where[i]: the output columns that carry input column i unchanged.
	where := map[int][]int{}
	for o, e := range c.Exprs {
		if i, ok := keyPreserving(e); ok {
			where[i] = append(where[i], o)
		}
	}
	var out [][]int
	for _, k := range keys {
		mapped := [][]int{{}}
		for _, i := range k {
			outs := where[i]
			if len(outs) == 0 {
				mapped = nil
				break
			}
			var next [][]int
			for _, m := range mapped {
				for _, o := range outs {
					next = append(next, append(slices.Clone(m), o))
				}
			}
			mapped = next
		}
		out = append(out, mapped...)
	}
	if out == nil {
		return nil
	}
	return normKeys(out)
}

// keyPreserving reports the input column an expression passes on without
// merging distinct values: a column reference, or a widening cast of one
// between integer types or between string types.
func keyPreserving(e expr.Expr) (int, bool) {
	switch x := e.(type) {
	case *expr.ColumnRef:
		return x.Index, true
	case *expr.Call:
		if x.Fn.Name != "CAST" || len(x.Args) != 1 {
			return 0, false
		}
		r, ok := x.Args[0].(*expr.ColumnRef)
		if !ok {
			return 0, false
		}
		from, to := r.T, x.T
		switch {
		case from.Equal(to, false):
		case from.IsInteger() && to.IsInteger() && to.Kind >= from.Kind:
		case from.IsString() && to.IsString() && to.Kind == from.Kind && (to.Length >= from.Length || to.Length <= 0):
		default:
			return 0, false
		}
		return r.Index, true
	}
	return 0, false
}

// columnsNamed returns the indexes of the named columns in cols, nil when
// one is missing.
func columnsNamed(cols []Column, names []string) []int {
	var out []int
	for _, n := range names {
		found := -1
		for i, c := range cols {
			if c.Name == n {
				found = i
				break
			}
		}
		if found < 0 {
			return nil
		}
		out = append(out, found)
	}
	return out
}

// normKeys sorts every key and drops duplicate keys.
func normKeys(keys [][]int) [][]int {
	var out [][]int
	for _, k := range keys {
		k = slices.Compact(slices.Sorted(slices.Values(k)))
		if k == nil {
			k = []int{}
		}
		if !slices.ContainsFunc(out, func(o []int) bool { return slices.Equal(o, k) }) {
			out = append(out, k)
		}
	}
	slices.SortFunc(out, func(a, b []int) int {
		if len(a) != len(b) {
			return len(a) - len(b)
		}
		return slices.Compare(a, b)
	})
	return out
}

// isSubset reports whether every column of sub is in set.
func isSubset(sub, set []int) bool {
	for _, c := range sub {
		if !slices.Contains(set, c) {
			return false
		}
	}
	return true
}

func seq(from, to int) []int {
	out := make([]int, 0, to-from)
	for i := from; i < to; i++ {
		out = append(out, i)
	}
	return out
}
