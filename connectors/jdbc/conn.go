package jdbc

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/go-sql-driver/mysql"
)

// MySQL server error numbers the connector acts on.
const (
	erDupEntry       = 1062 // ER_DUP_ENTRY: duplicate key on a unique index
	erXAERNota       = 1397 // XAER_NOTA: unknown XID
	erXAERRmfail     = 1399 // XAER_RMFAIL: wrong XA state
	erLockWait       = 1205
	erDeadlock       = 1213
	erConCount       = 1040 // too many connections
	erServerShutdown = 1053
	erConnKilled     = 1927
	erQueryKilled    = 1317
	erReadOnly       = 1290 // --read-only (a failover in progress)
	erNoSuchTable    = 1146
	erServerGone     = 2006 // CR_SERVER_GONE_ERROR, as a proxy may send it
	erServerLost     = 2013 // CR_SERVER_LOST, likewise
)

// openDB opens a connection pool for cfg and checks it answers, retrying
// for up to timeout (connection.max-retry-timeout). The DSN is never
// printed: errors name the address, database and user only.
func openDB(ctx context.Context, cfg *mysql.Config, timeout time.Duration, what string) (*sql.DB, error) {
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, fmt.Errorf("%s: invalid connection settings for %s: %w", what, target(cfg), err)
	}
	db := sql.OpenDB(conn)
	deadline := time.Now().Add(timeout)
	delay := 100 * time.Millisecond
	for {
		pctx, cancel := context.WithTimeout(ctx, min(timeout, 10*time.Second))
		err = db.PingContext(pctx)
		cancel()
		if err == nil {
			return db, nil
		}
		if !transient(err) || time.Now().Add(delay).After(deadline) || ctx.Err() != nil {
			db.Close()
			return nil, fmt.Errorf("%s: cannot connect to %s (retried for up to %v, 'connection.max-retry-timeout'): %w; check that the server runs and the url, username and password are right",
				what, target(cfg), timeout, err)
		}
		if !sleep(ctx, delay) {
			db.Close()
			return nil, ctx.Err()
		}
		delay = min(delay*2, 2*time.Second)
	}
}

// target describes the server without the password.
func target(cfg *mysql.Config) string {
	s := "mysql://"
	if cfg.User != "" {
		s += cfg.User + "@"
	}
	return s + cfg.Addr + "/" + cfg.DBName
}

// transient reports errors worth retrying: lost or refused connections,
// lock wait timeouts, deadlocks, a server shutting down or full. Any other
// MySQL error is not: retrying cannot fix it (see failure.go).
func transient(err error) bool {
	if err == nil {
		return false
	}
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		switch me.Number {
		case erLockWait, erDeadlock, erConCount, erServerShutdown, erConnKilled, erQueryKilled, erReadOnly, erServerGone, erServerLost:
			return true
		}
		return false
	}
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, mysql.ErrInvalidConn) || errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, sql.ErrConnDone) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		return true
	}
	return strings.Contains(err.Error(), "bad connection") || strings.Contains(err.Error(), "connection refused")
}

// isMySQLError reports whether err is the server error number n.
func isMySQLError(err error, n uint16) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && me.Number == n
}

// sleep waits d or until ctx is done; it reports false when ctx ended.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// backoff is the wait before retry attempt (1-based): 200 ms doubling, at
// most 5 s.
func backoff(attempt int) time.Duration {
	d := 200 * time.Millisecond
	for i := 1; i < attempt && d < 5*time.Second; i++ {
		d *= 2
	}
	return min(d, 5*time.Second)
}

// withRetry runs f, retrying transient errors up to retries times with
// backoff; the last error is returned.
func withRetry(ctx context.Context, retries int, f func() error) error {
	var err error
	for attempt := 0; ; attempt++ {
		if err = f(); err == nil || !transient(err) || attempt >= retries {
			return err
		}
		if !sleep(ctx, backoff(attempt+1)) {
			return err
		}
	}
}
