package formats

import (
	"testing"

	"github.com/flinkgo/engine/runtime/types"
)

// fuzzRichFields is a table schema with every family of column the text
// formats decode: integers, floats, exact decimals (inline and wide),
// strings, bytes, dates and timestamps, and nested ROW, ARRAY and MAP.
var fuzzRichFields = []types.Field{
	{Name: "id", Type: types.BigInt},
	{Name: "small", Type: types.TinyInt},
	{Name: "f", Type: types.Float},
	{Name: "amount", Type: types.Decimal(38, 18)},
	{Name: "price", Type: types.Decimal(5, 2)},
	{Name: "name", Type: types.VarChar(5)},
	{Name: "code", Type: types.Char(2)},
	{Name: "raw", Type: types.Bytes},
	{Name: "ok", Type: types.Boolean},
	{Name: "d", Type: types.Date},
	{Name: "t", Type: types.Time},
	{Name: "ts", Type: types.Timestamp(6)},
	{Name: "ltz", Type: types.TimestampLTZ3},
	{Name: "tags", Type: types.ArrayOf(types.ArrayOf(types.Int))},
	{Name: "attrs", Type: types.MapOf(types.String, types.Decimal(10, 2))},
	{Name: "pos", Type: types.RowOf(
		types.Field{Name: "x", Type: types.Int},
		types.Field{Name: "items", Type: types.ArrayOf(types.RowOf(types.Field{Name: "k", Type: types.String}, types.Field{Name: "ts", Type: types.Timestamp3}))},
		types.Field{Name: "m", Type: types.MapOf(types.Int, types.Boolean)})},
}

const fuzzRichJSON = `{"id":1,"small":-128,"f":1.5e3,"amount":"12345678901234567890.123456789012345678","price":999.99,` +
	`"name":"héllo","code":"ab","raw":"AQID","ok":true,"d":"2020-02-29","t":"12:34:56","ts":"2020-01-01 12:34:56.123456",` +
	`"ltz":"2020-01-01 12:34:56.789Z","tags":[[1,2],[],null,[null]],"attrs":{"a":1.25,"b":null},` +
	`"pos":{"x":7,"items":[{"k":"q","ts":"2020-01-01 00:00:00"},null],"m":{"1":true,"2":false}}}`

// checkDecoded checks what a decoder left in cols: nothing on an error,
// rows more values in every column it fills otherwise. When every column is
// read (b.Cols is cols) the rows must print.
func checkDecoded(t *testing.T, b *types.Batch, cols []*types.Vector, before []int, rows int, err error) {
	t.Helper()
	for i, c := range cols {
		if c == nil {
			continue
		}
		want := before[i]
		if err == nil {
			want += rows
		}
		if c.Len != want {
			t.Fatalf("column %d holds %d values, want %d (err %v)", i, c.Len, want, err)
		}
	}
	if err != nil {
		return
	}
	if &b.Cols[0] == &cols[0] {
		for r := 0; r < rows; r++ {
			b.AppendKind(types.Insert)
			b.Len++
			types.AppendRowPrint(nil, b, b.Len-1)
		}
	} else {
		b.Len += rows // columns not read stay short; nothing prints
	}
	if b.Len > 500 {
		b.Reset()
	}
}

// projected returns the columns of b with every one not read (i%n != 0)
// nil, as a projection leaves them.
func projected(b *types.Batch, n int) []*types.Vector {
	cols := make([]*types.Vector, len(b.Cols))
	for i, c := range b.Cols {
		if i%n == 0 {
			cols[i] = c
		}
	}
	return cols
}

func lens(cols []*types.Vector) []int {
	out := make([]int, len(cols))
	for i, c := range cols {
		if c != nil {
			out[i] = c.Len
		}
	}
	return out
}

// FuzzDebeziumJSONDecode decodes arbitrary records with the debezium-json
// format over fuzzRichFields, with and without schema-include and
// ignore-parse-errors: no panic, no row on an error (and no value left
// behind), one value per row in every column otherwise, and when the
// record decodes its rows re-encode and decode to the same rows.
func FuzzDebeziumJSONDecode(f *testing.F) {
	for _, s := range []string{
		`{"before":null,"after":` + fuzzRichJSON + `,"op":"c","ts_ms":1}`,
		`{"before":` + fuzzRichJSON + `,"after":{"id":2,"pos":null},"op":"u","source":{"db":"x"}}`,
		`{"op":"d","before":{"id":1,"tags":[[3]]},"after":null}`,
		`{"schema":{"type":"struct","fields":[]},"payload":{"before":null,"after":{"id":3},"op":"r"}}`,
		`{"after":{"id":"x","amount":"1e-999999"},"op":"c"}`,
		``, `null`, `{"op":"u","before":null,"after":{}}`,
	} {
		f.Add([]byte(s))
	}
	fm, _ := Lookup("debezium-json")
	var decs []ChangelogDecoder
	for _, opts := range []map[string]string{nil,
		{"debezium-json.schema-include": "true"},
		{"debezium-json.ignore-parse-errors": "true", "debezium-json.timestamp-format.standard": "ISO-8601"}} {
		d, err := fm.NewDecoder(fuzzRichFields, opts)
		if err != nil {
			f.Fatal(err)
		}
		decs = append(decs, d.(ChangelogDecoder))
	}
	b := types.NewBatch(colTypes(fuzzRichFields), 8)
	proj := types.NewBatch(colTypes(fuzzRichFields), 8)
	projCols := projected(proj, 3)
	var kinds []types.RowKind
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, d := range decs {
			for _, batch := range []*types.Batch{b, proj} {
				cols := batch.Cols
				if batch == proj {
					cols = projCols
				}
				before := lens(cols)
				var err error
				kinds, err = d.DecodeChangelog(data, cols, kinds[:0])
				if err == nil && len(kinds) > 2 {
					t.Fatalf("one record gave %d rows", len(kinds))
				}
				checkDecoded(t, batch, cols, before, len(kinds), err)
			}
		}
	})
}

