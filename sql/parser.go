package sql

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// ParseScript splits script into statements and parses them in order,
// stopping at the first error. Error positions and source lines refer to the
// whole script.
func ParseScript(script string) ([]Statement, error) {
	var out []Statement
	for _, seg := range SplitScript(script) {
		st, err := Parse(seg)
		if err != nil {
			if e, ok := err.(*Error); ok {
				e.maskSecrets(script, 1, 1)
			}
			return out, err
		}
		out = append(out, st)
	}
	return out, nil
}

// Parse parses the text of one statement (as cut by SplitScript; a trailing
// ';' is ignored). Positions in the result and in errors are absolute: they
// start from seg.Pos. The error, if any, is an *Error.
func Parse(seg Segment) (st Statement, err error) {
	if seg.Pos.Line == 0 {
		seg.Pos.Line, seg.Pos.Col = 1, 1
	}
	defer func() {
		if r := recover(); r != nil {
			if debugNoRecover {
				panic(r)
			}
			st = nil
			err = &Error{Pos: seg.Pos, Msg: fmt.Sprintf("internal error in the SQL parser: %v", r)}
		}
	}()
	st, e := parseSegment(seg)
	if e != nil {
		return nil, e
	}
	return st, nil
}

// debugNoRecover lets tests and fuzzing see panics instead of the internal
// error Parse turns them into.
var debugNoRecover = false

// bail is the panic value by which the parser and the rewriter unwind on a
// syntax error; parseSegment, parseQuery and parseExpr recover it.
type bail struct{ err *Error }

// parseSegment parses one statement, turning a bail into an error.
func parseSegment(seg Segment) (st Statement, err *Error) {
	p := newParser(seg)
	if st := p.clientCommand(); st != nil {
		return st, nil
	}
	for _, t := range Tokenize(seg.Text, seg.Pos) {
		if t.Unterminated {
			return nil, p.lexicalError(t)
		}
	}
	defer func() {
		if r := recover(); r != nil {
			b, ok := r.(bail)
			if !ok {
				panic(r)
			}
			st, err = nil, b.err
		}
	}()
	return p.statement(false), nil
}

// lexicalError is the error of Calcite's token manager for a token the
// text ends in (a string, quoted identifier or block comment never closed):
// JavaCC reports the column after the last character read and the text of
// the partial token ("" inside a comment, which the token manager skips
// character by character).
func (p *parser) lexicalError(t Token) *Error {
	end := lastCharPos(t)
	end.Col++
	after := javaEscape(t.Text)
	if t.Kind == TokComment {
		after = ""
	}
	e := p.errorAt(end, fmt.Sprintf("Lexical error at line %d, column %d.  Encountered: <EOF> after : \"%s\"",
		end.Line, end.Col, after))
	e.Class = ClassTokenMgrError
	return e
}

// parser is a recursive-descent parser over the significant tokens of one
// statement.
type parser struct {
	seg   Segment
	toks  []Token // without comments and trailing ';', ending with TokEOF
	hints []Token // hint comments, which belong to the text before them
	i     int
	// positional makes expressions end before FIRST or AFTER (the column
	// position of ALTER TABLE ADD | MODIFY).
	positional bool
}

func newParser(seg Segment) *parser {
	all := Tokenize(seg.Text, seg.Pos)
	var hints []Token
	for _, t := range all {
		if t.Hint() {
			hints = append(hints, t)
		}
	}
	toks := significant(all)
	eof := toks[len(toks)-1]
	n := len(toks) - 1
	for n > 0 && toks[n-1].IsOp(";") {
		n--
	}
	if n < len(toks)-1 {
		eof.Pos = toks[n].Pos
		eof.End = eof.Pos.Offset
		toks = append(toks[:n:n], eof)
	}
	return &parser{seg: seg, toks: toks, hints: hints}
}

// peek returns the token n ahead of the current one (TokEOF past the end).
func (p *parser) peek(n int) Token {
	if p.i+n < len(p.toks) {
		return p.toks[p.i+n]
	}
	return p.toks[len(p.toks)-1]
}

func (p *parser) cur() Token { return p.peek(0) }

