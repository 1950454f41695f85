package planner

import (
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/flinkgo/engine/runtime/expr"
	"github.com/flinkgo/engine/runtime/operators"
	"github.com/flinkgo/engine/runtime/types"
)

// This file prints plans as Flink 1.20's EXPLAIN sections do. The plan
// nodes' own Describe (operator ids, the optimizer's fixpoint check, the
// StreamGraph JSON) is left alone; EXPLAIN renders a view of the plan:
//
//   - a SELECT's collecting sink is not shown (Flink explains the query);
//   - a Calc that only renames the columns in front of a sink goes: Flink's
//     sink lists the query's own field names;
//   - a Calc that only renames folds into the Calc or aggregation below it,
//     as Calcite names those columns directly;
//   - the optimized plans show an Exchange where rows are shuffled
//     (hash[keys], or single into one task); forward edges are not shown.
//
// The abstract syntax tree shows Calcite's logical nodes over field
// indexes (LogicalProject, LogicalFilter, LogicalAggregate, ...); nodes of
// this engine with no such counterpart print their own description.

// planView builds the EXPLAIN view of a plan; orig maps each node it made
// to the plan node it stands for (plan advice marks plan nodes).
type planView struct {
	logical bool
	orig    map[Node]Node
	// fields are the names a sink's input shows (the query's own names,
	// from the abstract syntax tree), nil to keep the plan's.
	fields []string
}

func (v *planView) original(n Node) Node {
	if o, ok := v.orig[n]; ok {
		return o
	}
	return n
}

func (v *planView) derived(n, from Node) Node {
	if n != from {
		v.orig[n] = v.original(from)
	}
	return n
}

// renameOnly reports a Calc that passes every input column through in
// order (possibly under other names), without a condition.
func renameOnly(c *Calc) bool {
	in := c.Input.Schema()
	if c.Condition != nil || len(c.Exprs) != len(in) {
		return false
	}
	for i, e := range c.Exprs {
		if r, ok := e.(*expr.ColumnRef); !ok || r.Index != i {
			return false
		}
	}
	return true
}

// identityProjection reports a Calc whose projection passes every input
// column through in order under its own name (a filter, if it has a
// condition).
func identityProjection(c *Calc) bool {
	in := c.Input.Schema()
	if len(c.Exprs) != len(in) {
		return false
	}
	for i, e := range c.Exprs {
		if r, ok := e.(*expr.ColumnRef); !ok || r.Index != i || c.Names[i] != in[i].Name {
			return false
		}
	}
	return true
}

// sameNames reports a rename-only Calc that renames nothing.
func sameNames(c *Calc) bool {
	for i, col := range c.Input.Schema() {
		if c.Names[i] != col.Name {
			return false
		}
	}
	return true
}

