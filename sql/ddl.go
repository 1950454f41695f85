package sql

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
	expected := []string{"(", "AS", "COMMENT", "PARTITIONED", "WITH"}
	if p.cur().IsOp("(") {
		p.tableElements(st)
		expected = expected[1:]
	}
	if p.accept("COMMENT") {
		st.Comment = p.stringLit()
		expected = []string{"AS", "PARTITIONED", "WITH"}
	}
	if p.acceptSeq("PARTITIONED", "BY") {
		st.PartitionedBy = p.identList()
		expected = []string{"AS", "WITH"}
	}
	if p.accept("WITH") {
		st.Options = p.options()
		expected = []string{"AS"}
	}
	if p.accept("AS") {
		if !startsQuery(p.cur()) {
			p.fail("SELECT", "VALUES", "WITH", "(")
		}
		st.AsQuery = p.query(p.i)
		expected = nil
	}
	p.expectEOF(expected...)
	st.StmtBase = p.base(start)
	return st
}

// tableElements parses the parenthesised columns, watermark and constraints
// of CREATE TABLE.
func (p *parser) tableElements(st *CreateTable) {
	p.expectOp("(")
	for {
		t := p.cur()
		switch {
		case t.Is("WATERMARK") && p.peek(1).Is("FOR"):
			if st.Watermark != nil {
				p.failMsg(t.Pos, ClassSqlValidateException, msgMultipleWatermarks)
			}
			p.i += 2
			col, ct := p.ident()
			p.expect("AS")
			st.Watermark = &Watermark{Column: col, Pos: ct.Pos, Expr: p.exprUntil(false)}
		case t.Is("PRIMARY") && p.peek(1).Is("KEY"), t.Is("CONSTRAINT"):
			pk := &PrimaryKey{Pos: t.Pos}
			if p.accept("CONSTRAINT") {
				pk.Name, _ = p.ident()
			}
			p.expect("PRIMARY")
			p.expect("KEY")
			pk.Columns = p.identList()
			p.notEnforced(t)
			if st.PrimaryKey != nil {
				p.failMsg(t.Pos, ClassSqlValidateException, msgDuplicatePK)
			}
			st.PrimaryKey = pk
		default:
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
		err.excerpt(p.seg.Text, p.seg.Pos.Line, p.seg.Pos.Col)
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
	if p.accept("LANGUAGE") {
		switch w := upperWord(p.cur()); w {
		case "JAVA", "SCALA", "PYTHON":
			st.Language = w
			p.i++
		default:
			p.fail("JAVA", "PYTHON", "SCALA")
		}
	}
	p.expectEOF("LANGUAGE")
	st.StmtBase = p.base(start)
	return st
}

// createCatalog parses the rest of CREATE CATALOG after CATALOG.
func (p *parser) createCatalog(start int) Statement {
	st := &CreateCatalog{}
	st.IfNotExists = p.acceptSeq("IF", "NOT", "EXISTS")
	st.Name, _ = p.ident()
	if p.accept("COMMENT") {
		st.Comment = p.stringLit()
	}
	if !p.accept("WITH") {
		if st.Comment == "" {
			p.fail("COMMENT", "WITH")
		}
		p.fail("WITH")
	}
	st.Options = p.options()
	p.expectEOF()
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

// alter parses ALTER DATABASE [catalog.]db SET (properties).
func (p *parser) alter() Statement {
	start := p.i
	p.expect("ALTER")
	p.expect("DATABASE")
	st := &AlterDatabase{Name: p.name()}
	p.expect("SET")
	st.Options = p.options()
	p.expectEOF()
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
