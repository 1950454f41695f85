package formats

import (
	"errors"
	"math"
	"strconv"

	"github.com/flinkgo/engine/runtime/types"
)

// jsonNode is the compiled decoding plan of one type.
type jsonNode struct {
	t      *types.Type
	elem   *jsonNode // ARRAY element, MAP value
	key    *jsonNode // MAP key
	fields []*jsonNode
	names  []string
	index  map[string]int
	seen   []uint32 // generation stamp per field
	gen    uint32
}

func compileJSON(t *types.Type) *jsonNode {
	n := &jsonNode{t: t}
	switch t.Kind {
	case types.KindArray:
		n.elem = compileJSON(t.Elem)
	case types.KindMap:
		n.key = compileJSON(t.Key)
		n.elem = compileJSON(t.Elem)
	case types.KindRow:
		n.initFields(t.Fields)
	}
	return n
}

func (n *jsonNode) initFields(fields []types.Field) {
	n.index = make(map[string]int, len(fields))
	for i, f := range fields {
		n.fields = append(n.fields, compileJSON(f.Type))
		n.names = append(n.names, f.Name)
		if _, dup := n.index[f.Name]; !dup {
			n.index[f.Name] = i
		}
	}
	n.seen = make([]uint32, len(fields))
}

type jsonDecoder struct {
	root          jsonNode
	failOnMissing bool
	ignoreErrors  bool
	sc            jsonScanner
	codec         textCodec
	marks         marks
	field         string // top-level field being decoded, for errors
}

func (d *jsonDecoder) IgnoreParseErrors() bool { return d.ignoreErrors }

func (d *jsonDecoder) Decode(data []byte, out []*types.Vector) error {
	d.sc.reset(data)
	c := d.sc.peek()
	if c == 0 {
		return ErrNoRow
	}
	d.marks.save(out)
	d.field = ""
	var err error
	if c != '{' {
		err = d.sc.errorf("expected a JSON object")
	} else {
		err = d.readObject(&d.root, out, 0, true)
	}
	if err != nil {
		d.marks.restore(out)
		return d.wrap(err)
	}
	return nil
}

func (d *jsonDecoder) wrap(err error) error {
	pe := &ParseError{Format: "JSON", Field: d.field, Reason: err.Error()}
	var se *syntaxError
	if errors.As(err, &se) {
		pe.Field = ""
		pe.Reason = "malformed JSON: " + se.Error()
	}
	return pe
}

// readObject decodes an object into the field vectors out (nil entries are
// skipped). top marks the record level, where conversion errors may be
// ignored field by field.
func (d *jsonDecoder) readObject(n *jsonNode, out []*types.Vector, depth int, top bool) error {
	if depth > maxJSONDepth {
		return d.sc.errorf("nesting too deep")
	}
	s := &d.sc
	s.pos++ // '{'
	n.gen++
	if n.gen == 0 {
		clear(n.seen)
		n.gen = 1
	}
	if s.peek() == '}' {
		s.pos++
	} else {
		for {
			if s.peek() != '"' {
				return s.errorf("expected field name")
			}
			key, err := s.readString()
			if err != nil {
				return err
			}
			idx, ok := n.index[string(key)]
			if err := s.expect(':'); err != nil {
				return err
			}
			if !ok || n.seen[idx] == n.gen || out[idx] == nil {
				if ok {
					n.seen[idx] = n.gen
				}
				if err := s.skipValue(depth + 1); err != nil {
					return err
				}
			} else {
				n.seen[idx] = n.gen
				if top {
					d.field = n.names[idx]
				}
				if err := d.readField(n.fields[idx], out[idx], depth+1, top); err != nil {
					return err
				}
				if top {
					d.field = ""
				}
			}
			switch s.peek() {
			case ',':
				s.pos++
				continue
			case '}':
				s.pos++
			default:
				return s.errorf("expected ',' or '}'")
			}
			break
		}
	}
	for i, v := range out {
		if n.seen[i] == n.gen {
			continue
		}
		if d.failOnMissing {
			if top {
				d.field = n.names[i]
			}
			return &convError{reason: "Could not find field with name '" + n.names[i] + "'."}
		}
		if v != nil {
			v.AppendNull()
		}
	}
	return nil
}

// readField decodes one field value; at the top level with
// ignore-parse-errors a value that does not convert becomes NULL.
func (d *jsonDecoder) readField(n *jsonNode, v *types.Vector, depth int, top bool) error {
	if !top || !d.ignoreErrors {
		return d.readValue(n, v, depth)
	}
	start, mark := d.sc.pos, v.Len
	err := d.readValue(n, v, depth)
	var ce *convError
	if err == nil || !errors.As(err, &ce) {
		return err
	}
	TruncateVector(v, mark)
	d.sc.pos = start
	if err := d.sc.skipValue(depth); err != nil {
		return err
	}
	v.AppendNull()
	return nil
}

