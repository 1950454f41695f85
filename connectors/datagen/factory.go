// Package datagen is the 'datagen' connector: a source of random or
// sequential rows, bounded by number-of-rows or by sequence fields.
package datagen

import (
	"strconv"
	"time"

	"github.com/flinkgo/engine/connectors"
	"github.com/flinkgo/engine/connectors/internal/opts"
	"github.com/flinkgo/engine/runtime"
)

func init() { connectors.Register(Factory{}) }

// SeedConfigKey is the session configuration key ('SET') holding the seed
// of the random generators (an unsigned integer); unset uses DefaultSeed.
//
// What is guaranteed for random fields: the value of a random field in a
// row is a function of the seed, the field's position in the table and the
// row's id only (DATE, TIME and TIMESTAMP values also of the clock). Row
// ids are the row's index in number-of-rows, else the position of the first
// sequence field, so a bounded source produces the same set of rows at any
// parallelism, with any projection, and across checkpoint restores, also at
// a different parallelism. An unbounded random source numbers the rows of
// each subtask apart (subtask<<40 + count); after a restore a subtask
// continues the numbering of the old subtask with the same index, so its
// rows do not repeat that subtask's earlier ones.
const SeedConfigKey = "datagen.seed"

// DefaultSeed seeds random generators when SeedConfigKey is not set.
const DefaultSeed uint64 = 0x5EED_DA7A_6E4E

// Factory creates datagen sources.
type Factory struct{}

func (Factory) Identifier() string        { return "datagen" }
func (Factory) RequiredOptions() []string { return nil }
func (Factory) OptionalOptions() []string {
	return []string{"rows-per-second", "number-of-rows", "scan.parallelism",
		"fields.#.kind", "fields.#.min", "fields.#.max", "fields.#.max-past", "fields.#.length",
		"fields.#.var-len", "fields.#.start", "fields.#.end", "fields.#.null-rate"}
}

// source is a validated datagen table scan.
type source struct {
	name         string
	fields       []*fieldSpec // one per table column
	seqFields    []int        // indexes in fields of the sequence fields
	rowsPerSec   int64
	numberOfRows int64 // -1 unbounded
	parallelism  int
	seed         uint64
	loc          *time.Location
}

func (Factory) CreateSource(t *connectors.Table) (connectors.Source, error) {
	o := t.Options
	s := &source{name: t.Name, numberOfRows: -1, seed: DefaultSeed, loc: time.UTC}
	var err error
	if s.rowsPerSec, _, err = opts.Int64(o, "rows-per-second", 10000); err != nil {
		return nil, err
	}
	if s.rowsPerSec <= 0 {
		return nil, connectors.Errorf("Option 'rows-per-second' must be a positive number, but was: %d", s.rowsPerSec)
	}
	n, set, err := opts.Int64(o, "number-of-rows", -1)
	if err != nil {
		return nil, err
	}
	if set && n < 0 {
		return nil, connectors.Errorf("Option 'number-of-rows' must not be negative, but was: %d", n)
	}
	s.numberOfRows = n
	if s.parallelism, err = opts.Parallelism(o, "scan.parallelism"); err != nil {
		return nil, err
	}
	if v, ok := t.Config[SeedConfigKey]; ok {
		if s.seed, err = strconv.ParseUint(v, 10, 64); err != nil {
			return nil, connectors.Errorf("Could not parse value '%s' for key '%s'.", v, SeedConfigKey)
		}
	}
	if tz, ok := t.Config["table.local-time-zone"]; ok && tz != "default" {
		if s.loc, err = time.LoadLocation(tz); err != nil {
			return nil, connectors.Errorf("Invalid time zone '%s' in 'table.local-time-zone'.", tz)
		}
	} else {
		s.loc = time.Local
	}
	for _, c := range t.Columns {
		if c.Metadata {
			return nil, connectors.Errorf("The 'datagen' connector does not support metadata column '%s'.", c.Name)
		}
		f, err := parseField(o, c.Name, c.Type)
		if err != nil {
			return nil, err
		}
		if f.sequence {
			s.seqFields = append(s.seqFields, len(s.fields))
		}
		s.fields = append(s.fields, f)
	}
	return s, nil
}

func (s *source) Bounded() bool {
	return s.numberOfRows >= 0 || len(s.seqFields) > 0
}

func (s *source) ChangelogMode() connectors.ChangelogMode { return connectors.InsertOnly }

// ProjectionPushDown is false: Flink's datagen source generates every
// column (it does not implement SupportsProjectionPushDown), and so do
// this engine's plans of it.
func (s *source) ProjectionPushDown() bool { return false }
func (s *source) Parallelism() int         { return s.parallelism }

func (s *source) NewReader(subtask, parallelism int, projection []int) (runtime.SourceReader, error) {
	if parallelism < 1 || subtask < 0 || subtask >= parallelism {
		return nil, connectors.Errorf("invalid subtask %d of %d", subtask, parallelism)
	}
	return newReader(s, subtask, parallelism, projection), nil
}

// share splits total items into parallelism contiguous ranges and returns
// the offset and size of subtask's range.
func share(total int64, subtask, parallelism int) (offset, size int64) {
	p := int64(parallelism)
	i := int64(subtask)
	base, rem := total/p, total%p
	offset = i*base + min(i, rem)
	size = base
	if i < rem {
		size++
	}
	return offset, size
}
