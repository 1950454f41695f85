// Package socket is the 'socket' connector, the Go counterpart of Flink's
// example connector (flink-examples-table, SocketDynamicTableFactory): an
// unbounded source that connects as a TCP client to hostname:port (what
// `nc -lk 9999` serves), splits the byte stream at 'byte-delimiter' (an
// integer, default 10 = '\n') and decodes every record with the table's
// 'format' (raw, csv, json, or a changelog format such as debezium-json).
//
//	CREATE TABLE lines (line STRING) WITH (
//	  'connector' = 'socket', 'hostname' = 'localhost', 'port' = '9999', 'format' = 'raw');
//
// With the default delimiter a trailing '\r' is dropped from each record, as
// Flink's socketTextStream does, so text from Windows clients reads the same.
//
// Parallelism: always 1 (one connection, one split), like Flink's example.
//
// Failures: a connection that cannot be opened when the task starts, a read
// error, or the server closing the connection fails the task with an error
// naming host:port; the job's restart strategy then applies (a restarted
// attempt connects again). When the server closes the connection, the bytes
// after the last delimiter are decoded as a final record first, as Flink's
// socketTextStream does. A malformed record fails the task naming host:port
// and the record's number on the connection (1-based), unless the format's
// ignore-parse-errors option is set: then it is skipped and counted.
//
// Checkpoints: a socket cannot replay what it sent, so the reader's
// checkpointed state is empty. A job restored from a checkpoint or savepoint
// simply connects again and reads what the server sends from then on; lines
// sent while no job was connected, or after the last completed checkpoint
// of a failed attempt, are not read again. The operators' state downstream
// (counts, windows) is restored exactly; for an exactly-once source use a
// replayable one (kafka, filesystem).
package socket

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/flinkgo/engine/connectors"
	"github.com/flinkgo/engine/connectors/formats"
	"github.com/flinkgo/engine/connectors/internal/opts"
	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/types"
)

func init() { connectors.Register(Factory{}) }

const (
	// connectTimeout bounds opening the connection when the task starts.
	connectTimeout = 10 * time.Second
	// pollWait is how long one Poll waits for bytes before reporting idle
	// (Poll must return within a few milliseconds).
	pollWait = time.Millisecond
	// initialBuffer is the read buffer's size; it grows (doubling) for
	// records longer than it, up to maxRecordSize.
	initialBuffer = 64 << 10
	maxRecordSize = 64 << 20
	// pollByteLimit bounds the bytes read by one Poll.
	pollByteLimit = 4 << 20
)

// Factory creates socket sources.
type Factory struct{}

func (Factory) Identifier() string        { return "socket" }
func (Factory) RequiredOptions() []string { return []string{"hostname", "port", "format"} }
func (Factory) OptionalOptions() []string { return []string{"byte-delimiter"} }

type source struct {
	name      string
	hostname  string
	port      int
	addr      string // host:port, for dialing and for errors
	delim     byte
	format    formats.Format
	fmtOpts   map[string]string
	changelog bool
	fields    []types.Field // the table's (physical) columns, in order
}

func (Factory) CreateSource(t *connectors.Table) (connectors.Source, error) {
	o := t.Options
	s := &source{name: t.Name, hostname: strings.TrimSpace(o["hostname"])}
	if s.hostname == "" {
		return nil, connectors.Errorf("Option 'hostname' of the socket connector must not be empty.")
	}
	port, _, err := opts.Int64(o, "port", 0)
	if err != nil {
		return nil, err
	}
	if port < 1 || port > 65535 {
		return nil, connectors.Errorf("Invalid value for option 'port': a port must be between 1 and 65535, but was %d.", port)
	}
	s.port = int(port)
	s.addr = net.JoinHostPort(s.hostname, strconv.Itoa(s.port))
	d, _, err := opts.Int64(o, "byte-delimiter", '\n')
	if err != nil {
		return nil, err
	}
	if d < 0 || d > 255 {
		return nil, connectors.Errorf("Invalid value for option 'byte-delimiter': it must be a byte value between 0 and 255, but was %d.", d)
	}
	s.delim = byte(d)
	id := o["format"]
	f, ok := formats.Lookup(id)
	if !ok {
		return nil, connectors.Errorf("Could not find any format factory for identifier '%s' in the classpath.\n\nAvailable factory identifiers are:\n\n%s",
			id, strings.Join(formats.Identifiers(), "\n"))
	}
	s.format, s.fmtOpts, s.changelog = f, formats.ScopedOptions(o, id, ""), formats.IsChangelog(f)
	for _, c := range t.Columns {
		if c.Metadata {
			return nil, connectors.Errorf("The 'socket' connector does not support metadata column '%s'.", c.Name)
		}
		s.fields = append(s.fields, types.Field{Name: c.Name, Type: c.Type})
	}
	// Fail early on bad format options.
	if _, err := s.format.NewDecoder(s.fields, s.fmtOpts); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *source) Bounded() bool { return false }
