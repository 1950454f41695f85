package sql

import (
	"strconv"
)

// typeNames are the words that start a data type, for error messages.
var typeNames = []string{
	"ARRAY", "BIGINT", "BINARY", "BOOLEAN", "BYTES", "CHAR", "DATE", "DEC", "DECIMAL",
	"DOUBLE", "FLOAT", "INT", "INTEGER", "MAP", "MULTISET", "NUMERIC", "ROW", "SMALLINT",
	"STRING", "TIME", "TIMESTAMP", "TIMESTAMP_LTZ", "TINYINT", "VARBINARY", "VARCHAR",
}

// dataType parses a Flink data type with its optional NOT NULL / NULL and
// the postfix collection forms (INT ARRAY, INT MULTISET).
func (p *parser) dataType() *DataType {
	dt := p.baseType()
	for {
		switch {
		case p.cur().Is("ARRAY") && !p.peek(1).IsOp("<"):
			p.i++
			p.nullability(dt)
			dt = &DataType{Name: "ARRAY", Elem: dt, Pos: dt.Pos}
			continue
		case p.cur().Is("MULTISET") && !p.peek(1).IsOp("<"):
			p.i++
			p.nullability(dt)
			dt = &DataType{Name: "MULTISET", Elem: dt, Pos: dt.Pos}
			continue
		}
		break
	}
	p.nullability(dt)
	return dt
}

// nullability consumes NOT NULL or NULL after a type.
func (p *parser) nullability(dt *DataType) {
	switch {
	case p.cur().Is("NOT") && p.peek(1).Is("NULL"):
		p.i += 2
		dt.NotNull = true
	case p.cur().Is("NULL"):
		p.i++
	}
}

// baseType parses a type without nullability.
func (p *parser) baseType() *DataType {
	t := p.cur()
	if t.Kind != TokIdent {
		p.fail(typeNames...)
	}
	p.i++
	dt := &DataType{Pos: t.Pos}
	switch word := upperWord(t); word {
	case "BOOLEAN", "TINYINT", "SMALLINT", "BIGINT", "FLOAT", "STRING", "BYTES", "DATE":
		dt.Name = word
	case "INT", "INTEGER":
		dt.Name = "INT"
	case "DOUBLE":
		dt.Name = "DOUBLE"
		p.accept("PRECISION")
	case "DECIMAL", "DEC", "NUMERIC":
		dt.Name = "DECIMAL"
		dt.Params = p.typeParams(2)
	case "CHAR", "CHARACTER":
		dt.Name = "CHAR"
		if p.accept("VARYING") {
			dt.Name = "VARCHAR"
		}
		dt.Params = p.typeParams(1)
	case "VARCHAR", "BINARY", "VARBINARY":
		dt.Name = word
		dt.Params = p.typeParams(1)
	case "TIME":
		dt.Name = "TIME"
		dt.Params = p.typeParams(1)
		p.acceptSeq("WITHOUT", "TIME", "ZONE")
	case "TIMESTAMP":
		dt.Name = "TIMESTAMP"
		dt.Params = p.typeParams(1)
		switch {
		case p.acceptSeq("WITHOUT", "TIME", "ZONE"):
		case p.acceptSeq("WITH", "LOCAL", "TIME", "ZONE"):
			dt.Name = "TIMESTAMP_LTZ"
		case p.cur().Is("WITH") && p.peek(1).Is("TIME"):
			p.i++
			p.fail("LOCAL")
		}
	case "TIMESTAMP_LTZ":
		dt.Name = "TIMESTAMP_LTZ"
		dt.Params = p.typeParams(1)
	case "ARRAY", "MULTISET":
		dt.Name = word
		p.expectOp("<")
		dt.Elem = p.dataType()
		p.closeAngle()
	case "MAP":
		dt.Name = "MAP"
		p.expectOp("<")
		dt.Key = p.dataType()
		p.expectOp(",")
		dt.Elem = p.dataType()
		p.closeAngle()
	case "ROW":
		dt.Name = "ROW"
		p.rowFields(dt)
	default:
		p.failAt(t, typeNames...)
	}
	return dt
}

// typeParams parses an optional (n) or (n, m) with at most max numbers.
func (p *parser) typeParams(max int) []int {
	if !p.cur().IsOp("(") {
		return nil
	}
	p.i++
	var out []int
	for {
		t := p.cur()
		n, err := strconv.Atoi(t.Text)
		if t.Kind != TokNumber || err != nil || n < 0 {
			p.fail("<UNSIGNED_INTEGER_LITERAL>")
		}
		p.i++
		out = append(out, n)
		if p.acceptOp(")") {
			return out
		}
		if len(out) == max {
			p.fail(")")
		}
		if !p.cur().IsOp(",") {
			p.fail(")", ",")
		}
		p.i++
	}
}

// closeAngle consumes the '>' closing ARRAY<...>, MAP<...>, ROW<...>. A
// '>=' token cannot occur in a type, so only '>' is accepted.
func (p *parser) closeAngle() {
	p.expectOp(">")
}

// rowFields parses ROW<a T [COMMENT 'c'], ...>, ROW(a T, ...) or the empty
// ROW<> / ROW().
func (p *parser) rowFields(dt *DataType) {
	var closer string
	switch {
	case p.acceptOp("<>"):
		return
	case p.acceptOp("<"):
		closer = ">"
	case p.acceptOp("("):
		closer = ")"
	default:
		p.fail("<", "(")
	}
	if p.acceptOp(closer) {
		return
	}
	for {
		name, _ := p.ident()
		f := FieldDef{Name: name, Type: p.dataType()}
		if p.accept("COMMENT") {
			f.Comment = p.stringLit()
		}
		dt.Fields = append(dt.Fields, f)
		if p.acceptOp(closer) {
			return
		}
		if !p.cur().IsOp(",") {
			p.fail(",", closer)
		}
		p.i++
	}
}
