package sql

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	tidb "github.com/pingcap/tidb/pkg/parser"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/mysql"
	_ "github.com/pingcap/tidb/pkg/parser/test_driver" // literal values in the TiDB AST
)

// tidbMode is the SQL mode the TiDB parser runs in: '||' concatenates,
// "x" is an identifier, and a backslash in a string is an ordinary character
// (as in Flink).
const tidbMode = mysql.ModePipesAsConcat | mysql.ModeANSIQuotes | mysql.ModeNoBackslashEscapes

// tidbParsers pools TiDB parsers, which are not safe for concurrent use.
var tidbParsers = sync.Pool{New: func() any {
	p := tidb.New()
	p.SetSQLMode(tidbMode)
	return p
}}

// tidbParse parses sql with a pooled TiDB parser; a panic inside TiDB
// becomes an error.
func tidbParse(sql string) (stmts []ast.StmtNode, err error) {
	p := tidbParsers.Get().(*tidb.Parser)
	defer func() {
		if r := recover(); r != nil {
			stmts, err = nil, fmt.Errorf("TiDB parser failure: %v", r)
			return // the parser may be in a bad state: do not pool it
		}
		tidbParsers.Put(p)
	}()
	stmts, _, err = p.Parse(sql, "", "")
	// The parser reuses its result slice: copy it before the parser goes
	// back to the pool.
	return slices.Clone(stmts), err
}

// Fresh parses the query's text again into a new AST. Binding edits the
// AST it is given (it replaces calls by the columns that compute them), so
// a query bound more than once — a view, at every use — binds a fresh one.
func (q *Query) Fresh() (*Query, error) {
	f, err := parseQuery(q.Text, q.Pos, nil)
	if err != nil {
		return nil, err
	}
	return f, nil
}

// parseQuery rewrites and parses the query text that starts at pos.
// end, when not nil, is the token after the text, reported instead of <EOF>.
func parseQuery(text string, pos Pos, end *Token) (q *Query, err *Error) {
	defer recoverBail(&err)
	rw, stmts, err := rewriteAndParse(text, pos, "", end)
	if err != nil {
		return nil, err
	}
	if len(stmts) != 1 {
		return nil, rw.errorAtRewritten(len(rw.Text))
	}
	node, ok := stmts[0].(ast.ResultSetNode)
	if !ok {
		return nil, rw.errorAtRewritten(0)
	}
	return &Query{Text: text, Pos: pos, Node: node, Rewrites: rw}, nil
}

// exprPrefix turns an expression into a query TiDB can parse.
const exprPrefix = "SELECT "

// parseExpr rewrites and parses the scalar expression text that starts at pos.
// end, when not nil, is the token after the text, reported instead of <EOF>.
func parseExpr(text string, pos Pos, end *Token) (x *Expr, err *Error) {
	defer recoverBail(&err)
	if len(significant(Tokenize(text, pos))) == 1 {
		rw := rewrite(text, pos, exprPrefix, end, nil)
		return nil, rw.errorAtRewritten(len(rw.Text))
	}
	rw, stmts, err := rewriteAndParse(text, pos, exprPrefix, end)
	if err != nil {
		return nil, err
	}
	sel, ok := stmts[0].(*ast.SelectStmt)
	if len(stmts) != 1 || !ok || sel.Fields == nil || len(sel.Fields.Fields) == 0 {
		return nil, rw.notOneExpr(false)
	}
	if bad := rw.exprTrailer(sel); bad != nil {
		return nil, bad
	}
	return &Expr{Text: text, Pos: pos, Node: sel.Fields.Fields[0].Expr, Rewrites: rw}, nil
}

// exprTrailer finds what makes a parsed "SELECT <expr>" more than one
// expression (a second field, an alias, a FROM clause...) and reports it.
func (rw *Rewrites) exprTrailer(sel *ast.SelectStmt) *Error {
	f := sel.Fields.Fields[0]
	extra := len(sel.Fields.Fields) > 1 || f.WildCard != nil || f.Expr == nil || f.AsName.L != "" ||
		sel.From != nil || sel.Where != nil || sel.GroupBy != nil || sel.Having != nil ||
		sel.OrderBy != nil || sel.Limit != nil || sel.WindowSpecs != nil || sel.Distinct ||
		sel.With != nil || sel.Kind != ast.SelectStmtKindSelect
	if !extra {
		return nil
	}
	if f.WildCard != nil || sel.Distinct || sel.With != nil {
		return rw.notOneExpr(true)
	}
	return rw.notOneExpr(f.AsName.L != "")
}

