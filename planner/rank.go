package planner

import (
	"fmt"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/flinkgo/engine/runtime/expr"
	"github.com/flinkgo/engine/runtime/operators"
	"github.com/flinkgo/engine/runtime/types"
	"github.com/flinkgo/engine/sql"
)

// Rank is a Top-N (or deduplication): ROW_NUMBER() OVER (PARTITION BY ...
// ORDER BY ...) filtered by the row number (WHERE rn <= N). Its rows are the
// input's plus the row number. Limit is 0 until the outer filter is found.
type Rank struct {
	Input        Node
	PartitionBy  []int
	OrderBy      []operators.SortKey
	Limit        int
	ReplaceOnTie bool // deduplication keeping the last row (ORDER BY time DESC, rn = 1)
	// WindowEnd >= 0: a window Top-N, PartitionBy[WindowEnd] is window_end;
	// each window's ranking is emitted once when the watermark passes it.
	WindowEnd int
	// NoRowNumber: nothing reads the row number (rule pruneRankNumber), so
	// the ranking's changes are emitted as Flink's Top-N without row
	// number does: -D for a row that leaves the Top-N, +I for one that
	// enters, instead of an update of every position that changed.
	NoRowNumber bool
	pos         sql.Pos
	schema      []Column
}

// rowNumberName is the hidden scope name of the row number column.
const rowNumberName = "$rownum"

func newRank(in Node, part []int, order []operators.SortKey, pos sql.Pos) *Rank {
	r := &Rank{Input: in, PartitionBy: part, OrderBy: order, pos: pos, WindowEnd: -1}
	r.schema = append(append([]Column{}, in.Schema()...), Column{Name: rowNumberName, Type: types.BigInt.WithNullable(false)})
	return r
}

func (r *Rank) Schema() []Column { return r.schema }
func (r *Rank) Inputs() []Node   { return []Node{r.Input} }
func (r *Rank) Changelog() Changelog {
	if r.WindowEnd >= 0 || len(r.OrderBy) == 0 && r.Input.Changelog() == AppendOnly {
		// Without ORDER BY (LIMIT n) rows enter in arrival order and never
		// leave: Flink's Limit is insert-only over an insert-only input.
		return AppendOnly
	}
	return Updating
}
func (r *Rank) Describe() string {
	if d, ok := r.describeDeduplicate(); ok {
		return d
	}
	in := r.Input.Schema()
	part := make([]string, len(r.PartitionBy))
	for i, p := range r.PartitionBy {
		part[i] = in[p].Name
	}
	order := make([]string, len(r.OrderBy))
	for i, k := range r.OrderBy {
		order[i] = in[k.Col].Name
		if k.Desc {
			order[i] += " DESC"
		} else {
			order[i] += " ASC"
		}
	}
	sel := make([]string, len(r.schema))
	for i, c := range r.schema {
		sel[i] = c.Name
	}
	sel[len(sel)-1] = "w0$o0"
	if r.NoRowNumber {
		sel = sel[:len(sel)-1]
	}
	name := "Rank(strategy=[AppendFastStrategy], rankType=[ROW_NUMBER], "
	if r.WindowEnd >= 0 {
		name = "WindowRank(rankType=[ROW_NUMBER], "
	}
	return fmt.Sprintf("%srankRange=[rankStart=1, rankEnd=%d], partitionBy=[%s], orderBy=[%s], select=[%s])",
		name, r.Limit, strings.Join(part, ", "), strings.Join(order, ", "), strings.Join(sel, ", "))
}

