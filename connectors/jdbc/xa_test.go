package jdbc

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/flinkgo/engine/connectors"
	"github.com/flinkgo/engine/connectors/jdbc/jdbctest"
	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/types"
)

// preparedXIDs lists the prepared XA transactions of the sink writing tbl.
func preparedXIDs(t *testing.T, db *jdbctest.DB, tbl string) []string {
	t.Helper()
	prefix := xaPrefix(opCtx(0, 1).OperatorID, db.Config.Addr, db.Name, tbl)
	var out []string
	for _, r := range query(t, db.SQL, "XA RECOVER") {
		parts := strings.Split(r, "|")
		if strings.HasPrefix(parts[3], prefix) {
			out = append(out, parts[3])
		}
	}
	return out
}

func TestXAExactlyOnce(t *testing.T) {
	db := jdbctest.NewDatabase(t)
	db.Exec(t, "CREATE TABLE ev (id INT, v VARCHAR(10))")
	cols, ct := kvCols()
	tbl := table(db, "ev", cols, nil, "sink.delivery-guarantee", "exactly-once", "sink.buffer-flush.max-rows", "2")
	visible := func() []string { return query(t, db.SQL, "SELECT id, v FROM ev") }
	open := func(restore []byte, final bool) runtime.Operator {
		w := newWriter(t, tbl, 0, 1)
		ctx := opCtx(0, 1)
		ctx.StateRestore, ctx.FinalCheckpoint = restore, final
		mustOpen(t, w, ctx)
		return w
	}
	process := func(w runtime.Operator, rows ...row) {
		t.Helper()
		if err := w.ProcessBatch(0, batchOf(t, ct, rows...)); err != nil {
			t.Fatal(err)
		}
	}
	snapshot := func(w runtime.Operator, id int64) []byte {
		t.Helper()
		st, err := w.SnapshotState(id)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}

	// Prepare at the snapshot, commit on notify.
	w1 := open(nil, true)
	process(w1, ins(1, "a"), ins(2, "b"), ins(3, "c")) // max-rows flushes into the open transaction
	wantRows(t, visible())
	snapshot(w1, 1)
	wantRows(t, visible())
	if x := preparedXIDs(t, db, "ev"); len(x) != 1 {
		t.Fatalf("prepared after snapshot 1: %v", x)
	}
	if err := w1.NotifyCheckpointComplete(1); err != nil {
		t.Fatal(err)
	}
	wantRows(t, visible(), "1|a", "2|b", "3|c")

	// Checkpoint 2 completes but its notification is lost; checkpoint 3
	// is prepared but never completes; row 7 is in an open transaction.
	process(w1, ins(4, "d"), ins(5, "e"))
	st2 := snapshot(w1, 2)
	process(w1, ins(6, "f"))
	snapshot(w1, 3)
	process(w1, ins(7, "g"), ins(8, "h"))
	if x := preparedXIDs(t, db, "ev"); len(x) != 2 {
		t.Fatalf("prepared before the failure: %v", x)
	}
	w1.Close() // the failure: the unprepared transaction is rolled back
	wantRows(t, visible(), "1|a", "2|b", "3|c")

	// Restore from checkpoint 2: its transaction is committed, 3's rolled back.
	w2 := open(st2, false)
	wantRows(t, visible(), "1|a", "2|b", "3|c", "4|d", "5|e")
	if x := preparedXIDs(t, db, "ev"); len(x) != 0 {
		t.Fatalf("stray prepared transactions after restore: %v", x)
	}
	// Without a final checkpoint Finish commits.
	process(w2, ins(9, "i"))
	if err := w2.Finish(); err != nil {
		t.Fatal(err)
	}
	w2.Close()
	wantRows(t, visible(), "1|a", "2|b", "3|c", "4|d", "5|e", "9|i")

	// Restoring the same checkpoint again (its XID is gone) is fine.
	w3 := open(st2, true)
	process(w3, ins(10, "j"))
	// With a final checkpoint Finish makes nothing visible...
	if err := w3.Finish(); err != nil {
		t.Fatal(err)
	}
	wantRows(t, visible(), "1|a", "2|b", "3|c", "4|d", "5|e", "9|i")
	// ...the last snapshot prepares and its completion commits.
	snapshot(w3, 7)
	if err := w3.NotifyCheckpointComplete(7); err != nil {
		t.Fatal(err)
	}
	w3.Close()
	wantRows(t, visible(), "1|a", "2|b", "3|c", "4|d", "5|e", "9|i", "10|j")

	// Abort: rows of a writer closed without a completed checkpoint never show.
	w4 := open(nil, true)
	process(w4, ins(11, "k"))
	snapshot(w4, 8)
	process(w4, ins(12, "l"))
	w4.Close()
	w5 := open(nil, true) // a fresh start rolls back what w4 prepared
	w5.Close()
	wantRows(t, visible(), "1|a", "2|b", "3|c", "4|d", "5|e", "9|i", "10|j")
	if x := preparedXIDs(t, db, "ev"); len(x) != 0 {
		t.Fatalf("prepared transactions left: %v", x)
	}
}

