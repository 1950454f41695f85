package sql

import "fmt"

// Messages of the checks Flink's SQL parser makes on DDL itself.
const (
	msgEnforced = "Flink doesn't support ENFORCED mode for PRIMARY KEY constraint. ENFORCED/NOT ENFORCED " +
		" controls if the constraint checks are performed on the incoming/outgoing data. Flink does not own " +
		"the data therefore the only supported mode is the NOT ENFORCED mode"
	msgDuplicatePK        = "Duplicate primary key definition"
	msgMultipleWatermarks = "Multiple watermark definition is not supported yet."
)

// create parses CREATE [TEMPORARY] [SYSTEM] TABLE | VIEW | FUNCTION.
func (p *parser) create() Statement {
	start := p.i
	p.expect("CREATE")
	if p.accept("OR") {
		p.expect("REPLACE")
		p.expect("TABLE")
		return p.replaceTable(start, true)
	}
	temporary := p.accept("TEMPORARY")
	switch {
	case p.accept("TABLE"):
		return p.createTable(start, temporary)
	case p.accept("VIEW"):
		return p.createView(start, temporary)
	case p.accept("FUNCTION"):
		return p.createFunction(start, temporary, false)
	case temporary && p.accept("SYSTEM"):
		p.expect("FUNCTION")
		return p.createFunction(start, temporary, true)
	case !temporary && p.accept("CATALOG"):
		return p.createCatalog(start)
	case !temporary && p.accept("DATABASE"):
		return p.createDatabase(start)
	}
	if temporary {
		p.fail("FUNCTION", "SYSTEM", "TABLE", "VIEW")
	}
	p.fail("CATALOG", "DATABASE", "FUNCTION", "TABLE", "TEMPORARY", "VIEW")
	return nil
}

// createTable parses the rest of CREATE TABLE after the TABLE keyword.
func (p *parser) createTable(start int, temporary bool) Statement {
	st := &CreateTable{Temporary: temporary}
	st.IfNotExists = p.acceptSeq("IF", "NOT", "EXISTS")
	st.Name = p.name()
	expected := []string{"(", "AS", "COMMENT", "LIKE", "PARTITIONED", "WITH"}
	if p.cur().IsOp("(") {
		p.tableElements(st)
		expected = expected[1:]
	}
	if p.accept("COMMENT") {
		st.Comment = p.stringLit()
		expected = []string{"AS", "LIKE", "PARTITIONED", "WITH"}
	}
	if p.acceptSeq("PARTITIONED", "BY") {
		st.PartitionedBy = p.identList()
		expected = []string{"AS", "LIKE", "WITH"}
	}
	if p.accept("WITH") {
		st.Options = p.options()
		expected = []string{"AS", "LIKE"}
	}
	if t := p.cur(); t.Is("LIKE") {
		p.i++
		st.Like = p.tableLike(t)
		expected = nil
	} else if p.accept("AS") {
		if !startsQuery(p.cur()) {
			p.fail("SELECT", "VALUES", "WITH", "(")
		}
		st.AsQuery = p.query(p.i)
		expected = nil
		p.checkAsSelect(st, "CREATE TABLE AS SELECT", start)
	}
	p.expectEOF(expected...)
	st.StmtBase = p.base(start)
	return st
}

// checkAsSelect makes the checks Flink's parser makes on CREATE TABLE AS
// SELECT and [CREATE OR] REPLACE TABLE AS SELECT (what names the syntax).
func (p *parser) checkAsSelect(st *CreateTable, what string, start int) {
	pos := p.toks[start].Pos
	switch {
	case st.Temporary:
		p.failMsg(pos, ClassSqlValidateException, what+" syntax does not support to create temporary table yet.")
	case len(st.Columns) > 0:
		p.failMsg(pos, ClassSqlValidateException, what+" syntax does not support to specify explicit columns yet.")
	case st.Watermark != nil:
		p.failMsg(pos, ClassSqlValidateException, what+" syntax does not support to specify explicit watermark yet.")
	case st.PrimaryKey != nil:
		p.failMsg(pos, ClassSqlValidateException, what+" syntax does not support primary key constraints yet.")
	case len(st.PartitionedBy) > 0:
		p.failMsg(pos, ClassSqlValidateException, what+" syntax does not support to create partitioned table yet.")
	}
}

