package planner

import (
	"fmt"

	"github.com/flinkgo/engine/runtime/types"
	"github.com/flinkgo/engine/sql"
)

// ResolveType converts a written type into a logical type.
func ResolveType(d *sql.DataType) (*types.Type, error) {
	t, err := resolveType(d)
	if err != nil {
		return nil, err
	}
	if d.NotNull {
		t = t.WithNullable(false)
	}
	return t, nil
}

func param(d *sql.DataType, i, def int) int {
	if i < len(d.Params) {
		return d.Params[i]
	}
	return def
}

func resolveType(d *sql.DataType) (*types.Type, error) {
	switch d.Name {
	case "BOOLEAN", "BOOL":
		return types.Boolean, nil
	case "TINYINT":
		return types.TinyInt, nil
	case "SMALLINT":
		return types.SmallInt, nil
	case "INT", "INTEGER":
		return types.Int, nil
	case "BIGINT":
		return types.BigInt, nil
	case "FLOAT", "REAL":
		return types.Float, nil
	case "DOUBLE":
		return types.Double, nil
	case "DECIMAL", "DEC", "NUMERIC":
		p, s := param(d, 0, 10), param(d, 1, 0)
		if p < 1 || p > 38 {
			return nil, fmt.Errorf("Decimal precision must be between 1 and 38 (both inclusive), got %d.", p)
		}
		if s < 0 || s > p {
			return nil, fmt.Errorf("Decimal scale must be between 0 and the precision %d (both inclusive), got %d.", p, s)
		}
		return types.Decimal(p, s), nil
	case "CHAR":
		return types.Char(param(d, 0, 1)), nil
	case "VARCHAR":
		return types.VarChar(param(d, 0, 1)), nil
	case "STRING":
		return types.String, nil
	case "BINARY":
		return &types.Type{Kind: types.KindBinary, Length: param(d, 0, 1)}, nil
	case "VARBINARY":
		return &types.Type{Kind: types.KindVarBinary, Length: param(d, 0, 1)}, nil
	case "BYTES":
		return types.Bytes, nil
	case "DATE":
		return types.Date, nil
	case "TIME":
		p := param(d, 0, 0)
		if p < 0 || p > 9 {
			return nil, fmt.Errorf("Time precision must be between 0 and 9 (both inclusive), got %d.", p)
		}
		return &types.Type{Kind: types.KindTime, Precision: p}, nil
	case "TIMESTAMP":
		p := param(d, 0, 6)
		if p < 0 || p > 9 {
			return nil, fmt.Errorf("Timestamp precision must be between 0 and 9 (both inclusive), got %d.", p)
		}
		return types.Timestamp(p), nil
	case "TIMESTAMP_LTZ":
		p := param(d, 0, 6)
		if p < 0 || p > 9 {
			return nil, fmt.Errorf("Timestamp precision must be between 0 and 9 (both inclusive), got %d.", p)
		}
		return types.TimestampLTZ(p), nil
	case "ARRAY", "MULTISET":
		if d.Elem == nil {
			return nil, fmt.Errorf("%s needs an element type", d.Name)
		}
		e, err := ResolveType(d.Elem)
		if err != nil {
			return nil, err
		}
		return types.ArrayOf(e), nil
	case "MAP":
		if d.Key == nil || d.Elem == nil {
			return nil, fmt.Errorf("MAP needs a key and a value type")
		}
		k, err := ResolveType(d.Key)
		if err != nil {
			return nil, err
		}
		v, err := ResolveType(d.Elem)
		if err != nil {
			return nil, err
		}
		return types.MapOf(k, v), nil
	case "ROW":
		fs := make([]types.Field, len(d.Fields))
		for i, f := range d.Fields {
			t, err := ResolveType(f.Type)
			if err != nil {
				return nil, err
			}
			fs[i] = types.Field{Name: f.Name, Type: t}
		}
		return types.RowOf(fs...), nil
	}
	return nil, fmt.Errorf("Unsupported type: %s", d.Name)
}
