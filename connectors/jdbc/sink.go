package jdbc

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/flinkgo/engine/connectors"
	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/types"
)

// sink is a planned write into one MySQL table.
type sink struct {
	cfg      *config
	cols     []string
	colTypes []*types.Type
	pkNames  []string
}

func newSink(c *config) *sink {
	s := &sink{cfg: c}
	for _, col := range c.columns {
		s.cols = append(s.cols, col.Name)
		s.colTypes = append(s.colTypes, col.Type)
	}
	for _, k := range c.pk {
		s.pkNames = append(s.pkNames, c.columns[k].Name)
	}
	return s
}

// ChangelogMode is Upsert with a primary key (the planner then sends +I,
// +U and -D keyed by it), InsertOnly without.
func (s *sink) ChangelogMode() connectors.ChangelogMode {
	if len(s.cfg.pk) > 0 {
		return connectors.Upsert
	}
	return connectors.InsertOnly
}

func (s *sink) Parallelism() int { return s.cfg.parallelism }

func (s *sink) NewWriter(subtask, parallelism int) (runtime.Operator, error) {
	if parallelism < 1 || subtask < 0 || subtask >= parallelism {
		return nil, fmt.Errorf("jdbc sink of table %s: invalid subtask %d of %d", s.cfg.name, subtask, parallelism)
	}
	w := &writer{sink: s, subtask: subtask, par: parallelism, buf: newRowBuffer(s.colTypes, s.cfg.pk)}
	if s.cfg.exactlyOnce {
		w.xa = &xaState{}
	}
	return w, nil
}

// writer is the sink operator of one subtask. See the package
// documentation for when it flushes and what a checkpoint guarantees.
//
// Concurrency: the task goroutine calls the Operator methods; when
// sink.buffer-flush.interval > 0 a background goroutine (flushLoop) flushes
// on the interval. mu guards everything below it; a flush error of the
// background goroutine is kept in failed and returned by the next call
// from the task goroutine.
type writer struct {
	sink    *sink
	subtask int
	par     int

	ctx             context.Context // the task's: statements run under it
	bgStop          context.CancelFunc
	finalCheckpoint bool
	out             runtime.Output
	metrics         *runtime.OperatorMetrics
	bg              sync.WaitGroup

	mu         sync.Mutex
	db         *sql.DB
	buf        *rowBuffer
	failed     error
	lastFlush  time.Time
	safeUpsert bool // the table has unique keys besides the declared primary key
	xa         *xaState

	// scratch, reused across flushes
	order []int32
	ups   []int32
	dels  []int32
	args  []any
	arena argArena
	stmts map[string]*sql.Stmt
}

func (w *writer) name() string { return "jdbc sink of table " + w.sink.cfg.name }

func (w *writer) Open(ctx *runtime.OperatorContext, out runtime.Output) error {
	parent := ctx.Ctx
	if parent == nil {
		parent = context.Background()
	}
	w.ctx = parent
	w.out, w.metrics, w.finalCheckpoint = out, ctx.Metrics, ctx.FinalCheckpoint
	cfg := w.sink.cfg.db.Clone()
	cfg.ClientFoundRows = true // UPDATE reports matched rows (update-then-insert path)
	db, err := openDB(w.ctx, cfg, w.sink.cfg.connectTimeout, w.name())
	if err != nil {
		return err
	}
	w.db = db
	w.stmts = map[string]*sql.Stmt{}
	if len(w.sink.cfg.pk) > 0 {
		if w.safeUpsert, err = w.hasOtherUniqueKeys(); err != nil {
			return err
		}
	}
	if w.xa != nil {
		if err := w.xaOpen(ctx); err != nil {
			return err
		}
	}
	w.lastFlush = time.Now()
	if d := w.sink.cfg.flushEvery; d > 0 {
		bg, stop := context.WithCancel(parent)
		w.bgStop = stop
		w.bg.Add(1)
		go w.flushLoop(bg, d)
	}
	return nil
}

