package datagen

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/flinkgo/engine/connectors"
	"github.com/flinkgo/engine/connectors/internal/opts"
	"github.com/flinkgo/engine/runtime/types"
)

const (
	kindRandom   = "random"
	kindSequence = "sequence"
)

// fieldSpec is the validated configuration of one generated column.
type fieldSpec struct {
	name     string
	t        *types.Type
	sequence bool
	nullRate float64

	// random
	imin, imax int64
	fmin, fmax float64
	length     int
	varLen     bool
	maxPast    int64 // ms

	// sequence: values start, start+1, ..., end
	start, end   int64
	fstart, fend float64
	elem         *fieldSpec // ARRAY element, MAP value
	key          *fieldSpec // MAP key
	fields       []*fieldSpec
}

// count is the number of values of a sequence.
func (f *fieldSpec) count() int64 {
	if f.t.Kind == types.KindFloat || f.t.Kind == types.KindDouble {
		return int64(math.Floor(f.fend-f.fstart)) + 1
	}
	return f.end - f.start + 1
}

func fieldKey(name, opt string) string { return "fields." + name + "." + opt }

// parseField validates the options of column name.
func parseField(o map[string]string, name string, t *types.Type) (*fieldSpec, error) {
	f := &fieldSpec{name: name, t: t}
	kind := kindRandom
	if k, ok := o[fieldKey(name, "kind")]; ok {
		switch strings.ToLower(strings.TrimSpace(k)) {
		case kindRandom:
		case kindSequence:
			kind = kindSequence
		default:
			return nil, connectors.Errorf("Unsupported generator kind '%s' for option '%s'. Supported kinds are [random, sequence].",
				k, fieldKey(name, "kind"))
		}
	}
	f.sequence = kind == kindSequence
	rate, set, err := opts.Float64(o, fieldKey(name, "null-rate"), 0)
	if err != nil {
		return nil, err
	}
	if set && (rate < 0 || rate > 1) {
		return nil, connectors.Errorf("Option '%s' must be between 0.0 and 1.0, but was: %s", fieldKey(name, "null-rate"), o[fieldKey(name, "null-rate")])
	}
	f.nullRate = rate
	only := func(opt, k string) error {
		if _, ok := o[fieldKey(name, opt)]; ok {
			return connectors.Errorf("Option '%s' is only supported for '%s' = '%s'.", fieldKey(name, opt), fieldKey(name, "kind"), k)
		}
		return nil
	}
	if f.sequence {
		for _, opt := range []string{"min", "max", "max-past", "length", "var-len"} {
			if err := only(opt, kindRandom); err != nil {
				return nil, err
			}
		}
		return f, f.parseSequence(o)
	}
	for _, opt := range []string{"start", "end"} {
		if err := only(opt, kindSequence); err != nil {
			return nil, err
		}
	}
	return f, f.parseRandom(o, true)
}

func unsupported(t *types.Type, kind string) error {
	return connectors.Errorf("Unsupported type for the %s generator: %s", kind, t.String())
}