// likeFeatures are the features a LIKE option names; likeOverwritable
// those OVERWRITING may apply to.
var (
	likeFeatures     = []string{"ALL", "CONSTRAINTS", "GENERATED", "METADATA", "OPTIONS", "PARTITIONS", "WATERMARKS"}
	likeOverwritable = map[string]bool{"GENERATED": true, "METADATA": true, "OPTIONS": true, "WATERMARKS": true}
)

// tableLike parses the rest of LIKE source [(option ...)], t being LIKE.
func (p *parser) tableLike(t Token) *TableLike {
	l := &TableLike{Source: p.name(), Pos: t.Pos}
	if !p.acceptOp("(") {
		return l
	}
	seen := map[string]bool{}
	for !p.acceptOp(")") {
		ot := p.cur()
		strategy := upperWord(ot)
		switch strategy {
		case "INCLUDING", "EXCLUDING", "OVERWRITING":
			p.i++
		default:
			p.fail("EXCLUDING", "INCLUDING", "OVERWRITING", ")")
		}
		feature := upperWord(p.cur())
		known := false
		for _, f := range likeFeatures {
			known = known || f == feature
		}
		if !known {
			p.fail(likeFeatures...)
		}
		p.i++
		if strategy == "OVERWRITING" && !likeOverwritable[feature] {
			p.failMsg(ot.Pos, ClassSqlValidateException, fmt.Sprintf("Illegal merging strategy '%s' for '%s' option.", strategy, feature))
		}
		if seen[feature] {
			p.failMsg(ot.Pos, ClassSqlValidateException, "Each like option feature can be declared only once.")
		}
		seen[feature] = true
		l.Options = append(l.Options, LikeOption{Strategy: strategy, Feature: feature})
		p.acceptOp(",")
	}
	return l
}

// replaceTable parses the rest of [CREATE OR] REPLACE TABLE name [(...)]
// [COMMENT 'c'] [WITH (...)] AS query, after TABLE.
func (p *parser) replaceTable(start int, orCreate bool) Statement {
	st := &CreateTable{Replace: true, OrReplace: orCreate}
	st.Name = p.name()
	if p.cur().IsOp("(") {
		p.tableElements(st)
	}
	if p.accept("COMMENT") {
		st.Comment = p.stringLit()
	}
	if p.acceptSeq("PARTITIONED", "BY") {
		st.PartitionedBy = p.identList()
	}
	if p.accept("WITH") {
		st.Options = p.options()
	}
	p.expect("AS")
	if !startsQuery(p.cur()) {
		p.fail("SELECT", "VALUES", "WITH", "(")
	}
	st.AsQuery = p.query(p.i)
	what := "REPLACE TABLE AS SELECT"
	if orCreate {
		what = "CREATE OR " + what
	}
	p.checkAsSelect(st, what, start)
	st.StmtBase = p.base(start)
	return st
}

// tableElements parses the parenthesised columns, watermark and constraints
// of CREATE TABLE.
func (p *parser) tableElements(st *CreateTable) {
	p.expectOp("(")
	for {
		if !p.constraintElement(&st.Watermark, &st.PrimaryKey) {
			st.Columns = append(st.Columns, p.column(st))
		}
		if p.acceptOp(")") {
			return
		}
		if !p.cur().IsOp(",") {
			p.fail(",", ")")
		}
		p.i++
	}
}

// notEnforced consumes NOT ENFORCED after a primary key that starts at t.
func (p *parser) notEnforced(t Token) {
	if p.acceptSeq("NOT", "ENFORCED") {
		return
	}
	if p.cur().Is("NOT") {
		p.i++
		p.fail("ENFORCED")
	}
	p.accept("ENFORCED")
	p.failMsg(t.Pos, ClassSqlValidateException, msgEnforced)
}

// column parses a physical, metadata or computed column.
func (p *parser) column(st *CreateTable) *ColumnDef {
	name, t := p.ident()
	c := &ColumnDef{Name: name, Pos: t.Pos}
	if p.accept("AS") {
		c.Computed = p.exprUntil(true)
		if p.accept("COMMENT") {
			c.Comment = p.stringLit()
		}
		return c
	}
	c.Type = p.dataType()
	if p.accept("METADATA") {
		c.Metadata = true
		if p.accept("FROM") {
			c.MetadataKey = p.stringLit()
		}
		c.Virtual = p.accept("VIRTUAL")
	}
	if ct := p.cur(); ct.Is("CONSTRAINT") || ct.Is("PRIMARY") {
		var cname string
		if p.accept("CONSTRAINT") {
			cname, _ = p.ident()
		}
		p.expect("PRIMARY")
		p.expect("KEY")
		p.notEnforced(ct)
		if st.PrimaryKey != nil {
			p.failMsg(ct.Pos, ClassSqlValidateException, msgDuplicatePK)
		}
		c.PrimaryKey = true
		st.PrimaryKey = &PrimaryKey{Name: cname, Columns: []string{name}, Pos: ct.Pos}
	}
	if p.accept("COMMENT") {
		c.Comment = p.stringLit()
	}
	return c
}

