package formats

import (
	"bytes"
	"errors"
	"strconv"

	"github.com/flinkgo/engine/runtime/types"
)

type csvDecoder struct {
	o       csvOptions
	fields  []types.Field
	codec   textCodec
	values  [][]byte // field values of the current record
	parts   [][]byte // elements of a collection value
	adelim  []byte
	scratch []byte
	marks   marks
}

func (d *csvDecoder) IgnoreParseErrors() bool { return d.o.ignoreErrors }

func (d *csvDecoder) Decode(data []byte, out []*types.Vector) error {
	if len(data) == 0 || d.o.comments && data[0] == '#' {
		return ErrNoRow
	}
	if err := d.split(data); err != nil {
		return &ParseError{Format: "CSV", Reason: err.Error()}
	}
	if len(d.values) != len(d.fields) && !d.o.ignoreErrors {
		return &ParseError{Format: "CSV", Reason: "Row length mismatch. " + strconv.Itoa(len(d.fields)) +
			" fields expected but was " + strconv.Itoa(len(d.values)) + "."}
	}
	d.marks.save(out)
	for i, v := range out {
		if v == nil {
			continue
		}
		if i >= len(d.values) {
			v.AppendNull()
			continue
		}
		mark := v.Len
		if err := d.field(v, d.values[i]); err != nil {
			var ce *convError
			if d.o.ignoreErrors && errors.As(err, &ce) {
				TruncateVector(v, mark)
				v.AppendNull()
				continue
			}
			d.marks.restore(out)
			return &ParseError{Format: "CSV", Field: d.fields[i].Name, Reason: err.Error()}
		}
	}
	return nil
}

// split cuts a record into field values, resolving quotes and escapes.
func (d *csvDecoder) split(data []byte) error {
	d.values = d.values[:0]
	d.scratch = d.scratch[:0]
	o := &d.o
	i := 0
	for {
		if o.quoting && i < len(data) && data[i] == o.quote {
			start := len(d.scratch)
			i++
			closed := false
			for i < len(data) {
				c := data[i]
				if o.hasEscape && c == o.escape && i+1 < len(data) {
					d.scratch = append(d.scratch, data[i+1])
					i += 2
					continue
				}
				if c == o.quote {
					if i+1 < len(data) && data[i+1] == o.quote {
						d.scratch = append(d.scratch, c)
						i += 2
						continue
					}
					i++
					closed = true
					break
				}
				d.scratch = append(d.scratch, c)
				i++
			}
			if !closed {
				return errors.New("Missing closing quote for value")
			}
			if i < len(data) && data[i] != o.delim {
				return errors.New("Expected column separator character (" + strconv.QuoteRune(rune(o.delim)) +
					") after quoted value, found " + strconv.QuoteRune(rune(data[i])))
			}
			d.values = append(d.values, d.scratch[start:len(d.scratch):len(d.scratch)])
		} else {
			j := i
			plain := true
			for j < len(data) && data[j] != o.delim {
				if o.hasEscape && data[j] == o.escape {
					plain = false
					j++
				}
				j++
			}
			if j > len(data) {
				j = len(data)
			}
			if plain {
				d.values = append(d.values, data[i:j])
			} else {
				start := len(d.scratch)
				for k := i; k < j; k++ {
					if data[k] == o.escape && k+1 < j {
						k++
					}
					d.scratch = append(d.scratch, data[k])
				}
				d.values = append(d.values, d.scratch[start:len(d.scratch):len(d.scratch)])
			}
			i = j
		}
		if i >= len(data) {
			return nil
		}
		i++ // delimiter
	}
}

func (d *csvDecoder) isNull(s []byte) bool {
	return d.o.hasNull && string(s) == d.o.nullLiteral
}

func (d *csvDecoder) field(v *types.Vector, s []byte) error {
	if d.isNull(s) {
		v.AppendNull()
		return nil
	}
	switch v.Type.Kind {
	case types.KindChar, types.KindVarChar:
		v.AppendBytes(s)
		return nil
	case types.KindArray:
		if len(s) > 0 {
			for _, e := range d.elements(s) {
				if err := d.scalar(v.Children[0], e); err != nil {
					return err
				}
			}
		}
		v.CloseNested()
		return nil
	case types.KindRow:
		n := 0
		for _, e := range d.elements(s) {
			if n < len(v.Children) {
				if err := d.scalar(v.Children[n], e); err != nil {
					return err
				}
			}
			n++
		}
		for ; n < len(v.Children); n++ {
			v.Children[n].AppendNull()
		}
		v.CloseRow()
		return nil
	}
	return d.scalar(v, s)
}

// elements splits a collection value at the array element delimiter; the
// result is valid until the next call.
func (d *csvDecoder) elements(s []byte) [][]byte {
	d.parts = d.parts[:0]
	for {
		k := bytes.Index(s, d.adelim)
		if k < 0 {
			d.parts = append(d.parts, s)
			return d.parts
		}
		d.parts = append(d.parts, s[:k])
		s = s[k+len(d.adelim):]
	}
}

func (d *csvDecoder) scalar(v *types.Vector, s []byte) error {
	if d.isNull(s) || len(s) == 0 && !v.Type.IsString() {
		v.AppendNull()
		return nil
	}
	return d.codec.appendText(v, s)
}