func (p *parser) next() Token {
	t := p.cur()
	if p.i < len(p.toks)-1 {
		p.i++
	}
	return t
}

// accept consumes the keyword kw if it is next.
func (p *parser) accept(kw string) bool {
	if p.cur().Is(kw) {
		p.i++
		return true
	}
	return false
}

// acceptOp consumes the punctuation op if it is next.
func (p *parser) acceptOp(op string) bool {
	if p.cur().IsOp(op) {
		p.i++
		return true
	}
	return false
}

// acceptSeq consumes the keywords kws if they are all next.
func (p *parser) acceptSeq(kws ...string) bool {
	for j, kw := range kws {
		if !p.peek(j).Is(kw) {
			return false
		}
	}
	p.i += len(kws)
	return true
}

// expect consumes the keyword kw or fails.
func (p *parser) expect(kw string) Token {
	if !p.cur().Is(kw) {
		p.fail(kw)
	}
	return p.next()
}

// expectOp consumes the punctuation op or fails.
func (p *parser) expectOp(op string) Token {
	if !p.cur().IsOp(op) {
		p.fail(op)
	}
	return p.next()
}

// expectEOF fails unless the statement is over: the alternatives are
// expected, the end, or ';' (Flink parses a list of statements).
func (p *parser) expectEOF(expected ...string) {
	if p.cur().Kind != TokEOF {
		p.fail(append(expected, "<EOF>", ";")...)
	}
}

// fail reports the current token as unexpected.
func (p *parser) fail(expected ...string) {
	p.failAt(p.cur(), expected...)
}

// failAt reports t as unexpected.
func (p *parser) failAt(t Token, expected ...string) {
	t = p.eofAtEnd(t)
	panic(bail{p.errorAt(t.Pos, encountered(t, expected...))})
}

// failMsg fails with a free-form message at pos.
func (p *parser) failMsg(pos Pos, class, msg string) {
	e := p.errorAt(pos, msg)
	e.Class = class
	panic(bail{e})
}

// eofAtEnd places an EOF token on the last character of the statement, where
// Calcite reports it.
func (p *parser) eofAtEnd(t Token) Token {
	if t.Kind == TokEOF && t.Text == "" && len(p.toks) > 1 {
		last := p.toks[len(p.toks)-2]
		t.Pos = lastCharPos(last)
	}
	return t
}

// lastCharPos is the position of the last character of t.
func lastCharPos(t Token) Pos {
	if t.Text == "" {
		return t.Pos
	}
	p := t.Pos
	// Step by the bytes each character takes in the text: string(r) of an
	// invalid byte is the 3-byte U+FFFD and would push the offset past it.
	for i := 0; i < len(t.Text); {
		_, size := utf8.DecodeRuneInString(t.Text[i:])
		if i+size >= len(t.Text) {
			break
		}
		p = advancePos(p, t.Text[i:i+size])
		i += size
	}
	return p
}

// errorAt builds an Error at pos, the statement's secrets masked in it.
func (p *parser) errorAt(pos Pos, msg string) *Error {
	e := &Error{Pos: pos, Msg: msg}
	e.maskSecrets(p.seg.Text, p.seg.Pos.Line, p.seg.Pos.Col)
	return e
}

// local converts an absolute offset into an offset in p.seg.Text.
func (p *parser) local(off int) int {
	off -= p.seg.Pos.Offset
	if off < 0 {
		return 0
	}
	if off > len(p.seg.Text) {
		return len(p.seg.Text)
	}
	return off
}

// textFrom returns the statement text from token index from up to the end
// of the last token, with its position.
func (p *parser) textFrom(from int) (string, Pos) {
	return p.textBetween(from, len(p.toks)-1)
}

// textBetween returns the text from token from to the end of token to-1.
func (p *parser) textBetween(from, to int) (string, Pos) {
	if from >= to {
		t := p.toks[min(from, len(p.toks)-1)]
		return "", t.Pos
	}
	start := p.toks[from]
	end := p.toks[to-1].End
	for _, h := range p.hints {
		if h.Pos.Offset >= end && h.End <= p.toks[to].Pos.Offset {
			end = h.End
		}
	}
	return p.seg.Text[p.local(start.Pos.Offset):p.local(end)], start.Pos
}