// exprUntil parses the expression from the current token up to the next
// top-level ',' or ')' (or COMMENT, when stopAtComment).
func (p *parser) exprUntil(stopAtComment bool) *Expr {
	s := p.i
	depth := 0
loop:
	for ; p.cur().Kind != TokEOF; p.i++ {
		t := p.cur()
		switch {
		case t.IsOp("(") || t.IsOp("["):
			depth++
		case (t.IsOp(")") || t.IsOp("]")) && depth > 0:
			depth--
		case depth == 0 && (t.IsOp(",") || t.IsOp(")") || (stopAtComment && t.Is("COMMENT"))):
			break loop
		case depth == 0 && p.positional && (t.Is("FIRST") || t.Is("AFTER")):
			break loop
		}
	}
	if p.i == s {
		p.fail("<EXPRESSION>")
	}
	text, pos := p.textBetween(s, p.i)
	var end *Token
	if t := p.cur(); t.Kind != TokEOF || t.Text != "" {
		end = &t
	}
	x, err := parseExpr(text, pos, end)
	if err != nil {
		err.maskSecrets(p.seg.Text, p.seg.Pos.Line, p.seg.Pos.Col)
		panic(bail{err})
	}
	return x
}

// options parses ('key' = 'value', ...).
func (p *parser) options() []Option {
	p.expectOp("(")
	var out []Option
	if p.acceptOp(")") {
		return out
	}
	for {
		t := p.cur()
		k := p.stringLit()
		p.expectOp("=")
		v := p.stringLit()
		out = append(out, Option{Key: k, Value: v, Pos: t.Pos})
		if p.acceptOp(")") {
			return out
		}
		if !p.cur().IsOp(",") {
			p.fail(",", ")")
		}
		p.i++
	}
}

// createView parses the rest of CREATE VIEW after the VIEW keyword.
func (p *parser) createView(start int, temporary bool) Statement {
	st := &CreateView{Temporary: temporary}
	st.IfNotExists = p.acceptSeq("IF", "NOT", "EXISTS")
	st.Name = p.name()
	if p.cur().IsOp("(") {
		st.Columns = p.identList()
	}
	if p.accept("COMMENT") {
		st.Comment = p.stringLit()
	}
	if !p.accept("AS") {
		if st.Columns == nil && st.Comment == "" {
			p.fail("(", "AS", "COMMENT")
		}
		p.fail("AS")
	}
	if !startsQuery(p.cur()) {
		p.fail("SELECT", "VALUES", "WITH", "(")
	}
	st.Query = p.query(p.i)
	st.StmtBase = p.base(start)
	return st
}

// createFunction parses the rest of CREATE FUNCTION after FUNCTION.
func (p *parser) createFunction(start int, temporary, system bool) Statement {
	st := &CreateFunction{Temporary: temporary, System: system}
	st.IfNotExists = p.acceptSeq("IF", "NOT", "EXISTS")
	st.Name = p.name()
	p.expect("AS")
	st.Class = p.stringLit()
	st.Language = p.functionLanguage()
	p.expectEOF("LANGUAGE")
	st.StmtBase = p.base(start)
	return st
}

// functionLanguage parses an optional LANGUAGE JAVA|SCALA|PYTHON of a
// function's definition: the language upper-cased, or "".
func (p *parser) functionLanguage() string {
	if !p.accept("LANGUAGE") {
		return ""
	}
	switch w := upperWord(p.cur()); w {
	case "JAVA", "SCALA", "PYTHON":
		p.i++
		return w
	}
	p.fail("JAVA", "PYTHON", "SCALA")
	return ""
}

