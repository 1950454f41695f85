package formats

import (
	option "github.com/flinkgo/engine/connectors/internal/opts"

	"bufio"

	"github.com/flinkgo/engine/connectors"
	"github.com/flinkgo/engine/runtime/types"
)

func init() { Register(csvFormat{}) }

type csvFormat struct{}

type csvOptions struct {
	delim        byte
	quote        byte
	quoting      bool
	comments     bool
	ignoreErrors bool
	arrayDelim   string
	escape       byte
	hasEscape    bool
	nullLiteral  string
	hasNull      bool
	decSci       bool
}

func (csvFormat) Identifier() string { return "csv" }

func (csvFormat) OptionKeys() []string {
	return []string{"csv.field-delimiter", "csv.disable-quote-character", "csv.quote-character",
		"csv.allow-comments", "csv.ignore-parse-errors", "csv.array-element-delimiter",
		"csv.escape-character", "csv.null-literal", "csv.write-bigdecimal-in-scientific-notation"}
}

func parseCSVOptions(opts map[string]string) (csvOptions, error) {
	o := csvOptions{arrayDelim: ";"}
	var err error
	if o.delim, _, err = charOption(opts, "csv.field-delimiter", ','); err != nil {
		return o, err
	}
	disable, err := option.Bool(opts, "csv.disable-quote-character", false)
	if err != nil {
		return o, err
	}
	var hasQuote bool
	if o.quote, hasQuote, err = charOption(opts, "csv.quote-character", '"'); err != nil {
		return o, err
	}
	if disable && hasQuote {
		return o, connectors.Errorf("Format cannot define a quote character and disabled quote character at the same time.")
	}
	o.quoting = !disable
	if o.comments, err = option.Bool(opts, "csv.allow-comments", false); err != nil {
		return o, err
	}
	if o.ignoreErrors, err = option.Bool(opts, "csv.ignore-parse-errors", false); err != nil {
		return o, err
	}
	if s, ok := opts["csv.array-element-delimiter"]; ok {
		if s == "" {
			return o, connectors.Errorf("Option 'csv.array-element-delimiter' must not be empty.")
		}
		o.arrayDelim = unescapeJava(s)
	}
	if o.escape, o.hasEscape, err = charOption(opts, "csv.escape-character", 0); err != nil {
		return o, err
	}
	o.nullLiteral, o.hasNull = opts["csv.null-literal"]
	if o.decSci, err = option.Bool(opts, "csv.write-bigdecimal-in-scientific-notation", true); err != nil {
		return o, err
	}
	if o.delim == '\n' || o.delim == '\r' || o.quoting && o.delim == o.quote {
		return o, connectors.Errorf("Option 'csv.field-delimiter' must not be a line break or the quote character.")
	}
	return o, nil
}

func checkCSVTypes(fields []types.Field) error {
	var check func(t *types.Type, nested bool) error
	check = func(t *types.Type, nested bool) error {
		switch t.Kind {
		case types.KindMap:
			return connectors.Errorf("CSV format does not support type %s (field type of a column).", t.String())
		case types.KindArray, types.KindRow:
			if nested {
				return connectors.Errorf("CSV format does not support nested type %s.", t.String())
			}
			if t.Kind == types.KindArray {
				return check(t.Elem, true)
			}
			for _, f := range t.Fields {
				if err := check(f.Type, true); err != nil {
					return err
				}
			}
		}
		return nil
	}
	for _, f := range fields {
		if err := check(f.Type, false); err != nil {
			return err
		}
	}
	return nil
}

func (csvFormat) NewDecoder(fields []types.Field, opts map[string]string) (Decoder, error) {
	o, err := parseCSVOptions(opts)
	if err != nil {
		return nil, err
	}
	if err := checkCSVTypes(fields); err != nil {
		return nil, err
	}
	return &csvDecoder{o: o, fields: fields, adelim: []byte(o.arrayDelim), codec: textCodec{tsSep: ' '}}, nil
}

func (csvFormat) NewEncoder(fields []types.Field, opts map[string]string) (Encoder, error) {
	o, err := parseCSVOptions(opts)
	if err != nil {
		return nil, err
	}
	if err := checkCSVTypes(fields); err != nil {
		return nil, err
	}
	return &csvEncoder{o: o, codec: textCodec{tsSep: ' ', decPlain: !o.decSci}}, nil
}

// Split returns records, which may span lines inside quoted values.
func (csvFormat) Split(opts map[string]string) bufio.SplitFunc {
	o, err := parseCSVOptions(opts)
	if err != nil || !o.quoting {
		return SplitLines
	}
	quote, esc, hasEsc := o.quote, o.escape, o.hasEscape
	return func(data []byte, atEOF bool) (int, []byte, error) {
		in := false
		for i := 0; i < len(data); i++ {
			c := data[i]
			switch {
			case hasEsc && c == esc && in:
				i++
			case c == quote:
				in = !in
			case c == '\n' && !in:
				return i + 1, dropCR(data[:i]), nil
			}
		}
		if atEOF && len(data) > 0 {
			return len(data), dropCR(data), nil
		}
		return 0, nil, nil
	}
}
