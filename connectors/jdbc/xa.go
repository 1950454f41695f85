package jdbc

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/flinkgo/engine/runtime"
)

// Exactly-once append ('sink.delivery-guarantee' = 'exactly-once', no
// primary key) with MySQL XA transactions, a two-phase commit whose
// committables (prepared XIDs) live in the checkpoint:
//
//   - the first flush after a checkpoint takes a fresh connection and runs
//     XA START '<xid>'; every flush until the next checkpoint writes into it;
//   - SnapshotState(n) flushes, runs XA END + XA PREPARE and closes that
//     connection (MySQL/MariaDB keep a prepared XA transaction after its
//     session ends, and a session cannot start another XA while one is
//     prepared); the XID goes into the state under checkpoint n;
//   - NotifyCheckpointComplete(n) runs XA COMMIT for every XID up to n;
//   - Open with restored state commits the XIDs the checkpoint holds (one
//     no longer prepared was committed before the failure; one still
//     attached to a dying session is waited for, see xaFinish), then
//     XA RECOVER and XA ROLLBACK of every other prepared XID of this sink:
//     what a failed attempt prepared after the checkpoint never shows. A
//     fresh start (no state) rolls back the sink's prepared XIDs as well;
//   - Close rolls back a transaction not prepared yet.
//
// XIDs are "fgo-<16 hex>-<subtask>-<n>" (see xaPrefix), n being the
// checkpoint id it will be prepared at (last checkpoint + 1), so they are
// deterministic, unique within the sink and recognisable after a crash.
// On restore, old subtask s's XIDs are handled by new subtask s % parallelism.
type xaState struct {
	prefix  string // "fgo-<16 hex>-"
	last    int64  // last checkpoint id snapshotted (or restored)
	conn    *sql.Conn
	active  string    // XID of the started, not yet prepared transaction
	pending []xaEntry // prepared, not yet committed; ascending
}

type xaEntry struct {
	checkpoint int64
	xid        string
}

// xaPrefix is "fgo-" and 16 hex digits of a hash of the operator id and
// the target table, so two jobs (or tests) writing different tables never
// touch each other's transactions.
func xaPrefix(operatorID, addr, db, table string) string {
	h := sha256.Sum256([]byte(operatorID + "\x00" + addr + "\x00" + db + "\x00" + table))
	return "fgo-" + hex.EncodeToString(h[:8]) + "-"
}

// parseXID returns the subtask of one of this sink's XIDs.
func (x *xaState) parseXID(xid string) (subtask int, ok bool) {
	rest, ok := strings.CutPrefix(xid, x.prefix)
	if !ok {
		return 0, false
	}
	s, _, ok := strings.Cut(rest, "-")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= 0
}

func xaLiteral(xid string) string { return "'" + xid + "'" }

// xaOpen restores: commit what the checkpoint holds, roll back the rest.
func (w *writer) xaOpen(ctx *runtime.OperatorContext) error {
	x := w.xa
	c := w.sink.cfg
	x.prefix = xaPrefix(ctx.OperatorID, c.db.Addr, c.db.DBName, c.table)
	states, sub, par := ctx.RestoredStates, w.subtask, w.par
	if len(states) == 0 && ctx.StateRestore != nil {
		states, sub, par = [][]byte{ctx.StateRestore}, 0, 1
	}
	for i, st := range states {
		if len(st) == 0 {
			continue
		}
		s, err := decodeXAState(st)
		if err != nil {
			return fmt.Errorf("%s: cannot restore the state of subtask %d: %w", w.name(), i, err)
		}
		x.last = max(x.last, s.last)
		if i%par != sub {
			continue
		}
		for _, e := range s.pending {
			if err := w.xaCommit(e.xid); err != nil {
				return err
			}
		}
	}
	return w.xaRollbackStrays()
}

// xaRollbackStrays rolls back every prepared XID of this sink whose old
// subtask maps to this one.
func (w *writer) xaRollbackStrays() error {
	xids, err := w.xaRecover()
	if err != nil {
		return fmt.Errorf("%s: XA RECOVER failed: %w; the user needs the XA_RECOVER_ADMIN privilege on MySQL 8", w.name(), err)
	}
	for _, xid := range xids {
		s, ok := w.xa.parseXID(xid)
		if !ok || s%w.par != w.subtask {
			continue
		}
		if err := w.xaFinish("ROLLBACK", xid); err != nil {
			return fmt.Errorf("cannot roll back the prepared XA transaction left by a failed attempt: %w", err)
		}
	}
	return nil
}