// createCatalog parses the rest of CREATE CATALOG after CATALOG.
func (p *parser) createCatalog(start int) Statement {
	st := &CreateCatalog{}
	st.IfNotExists = p.acceptSeq("IF", "NOT", "EXISTS")
	st.Name, _ = p.ident()
	// COMMENT and WITH are both optional in Flink's grammar; a catalog
	// without options fails later, for want of a 'type'.
	expected := []string{"COMMENT", "WITH"}
	if p.accept("COMMENT") {
		st.Comment = p.stringLit()
		expected = []string{"WITH"}
	}
	if p.accept("WITH") {
		st.Options = p.options()
		expected = nil
	}
	p.expectEOF(expected...)
	st.StmtBase = p.base(start)
	return st
}

// createDatabase parses the rest of CREATE DATABASE after DATABASE.
func (p *parser) createDatabase(start int) Statement {
	st := &CreateDatabase{}
	st.IfNotExists = p.acceptSeq("IF", "NOT", "EXISTS")
	st.Name = p.name()
	expected := []string{"COMMENT", "WITH"}
	if p.accept("COMMENT") {
		st.Comment = p.stringLit()
		expected = expected[1:]
	}
	if p.accept("WITH") {
		st.Options = p.options()
		expected = nil
	}
	p.expectEOF(expected...)
	st.StmtBase = p.base(start)
	return st
}

// drop parses DROP [TEMPORARY] [SYSTEM] TABLE | VIEW | FUNCTION [IF EXISTS] name.
func (p *parser) drop() Statement {
	start := p.i
	p.expect("DROP")
	temporary := p.accept("TEMPORARY")
	system := temporary && p.accept("SYSTEM")
	var st Statement
	switch {
	case !system && p.accept("TABLE"):
		d := &DropTable{Temporary: temporary}
		d.IfExists = p.acceptSeq("IF", "EXISTS")
		d.Name = p.name()
		st = d
	case !system && p.accept("VIEW"):
		d := &DropView{Temporary: temporary}
		d.IfExists = p.acceptSeq("IF", "EXISTS")
		d.Name = p.name()
		st = d
	case !temporary && p.accept("CATALOG"):
		d := &DropCatalog{}
		d.IfExists = p.acceptSeq("IF", "EXISTS")
		d.Name, _ = p.ident()
		st = d
	case !temporary && p.accept("DATABASE"):
		d := &DropDatabase{}
		d.IfExists = p.acceptSeq("IF", "EXISTS")
		d.Name = p.name()
		if !p.accept("RESTRICT") {
			d.Cascade = p.accept("CASCADE")
		}
		st = d
	case p.accept("FUNCTION"):
		d := &DropFunction{Temporary: temporary, System: system}
		d.IfExists = p.acceptSeq("IF", "EXISTS")
		d.Name = p.name()
		st = d
	case system:
		p.fail("FUNCTION")
	case temporary:
		p.fail("FUNCTION", "SYSTEM", "TABLE", "VIEW")
	default:
		p.fail("CATALOG", "DATABASE", "FUNCTION", "TABLE", "TEMPORARY", "VIEW")
	}
	p.expectEOF()
	setBase(st, p.base(start))
	return st
}

// constraintElement parses a table element that is not a column —
// WATERMARK FOR col AS expr, or [CONSTRAINT name] PRIMARY KEY (cols) NOT
// ENFORCED — into *wm or *pk (a second one of either is Flink's error).
// It reports false, consuming nothing, when the element is a column.
func (p *parser) constraintElement(wm **Watermark, pk **PrimaryKey) bool {
	t := p.cur()
	switch {
	case t.Is("WATERMARK") && p.peek(1).Is("FOR"):
		if *wm != nil {
			p.failMsg(t.Pos, ClassSqlValidateException, msgMultipleWatermarks)
		}
		p.i += 2
		col, ct := p.ident()
		p.expect("AS")
		*wm = &Watermark{Column: col, Pos: ct.Pos, Expr: p.exprUntil(false)}
		return true
	case t.Is("PRIMARY") && p.peek(1).Is("KEY"), t.Is("CONSTRAINT"):
		k := &PrimaryKey{Pos: t.Pos}
		if p.accept("CONSTRAINT") {
			k.Name, _ = p.ident()
		}
		p.expect("PRIMARY")
		p.expect("KEY")
		k.Columns = p.identList()
		p.notEnforced(t)
		if *pk != nil {
			p.failMsg(t.Pos, ClassSqlValidateException, msgDuplicatePK)
		}
		*pk = k
		return true
	}
	return false
}
