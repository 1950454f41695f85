package planner

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/flinkgo/engine/runtime/expr"
	"github.com/flinkgo/engine/runtime/types"
	"github.com/flinkgo/engine/sql"
)

// funcNames maps TiDB's lower-case function names to registry names where
// they differ from simple upper-casing.
var funcNames = map[string]string{
	ast.Concat:          "CONCAT",
	"__item":            "ITEM",
	"__floor":           "FLOOR",
	"__ceil":            "CEIL",
	"substr":            "SUBSTRING",
	"character_length":  "CHAR_LENGTH",
	"ceiling":           "CEIL",
	"pow":               "POWER",
	"current_timestamp": "CURRENT_TIMESTAMP",
	"localtimestamp":    "LOCALTIMESTAMP",
	"curdate":           "CURRENT_DATE",
	"curtime":           "CURRENT_TIME",
	"ifnull":            "COALESCE",
	"dayofmonth":        "DAYOFMONTH",
	"char_length":       "CHAR_LENGTH",
}

func (b *exprBinder) funcCall(x *ast.FuncCallExpr) (expr.Expr, error) {
	name := x.FnName.L
	switch {
	case strings.HasPrefix(name, "__cast_"), strings.HasPrefix(name, "__trycast_"):
		try := strings.HasPrefix(name, "__trycast_")
		i, _ := strconv.Atoi(name[strings.LastIndexByte(name, '_')+1:])
		if b.rw == nil || i >= len(b.rw.Casts) || len(x.Args) != 1 {
			return nil, b.errAt("CAST", "malformed CAST")
		}
		to, err := ResolveType(b.rw.Casts[i])
		if err != nil {
			return nil, b.errAt("CAST", "%s", err.Error())
		}
		if to.Kind == types.KindTime {
			// Flink's FlinkTypeFactory.toLogicalType: TIME(p) in a query is
			// TIME(0) (values keep their milliseconds), p > 3 is refused.
			if to.Precision > 3 {
				return nil, &TableError{Msg: fmt.Sprintf("TIME precision is not supported: %d", to.Precision)}
			}
			to = &types.Type{Kind: types.KindTime, NotNull: to.NotNull}
		}
		arg, err := b.bind(x.Args[0])
		if err != nil {
			return nil, err
		}
		if !to.NotNull && arg.Type().NotNull && !try {
			to = to.WithNullable(false)
		}
		c, err := expr.NewCast(arg, to, try)
		if err != nil {
			return nil, b.errAt("CAST", "%s", err.Error())
		}
		return b.zoned(c), nil
	case strings.HasPrefix(name, "__interval_"):
		i, _ := strconv.Atoi(name[len("__interval_"):])
		if b.rw == nil || i >= len(b.rw.Intervals) {
			return nil, b.errAt("INTERVAL", "malformed INTERVAL")
		}
		return intervalLiteral(b.rw.Intervals[i])
	case name == ast.TimestampLiteral, name == ast.DateLiteral, name == ast.TimeLiteral:
		t := map[string]*types.Type{ast.TimestampLiteral: types.Timestamp(3), ast.DateLiteral: types.Date, ast.TimeLiteral: types.Time}[name]
		arg, err := b.bind(x.Args[0])
		if err != nil {
			return nil, err
		}
		if s, ok := expr.LiteralStringValue(arg); ok && name == ast.TimestampLiteral {
			// Calcite types TIMESTAMP '...' with as many fraction digits as
			// written: TIMESTAMP(0) for '2020-01-01 12:00:00'.
			t = types.Timestamp(min(fractionDigits(s), 9))
		}
		c, err := expr.NewCast(arg, t.WithNullable(false), false)
		if err != nil {
			return nil, err
		}
		v, err := expr.EvalConstant(c)
		if err != nil {
			return nil, b.errAt(strings.ToUpper(strings.TrimSuffix(name, "literal")), "%s", err.Error())
		}
		return &expr.Literal{Value: v, T: c.Type(), Text: strings.ToUpper(strings.TrimSuffix(name, "literal")) + " " + arg.String()}, nil
	}
	args := make([]expr.Expr, 0, len(x.Args))
	for _, a := range x.Args {
		switch u := a.(type) {
		case *ast.TimeUnitExpr:
			args = append(args, stringLiteral(u.Unit.String()))
			continue
		case *ast.TrimDirectionExpr:
			args = append(args, stringLiteral(strings.ToUpper(u.Direction.String())))
			continue
		case *ast.GetFormatSelectorExpr:
			return nil, b.errAt(name, "Unsupported function %s", name)
		}
		e, err := b.bind(a)
		if err != nil {
			return nil, err
		}
		args = append(args, e)
	}
	reg := strings.ToUpper(name)
	if n, ok := funcNames[name]; ok {
		reg = n
	}
	if reg == "TRIM" && len(args) > 1 {
		// TiDB: TRIM([dir] [chars] FROM s) arrives as (s, chars, dir).
		dir := "BOTH"
		if len(args) == 3 {
			dir = strings.TrimSuffix(strings.TrimPrefix(args[2].String(), "'"), "'")
		}
		reg = "TRIM_" + dir
		args = []expr.Expr{args[1], args[0]}
	}
	if _, ok := expr.Lookup(reg); !ok {
		return nil, b.calciteAt(x.FnName.O, "No match found for function signature %s(%s)", x.FnName.O, argTypeList(args))
	}
	return b.call(reg, x.FnName.O, args...)
}