// notOneExpr reports the first top-level token of the source that cannot
// continue a scalar expression (the last word when it is an implicit alias),
// or the first token.
func (rw *Rewrites) notOneExpr(alias bool) *Error {
	toks := significant(Tokenize(rw.source, rw.base))
	if len(toks) == 1 || toks[0].Is("DISTINCT") || toks[0].Is("WITH") || toks[0].IsOp("*") {
		return rw.errorAtToken(toks[0])
	}
	depth := 0
	for i, t := range toks {
		switch {
		case t.IsOp("(") || t.IsOp("["):
			depth++
		case t.IsOp(")") || t.IsOp("]"):
			depth--
		case depth == 0 && (t.IsOp(",") || t.Is("AS") || t.Is("FROM") || t.Is("WHERE") ||
			t.Is("GROUP") || t.Is("HAVING") || t.Is("ORDER") || t.Is("LIMIT") || t.Is("WINDOW") ||
			t.Is("UNION") || t.Is("EXCEPT") || t.Is("INTERSECT")):
			return rw.errorAtToken(t)
		case depth == 0 && i == len(toks)-2 && alias:
			return rw.errorAtToken(t) // implicit alias: the last word
		}
	}
	return rw.errorAtToken(toks[len(toks)-1])
}

// recoverBail turns a bail panic into *err.
func recoverBail(err **Error) {
	if r := recover(); r != nil {
		b, ok := r.(bail)
		if !ok {
			panic(r)
		}
		*err = b.err
	}
}

// maxRequote bounds how often rewriteAndParse retries.
const maxRequote = 8

// rewriteAndParse rewrites text and parses it with TiDB. When TiDB stumbles
// on the '(' of a call to a function whose name it treats as a keyword
// (SESSION(...), CARDINALITY(...), a user function named like a TiDB
// keyword), the name is quoted, which makes it an ordinary function call,
// and the parse is retried.
func rewriteAndParse(text string, pos Pos, prefix string, end *Token) (*Rewrites, []ast.StmtNode, *Error) {
	var quote map[int]bool
	var first *Error
	for attempt := 0; ; attempt++ {
		rw := rewrite(text, pos, prefix, end, quote)
		stmts, perr := tidbParse(rw.Text)
		if perr == nil {
			return rw, stmts, nil
		}
		orig, toks, k := rw.tidbErrorToken(perr)
		if first == nil {
			first = rw.tidbError(perr)
		}
		if orig < 0 || attempt >= maxRequote {
			return nil, nil, first
		}
		// The error is at the name of the call or at its '('.
		if k+1 < len(toks) && toks[k].Kind == TokIdent && toks[k+1].IsOp("(") {
			k++
		}
		if k < 1 || !toks[k].IsOp("(") {
			return nil, nil, first
		}
		name := toks[k-1]
		off := name.Pos.Offset - pos.Offset
		if name.Kind != TokIdent || keywordLike(name) || quote[off] {
			return nil, nil, first
		}
		if quote == nil {
			quote = map[int]bool{}
		}
		quote[off] = true
	}
}

// tidbNear matches the position part of a TiDB syntax error.
var tidbNear = regexp.MustCompile(`^line (\d+) column (\d+) near "`)

// tidbTotal matches the suffix TiDB adds when it cuts the "near" text.
var tidbTotal = regexp.MustCompile(`\(total length (\d+)\)\s*$`)

// tidbError converts an error of the TiDB parser on rw.Text into an Error at
// the user's line and column.
func (rw *Rewrites) tidbError(err error) *Error {
	off := rw.tidbOffset(err)
	if off < 0 {
		return rw.errorAt(rw.base, "SQL parse failed. "+strings.TrimSpace(err.Error()))
	}
	return rw.errorAtRewritten(off)
}

// tidbErrorToken returns the offset in the source of the token a TiDB
// syntax error points at (-1 if it does not say), the significant tokens of
// the source and the index of that token.
func (rw *Rewrites) tidbErrorToken(err error) (int, []Token, int) {
	off := rw.tidbOffset(err)
	if off < 0 {
		return -1, nil, -1
	}
	orig := rw.original(off)
	toks := significant(Tokenize(rw.source, rw.base))
	return orig, toks, tokenIndexAt(toks, orig-0, rw.base.Offset)
}