// view returns n as EXPLAIN shows it; parent is the node above n (nil at
// the root).
func (v *planView) view(n, parent Node) Node {
	if s, ok := n.(*Sink); ok {
		ns := *s
		// Flink's sink materializes upserts itself: upsertMaterialize=[true].
		m, materialize := ns.Input.(*SinkMaterializer)
		if materialize && !v.logical {
			ns.Input = m.Input
		}
		if c, ok := ns.Input.(*Calc); ok && renameOnly(c) {
			ns.Input = c.Input
		}
		if in := ns.Input.Schema(); len(v.fields) == len(in) && !slices.Equal(v.fields, columnNames(in)) {
			// The optimizer may have renamed the query's columns (merged
			// Calcs); name them as the query does where a rename folds.
			refs := make([]expr.Expr, len(in))
			for i, c := range in {
				refs[i] = &expr.ColumnRef{Index: i, Name: c.Name, T: c.Type}
			}
			ns.Input = &Calc{Input: ns.Input, Exprs: refs, Names: v.fields}
		}
		switch {
		case materialize && !v.logical:
			n = v.derived(&materializingSink{&ns}, s)
		case ns.Input != s.Input:
			n = v.derived(&ns, s)
		}
	}
	ins := n.Inputs()
	if len(ins) > 0 {
		newIns := make([]Node, len(ins))
		changed := false
		for i, in := range ins {
			newIns[i] = v.view(in, n)
			changed = changed || newIns[i] != in
		}
		if changed {
			n = v.derived(n.WithInputs(newIns), n)
		}
	}
	switch x := n.(type) {
	case *Sink:
		if c, ok := x.Input.(*Calc); ok && renameOnly(c) {
			ns := *x
			ns.Input = c.Input
			return v.derived(&ns, x)
		}
	case *materializingSink:
		if c, ok := x.Input.(*Calc); ok && renameOnly(c) {
			ns := *x.Sink
			ns.Input = c.Input
			return v.derived(&materializingSink{&ns}, x)
		}
	case *Calc:
		if p := v.plainArgNames(x, parent); p != x {
			x, n = p, p
		}
		if !renameOnly(x) {
			return n
		}
		if sameNames(x) {
			_, overWatermark := x.Input.(*WatermarkAssigner)
			_, overAgg := x.Input.(*Aggregate)
			underAgg := false
			switch parent.(type) {
			case *Aggregate, *WindowAggregate, *LocalAggregate:
				underAgg = true
			}
			if !v.logical || overWatermark || overAgg || underAgg {
				return x.Input
			}
			return n
		}
		switch in := x.Input.(type) {
		case *Calc:
			c := *in
			c.Names = x.Names
			return v.derived(&c, in)
		case *Aggregate:
			if a, ok := renameCalls(in.Calls, x.Names, len(in.Keys), in.Input.Schema(), in.Keys); ok {
				c := *in
				c.Calls = a
				return v.derived(&c, in)
			}
		case *Rank:
			r := *in
			r.schema = slices.Clone(in.schema)
			for i := range r.schema {
				r.schema[i].Name = x.Names[i]
			}
			return v.derived(&r, in)
		case *WindowAggregate:
			if a, ok := renameCalls(in.Calls, x.Names, len(in.Keys), in.Input.Schema(), in.Keys); ok {
				c := *in
				c.Calls = a
				return v.derived(&c, in)
			}
		case *GlobalAggregate:
			if a, ok := renameCalls(in.Calls, x.Names, in.NumKeys, in.Input.Schema(), seq(0, in.NumKeys)); ok {
				c := *in
				c.Calls = a
				return v.derived(&c, in)
			}
		}
	}
	return n
}

// plainArgNames names the columns of an aggregation's input projection
// that only pass a column through ("amount AS $f1") after that column, as
// Calcite does (it invents $f names for computed arguments only), where
// the name stays unique.
func (v *planView) plainArgNames(c *Calc, parent Node) *Calc {
	switch parent.(type) {
	case *Aggregate, *LocalAggregate, *WindowAggregate, *SessionWindowAggregate:
	default:
		return c
	}
	names := slices.Clone(c.Names)
	changed := false
	for i, e := range c.Exprs {
		r, ok := e.(*expr.ColumnRef)
		if !ok || !strings.HasPrefix(names[i], "$f") {
			continue
		}
		in := c.Input.Schema()[r.Index].Name
		if !slices.Contains(names, in) {
			names[i], changed = in, true
		}
	}
	if !changed {
		return c
	}
	nc := *c
	nc.Names = names
	v.derived(&nc, c)
	return &nc
}

// materializingSink is a sink with the SinkMaterializer in front of it,
// which Flink prints as the sink's upsertMaterialize=[true].
type materializingSink struct{ *Sink }

func (s *materializingSink) Describe() string {
	return withAttribute(s.Sink.Describe(), "upsertMaterialize=[true]")
}

func (s *materializingSink) WithInputs(in []Node) Node {
	ns := *s.Sink
	ns.Input = in[0]
	return &materializingSink{&ns}
}

// renameCalls gives an aggregation's calls the names of the Calc above it
// when the Calc keeps the group keys' names.
func renameCalls(calls []AggCall, names []string, nkeys int, in []Column, keys []int) ([]AggCall, bool) {
	for i, k := range keys {
		if names[i] != in[k].Name {
			return nil, false
		}
	}
	out := slices.Clone(calls)
	for i := range out {
		out[i].Name = names[nkeys+i]
	}
	return out, true
}

// explainRoot is the node EXPLAIN prints for a planned statement: the
// query itself for a SELECT.
func explainRoot(s *Sink) Node {
	if s.Collect {
		return s.Input
	}
	return s
}

// ExplainAST renders the plan of a statement as bound, before any
// optimization, as Flink's "== Abstract Syntax Tree ==" does.
func ExplainAST(s *Sink) string {
	v := &planView{logical: true, orig: map[Node]Node{}}
	root := v.view(explainRoot(s), nil)
	var b strings.Builder
	printTree(&b, logicalTree(root), "", true, true)
	return b.String()
}