// base returns the StmtBase of a statement that starts at token from and
// runs to the end.
func (p *parser) base(from int) StmtBase {
	text, pos := p.textFrom(from)
	return StmtBase{Pos: pos, Text: text}
}

// ident consumes one identifier: an unquoted word or a backtick-quoted name.
func (p *parser) ident() (string, Token) {
	t := p.cur()
	if !t.isName() || t.Unterminated {
		p.fail("<IDENTIFIER>")
	}
	p.i++
	return t.Value(), t
}

// name consumes a possibly qualified name a.b.c.
func (p *parser) name() ObjectName {
	s, t := p.ident()
	n := ObjectName{Parts: []string{s}, Pos: t.Pos}
	for p.cur().IsOp(".") {
		p.i++
		s, _ = p.ident()
		n.Parts = append(n.Parts, s)
	}
	return n
}

// identList consumes ( a, b, ... ).
func (p *parser) identList() []string {
	p.expectOp("(")
	var out []string
	for {
		s, _ := p.ident()
		out = append(out, s)
		if p.acceptOp(")") {
			return out
		}
		if !p.cur().IsOp(",") {
			p.fail(",", ")")
		}
		p.i++
	}
}

// stringLit consumes a string literal.
func (p *parser) stringLit() string {
	t := p.cur()
	if t.Kind != TokString || t.Unterminated {
		p.fail("<QUOTED_STRING>")
	}
	p.i++
	return t.Value()
}

// statementStarts are the words a statement may begin with, for errors.
var statementStarts = []string{
	"ADD", "ALTER", "BEGIN", "CLEAR", "CREATE", "DESC", "DESCRIBE", "DROP", "END", "EXECUTE", "EXIT",
	"EXPLAIN", "HELP", "INSERT", "QUIT", "REMOVE", "REPLACE", "RESET", "SELECT", "SET", "SHOW", "STOP",
	"USE", "VALUES", "WITH", "(",
}

// The client commands Flink recognises with regular expressions before
// handing a statement to its SQL parser (ExtendedParser): each must match
// the whole trimmed statement.
var (
	reHelp  = regexp.MustCompile(`(?is)^HELP\s*;?$`)
	reQuit  = regexp.MustCompile(`(?is)^(?:QUIT|EXIT)\s*;?$`)
	reClear = regexp.MustCompile(`(?is)^CLEAR\s*;?$`)
	reReset = regexp.MustCompile(`(?is)^RESET(?:\s+(?P<key>[^'\s]+)\s*)?\s*;?$`)
	reSet   = regexp.MustCompile(`(?is)^SET(?:\s+(?P<key>[^'\s]+)\s*=\s*(?:'(?P<quotedVal>[^']*)'|(?P<val>[^;\s]+)))?\s*;?$`)
)