func (s *source) ChangelogMode() connectors.ChangelogMode {
	if s.changelog {
		return connectors.AllKinds
	}
	return connectors.InsertOnly
}
func (s *source) Parallelism() int { return 1 }

func (s *source) NewReader(subtask, parallelism int, projection []int) (runtime.SourceReader, error) {
	if parallelism != 1 || subtask != 0 {
		return nil, connectors.Errorf("The socket source of table %s runs at parallelism 1 only, not %d.", s.name, parallelism)
	}
	dec, err := s.format.NewDecoder(s.fields, s.fmtOpts)
	if err != nil {
		return nil, err
	}
	r := &reader{src: s, dec: dec, out: make([]*types.Vector, len(s.fields)), fieldPos: make([]int, len(s.fields))}
	if s.changelog {
		cd, ok := dec.(formats.ChangelogDecoder)
		if !ok {
			return nil, fmt.Errorf("format %s has no changelog decoder", s.format.Identifier())
		}
		r.changelog = cd
	}
	for i := range r.fieldPos {
		r.fieldPos[i] = -1
	}
	for pos, ci := range projection {
		r.colTypes = append(r.colTypes, s.fields[ci].Type)
		r.fieldPos[ci] = pos
	}
	return r, nil
}

// reader reads the one connection. Bytes not yet decoded are buf[start:end];
// buf[start:scan] is known to hold no delimiter.
type reader struct {
	src       *source
	dec       formats.Decoder
	changelog formats.ChangelogDecoder
	kinds     []types.RowKind

	colTypes []*types.Type
	fieldPos []int           // batch column of each field, -1 if not read
	out      []*types.Vector // per field, for Decode

	metrics *runtime.OperatorMetrics
	conn    net.Conn

	buf              []byte
	start, scan, end int
	eof              bool
	records          int64 // records received on the connection
	failed           error // sticks: every later Poll reports it
}

// Open connects. Restored state (always empty) is ignored: a socket cannot
// replay, so a restored job reads what the server sends from now on.
func (r *reader) Open(ctx *runtime.OperatorContext) error {
	r.metrics = ctx.Metrics
	if r.metrics == nil {
		r.metrics = &runtime.OperatorMetrics{}
	}
	c := ctx.Ctx
	if c == nil {
		c = context.Background()
	}
	d := net.Dialer{Timeout: connectTimeout}
	conn, err := d.DialContext(c, "tcp", r.src.addr)
	if err != nil {
		return fmt.Errorf("could not connect to socket %s of table %s: %w", r.src.addr, r.src.name, err)
	}
	r.conn = conn
	r.buf = make([]byte, initialBuffer)
	return nil
}

func (r *reader) newBatch() *types.Batch {
	b := types.NewBatch(r.colTypes, types.DefaultBatchSize)
	for fi, pos := range r.fieldPos {
		r.out[fi] = nil
		if pos >= 0 {
			r.out[fi] = b.Cols[pos]
		}
	}
	return b
}

// Poll decodes the complete records already read, then reads what the
// connection has (waiting at most pollWait when nothing is buffered).
func (r *reader) Poll() (*types.Batch, runtime.SourceStatus, error) {
	if r.failed != nil {
		return nil, 0, r.failed
	}
	b, st, err := r.poll()
	if err != nil {
		r.failed = err
	}
	return b, st, err
}

