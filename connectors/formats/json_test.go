package formats

import (
	"strings"
	"testing"

	"github.com/flinkgo/engine/runtime/types"
)

var jsonFields = []types.Field{
	{Name: "id", Type: types.BigInt},
	{Name: "name", Type: types.String},
	{Name: "score", Type: types.Double},
	{Name: "ok", Type: types.Boolean},
	{Name: "price", Type: types.Decimal(10, 2)},
	{Name: "ts", Type: types.Timestamp3},
	{Name: "d", Type: types.Date},
	{Name: "tags", Type: types.ArrayOf(types.Int)},
	{Name: "attrs", Type: types.MapOf(types.String, types.BigInt)},
	{Name: "pos", Type: types.RowOf(types.Field{Name: "x", Type: types.Int}, types.Field{Name: "y", Type: types.String})},
}

func TestJSONDecode(t *testing.T) {
	d := mustDecoder(t, "json", jsonFields, nil)
	got := decodeAll(t, d, jsonFields,
		`{"id":1,"name":"Hello","score":1.5,"ok":true,"price":12.345,"ts":"2020-01-01 12:34:56.123","d":"2020-01-01","tags":[1,2,null],"attrs":{"a":1,"b":null},"pos":{"y":"q","x":7}}`,
		`{"id": 2 , "name" : "esc\"\n\u00e9\ud83d\ude00", "extra": {"deep": [1, {"x": 2}]}}`,
		`{}`,
		``,
		`   `,
		`{"id":"3","score":"NaN","ok":"TRUE","price":"1e2","name":{"a": [1, 2]}}`,
		`{"id":4.9,"name":5,"ok":1}`,
		`{"id":1,"id":2}`,
		`{"id":null,"pos":null,"tags":[]}`,
	)
	check(t, got, []string{
		"+I[1, Hello, 1.5, true, 12.35, 2020-01-01T12:34:56.123, 2020-01-01, [1, 2, null], {a=1, b=null}, +I[7, q]]",
		"+I[2, esc\"\né😀, null, null, null, null, null, null, null, null]",
		"+I[null, null, null, null, null, null, null, null, null, null]",
		"SKIP",
		"SKIP",
		`+I[3, {"a": [1, 2]}, NaN, true, 100.00, null, null, null, null, null]`,
		"+I[4, 5, null, true, null, null, null, null, null, null]",
		"+I[1, null, null, null, null, null, null, null, null, null]",
		"+I[null, null, null, null, null, null, null, [], null, null]",
	})
}

func TestJSONDecodeErrors(t *testing.T) {
	d := mustDecoder(t, "json", jsonFields, nil)
	got := decodeAll(t, d, jsonFields,
		`{"id":1,"name":"x"`,
		`[1,2]`,
		`{"id":"abc"}`,
		`{"id":1, "tags":[1,"x"]}`,
		`{"ts":"2020-01-01T12:00:00"}`,
		`{"id":99999999999999999999}`,
		`{"name":"a"} trailing`,
		`{"name":"a\q"}`,
		`{"id":01}`,
		`{"id":1,"name":"x"}`,
	)
	check(t, got, []string{
		"ERR: Failed to deserialize JSON record: malformed JSON: expected ',' or '}' at position 18",
		"ERR: Failed to deserialize JSON record: malformed JSON: expected a JSON object at position 0",
		"ERR: Failed to deserialize JSON field 'id': Invalid BIGINT value 'abc'",
		"ERR: Failed to deserialize JSON field 'tags': Invalid INT value 'x'",
		"ERR: Failed to deserialize JSON field 'ts': Invalid TIMESTAMP(3) value '2020-01-01T12:00:00'",
		"ERR: Failed to deserialize JSON field 'id': Invalid BIGINT value '99999999999999999999'",
		"+I[null, a, null, null, null, null, null, null, null, null]",
		"ERR: Failed to deserialize JSON record: malformed JSON: invalid escape character at position 12",
		"ERR: Failed to deserialize JSON record: malformed JSON: expected ',' or '}' at position 7",
		"+I[1, x, null, null, null, null, null, null, null, null]",
	})
}

