package formats

import (
	"bufio"

	option "github.com/flinkgo/engine/connectors/internal/opts"
	"github.com/flinkgo/engine/runtime/types"
)

func init() { Register(debeziumFormat{}) }

// debeziumFormat is 'debezium-json': Debezium's change event envelope
// {"before": row|null, "after": row|null, "op": "c"|"r"|"u"|"d", ...},
// optionally wrapped as {"schema": ..., "payload": envelope}
// (debezium-json.schema-include). It is a changelog format: decoders
// implement ChangelogDecoder and encoders ChangelogEncoder.
//
// Decoding: c and r → +I(after); u → -U(before), +U(after); d →
// -D(before). Encoding (as Flink): +I and +U → {"before":null,
// "after":row,"op":"c"}; -U and -D → {"before":row,"after":null,"op":"d"}.
type debeziumFormat struct{}

func (debeziumFormat) Identifier() string { return "debezium-json" }
func (debeziumFormat) Changelog() bool    { return true }

func (debeziumFormat) OptionKeys() []string {
	return []string{"debezium-json.schema-include", "debezium-json.ignore-parse-errors",
		"debezium-json.timestamp-format.standard", "debezium-json.map-null-key.mode",
		"debezium-json.map-null-key.literal", "debezium-json.encode.decimal-as-plain-number",
		"debezium-json.encode.ignore-null-fields"}
}

// jsonOpts maps debezium-json.* options onto the json format's.
func debeziumJSONOptions(opts map[string]string) (schemaInclude bool, inner map[string]string, err error) {
	if schemaInclude, err = option.Bool(opts, "debezium-json.schema-include", false); err != nil {
		return false, nil, err
	}
	inner = map[string]string{}
	for _, k := range []string{"ignore-parse-errors", "timestamp-format.standard", "map-null-key.mode",
		"map-null-key.literal", "encode.decimal-as-plain-number", "encode.ignore-null-fields"} {
		if v, ok := opts["debezium-json."+k]; ok {
			inner["json."+k] = v
		}
	}
	return schemaInclude, inner, nil
}

func (debeziumFormat) NewDecoder(fields []types.Field, opts map[string]string) (Decoder, error) {
	schema, inner, err := debeziumJSONOptions(opts)
	if err != nil {
		return nil, err
	}
	row, err := jsonFormat{}.NewDecoder(fields, inner)
	if err != nil {
		return nil, err
	}
	return &debeziumDecoder{row: row.(*jsonDecoder), schemaInclude: schema}, nil
}

func (debeziumFormat) NewEncoder(fields []types.Field, opts map[string]string) (Encoder, error) {
	_, inner, err := debeziumJSONOptions(opts)
	if err != nil {
		return nil, err
	}
	row, err := jsonFormat{}.NewEncoder(fields, inner)
	if err != nil {
		return nil, err
	}
	return &debeziumEncoder{row: row}, nil
}

func (debeziumFormat) Split(map[string]string) bufio.SplitFunc { return SplitLines }

// debeziumDecoder finds the envelope's fields with the JSON scanner and
// decodes "before" and "after" with a json row decoder.
type debeziumDecoder struct {
	row           *jsonDecoder
	schemaInclude bool
	sc            jsonScanner
	marks         marks
	kinds         []types.RowKind
}

func (d *debeziumDecoder) IgnoreParseErrors() bool { return d.row.ignoreErrors }

// Decode appends the first row of the record; connectors that keep row
// kinds use DecodeChangelog.
func (d *debeziumDecoder) Decode(data []byte, out []*types.Vector) error {
	var err error
	d.marks.save(out)
	if d.kinds, err = d.DecodeChangelog(data, out, d.kinds[:0]); err != nil {
		return err
	}
	if len(d.kinds) == 0 {
		return ErrNoRow
	}
	if len(d.kinds) > 1 { // keep the +U of an update
		d.marks.restore(out)
		return d.decodeOne(data, out)
	}
	return nil
}

func (d *debeziumDecoder) decodeOne(data []byte, out []*types.Vector) error {
	env, err := d.envelope(data)
	if err != nil {
		return err
	}
	return d.row.Decode(env.after, out)
}

// Envelope fields the decoder reads.
const (
	fieldOther = iota
	fieldOp
	fieldBefore
	fieldAfter
)

// envelope is the raw spans of one change event.
type envelope struct {
	before, after []byte // nil when absent or null
	op            byte
}

func (d *debeziumDecoder) parseErr(reason string) error {
	return &ParseError{Format: "Debezium JSON", Reason: reason}
}