// fractionDigits counts the digits after the seconds' decimal point of a
// date-time literal's text.
func fractionDigits(s string) int {
	i := strings.LastIndexByte(s, '.')
	if i < 0 || !strings.Contains(s[:i], ":") {
		return 0
	}
	n := 0
	for _, c := range s[i+1:] {
		if c < '0' || c > '9' {
			break
		}
		n++
	}
	return n
}

// intervalLiteral converts INTERVAL 'v' UNIT [TO UNIT] into milliseconds
// (day-time) or months (year-month).
func intervalLiteral(iv sql.Interval) (expr.Expr, error) {
	v := strings.TrimSpace(iv.Value)
	neg := strings.HasPrefix(v, "-")
	v = strings.TrimPrefix(strings.TrimPrefix(v, "-"), "+")
	bad := func() error {
		return validationf(iv.Pos, "Illegal interval literal format '%s' for INTERVAL %s", iv.Value, strings.TrimSpace(iv.From+" TO "+iv.To))
	}
	var months, ms int64
	switch {
	case iv.To == "" && (iv.From == "YEAR" || iv.From == "MONTH"):
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, bad()
		}
		months = n
		if iv.From == "YEAR" {
			months *= 12
		}
	case iv.From == "YEAR" && iv.To == "MONTH":
		y, m, ok := strings.Cut(v, "-")
		yi, e1 := strconv.ParseInt(y, 10, 64)
		mi, e2 := strconv.ParseInt(m, 10, 64)
		if !ok || e1 != nil || e2 != nil {
			return nil, bad()
		}
		months = yi*12 + mi
	default:
		unitMs := map[string]float64{"DAY": 86400000, "HOUR": 3600000, "MINUTE": 60000, "SECOND": 1000}
		if _, ok := unitMs[iv.From]; !ok {
			return nil, bad()
		}
		if iv.To == "" {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return nil, bad()
			}
			ms = int64(f*unitMs[iv.From] + 0.5)
			break
		}
		// Compound: e.g. DAY TO SECOND '1 02:03:04.5', HOUR TO MINUTE '1:30'.
		order := []string{"DAY", "HOUR", "MINUTE", "SECOND"}
		start, end := -1, -1
		for i, u := range order {
			if u == iv.From {
				start = i
			}
			if u == iv.To {
				end = i
			}
		}
		if start < 0 || end <= start {
			return nil, bad()
		}
		fields := strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == ':' })
		if len(fields) != end-start+1 {
			return nil, bad()
		}
		for k, f := range fields {
			x, err := strconv.ParseFloat(f, 64)
			if err != nil {
				return nil, bad()
			}
			ms += int64(x*unitMs[order[start+k]] + 0.5)
		}
	}
	if neg {
		months, ms = -months, -ms
	}
	if months != 0 || iv.From == "YEAR" || iv.From == "MONTH" {
		t := (&types.Type{Kind: types.KindIntervalYearMonth}).WithNullable(false)
		return constLiteral(t, fmt.Sprintf("INTERVAL '%s' %s", iv.Value, strings.TrimSpace(iv.From+" TO "+iv.To)), func(v *types.Vector) { v.AppendInt(months) }), nil
	}
	t := (&types.Type{Kind: types.KindIntervalDayTime, Precision: 3}).WithNullable(false)
	text := fmt.Sprintf("%d:INTERVAL %s", ms, intervalTypeName(iv))
	return constLiteral(t, text, func(v *types.Vector) { v.AppendInt(ms) }), nil
}

func intervalTypeName(iv sql.Interval) string {
	if iv.To != "" {
		return iv.From + " TO " + iv.To
	}
	return iv.From
}