func (f *fieldSpec) parseSequence(o map[string]string) error {
	t := f.t
	switch t.Kind {
	case types.KindTinyInt, types.KindSmallInt, types.KindInt, types.KindBigInt,
		types.KindFloat, types.KindDouble, types.KindDecimal, types.KindChar, types.KindVarChar:
	default:
		return unsupported(t, kindSequence)
	}
	for _, opt := range []string{"start", "end"} {
		if _, ok := o[fieldKey(f.name, opt)]; !ok {
			return connectors.Errorf("Could not find required property '%s' for sequence generator.", fieldKey(f.name, opt))
		}
	}
	startKey, endKey := fieldKey(f.name, "start"), fieldKey(f.name, "end")
	if t.Kind == types.KindFloat || t.Kind == types.KindDouble {
		var err error
		if f.fstart, _, err = opts.Float64(o, startKey, 0); err != nil {
			return err
		}
		if f.fend, _, err = opts.Float64(o, endKey, 0); err != nil {
			return err
		}
		if f.fend < f.fstart {
			return connectors.Errorf("Option '%s' (%s) must not be larger than '%s' (%s).", startKey, o[startKey], endKey, o[endKey])
		}
		if f.fend-f.fstart >= 1<<62 {
			return connectors.Errorf("The sequence of field '%s' is too long.", f.name)
		}
		return nil
	}
	var err error
	if f.start, _, err = opts.Int64(o, startKey, 0); err != nil {
		return err
	}
	if f.end, _, err = opts.Int64(o, endKey, 0); err != nil {
		return err
	}
	if f.end < f.start {
		return connectors.Errorf("Option '%s' (%d) must not be larger than '%s' (%d).", startKey, f.start, endKey, f.end)
	}
	if f.end-f.start < 0 || f.end-f.start == 1<<63-1 {
		return connectors.Errorf("The sequence of field '%s' is too long.", f.name)
	}
	if t.IsInteger() {
		lo, hi := intRange(t.Kind)
		if f.start < lo || f.end > hi {
			return connectors.Errorf("The sequence [%d, %d] of field '%s' is out of the range of %s.", f.start, f.end, f.name, t.String())
		}
	}
	if t.Kind == types.KindDecimal {
		digits := len(strconv.FormatInt(max(abs(f.start), abs(f.end)), 10))
		if digits+t.Scale > t.Precision {
			return connectors.Errorf("The sequence [%d, %d] of field '%s' does not fit %s.", f.start, f.end, f.name, t.String())
		}
	}
	return nil
}

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

func intRange(k types.Kind) (int64, int64) {
	switch k {
	case types.KindTinyInt:
		return math.MinInt8, math.MaxInt8
	case types.KindSmallInt:
		return math.MinInt16, math.MaxInt16
	case types.KindInt:
		return math.MinInt32, math.MaxInt32
	}
	return math.MinInt64, math.MaxInt64
}