// xaBegin returns the connection of the open transaction, starting one.
func (w *writer) xaBegin() (*sql.Conn, error) {
	x := w.xa
	if x.conn != nil {
		return x.conn, nil
	}
	var c *sql.Conn
	err := withRetry(w.ctx, w.sink.cfg.maxRetries, func() error {
		var err error
		c, err = w.db.Conn(w.ctx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("%s: cannot open a connection for the XA transaction: %w", w.name(), err)
	}
	xid := x.prefix + strconv.Itoa(w.subtask) + "-" + strconv.FormatInt(x.last+1, 10)
	if _, err := c.ExecContext(w.ctx, "XA START "+xaLiteral(xid)); err != nil {
		discard(c)
		return nil, fmt.Errorf("%s: XA START %s failed: %w", w.name(), xid, err)
	}
	x.conn, x.active = c, xid
	return c, nil
}

// discard closes the physical connection (not back into the pool), which
// detaches a prepared XA transaction from it.
func discard(c *sql.Conn) {
	c.Raw(func(any) error { return driver.ErrBadConn })
	c.Close()
}

// xaPrepare ends and prepares the open transaction for checkpoint id.
func (w *writer) xaPrepare(id int64) error {
	x := w.xa
	x.last = max(x.last, id)
	if x.conn == nil {
		return nil
	}
	c, xid := x.conn, x.active
	x.conn, x.active = nil, ""
	defer discard(c)
	if _, err := c.ExecContext(w.ctx, "XA END "+xaLiteral(xid)); err != nil {
		return fmt.Errorf("%s: XA END %s failed: %w", w.name(), xid, err)
	}
	if _, err := c.ExecContext(w.ctx, "XA PREPARE "+xaLiteral(xid)); err != nil {
		return fmt.Errorf("%s: XA PREPARE %s failed: %w", w.name(), xid, err)
	}
	x.pending = append(x.pending, xaEntry{checkpoint: id, xid: xid})
	return nil
}

// xaCommitUpTo commits every prepared transaction of checkpoints ≤ id.
func (w *writer) xaCommitUpTo(id int64) error {
	x := w.xa
	n := 0
	for n < len(x.pending) && x.pending[n].checkpoint <= id {
		if err := w.xaCommit(x.pending[n].xid); err != nil {
			x.pending = append(x.pending[:0], x.pending[n:]...)
			return err
		}
		n++
	}
	x.pending = append(x.pending[:0], x.pending[n:]...)
	return nil
}

// xaCommit commits a prepared XID (see xaFinish).
func (w *writer) xaCommit(xid string) error { return w.xaFinish("COMMIT", xid) }

// xaFinish runs XA COMMIT or XA ROLLBACK of a prepared XID. MySQL and
// MariaDB answer XAER_NOTA (unknown XID) both when the XID is gone
// (committed or rolled back before, e.g. before a failure) and when it is
// still attached to a session that has not ended yet (the session that
// prepared it, being closed, or a killed process's connection the server
// has not noticed as dead). XA RECOVER tells them apart: a listed XID is
// retried until connection.max-retry-timeout, an unlisted one is done.
func (w *writer) xaFinish(op, xid string) error {
	deadline := time.Now().Add(w.sink.cfg.connectTimeout)
	for attempt := 1; ; attempt++ {
		err := withRetry(w.ctx, w.sink.cfg.maxRetries, func() error {
			_, err := w.db.ExecContext(w.ctx, "XA "+op+" "+xaLiteral(xid))
			return err
		})
		if err == nil {
			return nil
		}
		if !isMySQLError(err, erXAERNota) && !isMySQLError(err, erXAERRmfail) {
			return fmt.Errorf("%s: XA %s %s failed: %w", w.name(), op, xid, err)
		}
		listed, lerr := w.xaListed(xid)
		if lerr != nil {
			return fmt.Errorf("%s: XA %s %s failed: %w; XA RECOVER failed too: %v", w.name(), op, xid, err, lerr)
		}
		if !listed {
			return nil // finished before
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: XA %s %s: the transaction stays attached to another session for longer than 'connection.max-retry-timeout' (%v): %w",
				w.name(), op, xid, w.sink.cfg.connectTimeout, err)
		}
		if !sleep(w.ctx, min(time.Duration(attempt)*20*time.Millisecond, 500*time.Millisecond)) {
			return w.ctx.Err()
		}
	}
}

// xaRecover lists the prepared XIDs (gtrid) on the server.
func (w *writer) xaRecover() ([]string, error) {
	var xids []string
	err := withRetry(w.ctx, w.sink.cfg.maxRetries, func() error {
		xids = xids[:0]
		rows, err := w.db.QueryContext(w.ctx, "XA RECOVER")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var format, glen, blen int
			var data []byte
			if err := rows.Scan(&format, &glen, &blen, &data); err != nil {
				return err
			}
			if glen <= len(data) {
				xids = append(xids, string(data[:glen]))
			}
		}
		return rows.Err()
	})
	return xids, err
}