// tokenIndexAt returns the index of the first token that ends after the
// source offset orig (the EOF token if none).
func tokenIndexAt(toks []Token, orig, baseOff int) int {
	for i, t := range toks {
		if t.Kind == TokEOF || t.End-baseOff > orig {
			return i
		}
	}
	return len(toks) - 1
}

// tidbOffset extracts from a TiDB syntax error the offset in rw.Text where
// the offending token starts, or -1.
func (rw *Rewrites) tidbOffset(err error) int {
	msg := err.Error()
	loc := tidbNear.FindStringIndex(msg)
	if loc == nil {
		return -1
	}
	rest := msg[loc[1]:]
	off := -1
	if m := tidbTotal.FindStringSubmatch(rest); m != nil {
		if n, convErr := strconv.Atoi(m[1]); convErr == nil && n <= len(rw.Text) {
			off = len(rw.Text) - n
		}
	}
	if off < 0 {
		for k := 0; k <= len(rw.Text); k++ {
			n := len(rw.Text) - k
			if len(rest) > n && rest[n] == '"' && rest[:n] == rw.Text[k:] {
				off = k
				break
			}
		}
	}
	if off < 0 {
		off = len(rw.Text)
	}
	return off
}

// errorAtRewritten reports the user's token at offset off of the rewritten
// text as unexpected.
func (rw *Rewrites) errorAtRewritten(off int) *Error {
	toks := significant(Tokenize(rw.source, rw.base))
	return rw.errorAtToken(toks[tokenIndexAt(toks, rw.original(off), rw.base.Offset)])
}

// errorAtToken reports t as unexpected; an EOF is placed on the last
// character of the text, as Calcite does.
func (rw *Rewrites) errorAtToken(t Token) *Error {
	if t.Kind == TokEOF && t.Text == "" && rw.terminator != nil {
		t = *rw.terminator
	}
	if t.Kind == TokEOF && t.Text == "" {
		toks := significant(Tokenize(rw.source, rw.base))
		if len(toks) > 1 {
			t.Pos = lastCharPos(toks[len(toks)-2])
		}
	}
	return rw.errorAt(t.Pos, encountered(t))
}

// errorAt builds an Error at pos with its source line.
func (rw *Rewrites) errorAt(pos Pos, msg string) *Error {
	e := &Error{Pos: pos, Msg: msg}
	e.maskSecrets(rw.source, rw.base.Line, rw.base.Col)
	return e
}

// original maps an offset of the rewritten text to an offset of the source.
func (rw *Rewrites) original(off int) int {
	if len(rw.offsets) == 0 {
		return min(max(off, 0), len(rw.source))
	}
	// The last mark at or before off.
	lo, hi := 0, len(rw.offsets)
	for lo < hi {
		mid := (lo + hi) / 2
		if rw.offsets[mid].rewritten <= off {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	if lo == 0 {
		return 0
	}
	m := rw.offsets[lo-1]
	o := m.original
	if !m.synthetic {
		o += off - m.rewritten
	}
	return min(max(o, 0), len(rw.source))
}

// Pos maps an offset of the rewritten text (Text; e.g. the offset TiDB
// records in an AST node) to the user's position in the script.
func (rw *Rewrites) Pos(off int) Pos {
	o := rw.original(off)
	return advancePos(rw.base, rw.source[:o])
}

// Locate returns the position of the first identifier or keyword in the
// query text equal to word (case-insensitively, backticks stripped), or the
// zero Pos.
func (q *Query) Locate(word string) Pos {
	if q == nil {
		return Pos{}
	}
	return locate(q.Text, q.Pos, word)
}

// Locate returns the position of the first identifier or keyword in the
// expression text equal to word (case-insensitively, backticks stripped), or
// the zero Pos.
func (x *Expr) Locate(word string) Pos {
	if x == nil {
		return Pos{}
	}
	return locate(x.Text, x.Pos, word)
}

// locate finds word among the words of text.
func locate(text string, base Pos, word string) Pos {
	word = strings.Trim(word, "`")
	for _, t := range Tokenize(text, base) {
		if (t.Kind == TokIdent || t.Kind == TokQuotedIdent) && strings.EqualFold(t.Value(), word) {
			return t.Pos
		}
	}
	return Pos{}
}
