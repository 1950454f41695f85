package jdbc

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/flinkgo/engine/connectors"
	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/types"
)

var _ connectors.LookupSource = (*source)(nil)

// NewLookuper implements connectors.LookupSource.
func (s *source) NewLookuper(subtask, parallelism int, keyColumns, projection []int) (connectors.Lookuper, error) {
	c := s.cfg
	if len(keyColumns) == 0 {
		return nil, fmt.Errorf("jdbc lookup of table %s: no key columns", c.name)
	}
	l := &lookuper{cfg: c}
	for _, p := range projection {
		if p < 0 || p >= len(c.columns) {
			return nil, fmt.Errorf("jdbc lookup of table %s: projection index %d out of range", c.name, p)
		}
		l.projNames = append(l.projNames, c.columns[p].Name)
		l.projTypes = append(l.projTypes, c.columns[p].Type)
	}
	for _, k := range keyColumns {
		if k < 0 || k >= len(c.columns) {
			return nil, fmt.Errorf("jdbc lookup of table %s: key column index %d out of range", c.name, k)
		}
		l.keyNames = append(l.keyNames, c.columns[k].Name)
		l.keyTypes = append(l.keyTypes, c.columns[k].Type)
	}
	return l, nil
}

// lookuper queries the keys of one input batch with one
// "SELECT <projection>, <keys> FROM t WHERE (<keys>) IN (...)" per up to
// 1000 distinct keys not in the cache, retried lookup.max-retries times on
// transient errors. Values compare as the engine compares them (a
// case-insensitive collation can make MySQL return rows whose key differs
// in case: those do not match).
type lookuper struct {
	cfg       *config
	projNames []string
	projTypes []*types.Type
	keyNames  []string
	keyTypes  []*types.Type

	ctx   context.Context
	clock runtime.Clock
	db    *sql.DB
	cache *partialCache // nil: lookup.cache = NONE

	// scratch, reused per call
	keyIdx  []int
	keyBuf  []byte
	ents    []*lookupEntry     // per input row
	missing map[string]int     // key -> index into missRow
	missRow []int              // an input row of each missing key
	missEnt []*lookupEntry     // entry of each missing key
	args    []any              //
	arena   argArena           //
	raw     []sql.RawBytes     //
	dests   []any              //
	result  *types.Batch       // projection + key columns of fetched rows
	byKey   map[string][]int32 // fetched rows per key
	stmts   map[int]*sql.Stmt  // by number of keys
}

func (l *lookuper) name() string { return "jdbc lookup of table " + l.cfg.name }

func (l *lookuper) Open(ctx *runtime.OperatorContext) error {
	l.ctx, l.clock = ctx.Ctx, ctx.Clock
	if l.ctx == nil {
		l.ctx = context.Background()
	}
	if l.clock == nil {
		l.clock = runtime.SystemClock{}
	}
	db, err := openDB(l.ctx, l.cfg.db, l.cfg.connectTimeout, l.name())
	if err != nil {
		return err
	}
	l.db = db
	if l.cfg.cachePartial {
		l.cache = newPartialCache(l.cfg)
	}
	for i := range l.keyNames {
		l.keyIdx = append(l.keyIdx, i)
	}
	l.missing = map[string]int{}
	l.byKey = map[string][]int32{}
	l.stmts = map[int]*sql.Stmt{}
	n := len(l.projNames) + len(l.keyNames)
	l.raw = make([]sql.RawBytes, n)
	l.dests = make([]any, n)
	for i := range l.raw {
		l.dests[i] = &l.raw[i]
	}
	l.result = types.NewBatch(append(append([]*types.Type(nil), l.projTypes...), l.keyTypes...), 64)
	return nil
}

func (l *lookuper) Lookup(keys []*types.Vector, n int, out *types.Batch, from []int32) ([]int32, error) {
	if len(keys) != len(l.keyNames) {
		return from, fmt.Errorf("%s: %d key vectors for %d key columns", l.name(), len(keys), len(l.keyNames))
	}
	now := l.clock.NowMillis()
	l.ents = l.ents[:0]
	clear(l.missing)
	l.missRow, l.missEnt = l.missRow[:0], l.missEnt[:0]
	for i := 0; i < n; i++ {
		null := false
		for _, k := range keys {
			if k.IsNull(i) {
				null = true
				break
			}
		}
		if null {
			l.ents = append(l.ents, nil)
			continue
		}
		l.keyBuf = encodeKey(l.keyBuf[:0], keys, l.keyIdx, i)
		var e *lookupEntry
		if l.cache != nil {
			e = l.cache.get(l.keyBuf, now)
		}
		if e == nil {
			if m, ok := l.missing[string(l.keyBuf)]; ok {
				e = l.missEnt[m]
			} else {
				e = &lookupEntry{key: string(l.keyBuf)}
				l.missing[e.key] = len(l.missRow)
				l.missRow = append(l.missRow, i)
				l.missEnt = append(l.missEnt, e)
			}
		}
		l.ents = append(l.ents, e)
	}
	if len(l.missRow) > 0 {
		if err := l.fetch(keys); err != nil {
			return from, err
		}
		if l.cache != nil {
			for _, e := range l.missEnt {
				l.cache.put(e, now)
			}
		}
	}
	for i, e := range l.ents {
		if e == nil || e.rows == nil {
			continue
		}
		for r := 0; r < e.rows.Len; r++ {
			for c, v := range out.Cols {
				v.AppendFrom(e.rows.Cols[c], r)
			}
			out.AppendKind(types.Insert)
			out.Len++
			from = append(from, int32(i))
		}
	}
	return from, nil
}

