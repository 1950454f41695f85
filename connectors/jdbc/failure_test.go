package jdbc

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/flinkgo/engine/connectors"
	"github.com/flinkgo/engine/connectors/jdbc/jdbctest"
	"github.com/flinkgo/engine/runtime/types"
)

// viaProxy points tbl at a proxy in front of db's server, which counts the
// statements the sink sends.
func viaProxy(t *testing.T, db *jdbctest.DB, tbl *connectors.Table) *jdbctest.Proxy {
	p := jdbctest.NewProxy(t, db.Config.Addr)
	tbl.Options["url"] = "jdbc:mysql://" + p.Addr() + "/" + db.Name + "?useSSL=false"
	return p
}

// wantError fails unless err is MySQL error number and its text has
// every part of want and none of avoid.
func wantError(t *testing.T, err error, number uint16, want []string, avoid ...string) {
	t.Helper()
	var me *mysql.MySQLError
	if err == nil || !errors.As(err, &me) || me.Number != number {
		t.Fatalf("want MySQL error %d, got %v", number, err)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error lacks %q: %v", w, err)
		}
	}
	for _, a := range avoid {
		if strings.Contains(err.Error(), a) {
			t.Errorf("error has %q: %v", a, err)
		}
	}
}

// TestRowErrorFailsAtOnce: a value too long for its column fails the
// flush without the retries of 'sink.max-retries', naming the table, the
// column and the row's key; finding the row (bisection) writes nothing.
func TestRowErrorFailsAtOnce(t *testing.T) {
	db := jdbctest.NewDatabase(t)
	db.Exec(t, "CREATE TABLE kv (id INT PRIMARY KEY, v VARCHAR(5))")
	cols, ct := kvCols()
	tbl := table(db, "kv", cols, []int{0}, "sink.buffer-flush.max-rows", "0", "sink.buffer-flush.interval", "0", "sink.max-retries", "10")
	p := viaProxy(t, db, tbl)
	w := newWriter(t, tbl, 0, 1)
	mustOpen(t, w, opCtx(0, 1))
	defer w.Close()
	rows := []row{ins(1, "a"), ins(2, "b"), ins(42, "much too long"), ins(4, "d"), ins(5, "e"), ins(6, "f"), ins(7, "g"), ins(8, "h")}
	if err := w.ProcessBatch(0, batchOf(t, ct, rows...)); err != nil {
		t.Fatal(err)
	}
	before := p.Commands(jdbctest.ComStmtExecute)
	_, err := w.SnapshotState(1)
	wantError(t, err, erDataTooLong,
		[]string{"Writing records to JDBC failed.", "the row with id=42 into `kv`, column `v`", "Data too long for column 'v'", "Not retried"},
		" at row ", "retries")
	// One statement for the 8 rows, then log2(8) = 3 to find the row.
	if n := p.Commands(jdbctest.ComStmtExecute) - before; n > 4 {
		t.Errorf("%d statements ran, want at most 4 (no retries)", n)
	}
	wantRows(t, query(t, db.SQL, "SELECT id, v FROM kv"))
}