func (w *writer) xaListed(xid string) (bool, error) {
	xids, err := w.xaRecover()
	for _, x := range xids {
		if x == xid {
			return true, err
		}
	}
	return false, err
}

// xaAbortActive rolls back the open, unprepared transaction.
func (w *writer) xaAbortActive() error {
	x := w.xa
	if x == nil || x.conn == nil {
		return nil
	}
	c, xid := x.conn, x.active
	x.conn, x.active = nil, ""
	ctx, cancel := context.WithTimeout(context.WithoutCancel(w.ctx), 5*time.Second)
	defer cancel()
	defer discard(c)
	// Errors are ignored: the session ends right after, and the server
	// rolls back an unprepared XA transaction of a closed session.
	if _, err := c.ExecContext(ctx, "XA END "+xaLiteral(xid)); err == nil {
		c.ExecContext(ctx, "XA ROLLBACK "+xaLiteral(xid))
	}
	return nil
}

// XA state layout (encoding/binary varints), format 1:
//
//	byte     0x01        format version
//	uvarint  subtask     the writer's subtask
//	varint   last        last checkpoint id it snapshotted
//	uvarint  n           prepared, uncommitted transactions, ascending
//	n × { varint checkpoint; uvarint len; bytes xid }
const xaStateV1 = 1

func (x *xaState) encode(subtask int) []byte {
	b := []byte{xaStateV1}
	b = binary.AppendUvarint(b, uint64(subtask))
	b = binary.AppendVarint(b, x.last)
	b = binary.AppendUvarint(b, uint64(len(x.pending)))
	for _, e := range x.pending {
		b = binary.AppendVarint(b, e.checkpoint)
		b = binary.AppendUvarint(b, uint64(len(e.xid)))
		b = append(b, e.xid...)
	}
	return b
}

var errCorrupt = errors.New("corrupt state")

func decodeXAState(b []byte) (*xaState, error) {
	if len(b) == 0 || b[0] != xaStateV1 {
		return nil, errCorrupt
	}
	b = b[1:]
	next := func(signed bool) (int64, bool) {
		var v int64
		var k int
		if signed {
			v, k = binary.Varint(b)
		} else {
			var u uint64
			u, k = binary.Uvarint(b)
			v = int64(u)
		}
		if k <= 0 {
			return 0, false
		}
		b = b[k:]
		return v, true
	}
	if _, ok := next(false); !ok {
		return nil, errCorrupt
	}
	s := &xaState{}
	var ok bool
	if s.last, ok = next(true); !ok {
		return nil, errCorrupt
	}
	n, ok := next(false)
	if !ok || n < 0 || n > int64(len(b)) {
		return nil, errCorrupt
	}
	for i := int64(0); i < n; i++ {
		cp, ok1 := next(true)
		l, ok2 := next(false)
		if !ok1 || !ok2 || l < 0 || l > 128 || l > int64(len(b)) {
			return nil, errCorrupt
		}
		xid := string(b[:l])
		b = b[l:]
		for j := 0; j < len(xid); j++ {
			c := xid[j]
			if !(c == '-' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
				return nil, errCorrupt
			}
		}
		s.pending = append(s.pending, xaEntry{checkpoint: cp, xid: xid})
	}
	if len(b) != 0 {
		return nil, errCorrupt
	}
	return s, nil
}
