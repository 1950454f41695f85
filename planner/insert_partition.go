package planner

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/flinkgo/engine/runtime/expr"
	"github.com/flinkgo/engine/runtime/types"
	"github.com/flinkgo/engine/sql"
)

// Static partitions: INSERT INTO t PARTITION (k = 'v', ...) SELECT <the
// other columns>. As Flink's PreValidateReWriter does, each static value
// becomes a constant column of the rows written (CAST(literal AS the
// column's type)) at its position in the sink's columns, and the query
// provides the remaining columns in order; the connector then writes every
// row into the partition its values name (a static partition is a
// partition column whose value is fixed), so static, dynamic and mixed
// partitions are one mechanism.

// partitionKeyIndexes are the PARTITIONED BY columns of t as indexes into
// its connector columns (connectors.Table.PartitionKeys).
func partitionKeyIndexes(t *Table) []int {
	if t.Def == nil {
		return nil
	}
	var out []int
	for _, k := range t.Def.PartitionedBy {
		i := t.ColumnIndex(k)
		if i < 0 || t.Columns[i].Connector < 0 {
			continue
		}
		out = append(out, t.Columns[i].Connector)
	}
	return out
}

// checkStaticPartition fails when a column of a PARTITION (k = 'v', ...)
// clause is not a partition key of the table, with Flink's message
// (DynamicSinkUtils.validatePartitioning), also for a table without
// partition keys.
func checkStaticPartition(ins *sql.Insert, t *Table) error {
	var keys []string
	if t.Def != nil {
		keys = t.Def.PartitionedBy
	}
	for _, o := range ins.Partition {
		found := false
		for _, k := range keys {
			found = found || k == o.Key
		}
		if !found {
			return &ValidationError{Msg: fmt.Sprintf("Static partition column '%s' should be in the partition keys list [%s] for table '%s'.",
				o.Key, strings.Join(keys, ", "), t.Name)}
		}
	}
	return nil
}

// staticPartitions validates the PARTITION clause of ins against the
// sink's columns target (indexes into t.Columns) and returns, per sink
// column, the constant a static partition assigns to it (nil for the
// others). The checks run in Flink's order: a column the table does not
// have, a column assigned twice (Calcite's messages, at the column's
// position), then a column that is not a partition key.
func (p *Planner) staticPartitions(ins *sql.Insert, t *Table, target []int) ([]expr.Expr, error) {
	if len(ins.Partition) == 0 {
		return nil, nil
	}
	static := make([]expr.Expr, len(target))
	for i, o := range ins.Partition {
		si := -1
		for j, ti := range target {
			if t.Columns[ti].Name == o.Key {
				si = j
			}
		}
		if si < 0 {
			return nil, validationf(o.Pos, "Unknown target column '%s'", o.Key)
		}
		if static[si] != nil {
			return nil, validationf(o.Pos, "Target column '%s' is assigned more than once", o.Key)
		}
		var tok sql.Token
		if i < len(ins.PartitionLiterals) {
			tok = ins.PartitionLiterals[i]
		} else {
			tok = sql.Token{Kind: sql.TokString, Text: "'" + strings.ReplaceAll(o.Value, "'", "''") + "'"}
		}
		col := t.Columns[target[si]]
		e, err := partitionConstant(tok, o, col)
		if err != nil {
			return nil, err
		}
		static[si] = e
	}
	if err := checkStaticPartition(ins, t); err != nil {
		return nil, err
	}
	return static, nil
}

// partitionConstant is CAST(literal AS the column's type) for the literal
// of a static partition (no cast when the types already agree).
func partitionConstant(tok sql.Token, o sql.Option, col TableColumn) (expr.Expr, error) {
	var lit expr.Expr
	switch {
	case tok.Kind == sql.TokString:
		lit = stringLiteral(o.Value)
	case tok.Is("NULL"):
		if !col.Type.Nullable() {
			return nil, validationf(o.Pos, "Column '%s' is NOT NULL, however, a null value is being written into it.", col.Name)
		}
		return nullLiteral(col.Type), nil
	case tok.Is("TRUE"), tok.Is("FALSE"):
		b := tok.Is("TRUE")
		lit = constLiteral(types.Boolean.WithNullable(false), strings.ToLower(tok.Text), func(v *types.Vector) { v.AppendBool(b) })
	default: // a number
		if i, err := strconv.ParseInt(o.Value, 10, 64); err == nil {
			t := types.BigInt
			if i >= math.MinInt32 && i <= math.MaxInt32 {
				t = types.Int
			}
			lit = intLiteral(i, t)
		} else if strings.ContainsAny(o.Value, "eE") {
			f, err := strconv.ParseFloat(o.Value, 64)
			if err != nil {
				return nil, validationf(o.Pos, "Invalid literal %s", o.Value)
			}
			lit = constLiteral(types.Double.WithNullable(false), o.Value, func(v *types.Vector) { v.AppendFloat(f) })
		} else {
			d, err := decimalLiteral(o.Value)
			if err != nil {
				return nil, err
			}
			lit = d
		}
	}
	if lit.Type().Equal(col.Type, true) {
		return lit, nil
	}
	c, err := expr.NewCast(lit, col.Type.WithNullable(true), false)
	if err != nil {
		return nil, validationf(o.Pos, "Cast function cannot convert value of type %s to type %s", lit.Type().String(), col.Type.String())
	}
	return c, nil
}

// staticQuerySchema is the query's schema as Flink shows it once the
// static partition values are spliced in (unnamed constants are EXPR$<i>),
// for the column-count mismatch message.
func staticQuerySchema(in []Column, static []expr.Expr) []Column {
	var out []Column
	qi := 0
	for si, e := range static {
		if e != nil {
			out = append(out, Column{Name: "EXPR$" + strconv.Itoa(si), Type: e.Type().WithNullable(e.Type().Nullable() && !isLiteral(e))})
			continue
		}
		if qi < len(in) {
			out = append(out, in[qi])
			qi++
		}
	}
	return append(out, in[qi:]...)
}

func isLiteral(e expr.Expr) bool {
	switch x := e.(type) {
	case *expr.Literal:
		return !x.Value.IsNull(0)
	case *expr.Call:
		return len(x.Args) == 1 && isLiteral(x.Args[0])
	}
	return false
}
