package formats

import (
	option "github.com/flinkgo/engine/connectors/internal/opts"

	"bufio"
	"bytes"

	"github.com/flinkgo/engine/connectors"
	"github.com/flinkgo/engine/runtime/types"
)

func init() { Register(jsonFormat{}) }

type jsonFormat struct{}

type jsonOptions struct {
	failOnMissing  bool
	ignoreErrors   bool
	tsSep          byte
	nullKeyMode    string
	nullKeyLiteral string
	decimalPlain   bool
	// ignoreNullFields leaves NULL fields out of encoded objects.
	ignoreNullFields bool
}

func (jsonFormat) Identifier() string { return "json" }

func (jsonFormat) OptionKeys() []string {
	return []string{"json.fail-on-missing-field", "json.ignore-parse-errors",
		"json.timestamp-format.standard", "json.map-null-key.mode", "json.map-null-key.literal",
		"json.encode.decimal-as-plain-number", "json.encode.ignore-null-fields",
		"json.decode.json-parser.enabled"}
}

func parseJSONOptions(opts map[string]string) (jsonOptions, error) {
	var o jsonOptions
	var err error
	if o.failOnMissing, err = option.Bool(opts, "json.fail-on-missing-field", false); err != nil {
		return o, err
	}
	if o.ignoreErrors, err = option.Bool(opts, "json.ignore-parse-errors", false); err != nil {
		return o, err
	}
	if o.failOnMissing && o.ignoreErrors {
		return o, connectors.Errorf("fail-on-missing-field and ignore-parse-errors shouldn't both be true.")
	}
	std, err := option.OneOf(opts, "json.timestamp-format.standard", "SQL", "SQL", "ISO-8601")
	if err != nil {
		return o, err
	}
	o.tsSep = ' '
	if std == "ISO-8601" {
		o.tsSep = 'T'
	}
	if o.nullKeyMode, err = option.OneOf(opts, "json.map-null-key.mode", nullKeyFail,
		nullKeyFail, nullKeyDrop, nullKeyLiteral); err != nil {
		return o, err
	}
	o.nullKeyLiteral = "null"
	if s, ok := opts["json.map-null-key.literal"]; ok {
		o.nullKeyLiteral = s
	}
	if o.decimalPlain, err = option.Bool(opts, "json.encode.decimal-as-plain-number", false); err != nil {
		return o, err
	}
	if o.ignoreNullFields, err = option.Bool(opts, "json.encode.ignore-null-fields", false); err != nil {
		return o, err
	}
	if _, err = option.Bool(opts, "json.decode.json-parser.enabled", true); err != nil {
		return o, err
	}
	return o, nil
}

func (jsonFormat) NewDecoder(fields []types.Field, opts map[string]string) (Decoder, error) {
	o, err := parseJSONOptions(opts)
	if err != nil {
		return nil, err
	}
	d := &jsonDecoder{failOnMissing: o.failOnMissing, ignoreErrors: o.ignoreErrors,
		codec: textCodec{tsSep: o.tsSep}}
	d.root.t = types.RowOf(fields...)
	d.root.initFields(fields)
	return d, nil
}

func (jsonFormat) NewEncoder(fields []types.Field, opts map[string]string) (Encoder, error) {
	o, err := parseJSONOptions(opts)
	if err != nil {
		return nil, err
	}
	return newJSONEncoder(fields, o), nil
}

func (jsonFormat) Split(map[string]string) bufio.SplitFunc { return SplitLines }

// SplitLines is a bufio.SplitFunc returning lines without "\n" or "\r\n".
func SplitLines(data []byte, atEOF bool) (int, []byte, error) {
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		return i + 1, dropCR(data[:i]), nil
	}
	if atEOF && len(data) > 0 {
		return len(data), dropCR(data), nil
	}
	return 0, nil, nil
}

func dropCR(b []byte) []byte {
	if len(b) > 0 && b[len(b)-1] == '\r' {
		return b[:len(b)-1]
	}
	return b
}
