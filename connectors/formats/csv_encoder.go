package formats

import (
	"github.com/flinkgo/engine/runtime/types"
)

type csvEncoder struct {
	o       csvOptions
	codec   textCodec
	scratch []byte
}

func (e *csvEncoder) Encode(dst []byte, cols []*types.Vector, row int) ([]byte, error) {
	for i, v := range cols {
		if i > 0 {
			dst = append(dst, e.o.delim)
		}
		if v.IsNull(row) {
			dst = append(dst, e.o.nullLiteral...)
			continue
		}
		e.scratch = e.text(e.scratch[:0], v, row)
		dst = e.quote(dst, e.scratch)
	}
	return dst, nil
}

// text renders a non-NULL field value before quoting.
func (e *csvEncoder) text(dst []byte, v *types.Vector, i int) []byte {
	switch v.Type.Kind {
	case types.KindChar, types.KindVarChar:
		return append(dst, v.Bytes(i)...)
	case types.KindArray:
		c := v.Children[0]
		for j := v.Offsets[i]; j < v.Offsets[i+1]; j++ {
			if j > v.Offsets[i] {
				dst = append(dst, e.o.arrayDelim...)
			}
			dst = e.element(dst, c, int(j))
		}
		return dst
	case types.KindRow:
		for k, c := range v.Children {
			if k > 0 {
				dst = append(dst, e.o.arrayDelim...)
			}
			dst = e.element(dst, c, i)
		}
		return dst
	}
	return e.codec.appendScalarText(dst, v, i)
}

func (e *csvEncoder) element(dst []byte, v *types.Vector, i int) []byte {
	if v.IsNull(i) {
		return append(dst, e.o.nullLiteral...)
	}
	if v.Type.IsString() {
		return append(dst, v.Bytes(i)...)
	}
	return e.codec.appendScalarText(dst, v, i)
}

// quote appends s, quoted as RFC 4180 when it holds a delimiter, quote
// or line break (or escaped with the escape character when quoting is off).
func (e *csvEncoder) quote(dst []byte, s []byte) []byte {
	o := &e.o
	need := false
	for _, c := range s {
		if c == o.delim || c == '\n' || c == '\r' || o.quoting && c == o.quote || o.hasEscape && c == o.escape {
			need = true
			break
		}
	}
	if !need {
		return append(dst, s...)
	}
	if !o.quoting {
		for _, c := range s {
			if o.hasEscape && (c == o.delim || c == o.escape || c == '\n' || c == '\r') {
				dst = append(dst, o.escape)
			}
			dst = append(dst, c)
		}
		return dst
	}
	dst = append(dst, o.quote)
	for _, c := range s {
		switch {
		case c == o.quote && o.hasEscape:
			dst = append(dst, o.escape, c)
		case c == o.quote:
			dst = append(dst, c, c)
		case o.hasEscape && c == o.escape:
			dst = append(dst, o.escape, c)
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, o.quote)
}
