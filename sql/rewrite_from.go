package sql

import (
	"strconv"
	"strings"
)

// This file holds the rewrites of table references in FROM: table
// functions, UNNEST, names TiDB cannot take, FOR SYSTEM_TIME AS OF and alias
// column lists.

// tablePos reports whether token k stands where a table reference goes:
// after FROM, JOIN, a comma of a FROM list, or an opening parenthesis there.
func (r *rewriter) tablePos(k int) bool {
	if k == 0 {
		return false
	}
	p := r.toks[k-1]
	top := r.ctx[len(r.ctx)-1]
	return p.Is("FROM") || p.Is("JOIN") || p.Is("STRAIGHT_JOIN") || p.Is("LATERAL") ||
		(p.IsOp(",") && top.clause == "FROM") || (p.IsOp("(") && top.table && top.clause == "")
}

// tableRef rewrites a table reference at k if it needs it, returning -1
// when it is left to the general rules.
func (r *rewriter) tableRef(k, j int) int {
	t := r.toks[k]
	switch {
	case t.Is("TABLE") && r.at(k+1, j).IsOp("("):
		return r.tableFunc(k, k, j, false)
	case t.Is("LATERAL") && r.at(k+1, j).Is("TABLE") && r.at(k+2, j).IsOp("("):
		return r.tableFunc(k, k+1, j, true)
	case t.Is("UNNEST") && r.at(k+1, j).IsOp("("):
		return r.unnest(k, j)
	case t.Kind == TokQuotedIdent || (t.Kind == TokIdent && !keywordLike(t)):
		return r.tableName(k, j)
	}
	return -1
}

// tableName rewrites a table name with its hints, FOR SYSTEM_TIME AS OF and
// alias column list.
func (r *rewriter) tableName(k, j int) int {
	e := k + 1
	for r.at(e, j).IsOp(".") && r.at(e+1, j).isName() {
		e += 2
	}
	if r.at(e, j).IsOp("(") {
		return -1 // a function call
	}
	name := ObjectName{Pos: r.toks[k].Pos}
	for i := k; i < e; i += 2 {
		name.Parts = append(name.Parts, r.toks[i].Value())
	}
	hints, hintEnd := r.hintsAfter(e - 1)
	need := len(name.Parts) > 2 || len(hints) > 0
	if need {
		ref := TableRef{Name: name, Pos: name.Pos}
		for _, h := range hints {
			ref.Hints = append(ref.Hints, h.Text)
			ref.Options = append(ref.Options, hintOptions(h, Segment{Text: r.src, Pos: r.base})...)
		}
		r.replace(k, e, "__table_"+strconv.Itoa(len(r.rw.Tables)))
		r.rw.Tables = append(r.rw.Tables, ref)
		r.skipTo(hintEnd)
	} else {
		for i := k; i < e; i++ {
			r.emitWord(i, j)
		}
	}
	defaultAlias := ""
	if need {
		defaultAlias = name.Name()
	}
	if r.at(e, j).Is("FOR") && r.at(e+1, j).Is("SYSTEM_TIME") && r.at(e+2, j).Is("AS") && r.at(e+3, j).Is("OF") {
		s := e + 4
		x := r.asOfEnd(s, j)
		if x == s {
			r.fail(r.at(s, j), "<EXPRESSION>")
		}
		alias, cols, after, ok := r.alias(x, j)
		if !ok {
			alias, after = defaultAlias, x
		}
		if alias != "" {
			r.replace(e, s, "AS "+quoteIdent(alias)+" AS OF TIMESTAMP")
		} else {
			r.replace(e, s, "AS OF TIMESTAMP")
		}
		r.inner(s, x)
		r.skipTo(r.hi(after - 1))
		r.columnAliases(alias, cols)
		return after
	}
	if _, _, _, ok := r.alias(e, j); ok {
		return r.aliasList(e, j)
	}
	if defaultAlias != "" {
		r.synth(" AS "+quoteIdent(defaultAlias), r.lo(k))
	}
	return e
}

// hintsAfter returns the hint comments right after token k and the offset
// where the last one ends.
func (r *rewriter) hintsAfter(k int) ([]Token, int) {
	end := r.hi(k)
	limit := r.lo(k + 1)
	var out []Token
	for _, c := range r.comments {
		lo := c.Pos.Offset - r.base.Offset
		if lo >= end && lo < limit {
			if c.Hint() {
				out = append(out, c)
				end = c.End - r.base.Offset
			}
		}
	}
	return out, end
}

// hintOptions reads OPTIONS('k' = 'v', ...) from a hint comment of seg;
// other hints are skipped.
func hintOptions(h Token, seg Segment) []Option { return hintPairs(h, seg, "OPTIONS") }