// fetch queries the missing keys and fills their entries.
func (l *lookuper) fetch(keys []*types.Vector) error {
	per := rowsPerStatement(len(l.keyNames), len(l.missRow))
	np := len(l.projNames)
	for start := 0; start < len(l.missRow); start += per {
		chunk := l.missRow[start:min(start+per, len(l.missRow))]
		l.args, l.arena.buf = l.args[:0], l.arena.buf[:0]
		for _, i := range chunk {
			for _, k := range keys {
				l.args = appendArg(l.args, k, i, l.cfg.db.Loc, &l.arena)
			}
		}
		l.result.Reset()
		clear(l.byKey)
		err := withRetry(l.ctx, l.cfg.lookupRetries, func() error {
			l.result.Reset()
			st, err := l.stmt(len(chunk))
			if err != nil {
				return err
			}
			rows, err := st.QueryContext(l.ctx, l.args...)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				if err := rows.Scan(l.dests...); err != nil {
					return err
				}
				for c, v := range l.result.Cols {
					if err := appendText(v, l.raw[c], l.cfg.db.Loc); err != nil {
						return fmt.Errorf("column %s: %w", Quote(l.colName(c)), err)
					}
				}
				l.result.Len++
			}
			return rows.Err()
		})
		if err != nil {
			return fmt.Errorf("%s: lookup of %d keys in %s failed (after %d retries): %w", l.name(), len(chunk), Quote(l.cfg.table), l.cfg.lookupRetries, err)
		}
		for r := 0; r < l.result.Len; r++ {
			l.keyBuf = encodeKeyAt(l.keyBuf[:0], l.result.Cols, np, len(l.keyNames), r)
			if _, ok := l.missing[string(l.keyBuf)]; !ok {
				continue // a collation match whose bytes differ: not equal for the engine
			}
			k := string(l.keyBuf)
			l.byKey[k] = append(l.byKey[k], int32(r))
		}
		for m := start; m < start+len(chunk); m++ {
			e := l.missEnt[m]
			rs := l.byKey[e.key]
			if len(rs) == 0 {
				continue
			}
			e.rows = types.NewBatch(l.projTypes, len(rs))
			for _, r := range rs {
				for c := range e.rows.Cols {
					e.rows.Cols[c].AppendFrom(l.result.Cols[c], int(r))
				}
				e.rows.Len++
			}
		}
	}
	return nil
}

func (l *lookuper) colName(c int) string {
	if c < len(l.projNames) {
		return l.projNames[c]
	}
	return l.keyNames[c-len(l.projNames)]
}

// encodeKeyAt is encodeKey over the n columns starting at first.
func encodeKeyAt(dst []byte, cols []*types.Vector, first, n, row int) []byte {
	return encodeKey(dst, cols[first:first+n], seq(n), row)
}

var seqs = [...]int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}

func seq(n int) []int {
	if n <= len(seqs) {
		return seqs[:n]
	}
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

// stmt returns the prepared lookup query for n keys.
func (l *lookuper) stmt(n int) (*sql.Stmt, error) {
	if st, ok := l.stmts[n]; ok {
		return st, nil
	}
	if len(l.stmts) >= 8 {
		for k, st := range l.stmts {
			st.Close()
			delete(l.stmts, k)
		}
	}
	cols := append(append([]string(nil), l.projNames...), l.keyNames...)
	var where []byte
	where = append(where, "WHERE "...)
	if len(l.keyNames) > 1 {
		where = append(where, '(')
	}
	for i, k := range l.keyNames {
		if i > 0 {
			where = append(where, ',')
		}
		where = appendQuoted(where, k)
	}
	if len(l.keyNames) > 1 {
		where = append(where, ')')
	}
	where = append(where, " IN ("...)
	if len(l.keyNames) == 1 {
		for i := 0; i < n; i++ {
			if i > 0 {
				where = append(where, ',')
			}
			where = append(where, '?')
		}
	} else {
		where = append(where, appendValues(nil, len(l.keyNames), n)[len(" VALUES "):]...)
	}
	where = append(where, ')')
	st, err := l.db.PrepareContext(l.ctx, SelectSQL(l.cfg.table, cols, string(where)))
	if err != nil {
		return nil, err
	}
	l.stmts[n] = st
	return st, nil
}

func (l *lookuper) Close() error {
	for _, st := range l.stmts {
		st.Close()
	}
	l.stmts = nil
	if l.db != nil {
		err := l.db.Close()
		l.db = nil
		return err
	}
	return nil
}

// cacheStats reports hits and misses (tests).
func (l *lookuper) cacheStats() (hits, misses int64) {
	if l.cache == nil {
		return 0, 0
	}
	return l.cache.hits, l.cache.misses
}