// describeDeduplicate renders a deduplication as Flink's plans name it: a
// Top-1 ordered by a single time attribute (rn = 1, rn <= 1, rn < 2; Flink
// replaces the selected row number by the constant 1) is a
// Deduplicate(keep=[FirstRow|LastRow], key=[...], order=[ROWTIME|PROCTIME]),
// or over the window_start and window_end of a window a
// WindowDeduplicate(window=[...], keep=[...], partitionKeys=[...],
// orderKey=[...], order=[...]) whose partition keys leave out the window
// columns. ok is false for any other Top-N.
func (r *Rank) describeDeduplicate() (string, bool) {
	if r.Limit != 1 || len(r.OrderBy) != 1 {
		return "", false
	}
	in := r.Input.Schema()
	ok := r.OrderBy[0]
	attr := in[ok.Col].Type.TimeAttr
	if attr == types.NoTimeAttr {
		// The time column of a window table function below (ORDER BY ts
		// of TUMBLE(TABLE t, DESCRIPTOR(ts), ...)) is still one for Flink.
		attr = windowTimeColumn(r.Input, ok.Col)
	}
	if attr == types.NoTimeAttr {
		return "", false
	}
	keep := "FirstRow"
	if ok.Desc {
		keep = "LastRow"
	}
	timeName := func(a types.TimeAttr) string {
		if a == types.ProcTime {
			return "PROCTIME"
		}
		return "ROWTIME"
	}
	if r.WindowEnd >= 0 {
		wtf, start, end := windowBounds(r.Input, r.PartitionBy)
		if wtf == nil {
			return "", false
		}
		var part []string
		for _, p := range r.PartitionBy {
			if w, _, isWin := windowColumn(r.Input, p); isWin && w == wtf {
				continue
			}
			part = append(part, in[p].Name)
		}
		window := wtf.Window.describeAttached(in[r.PartitionBy[start]].Name, in[r.PartitionBy[end]].Name)
		return "WindowDeduplicate(window=[" + window + "], keep=[" + keep + "], partitionKeys=[" + strings.Join(part, ", ") +
			"], orderKey=[" + in[ok.Col].Name + "], order=[" + timeName(wtf.Input.Schema()[wtf.TimeCol].Type.TimeAttr) + "])", true
	}
	key := make([]string, len(r.PartitionBy))
	for i, p := range r.PartitionBy {
		key[i] = in[p].Name
	}
	return "Deduplicate(keep=[" + keep + "], key=[" + strings.Join(key, ", ") + "], order=[" + timeName(attr) + "])", true
}

func (r *Rank) WithInputs(in []Node) Node {
	n := *r
	n.Input = in[0]
	return &n
}

// rowNumber plans a ROW_NUMBER() OVER (...) in the select list of s: the
// input gets a Rank node and the call becomes a reference to its row number.
func (qb *queryBinder) rowNumber(s *ast.SelectStmt, in Node, sc *scope) (Node, *scope, error) {
	var w *ast.WindowFuncExpr
	var field *ast.SelectField
	for _, f := range s.Fields.Fields {
		if x, ok := f.Expr.(*ast.WindowFuncExpr); ok && strings.EqualFold(x.Name, "row_number") {
			if w != nil {
				return nil, nil, qb.errAt("ROW_NUMBER", "Only one ROW_NUMBER() OVER (...) per query is supported")
			}
			w, field = x, f
		}
	}
	if w == nil {
		return in, sc, nil
	}
	pos := qb.q.Locate("ROW_NUMBER")
	spec, err := namedWindow(w.Spec, s.WindowSpecs, 0)
	if err != nil {
		return nil, nil, validationf(pos, "%s", err.Error())
	}
	w.Spec = spec
	if w.Spec.Frame != nil {
		return nil, nil, validationf(pos, "ROW_NUMBER() OVER takes PARTITION BY and ORDER BY only (no frame)")
	}
	if w.Spec.OrderBy == nil || len(w.Spec.OrderBy.Items) == 0 {
		return nil, nil, validationf(pos, "ROW_NUMBER() OVER (...) needs an ORDER BY")
	}
	cc := newComputedColumns(qb.exprBinder(sc), sc, "$rank")
	column := cc.column
	var part []int
	if w.Spec.PartitionBy != nil {
		for _, it := range w.Spec.PartitionBy.Items {
			c, err := column(it.Expr)
			if err != nil {
				return nil, nil, err
			}
			part = append(part, c)
		}
	}
	var order []operators.SortKey
	for _, it := range w.Spec.OrderBy.Items {
		e, nulls := orderItem(it) // orderby.go: NULLS FIRST | LAST
		c, err := column(e)
		if err != nil {
			return nil, nil, err
		}
		order = append(order, operators.SortKey{Col: c, Desc: it.Desc, Nulls: nulls})
	}
	r := newRank(cc.input(in), part, order, pos)
	nsc := &scope{cols: append([]scopeColumn{}, sc.cols...)}
	for _, c := range r.Schema()[len(sc.cols):] {
		nsc.cols = append(nsc.cols, scopeColumn{name: c.Name, typ: c.Type})
	}
	orig := field.Expr
	qb.undo = append(qb.undo, func() { field.Expr = orig })
	field.Expr = windowColumnExpr(rowNumberName)
	return r, nsc, nil
}

