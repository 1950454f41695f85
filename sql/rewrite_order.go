package sql

// The query tail Flink (Calcite) takes and TiDB does not: NULLS FIRST |
// NULLS LAST after an ORDER BY item, OFFSET n [ROW | ROWS], FETCH { FIRST
// | NEXT } n { ROW | ROWS } ONLY and LIMIT ALL.
//
// An item `e [ASC | DESC] NULLS FIRST` becomes `__nulls_first(e) [ASC |
// DESC]` (and __nulls_last); the planner unwraps it (planner.orderItem).
// The tail becomes TiDB's LIMIT: `LIMIT count OFFSET start` or `LIMIT
// start, count`, whichever keeps the numbers in their source order, and
// NoLimitCount as the count of an OFFSET without FETCH or LIMIT. As in
// Calcite, FETCH wins over LIMIT.

// NoLimitCount is the LIMIT count the rewrite writes for an OFFSET with
// no FETCH or LIMIT count (OFFSET 3 ROWS, LIMIT ALL OFFSET 3): no limit.
const NoLimitCount = "9223372036854775807"

// NullsFirstFunc and NullsLastFunc are the functions an ORDER BY item with
// NULLS FIRST or NULLS LAST is wrapped in.
const (
	NullsFirstFunc = "__nulls_first"
	NullsLastFunc  = "__nulls_last"
)

// orderEnds are the words that end an ORDER BY list at its level.
var orderEnds = map[string]bool{
	"LIMIT": true, "OFFSET": true, "FETCH": true, "ROWS": true, "RANGE": true,
	"UNION": true, "INTERSECT": true, "EXCEPT": true, "MINUS": true,
}

// orderBy rewrites ORDER BY at k when one of its items ends with NULLS
// FIRST | LAST; it returns -1 (nothing written) otherwise.
func (r *rewriter) orderBy(k, j int) int {
	end := k + 2
	depth := 0
scan:
	for ; end < j; end++ {
		t := r.toks[end]
		switch {
		case t.IsOp("(") || t.IsOp("["):
			depth++
		case t.IsOp(")") || t.IsOp("]"):
			if depth == 0 {
				break scan
			}
			depth--
		case depth == 0 && (t.IsOp(";") || orderEnds[upperWord(t)]):
			break scan
		}
	}
	items := r.split(k+2, end)
	nulls := false
	for _, it := range items {
		for i := it[0] + 1; i < it[1]; i++ { // a first NULLS is a column
			nulls = nulls || r.toks[i].Is("NULLS")
		}
	}
	if !nulls {
		return -1
	}
	r.ctx[len(r.ctx)-1].clause = "ORDER"
	r.emit(k)
	r.emit(k + 1)
	for n, it := range items {
		if n > 0 {
			r.emit(it[0] - 1) // the comma
		}
		s, e := it[0], it[1]
		fn := ""
		if at := r.topLevel(s+1, e, "NULLS"); at >= 0 {
			switch w := upperWord(r.at(at+1, e)); w {
			case "FIRST":
				fn = NullsFirstFunc
			case "LAST":
				fn = NullsLastFunc
			default:
				r.fail(r.at(at+1, e), "FIRST", "LAST")
			}
			if at+2 < e {
				r.fail(r.toks[at+2])
			}
			e = at
		}
		if fn == "" {
			r.run(s, e)
			continue
		}
		dir := e
		if d := r.toks[e-1]; d.Is("ASC") || d.Is("DESC") {
			dir = e - 1
		}
		if dir == s {
			r.fail(r.toks[s])
		}
		r.gap(s)
		r.synth(fn+"(", r.lo(s))
		r.run(s, dir)
		r.copyTo(r.hi(dir - 1))
		r.synth(")", r.hi(dir-1))
		for i := dir; i < e; i++ {
			r.emit(i)
		}
		r.replace(e, it[1], "")
	}
	return end
}

// isCount reports a LIMIT, OFFSET or FETCH count: a number or a parameter.
func isCount(t Token) bool { return t.Kind == TokNumber || t.IsOp("?") }

// limitTail rewrites the [LIMIT count | ALL] [OFFSET start [ROW | ROWS]]
// [FETCH FIRST | NEXT count ROW | ROWS ONLY] tail at k into TiDB's LIMIT
// (LIMIT n [OFFSET m] is TiDB's already); it returns -1 (nothing written)
// for LIMIT start, count and what is no tail, left to TiDB.
func (r *rewriter) limitTail(k, j int) int {
	a := k
	count, start := -1, -1
	plain := true // LIMIT n [OFFSET m] only: TiDB's own syntax
	if r.at(a, j).Is("LIMIT") {
		switch n := r.at(a+1, j); {
		case n.Is("ALL"):
			plain = false
		case isCount(n) && !r.at(a+2, j).IsOp(","):
			count = a + 1
		default:
			return -1 // LIMIT start, count and errors: TiDB's
		}
		a += 2
	}
	if r.at(a, j).Is("OFFSET") && isCount(r.at(a+1, j)) {
		start = a + 1
		a += 2
		if w := r.at(a, j); w.Is("ROW") || w.Is("ROWS") {
			plain = false
			a++
		}
	}
	if r.at(a, j).Is("FETCH") {
		plain = false
		if w := r.at(a+1, j); !w.Is("FIRST") && !w.Is("NEXT") {
			r.fail(w, "FIRST", "NEXT")
		}
		if !isCount(r.at(a+2, j)) {
			r.fail(r.at(a+2, j), "<UNSIGNED_INTEGER_LITERAL>")
		}
		count = a + 2
		if w := r.at(a+3, j); !w.Is("ROW") && !w.Is("ROWS") {
			r.fail(w, "ROW", "ROWS")
		}
		if !r.at(a+4, j).Is("ONLY") {
			r.fail(r.at(a+4, j), "ONLY")
		}
		a += 5
	}
	r.ctx[len(r.ctx)-1].clause = "LIMIT"
	if plain && (start < 0 || count >= 0) {
		for i := k; i < a; i++ {
			r.emit(i)
		}
		return a
	}
	switch {
	case count < 0 && start < 0:
		r.replace(k, a, "")
	case start < 0:
		r.replace(k, count, "LIMIT ")
		r.emit(count)
		r.replace(count+1, a, "")
	case count < 0:
		r.replace(k, start, "LIMIT ")
		r.emit(start)
		r.replace(start+1, a, "")
		r.synth(", "+NoLimitCount, r.hi(start))
	case start < count:
		r.replace(k, start, "LIMIT ")
		r.emit(start)
		r.replace(start+1, count, ", ")
		r.emit(count)
		r.replace(count+1, a, "")
	default:
		r.replace(k, count, "LIMIT ")
		r.emit(count)
		r.replace(count+1, start, " OFFSET ")
		r.emit(start)
		r.replace(start+1, a, "")
	}
	return a
}