// parseRandom reads the random options; top is false for nested types,
// which take defaults.
func (f *fieldSpec) parseRandom(o map[string]string, top bool) error {
	t := f.t
	if !top {
		o = nil
	}
	minKey, maxKey := fieldKey(f.name, "min"), fieldKey(f.name, "max")
	lenKey := fieldKey(f.name, "length")
	_, hasLen := o[lenKey]
	_, hasMin := o[minKey]
	_, hasMax := o[maxKey]
	numericOnly := func() error {
		if hasMin || hasMax {
			k := minKey
			if !hasMin {
				k = maxKey
			}
			return connectors.Errorf("Option '%s' is only supported for numeric types, but field '%s' is %s.", k, f.name, t.String())
		}
		return nil
	}
	var err error
	switch t.Kind {
	case types.KindTinyInt, types.KindSmallInt, types.KindInt, types.KindBigInt:
		lo, hi := intRange(t.Kind)
		if f.imin, _, err = opts.Int64(o, minKey, lo); err != nil {
			return err
		}
		if f.imax, _, err = opts.Int64(o, maxKey, hi); err != nil {
			return err
		}
		if f.imin < lo || f.imax > hi || f.imin > f.imax {
			return connectors.Errorf("Options '%s' and '%s' must describe a non-empty range within %s, but were [%d, %d].",
				minKey, maxKey, t.String(), f.imin, f.imax)
		}
	case types.KindFloat, types.KindDouble, types.KindDecimal:
		defMin, defMax := math.SmallestNonzeroFloat64, math.MaxFloat64
		switch t.Kind {
		case types.KindFloat:
			defMin, defMax = math.SmallestNonzeroFloat32, math.MaxFloat32
		case types.KindDecimal:
			defMax = math.Pow10(t.Precision-t.Scale) - math.Pow10(-t.Scale)
			defMin = -defMax
		}
		if f.fmin, _, err = opts.Float64(o, minKey, defMin); err != nil {
			return err
		}
		if f.fmax, _, err = opts.Float64(o, maxKey, defMax); err != nil {
			return err
		}
		if f.fmin > f.fmax {
			return connectors.Errorf("Option '%s' must not be larger than '%s'.", minKey, maxKey)
		}
	case types.KindBoolean, types.KindDate, types.KindTime:
		if err := numericOnly(); err != nil {
			return err
		}
	case types.KindChar, types.KindVarChar, types.KindBinary, types.KindVarBinary:
		if err := numericOnly(); err != nil {
			return err
		}
		fixed := t.Kind == types.KindChar || t.Kind == types.KindBinary
		f.length = 100
		if t.Length != types.MaxLength {
			f.length = t.Length
		}
		if hasLen {
			if fixed {
				return connectors.Errorf("Custom length for fixed-length type (CHAR/BINARY) field '%s' is not supported.", f.name)
			}
			n, _, err := opts.Int64(o, lenKey, 0)
			if err != nil {
				return err
			}
			if n < 0 || n > int64(t.Length) {
				return connectors.Errorf("Custom length '%d' for variable-length type (VARCHAR/STRING/VARBINARY/BYTES) field '%s' should be shorter than '%d' defined in the schema.",
					n, f.name, t.Length)
			}
			f.length = int(n)
		}
		if f.varLen, err = opts.Bool(o, fieldKey(f.name, "var-len"), false); err != nil {
			return err
		}
		if f.varLen && fixed {
			return connectors.Errorf("Only supports specifying 'var-len' option for variable-length types (VARCHAR/STRING/VARBINARY/BYTES), the type of field '%s' is not within this range.", f.name)
		}
	case types.KindTimestamp, types.KindTimestampLTZ:
		if err := numericOnly(); err != nil {
			return err
		}
		d, _, err := opts.Duration(o, fieldKey(f.name, "max-past"), 0)
		if err != nil {
			return err
		}
		f.maxPast = int64(d / time.Millisecond)
	case types.KindArray, types.KindMap:
		if err := numericOnly(); err != nil {
			return err
		}
		f.length = 3
		if hasLen {
			n, _, err := opts.Int64(o, lenKey, 0)
			if err != nil {
				return err
			}
			if n < 0 || n > 1<<20 {
				return connectors.Errorf("Option '%s' must be between 0 and %d, but was %d.", lenKey, 1<<20, n)
			}
			f.length = int(n)
		}
		f.elem = &fieldSpec{name: f.name, t: t.Elem}
		if err := f.elem.parseRandom(nil, false); err != nil {
			return err
		}
		if t.Kind == types.KindMap {
			f.key = &fieldSpec{name: f.name, t: t.Key}
			if err := f.key.parseRandom(nil, false); err != nil {
				return err
			}
		}
	case types.KindRow:
		if err := numericOnly(); err != nil {
			return err
		}
		for _, fl := range t.Fields {
			c := &fieldSpec{name: fl.Name, t: fl.Type}
			if err := c.parseRandom(nil, false); err != nil {
				return err
			}
			f.fields = append(f.fields, c)
		}
	default:
		return unsupported(t, kindRandom)
	}
	if !top {
		return nil
	}
	if _, ok := o[fieldKey(f.name, "max-past")]; ok && !t.IsTimestamp() {
		return connectors.Errorf("Option '%s' is only supported for TIMESTAMP and TIMESTAMP_LTZ fields.", fieldKey(f.name, "max-past"))
	}
	if _, ok := o[fieldKey(f.name, "var-len")]; ok && !t.IsString() && !t.IsBinary() {
		return connectors.Errorf("Only supports specifying 'var-len' option for variable-length types (VARCHAR/STRING/VARBINARY/BYTES), the type of field '%s' is not within this range.", f.name)
	}
	if hasLen && !t.IsString() && !t.IsBinary() && t.Kind != types.KindArray && t.Kind != types.KindMap {
		return connectors.Errorf("Option '%s' is only supported for string, binary and collection types, but field '%s' is %s.", lenKey, f.name, t.String())
	}
	return nil
}
