package flinkrest_test

import (
	"encoding/binary"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flinkgo/engine/checkpoint"
	"github.com/flinkgo/engine/runtime/state"
)

// TestSavepointFormatType: "formatType" of POST /jobs/:jobid/savepoints
// and /stop chooses CANONICAL (the default) or NATIVE; the _metadata
// records it and the keyed-state handles are in that format; anything else
// is a 400.
func TestSavepointFormatType(t *testing.T) {
	f := newFixture(t, defaultConfig())
	id := f.exec(`
SET 'execution.checkpointing.interval' = '100ms';
SET 'execution.checkpointing.dir' = '<dir>/chk';
SET 'state.backend.type' = 'rocksdb';
CREATE TABLE src (id BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '500');
CREATE TABLE sink (k BIGINT, c BIGINT) WITH ('connector' = 'blackhole');
INSERT INTO sink SELECT id % 10, COUNT(*) FROM src GROUP BY id % 10;
`)
	j := f.job(id)
	f.waitFor("a completed checkpoint", func() bool { return j.LastCheckpoint().ID > 0 })
	target := filepath.Join(f.dir, "sp")
	if code, body := f.call("POST", "/jobs/"+id+"/savepoints", `{"target-directory": "`+target+`", "formatType": "SIDEWAYS"}`); code != 400 {
		t.Fatalf("bad formatType: %d %s", code, body)
	}
	check := func(loc string, want checkpoint.SavepointFormat) {
		t.Helper()
		m, _, err := checkpoint.LoadCheckpoint(checkpoint.NewLocalStorage(), strings.TrimPrefix(loc, "file:"))
		if err != nil {
			t.Fatal(err)
		}
		if m.Format != want || !m.Savepoint {
			t.Fatalf("%s: format %s, savepoint %v; want %s", loc, m.Format, m.Savepoint, want)
		}
		keyed := 0
		for _, op := range m.Operators {
			for _, sub := range op.Subtasks {
				b, err := checkpoint.ReadState(checkpoint.NewLocalStorage(), strings.TrimPrefix(loc, "file:"), sub)
				if err != nil {
					t.Fatal(err)
				}
				if hb := subtaskHandle(b); hb != nil {
					h, err := state.UnmarshalHandle(hb)
					if err != nil {
						t.Fatal(err)
					}
					keyed++
					if h.Canonical != (want == checkpoint.FormatCanonical) || h.Backend != state.BackendPebble {
						t.Fatalf("%s: handle %+v in a %s savepoint", loc, h, want)
					}
				}
			}
		}
		if keyed == 0 {
			t.Fatalf("%s: no keyed state", loc)
		}
	}
	for _, c := range []struct {
		body string
		want checkpoint.SavepointFormat
	}{
		{``, checkpoint.FormatCanonical},
		{`, "formatType": "NATIVE"`, checkpoint.FormatNative},
		{`, "formatType": "CANONICAL"`, checkpoint.FormatCanonical},
	} {
		st := f.awaitSavepoint(id, f.trigger("/jobs/"+id+"/savepoints", `{"target-directory": "`+target+`"`+c.body+`}`))
		if st.Operation.FailureCause != nil {
			t.Fatalf("savepoint %s: %+v", c.body, st.Operation.FailureCause)
		}
		check(st.Operation.Location, c.want)
	}
	st := f.awaitSavepoint(id, f.trigger("/jobs/"+id+"/stop", `{"targetDirectory": "`+target+`", "formatType": "NATIVE"}`))
	if st.Operation.FailureCause != nil {
		t.Fatalf("stop: %+v", st.Operation.FailureCause)
	}
	check(st.Operation.Location, checkpoint.FormatNative)
}

// subtaskHandle extracts the keyed-state handle from a subtask's state in
// _metadata (checkpoint's subtask layout: version 1, uvarint length +
// operator bytes, uvarint length + handle).
func subtaskHandle(b []byte) []byte {
	if len(b) == 0 || b[0] != 1 {
		return nil
	}
	b = b[1:]
	for part := 0; part < 2; part++ {
		n, k := binary.Uvarint(b)
		if k <= 0 || uint64(len(b)-k) < n {
			return nil
		}
		if part == 1 && n > 0 {
			return b[k : k+int(n)]
		}
		b = b[k+int(n):]
	}
	return nil
}
