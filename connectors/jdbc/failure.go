package jdbc

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/go-sql-driver/mysql"

	"github.com/flinkgo/engine/connectors"
	"github.com/flinkgo/engine/runtime/types"
)

// A failed write of the sink. Transient errors (transient, conn.go) are
// retried up to 'sink.max-retries' by the statement's withRetry; any other
// error fails the flush at once, since retrying cannot fix it. The error
// names the table, the column when MySQL names one, and for an error
// caused by one row's values (rowError) that row: by its primary key for
// an upsert sink ("id=42"), by its first columns without one. Which row of
// a multi-row statement failed is found by bisection (culprit).
//
// The message starts with Flink's JdbcOutputFormat wording, "Writing
// records to JDBC failed.".

// MySQL error numbers failures are told apart by (see also conn.go).
const (
	erBadNull             = 1048 // Column 'c' cannot be null
	erBadField            = 1054 // Unknown column 'c' in 'field list'
	erOutOfRange          = 1264 // Out of range value for column 'c' at row n
	erDataTruncated       = 1265 // Data truncated for column 'c' at row n
	erTruncatedWrongValue = 1292 // Incorrect datetime value: 'x' for column 'c' at row n
	erWrongValueForField  = 1366 // Incorrect integer value: 'x' for column 'c' at row n
	erDataTooLong         = 1406 // Data too long for column 'c' at row n
	erRowIsReferenced     = 1451 // a foreign key of another table references the row
	erNoReferencedRow     = 1452 // the row's foreign key references no row
	erCheckViolated       = 3819 // MySQL 8: Check constraint 'x' is violated.
	erConstraintFailed    = 4025 // MariaDB: CONSTRAINT `x` failed for `db`.`t`
	erTableAccessDenied   = 1142
	erDBAccessDenied      = 1044
	erAccessDenied        = 1045
)

// rowError reports a MySQL error caused by the values of one row (too
// long, out of range, NULL for NOT NULL, a duplicate or foreign key, a
// CHECK constraint), as opposed to one of the statement (no such table or
// column, no privilege, syntax).
func rowError(err error) bool {
	var me *mysql.MySQLError
	if !errors.As(err, &me) {
		return false
	}
	switch me.Number {
	case erBadNull, erOutOfRange, erDataTruncated, erTruncatedWrongValue, erWrongValueForField, erDataTooLong,
		erDupEntry, erRowIsReferenced, erNoReferencedRow, erCheckViolated, erConstraintFailed:
		return true
	}
	return false
}

// binder binds rows as one statement: its SQL and its arguments, which
// stay valid until the next call.
type binder func(rows []int32) (string, []any)

// failure is the error of a flush whose statement over rows (bound by
// bind) failed with err, after retries retries when err is transient.
// del tells deletes from writes.
func (w *writer) failure(ex execer, bind binder, rows []int32, del bool, retries int, err error) error {
	if errors.Is(err, context.Canceled) {
		return err
	}
	table := Quote(w.sink.cfg.table)
	what := fmt.Sprintf("write %d row(s) into %s", len(rows), table)
	if del {
		what = fmt.Sprintf("delete %d row(s) from %s", len(rows), table)
	}
	head := w.name() + ": Writing records to JDBC failed. Cannot "
	if transient(err) {
		if w.xa != nil {
			return fmt.Errorf("%s%s in the XA transaction (not retried: the job restarts from the last checkpoint): %w", head, what, err)
		}
		return fmt.Errorf("%s%s after %d retries ('sink.max-retries'): %w", head, what, retries, err)
	}
	var me *mysql.MySQLError
	if !errors.As(err, &me) {
		return fmt.Errorf("%s%s: %w", head, what, err)
	}
	if rowError(err) {
		if r, rerr := w.culprit(ex, bind, rows, err); rerr != nil {
			errors.As(rerr, &me)
			what = "write the row " + w.describeRow(r) + " into " + table
			if del {
				what = "delete the row " + w.describeRow(r) + " from " + table
			}
		}
	}
	if c := w.columnOf(me.Message); c != "" {
		what += ", column " + Quote(c)
	}
	return fmt.Errorf("%s%s: %w%s. Not retried: retrying cannot fix this error", head, what, shownError{me}, w.hint(me))
}

// hint explains the errors users cause by their setup.
func (w *writer) hint(me *mysql.MySQLError) string {
	table := Quote(w.sink.cfg.table)
	switch me.Number {
	case erDupEntry:
		if len(w.sink.pkNames) > 0 {
			return fmt.Sprintf("; the row conflicts with a unique key of %s other than the declared PRIMARY KEY (%s): "+
				"make the declared PRIMARY KEY match the table's, or drop the other unique index", table, strings.Join(w.sink.pkNames, ", "))
		}
		return fmt.Sprintf("; the row conflicts with a unique key of %s, and the Flink table has no PRIMARY KEY, so rows are only inserted: "+
			"declare the key as PRIMARY KEY (...) NOT ENFORCED to write upserts", table)
	case erNoSuchTable:
		return fmt.Sprintf("; the table %s does not exist in database %s: create it first", table, Quote(w.sink.cfg.db.DBName))
	case erBadField:
		return fmt.Sprintf("; declare only columns the table %s has", table)
	case erTableAccessDenied, erDBAccessDenied, erAccessDenied:
		return fmt.Sprintf("; the sink needs the INSERT, UPDATE and DELETE privileges on %s", table)
	}
	return ""
}