// TestTransientErrorRetried: a lock wait timeout (1205) is retried, and
// the retry succeeds once the lock is gone.
func TestTransientErrorRetried(t *testing.T) {
	db := jdbctest.NewDatabase(t)
	db.Exec(t, "CREATE TABLE kv (id INT PRIMARY KEY, v VARCHAR(5))")
	cols, ct := kvCols()
	tbl := table(db, "kv", cols, []int{0}, "sink.buffer-flush.max-rows", "0", "sink.buffer-flush.interval", "0", "sink.max-retries", "5")
	p := viaProxy(t, db, tbl)
	s, err := Factory{}.CreateSink(tbl)
	if err != nil {
		t.Fatal(err)
	}
	s.(*sink).cfg.db.Params = map[string]string{"innodb_lock_wait_timeout": "1"}
	w, err := s.NewWriter(0, 1)
	if err != nil {
		t.Fatal(err)
	}
	mustOpen(t, w, opCtx(0, 1))
	defer w.Close()
	// Another session holds the key's lock until the sink tried twice.
	lock, err := db.SQL.Begin()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lock.Exec("INSERT INTO kv VALUES (1, 'lock')"); err != nil {
		t.Fatal(err)
	}
	before := p.Commands(jdbctest.ComStmtExecute)
	released := make(chan struct{})
	go func() {
		defer close(released)
		deadline := time.Now().Add(30 * time.Second)
		for p.Commands(jdbctest.ComStmtExecute)-before < 2 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		lock.Rollback()
	}()
	if err := w.ProcessBatch(0, batchOf(t, ct, ins(1, "a"))); err != nil {
		t.Fatal(err)
	}
	_, err = w.SnapshotState(1)
	<-released
	if err != nil {
		t.Fatalf("a lock wait timeout was not retried: %v", err)
	}
	if n := p.Commands(jdbctest.ComStmtExecute) - before; n < 2 {
		t.Errorf("%d statements ran, want the first and a retry", n)
	}
	wantRows(t, query(t, db.SQL, "SELECT id, v FROM kv"), "1|a")
}

// TestAppendRowErrors: without a primary key the row is shown by its
// first columns (a sensitive one and a URL's password masked); a duplicate
// of an earlier row of the same statement is found too, and nothing is
// written.
func TestAppendRowErrors(t *testing.T) {
	db := jdbctest.NewDatabase(t)
	db.Exec(t, "CREATE TABLE log (id INT, email VARCHAR(20), password VARCHAR(5), note VARCHAR(20), UNIQUE KEY uk_email (email))")
	cols := []connectors.Column{{Name: "id", Type: intType}, {Name: "email", Type: types.String},
		{Name: "password", Type: types.String}, {Name: "note", Type: types.String}}
	ct := []*types.Type{cols[0].Type, cols[1].Type, cols[2].Type, cols[3].Type}
	tbl := table(db, "log", cols, nil, "sink.buffer-flush.max-rows", "0", "sink.buffer-flush.interval", "0")
	flush := func(rows ...row) error {
		w := newWriter(t, tbl, 0, 1)
		mustOpen(t, w, opCtx(0, 1))
		defer w.Close()
		if err := w.ProcessBatch(0, batchOf(t, ct, rows...)); err != nil {
			t.Fatal(err)
		}
		_, err := w.SnapshotState(1)
		return err
	}
	err := flush(ins(1, "a@x", "pw1", "n"), ins(2, "b@x", "pw2", "n"), ins(3, "a@x", "pw3", "n"))
	wantError(t, err, erDupEntry, []string{"the row (id=3, email='a@x', password=******, …) into `log`", "uk_email", "no PRIMARY KEY"}, "pw3")
	err = flush(ins(1, "http://u:s3cr@h", "hunter2", "n"))
	wantError(t, err, erDataTooLong, []string{"the row (id=1, email='http://u:******@h', password=******, …) into `log`, column `password`"}, "hunter2", "s3cr")
	wantRows(t, query(t, db.SQL, "SELECT id FROM log"))
}

// TestStatementErrorNamesColumn: a column MySQL's table lacks fails at
// once, naming it, and no row is blamed.
func TestStatementErrorNamesColumn(t *testing.T) {
	db := jdbctest.NewDatabase(t)
	db.Exec(t, "CREATE TABLE kv (id INT PRIMARY KEY, w VARCHAR(5))")
	cols, ct := kvCols()
	tbl := table(db, "kv", cols, []int{0}, "sink.buffer-flush.max-rows", "0", "sink.buffer-flush.interval", "0", "sink.max-retries", "10")
	p := viaProxy(t, db, tbl)
	w := newWriter(t, tbl, 0, 1)
	mustOpen(t, w, opCtx(0, 1))
	defer w.Close()
	if err := w.ProcessBatch(0, batchOf(t, ct, ins(1, "a"), ins(2, "b"))); err != nil {
		t.Fatal(err)
	}
	before := p.Commands(jdbctest.ComStmtPrepare)
	_, err := w.SnapshotState(1)
	wantError(t, err, erBadField, []string{"write 2 row(s) into `kv`, column `v`", "declare only columns"}, "the row")
	if n := p.Commands(jdbctest.ComStmtPrepare) - before; n != 1 {
		t.Errorf("the statement was prepared %d times, want once", n)
	}
}

