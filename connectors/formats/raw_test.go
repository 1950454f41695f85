package formats

import (
	"strings"
	"testing"

	"github.com/flinkgo/engine/runtime/types"
)

func TestRaw(t *testing.T) {
	str := []types.Field{{Name: "line", Type: types.String}}
	d := mustDecoder(t, "raw", str, nil)
	check(t, decodeAll(t, d, str, "hello, world", ""), []string{"+I[hello, world]", "+I[]"})

	d = mustDecoder(t, "raw", str, map[string]string{"raw.charset": "ISO-8859-1"})
	check(t, decodeAll(t, d, str, "\xe9"), []string{"+I[é]"})

	ints := []types.Field{{Name: "n", Type: types.Int}}
	d = mustDecoder(t, "raw", ints, map[string]string{"raw.endianness": "little-endian"})
	check(t, decodeAll(t, d, ints, "\x01\x00\x00\x00", "\x01"), []string{"+I[1]",
		"ERR: Failed to deserialize raw field 'n': expected 4 bytes for INT but got 1"})
	e := mustEncoder(t, "raw", ints, nil)
	b := types.NewBatch([]*types.Type{types.Int}, 1)
	b.Cols[0].AppendInt(258)
	if out, _ := e.Encode(nil, b.Cols, 0); string(out) != "\x00\x00\x01\x02" {
		t.Errorf("encode = %q", out)
	}

	f, _ := Lookup("raw")
	_, err := f.NewDecoder([]types.Field{{Name: "a", Type: types.Int}, {Name: "b", Type: types.String}}, nil)
	want := "The 'raw' format only supports single physical column. However the defined schema contains multiple physical columns: [`a` INT, `b` STRING]"
	if err == nil || err.Error() != want {
		t.Errorf("got %v", err)
	}
	if _, err := f.NewDecoder(str, map[string]string{"raw.endianness": "middle"}); err == nil {
		t.Error("bad endianness accepted")
	}
}

func TestRegistry(t *testing.T) {
	if got := strings.Join(Identifiers(), ","); got != "csv,debezium-json,json,raw" {
		t.Errorf("Identifiers = %v", got)
	}
	keys := OptionKeys("raw", "value.")
	if len(keys) != 2 || keys[0] != "value.raw.charset" {
		t.Errorf("OptionKeys = %v", keys)
	}
	s := ScopedOptions(map[string]string{"value.csv.field-delimiter": ";", "key.csv.x": "1", "csv.y": "2"}, "csv", "value.")
	if len(s) != 1 || s["csv.field-delimiter"] != ";" {
		t.Errorf("ScopedOptions = %v", s)
	}
}