// QueryFields are the field names the abstract syntax tree's sink shows
// for s (the query's own names: "EXPR$1" for an unnamed second column),
// nil for a SELECT.
func QueryFields(s *Sink) []string {
	v := &planView{logical: true, orig: map[Node]Node{}}
	if sk, ok := v.view(explainRoot(s), nil).(*Sink); ok {
		return columnNames(sk.Input.Schema())
	}
	return nil
}

// ExplainOptimized renders an optimized plan as Flink's "== Optimized
// Physical Plan ==" (exec false: prefix expressions, with each node's
// changelog mode under changelogMode and advice=[n] marks) or "==
// Optimized Execution Plan ==" (exec true: infix expressions) does.
// fields (QueryFields of the statement as bound, or nil) name the sink's
// fields where the optimizer renamed them.
func ExplainOptimized(s *Sink, exec, changelogMode bool, advice map[Node]int, fields []string) string {
	v := &planView{orig: map[Node]Node{}, fields: fields}
	root := v.view(explainRoot(s), nil)
	st := rexRel
	if exec {
		st = rexExec
	}
	var b strings.Builder
	printTree(&b, physicalTree(root, st, func(n Node, line string) string {
		if k, ok := advice[v.original(n)]; ok && !exec {
			line = withFirstAttribute(line, "advice=["+strconv.Itoa(k)+"]")
		}
		if changelogMode && !exec {
			line = withAttribute(line, "changelogMode=["+ChangelogModeText(n)+"]")
		}
		return line
	}), "", true, true)
	return b.String()
}

// treeLine is one printed node and the nodes under it.
type treeLine struct {
	text string
	kids []*treeLine
}

// printTree prints t as Calcite's RelOptUtil.toString does: children
// under "+- " (the last one) or ":- ", continued by "   " or ":  ".
func printTree(b *strings.Builder, t *treeLine, prefix string, last, root bool) {
	if root {
		b.WriteString(t.text + "\n")
	} else {
		if last {
			b.WriteString(prefix + "+- " + t.text + "\n")
			prefix += "   "
		} else {
			b.WriteString(prefix + ":- " + t.text + "\n")
			prefix += ":  "
		}
	}
	for i, k := range t.kids {
		printTree(b, k, prefix, i == len(t.kids)-1, false)
	}
}

// withFirstAttribute puts attr first inside a description's parentheses.
func withFirstAttribute(line, attr string) string {
	i := strings.IndexByte(line, '(')
	if i < 0 {
		return line + "(" + attr + ")"
	}
	if strings.HasPrefix(line[i+1:], ")") {
		return line[:i+1] + attr + line[i+1:]
	}
	return line[:i+1] + attr + ", " + line[i+1:]
}

// ---- the abstract syntax tree ----

func logicalTree(n Node) *treeLine {
	var kids []*treeLine
	for _, in := range n.Inputs() {
		kids = append(kids, logicalTree(in))
	}
	t := &treeLine{kids: kids}
	switch x := n.(type) {
	case *Sink:
		t.text = "LogicalSink(table=[" + x.Table.Name + "], fields=[" + strings.Join(columnNames(x.Input.Schema()), ", ") + "])"
	case *Scan:
		t.text = "LogicalTableScan(table=[[" + strings.ReplaceAll(x.Table.Name, ".", ", ") + "]])"
	case *Calc:
		if x.Condition != nil {
			t = &treeLine{text: "LogicalFilter(condition=[" + rexText(x.Condition, rexAST, nil) + "])", kids: kids}
			if identityProjection(x) {
				return t
			}
			kids = []*treeLine{t}
		}
		items := make([]string, len(x.Exprs))
		for i, e := range x.Exprs {
			items[i] = x.Names[i] + "=[" + rexText(e, rexAST, nil) + "]"
		}
		return &treeLine{text: "LogicalProject(" + strings.Join(items, ", ") + ")", kids: kids}
	case *WatermarkAssigner:
		t.text = "LogicalWatermarkAssigner(rowtime=[" + x.Input.Schema()[x.Rowtime].Name + "], watermark=[" + rexText(x.Strategy, rexAST, nil) + "])"
	case *Aggregate:
		keys := slices.Clone(x.Keys)
		sort.Ints(keys)
		ks := make([]string, len(keys))
		for i, k := range keys {
			ks[i] = strconv.Itoa(k)
		}
		items := []string{"group=[{" + strings.Join(ks, ", ") + "}]"}
		for _, c := range x.Calls {
			items = append(items, c.Name+"=["+logicalAggCall(c)+"]")
		}
		t.text = "LogicalAggregate(" + strings.Join(items, ", ") + ")"
	case *Rank:
		if x.WindowEnd >= 0 {
			t.text = n.Describe()
			break
		}
		// Calcite's Top-N: the row number as an OVER call, filtered.
		in := x.Input.Schema()
		items := make([]string, 0, len(in)+1)
		for i, c := range in {
			items = append(items, c.Name+"=[$"+strconv.Itoa(i)+"]")
		}
		items = append(items, x.schema[len(in)].Name+"=["+rowNumberOver(x)+"]")
		project := &treeLine{text: "LogicalProject(" + strings.Join(items, ", ") + ")", kids: kids}
		return &treeLine{text: "LogicalFilter(condition=[<=($" + strconv.Itoa(len(in)) + ", " + strconv.Itoa(x.Limit) + ")])", kids: []*treeLine{project}}
	case *Values:
		t.text = "LogicalValues(tuples=[" + valuesTuples(x, rexAST) + "])"
	case *Union:
		t.text = "LogicalUnion(all=[true])"
	case *Join:
		nl := len(x.Left.Schema())
		var conds []string
		for i := range x.LeftKeys {
			conds = append(conds, "=($"+strconv.Itoa(x.LeftKeys[i])+", $"+strconv.Itoa(nl+x.RightKeys[i])+")")
		}
		if x.Residual != nil {
			conds = append(conds, rexText(x.Residual, rexAST, nil))
		}
		t.text = "LogicalJoin(condition=[" + andText(conds, "true") + "], joinType=[" + logicalJoinType(x.Type) + "])"
	case *crossJoin:
		t.text = "LogicalJoin(condition=[true], joinType=[inner])"
	case *TemporalSort:
		t.text = logicalSort(x.OrderBy)
	default:
		t.text = n.Describe()
	}
	return t
}