// statement parses the whole token stream as one statement. inExplain
// allows the STATEMENT SET BEGIN form without EXECUTE.
func (p *parser) statement(inExplain bool) Statement {
	start := p.i
	t := p.cur()
	switch {
	case t.Is("SET"):
		return p.setStatement()
	case t.Is("RESET"):
		p.i++
		st := &Reset{}
		if p.cur().Kind != TokEOF {
			st.Key = p.stringLit()
		}
		p.expectEOF()
		st.StmtBase = p.base(start)
		return st
	case t.Is("CREATE"):
		return p.create()
	case t.Is("DROP"):
		return p.drop()
	case t.Is("SHOW"):
		return p.show()
	case t.Is("DESCRIBE") || t.Is("DESC"):
		p.i++
		if p.cur().Is("CATALOG") && p.peek(1).isName() {
			p.i++
			st := &DescribeCatalog{Extended: p.accept("EXTENDED")}
			st.Name, _ = p.ident()
			p.expectEOF()
			st.StmtBase = p.base(start)
			return st
		}
		st := &Describe{Name: p.name()}
		p.expectEOF()
		st.StmtBase = p.base(start)
		return st
	case t.Is("EXPLAIN"):
		return p.explain()
	case t.Is("INSERT"):
		return p.insert()
	case t.Is("EXECUTE"):
		p.i++
		return p.statementSet(start)
	case inExplain && t.Is("STATEMENT"):
		return p.statementSet(start)
	case t.Is("BEGIN"):
		p.i++
		p.expect("STATEMENT")
		p.expect("SET")
		p.expectEOF()
		return &BeginStatementSet{StmtBase: p.base(start)}
	case t.Is("END"):
		p.i++
		p.expectEOF()
		return &End{StmtBase: p.base(start)}
	case t.Is("STOP"):
		return p.stopJob()
	case t.Is("USE"):
		p.i++
		var st Statement
		if p.accept("MODULES") {
			u := &UseModules{}
			for {
				name, _ := p.ident()
				u.Names = append(u.Names, name)
				if !p.acceptOp(",") {
					break
				}
			}
			p.expectEOF(",")
			u.StmtBase = p.base(start)
			return u
		}
		if p.cur().Is("CATALOG") && p.peek(1).Kind != TokEOF {
			p.i++
			u := &UseCatalog{}
			u.Name, _ = p.ident()
			st = u
		} else {
			st = &UseDatabase{Name: p.name()}
		}
		p.expectEOF()
		setBase(st, p.base(start))
		return st
	case t.Is("ALTER"):
		return p.alter()
	case t.Is("REPLACE"):
		start := p.i
		p.i++
		p.expect("TABLE")
		return p.replaceTable(start, false)
	case t.Is("LOAD") || t.Is("UNLOAD"):
		return p.module()
	case t.Is("ADD") || t.Is("REMOVE"):
		p.i++
		p.expect("JAR")
		path := p.stringLit()
		p.expectEOF()
		var st Statement = &AddJar{Path: path}
		if t.Is("REMOVE") {
			st = &RemoveJar{Path: path}
		}
		setBase(st, p.base(start))
		return st
	case startsQuery(t):
		return &Select{StmtBase: p.base(start), Query: p.query(start)}
	}
	p.fail(statementStarts...)
	return nil
}

// startsQuery reports whether t can begin a query.
func startsQuery(t Token) bool {
	return t.Is("SELECT") || t.Is("WITH") || t.Is("VALUES") || t.IsOp("(")
}

// clientCommand matches the regex-recognised commands (HELP, QUIT/EXIT,
// CLEAR, RESET key, SET key = value) against the whole statement text.
func (p *parser) clientCommand() Statement {
	if len(p.toks) < 2 || p.toks[0].Kind != TokIdent {
		return nil
	}
	first, last := p.toks[0], p.toks[len(p.toks)-2]
	text := p.seg.Text[p.local(first.Pos.Offset):p.local(last.End)]
	b := StmtBase{Pos: first.Pos, Text: text}
	switch {
	case reHelp.MatchString(text):
		return &Help{StmtBase: b}
	case reQuit.MatchString(text):
		return &Quit{StmtBase: b}
	case reClear.MatchString(text):
		return &Clear{StmtBase: b}
	}
	if m := reReset.FindStringSubmatch(text); m != nil {
		return &Reset{StmtBase: b, Key: m[reReset.SubexpIndex("key")]}
	}
	if m := reSet.FindStringSubmatch(text); m != nil {
		val := m[reSet.SubexpIndex("val")]
		if i := reSet.SubexpIndex("quotedVal"); m[i] != "" || val == "" {
			val = m[i]
		}
		return &Set{StmtBase: b, Key: m[reSet.SubexpIndex("key")], Value: val}
	}
	return nil
}

// setStatement parses the SQL form SET ['key' = 'value'].
func (p *parser) setStatement() Statement {
	start := p.i
	p.expect("SET")
	st := &Set{}
	if p.cur().Kind != TokEOF {
		st.Key = p.stringLit()
		p.expectOp("=")
		st.Value = p.stringLit()
	}
	p.expectEOF()
	st.StmtBase = p.base(start)
	return st
}