// hasOtherUniqueKeys reads the table's unique indexes. The multi-row
// "INSERT ... ON DUPLICATE KEY UPDATE" merges a row into an existing one on
// a conflict with ANY unique index, which would silently overwrite another
// key's row; it is used only when the table's only unique index is the
// declared primary key. Otherwise (another unique index, a different or no
// primary key in MySQL) rows are written by UPDATE ... WHERE <key>, then
// INSERT when no row matched, so a conflict on another unique index fails
// with MySQL error 1062 naming that index.
func (w *writer) hasOtherUniqueKeys() (bool, error) {
	var rows *sql.Rows
	err := withRetry(w.ctx, w.sink.cfg.maxRetries, func() error {
		var err error
		rows, err = w.db.QueryContext(w.ctx, "SELECT INDEX_NAME, COLUMN_NAME FROM information_schema.STATISTICS "+
			"WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND NON_UNIQUE = 0 ORDER BY INDEX_NAME, SEQ_IN_INDEX", w.sink.cfg.table)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("%s: cannot read the unique keys of %s: %w", w.name(), Quote(w.sink.cfg.table), err)
	}
	defer rows.Close()
	idx := map[string][]string{}
	for rows.Next() {
		var n, c string
		if err := rows.Scan(&n, &c); err != nil {
			return false, fmt.Errorf("%s: cannot read the unique keys of %s: %w", w.name(), Quote(w.sink.cfg.table), err)
		}
		idx[n] = append(idx[n], c)
	}
	if err := rows.Err(); err != nil {
		return false, fmt.Errorf("%s: cannot read the unique keys of %s: %w", w.name(), Quote(w.sink.cfg.table), err)
	}
	if len(idx) == 0 {
		// No unique index (or no such table yet): ON DUPLICATE KEY would
		// never fire, so keep keyed semantics with update-then-insert.
		return true, nil
	}
	if len(idx) > 1 {
		return true, nil
	}
	for _, cols := range idx {
		want := append([]string(nil), w.sink.pkNames...)
		got := append([]string(nil), cols...)
		for i := range want {
			want[i] = strings.ToLower(want[i])
		}
		for i := range got {
			got[i] = strings.ToLower(got[i])
		}
		sort.Strings(want)
		sort.Strings(got)
		return strings.Join(want, "\x00") != strings.Join(got, "\x00"), nil
	}
	return false, nil
}

// flushLoop flushes the buffer every d (sink.buffer-flush.interval) until
// the writer finishes or closes.
func (w *writer) flushLoop(ctx context.Context, d time.Duration) {
	defer w.bg.Done()
	t := time.NewTicker(max(d/4, 10*time.Millisecond)) // flushes at most d/4 late
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		w.mu.Lock()
		if w.failed == nil && !w.buf.empty() && time.Since(w.lastFlush) >= d {
			if err := w.flushLocked(); err != nil {
				w.failed = err
			}
		}
		w.mu.Unlock()
	}
}

func (w *writer) ProcessBatch(_ int, b *types.Batch) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.failed != nil {
		return w.failed
	}
	keyed := len(w.sink.cfg.pk) > 0
	for i := 0; i < b.Len; i++ {
		k := b.Kind(i)
		switch {
		case k == types.UpdateBefore && keyed:
			continue // upsert mode: the +U that follows (or a -D) carries the change
		case k != types.Insert && !keyed:
			return fmt.Errorf("%s: the table has no PRIMARY KEY, so the sink only accepts insertions (append mode), got %s; declare PRIMARY KEY (...) NOT ENFORCED to write updates", w.name(), k)
		}
		w.buf.add(b, i, k)
		if n := w.sink.cfg.flushRows; n > 0 && w.buf.added >= n {
			if err := w.flushLocked(); err != nil {
				w.failed = err
				return err
			}
		}
	}
	if w.metrics != nil {
		w.metrics.RecordsOut.Add(int64(b.Len))
	}
	return nil
}

func (w *writer) ProcessWatermark(wm int64) error {
	w.mu.Lock()
	err := w.failed
	w.mu.Unlock()
	if err != nil {
		return err
	}
	if w.out != nil {
		return w.out.EmitWatermark(wm)
	}
	return nil
}

// SnapshotState flushes the buffer before returning, so the checkpoint's
// acknowledgement means the rows are in MySQL (with a primary key a
// restore replays at most what came after it, and rewrites are idempotent).
// In exactly-once mode it ends and prepares the XA transaction instead and
// returns it as the state.
func (w *writer) SnapshotState(checkpointID int64) ([]byte, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.failed != nil {
		return nil, w.failed
	}
	if err := w.flushLocked(); err != nil {
		w.failed = err
		return nil, err
	}
	if w.xa == nil {
		return nil, nil
	}
	if err := w.xaPrepare(checkpointID); err != nil {
		w.failed = err
		return nil, err
	}
	return w.xa.encode(w.subtask), nil
}

