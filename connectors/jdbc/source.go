package jdbc

import (
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/flinkgo/engine/connectors"
	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/types"
)

// source is a planned bounded scan of one MySQL table (and the factory of
// its lookupers, lookup.go).
type source struct{ cfg *config }

func (s *source) Bounded() bool                           { return true }
func (s *source) ChangelogMode() connectors.ChangelogMode { return connectors.InsertOnly }
func (s *source) Parallelism() int                        { return 0 }

func (s *source) NewReader(subtask, parallelism int, projection []int) (runtime.SourceReader, error) {
	if parallelism < 1 || subtask < 0 || subtask >= parallelism {
		return nil, fmt.Errorf("jdbc source of table %s: invalid subtask %d of %d", s.cfg.name, subtask, parallelism)
	}
	r := &reader{cfg: s.cfg, subtask: subtask, par: parallelism}
	for _, p := range projection {
		if p < 0 || p >= len(s.cfg.columns) {
			return nil, fmt.Errorf("jdbc source of table %s: projection index %d out of range", s.cfg.name, p)
		}
		r.cols = append(r.cols, s.cfg.columns[p].Name)
		r.colTypes = append(r.colTypes, s.cfg.columns[p].Type)
	}
	for j := 0; j < s.numPartitions(); j++ {
		if j%parallelism == subtask {
			r.todo = append(r.todo, partPos{part: j})
		}
	}
	return r, nil
}

func (s *source) numPartitions() int { return max(s.cfg.partNum, 1) }

// PartitionRanges splits [lower, upper] into n ranges as Flink's
// JdbcNumericBetweenParametersProvider does: sizes differ by at most one,
// the larger ones first.
func PartitionRanges(lower, upper int64, n int) [][2]int64 {
	count := uint64(upper-lower) + 1
	if uint64(n) > count {
		n = int(count)
	}
	size := (count + uint64(n) - 1) / uint64(n)
	big := count - (size-1)*uint64(n) // ranges of full size
	out := make([][2]int64, 0, n)
	start := lower
	for i := 0; i < n; i++ {
		l := size
		if uint64(i) >= big {
			l--
		}
		end := start + int64(l) - 1
		out = append(out, [2]int64{start, end})
		start = end + 1
	}
	return out
}

// partitionWhere is the WHERE clause of partition j. Unlike Flink, the first
// partition also takes NULLs and values below the lower bound and the last
// one values above the upper bound, so every row is read exactly once
// whatever the bounds.
func (s *source) partitionWhere(j int) string {
	c := s.cfg
	if c.partNum == 0 {
		return ""
	}
	rs := PartitionRanges(c.partLower, c.partUpper, c.partNum)
	col := Quote(c.partCol)
	if j >= len(rs) { // more partitions than values: empty
		return "WHERE FALSE"
	}
	lo, hi := strconv.FormatInt(rs[j][0], 10), strconv.FormatInt(rs[j][1], 10)
	first, last := j == 0, j == len(rs)-1
	switch {
	case first && last:
		return ""
	case first:
		return "WHERE (" + col + " <= " + hi + " OR " + col + " IS NULL)"
	case last:
		return "WHERE " + col + " >= " + lo
	}
	return "WHERE " + col + " BETWEEN " + lo + " AND " + hi
}

// orderBy makes the order of a partition's rows repeatable so a restore can
// skip the rows already emitted: by the declared primary key when there is
// one; otherwise the storage order (InnoDB's clustered index) is relied on.
func (s *source) orderBy() string {
	if len(s.cfg.pk) == 0 {
		return ""
	}
	keys := make([]string, len(s.cfg.pk))
	for i, k := range s.cfg.pk {
		keys[i] = Quote(s.cfg.columns[k].Name)
	}
	return " ORDER BY " + strings.Join(keys, ", ")
}

// partPos is a partition still to read and how many of its rows were
// already emitted.
type partPos struct {
	part int
	done int64
}

// reader reads one subtask's partitions (partition j goes to subtask
// j % parallelism), one query per partition, streaming its rows.
//
// State: the partitions not finished and, for each, the rows emitted so
// far. A restore (at any parallelism) re-runs the query of an unfinished
// partition and skips the emitted rows, so the granularity is one row
// provided the table did not change (see orderBy).
type reader struct {
	cfg      *config
	subtask  int
	par      int
	cols     []string
	colTypes []*types.Type

	ctx   context.Context
	db    *sql.DB
	todo  []partPos // todo[0] is being read when rows != nil
	rows  *sql.Rows
	raw   []sql.RawBytes
	dests []any
}

func (r *reader) name() string { return "jdbc source of table " + r.cfg.name }