// TestDeleteRowError: a delete refused by a foreign key names the key.
func TestDeleteRowError(t *testing.T) {
	db := jdbctest.NewDatabase(t)
	db.Exec(t, "CREATE TABLE parent (id INT PRIMARY KEY, v VARCHAR(20)) ENGINE=InnoDB",
		"CREATE TABLE child (pid INT, FOREIGN KEY (pid) REFERENCES parent (id)) ENGINE=InnoDB",
		"INSERT INTO parent VALUES (1, 'a'), (2, 'b'), (3, 'c')", "INSERT INTO child VALUES (2)")
	cols, ct := kvCols()
	w := newWriter(t, table(db, "parent", cols, []int{0}, "sink.buffer-flush.max-rows", "0", "sink.buffer-flush.interval", "0"), 0, 1)
	mustOpen(t, w, opCtx(0, 1))
	defer w.Close()
	if err := w.ProcessBatch(0, batchOf(t, ct, del(1, "a"), del(2, "b"), del(3, "c"))); err != nil {
		t.Fatal(err)
	}
	_, err := w.SnapshotState(1)
	wantError(t, err, erRowIsReferenced, []string{"delete the row with id=2 from `parent`"})
	wantRows(t, query(t, db.SQL, "SELECT id FROM parent"), "1", "2", "3")
}

// TestXARowError: in exactly-once mode the row is found inside the XA
// transaction, which is rolled back.
func TestXARowError(t *testing.T) {
	db := jdbctest.NewDatabase(t)
	db.Exec(t, "CREATE TABLE ev (id INT, v VARCHAR(5))")
	cols, ct := kvCols()
	tbl := table(db, "ev", cols, nil, "sink.delivery-guarantee", "exactly-once", "sink.buffer-flush.max-rows", "0", "sink.buffer-flush.interval", "0")
	w := newWriter(t, tbl, 0, 1)
	mustOpen(t, w, opCtx(0, 1))
	if err := w.ProcessBatch(0, batchOf(t, ct, ins(1, "a"), ins(2, "b"), ins(3, "too long"))); err != nil {
		t.Fatal(err)
	}
	_, err := w.SnapshotState(1)
	wantError(t, err, erDataTooLong, []string{"the row (id=3, v='too long') into `ev`, column `v`"})
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	wantRows(t, query(t, db.SQL, "SELECT id FROM ev"))
	if x := preparedXIDs(t, db, "ev"); len(x) != 0 {
		t.Fatalf("prepared XA transactions left: %v", x)
	}
}

// TestColumnOf: the column is read from MySQL's and MariaDB's messages,
// and the position in the statement is left out.
func TestColumnOf(t *testing.T) {
	w := &writer{sink: &sink{cols: []string{"id", "v", "Note"}}}
	for msg, want := range map[string]string{
		"Data too long for column 'v' at row 2":                                      "v",
		"Column 'v' cannot be null":                                                  "v",
		"Out of range value for column 'id' at row 1":                                "id",
		"Incorrect integer value: 'my column 'v'' for column `db`.`t`.`id` at row 1": "id",
		"Unknown column 'NOTE' in 'field list'":                                      "Note",
		"Duplicate entry 'a' for key 'email'":                                        "",
		"Data truncated for column 'other' at row 3":                                 "",
	} {
		if got := w.columnOf(msg); got != want {
			t.Errorf("columnOf(%q) = %q, want %q", msg, got, want)
		}
	}
	me := &mysql.MySQLError{Number: erDataTooLong, SQLState: [5]byte{'2', '2', '0', '0', '1'}, Message: "Data too long for column 'v' at row 12"}
	if got := (shownError{me}).Error(); got != "Error 1406 (22001): Data too long for column 'v'" {
		t.Errorf("without the row number: %q", got)
	}
}