// show parses SHOW TABLES | VIEWS [FROM|IN [catalog.]db] [[NOT] LIKE 'p'] |
// COLUMNS FROM|IN name [[NOT] LIKE 'p'] | CATALOGS [[NOT] LIKE|ILIKE 'p'] |
// DATABASES [FROM|IN catalog] [[NOT] LIKE|ILIKE 'p'] | CURRENT CATALOG |
// CURRENT DATABASE | [FULL] MODULES | JOBS | CHECKPOINTS [FROM 'dir'] |
// [USER] FUNCTIONS [FROM|IN [catalog.]db] [[NOT] LIKE|ILIKE 'p'] |
// CREATE TABLE|VIEW name.
func (p *parser) show() Statement {
	start := p.i
	p.expect("SHOW")
	var st Statement
	var expected []string
	from := func() *ObjectName {
		if p.accept("FROM") || p.accept("IN") {
			n := p.name()
			return &n
		}
		return nil
	}
	switch {
	case p.accept("TABLES"):
		sh := &ShowTables{From: from()}
		sh.Like, expected = p.like(sh.From == nil, false)
		st = sh
	case p.accept("VIEWS"):
		sh := &ShowViews{From: from()}
		sh.Like, expected = p.like(sh.From == nil, false)
		st = sh
	case p.accept("COLUMNS"):
		sh := &ShowColumns{}
		if !p.accept("FROM") && !p.accept("IN") {
			p.fail("FROM", "IN")
		}
		sh.Table = p.name()
		sh.Like, expected = p.like(false, false)
		st = sh
	case p.accept("CATALOGS"):
		sh := &ShowCatalogs{}
		sh.Like, expected = p.like(false, true)
		st = sh
	case p.accept("DATABASES"):
		sh := &ShowDatabases{}
		hasFrom := false
		if p.accept("FROM") || p.accept("IN") {
			n := p.name()
			if len(n.Parts) > 1 {
				p.failMsg(n.Pos, ClassParseException, fmt.Sprintf(
					"Show databases from/in identifier [ %s ] format error, catalog must be a single part identifier.",
					strings.Join(n.Parts, ".")))
			}
			sh.From = n.Parts[0]
			hasFrom = true
		}
		sh.Like, expected = p.like(!hasFrom, true)
		st = sh
	case p.accept("CURRENT"):
		switch {
		case p.accept("CATALOG"):
			st = &ShowCurrentCatalog{}
		case p.accept("DATABASE"):
			st = &ShowCurrentDatabase{}
		default:
			p.fail("CATALOG", "DATABASE")
		}
	case p.accept("MODULES"):
		st = &ShowModules{}
	case p.accept("FULL"):
		p.expect("MODULES")
		st = &ShowModules{Full: true}
	case p.accept("JOBS"):
		st = &ShowJobs{}
	case p.accept("JARS"):
		st = &ShowJars{}
	case p.accept("CHECKPOINTS"):
		sc := &ShowCheckpoints{}
		if p.accept("FROM") || p.accept("IN") {
			sc.Dir = p.stringLit()
		}
		st = sc
	case p.accept("FUNCTIONS"), p.acceptSeq("USER", "FUNCTIONS"):
		sh := &ShowFunctions{User: p.toks[p.i-2].Is("USER"), From: from()}
		sh.Like, expected = p.like(sh.From == nil, true)
		st = sh
	case p.accept("CREATE"):
		sc := &ShowCreate{}
		switch {
		case p.accept("TABLE"):
		case p.accept("VIEW"):
			sc.View = true
		case p.accept("CATALOG"):
			sc.Catalog = true
		default:
			p.fail("CATALOG", "TABLE", "VIEW")
		}
		if sc.Catalog {
			name, t := p.ident()
			sc.Name = ObjectName{Parts: []string{name}, Pos: t.Pos}
		} else {
			sc.Name = p.name()
		}
		st = sc
	default:
		if p.cur().Is("USER") {
			p.i++
			p.fail("FUNCTIONS")
		}
		p.fail("CATALOGS", "CHECKPOINTS", "COLUMNS", "CREATE", "CURRENT", "DATABASES", "FULL", "FUNCTIONS", "JARS", "JOBS", "MODULES", "TABLES", "USER", "VIEWS")
	}
	p.expectEOF(expected...)
	setBase(st, p.base(start))
	return st
}

