package filesystem

import (
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/flinkgo/engine/connectors"
	"github.com/flinkgo/engine/runtime/types"
)

// Partitioned tables (PARTITIONED BY): rows are written to
// <path>/<k1>=<v1>/<k2>=<v2>/part-... and the partition columns are not
// written into the files, as Flink's filesystem connector does. A value is
// its Java text (Flink renders the external value with toString), escaped
// as Hive and Flink's PartitionPathUtils.escapePathName do; NULL or an
// empty text is 'partition.default-name'. Reading parses the directory
// names back into typed values (PartitionPathUtils.convertStringToInternalValue:
// the default name reads as NULL).

// DefaultPartitionName is the default of 'partition.default-name'.
const DefaultPartitionName = "__DEFAULT_PARTITION__"

// partKey is one partition column.
type partKey struct {
	name string
	col  int // index in Table.Columns
	t    *types.Type
}

// partitionKeys validates Table.PartitionKeys: physical columns, each once.
func partitionKeys(t *connectors.Table) ([]partKey, error) {
	var keys []partKey
	for _, ci := range t.PartitionKeys {
		if ci < 0 || ci >= len(t.Columns) || t.Columns[ci].Metadata {
			return nil, connectors.Errorf("Partition key %d of table '%s' is not a physical column.", ci, t.Name)
		}
		for _, k := range keys {
			if k.col == ci {
				return nil, connectors.Errorf("Partition key '%s' of table '%s' is listed twice.", k.name, t.Name)
			}
		}
		keys = append(keys, partKey{name: t.Columns[ci].Name, col: ci, t: t.Columns[ci].Type})
	}
	return keys, nil
}

// needsEscaping reports the bytes PartitionPathUtils escapes: ASCII control
// characters, DEL and "#%'*/:=?\{[]^.
func needsEscaping(c byte) bool {
	if c < ' ' || c == 0x7f {
		return true
	}
	switch c {
	case '"', '#', '%', '\'', '*', '/', ':', '=', '?', '\\', '{', '[', ']', '^':
		return true
	}
	return false
}

// appendEscaped appends s escaped as a partition path name: each byte to
// escape becomes %XX (upper-case hex).
func appendEscaped(dst, s []byte) []byte {
	const hex = "0123456789ABCDEF"
	for _, c := range s {
		if needsEscaping(c) {
			dst = append(dst, '%', hex[c>>4], hex[c&0xf])
			continue
		}
		dst = append(dst, c)
	}
	return dst
}

// unescapePathName reverses appendEscaped: %XX with two hex digits becomes
// that byte; anything else stays.
func unescapePathName(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+3], 16, 8); err == nil {
				b.WriteByte(byte(v))
				i += 2
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// partitioner computes the partition directory of rows. It keeps its
// buffers, so computing a row's directory allocates nothing.
type partitioner struct {
	keys        []partKey
	prefixes    [][]byte // per key: its escaped name and '='
	defaultName []byte
	val         []byte
}

func newPartitioner(keys []partKey, defaultName string) partitioner {
	p := partitioner{keys: keys, defaultName: []byte(defaultName)}
	for _, k := range keys {
		p.prefixes = append(p.prefixes, append(appendEscaped(nil, []byte(k.name)), '='))
	}
	return p
}

// appendDir appends the relative partition directory of row i, whose
// partition column values are in vecs (one per key), e.g. "dt=2024-01-01/h=3".
func (p *partitioner) appendDir(dst []byte, vecs []*types.Vector, i int) []byte {
	for j := range p.keys {
		if j > 0 {
			dst = append(dst, '/')
		}
		dst = append(dst, p.prefixes[j]...)
		v := vecs[j]
		p.val = p.val[:0]
		if !v.IsNull(i) {
			p.val = types.AppendValue(p.val, v, i, types.StylePrint)
		}
		if len(p.val) == 0 {
			dst = appendEscaped(dst, p.defaultName)
		} else {
			dst = appendEscaped(dst, p.val)
		}
	}
	return dst
}

// partitionSpec parses a file's directory relative to the table path into
// one raw value per key ("" and ok=false when the directory is not a
// partition directory of the table: the number of k=v components differs
// from the keys or a key is missing).
func partitionSpec(keys []partKey, rel string) ([]string, bool) {
	comps := strings.Split(filepath.ToSlash(rel), "/")
	if len(comps) != len(keys) {
		return nil, false
	}
	vals := make([]string, len(keys))
	found := make([]bool, len(keys))
	for _, c := range comps {
		eq := strings.IndexByte(c, '=')
		if eq <= 0 || eq == len(c)-1 {
			return nil, false
		}
		k, v := unescapePathName(c[:eq]), unescapePathName(c[eq+1:])
		for j := range keys {
			if keys[j].name == k {
				vals[j], found[j] = v, true
			}
		}
	}
	for _, f := range found {
		if !f {
			return nil, false
		}
	}
	return vals, true
}

// partitionValue parses a partition directory value into a one-row vector
// of the column's type; the default partition name is NULL. The types are
// Flink's (PartitionPathUtils.convertStringToInternalValue); others fail
// with its message.
func partitionValue(k partKey, s, defaultName string) (*types.Vector, error) {
	v := types.NewVector(k.t, 1)
	if s == defaultName {
		v.AppendNull()
		return v, nil
	}
	bad := func() error {
		return fmt.Errorf("Can not convert %s to type %s for partition value", s, k.t.String())
	}
	switch k.t.Kind {
	case types.KindChar, types.KindVarChar:
		v.AppendString(s)
	case types.KindBoolean:
		v.AppendBool(strings.EqualFold(s, "true"))
	case types.KindTinyInt, types.KindSmallInt, types.KindInt, types.KindBigInt:
		bits := map[types.Kind]int{types.KindTinyInt: 8, types.KindSmallInt: 16, types.KindInt: 32, types.KindBigInt: 64}[k.t.Kind]
		x, err := strconv.ParseInt(strings.TrimPrefix(s, "+"), 10, bits)
		if err != nil {
			return nil, fmt.Errorf("For input string: \"%s\" (partition column '%s' of type %s)", s, k.name, k.t.String())
		}
		v.AppendInt(x)
	case types.KindFloat, types.KindDouble:
		bits := 64
		if k.t.Kind == types.KindFloat {
			bits = 32
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(s), bits)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return nil, fmt.Errorf("For input string: \"%s\" (partition column '%s' of type %s)", s, k.name, k.t.String())
		}
		v.AppendFloat(f)
	case types.KindDate:
		d, err := types.ParseDate(s)
		if err != nil {
			return nil, fmt.Errorf("Text '%s' could not be parsed (partition column '%s' of type %s)", s, k.name, k.t.String())
		}
		v.AppendInt(d)
	case types.KindTimestamp:
		// LocalDateTime.parse: ISO-8601 with 'T', seconds optional.
		micros, nanos, ok := types.ParseTimestampSepNanos(s, 'T', false, k.t.Precision)
		if !ok {
			return nil, fmt.Errorf("Text '%s' could not be parsed (partition column '%s' of type %s)", s, k.name, k.t.String())
		}
		v.AppendTimestamp(micros, nanos)
	default:
		return nil, bad()
	}
	return v, nil
}