func TestJSONOptions(t *testing.T) {
	fields := []types.Field{{Name: "a", Type: types.Int}, {Name: "ts", Type: types.Timestamp(6)},
		{Name: "l", Type: types.TimestampLTZ3}}
	d := mustDecoder(t, "json", fields, map[string]string{"json.fail-on-missing-field": "true",
		"json.timestamp-format.standard": "ISO-8601"})
	check(t, decodeAll(t, d, fields,
		`{"a":1,"ts":"2020-01-01T12:00:00.5","l":"2020-01-01T12:00:00.5Z"}`,
		`{"a":1,"ts":"2020-01-01T12:00:00"}`,
	), []string{
		"+I[1, 2020-01-01T12:00:00.500, 2020-01-01T12:00:00.500Z]",
		"ERR: Failed to deserialize JSON field 'l': Could not find field with name 'l'.",
	})

	d = mustDecoder(t, "json", fields, map[string]string{"json.ignore-parse-errors": "true"})
	if !d.IgnoreParseErrors() {
		t.Fatal("IgnoreParseErrors false")
	}
	check(t, decodeAll(t, d, fields,
		`{"a":"x","ts":"2020-01-01 12:00:00","l":[1,2]}`,
		`{"a":1`,
	), []string{
		"+I[null, 2020-01-01T12:00, null]",
		"ERR: Failed to deserialize JSON record: malformed JSON: expected ',' or '}' at position 6",
	})

	bad := []struct {
		opts map[string]string
		msg  string
	}{
		{map[string]string{"json.fail-on-missing-field": "yes"}, "Could not parse value 'yes' for key 'json.fail-on-missing-field'."},
		{map[string]string{"json.timestamp-format.standard": "RFC"}, "Invalid value for option 'json.timestamp-format.standard'. Supported values are [SQL, ISO-8601], but was: RFC"},
		{map[string]string{"json.map-null-key.mode": "x"}, "Invalid value for option 'json.map-null-key.mode'. Supported values are [FAIL, DROP, LITERAL], but was: x"},
		{map[string]string{"json.fail-on-missing-field": "true", "json.ignore-parse-errors": "true"}, "fail-on-missing-field and ignore-parse-errors shouldn't both be true."},
	}
	f, _ := Lookup("json")
	for _, c := range bad {
		if _, err := f.NewDecoder(fields, c.opts); err == nil || err.Error() != c.msg {
			t.Errorf("%v: got %v, want %s", c.opts, err, c.msg)
		}
	}
}

func TestJSONEncode(t *testing.T) {
	d := mustDecoder(t, "json", jsonFields, nil)
	e := mustEncoder(t, "json", jsonFields, nil)
	got := roundTrip(t, d, e, jsonFields,
		`{"id":1,"name":"He\"llo\u0001","score":1e10,"ok":false,"price":"0.5","ts":"2020-01-01 12:34:56","d":"2020-01-01","tags":[1],"attrs":{"k":2},"pos":{"x":1,"y":"z"}}`,
		`{}`,
	)
	check(t, got, []string{
		`{"id":1,"name":"He\"llo\u0001","score":1.0E10,"ok":false,"price":0.50,"ts":"2020-01-01 12:34:56","d":"2020-01-01","tags":[1],"attrs":{"k":2},"pos":{"x":1,"y":"z"}}`,
		`{"id":null,"name":null,"score":null,"ok":null,"price":null,"ts":null,"d":null,"tags":null,"attrs":null,"pos":null}`,
	})
}

func TestJSONEncodeOptions(t *testing.T) {
	fields := []types.Field{{Name: "m", Type: types.MapOf(types.String, types.Int)}, {Name: "dec", Type: types.Decimal(20, 10)},
		{Name: "ts", Type: types.TimestampLTZ3}, {Name: "b", Type: types.Bytes}}
	b := types.NewBatch(colTypes(fields), 2)
	m := b.Cols[0]
	m.Children[0].AppendNull()
	m.Children[1].AppendInt(1)
	m.Children[0].AppendString("k")
	m.Children[1].AppendInt(2)
	m.CloseNested()
	dec, _ := types.ParseDecimal("0.0000001", 20, 10)
	b.Cols[1].AppendDecimal(dec)
	b.Cols[2].AppendInt(1577882096123000)
	b.Cols[3].AppendBytes([]byte("hi"))
	b.Len = 1

	cases := []struct {
		opts map[string]string
		want string
	}{
		{map[string]string{"json.map-null-key.mode": "DROP"}, `{"m":{"k":2},"dec":1.000E-7,"ts":"2020-01-01 12:34:56.123Z","b":"aGk="}`},
		{map[string]string{"json.map-null-key.mode": "LITERAL", "json.map-null-key.literal": "NULL",
			"json.encode.decimal-as-plain-number": "true", "json.timestamp-format.standard": "ISO-8601"},
			`{"m":{"NULL":1,"k":2},"dec":0.0000001000,"ts":"2020-01-01T12:34:56.123Z","b":"aGk="}`},
	}
	for _, c := range cases {
		e := mustEncoder(t, "json", fields, c.opts)
		out, err := e.Encode(nil, b.Cols, 0)
		if err != nil || string(out) != c.want {
			t.Errorf("%v:\n got  %s %v\n want %s", c.opts, out, err, c.want)
		}
	}
	e := mustEncoder(t, "json", fields, nil)
	if _, err := e.Encode(nil, b.Cols, 0); err == nil || !strings.Contains(err.Error(), "map data with null keys") {
		t.Errorf("null key FAIL: %v", err)
	}
}

