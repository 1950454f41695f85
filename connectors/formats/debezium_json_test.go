package formats

import (
	"strings"
	"testing"

	"github.com/flinkgo/engine/runtime/types"
)

var dbzFields = []types.Field{{Name: "id", Type: types.Int}, {Name: "name", Type: types.String}}

func TestDebeziumJSONDecode(t *testing.T) {
	cases := []struct {
		name string
		opts map[string]string
		rec  string
		want []string // rows as printed, or "ERR: <substring>"
	}{
		{"create", nil, `{"before":null,"after":{"id":1,"name":"a"},"op":"c","ts_ms":1}`, []string{"+I[1, a]"}},
		{"snapshot read", nil, `{"after":{"id":2,"name":"b"},"op":"r"}`, []string{"+I[2, b]"}},
		{"update", nil, `{"before":{"id":1,"name":"a"},"after":{"id":1,"name":"a2"},"op":"u","source":{"db":"x"}}`, []string{"-U[1, a]", "+U[1, a2]"}},
		{"delete", nil, `{"op":"d","before":{"id":1,"name":"a2"},"after":null}`, []string{"-D[1, a2]"}},
		{"tombstone", nil, ``, nil},
		{"schema include", map[string]string{"debezium-json.schema-include": "true"},
			`{"schema":{"type":"struct","fields":[]},"payload":{"before":null,"after":{"id":3,"name":"c"},"op":"c"}}`, []string{"+I[3, c]"}},
		{"schema include missing payload", map[string]string{"debezium-json.schema-include": "true"}, `{"before":null,"after":{"id":3},"op":"c"}`, []string{`ERR: "payload" field is missing`}},
		{"update without before", nil, `{"before":null,"after":{"id":1},"op":"u"}`, []string{`ERR: REPLICA IDENTITY`}},
		{"unknown op", nil, `{"after":{"id":1},"op":"x"}`, []string{`ERR: Unknown "op" value "x"`}},
		{"missing op", nil, `{"after":{"id":1}}`, []string{`ERR: "op" field is missing`}},
		{"malformed", nil, `{"after":{"id":1},"op":"c"`, []string{`ERR: malformed JSON`}},
		{"bad field", nil, `{"after":{"id":"x"},"op":"c"}`, []string{`ERR: Failed to deserialize JSON field 'id'`}},
		{"bad field ignored", map[string]string{"debezium-json.ignore-parse-errors": "true"}, `{"after":{"id":"x","name":"n"},"op":"c"}`, []string{"+I[null, n]"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var f Format = debeziumFormat{}
			if !IsChangelog(f) {
				t.Fatal("debezium-json is not a changelog format")
			}
			d, err := f.NewDecoder(dbzFields, c.opts)
			if err != nil {
				t.Fatal(err)
			}
			cd := d.(ChangelogDecoder)
			b := types.NewBatch(colTypes(dbzFields), 4)
			kinds, err := cd.DecodeChangelog([]byte(c.rec), b.Cols, nil)
			var got []string
			if err != nil {
				got = []string{"ERR: " + err.Error()}
				for _, v := range b.Cols {
					if v.Len != 0 {
						t.Fatalf("a failed record left %d values", v.Len)
					}
				}
			}
			for _, k := range kinds {
				b.AppendKind(k)
				b.Len++
				got = append(got, string(types.AppendRowPrint(nil, b, b.Len-1)))
			}
			if len(got) != len(c.want) {
				t.Fatalf("got %q, want %q", got, c.want)
			}
			for i := range got {
				if strings.HasPrefix(c.want[i], "ERR: ") {
					if !strings.Contains(got[i], strings.TrimPrefix(c.want[i], "ERR: ")) {
						t.Errorf("got %q, want an error with %q", got[i], c.want[i])
					}
					continue
				}
				if got[i] != c.want[i] {
					t.Errorf("row %d: got %q, want %q", i, got[i], c.want[i])
				}
			}
		})
	}
}

func TestDebeziumJSONEncode(t *testing.T) {
	var f Format = debeziumFormat{}
	e, err := f.NewEncoder(dbzFields, nil)
	if err != nil {
		t.Fatal(err)
	}
	ce := e.(ChangelogEncoder)
	b := types.NewBatch(colTypes(dbzFields), 1)
	b.Cols[0].AppendInt(7)
	b.Cols[1].AppendString("x")
	b.Len = 1
	cases := []struct {
		kind types.RowKind
		want string
	}{
		{types.Insert, `{"before":null,"after":{"id":7,"name":"x"},"op":"c"}`},
		{types.UpdateAfter, `{"before":null,"after":{"id":7,"name":"x"},"op":"c"}`},
		{types.UpdateBefore, `{"before":{"id":7,"name":"x"},"after":null,"op":"d"}`},
		{types.Delete, `{"before":{"id":7,"name":"x"},"after":null,"op":"d"}`},
	}
	d, _ := f.NewDecoder(dbzFields, nil)
	for _, c := range cases {
		got, err := ce.EncodeChangelog(nil, b.Cols, 0, c.kind)
		if err != nil || string(got) != c.want {
			t.Errorf("%s: got %s (%v), want %s", c.kind, got, err, c.want)
		}
		// Round trip through the decoder.
		out := types.NewBatch(colTypes(dbzFields), 1)
		kinds, err := d.(ChangelogDecoder).DecodeChangelog(got, out.Cols, nil)
		if err != nil || len(kinds) != 1 || out.Cols[0].Ints[0] != 7 {
			t.Errorf("%s: round trip %v %v", c.kind, kinds, err)
		}
	}
	if got, _ := e.Encode(nil, b.Cols, 0); string(got) != cases[0].want {
		t.Errorf("Encode: %s", got)
	}
}

func TestDebeziumJSONOptions(t *testing.T) {
	var f Format = debeziumFormat{}
	if _, err := f.NewDecoder(dbzFields, map[string]string{"debezium-json.schema-include": "perhaps"}); err == nil {
		t.Error("bad boolean accepted")
	}
	if keys := f.OptionKeys(); len(keys) == 0 || keys[0] != "debezium-json.schema-include" {
		t.Errorf("option keys %v", keys)
	}
	if IsChangelog(jsonFormat{}) {
		t.Error("json is a changelog format")
	}
}
