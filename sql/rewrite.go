package sql

import (
	"strconv"
	"strings"
)

// rewrite turns the Flink query (or expression) text that starts at base
// into text the TiDB parser accepts, as listed in the doc comment of
// Rewrites. prefix is put in front (it maps to the start of text). Syntax
// errors in the Flink-only constructs unwind with a bail. end is the token
// after the text, if any (see Rewrites.terminator); quote holds the source
// offsets of function names to quote (see rewriteAndParse).
func rewrite(text string, base Pos, prefix string, end *Token, quote map[int]bool) *Rewrites {
	all := Tokenize(text, base)
	r := &rewriter{
		src:   text,
		base:  base,
		toks:  significant(all),
		rw:    &Rewrites{source: text, base: base, terminator: end},
		ctx:   []parenCtx{{}},
		quote: quote,
	}
	r.clean = blankComments(text, all, base.Offset)
	for _, t := range all {
		if t.Kind == TokComment {
			r.comments = append(r.comments, t)
		}
	}
	if prefix != "" {
		r.synth(prefix, 0)
	}
	r.run(0, len(r.toks)-1)
	r.rw.Text = r.out.String()
	r.rw.offsets = r.marks
	return r.rw
}

// blankComments returns src with every comment except hints replaced by
// spaces (newlines kept), so TiDB never sees Flink comments it would read
// differently ("--x", "/*! ... */").
func blankComments(src string, all []Token, baseOff int) string {
	var b []byte
	for _, t := range all {
		if t.Kind != TokComment || t.Hint() {
			continue
		}
		if b == nil {
			b = []byte(src)
		}
		for i := t.Pos.Offset - baseOff; i < t.End-baseOff; i++ {
			if b[i] != '\n' && b[i] != '\r' {
				b[i] = ' '
			}
		}
	}
	if b == nil {
		return src
	}
	return string(b)
}

// parenCtx is what the rewriter knows about one parenthesis level.
type parenCtx struct {
	clause string // the last clause keyword seen at this level (FROM, WHERE, ...)
	table  bool   // the parenthesis opened where a table reference goes
}

// rewriter is the state of rewrite.
type rewriter struct {
	src      string
	clean    string // src with comments blanked
	base     Pos
	toks     []Token // significant tokens, ending with TokEOF
	comments []Token
	rw       *Rewrites

	out   strings.Builder
	marks []offsetMark
	pos   int // offset in src up to which the text has been consumed
	ctx   []parenCtx
	quote map[int]bool // function names to quote, by source offset
}

// lo and hi are the local start and end offsets of token k.
func (r *rewriter) lo(k int) int { return r.toks[min(k, len(r.toks)-1)].Pos.Offset - r.base.Offset }
func (r *rewriter) hi(k int) int { return r.toks[min(k, len(r.toks)-1)].End - r.base.Offset }

// at returns token k, or an EOF token when k is at or past the range end j;
// such an EOF carries the text of the token that ends the range.
func (r *rewriter) at(k, j int) Token {
	if k < j && k < len(r.toks) {
		return r.toks[k]
	}
	end := r.toks[min(j, len(r.toks)-1)]
	return Token{Kind: TokEOF, Text: end.Text, Pos: end.Pos, End: end.Pos.Offset}
}

// copyTo copies the source text from the current position up to off.
func (r *rewriter) copyTo(off int) {
	if off <= r.pos {
		return
	}
	n := len(r.marks)
	if n == 0 || r.marks[n-1].synthetic || r.out.Len()-r.marks[n-1].rewritten != r.pos-r.marks[n-1].original {
		r.marks = append(r.marks, offsetMark{rewritten: r.out.Len(), original: r.pos})
	}
	r.out.WriteString(r.clean[r.pos:off])
	r.pos = off
}

// skipTo drops the source text up to off.
func (r *rewriter) skipTo(off int) {
	if off > r.pos {
		r.pos = off
	}
}

// synth writes text that stands for the source at offset orig; a space
// keeps it from gluing to a preceding word.
func (r *rewriter) synth(s string, orig int) {
	if s == "" {
		return
	}
	if out := r.out.String(); out != "" && wordByte(out[len(out)-1]) && wordByte(s[0]) {
		s = " " + s
	}
	r.marks = append(r.marks, offsetMark{rewritten: r.out.Len(), original: orig, synthetic: true})
	r.out.WriteString(s)
}