func TestJSONProjection(t *testing.T) {
	d := mustDecoder(t, "json", jsonFields, nil)
	b := types.NewBatch([]*types.Type{types.String}, 4)
	out := make([]*types.Vector, len(jsonFields))
	out[1] = b.Cols[0]
	if err := d.Decode([]byte(`{"id":"not a number","name":"n"}`), out); err != nil {
		t.Fatal(err)
	}
	if b.Cols[0].Len != 1 || b.Cols[0].Str(0) != "n" {
		t.Fatalf("got %d %q", b.Cols[0].Len, b.Cols[0].Str(0))
	}
}

func TestJSONDecodeNoAlloc(t *testing.T) {
	d := mustDecoder(t, "json", jsonFields, nil)
	rec := []byte(`{"id":1,"name":"Hello \"w\"","score":1.5,"ok":true,"price":12.345,"ts":"2020-01-01 12:34:56.123","d":"2020-01-01","tags":[1,2],"attrs":{"a":1},"pos":{"x":7,"y":"q"}}`)
	b := types.NewBatch(colTypes(jsonFields), types.DefaultBatchSize)
	allocs := testing.AllocsPerRun(10, func() {
		b.Reset()
		for i := 0; i < 500; i++ {
			if err := d.Decode(rec, b.Cols); err != nil {
				t.Fatal(err)
			}
		}
	})
	if allocs > 0 {
		t.Errorf("allocs per 500 rows = %v", allocs)
	}
}

func BenchmarkJSONDecode(b *testing.B) {
	f, _ := Lookup("json")
	d, _ := f.NewDecoder(jsonFields, nil)
	rec := []byte(`{"id":1,"name":"Hello","score":1.5,"ok":true,"price":12.345,"ts":"2020-01-01 12:34:56.123","d":"2020-01-01","tags":[1,2],"attrs":{"a":1},"pos":{"x":7,"y":"q"}}`)
	batch := types.NewBatch(colTypes(jsonFields), types.DefaultBatchSize)
	b.SetBytes(int64(len(rec)))
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if batch.Len == types.DefaultBatchSize {
			batch.Reset()
		}
		if err := d.Decode(rec, batch.Cols); err != nil {
			b.Fatal(err)
		}
		batch.Len++
	}
}

func FuzzJSONDecode(f *testing.F) {
	for _, s := range []string{`{"id":1,"name":"x","tags":[1,2],"attrs":{"a":1},"pos":{"x":1}}`, `{"a":"\ud83d"}`, `[`, `{"id":1e999}`, `{"price":"1e-999999"}`} {
		f.Add([]byte(s))
	}
	fm, _ := Lookup("json")
	var decs []Decoder
	for _, opts := range []map[string]string{nil, {"json.ignore-parse-errors": "true"}} {
		d, _ := fm.NewDecoder(jsonFields, opts)
		decs = append(decs, d)
	}
	b := types.NewBatch(colTypes(jsonFields), 8)
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, d := range decs {
			before := b.Cols[0].Len
			err := d.Decode(data, b.Cols)
			want := before
			if err == nil {
				want = before + 1
				b.Len++
				types.AppendRowPrint(nil, b, b.Len-1)
			}
			for _, c := range b.Cols {
				if c.Len != want {
					t.Fatalf("column length %d, want %d (err %v)", c.Len, want, err)
				}
			}
			if b.Len > 1000 {
				b.Reset()
			}
		}
	})
}
