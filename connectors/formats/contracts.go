// Package formats holds the row formats (json, csv, raw) that connectors use
// to turn records (byte strings) into rows and back.
//
// A format is looked up by its identifier (the table's 'format' option). It
// is configured with the physical fields of the table and with its own
// options, whose keys carry the format prefix ("csv.field-delimiter");
// connectors that nest formats (kafka's key./value.) strip their prefix with
// ScopedOptions first.
//
// Decoders and encoders are used by one goroutine; they keep scratch buffers
// so the per-record paths do not allocate.
package formats

import (
	"bufio"
	"errors"

	"github.com/flinkgo/engine/runtime/types"
)

// Format creates decoders and encoders for one format identifier.
type Format interface {
	// Identifier is the value of the 'format' option.
	Identifier() string
	// OptionKeys lists the keys the format accepts ("csv.field-delimiter").
	OptionKeys() []string
	// NewDecoder validates opts and creates a decoder producing fields.
	NewDecoder(fields []types.Field, opts map[string]string) (Decoder, error)
	// NewEncoder validates opts and creates an encoder of rows of fields.
	NewEncoder(fields []types.Field, opts map[string]string) (Encoder, error)
	// Split splits a byte stream into records (as bufio.Scanner does);
	// line-oriented formats split at '\n' and drop a trailing '\r'.
	Split(opts map[string]string) bufio.SplitFunc
}

// Decoder decodes one record into one row.
type Decoder interface {
	// Decode appends one row decoded from data to out, which holds one
	// vector per format field (nil for fields nobody reads). On error no
	// vector is changed. It returns ErrNoRow when the record holds no row
	// (blank line, comment), and a *ParseError for a malformed record.
	// data is only borrowed for the call.
	Decode(data []byte, out []*types.Vector) error
	// IgnoreParseErrors reports whether the format was configured to skip
	// malformed records (the caller skips and counts them).
	IgnoreParseErrors() bool
}

// Encoder encodes one row into one record.
type Encoder interface {
	// Encode appends the encoding of row of cols (one vector per format
	// field) to dst, without a record delimiter.
	Encode(dst []byte, cols []*types.Vector, row int) ([]byte, error)
}

// ErrNoRow is returned by Decode for records that hold no row.
var ErrNoRow = errors.New("formats: record holds no row")

// ParseError is a malformed record: Field names the field the problem is in
// ("" for the record as a whole), Reason says what is wrong.
type ParseError struct {
	Format string
	Field  string
	Reason string
}

func (e *ParseError) Error() string {
	if e.Field == "" {
		return "Failed to deserialize " + e.Format + " record: " + e.Reason
	}
	return "Failed to deserialize " + e.Format + " field '" + e.Field + "': " + e.Reason
}

// ChangelogDecoder is implemented by decoders of changelog formats
// (debezium-json), whose records carry row kinds: one record holds zero,
// one or two rows (an update as -U and +U).
type ChangelogDecoder interface {
	Decoder
	// DecodeChangelog appends the rows of data to out and their kinds to
	// kinds, and returns kinds. On error no vector is changed.
	DecodeChangelog(data []byte, out []*types.Vector, kinds []types.RowKind) ([]types.RowKind, error)
}

// ChangelogEncoder is implemented by encoders of changelog formats: the
// row's kind is part of the record.
type ChangelogEncoder interface {
	Encoder
	EncodeChangelog(dst []byte, cols []*types.Vector, row int, kind types.RowKind) ([]byte, error)
}

// IsChangelog reports whether f is a changelog format (its records carry
// row kinds; see ChangelogDecoder).
func IsChangelog(f Format) bool {
	c, ok := f.(interface{ Changelog() bool })
	return ok && c.Changelog()
}