func TestXAStateCodec(t *testing.T) {
	x := &xaState{last: 42, pending: []xaEntry{{40, "fgo-0011223344556677-0-40"}, {42, "fgo-0011223344556677-0-42"}}}
	got, err := decodeXAState(x.encode(3))
	if err != nil || got.last != 42 || len(got.pending) != 2 || got.pending[1] != x.pending[1] {
		t.Fatalf("round trip: %+v %v", got, err)
	}
	for _, bad := range [][]byte{nil, {2}, {1, 0}, append(x.encode(0), 0)} {
		if _, err := decodeXAState(bad); err == nil {
			t.Errorf("decodeXAState(%v) accepted", bad)
		}
	}
}

func TestXAOptionChecks(t *testing.T) {
	cols := []connectors.Column{{Name: "id", Type: intType}, {Name: "v", Type: types.String}}
	on := map[string]string{"execution.checkpointing.interval": "10s"}
	tests := []struct {
		name   string
		pk     []int
		config map[string]string
		err    string
	}{
		{"with a primary key", []int{0}, on, "only supported without a PRIMARY KEY"},
		{"without checkpointing", nil, nil, "enable checkpointing"},
		{"checkpointing off", nil, map[string]string{"execution.checkpointing.interval": "0"}, "enable checkpointing"},
		{"ok", nil, on, ""},
	}
	for _, tc := range tests {
		_, err := Factory{}.CreateSink(&connectors.Table{Name: "t", Columns: cols, PrimaryKey: tc.pk, Config: tc.config,
			Options: map[string]string{"url": "jdbc:mysql://h/d", "table-name": "t", "sink.delivery-guarantee": "exactly-once"}})
		if tc.err == "" && err != nil || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.err)
		}
	}
}

// TestXARestoreWaitsForDetach: on restore, a checkpointed XID still
// attached to the failed attempt's session (the server has not noticed
// the dead connection yet) is committed once the session ends, and a
// stray one is rolled back then; neither is taken for "already finished".
func TestXARestoreWaitsForDetach(t *testing.T) {
	db := jdbctest.NewDatabase(t)
	db.Exec(t, "CREATE TABLE ev (id INT, v VARCHAR(10))")
	cols, _ := kvCols()
	tbl := table(db, "ev", cols, nil, "sink.delivery-guarantee", "exactly-once")
	prefix := xaPrefix(opCtx(0, 1).OperatorID, db.Config.Addr, db.Name, "ev")
	ctx := context.Background()
	prepare := func(xid string, id int) *sql.Conn {
		c, err := db.SQL.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{"XA START '" + xid + "'", fmt.Sprintf("INSERT INTO ev VALUES (%d, 'x')", id), "XA END '" + xid + "'", "XA PREPARE '" + xid + "'"} {
			if _, err := c.ExecContext(ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		return c
	}
	keep, stray := prefix+"0-5", prefix+"0-6"
	c1, c2 := prepare(keep, 1), prepare(stray, 2)
	go func() {
		time.Sleep(300 * time.Millisecond)
		discard(c1)
		discard(c2)
	}()
	st := (&xaState{last: 5, pending: []xaEntry{{5, keep}}}).encode(0)
	w := newWriter(t, tbl, 0, 1)
	octx := opCtx(0, 1)
	octx.StateRestore = st
	start := time.Now()
	mustOpen(t, w, octx)
	w.Close()
	if time.Since(start) < 250*time.Millisecond {
		t.Fatalf("restore did not wait for the sessions to end")
	}
	wantRows(t, query(t, db.SQL, "SELECT id, v FROM ev"), "1|x")
	if x := preparedXIDs(t, db, "ev"); len(x) != 0 {
		t.Fatalf("prepared left: %v", x)
	}
}