func (w *writer) NotifyCheckpointComplete(checkpointID int64) error {
	if w.xa == nil {
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.xaCommitUpTo(checkpointID)
}

// Finish flushes what is left. In exactly-once mode with a final checkpoint
// the open XA transaction is left for that checkpoint to prepare and
// commit; without one, Finish prepares and commits it.
func (w *writer) Finish() error {
	w.stopBackground()
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.failed != nil {
		return w.failed
	}
	if err := w.flushLocked(); err != nil {
		w.failed = err
		return err
	}
	if w.xa != nil && !w.finalCheckpoint {
		if err := w.xaPrepare(w.xa.last + 1); err != nil {
			return err
		}
		return w.xaCommitUpTo(1<<63 - 1)
	}
	return nil
}

func (w *writer) stopBackground() {
	if w.bgStop != nil {
		w.bgStop()
	}
	w.bg.Wait()
}

// Close releases the connections; an XA transaction not prepared yet is
// rolled back (prepared ones stay for the restore to decide).
func (w *writer) Close() error {
	w.stopBackground()
	w.mu.Lock()
	defer w.mu.Unlock()
	var err error
	if w.xa != nil {
		err = w.xaAbortActive()
	}
	for _, st := range w.stmts {
		st.Close()
	}
	w.stmts = nil
	if w.db != nil {
		if cerr := w.db.Close(); err == nil {
			err = cerr
		}
		w.db = nil
	}
	return err
}

// execer runs statements: the pool, or the XA transaction's connection.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// flushLocked writes the buffered rows; on success the buffer is empty.
// Upserts (or inserts) go first, deletes after them, as in Flink. Each
// statement is retried on transient errors (sink.max-retries, backoff);
// statements are idempotent in upsert mode. Other errors fail the flush at
// once, naming the row (failure.go). In exactly-once mode rows go into the
// XA transaction and are not retried (a lost connection loses the
// transaction: the job fails over to the last checkpoint).
func (w *writer) flushLocked() error {
	w.lastFlush = time.Now()
	if w.buf.empty() {
		return nil
	}
	var ex execer = w.db
	retries := w.sink.cfg.maxRetries
	if w.xa != nil {
		c, err := w.xaBegin()
		if err != nil {
			return err
		}
		ex, retries = c, 0
	}
	w.order = w.buf.rows(w.order)
	w.ups, w.dels = w.ups[:0], w.dels[:0]
	for _, r := range w.order {
		if w.buf.kinds[r].IsAccumulate() {
			w.ups = append(w.ups, r)
		} else {
			w.dels = append(w.dels, r)
		}
	}
	var err error
	switch {
	case len(w.sink.cfg.pk) == 0:
		err = w.writeRows(ex, retries, w.ups, false)
	case w.safeUpsert:
		err = w.updateThenInsert(retries, w.ups)
	default:
		err = w.writeRows(ex, retries, w.ups, true)
	}
	if err == nil {
		err = w.deleteRows(ex, retries, w.dels)
	}
	if err != nil {
		return err
	}
	w.buf.reset()
	return nil
}

// writeRows inserts (or upserts) rows in multi-row statements.
func (w *writer) writeRows(ex execer, retries int, rows []int32, upsert bool) error {
	cols := w.buf.store.Cols
	bind := func(rows []int32) (string, []any) {
		w.args, w.arena.buf = w.args[:0], w.arena.buf[:0]
		for _, r := range rows {
			for _, v := range cols {
				w.args = appendArg(w.args, v, int(r), w.sink.cfg.db.Loc, &w.arena)
			}
		}
		if upsert {
			return UpsertSQL(w.sink.cfg.table, w.sink.cols, len(rows)), w.args
		}
		return InsertSQL(w.sink.cfg.table, w.sink.cols, len(rows)), w.args
	}
	return w.execChunks(ex, retries, rows, len(cols), false, bind)
}

// deleteRows deletes by key: "DELETE FROM t WHERE k=?" per row (batched
// into one round trip per key set of up to 1000 rows with an IN list).
func (w *writer) deleteRows(ex execer, retries int, rows []int32) error {
	pk := w.sink.cfg.pk
	cols := w.buf.store.Cols
	bind := func(rows []int32) (string, []any) {
		w.args, w.arena.buf = w.args[:0], w.arena.buf[:0]
		for _, r := range rows {
			for _, k := range pk {
				w.args = appendArg(w.args, cols[k], int(r), w.sink.cfg.db.Loc, &w.arena)
			}
		}
		return deleteInSQL(w.sink.cfg.table, w.sink.pkNames, len(rows)), w.args
	}
	return w.execChunks(ex, retries, rows, len(pk), true, bind)
}

// execChunks runs bind over rows in statements of as many rows as MySQL
// takes (ncols parameters each); del tells deletes from writes for the
// error (failure).
func (w *writer) execChunks(ex execer, retries int, rows []int32, ncols int, del bool, bind binder) error {
	per := rowsPerStatement(ncols, max(len(rows), 1))
	for len(rows) > 0 {
		n := min(per, len(rows))
		chunk := rows[:n]
		rows = rows[n:]
		q, args := bind(chunk)
		if err := w.exec(ex, retries, q, args); err != nil {
			return w.failure(ex, bind, chunk, del, retries, err)
		}
	}
	return nil
}

// deleteInSQL is DeleteSQL for n keys: "DELETE FROM t WHERE `k`=?" for one,
// "WHERE `k` IN (?,?)" or "WHERE (`a`,`b`) IN ((?,?),(?,?))" for more.
func deleteInSQL(table string, keys []string, n int) string {
	if n == 1 {
		return DeleteSQL(table, keys)
	}
	b := append([]byte("DELETE FROM "), Quote(table)...)
	b = append(b, " WHERE "...)
	if len(keys) > 1 {
		b = append(b, '(')
	}
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendQuoted(b, k)
	}
	if len(keys) > 1 {
		b = append(b, ')')
	}
	b = append(b, " IN "...)
	v := appendValues(nil, len(keys), n)
	v = v[len(" VALUES "):]
	if len(keys) == 1 {
		// "(?),(?)" → "(?,?)"
		b = append(b, '(')
		for i := 0; i < n; i++ {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, '?')
		}
		b = append(b, ')')
		return string(b)
	}
	b = append(b, '(')
	b = append(b, v...)
	b = append(b, ')')
	return string(b)
}