func (r *reader) poll() (*types.Batch, runtime.SourceStatus, error) {
	var b *types.Batch
	read := 0
	more := true   // the last read filled the buffer: more may be waiting
	idle := false  // the last read timed out
	armed := false // the read deadline is set for this Poll
	for {
		for b == nil || b.Len < types.DefaultBatchSize {
			i := bytes.IndexByte(r.buf[r.scan:r.end], r.src.delim)
			if i < 0 {
				r.scan = r.end
				break
			}
			rec := r.buf[r.start : r.scan+i]
			r.start = r.scan + i + 1
			r.scan = r.start
			if b == nil {
				b = r.newBatch()
			}
			if err := r.decode(b, rec); err != nil {
				return nil, 0, err
			}
		}
		if b != nil && b.Len >= types.DefaultBatchSize {
			return b, runtime.SourceMore, nil
		}
		if r.eof {
			if r.start < r.end { // the bytes after the last delimiter
				rec := r.buf[r.start:r.end]
				r.start, r.scan = r.end, r.end
				if b == nil {
					b = r.newBatch()
				}
				if err := r.decode(b, rec); err != nil {
					return nil, 0, err
				}
			}
			err := fmt.Errorf("the connection to socket %s of table %s was closed by the server after %d records",
				r.src.addr, r.src.name, r.records)
			if b != nil && b.Len > 0 {
				r.failed = err // reported by the next Poll
				return b, runtime.SourceMore, nil
			}
			return nil, 0, err
		}
		if idle || read >= pollByteLimit || (!more && b != nil && b.Len > 0) {
			if b != nil && b.Len > 0 {
				return b, runtime.SourceMore, nil
			}
			if idle {
				return nil, runtime.SourceIdle, nil
			}
			return nil, runtime.SourceMore, nil
		}
		if err := r.makeRoom(); err != nil {
			return nil, 0, err
		}
		if !armed {
			if err := r.conn.SetReadDeadline(time.Now().Add(pollWait)); err != nil {
				return nil, 0, fmt.Errorf("cannot read from socket %s of table %s: %w", r.src.addr, r.src.name, err)
			}
			armed = true
		}
		n, err := r.conn.Read(r.buf[r.end:])
		r.end += n
		read += n
		more = r.end == len(r.buf)
		switch {
		case err == nil:
		case errors.Is(err, os.ErrDeadlineExceeded):
			idle = true
		case errors.Is(err, io.EOF):
			r.eof = true
		default:
			return nil, 0, fmt.Errorf("cannot read from socket %s of table %s after %d records: %w",
				r.src.addr, r.src.name, r.records, err)
		}
	}
}

// makeRoom moves the undecoded bytes to the front of the buffer and grows
// it when one record fills it.
func (r *reader) makeRoom() error {
	if r.start > 0 {
		n := copy(r.buf, r.buf[r.start:r.end])
		r.scan -= r.start
		r.start, r.end = 0, n
	}
	if r.end < len(r.buf) {
		return nil
	}
	if len(r.buf) >= maxRecordSize {
		return fmt.Errorf("record %d from socket %s of table %s is longer than %d bytes (no byte-delimiter %d found)",
			r.records+1, r.src.addr, r.src.name, maxRecordSize, r.src.delim)
	}
	nb := make([]byte, 2*len(r.buf))
	copy(nb, r.buf[:r.end])
	r.buf = nb
	return nil
}

// decode appends the rows of one record to b. A malformed record fails the
// task naming the socket and the record's number, unless the format skips
// malformed records (then it is counted).
func (r *reader) decode(b *types.Batch, rec []byte) error {
	r.records++
	if r.src.delim == '\n' && len(rec) > 0 && rec[len(rec)-1] == '\r' {
		rec = rec[:len(rec)-1]
	}
	var err error
	if r.changelog != nil {
		r.kinds, err = r.changelog.DecodeChangelog(rec, r.out, r.kinds[:0])
		if err == nil {
			for _, k := range r.kinds {
				b.AppendKind(k)
				b.Len++
			}
		}
	} else if err = r.dec.Decode(rec, r.out); err == nil {
		b.AppendKind(types.Insert)
		b.Len++
	}
	switch {
	case err == nil, err == formats.ErrNoRow:
		return nil
	}
	var pe *formats.ParseError
	if errors.As(err, &pe) && r.dec.IgnoreParseErrors() {
		r.metrics.ParseErrors.Add(1)
		return nil
	}
	return fmt.Errorf("Malformed record %d from socket %s of table %s: %w", r.records, r.src.addr, r.src.name, err)
}

// SnapshotState returns no state: a socket cannot be rewound.
func (r *reader) SnapshotState(int64) ([]byte, error) { return nil, nil }

func (r *reader) NotifyCheckpointComplete(int64) error { return nil }

func (r *reader) Close() error {
	if r.conn != nil {
		err := r.conn.Close()
		r.conn = nil
		return err
	}
	return nil
}
