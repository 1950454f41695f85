package formats

import (
	"bufio"
	"strings"
	"testing"

	"github.com/flinkgo/engine/runtime/types"
)

var csvFields = []types.Field{
	{Name: "id", Type: types.Int},
	{Name: "name", Type: types.String},
	{Name: "price", Type: types.Decimal(5, 2)},
	{Name: "ts", Type: types.Timestamp3},
	{Name: "tags", Type: types.ArrayOf(types.String)},
}

func TestCSVDecode(t *testing.T) {
	d := mustDecoder(t, "csv", csvFields, nil)
	got := decodeAll(t, d, csvFields,
		`1,Hello,1.5,2020-01-01 12:34:56.123,a;b`,
		`2,"Hel,""lo""",,,`,
		``,
		`#3,x,1,,`,
		`4,, 9999.999 ,2020-01-01 00:00:00,`,
		`5,x,1`,
		`x,y,1,,`,
		`"6,x,1,,`,
		`"7"x,y,1,,`,
	)
	check(t, got, []string{
		"+I[1, Hello, 1.50, 2020-01-01T12:34:56.123, [a, b]]",
		`+I[2, Hel,"lo", null, null, []]`,
		"SKIP",
		"ERR: Failed to deserialize CSV field 'id': Invalid INT value '#3'",
		"+I[4, , null, 2020-01-01T00:00, []]",
		"ERR: Failed to deserialize CSV record: Row length mismatch. 5 fields expected but was 3.",
		"ERR: Failed to deserialize CSV field 'id': Invalid INT value 'x'",
		"ERR: Failed to deserialize CSV record: Missing closing quote for value",
		"ERR: Failed to deserialize CSV record: Expected column separator character (',') after quoted value, found 'x'",
	})
}

func TestCSVOptions(t *testing.T) {
	fields := []types.Field{{Name: "a", Type: types.Int}, {Name: "b", Type: types.String}, {Name: "c", Type: types.ArrayOf(types.Int)}}
	d := mustDecoder(t, "csv", fields, map[string]string{
		"csv.field-delimiter": `\t`, "csv.allow-comments": "true", "csv.null-literal": "N/A",
		"csv.array-element-delimiter": "|", "csv.escape-character": `\\`, "csv.quote-character": "'",
	})
	check(t, decodeAll(t, d, fields,
		"1\tx\\\ty\t1|2|N/A",
		"# comment",
		"N/A\tN/A\tN/A",
		"2\t'q''t\"'\t",
	), []string{
		"+I[1, x\ty, [1, 2, null]]",
		"SKIP",
		"+I[null, null, null]",
		"+I[2, q't\", []]",
	})

	d = mustDecoder(t, "csv", fields, map[string]string{"csv.ignore-parse-errors": "true", "csv.disable-quote-character": "true"})
	check(t, decodeAll(t, d, fields,
		`x,"a,b",1`,
		`1`,
		`1,b,2,extra`,
	), []string{
		`+I[null, "a, null]`,
		"+I[1, null, null]",
		"+I[1, b, [2]]",
	})

	bad := []struct {
		opts map[string]string
		msg  string
	}{
		{map[string]string{"csv.field-delimiter": "ab"}, "Option 'csv.field-delimiter' must be a string with single character, but was: ab"},
		{map[string]string{"csv.quote-character": "'", "csv.disable-quote-character": "true"}, "Format cannot define a quote character and disabled quote character at the same time."},
		{map[string]string{"csv.allow-comments": "maybe"}, "Could not parse value 'maybe' for key 'csv.allow-comments'."},
	}
	f, _ := Lookup("csv")
	for _, c := range bad {
		if _, err := f.NewDecoder(fields, c.opts); err == nil || err.Error() != c.msg {
			t.Errorf("%v: got %v, want %s", c.opts, err, c.msg)
		}
	}
	if _, err := f.NewDecoder([]types.Field{{Name: "m", Type: types.MapOf(types.String, types.Int)}}, nil); err == nil {
		t.Error("MAP accepted by csv")
	}
}

func TestCSVEncode(t *testing.T) {
	d := mustDecoder(t, "csv", csvFields, nil)
	e := mustEncoder(t, "csv", csvFields, nil)
	check(t, roundTrip(t, d, e, csvFields,
		`1,Hello,1.5,2020-01-01 12:34:56.120,a;b`,
		`2,"a,""b""
c",,,`,
	), []string{
		"1,Hello,1.50,2020-01-01 12:34:56.12,a;b",
		"2,\"a,\"\"b\"\"\nc\",,,",
	})
	fields := []types.Field{{Name: "a", Type: types.Double}, {Name: "b", Type: types.String}, {Name: "c", Type: types.Decimal(20, 10)}}
	b := types.NewBatch(colTypes(fields), 1)
	b.Cols[0].AppendFloat(1e10)
	b.Cols[1].AppendNull()
	dec, _ := types.ParseDecimal("0.0000001", 20, 10)
	b.Cols[2].AppendDecimal(dec)
	b.Len = 1
	for _, c := range []struct {
		opts map[string]string
		want string
	}{
		{nil, "1.0E10,,1.000E-7"},
		{map[string]string{"csv.null-literal": "null", "csv.field-delimiter": "|",
			"csv.write-bigdecimal-in-scientific-notation": "false"}, "1.0E10|null|0.0000001000"},
	} {
		out, err := mustEncoder(t, "csv", fields, c.opts).Encode(nil, b.Cols, 0)
		if err != nil || string(out) != c.want {
			t.Errorf("%v: got %q %v, want %q", c.opts, out, err, c.want)
		}
	}
}

func TestCSVSplit(t *testing.T) {
	f, _ := Lookup("csv")
	sc := bufio.NewScanner(strings.NewReader("1,\"a\nb\"\r\n2,c\n3,\"x\"\"\ny\""))
	sc.Split(f.Split(nil))
	var recs []string
	for sc.Scan() {
		recs = append(recs, sc.Text())
	}
	check(t, recs, []string{"1,\"a\nb\"", "2,c", "3,\"x\"\"\ny\""})
}

func FuzzCSVDecode(f *testing.F) {
	for _, s := range []string{`1,Hello,1.5,2020-01-01 12:34:56.123,a;b`, `"a""b",,`, `\`, `"`, `1,"x"y`} {
		f.Add([]byte(s))
	}
	fm, _ := Lookup("csv")
	var decs []Decoder
	for _, opts := range []map[string]string{nil, {"csv.ignore-parse-errors": "true", "csv.escape-character": `\\`, "csv.null-literal": "n"}} {
		d, err := fm.NewDecoder(csvFields, opts)
		if err != nil {
			f.Fatal(err)
		}
		decs = append(decs, d)
	}
	b := types.NewBatch(colTypes(csvFields), 8)
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

func TestCSVDecodeNoAlloc(t *testing.T) {
	d := mustDecoder(t, "csv", csvFields, nil)
	e := mustEncoder(t, "csv", csvFields, nil)
	rec := []byte(`1,"He said ""hi""",1.5,2020-01-01 12:34:56.123,a;b;c`)
	b := types.NewBatch(colTypes(csvFields), types.DefaultBatchSize)
	var out []byte
	allocs := testing.AllocsPerRun(10, func() {
		b.Reset()
		for i := 0; i < 500; i++ {
			if err := d.Decode(rec, b.Cols); err != nil {
				t.Fatal(err)
			}
			b.Len++
			var err error
			if out, err = e.Encode(out[:0], b.Cols, i); err != nil {
				t.Fatal(err)
			}
		}
	})
	if allocs > 0 {
		t.Errorf("allocs per 500 rows = %v", allocs)
	}
}