func (d *jsonDecoder) readValue(n *jsonNode, v *types.Vector, depth int) error {
	s := &d.sc
	t := n.t
	c := s.peek()
	switch c {
	case 'n':
		if err := s.literal("null"); err != nil {
			return err
		}
		v.AppendNull()
		return nil
	case '"':
		str, err := s.readString()
		if err != nil {
			return err
		}
		if !isScalarText(t.Kind) {
			return &convError{reason: "cannot convert a string to " + t.String()}
		}
		return d.codec.appendText(v, str)
	case 't', 'f':
		b := c == 't'
		lit := "false"
		if b {
			lit = "true"
		}
		if err := s.literal(lit); err != nil {
			return err
		}
		switch {
		case t.Kind == types.KindBoolean:
			v.AppendBool(b)
		case t.IsString():
			v.AppendString(lit)
		default:
			return &convError{reason: "cannot convert " + lit + " to " + t.String()}
		}
		return nil
	case '[':
		if t.Kind != types.KindArray {
			return d.rawOrMismatch(v, depth, "an array")
		}
		if depth > maxJSONDepth {
			return s.errorf("nesting too deep")
		}
		s.pos++
		if s.peek() == ']' {
			s.pos++
			v.CloseNested()
			return nil
		}
		for {
			if err := d.readValue(n.elem, v.Children[0], depth+1); err != nil {
				return err
			}
			switch s.peek() {
			case ',':
				s.pos++
				continue
			case ']':
				s.pos++
				v.CloseNested()
				return nil
			}
			return s.errorf("expected ',' or ']'")
		}
	case '{':
		switch t.Kind {
		case types.KindRow:
			if err := d.readObject(n, v.Children, depth, false); err != nil {
				return err
			}
			v.CloseRow()
			return nil
		case types.KindMap:
			return d.readMap(n, v, depth)
		}
		return d.rawOrMismatch(v, depth, "an object")
	case 0:
		return s.errorf("unexpected end of input")
	}
	if c != '-' && (c < '0' || c > '9') {
		return s.errorf("unexpected character '" + string(c) + "'")
	}
	num, isFloat, err := s.readNumber()
	if err != nil {
		return err
	}
	return d.appendNumber(v, num, isFloat)
}

// rawOrMismatch stores a nested JSON value as text in string columns (as
// Flink does) or reports a type mismatch.
func (d *jsonDecoder) rawOrMismatch(v *types.Vector, depth int, what string) error {
	start := d.sc.pos
	if err := d.sc.skipValue(depth); err != nil {
		return err
	}
	if !v.Type.IsString() {
		return &convError{reason: "cannot convert " + what + " to " + v.Type.String()}
	}
	v.AppendBytes(d.sc.data[start:d.sc.pos])
	return nil
}

func (d *jsonDecoder) readMap(n *jsonNode, v *types.Vector, depth int) error {
	s := &d.sc
	s.pos++
	if s.peek() == '}' {
		s.pos++
		v.CloseNested()
		return nil
	}
	for {
		if s.peek() != '"' {
			return s.errorf("expected field name")
		}
		key, err := s.readString()
		if err != nil {
			return err
		}
		if !isScalarText(n.key.t.Kind) {
			return &convError{reason: "unsupported map key type " + n.key.t.String()}
		}
		if err := d.codec.appendText(v.Children[0], key); err != nil {
			return err
		}
		if err := s.expect(':'); err != nil {
			return err
		}
		if err := d.readValue(n.elem, v.Children[1], depth+1); err != nil {
			return err
		}
		switch s.peek() {
		case ',':
			s.pos++
			continue
		case '}':
			s.pos++
			v.CloseNested()
			return nil
		}
		return s.errorf("expected ',' or '}'")
	}
}

func (d *jsonDecoder) appendNumber(v *types.Vector, num []byte, isFloat bool) error {
	t := v.Type
	switch t.Kind {
	case types.KindTinyInt, types.KindSmallInt, types.KindInt, types.KindBigInt:
		if !isFloat {
			x, ok := parseIntBytes(num, t.Kind)
			if !ok {
				return badValue(t, num)
			}
			v.AppendInt(x)
			return nil
		}
		f, err := strconv.ParseFloat(string(num), 64)
		if err != nil {
			return badValue(t, num)
		}
		lo, hi := intRange(t.Kind)
		f = math.Trunc(f)
		if f < float64(lo) || f > float64(hi) {
			return badValue(t, num)
		}
		v.AppendInt(int64(f))
		return nil
	case types.KindChar, types.KindVarChar:
		v.AppendBytes(num)
		return nil
	case types.KindFloat, types.KindDouble, types.KindDecimal, types.KindBoolean:
		if t.Kind == types.KindBoolean {
			// Jackson's asBoolean: non-zero numbers are true.
			f, _ := strconv.ParseFloat(string(num), 64)
			v.AppendBool(f != 0)
			return nil
		}
		return d.codec.appendText(v, num)
	case types.KindIntervalYearMonth, types.KindIntervalDayTime:
		return d.codec.appendText(v, num)
	}
	return &convError{reason: "cannot convert a number to " + t.String()}
}
