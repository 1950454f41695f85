package sql

import (
	"strconv"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
)

// TableColumns resolves a table or view a query reads: its full path
// (catalog, database, name) and its column names.
type TableColumns func(name ObjectName) (path []string, columns []string, ok bool)

// Expanded renders the query as Flink stores a view's expanded query
// (Calcite's unparsing of the validated query): tables by their full path
// with an alias, every column qualified by its table's alias, * expanded,
// one clause per line. It covers SELECT [DISTINCT] ... FROM tables and
// joins [WHERE] [GROUP BY] [HAVING]; for anything else (subqueries, set
// operations, table functions, ORDER BY, ...) it reports false.
func (q *Query) Expanded(resolve TableColumns) (string, bool) {
	sel, ok := q.Node.(*ast.SelectStmt)
	if !ok || sel.Kind != ast.SelectStmtKindSelect || sel.With != nil || sel.OrderBy != nil || sel.Limit != nil ||
		sel.WindowSpecs != nil || len(sel.TableHints) > 0 || sel.From == nil || sel.Fields == nil || q.Rewrites != nil && len(q.Rewrites.StateTTL) > 0 {
		return "", false
	}
	e := &expander{rw: q.Rewrites, resolve: resolve}
	from := e.from(sel.From.TableRefs)
	if e.failed {
		return "", false
	}
	u := unparser{rw: q.Rewrites, qualify: e.qualify, failed: &e.failed, aggregates: true}
	var b strings.Builder
	b.WriteString("SELECT ")
	if sel.Distinct {
		b.WriteString("DISTINCT ")
	}
	var items []string
	for _, f := range sel.Fields.Fields {
		if f.WildCard != nil {
			items = append(items, e.star(f.WildCard)...)
			continue
		}
		s := u.expr(f.Expr, 0)
		if f.AsName.O != "" {
			s += " AS " + quoteIdent(f.AsName.O)
		}
		items = append(items, s)
	}
	b.WriteString(strings.Join(items, ", "))
	b.WriteString("\nFROM " + from)
	if sel.Where != nil {
		b.WriteString("\nWHERE " + u.expr(sel.Where, 0))
	}
	if sel.GroupBy != nil {
		var gs []string
		for _, it := range sel.GroupBy.Items {
			gs = append(gs, u.expr(it.Expr, 0))
		}
		b.WriteString("\nGROUP BY " + strings.Join(gs, ", "))
	}
	if sel.Having != nil {
		b.WriteString("\nHAVING " + u.expr(sel.Having.Expr, 0))
	}
	if e.failed {
		return "", false
	}
	return b.String(), true
}

type expandSource struct {
	alias   string
	columns []string
}

type expander struct {
	rw      *Rewrites
	resolve TableColumns
	sources []expandSource
	failed  bool
}

// from renders a FROM clause: a table or a tree of joins.
func (e *expander) from(n ast.ResultSetNode) string {
	switch x := n.(type) {
	case *ast.Join:
		if x.Right == nil {
			return e.from(x.Left)
		}
		if x.NaturalJoin || x.Using != nil {
			e.failed = true
			return ""
		}
		left := e.from(x.Left)
		right := e.from(x.Right)
		kind := "INNER JOIN"
		switch {
		case x.StraightJoin:
			kind = "FULL JOIN"
		case x.Tp == ast.LeftJoin:
			kind = "LEFT JOIN"
		case x.Tp == ast.RightJoin:
			kind = "RIGHT JOIN"
		case x.On == nil:
			kind = "CROSS JOIN"
		}
		s := left + "\n" + kind + " " + right
		if x.On != nil {
			u := unparser{rw: e.rw, qualify: e.qualify, failed: &e.failed}
			s += " ON " + u.expr(x.On.Expr, 0)
		}
		return s
	case *ast.TableSource:
		tn, ok := x.Source.(*ast.TableName)
		if !ok || tn.AsOf != nil || len(tn.IndexHints) > 0 {
			e.failed = true
			return ""
		}
		name := ObjectName{Parts: []string{tn.Name.O}}
		if tn.Schema.O != "" {
			name.Parts = []string{tn.Schema.O, tn.Name.O}
		}
		if strings.HasPrefix(tn.Name.L, "__") {
			i, err := strconv.Atoi(strings.TrimPrefix(tn.Name.L, "__table_"))
			if err != nil || e.rw == nil || i >= len(e.rw.Tables) {
				e.failed = true
				return ""
			}
			ref := e.rw.Tables[i]
			if len(ref.Options) > 0 || len(ref.Hints) > 0 {
				e.failed = true
				return ""
			}
			name = ref.Name
		}
		path, cols, ok := e.resolve(name)
		if !ok {
			e.failed = true
			return ""
		}
		alias := x.AsName.O
		if alias == "" {
			alias = name.Name()
		}
		e.sources = append(e.sources, expandSource{alias: alias, columns: cols})
		parts := make([]string, len(path))
		for i, p := range path {
			parts[i] = quoteIdent(p)
		}
		return strings.Join(parts, ".") + " AS " + quoteIdent(alias)
	}
	e.failed = true
	return ""
}

// qualify renders a column reference qualified by the alias of the one
// source that has the column.
func (e *expander) qualify(table, column string) (string, bool) {
	found := ""
	for _, s := range e.sources {
		if table != "" && s.alias != table {
			continue
		}
		for _, c := range s.columns {
			if c == column {
				if found != "" {
					return "", false // ambiguous
				}
				found = quoteIdent(s.alias) + "." + quoteIdent(column)
			}
		}
	}
	return found, found != ""
}

// star expands * or t.* into the qualified columns.
func (e *expander) star(w *ast.WildCardField) []string {
	if w.Schema.O != "" {
		e.failed = true
		return nil
	}
	var out []string
	matched := false
	for _, s := range e.sources {
		if w.Table.O != "" && s.alias != w.Table.O {
			continue
		}
		matched = true
		for _, c := range s.columns {
			out = append(out, quoteIdent(s.alias)+"."+quoteIdent(c))
		}
	}
	if !matched {
		e.failed = true
	}
	return out
}
