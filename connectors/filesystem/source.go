package filesystem

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/flinkgo/engine/connectors"
	"github.com/flinkgo/engine/connectors/formats"
	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/types"
)

// maxRecordSize bounds one record (line) of a row format.
const maxRecordSize = 64 << 20

// Per Poll, stop after this many records or bytes so Poll stays short.
const (
	pollRecordLimit = 4 * types.DefaultBatchSize
	pollByteLimit   = 4 << 20
)

type source struct {
	*table
	monitor time.Duration // 0: bounded one-shot scan
}

func (s *source) Bounded() bool                           { return s.monitor == 0 }
func (s *source) ChangelogMode() connectors.ChangelogMode { return connectors.InsertOnly }
func (s *source) Parallelism() int                        { return 0 }

func (s *source) NewReader(subtask, parallelism int, projection []int) (runtime.SourceReader, error) {
	dec, err := s.format.NewDecoder(s.fields, s.fmtOpts)
	if err != nil {
		return nil, err
	}
	r := &reader{src: s, subtask: subtask, par: parallelism, dec: dec, split: s.format.Split(s.fmtOpts),
		seen: map[string]bool{}, out: make([]*types.Vector, len(s.fields)), fieldPos: make([]int, len(s.fields))}
	for i := range r.fieldPos {
		r.fieldPos[i] = -1
	}
	for pos, ci := range projection {
		c := s.columns[ci]
		r.colTypes = append(r.colTypes, c.Type)
		if c.Metadata {
			key := c.MetadataKey
			if key == "" {
				key = c.Name
			}
			r.meta = append(r.meta, metaCol{pos: pos, key: key})
			continue
		}
		for fi, pi := range s.physical {
			if pi == ci {
				r.fieldPos[fi] = pos
			}
		}
		for j, k := range s.partKeys {
			if k.col == ci {
				r.parts = append(r.parts, partCol{pos: pos, key: j})
			}
		}
	}
	r.partVals = make([]*types.Vector, len(s.partKeys))
	r.trackedSplit = func(data []byte, atEOF bool) (int, []byte, error) {
		adv, tok, err := r.split(data, atEOF)
		if adv > 0 { // summed until the record is consumed (Poll)
			r.lastAdv += int64(adv)
			r.lastLines += int64(bytes.Count(data[:adv], newline))
		}
		return adv, tok, err
	}
	return r, nil
}

var newline = []byte{'\n'}

// skipTo positions rc (just opened) at offset: by seeking when it can, else
// by reading; a file shorter than offset is an error.
func skipTo(fsys FS, p string, rc io.Reader, offset int64) error {
	if sk, ok := rc.(io.Seeker); ok {
		st, err := fsys.Stat(p)
		if err != nil {
			return err
		}
		if st.Size() < offset {
			return fmt.Errorf("the file is shorter (%d bytes) than the recorded position", st.Size())
		}
		_, err = sk.Seek(offset, io.SeekStart)
		return err
	}
	if _, err := io.CopyN(io.Discard, rc, offset); err != nil {
		if errors.Is(err, io.EOF) {
			return errors.New("the file is shorter than the recorded position")
		}
		return err
	}
	return nil
}

type metaCol struct {
	pos int
	key string
}

// partCol is a partition column the reader fills from the directory.
type partCol struct {
	pos int // batch column
	key int // index in table.partKeys
}

// fileInfo is one file to read.
type fileInfo struct {
	path string
	size int64
	mod  int64 // µs since epoch
}

// fileEntry is a file assigned to a reader and not read completely, with
// the position to start at (0 for a file not started).
type fileEntry struct {
	fileInfo
	offset int64 // bytes consumed
	line   int64 // lines consumed
}

// openFile is the file being read.
type openFile struct {
	fileEntry
	name string
	rc   io.ReadCloser
	sc   *bufio.Scanner
}

type reader struct {
	src          *source
	subtask, par int
	dec          formats.Decoder
	split        bufio.SplitFunc
	trackedSplit bufio.SplitFunc
	lastAdv      int64
	lastLines    int64

	colTypes []*types.Type
	fieldPos []int           // batch column of each format field, -1 if not read
	out      []*types.Vector // per format field, for Decode
	meta     []metaCol
	parts    []partCol
	partVals []*types.Vector // per partition key: the open file's value (1 row)

	clock   runtime.Clock
	metrics *runtime.OperatorMetrics
	// pending are this reader's files still to read, in order; restored
	// ones may start at an offset.
	pending []fileEntry
	// seen holds every path a scan must not queue again: this reader's
	// files (read, being read or pending) and, after a restore, every file
	// any old subtask knew.
	seen map[string]bool
	// doneList are the files read completely that this reader records in
	// its state, in completion order.
	doneList []string
	cur      *openFile
	nextScan int64
	buf      []byte
}