func wordByte(c byte) bool {
	return c == '_' || c == '$' || c == '`' || c == '\'' || c == '"' || isDigit(c) ||
		(c|0x20 >= 'a' && c|0x20 <= 'z') || c >= 0x80
}

// emit copies token k with the text before it.
func (r *rewriter) emit(k int) { r.copyTo(r.hi(k)) }

// gap copies the text before token k.
func (r *rewriter) gap(k int) { r.copyTo(r.lo(k)) }

// replace writes s in place of tokens k..e-1.
func (r *rewriter) replace(k, e int, s string) {
	r.gap(k)
	r.synth(s, r.lo(k))
	r.skipTo(r.hi(e - 1))
}

// fail reports t as unexpected.
func (r *rewriter) fail(t Token, expected ...string) {
	if t.Kind == TokEOF && t.Text == "" && r.rw.terminator != nil {
		t = *r.rw.terminator
	}
	if t.Kind == TokEOF && t.Text == "" && len(r.toks) > 1 {
		t.Pos = lastCharPos(r.toks[len(r.toks)-2])
	}
	panic(bail{r.rw.errorAt(t.Pos, encountered(t, expected...))})
}

// match returns the index of the bracket closing the one at k, or -1 when
// it is not closed before j.
func (r *rewriter) match(k, j int) int {
	depth := 0
	for i := k; i < j; i++ {
		t := r.toks[i]
		switch {
		case t.IsOp("(") || t.IsOp("["):
			depth++
		case t.IsOp(")") || t.IsOp("]"):
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

// mustMatch is match that fails on an unclosed bracket.
func (r *rewriter) mustMatch(k, j int) int {
	m := r.match(k, j)
	if m < 0 {
		closer := ")"
		if r.toks[k].IsOp("[") {
			closer = "]"
		}
		r.fail(r.at(j, j), closer)
	}
	return m
}

// split cuts tokens a..b-1 at top-level commas, returning [start, end) pairs
// (none for an empty range).
func (r *rewriter) split(a, b int) [][2]int {
	if a >= b {
		return nil
	}
	var out [][2]int
	depth, start := 0, a
	for i := a; i < b; i++ {
		t := r.toks[i]
		switch {
		case t.IsOp("(") || t.IsOp("["):
			depth++
		case t.IsOp(")") || t.IsOp("]"):
			depth--
		case t.IsOp(",") && depth == 0:
			out = append(out, [2]int{start, i})
			start = i + 1
		}
	}
	return append(out, [2]int{start, b})
}

// push and pop track parenthesis levels.
func (r *rewriter) push(table bool) { r.ctx = append(r.ctx, parenCtx{table: table}) }

func (r *rewriter) pop() parenCtx {
	c := r.ctx[len(r.ctx)-1]
	if len(r.ctx) > 1 {
		r.ctx = r.ctx[:len(r.ctx)-1]
	}
	return c
}

// inner rewrites tokens a..b-1 as a nested level.
func (r *rewriter) inner(a, b int) {
	r.push(false)
	r.run(a, b)
	r.pop()
}

// run rewrites tokens i..j-1.
func (r *rewriter) run(i, j int) {
	for k := i; k < j; {
		k = r.step(k, j)
	}
}

// clauseWords are the keywords that start a clause of a query.
var clauseWords = map[string]bool{
	"SELECT": true, "FROM": true, "WHERE": true, "GROUP": true, "HAVING": true, "ORDER": true,
	"LIMIT": true, "WINDOW": true, "UNION": true, "INTERSECT": true, "EXCEPT": true, "ON": true,
	"USING": true, "QUALIFY": true, "OFFSET": true, "FETCH": true,
}

// step rewrites the construct that starts at token k (before j) and returns
// the index after it.
func (r *rewriter) step(k, j int) int {
	t := r.toks[k]
	word := upperWord(t)
	next := r.at(k+1, j)
	switch {
	case t.IsOp(";"):
		r.fail(t)
	case word == "ASYMMETRIC" && k > 0 && upperWord(r.toks[k-1]) == "BETWEEN":
		// BETWEEN ASYMMETRIC is BETWEEN (as Flink stores it).
		r.replace(k, k+1, "")
		return k + 1
	case (word == "CAST" || word == "TRY_CAST") && next.IsOp("("):
		return r.cast(k, j)
	case word == "INTERVAL":
		return r.interval(k, j)
	case word == "ORDER" && next.Is("BY"):
		if e := r.orderBy(k, j); e >= 0 {
			return e
		}
	case word == "LIMIT" || word == "OFFSET" && isCount(next) || word == "FETCH" && (next.Is("FIRST") || next.Is("NEXT")):
		if e := r.limitTail(k, j); e >= 0 {
			return e
		}
	case (word == "ARRAY" || word == "MAP") && next.IsOp("["):
		m := r.mustMatch(k+1, j)
		r.replace(k, k+2, "__"+strings.ToLower(word)+"(")
		r.inner(k+2, m)
		r.replace(m, m+1, ")")
		return m + 1
	}
	if r.tablePos(k) {
		if e := r.tableRef(k, j); e >= 0 {
			return e
		}
	}
	switch {
	case word == "VALUES" && next.IsOp("("):
		return r.values(k, j)
	case word == "GROUPING" && next.Is("SETS") && r.at(k+2, j).IsOp("("):
		m := r.mustMatch(k+2, j)
		r.replace(k, k+3, "__grouping_sets(")
		r.groupingItems(k+3, m)
		r.replace(m, m+1, ")")
		return m + 1
	case (word == "ROLLUP" || word == "CUBE") && next.IsOp("("):
		m := r.mustMatch(k+1, j)
		r.replace(k, k+2, "__"+strings.ToLower(word)+"(")
		r.groupingItems(k+2, m)
		r.replace(m, m+1, ")")
		return m + 1
	case word == "LISTAGG" && next.IsOp("("):
		// LISTAGG(x [, sep]) is TiDB's GROUP_CONCAT(x SEPARATOR sep); the
		// default separator is a comma, as in Flink.
		m := r.mustMatch(k+1, j)
		parts := r.split(k+2, m)
		r.replace(k, k+2, "GROUP_CONCAT(")
		if len(parts) == 2 {
			r.inner(parts[0][0], parts[0][1])
			r.replace(parts[0][1], parts[0][1]+1, " SEPARATOR ")
			r.inner(parts[1][0], parts[1][1])
			r.replace(m, m+1, ")")
		} else {
			r.inner(k+2, m)
			r.replace(m, m+1, " SEPARATOR ',')")
		}
		return m + 1
	case word == "FULL" && (next.Is("JOIN") || next.Is("OUTER") && r.at(k+2, j).Is("JOIN")):
		e := k + 2
		if next.Is("OUTER") {
			e++
		}
		r.replace(k, e, "STRAIGHT_JOIN")
		return e
	case (word == "STDDEV" || word == "VARIANCE") && next.IsOp("("):
		// Flink's STDDEV and VARIANCE are the sample forms; TiDB reads
		// them as MySQL's population forms.
		r.replace(k, k+1, map[string]string{"STDDEV": "STDDEV_SAMP", "VARIANCE": "VAR_SAMP"}[word])
		return k + 1
	case word == "IS" && next.Is("NOT") && r.at(k+2, j).Is("DISTINCT") && r.at(k+3, j).Is("FROM"):
		r.replace(k, k+4, "<=>")
		return k + 4
	case t.isName():
		if e := r.primary(k, j); e >= 0 {
			return e
		}
	case t.IsOp("("):
		table := r.tablePos(k)
		r.emit(k)
		r.push(table)
		return k + 1
	case t.IsOp(")"):
		r.emit(k)
		if c := r.pop(); c.table {
			return r.aliasList(k+1, j)
		}
		return k + 1
	}
	if clauseWords[word] {
		r.ctx[len(r.ctx)-1].clause = word
	}
	if word == "SELECT" {
		hints, _ := r.hintsAfter(k)
		for _, h := range hints {
			r.rw.StateTTL = append(r.rw.StateTTL, hintPairs(h, Segment{Text: r.src, Pos: r.base}, "STATE_TTL")...)
		}
	}
	r.emitWord(k, j)
	return k + 1
}

// emitWord copies token k, quoting a word TiDB reserves that Flink uses as
// a plain identifier.
func (r *rewriter) emitWord(k, j int) {
	t := r.toks[k]
	if t.Kind == TokIdent && tidbOnlyReserved[upperWord(t)] && !r.at(k+1, j).IsOp("(") {
		r.replace(k, k+1, quoteIdent(t.Text))
		return
	}
	r.emit(k)
}

// quoteIdent quotes s with backticks.
func quoteIdent(s string) string {
	return "`" + strings.ReplaceAll(s, "`", "``") + "`"
}

// cast rewrites CAST(e AS T) and TRY_CAST(e AS T).
func (r *rewriter) cast(k, j int) int {
	m := r.mustMatch(k+1, j)
	as := -1
	depth := 0
	for i := k + 2; i < m; i++ {
		t := r.toks[i]
		switch {
		case t.IsOp("(") || t.IsOp("["):
			depth++
		case t.IsOp(")") || t.IsOp("]"):
			depth--
		case depth == 0 && t.Is("AS"):
			as = i
		}
	}
	if as < 0 {
		r.fail(r.toks[m], "AS")
	}
	if as == k+2 {
		r.fail(r.toks[as], "<EXPRESSION>")
	}
	sub := r.subParser(as+1, m)
	dt := sub.dataType()
	if sub.cur().Kind != TokEOF {
		sub.fail(")")
	}
	name := "__cast_"
	if r.toks[k].Is("TRY_CAST") {
		name = "__trycast_"
	}
	r.replace(k, k+2, name+strconv.Itoa(len(r.rw.Casts))+"(")
	r.rw.Casts = append(r.rw.Casts, dt)
	r.inner(k+2, as)
	r.replace(as, m+1, ")")
	return m + 1
}

// intervalUnits maps the unit words of INTERVAL literals (plurals too) to
// their canonical names.
var intervalUnits = map[string]string{
	"YEAR": "YEAR", "YEARS": "YEAR", "MONTH": "MONTH", "MONTHS": "MONTH",
	"DAY": "DAY", "DAYS": "DAY", "HOUR": "HOUR", "HOURS": "HOUR",
	"MINUTE": "MINUTE", "MINUTES": "MINUTE", "SECOND": "SECOND", "SECONDS": "SECOND",
}

// intervalTo lists the valid <from> TO <to> pairs.
var intervalTo = map[[2]string]bool{
	{"YEAR", "MONTH"}: true, {"DAY", "HOUR"}: true, {"DAY", "MINUTE"}: true, {"DAY", "SECOND"}: true,
	{"HOUR", "MINUTE"}: true, {"HOUR", "SECOND"}: true, {"MINUTE", "SECOND"}: true,
}

var unitNames = []string{"DAY", "HOUR", "MINUTE", "MONTH", "SECOND", "YEAR"}

// floorUnits are the units of FLOOR(x TO unit) and CEIL(x TO unit).
var floorUnits = map[string]string{
	"MILLENNIUM": "MILLENNIUM", "CENTURY": "CENTURY", "DECADE": "DECADE", "YEAR": "YEAR",
	"QUARTER": "QUARTER", "MONTH": "MONTH", "WEEK": "WEEK", "DAY": "DAY", "HOUR": "HOUR",
	"MINUTE": "MINUTE", "SECOND": "SECOND", "MILLISECOND": "MILLISECOND", "MICROSECOND": "MICROSECOND",
}

// interval rewrites INTERVAL [sign] 'v' unit [(p)] [TO unit [(p)]].
func (r *rewriter) interval(k, j int) int {
	a := k + 1
	neg := false
	if t := r.at(a, j); t.IsOp("-") || t.IsOp("+") {
		neg = t.IsOp("-")
		a++
	}
	v := r.at(a, j)
	if (v.Kind != TokString && v.Kind != TokNumber) || v.Unterminated {
		r.fail(v, "<QUOTED_STRING>")
	}
	iv := Interval{Value: v.Value(), Pos: r.toks[k].Pos}
	if neg {
		iv.Value = "-" + iv.Value
	}
	a++
	iv.From, a = r.intervalUnit(a, j)
	if r.at(a, j).Is("TO") {
		iv.To, a = r.intervalUnit(a+1, j)
		if !intervalTo[[2]string{iv.From, iv.To}] {
			r.fail(r.toks[a-1], unitsAfter(iv.From)...)
		}
	}
	name := "__interval_" + strconv.Itoa(len(r.rw.Intervals)) + "()"
	if f := r.at(a, j); f.Is("PRECEDING") || f.Is("FOLLOWING") {
		// TiDB takes only INTERVAL <expr> <unit> as a frame bound.
		name = "INTERVAL " + name + " SECOND"
	}
	r.rw.Intervals = append(r.rw.Intervals, iv)
	r.replace(k, a, name)
	return a
}

// unitsAfter lists the units that may follow from TO.
func unitsAfter(from string) []string {
	var out []string
	for _, u := range unitNames {
		if intervalTo[[2]string{from, u}] {
			out = append(out, u)
		}
	}
	return out
}

// intervalUnit reads a unit and an optional precision at a.
func (r *rewriter) intervalUnit(a, j int) (string, int) {
	u, ok := intervalUnits[upperWord(r.at(a, j))]
	if !ok {
		r.fail(r.at(a, j), unitNames...)
	}
	a++
	if r.at(a, j).IsOp("(") {
		m := r.mustMatch(a, j)
		for i := a + 1; i < m; i++ {
			if t := r.toks[i]; t.Kind != TokNumber && !t.IsOp(",") {
				r.fail(t, "<UNSIGNED_INTEGER_LITERAL>")
			}
		}
		a = m + 1
	}
	return u, a
}

// values rewrites VALUES (a, b), (c, d) into VALUES ROW(a, b), ROW(c, d).
func (r *rewriter) values(k, j int) int {
	r.emit(k)
	a := k + 1
	for r.at(a, j).IsOp("(") {
		m := r.mustMatch(a, j)
		r.gap(a)
		r.synth("ROW", r.lo(a))
		r.emit(a)
		r.inner(a+1, m)
		r.emit(m)
		a = m + 1
		if !r.at(a, j).IsOp(",") || !r.at(a+1, j).IsOp("(") {
			break
		}
		r.emit(a)
		a++
	}
	return a
}

// groupingItems rewrites the items of GROUPING SETS, ROLLUP or CUBE between
// a and b: a parenthesised item becomes __set(...).
func (r *rewriter) groupingItems(a, b int) {
	for n, it := range r.split(a, b) {
		if n > 0 {
			r.emit(it[0] - 1) // the comma
		}
		s, e := it[0], it[1]
		if s < e && r.toks[s].IsOp("(") && r.match(s, e) == e-1 {
			r.replace(s, s+1, "__set(")
			r.inner(s+1, e-1)
			r.replace(e-1, e, ")")
			continue
		}
		r.inner(s, e)
	}
}

// primary rewrites a name, a qualified name or a function call at k that is
// followed by [index] or FILTER (WHERE ...), and the function calls that
// need it; it returns -1 for anything else.
func (r *rewriter) primary(k, j int) int {
	e := k + 1
	for r.at(e, j).IsOp(".") && r.at(e+1, j).isName() {
		e += 2
	}
	end := e
	call := r.at(e, j).IsOp("(")
	if call && e == k+1 && keywordLike(r.toks[k]) {
		return -1
	}
	if call {
		if end = r.match(e, j) + 1; end == 0 {
			return -1
		}
	} else if !r.at(e, j).IsOp("[") {
		return -1
	}
	type postfix struct {
		fn         string
		open, a, b int // the first token of the suffix, the inner range
	}
	var posts []postfix
	p := end
	for {
		if r.at(p, j).IsOp("[") {
			m := r.match(p, j)
			if m < 0 {
				break
			}
			posts = append(posts, postfix{"__item(", p, p + 1, m})
			p = m + 1
			continue
		}
		if call && r.at(p, j).Is("FILTER") && r.at(p+1, j).IsOp("(") && r.at(p+2, j).Is("WHERE") {
			m := r.match(p+1, j)
			if m < 0 {
				break
			}
			posts = append(posts, postfix{"__filter(", p, p + 3, m})
			p = m + 1
			continue
		}
		break
	}
	fn := upperWord(r.toks[e-1])
	special := call && e == k+1 && (fn == "FLOOR" || fn == "CEIL" || fn == "CEILING" || fn == "FIRST_VALUE" || fn == "LAST_VALUE")
	if len(posts) == 0 && !special {
		if call {
			r.emitCall(k, e, end-1, j)
			return end
		}
		return -1
	}
	r.gap(k)
	for i := len(posts) - 1; i >= 0; i-- {
		r.synth(posts[i].fn, r.lo(k))
	}
	if call {
		r.emitCall(k, e, end-1, j)
	} else {
		for i := k; i < e; i++ {
			r.emitWord(i, j)
		}
	}
	for _, pf := range posts {
		r.replace(pf.open, pf.a, ", ")
		r.inner(pf.a, pf.b)
		r.replace(pf.b, pf.b+1, ")")
	}
	return p
}

// emitCall writes the function call whose name is tokens k..e-1 and whose
// parentheses are at e and m.
func (r *rewriter) emitCall(k, e, m, j int) {
	for i := k; i < e-1; i++ {
		r.emitWord(i, j)
	}
	fn := upperWord(r.toks[e-1])
	switch {
	case fn == "FLOOR" || fn == "CEIL" || fn == "CEILING":
		if to := r.topLevel(e+1, m, "TO"); to >= 0 && e == k+1 {
			u, ok := floorUnits[upperWord(r.at(to+1, m))]
			if !ok {
				r.fail(r.at(to+1, m), unitNames...)
			}
			if to+2 != m {
				r.fail(r.at(to+2, m), ")")
			}
			name := "__floor("
			if fn != "FLOOR" {
				name = "__ceil("
			}
			r.replace(e-1, e+1, name)
			r.inner(e+1, to)
			r.replace(to, m+1, ", '"+u+"')")
			return
		}
	case (fn == "FIRST_VALUE" || fn == "LAST_VALUE") && !r.at(m+1, j).Is("OVER"),
		fn == "ROW" && m > e+1 && len(r.split(e+1, m)) == 1, r.quote[r.lo(e-1)]:
		r.replace(e-1, e, quoteIdent(r.toks[e-1].Text))
		r.emit(e)
		r.inner(e+1, m)
		r.emit(m)
		return
	}
	r.emit(e - 1)
	r.emit(e)
	r.inner(e+1, m)
	r.emit(m)
}

// topLevel returns the index of the first keyword kw between a and b that
// is outside brackets, or -1.
func (r *rewriter) topLevel(a, b int, kw string) int {
	depth := 0
	for i := a; i < b; i++ {
		t := r.toks[i]
		switch {
		case t.IsOp("(") || t.IsOp("["):
			depth++
		case t.IsOp(")") || t.IsOp("]"):
			depth--
		case depth == 0 && t.Is(kw):
			return i
		}
	}
	return -1
}

// tidbOnlyReserved are words the TiDB grammar reserves but Flink queries use
// as plain identifiers (when not followed by '('); the rewrite quotes them.
var tidbOnlyReserved = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`ADD ALTER ANALYZE BLOB CALL CASCADE CHANGE CHECK COLUMN
		CONSTRAINT CONTINUE CREATE CURSOR DATABASE DATABASES DAY_HOUR DAY_MICROSECOND DAY_MINUTE
		DAY_SECOND DEFAULT DELAYED DELETE DESCRIBE DISTINCTROW DIV DROP DUAL ELSEIF ENCLOSED
		ESCAPED EXIT EXPLAIN FLOAT4 FLOAT8 FORCE FOREIGN FULLTEXT GENERATED GRANT HIGH_PRIORITY
		HOUR_MICROSECOND HOUR_MINUTE HOUR_SECOND IGNORE ILIKE INDEX INFILE INOUT INSERT INT1 INT2
		INT3 INT4 INT8 ITERATE KEY KEYS KILL LEAVE LINEAR LINES LOAD LOCK LONG LONGBLOB LONGTEXT
		LOW_PRIORITY MATCH MAXVALUE MEDIUMBLOB MEDIUMINT MEDIUMTEXT MIDDLEINT MINUTE_MICROSECOND
		MINUTE_SECOND MOD NO_WRITE_TO_BINLOG OPTIMIZE OPTION OPTIONALLY OUT OUTFILE PRIMARY
		PROCEDURE READ REAL RECURSIVE REFERENCES RELEASE RENAME REPEAT REPLACE REQUIRE RESTRICT
		REVOKE SCHEMA SCHEMAS SECOND_MICROSECOND SET SHOW SPATIAL SQL SQLEXCEPTION SQLSTATE SQLWARNING
		SQL_BIG_RESULT SQL_CALC_FOUND_ROWS SQL_SMALL_RESULT SSL STARTING STORED TERMINATED
		TIDB_CURRENT_TSO TINYBLOB TINYTEXT TRIGGER UNIQUE UNLOCK UNSIGNED UNTIL UPDATE USAGE USE
		UTC_DATE UTC_TIME UTC_TIMESTAMP VARCHARACTER VARYING VIRTUAL WHILE WRITE XOR YEAR_MONTH
		ZEROFILL`) {
		m[w] = true
	}
	return m
}()