// updateThenInsert writes each row with UPDATE ... WHERE key, then INSERT
// when no row has the key; a conflict with another unique index fails
// with error 1062, reported.
func (w *writer) updateThenInsert(retries int, rows []int32) error {
	cols := w.buf.store.Cols
	upd := UpdateSQL(w.sink.cfg.table, w.sink.cols, w.sink.pkNames)
	ins := InsertSQL(w.sink.cfg.table, w.sink.cols, 1)
	for _, r := range rows {
		w.args, w.arena.buf = w.args[:0], w.arena.buf[:0]
		for _, v := range cols {
			w.args = appendArg(w.args, v, int(r), w.sink.cfg.db.Loc, &w.arena)
		}
		for _, k := range w.sink.cfg.pk {
			w.args = appendArg(w.args, cols[k], int(r), w.sink.cfg.db.Loc, &w.arena)
		}
		var res sql.Result
		err := withRetry(w.ctx, retries, func() error {
			st, err := w.stmt(upd)
			if err != nil {
				return err
			}
			res, err = st.ExecContext(w.ctx, w.args...)
			return err
		})
		if err != nil {
			return w.failure(w.db, nil, []int32{r}, false, retries, err)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			continue
		}
		err = w.exec(w.db, retries, ins, w.args[:len(cols)])
		if isMySQLError(err, erDupEntry) {
			// Another writer may have inserted the key since the UPDATE:
			// update once more; a conflict on another unique key stays.
			if st, serr := w.stmt(upd); serr == nil {
				if res, uerr := st.ExecContext(w.ctx, w.args...); uerr == nil {
					if n, _ := res.RowsAffected(); n > 0 {
						err = nil
					}
				}
			}
		}
		if err != nil {
			return w.failure(w.db, nil, []int32{r}, false, retries, err)
		}
	}
	return nil
}

// exec runs q with args, through a cached prepared statement when on the
// pool, retrying transient errors.
func (w *writer) exec(ex execer, retries int, q string, args []any) error {
	return withRetry(w.ctx, retries, func() error {
		var err error
		if db, ok := ex.(*sql.DB); ok && db == w.db {
			var st *sql.Stmt
			if st, err = w.stmt(q); err == nil {
				_, err = st.ExecContext(w.ctx, args...)
			}
		} else {
			_, err = ex.ExecContext(w.ctx, q, args...)
		}
		return err
	})
}

// stmt returns the prepared statement for q (database/sql prepares it
// again on each pooled connection it runs on). At most 16 are kept.
func (w *writer) stmt(q string) (*sql.Stmt, error) {
	if st, ok := w.stmts[q]; ok {
		return st, nil
	}
	if len(w.stmts) >= 16 {
		for k, st := range w.stmts {
			st.Close()
			delete(w.stmts, k)
		}
	}
	st, err := w.db.PrepareContext(w.ctx, q)
	if err != nil {
		return nil, err
	}
	w.stmts[q] = st
	return st, nil
}