// Open restores the reader's files from a checkpoint and lists the
// directory. With ctx.RestoredStates (every old subtask's state, any old
// parallelism) this subtask takes its share of the union (see restore);
// with a StateRestore alone (own state, unchanged parallelism) it keeps its
// own state.
func (r *reader) Open(ctx *runtime.OperatorContext) error {
	r.clock = ctx.Clock
	r.metrics = ctx.Metrics
	if r.metrics == nil {
		r.metrics = &runtime.OperatorMetrics{}
	}
	restored := false
	switch {
	case len(ctx.RestoredStates) > 0:
		if err := r.restore(ctx.RestoredStates, r.subtask, r.par); err != nil {
			return err
		}
		restored = true
	case ctx.StateRestore != nil:
		// This subtask's own state alone (unchanged parallelism): keep
		// all of it.
		if err := r.restore([][]byte{ctx.StateRestore}, 0, 1); err != nil {
			return err
		}
		restored = true
	}
	r.buf = make([]byte, 64<<10)
	// A restored one-shot scan reads the files recorded in the state only
	// (those listed when the job first started); a monitoring reader looks
	// for new files at once.
	if !restored || r.src.monitor > 0 {
		if err := r.scan(); err != nil {
			return err
		}
	}
	if r.src.monitor > 0 && r.clock != nil {
		r.nextScan = r.clock.NowMillis() + r.src.monitor.Milliseconds()
	}
	return nil
}

// list returns the files under the table's path, sorted by path.
func (r *reader) list() ([]fileInfo, error) {
	root := r.src.path
	st, err := r.src.fs.Stat(root)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) && r.src.monitor > 0 {
			return nil, nil
		}
		return nil, fmt.Errorf("cannot read path %s of table %s: %w", root, r.src.name, err)
	}
	var files []fileInfo
	if st.IsDir() {
		if files, err = r.walk(root, files); err != nil {
			return nil, err
		}
	} else {
		files = append(files, fileInfo{path: root, size: st.Size(), mod: st.ModTime().UnixMilli() * 1000})
	}
	if len(r.src.partKeys) > 0 && st.IsDir() {
		n := 0
		for _, f := range files {
			if _, ok := r.src.partitionOf(f.path); ok {
				files[n] = f
				n++
			}
		}
		files = files[:n]
	}
	sort.Slice(files, func(i, j int) bool { return files[i].path < files[j].path })
	return files, nil
}

// partitionOf returns the raw partition values of a file of a partitioned
// table: its first directories below the table path, one "k=v" per key
// (files deeper below a partition directory belong to it). ok is false for
// a file outside the partition directories, which a partitioned table does
// not read, as in Flink.
func (t *table) partitionOf(p string) ([]string, bool) {
	rel, err := filepath.Rel(t.path, filepath.Dir(p))
	if err != nil || rel == "." {
		return nil, false
	}
	comps := strings.Split(filepath.ToSlash(rel), "/")
	if len(comps) < len(t.partKeys) {
		return nil, false
	}
	return partitionSpec(t.partKeys, strings.Join(comps[:len(t.partKeys)], "/"))
}

// scan lists the directory tree and queues this subtask's new files.
func (r *reader) scan() error {
	files, err := r.list()
	if err != nil {
		return err
	}
	for i, f := range files {
		if r.seen[f.path] || !r.mine(i, f.path) {
			continue
		}
		r.seen[f.path] = true
		r.pending = append(r.pending, fileEntry{fileInfo: f})
	}
	return nil
}

// mine assigns files to subtasks: by index in the sorted listing for a
// one-shot scan, by a hash of the path when monitoring (indexes shift as
// files appear).
func (r *reader) mine(i int, p string) bool {
	if r.src.monitor == 0 {
		return i%r.par == r.subtask
	}
	return pathOwner(p, r.par) == r.subtask
}

// pathOwner is the subtask (out of par) a path hashes to.
func pathOwner(p string, par int) int {
	h := fnv.New32a()
	h.Write([]byte(p))
	return int(h.Sum32() % uint32(par))
}

func hidden(name string) bool { return strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") }

func (r *reader) walk(dir string, files []fileInfo) ([]fileInfo, error) {
	entries, err := r.src.fs.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("cannot list directory %s of table %s: %w", dir, r.src.name, err)
	}
	for _, e := range entries {
		if hidden(e.Name()) {
			continue
		}
		p := filepath.Join(dir, e.Name())
		if e.IsDir() {
			if files, err = r.walk(p, files); err != nil {
				return nil, err
			}
			continue
		}
		info, err := e.Info()
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			return nil, err
		}
		if !info.Mode().IsRegular() {
			continue
		}
		files = append(files, fileInfo{path: p, size: info.Size(), mod: info.ModTime().UnixMilli() * 1000})
	}
	return files, nil
}

func (r *reader) openNext() error {
	f := r.pending[0]
	r.pending = r.pending[1:]
	rc, err := r.src.fs.Open(f.path)
	if err != nil {
		return fmt.Errorf("cannot open file %s: %w", f.path, err)
	}
	if len(r.src.partKeys) > 0 {
		if err := r.partitionValues(f.path); err != nil {
			rc.Close()
			return err
		}
	}
	of := &openFile{fileEntry: f, name: path.Base(filepath.ToSlash(f.path)), rc: rc}
	if f.offset > 0 {
		if err := skipTo(r.src.fs, f.path, rc, f.offset); err != nil {
			rc.Close()
			return fmt.Errorf("cannot resume file %s at line %d (offset %d): %w", f.path, f.line+1, f.offset, err)
		}
	}
	r.lastAdv, r.lastLines = 0, 0
	of.sc = bufio.NewScanner(rc)
	of.sc.Buffer(r.buf, maxRecordSize)
	of.sc.Split(r.trackedSplit)
	r.cur = of
	return nil
}