// hintPairs reads the 'k' = 'v' pairs of the hints named name in a hint
// comment of seg; other hints are skipped.
func hintPairs(h Token, seg Segment, name string) []Option {
	body := strings.TrimSuffix(h.Text[3:], "*/")
	toks := significant(Tokenize(body, advancePos(h.Pos, h.Text[:3])))
	p := &parser{seg: seg, toks: toks}
	var out []Option
	for p.cur().Kind != TokEOF {
		if !p.cur().isName() {
			p.fail("<IDENTIFIER>")
		}
		hint := p.next()
		if !hint.Is(name) {
			if p.cur().IsOp("(") {
				p.i = skipParens(toks, p.i)
			}
		} else {
			p.expectOp("(")
			for !p.acceptOp(")") {
				kt := p.cur()
				k := p.stringLit()
				p.expectOp("=")
				v := p.stringLit()
				out = append(out, Option{Key: k, Value: v, Pos: kt.Pos})
				if !p.cur().IsOp(")") {
					p.expectOp(",")
				}
			}
		}
		p.acceptOp(",")
	}
	return out
}

// skipParens returns the index after the parenthesised group at i.
func skipParens(toks []Token, i int) int {
	depth := 0
	for ; i < len(toks)-1; i++ {
		switch {
		case toks[i].IsOp("("):
			depth++
		case toks[i].IsOp(")"):
			depth--
			if depth == 0 {
				return i + 1
			}
		}
	}
	return i
}

// notAlias are words that follow a table reference without being its alias.
var notAlias = map[string]bool{
	"ON": true, "USING": true, "JOIN": true, "INNER": true, "LEFT": true, "RIGHT": true,
	"FULL": true, "CROSS": true, "NATURAL": true, "WHERE": true, "GROUP": true, "HAVING": true,
	"ORDER": true, "LIMIT": true, "OFFSET": true, "FETCH": true, "UNION": true, "INTERSECT": true,
	"EXCEPT": true, "MINUS": true, "WINDOW": true, "QUALIFY": true, "FOR": true, "AS": true,
	"LATERAL": true, "WITH": true, "TABLESAMPLE": true, "MATCH_RECOGNIZE": true, "STRAIGHT_JOIN": true,
	"OVER": true, "FILTER": true, "END": true, "SELECT": true, "FROM": true, "VALUES": true,
	"AND": true, "OR": true, "NOT": true, "IS": true, "IN": true, "BETWEEN": true, "LIKE": true,
	"WHEN": true, "THEN": true, "ELSE": true, "PARTITION": true,
}

// keywordLike reports whether t is a word with a syntactic role that stops
// it from being a table name, an alias or a function name.
func keywordLike(t Token) bool {
	w := upperWord(t)
	return notAlias[w] || clauseWords[w] || w == "EXISTS"
}

// alias reads [AS] alias [(c1, ...)] at k. after is the index past it.
func (r *rewriter) alias(k, j int) (alias string, cols []string, after int, ok bool) {
	a := k
	if r.at(a, j).Is("AS") {
		a++
		if !r.at(a, j).isName() {
			return "", nil, k, false
		}
	} else if t := r.at(a, j); !t.isName() || (t.Kind == TokIdent && notAlias[upperWord(t)]) {
		return "", nil, k, false
	}
	alias = r.toks[a].Value()
	after = a + 1
	if r.at(after, j).IsOp("(") && r.at(after+1, j).isName() {
		m := r.match(after, j)
		if m < 0 {
			return alias, nil, after, true
		}
		for _, it := range r.split(after+1, m) {
			if it[1] != it[0]+1 || !r.toks[it[0]].isName() {
				return alias, nil, after, true
			}
			cols = append(cols, r.toks[it[0]].Value())
		}
		after = m + 1
	}
	return alias, cols, after, true
}

// aliasList handles an alias at k after a table reference: the alias is
// copied, a column list after it is dropped and recorded.
func (r *rewriter) aliasList(k, j int) int {
	alias, cols, after, ok := r.alias(k, j)
	if !ok || cols == nil {
		return k
	}
	e := k + 1
	if r.toks[k].Is("AS") {
		e++
	}
	for i := k; i < e; i++ {
		r.emitWord(i, j)
	}
	r.skipTo(r.hi(after - 1))
	r.columnAliases(alias, cols)
	return after
}

// columnAliases records an alias column list.
func (r *rewriter) columnAliases(alias string, cols []string) {
	if cols == nil {
		return
	}
	if r.rw.ColumnAliases == nil {
		r.rw.ColumnAliases = map[string][]string{}
	}
	r.rw.ColumnAliases[alias] = cols
}

// emitAlias writes the alias at k (if any) after a replaced table reference
// and returns the index past it.
func (r *rewriter) emitAlias(k, j int) (string, []string, int) {
	alias, cols, after, ok := r.alias(k, j)
	if !ok {
		return "", nil, k
	}
	r.synth(" AS "+quoteIdent(alias), r.lo(k))
	r.skipTo(r.hi(after - 1))
	r.columnAliases(alias, cols)
	return alias, cols, after
}