// like parses an optional [NOT] LIKE 'pattern' (and ILIKE when ilike). When
// nothing was consumed it returns the words that could have come next, for
// the error at a token that is not the end: FROM and IN too when from.
func (p *parser) like(from, ilike bool) (*Like, []string) {
	l := &Like{Not: p.accept("NOT")}
	switch {
	case p.accept("LIKE"):
	case ilike && p.accept("ILIKE"):
		l.ILike = true
	case l.Not:
		if ilike {
			p.fail("ILIKE", "LIKE")
		}
		p.fail("LIKE")
	default:
		var expected []string
		if from {
			expected = append(expected, "FROM", "IN")
		}
		if ilike {
			expected = append(expected, "ILIKE")
		}
		return nil, append(expected, "LIKE", "NOT")
	}
	l.Pattern = p.stringLit()
	return l, nil
}

// module parses LOAD MODULE name [WITH (options)] and UNLOAD MODULE name.
func (p *parser) module() Statement {
	start := p.i
	var st Statement
	if p.accept("LOAD") {
		p.expect("MODULE")
		lm := &LoadModule{}
		lm.Name, _ = p.ident()
		if p.accept("WITH") {
			lm.Options = p.options()
			p.expectEOF()
		} else {
			p.expectEOF("WITH")
		}
		st = lm
	} else {
		p.expect("UNLOAD")
		p.expect("MODULE")
		um := &UnloadModule{}
		um.Name, _ = p.ident()
		p.expectEOF()
		st = um
	}
	setBase(st, p.base(start))
	return st
}

// setBase stores b in the StmtBase of st.
func setBase(st Statement, b StmtBase) {
	type based interface{ stmtBase() *StmtBase }
	if x, ok := st.(based); ok {
		*x.stmtBase() = b
	}
}

func (s *StmtBase) stmtBase() *StmtBase { return s }

// explainDetails are the words allowed between EXPLAIN and its target.
var explainDetails = map[string]bool{
	"ESTIMATED_COST": true, "CHANGELOG_MODE": true, "JSON_EXECUTION_PLAN": true, "PLAN_ADVICE": true,
}

// explain parses EXPLAIN [PLAN FOR | detail, ...] target.
func (p *parser) explain() Statement {
	start := p.i
	p.expect("EXPLAIN")
	st := &Explain{}
	if p.accept("PLAN") {
		p.expect("FOR")
	} else {
		for explainDetails[upperWord(p.cur())] {
			st.Details = append(st.Details, upperWord(p.next()))
			if !p.acceptOp(",") {
				break
			}
		}
	}
	tstart := p.i
	t := p.cur()
	switch {
	case startsQuery(t), t.Is("INSERT"), t.Is("EXECUTE"), t.Is("STATEMENT"):
	default:
		p.fail("EXECUTE", "INSERT", "SELECT", "STATEMENT", "VALUES", "WITH", "(")
	}
	sub := &parser{seg: p.seg, toks: p.toks[tstart:], hints: p.hints}
	st.Target = sub.statement(true)
	st.StmtBase = p.base(start)
	return st
}