// FuzzJSONDecodeRich decodes arbitrary records with the json format over
// fuzzRichFields (all columns read, or a projection): no panic, no value
// left behind by an error, one value per column otherwise; a decoded row
// encodes to JSON that decodes to the same row.
func FuzzJSONDecodeRich(f *testing.F) {
	for _, s := range []string{fuzzRichJSON, `{}`, `{"tags":[[1,2,3],[4]],"attrs":{"":0.5}}`, `{"pos":{"items":[{"k":"\ud83d\ude00"}]}}`,
		`{"amount":1e38,"price":-0.005,"f":3.4e39,"small":200}`, `{"ts":"2020-13-01 00:00:00","d":"0000-01-01","t":"24:00:00"}`} {
		f.Add([]byte(s))
	}
	fm, _ := Lookup("json")
	dec, err := fm.NewDecoder(fuzzRichFields, nil)
	if err != nil {
		f.Fatal(err)
	}
	lenient, err := fm.NewDecoder(fuzzRichFields, map[string]string{"json.ignore-parse-errors": "true"})
	if err != nil {
		f.Fatal(err)
	}
	enc, err := fm.NewEncoder(fuzzRichFields, nil)
	if err != nil {
		f.Fatal(err)
	}
	b := types.NewBatch(colTypes(fuzzRichFields), 8)
	again := types.NewBatch(colTypes(fuzzRichFields), 8)
	proj := types.NewBatch(colTypes(fuzzRichFields), 8)
	projCols := projected(proj, 2)
	f.Fuzz(func(t *testing.T, data []byte) {
		before := lens(projCols)
		err := lenient.Decode(data, projCols)
		checkDecoded(t, proj, projCols, before, 1, err)

		b.Reset()
		before = lens(b.Cols)
		err = dec.Decode(data, b.Cols)
		checkDecoded(t, b, b.Cols, before, 1, err)
		if err != nil {
			return
		}
		row := string(types.AppendRowPrint(nil, b, 0))
		out, err := enc.Encode(nil, b.Cols, 0)
		if err != nil {
			return // not every value has an encoding
		}
		again.Reset()
		if err := dec.Decode(out, again.Cols); err != nil {
			t.Fatalf("the encoding %s of %s does not decode: %v", out, row, err)
		}
		again.Len = 1
		if got := string(types.AppendRowPrint(nil, again, 0)); got != row {
			t.Fatalf("round trip through %s changed\n%s\nto\n%s", out, row, got)
		}
	})
}

// FuzzCSVDecodeRich decodes arbitrary records with the csv format over the
// scalar and array columns of fuzzRichFields, with default and unusual
// options: no panic, no value left behind by an error, one value per
// column otherwise.
func FuzzCSVDecodeRich(f *testing.F) {
	var fields []types.Field
	for _, fd := range fuzzRichFields {
		if fd.Type.Kind != types.KindRow && fd.Type.Kind != types.KindMap && fd.Name != "tags" {
			fields = append(fields, fd)
		}
	}
	fields = append(fields, types.Field{Name: "arr", Type: types.ArrayOf(types.Decimal(10, 3))})
	for _, s := range []string{
		`1,-128,1.5e3,12345678901234567890.123456789012345678,999.99,héllo,ab,AQID,true,2020-02-29,12:34:56,2020-01-01 12:34:56.123456,2020-01-01 12:34:56.789Z,1.5;2;-3.25`,
		`,,,,,,,,,,,,,`, `"1","2",,"1e2",,"a""b",,,,,,,,`, `x`, `1;2;3`,
	} {
		f.Add([]byte(s))
	}
	fm, _ := Lookup("csv")
	var decs []Decoder
	for _, opts := range []map[string]string{nil,
		{"csv.field-delimiter": ";", "csv.array-element-delimiter": ",", "csv.allow-comments": "true", "csv.disable-quote-character": "true"},
		{"csv.ignore-parse-errors": "true", "csv.quote-character": "'", "csv.escape-character": "\\", "csv.null-literal": "NULL"}} {
		d, err := fm.NewDecoder(fields, opts)
		if err != nil {
			f.Fatalf("%v: %v", opts, err)
		}
		decs = append(decs, d)
	}
	b := types.NewBatch(colTypes(fields), 8)
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, d := range decs {
			before := lens(b.Cols)
			err := d.Decode(data, b.Cols)
			if err == ErrNoRow {
				checkDecoded(t, b, b.Cols, before, 0, nil)
				continue
			}
			checkDecoded(t, b, b.Cols, before, 1, err)
		}
	})
}
