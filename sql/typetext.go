package sql

// ParseDataType parses a data type written as in DDL ("VARCHAR(10) NOT
// NULL", "ROW<`a` INT>"), e.g. to turn a resolved type back into a column
// definition.
func ParseDataType(text string) (dt *DataType, err error) {
	p := newParser(Segment{Text: text, Pos: Pos{Line: 1, Col: 1}})
	defer func() {
		if r := recover(); r != nil {
			b, ok := r.(bail)
			if !ok {
				panic(r)
			}
			dt, err = nil, b.err
		}
	}()
	dt = p.dataType()
	p.expectEOF()
	return dt, nil
}