// asOfEnd returns the end of the expression after FOR SYSTEM_TIME AS OF at s.
func (r *rewriter) asOfEnd(s, j int) int {
	depth := 0
	prevOperand := false
	for i := s; i < j; i++ {
		t := r.toks[i]
		if depth == 0 {
			if t.IsOp(",") || t.IsOp(")") || t.IsOp(";") || (t.Kind == TokIdent && notAlias[upperWord(t)]) {
				return i
			}
			if t.isName() && prevOperand {
				return i // an alias without AS
			}
		}
		switch {
		case t.IsOp("(") || t.IsOp("["):
			depth++
		case t.IsOp(")") || t.IsOp("]"):
			depth--
		}
		prevOperand = t.isName() || t.IsOp(")") || t.Kind == TokNumber || t.Kind == TokString
		if t.IsOp(".") {
			prevOperand = false
		}
	}
	return j
}

// tableFunc rewrites TABLE(f(args)) (tk is the TABLE token, k the first
// token, which is LATERAL when lateral).
func (r *rewriter) tableFunc(k, tk, j int, lateral bool) int {
	m := r.mustMatch(tk+1, j)
	a := tk + 2
	if !r.at(a, m).isName() {
		r.fail(r.at(a, m), "<IDENTIFIER>")
	}
	sub := r.subParser(a, m)
	name := sub.name()
	call := a + sub.i
	if !r.at(call, m).IsOp("(") {
		r.fail(r.at(call, m), "(")
	}
	cm := r.mustMatch(call, m)
	if cm != m-1 {
		r.fail(r.at(cm+1, m), ")")
	}
	tf := TableFunc{Name: name, Lateral: lateral, Pos: r.toks[k].Pos}
	for _, it := range r.split(call+1, cm) {
		tf.Args = append(tf.Args, r.tableFuncArg(it[0], it[1]))
	}
	idx := len(r.rw.TableFuncs)
	r.rw.TableFuncs = append(r.rw.TableFuncs, tf)
	r.replace(k, m+1, "__tvf_"+strconv.Itoa(idx))
	alias, cols, after := r.emitAlias(m+1, j)
	r.rw.TableFuncs[idx].Alias, r.rw.TableFuncs[idx].Columns = alias, cols
	return after
}

// tableFuncArg parses one argument of a table function, tokens a..b-1.
func (r *rewriter) tableFuncArg(a, b int) TableFuncArg {
	arg := TableFuncArg{Pos: r.at(a, b).Pos}
	if r.at(a, b).isName() && r.at(a+1, b).IsOp("=>") {
		arg.Name = r.toks[a].Value()
		a += 2
	}
	t := r.at(a, b)
	switch {
	case t.Kind == TokEOF:
		r.fail(t, "<EXPRESSION>")
	case t.Is("TABLE"):
		sub := r.subParser(a+1, b)
		n := sub.name()
		arg.Table = &n
		if sub.acceptSeq("PARTITION", "BY") {
			if sub.cur().IsOp("(") {
				arg.PartitionBy = sub.identList()
			} else {
				for {
					s, _ := sub.ident()
					arg.PartitionBy = append(arg.PartitionBy, s)
					if !sub.acceptOp(",") {
						break
					}
				}
			}
		}
		sub.expectEOF("PARTITION")
	case t.Is("DESCRIPTOR") && r.at(a+1, b).IsOp("("):
		sub := r.subParser(a+1, b)
		arg.Descriptor = sub.identList()
		sub.expectEOF()
	default:
		arg.Expr = r.subExpr(a, b)
	}
	return arg
}

// unnest rewrites UNNEST(expr) [WITH ORDINALITY] [AS] t(c, ...).
func (r *rewriter) unnest(k, j int) int {
	m := r.mustMatch(k+1, j)
	if m == k+2 {
		r.fail(r.toks[m], "<EXPRESSION>")
	}
	u := Unnest{Expr: r.subExpr(k+2, m), Pos: r.toks[k].Pos}
	after := m + 1
	if r.at(after, j).Is("WITH") && r.at(after+1, j).Is("ORDINALITY") {
		u.Ordinality = true
		after += 2
	}
	idx := len(r.rw.Unnests)
	r.rw.Unnests = append(r.rw.Unnests, u)
	r.replace(k, after, "__unnest_"+strconv.Itoa(idx))
	alias, cols, end := r.emitAlias(after, j)
	r.rw.Unnests[idx].Alias, r.rw.Unnests[idx].Columns = alias, cols
	return end
}

// subParser returns a statement parser over tokens a..b-1; the token at b
// ends it (shown by its own text in errors).
func (r *rewriter) subParser(a, b int) *parser {
	toks := make([]Token, 0, b-a+1)
	toks = append(toks, r.toks[a:b]...)
	toks = append(toks, r.at(b, b))
	return &parser{seg: Segment{Text: r.src, Pos: r.base}, toks: toks}
}

// subExpr parses tokens a..b-1 as a separate expression.
func (r *rewriter) subExpr(a, b int) *Expr {
	end := r.rw.terminator
	if t := r.toks[min(b, len(r.toks)-1)]; t.Kind != TokEOF {
		end = &t
	}
	x, err := parseExpr(r.src[r.lo(a):r.hi(b-1)], r.toks[a].Pos, end)
	if err != nil {
		err.maskSecrets(r.src, r.base.Line, r.base.Col)
		panic(bail{err})
	}
	return x
}