// envelope locates before, after and op in data (inside "payload" with
// schema-include).
func (d *debeziumDecoder) envelope(data []byte) (envelope, error) {
	var env envelope
	s := &d.sc
	s.reset(data)
	if s.peek() != '{' {
		return env, d.parseErr("expected a JSON object")
	}
	if d.schemaInclude {
		span, ok, err := d.field(data, "payload")
		if err != nil {
			return env, err
		}
		if !ok || span == nil {
			return env, d.parseErr(`the "payload" field is missing; with 'debezium-json.schema-include' = 'true' messages must hold {"schema": ..., "payload": ...}`)
		}
		data = span
		s.reset(data)
		if s.peek() != '{' {
			return env, d.parseErr(`"payload" is not an object`)
		}
	}
	s.pos++ // '{'
	opFound := false
	if s.peek() == '}' {
		s.pos++
	} else {
		for {
			if s.peek() != '"' {
				return env, d.syntax(s.errorf("expected field name"))
			}
			key, err := s.readString()
			if err != nil {
				return env, d.syntax(err)
			}
			which := fieldOther
			switch string(key) {
			case "op":
				which = fieldOp
			case "before":
				which = fieldBefore
			case "after":
				which = fieldAfter
			}
			if err := s.expect(':'); err != nil {
				return env, d.syntax(err)
			}
			start := s.pos
			c := s.peek()
			switch which {
			case fieldOp:
				if c != '"' {
					return env, d.parseErr(`"op" is not a string`)
				}
				op, err := s.readString()
				if err != nil {
					return env, d.syntax(err)
				}
				if len(op) != 1 {
					return env, d.parseErr(`Unknown "op" value "` + string(op) + `"`)
				}
				env.op, opFound = op[0], true
			default:
				if err := s.skipValue(1); err != nil {
					return env, d.syntax(err)
				}
				if c != 'n' { // not null
					span := data[start:s.pos]
					switch which {
					case fieldBefore:
						env.before = span
					case fieldAfter:
						env.after = span
					}
				}
			}
			switch s.peek() {
			case ',':
				s.pos++
				continue
			case '}':
				s.pos++
			default:
				return env, d.syntax(s.errorf("expected ',' or '}'"))
			}
			break
		}
	}
	if !opFound {
		return env, d.parseErr(`the "op" field is missing`)
	}
	return env, nil
}

// field returns the raw span of a top-level field of the object in data
// (nil for null).
func (d *debeziumDecoder) field(data []byte, name string) ([]byte, bool, error) {
	s := &d.sc
	s.reset(data)
	s.peek()
	s.pos++
	if s.peek() == '}' {
		return nil, false, nil
	}
	for {
		if s.peek() != '"' {
			return nil, false, d.syntax(s.errorf("expected field name"))
		}
		key, err := s.readString()
		if err != nil {
			return nil, false, d.syntax(err)
		}
		match := string(key) == name
		if err := s.expect(':'); err != nil {
			return nil, false, d.syntax(err)
		}
		start := s.pos
		c := s.peek()
		if err := s.skipValue(1); err != nil {
			return nil, false, d.syntax(err)
		}
		if match {
			if c == 'n' {
				return nil, true, nil
			}
			return data[start:s.pos], true, nil
		}
		switch s.peek() {
		case ',':
			s.pos++
			continue
		case '}':
			return nil, false, nil
		}
		return nil, false, d.syntax(s.errorf("expected ',' or '}'"))
	}
}

func (d *debeziumDecoder) syntax(err error) error {
	return d.parseErr("malformed JSON: " + err.Error())
}

// DecodeChangelog decodes one change event into its rows.
func (d *debeziumDecoder) DecodeChangelog(data []byte, out []*types.Vector, kinds []types.RowKind) ([]types.RowKind, error) {
	if len(data) == 0 {
		return kinds, nil // a tombstone: no row, as Flink
	}
	env, err := d.envelope(data)
	if err != nil {
		return kinds, err
	}
	d.marks.save(out)
	start := len(kinds)
	one := func(span []byte, kind types.RowKind, field string) error {
		if span == nil {
			msg := `The "` + field + `" field of ` + opName(env.op) + ` message is null`
			if env.op != 'c' && env.op != 'r' {
				msg += ", if you are using Debezium Postgres Connector, please check the Postgres table has been set REPLICA IDENTITY to FULL level."
			}
			return d.parseErr(msg)
		}
		if err := d.row.Decode(span, out); err != nil {
			if err == ErrNoRow {
				return d.parseErr(`"` + field + `" is empty`)
			}
			return err
		}
		kinds = append(kinds, kind)
		return nil
	}
	switch env.op {
	case 'c', 'r':
		err = one(env.after, types.Insert, "after")
	case 'u':
		if err = one(env.before, types.UpdateBefore, "before"); err == nil {
			err = one(env.after, types.UpdateAfter, "after")
		}
	case 'd':
		err = one(env.before, types.Delete, "before")
	default:
		err = d.parseErr(`Unknown "op" value "` + string(env.op) + `"`)
	}
	if err != nil {
		d.marks.restore(out)
		return kinds[:start], err
	}
	return kinds, nil
}

func opName(op byte) string {
	switch op {
	case 'u':
		return "UPDATE"
	case 'd':
		return "DELETE"
	}
	return "INSERT"
}

// debeziumEncoder wraps rows of a json encoder in the envelope.
type debeziumEncoder struct {
	row Encoder
}

func (e *debeziumEncoder) Encode(dst []byte, cols []*types.Vector, row int) ([]byte, error) {
	return e.EncodeChangelog(dst, cols, row, types.Insert)
}

func (e *debeziumEncoder) EncodeChangelog(dst []byte, cols []*types.Vector, row int, kind types.RowKind) ([]byte, error) {
	var err error
	if kind.IsAccumulate() {
		dst = append(dst, `{"before":null,"after":`...)
		if dst, err = e.row.Encode(dst, cols, row); err != nil {
			return dst, err
		}
		return append(dst, `,"op":"c"}`...), nil
	}
	dst = append(dst, `{"before":`...)
	if dst, err = e.row.Encode(dst, cols, row); err != nil {
		return dst, err
	}
	return append(dst, `,"after":null,"op":"d"}`...), nil
}