func (r *reader) Open(ctx *runtime.OperatorContext) error {
	r.ctx = ctx.Ctx
	if r.ctx == nil {
		r.ctx = context.Background()
	}
	states := ctx.RestoredStates
	if len(states) == 0 && ctx.StateRestore != nil {
		states = [][]byte{ctx.StateRestore}
	}
	if len(states) > 0 {
		var all []partPos
		for i, st := range states {
			if st == nil {
				continue
			}
			ps, err := decodeScanState(st)
			if err != nil {
				return fmt.Errorf("%s: cannot restore the state of subtask %d: %w", r.name(), i, err)
			}
			all = append(all, ps...)
		}
		sort.Slice(all, func(i, j int) bool { return all[i].part < all[j].part })
		r.todo = r.todo[:0]
		for _, p := range all {
			if p.part%r.par == r.subtask {
				r.todo = append(r.todo, p)
			}
		}
	}
	if len(r.todo) == 0 {
		return nil
	}
	db, err := openDB(r.ctx, r.cfg.db, r.cfg.connectTimeout, r.name())
	if err != nil {
		return err
	}
	r.db = db
	r.raw = make([]sql.RawBytes, max(len(r.cols), 1)) // SELECT 1 without columns
	r.dests = make([]any, len(r.raw))
	for i := range r.raw {
		r.dests[i] = &r.raw[i]
	}
	return nil
}

// Poll returns up to scan.fetch-size rows (default 1024) or what arrived
// within a few milliseconds.
func (r *reader) Poll() (*types.Batch, runtime.SourceStatus, error) {
	if len(r.todo) == 0 {
		return nil, runtime.SourceEnd, nil
	}
	if r.rows == nil {
		if err := r.startPartition(); err != nil {
			return nil, 0, err
		}
	}
	size := types.DefaultBatchSize
	if r.cfg.fetchSize > 0 {
		size = r.cfg.fetchSize
	}
	b := types.NewBatch(r.colTypes, min(size, 256))
	deadline := time.Now().Add(5 * time.Millisecond)
	n := 0
	for n < size {
		if !r.rows.Next() {
			err := r.rows.Err()
			r.rows.Close()
			r.rows = nil
			if err != nil {
				return nil, 0, fmt.Errorf("%s: reading partition %d failed: %w; the job restarts from its last checkpoint", r.name(), r.todo[0].part, err)
			}
			r.todo = r.todo[1:]
			break
		}
		if err := r.rows.Scan(r.dests...); err != nil {
			return nil, 0, fmt.Errorf("%s: %w", r.name(), err)
		}
		for c, v := range b.Cols {
			if err := appendText(v, r.raw[c], r.cfg.db.Loc); err != nil {
				return nil, 0, fmt.Errorf("%s: column %s: %w", r.name(), Quote(r.cols[c]), err)
			}
		}
		n++
		if n&63 == 0 && time.Now().After(deadline) {
			break
		}
	}
	b.SetRowCount(n)
	if r.rows != nil {
		r.todo[0].done += int64(n)
	}
	if n == 0 {
		return nil, runtime.SourceMore, nil
	}
	return b, runtime.SourceMore, nil
}

// startPartition runs the query of todo[0] and skips its emitted rows.
func (r *reader) startPartition() error {
	s := &source{cfg: r.cfg}
	p := r.todo[0]
	q := SelectSQL(r.cfg.table, r.cols, s.partitionWhere(p.part)) + s.orderBy()
	err := withRetry(r.ctx, 3, func() error {
		var err error
		r.rows, err = r.db.QueryContext(r.ctx, q)
		return err
	})
	if err != nil {
		return fmt.Errorf("%s: cannot read partition %d of %s: %w", r.name(), p.part, Quote(r.cfg.table), err)
	}
	for i := int64(0); i < p.done; i++ {
		if !r.rows.Next() {
			break
		}
	}
	return nil
}

func (r *reader) SnapshotState(int64) ([]byte, error) { return encodeScanState(r.todo), nil }

func (r *reader) NotifyCheckpointComplete(int64) error { return nil }

func (r *reader) Close() error {
	if r.rows != nil {
		r.rows.Close()
		r.rows = nil
	}
	if r.db != nil {
		err := r.db.Close()
		r.db = nil
		return err
	}
	return nil
}

// Scan state layout (encoding/binary varints), format 1:
//
//	byte     0x01        format version
//	uvarint  n           unfinished partitions
//	n × { uvarint partition; uvarint rows already emitted }
const scanStateV1 = 1

func encodeScanState(ps []partPos) []byte {
	b := []byte{scanStateV1}
	b = binary.AppendUvarint(b, uint64(len(ps)))
	for _, p := range ps {
		b = binary.AppendUvarint(b, uint64(p.part))
		b = binary.AppendUvarint(b, uint64(p.done))
	}
	return b
}

func decodeScanState(b []byte) ([]partPos, error) {
	if len(b) == 0 || b[0] != scanStateV1 {
		return nil, errCorrupt
	}
	b = b[1:]
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)) {
		return nil, errCorrupt
	}
	b = b[k:]
	out := make([]partPos, 0, n)
	for i := uint64(0); i < n; i++ {
		p, k1 := binary.Uvarint(b)
		if k1 <= 0 || p > 1<<31 {
			return nil, errCorrupt
		}
		b = b[k1:]
		d, k2 := binary.Uvarint(b)
		if k2 <= 0 || d > 1<<62 {
			return nil, errCorrupt
		}
		b = b[k2:]
		out = append(out, partPos{part: int(p), done: int64(d)})
	}
	if len(b) != 0 {
		return nil, errCorrupt
	}
	return out, nil
}