// partitionValues sets the partition column values of the file at p.
func (r *reader) partitionValues(p string) error {
	vals, ok := r.src.partitionOf(p)
	if !ok {
		return fmt.Errorf("file %s of partitioned table %s is not in a partition directory", p, r.src.name)
	}
	for j, k := range r.src.partKeys {
		v, err := partitionValue(k, vals[j], r.src.defaultPart)
		if err != nil {
			return fmt.Errorf("cannot read the partition of file %s of table %s: %w", p, r.src.name, err)
		}
		r.partVals[j] = v
	}
	return nil
}

func (r *reader) finishFile() error {
	err := r.cur.sc.Err()
	r.cur.rc.Close()
	if err != nil {
		return fmt.Errorf("cannot read file %s at line %d (offset %d): %w", r.cur.path, r.cur.line+1, r.cur.offset, err)
	}
	r.doneList = append(r.doneList, r.cur.path)
	r.cur = nil
	return nil
}

func (r *reader) Poll() (*types.Batch, runtime.SourceStatus, error) {
	var b *types.Batch
	records, bytesRead := 0, int64(0)
	for {
		if r.cur == nil {
			if len(r.pending) == 0 {
				st, err := r.idle()
				if err != nil {
					return nil, 0, err
				}
				if len(r.pending) == 0 {
					if b != nil && b.Len > 0 && st == runtime.SourceEnd {
						return b, runtime.SourceMore, nil
					}
					return b, st, nil
				}
			}
			if err := r.openNext(); err != nil {
				return nil, 0, err
			}
		}
		if b == nil {
			b = types.NewBatch(r.colTypes, types.DefaultBatchSize)
			for fi, pos := range r.fieldPos {
				r.out[fi] = nil
				if pos >= 0 {
					r.out[fi] = b.Cols[pos]
				}
			}
		}
		cur := r.cur
		limit := types.DefaultBatchSize
		if n := runtime.PollRowLimit(); n > 0 {
			limit = n
		}
		for b.Len < limit && records < pollRecordLimit && bytesRead < pollByteLimit {
			if !cur.sc.Scan() {
				if err := r.finishFile(); err != nil {
					return nil, 0, err
				}
				break
			}
			recOffset, recLine := cur.offset, cur.line+1
			cur.offset += r.lastAdv
			cur.line += r.lastLines
			r.lastAdv, r.lastLines = 0, 0
			records++
			bytesRead += r.lastAdv
			if err := r.decode(b, cur, cur.sc.Bytes(), recOffset, recLine); err != nil {
				return nil, 0, err
			}
		}
		if b.Len >= limit || records >= pollRecordLimit || bytesRead >= pollByteLimit {
			return b, runtime.SourceMore, nil
		}
	}
}

// idle is called when no file is queued: it ends a one-shot scan, or
// rescans a monitored directory when the interval has passed.
func (r *reader) idle() (runtime.SourceStatus, error) {
	if r.src.monitor == 0 {
		return runtime.SourceEnd, nil
	}
	now := r.clock.NowMillis()
	if now < r.nextScan {
		return runtime.SourceIdle, nil
	}
	r.nextScan = now + r.src.monitor.Milliseconds()
	if err := r.scan(); err != nil {
		return 0, err
	}
	return runtime.SourceIdle, nil
}

func (r *reader) decode(b *types.Batch, f *openFile, rec []byte, offset, line int64) error {
	err := r.dec.Decode(rec, r.out)
	switch {
	case err == nil:
	case err == formats.ErrNoRow:
		return nil
	default:
		var pe *formats.ParseError
		if errors.As(err, &pe) && r.dec.IgnoreParseErrors() {
			r.metrics.ParseErrors.Add(1)
			return nil
		}
		return fmt.Errorf("Malformed record in file %s at line %d (offset %d): %w", f.path, line, offset, err)
	}
	for _, pc := range r.parts {
		b.Cols[pc.pos].AppendFrom(r.partVals[pc.key], 0)
	}
	for _, m := range r.meta {
		v := b.Cols[m.pos]
		switch m.key {
		case "file.path":
			v.AppendString(f.path)
		case "file.name":
			v.AppendString(f.name)
		case "file.size":
			v.AppendInt(f.size)
		case "file.modification-time":
			v.AppendInt(f.mod)
		}
	}
	b.Len++
	return nil
}

func (r *reader) NotifyCheckpointComplete(int64) error { return nil }

func (r *reader) Close() error {
	if r.cur != nil {
		r.cur.rc.Close()
		r.cur = nil
	}
	return nil
}
