package types

// RowKind is the change a row carries in a changelog.
type RowKind uint8

const (
	Insert       RowKind = iota // +I
	UpdateBefore                // -U
	UpdateAfter                 // +U
	Delete                      // -D
)

// String returns Flink's short string: "+I", "-U", "+U", "-D".
func (k RowKind) String() string {
	switch k {
	case Insert:
		return "+I"
	case UpdateBefore:
		return "-U"
	case UpdateAfter:
		return "+U"
	case Delete:
		return "-D"
	}
	return "?"
}

// IsAccumulate reports +I and +U.
func (k RowKind) IsAccumulate() bool { return k == Insert || k == UpdateAfter }

// DefaultBatchSize is the number of rows a producer puts in a full batch.
const DefaultBatchSize = 1024

// Batch is a set of rows in columnar form with a row-kind vector. Kinds is
// nil when every row is an insertion (+I), so append-only streams pay nothing.
type Batch struct {
	Cols  []*Vector
	Kinds []RowKind
	Len   int
}

// NewBatch allocates an empty batch for the given column types.
func NewBatch(colTypes []*Type, capacity int) *Batch {
	b := &Batch{Cols: make([]*Vector, len(colTypes))}
	for i, t := range colTypes {
		b.Cols[i] = NewVector(t, capacity)
	}
	return b
}

// Kind returns the row kind of row i.
func (b *Batch) Kind(i int) RowKind {
	if b.Kinds == nil {
		return Insert
	}
	return b.Kinds[i]
}

// AppendKind records the kind of the next row; call once per appended row
// (only needed for non-insert rows, but must then be called for every row).
func (b *Batch) AppendKind(k RowKind) {
	if b.Kinds == nil {
		if k == Insert {
			return
		}
		b.Kinds = make([]RowKind, b.Len, b.Len+DefaultBatchSize)
	}
	b.Kinds = append(b.Kinds, k)
}

// Reset empties the batch for reuse.
func (b *Batch) Reset() {
	for _, c := range b.Cols {
		c.Reset()
	}
	b.Kinds = nil
	b.Len = 0
}

// AppendRow copies row i of src (same schema) into b, including its kind.
func (b *Batch) AppendRow(src *Batch, i int) {
	b.AppendKind(src.Kind(i))
	for c, v := range b.Cols {
		v.AppendFrom(src.Cols[c], i)
	}
	b.Len++
}

// SetRowCount finalizes the row count after columns were appended directly.
func (b *Batch) SetRowCount(n int) { b.Len = n }
