package formats

import (
	"testing"

	"github.com/flinkgo/engine/runtime/types"
)

func colTypes(fields []types.Field) []*types.Type {
	ts := make([]*types.Type, len(fields))
	for i, f := range fields {
		ts[i] = f.Type
	}
	return ts
}

// decodeAll decodes records and renders the rows as the print sink does;
// errors render as "ERR: <message>", skipped records as "SKIP".
func decodeAll(t *testing.T, d Decoder, fields []types.Field, records ...string) []string {
	t.Helper()
	b := types.NewBatch(colTypes(fields), 8)
	var got []string
	for _, r := range records {
		err := d.Decode([]byte(r), b.Cols)
		switch {
		case err == ErrNoRow:
			got = append(got, "SKIP")
			continue
		case err != nil:
			got = append(got, "ERR: "+err.Error())
			continue
		}
		b.Len++
		for _, c := range b.Cols {
			if c.Len != b.Len {
				t.Fatalf("column length %d != batch length %d after %q", c.Len, b.Len, r)
			}
		}
		got = append(got, string(types.AppendRowPrint(nil, b, b.Len-1)))
	}
	return got
}

func check(t *testing.T, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d rows %q, want %d %q", len(got), got, len(want), want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("row %d:\n got  %s\n want %s", i, got[i], want[i])
		}
	}
}

func mustDecoder(t *testing.T, id string, fields []types.Field, opts map[string]string) Decoder {
	t.Helper()
	f, ok := Lookup(id)
	if !ok {
		t.Fatalf("format %s not registered", id)
	}
	d, err := f.NewDecoder(fields, opts)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func mustEncoder(t *testing.T, id string, fields []types.Field, opts map[string]string) Encoder {
	t.Helper()
	f, _ := Lookup(id)
	e, err := f.NewEncoder(fields, opts)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// encodeAll decodes each record with d and re-encodes it with e.
func roundTrip(t *testing.T, d Decoder, e Encoder, fields []types.Field, records ...string) []string {
	t.Helper()
	b := types.NewBatch(colTypes(fields), 8)
	var out []string
	for _, r := range records {
		if err := d.Decode([]byte(r), b.Cols); err != nil {
			t.Fatalf("decode %q: %v", r, err)
		}
		b.Len++
		enc, err := e.Encode(nil, b.Cols, b.Len-1)
		if err != nil {
			t.Fatalf("encode %q: %v", r, err)
		}
		out = append(out, string(enc))
	}
	return out
}