// logicalSort is Calcite's LogicalSort over the keys: sort<i> the field,
// dir<i> the direction with the null order where it is not the direction's
// default in Calcite (NULLS LAST ascending, NULLS FIRST descending), as
// RelFieldCollation.shortString prints it.
func logicalSort(keys []operators.SortKey) string {
	items := make([]string, 0, 2*len(keys))
	for i, k := range keys {
		items = append(items, "sort"+strconv.Itoa(i)+"=[$"+strconv.Itoa(k.Col)+"]")
	}
	for i, k := range keys {
		dir := "ASC"
		switch {
		case k.Desc && !k.NullsFirst():
			dir = "DESC-nulls-last"
		case k.Desc:
			dir = "DESC"
		case k.NullsFirst():
			dir = "ASC-nulls-first"
		}
		items = append(items, "dir"+strconv.Itoa(i)+"=["+dir+"]")
	}
	return "LogicalSort(" + strings.Join(items, ", ") + ")"
}

// andText joins conjuncts as Calcite prints them: one alone, several in
// AND(...), none as empty.
func andText(conds []string, empty string) string {
	switch len(conds) {
	case 0:
		return empty
	case 1:
		return conds[0]
	}
	return "AND(" + strings.Join(conds, ", ") + ")"
}

// rowNumberOver is a Top-N's ROW_NUMBER() OVER (...) as Calcite prints
// it, with Flink's default null order (first ascending, last descending).
func rowNumberOver(r *Rank) string {
	var w []string
	if len(r.PartitionBy) > 0 {
		ps := make([]string, len(r.PartitionBy))
		for i, p := range r.PartitionBy {
			ps[i] = "$" + strconv.Itoa(p)
		}
		w = append(w, "PARTITION BY "+strings.Join(ps, ", "))
	}
	if len(r.OrderBy) > 0 {
		os := make([]string, len(r.OrderBy))
		for i, k := range r.OrderBy {
			os[i] = "$" + strconv.Itoa(k.Col) + " NULLS FIRST"
			if k.Desc {
				os[i] = "$" + strconv.Itoa(k.Col) + " DESC NULLS LAST"
			}
		}
		w = append(w, "ORDER BY "+strings.Join(os, ", "))
	}
	return "ROW_NUMBER() OVER (" + strings.Join(w, " ") + ")"
}

func logicalJoinType(t operators.JoinType) string {
	return [...]string{"inner", "left", "right", "full", "semi", "anti"}[t]
}