// culprit finds the row of rows at which the statement bind(rows) failed
// with the row error err. It bisects: the first half of the rows left is
// executed; on success the culprit is in the second half, on a row error
// in the first. It runs in a transaction rolled back at the end, so
// finding the row writes nothing (on transactional tables), and the
// transaction holds the rows before the half tried, so a row conflicting
// with an earlier row of the same statement is found too. In exactly-once
// mode it runs in the XA transaction, which the failed flush dooms (it is
// rolled back in Close, never prepared). It returns the row and the error
// of the smallest failing statement, or a nil error when it cannot tell
// (a transient error meanwhile).
func (w *writer) culprit(ex execer, bind binder, rows []int32, err error) (row int32, rowErr error) {
	if len(rows) == 1 {
		return rows[0], err
	}
	if db, pooled := ex.(*sql.DB); pooled {
		tx, terr := db.BeginTx(w.ctx, nil)
		if terr != nil {
			return 0, nil
		}
		defer tx.Rollback()
		ex = tx
	}
	for len(rows) > 1 {
		h := len(rows) / 2
		q, args := bind(rows[:h])
		_, herr := ex.ExecContext(w.ctx, q, args...)
		switch {
		case herr == nil:
			rows = rows[h:]
		case rowError(herr):
			rows, err = rows[:h], herr
		default:
			return 0, nil
		}
	}
	return rows[0], err
}

// Row descriptions cut values to maxValueBytes and show at most
// maxRowColumns columns of a row without primary key.
const (
	maxValueBytes = 32
	maxRowColumns = 3
)

// describeRow renders buffered row r for a message: "with id=42" (the
// primary key) for an upsert sink, else its first columns, "(id=7,
// v='abc', …)". Long values are cut; a column whose name is sensitive
// (password, secret, token, ...) shows ******.
func (w *writer) describeRow(r int32) string {
	keyed := len(w.sink.cfg.pk) > 0
	cols := w.sink.cfg.pk
	if !keyed {
		cols = make([]int, min(len(w.sink.cols), maxRowColumns))
		for i := range cols {
			cols[i] = i
		}
	}
	b := []byte("with ")
	if !keyed {
		b = []byte("(")
	}
	for i, c := range cols {
		if i > 0 {
			b = append(b, ", "...)
		}
		name := w.sink.cols[c]
		b = append(b, name...)
		b = append(b, '=')
		if connectors.IsSensitiveKey(name) {
			b = append(b, connectors.Masked...)
		} else {
			b = appendShortValue(b, w.buf.store.Cols[c], int(r))
		}
	}
	if !keyed {
		if len(cols) < len(w.sink.cols) {
			b = append(b, ", …"...)
		}
		b = append(b, ')')
	}
	return string(b)
}

// appendShortValue appends row i of v as SQL text, strings and temporal
// values in quotes, secrets in URLs masked, cut after maxValueBytes with
// "…".
func appendShortValue(b []byte, v *types.Vector, i int) []byte {
	if v.IsNull(i) {
		return append(b, "NULL"...)
	}
	s := []byte(connectors.MaskURL(string(types.AppendValue(nil, v, i, types.StyleSQL))))
	if len(s) > maxValueBytes {
		n := maxValueBytes
		for n > 0 && !utf8.RuneStart(s[n]) {
			n--
		}
		s = append(s[:n], "…"...)
	}
	switch v.Type.Kind {
	case types.KindChar, types.KindVarChar, types.KindDate, types.KindTime, types.KindTimestamp, types.KindTimestampLTZ:
		b = append(b, '\'')
		b = append(b, s...)
		return append(b, '\'')
	}
	return append(b, s...)
}

// columnOf returns the sink column a MySQL message names: "for column
// 'v'", "Column 'v' cannot be null", MariaDB's "for column `db`.`t`.`v`".
// The word is searched from the end, since a quoted value comes before
// it ("Incorrect integer value: 'x' for column 'c'"); a name that is not a
// column of the sink is passed over; "" when there is none.
func (w *writer) columnOf(msg string) string {
	lower := strings.ToLower(msg)
	for end := len(lower); ; {
		i := strings.LastIndex(lower[:end], "column ")
		if i < 0 {
			return ""
		}
		end = i
		name := quotedName(msg[i+len("column "):])
		for _, c := range w.sink.cols {
			if name != "" && strings.EqualFold(c, name) {
				return c
			}
		}
	}
}

// quotedName returns the last part of the quoted, possibly qualified name
// at the start of s: 'v', `v` or `db`.`t`.`v`; "" when s starts otherwise.
func quotedName(s string) string {
	name := ""
	for len(s) > 0 && (s[0] == '\'' || s[0] == '`') {
		end := strings.IndexByte(s[1:], s[0])
		if end < 0 {
			return ""
		}
		name, s = s[1:1+end], s[2+end:]
		if len(s) == 0 || s[0] != '.' {
			break
		}
		s = s[1:]
	}
	return name
}

// shownError is a MySQL error as the sink shows it: without the trailing
// " at row n" (its position in a multi-row statement, while the message
// names the row itself) and with secrets in URLs masked.
type shownError struct{ *mysql.MySQLError }

func (e shownError) Error() string {
	m := e.Message
	if i := strings.LastIndex(m, " at row "); i >= 0 && len(m) > i+len(" at row ") && strings.Trim(m[i+len(" at row "):], "0123456789") == "" {
		m = m[:i]
	}
	return (&mysql.MySQLError{Number: e.Number, SQLState: e.SQLState, Message: connectors.MaskURL(m)}).Error()
}

func (e shownError) Unwrap() error { return e.MySQLError }
