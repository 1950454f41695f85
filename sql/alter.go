package sql

// alter parses ALTER TABLE, ALTER VIEW, ALTER DATABASE, ALTER CATALOG and
// ALTER [TEMPORARY [SYSTEM]] FUNCTION.
func (p *parser) alter() Statement {
	start := p.i
	p.expect("ALTER")
	var st Statement
	temporary := p.accept("TEMPORARY")
	system := temporary && p.accept("SYSTEM")
	switch {
	case p.accept("FUNCTION"):
		st = p.alterFunction(temporary, system)
	case system:
		p.fail("FUNCTION")
	case temporary:
		p.fail("FUNCTION", "SYSTEM")
	case p.accept("CATALOG"):
		st = p.alterCatalog()
	case p.accept("TABLE"):
		st = p.alterTable()
	case p.accept("VIEW"):
		st = p.alterView()
	case p.accept("DATABASE"):
		a := &AlterDatabase{Name: p.name()}
		p.expect("SET")
		a.Options = p.options()
		st = a
	default:
		p.fail("CATALOG", "DATABASE", "FUNCTION", "TABLE", "TEMPORARY", "VIEW")
	}
	p.expectEOF()
	setBase(st, p.base(start))
	return st
}

// alterFunction parses the rest of ALTER [TEMPORARY [SYSTEM]] FUNCTION
// after FUNCTION.
func (p *parser) alterFunction(temporary, system bool) Statement {
	st := &AlterFunction{Temporary: temporary, System: system}
	st.IfExists = p.acceptSeq("IF", "EXISTS")
	st.Name = p.name()
	p.expect("AS")
	st.Class = p.stringLit()
	if st.Language = p.functionLanguage(); st.Language == "" {
		p.expectEOF("LANGUAGE")
	}
	return st
}

// alterTable parses the rest of ALTER TABLE [IF EXISTS] name <action>:
// RENAME TO t2 | RENAME c TO d | SET (options) | RESET (keys) |
// ADD component | ADD (component, ...) | MODIFY ... |
// DROP (c, ...) | DROP c | DROP PRIMARY KEY | DROP CONSTRAINT n | DROP WATERMARK.
func (p *parser) alterTable() Statement {
	st := &AlterTable{IfExists: p.acceptSeq("IF", "EXISTS")}
	st.Name = p.name()
	switch {
	case p.accept("RENAME"):
		if p.accept("TO") {
			st.Kind = AlterTableRename
			st.NewName = p.name()
			break
		}
		st.Kind = AlterTableRenameColumn
		st.Column, _ = p.ident()
		if p.cur().IsOp(".") {
			p.fail("TO")
		}
		p.expect("TO")
		st.NewColumn, _ = p.ident()
	case p.accept("SET"):
		st.Kind = AlterTableSet
		st.Options = p.options()
	case p.accept("RESET"):
		st.Kind = AlterTableReset
		st.Keys = p.stringList()
	case p.accept("ADD"):
		st.Kind = AlterTableAdd
		p.schemaComponents(st)
	case p.accept("MODIFY"):
		st.Kind = AlterTableModify
		p.schemaComponents(st)
	case p.accept("DROP"):
		switch {
		case p.acceptSeq("PRIMARY", "KEY"):
			st.Kind = AlterTableDropPrimaryKey
		case p.accept("CONSTRAINT"):
			st.Kind = AlterTableDropConstraint
			st.Constraint, _ = p.ident()
		case p.accept("WATERMARK"):
			st.Kind = AlterTableDropWatermark
		case p.cur().IsOp("("):
			st.Kind = AlterTableDropColumns
			st.Drop = p.identList()
		default:
			st.Kind = AlterTableDropColumns
			c, _ := p.ident()
			st.Drop = []string{c}
		}
	default:
		p.fail("ADD", "DROP", "MODIFY", "RENAME", "RESET", "SET")
	}
	return st
}

// schemaComponents parses what ALTER TABLE ADD | MODIFY lists: one
// component, or several in parentheses. A component is a column with an
// optional position (FIRST | AFTER c), a watermark or a primary key.
func (p *parser) schemaComponents(st *AlterTable) {
	p.positional = true
	defer func() { p.positional = false }()
	if !p.acceptOp("(") {
		p.schemaComponent(st)
		return
	}
	for {
		p.schemaComponent(st)
		if p.acceptOp(")") {
			return
		}
		if !p.cur().IsOp(",") {
			p.fail(",", ")")
		}
		p.i++
	}
}

func (p *parser) schemaComponent(st *AlterTable) {
	if !p.constraintElement(&st.Watermark, &st.PrimaryKey) {
		scratch := &CreateTable{PrimaryKey: st.PrimaryKey}
		c := p.column(scratch)
		st.PrimaryKey = scratch.PrimaryKey
		cp := &ColumnPosition{Column: c}
		switch {
		case p.accept("FIRST"):
			cp.First = true
		case p.accept("AFTER"):
			cp.After, _ = p.ident()
		}
		st.Columns = append(st.Columns, cp)
	}
}

// stringList consumes ('a', 'b', ...), possibly empty.
func (p *parser) stringList() []string {
	p.expectOp("(")
	out := []string{}
	if p.acceptOp(")") {
		return out
	}
	for {
		out = append(out, p.stringLit())
		if p.acceptOp(")") {
			return out
		}
		if !p.cur().IsOp(",") {
			p.fail(",", ")")
		}
		p.i++
	}
}

// alterView parses the rest of ALTER VIEW name RENAME TO v2 | AS query.
func (p *parser) alterView() Statement {
	st := &AlterView{Name: p.name()}
	switch {
	case p.accept("RENAME"):
		p.expect("TO")
		n := p.name()
		st.NewName = &n
	case p.accept("AS"):
		if !startsQuery(p.cur()) {
			p.fail("SELECT", "VALUES", "WITH", "(")
		}
		st.Query = p.query(p.i)
	default:
		p.fail("AS", "RENAME")
	}
	return st
}

// alterCatalog parses the rest of ALTER CATALOG name SET (options) |
// RESET (keys) | COMMENT 'text' (Flink 1.20).
func (p *parser) alterCatalog() Statement {
	st := &AlterCatalog{}
	st.Name, _ = p.ident()
	switch {
	case p.accept("SET"):
		st.Kind = AlterCatalogSet
		st.Options = p.options()
	case p.accept("RESET"):
		st.Kind = AlterCatalogReset
		st.Keys = p.stringList()
	case p.accept("COMMENT"):
		st.Kind = AlterCatalogComment
		st.Comment = p.stringLit()
	default:
		p.fail("COMMENT", "RESET", "SET")
	}
	return st
}