// logicalAggCall prints an aggregate call as Calcite's AggregateCall does:
// COUNT() for COUNT(*), $SUM0 for the sum that is 0 when empty.
func logicalAggCall(c AggCall) string {
	fn := c.Func
	if fn == "SUM0" {
		fn = "$SUM0"
	}
	arg := ""
	if c.Arg >= 0 {
		arg = "$" + strconv.Itoa(c.Arg)
	}
	if c.Distinct {
		arg = "DISTINCT " + arg
	}
	if c.Func == "LISTAGG" && c.Separator != "" {
		arg += ", _UTF-16LE'" + strings.ReplaceAll(c.Separator, "'", "''") + "'"
	}
	return fn + "(" + arg + ")"
}

// valuesTuples prints the rows of a VALUES as Calcite does:
// [{ 1, _UTF-16LE'a' }, { 2, null:INTEGER }].
func valuesTuples(v *Values, st rexStyle) string {
	rows := make([]string, v.Rows.Len)
	for r := range rows {
		vals := make([]string, len(v.Rows.Cols))
		for c, col := range v.Rows.Cols {
			switch {
			case col.IsNull(r) || col.Type.Kind == types.KindNull:
				vals[c] = "null:" + calciteType(col.Type.WithNullable(true))
			case col.Type.Kind == types.KindVarChar || col.Type.Kind == types.KindChar:
				text := "'" + strings.ReplaceAll(string(types.AppendValue(nil, col, r, types.StyleSQL)), "'", "''") + "'"
				if st != rexExec {
					text = "_UTF-16LE" + text
				}
				vals[c] = text
			default:
				vals[c] = string(types.AppendValue(nil, col, r, types.StyleSQL))
			}
		}
		rows[r] = "{ " + strings.Join(vals, ", ") + " }"
	}
	return "[" + strings.Join(rows, ", ") + "]"
}

func columnNames(cols []Column) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.Name
	}
	return out
}

// ---- the optimized plans ----

// physicalTree renders an optimized plan with its exchanges; decorate adds
// a node's changelog mode and advice mark to its line.
func physicalTree(n Node, st rexStyle, decorate func(n Node, line string) string) *treeLine {
	t := &treeLine{text: decorate(n, physicalLine(n, st))}
	for i, in := range n.Inputs() {
		k := physicalTree(in, st, decorate)
		if dist, ok := exchangeOf(n, i); ok {
			k = &treeLine{text: decorate(in, "Exchange(distribution=["+dist+"])"), kids: []*treeLine{k}}
		}
		t.kids = append(t.kids, k)
	}
	return t
}

// physicalLine describes one node of an optimized plan.
func physicalLine(n Node, st rexStyle) string {
	switch x := n.(type) {
	case *Scan:
		return scanLine(x)
	case *Calc:
		name := func(i int) string { return x.Input.Schema()[i].Name }
		sel := make([]string, len(x.Exprs))
		for i, e := range x.Exprs {
			s := rexText(e, st, name)
			if s != x.Names[i] {
				s += " AS " + x.Names[i]
			}
			sel[i] = s
		}
		d := "Calc(select=[" + strings.Join(sel, ", ") + "]"
		if x.Condition != nil {
			d += ", where=[" + rexText(x.Condition, st, name) + "]"
		}
		return d + ")"
	case *WatermarkAssigner:
		name := func(i int) string { return x.Input.Schema()[i].Name }
		return "WatermarkAssigner(rowtime=[" + x.Input.Schema()[x.Rowtime].Name + "], watermark=[" + rexText(x.Strategy, st, name) + "])"
	case *Join:
		return joinLine(x, st)
	case *Values:
		return "Values(tuples=[" + valuesTuples(x, st) + "])"
	}
	return n.Describe()
}

// scanLine is Flink's TableSourceScan: what was pushed into the source
// (filter, projection) is part of the table path.
func scanLine(s *Scan) string {
	path := strings.ReplaceAll(s.Table.Name, ".", ", ")
	if len(s.Filters) > 0 {
		fs := make([]string, len(s.Filters))
		for i, f := range s.Filters {
			fs[i] = rexText(f, rexRel, nil)
		}
		f := strings.Join(fs, ", ")
		if len(fs) > 1 {
			f = "and(" + f + ")"
		}
		path += ", filter=[" + f + "]"
	}
	projected := len(s.Columns) != len(s.Table.ConnectorColumns)
	for i, c := range s.Columns {
		projected = projected || c != i
	}
	names := columnNames(s.schema)
	if projected {
		path += ", project=[" + strings.Join(names, ", ") + "]"
	}
	return "TableSourceScan(table=[[" + path + "]], fields=[" + strings.Join(names, ", ") + "])"
}