// insert parses INSERT INTO|OVERWRITE name [PARTITION (...)] [(cols)] query.
func (p *parser) insert() Statement {
	start := p.i
	p.expect("INSERT")
	st := &Insert{}
	switch {
	case p.accept("INTO"):
	case p.accept("OVERWRITE"):
		st.Overwrite = true
	default:
		p.fail("INTO", "OVERWRITE")
	}
	st.Table = p.name()
	for _, h := range p.hints {
		if h.Pos.Offset >= p.toks[p.i-1].End && h.End <= p.cur().Pos.Offset {
			st.Options = append(st.Options, hintOptions(h, p.seg)...)
		}
	}
	if p.accept("PARTITION") {
		p.expectOp("(")
		for {
			k, kt := p.ident()
			p.expectOp("=")
			v := p.cur()
			switch v.Kind {
			case TokString, TokNumber:
			default:
				if !(v.Is("TRUE") || v.Is("FALSE") || v.Is("NULL")) {
					p.fail("<LITERAL>")
				}
			}
			p.i++
			st.Partition = append(st.Partition, Option{Key: k, Value: v.Value(), Pos: kt.Pos})
			st.PartitionLiterals = append(st.PartitionLiterals, v)
			if p.acceptOp(")") {
				break
			}
			if !p.cur().IsOp(",") {
				p.fail(",", ")")
			}
			p.i++
		}
	}
	if p.cur().IsOp("(") && !startsQuery(p.peek(1)) {
		st.Columns = p.identList()
	}
	if !startsQuery(p.cur()) {
		p.fail("SELECT", "VALUES", "WITH", "(")
	}
	st.Query = p.query(p.i)
	st.StmtBase = p.base(start)
	return st
}

// statementSet parses STATEMENT SET BEGIN insert; ... END, the current token
// being STATEMENT.
func (p *parser) statementSet(start int) Statement {
	p.expect("STATEMENT")
	p.expect("SET")
	p.expect("BEGIN")
	st := &StatementSet{}
	for {
		for p.acceptOp(";") {
		}
		t := p.cur()
		if t.Kind == TokEOF {
			p.fail("END", "INSERT")
		}
		if t.Is("END") {
			p.i++
			for p.acceptOp(";") {
			}
			p.expectEOF()
			break
		}
		from := p.i
		for !p.cur().IsOp(";") && p.cur().Kind != TokEOF {
			p.i++
		}
		notAllowed := func() {
			p.failMsg(t.Pos, ClassSqlExecutionException,
				"Only 'INSERT/CREATE TABLE AS' statement is allowed in Statement Set or use 'END' statement to submit Statement Set.")
		}
		if !t.Is("INSERT") && !t.Is("CREATE") {
			notAllowed()
		}
		end := Token{Kind: TokEOF, Pos: p.cur().Pos, End: p.cur().Pos.Offset}
		if p.cur().IsOp(";") {
			end.Text = ";" // reported as itself
		}
		sub := &parser{seg: p.seg, toks: append(p.toks[from:p.i:p.i], end), hints: p.hints}
		if t.Is("CREATE") {
			ct, ok := sub.create().(*CreateTable)
			if !ok || ct.AsQuery == nil {
				notAllowed()
			}
			st.Items = append(st.Items, ct)
		} else {
			ins := sub.insert().(*Insert)
			st.Inserts = append(st.Inserts, ins)
			st.Items = append(st.Items, ins)
		}
		if p.cur().Kind == TokEOF {
			p.fail("END", "INSERT")
		}
	}
	st.StmtBase = p.base(start)
	return st
}

// stopJob parses STOP JOB 'id' [WITH SAVEPOINT] [WITH DRAIN].
func (p *parser) stopJob() Statement {
	start := p.i
	p.expect("STOP")
	p.expect("JOB")
	st := &StopJob{JobID: p.stringLit()}
	if p.acceptSeq("WITH", "SAVEPOINT") {
		st.WithSavepoint = true
	}
	if p.acceptSeq("WITH", "DRAIN") {
		st.WithDrain = true
	}
	if p.cur().Is("WITH") {
		p.i++
		if st.WithDrain {
			p.fail()
		}
		if st.WithSavepoint {
			p.fail("DRAIN")
		}
		p.fail("DRAIN", "SAVEPOINT")
	}
	p.expectEOF("WITH")
	st.StmtBase = p.base(start)
	return st
}

// query parses the rest of the statement, from token index from, as a query.
func (p *parser) query(from int) *Query {
	text, pos := p.textFrom(from)
	var end *Token
	if eof := p.toks[len(p.toks)-1]; eof.Text != "" {
		end = &eof
	}
	q, err := parseQuery(text, pos, end)
	if err != nil {
		err.maskSecrets(p.seg.Text, p.seg.Pos.Line, p.seg.Pos.Col)
		panic(bail{err})
	}
	p.i = len(p.toks) - 1
	return q
}