// rankLimit recognises a filter on a Top-N's row number (rn <= N, rn < N,
// rn = 1, and the mirrored forms) over in; it returns in with the Rank's
// limit set, and ok false when c is no such filter.
func rankLimit(in Node, c expr.Expr) (Node, bool) {
	call, ok := c.(*expr.Call)
	if !ok || len(call.Args) != 2 {
		return in, false
	}
	op := call.Fn.Name
	ref, refOK := call.Args[0].(*expr.ColumnRef)
	lit, litOK := call.Args[1].(*expr.Literal)
	if !refOK || !litOK {
		ref, refOK = call.Args[1].(*expr.ColumnRef)
		lit, litOK = call.Args[0].(*expr.Literal)
		op = map[string]string{"<=": ">=", ">=": "<=", "<": ">", ">": "<", "=": "="}[op]
	}
	if !refOK || !litOK || lit.Value.Type.Kind.Physical() != types.PhysInt64 || lit.Value.IsNull(0) {
		return in, false
	}
	n := lit.Value.Ints[0]
	switch op {
	case "<=":
	case "<":
		n--
	case "=":
		if n != 1 {
			return in, false
		}
	default:
		return in, false
	}
	r, ok := rankOf(in, ref.Index)
	if !ok || r.Limit != 0 || n < 1 {
		return in, false
	}
	nr := *r
	nr.Limit = int(n)
	if n == 1 && len(nr.OrderBy) == 1 && nr.OrderBy[0].Desc &&
		(nr.Input.Schema()[nr.OrderBy[0].Col].Type.TimeAttr != types.NoTimeAttr || windowRowtime(nr.Input, nr.OrderBy[0].Col)) {
		nr.ReplaceOnTie = true
	}
	// PARTITION BY window_start, window_end of one window: a window Top-N.
	if wtf, _, end := windowBounds(nr.Input, nr.PartitionBy); wtf != nil && nr.Input.Changelog() == AppendOnly {
		nr.WindowEnd = end
	}
	return replaceNode(in, r, &nr), true
}

// rankOf follows column col of n through projections to a Rank's row
// number.
func rankOf(n Node, col int) (*Rank, bool) {
	for {
		switch x := n.(type) {
		case *Calc:
			ref, ok := x.Exprs[col].(*expr.ColumnRef)
			if !ok {
				return nil, false
			}
			n, col = x.Input, ref.Index
		case *Rank:
			return x, col == len(x.Input.Schema())
		default:
			return nil, false
		}
	}
}

// replaceNode returns n with the node old (somewhere below) replaced by nw.
func replaceNode(n, old, nw Node) Node {
	if n == old {
		return nw
	}
	ins := n.Inputs()
	out := make([]Node, len(ins))
	for i, in := range ins {
		out[i] = replaceNode(in, old, nw)
	}
	return n.WithInputs(out)
}

// checkRanks fails for a Top-N whose row number was never filtered.
func checkRanks(n Node) error {
	if r, ok := n.(*Rank); ok && r.Limit == 0 {
		return validationf(r.pos, "ROW_NUMBER() OVER (...) is only supported as Top-N or deduplication: filter the row number in an outer query, e.g. WHERE rn <= 10")
	}
	for _, in := range n.Inputs() {
		if err := checkRanks(in); err != nil {
			return err
		}
	}
	return nil
}

// pruneRankNumber marks a Top-N whose row number the Calc above it does not
// read (SELECT item, price FROM (... ROW_NUMBER() ...) WHERE rn <= 3): it
// then emits -D/+I for rows leaving and entering the Top-N, as Flink does
// when the row number is not selected. Deduplications and window Top-N keep
// their own output.
func pruneRankNumber(n Node) Node {
	c, ok := n.(*Calc)
	if !ok {
		return n
	}
	r, ok := c.Input.(*Rank)
	if !ok || r.NoRowNumber || r.WindowEnd >= 0 || r.ReplaceOnTie || r.Limit == 0 {
		return n
	}
	rn := len(r.schema) - 1
	used := false
	mark := func(ref *expr.ColumnRef) {
		if ref.Index == rn {
			used = true
		}
	}
	for _, e := range c.Exprs {
		visitRefs(e, mark)
	}
	if c.Condition != nil {
		visitRefs(c.Condition, mark)
	}
	if used {
		return n
	}
	nr := *r
	nr.NoRowNumber = true
	nc := *c
	nc.Input = &nr
	return &nc
}