// joinLine is Flink's regular Join: the join type, the condition over the
// joined row's field names, and how each input's rows are kept (by a
// unique key contained in the join key, by a unique key, or none).
func joinLine(j *Join, st rexStyle) string {
	// The condition reads the left row then the right one, also where
	// the output is the left row only (semi and anti joins); a right
	// column's name is made unique as the join's own schema does.
	nl := len(j.Left.Schema())
	all := columnNames(j.schema)
	if len(all) == nl {
		used := map[string]bool{}
		for _, n := range all {
			used[n] = true
		}
		for _, c := range j.Right.Schema() {
			n := c.Name
			for k := 0; used[n]; k++ {
				n = c.Name + strconv.Itoa(k)
			}
			used[n] = true
			all = append(all, n)
		}
	}
	name := func(i int) string {
		if i < len(all) {
			return all[i]
		}
		return "$" + strconv.Itoa(i)
	}
	var conds []string
	for i := range j.LeftKeys {
		l, r := name(j.LeftKeys[i]), name(nl+j.RightKeys[i])
		if st == rexExec {
			conds = append(conds, "("+l+" = "+r+")")
		} else {
			conds = append(conds, "=("+l+", "+r+")")
		}
	}
	if j.Residual != nil {
		conds = append(conds, rexText(j.Residual, st, name))
	}
	where := andText(conds, "true")
	if st == rexExec && len(conds) > 1 {
		where = "(" + strings.Join(conds, " AND ") + ")"
	}
	sel := strings.Join(columnNames(j.schema), ", ")
	if j.Interval != nil {
		// The bounds as the plan node describes them.
		d := j.Describe()
		bounds := ""
		if i := strings.Index(d, "windowBounds=["); i >= 0 {
			if k := strings.IndexByte(d[i:], ']'); k >= 0 {
				bounds = d[i:i+k+1] + ", "
			}
		}
		return "IntervalJoin(joinType=[" + j.Type.String() + "], " + bounds + "where=[" + where + "], select=[" + sel + "])"
	}
	ttl := ""
	if j.StateTTL != [2]time.Duration{} {
		ttl = ", stateTtl=[left=" + j.StateTTL[0].String() + ", right=" + j.StateTTL[1].String() + "]"
	}
	return "Join(joinType=[" + j.Type.String() + "], where=[" + where + "], select=[" + sel +
		"], leftInputSpec=[" + inputSpec(j.Left, j.LeftKeys) + "], rightInputSpec=[" + inputSpec(j.Right, j.RightKeys) + "]" + ttl + ")"
}

// inputSpec is Flink's JoinInputSideSpec of one join input.
func inputSpec(in Node, joinKeys []int) string {
	uks := upsertKeys(in)
	for _, uk := range uks {
		contained := len(uk) > 0
		for _, k := range uk {
			contained = contained && slices.Contains(joinKeys, k)
		}
		if contained {
			return "JoinKeyContainsUniqueKey"
		}
	}
	if len(uks) > 0 {
		return "HasUniqueKey"
	}
	return "NoUniqueKey"
}

// exchangeOf is the shuffle in front of input i of n as BuildGraph plans
// it: "hash[keys]" by the key columns, "single" into one task; ok is false
// for a forward edge (not shown).
func exchangeOf(n Node, i int) (string, bool) {
	var keys []int
	in := n.Inputs()[i]
	switch x := n.(type) {
	case *Aggregate:
		keys = x.Keys
	case *GlobalAggregate:
		keys = seq(0, x.NumKeys)
	case *WindowAggregate:
		keys = x.Keys
	case *SessionWindowAggregate:
		keys = x.Keys
	case *Rank:
		keys = x.PartitionBy
	case *OverAggregate:
		keys = x.PartitionBy
	case *SinkMaterializer:
		keys = x.PK
	case *BatchFinal, *TemporalSort:
	case *Join:
		keys = x.LeftKeys
		if i == 1 {
			keys = x.RightKeys
		}
	case *TemporalJoin:
		keys = x.LeftKeys
		if i == 1 {
			keys = x.RightKeys
		}
	case *WindowJoin:
		l, r := x.stateKeys()
		keys = l
		if i == 1 {
			keys = r
		}
	default:
		return "", false
	}
	if len(keys) == 0 {
		return "single", true
	}
	sc := in.Schema()
	names := make([]string, len(keys))
	for j, k := range keys {
		names[j] = sc[k].Name
	}
	return "hash[" + strings.Join(names, ", ") + "]", true
}
