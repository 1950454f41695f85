package socket

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/flinkgo/engine/connectors"
	"github.com/flinkgo/engine/connectors/formats"
	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/types"
)

// listen starts a TCP server (as `nc -lk` would) on a free local port; the
// connection it accepts arrives on the returned channel.
func listen(t *testing.T) (port string, conns <-chan net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	ch := make(chan net.Conn, 4)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			ch <- c
		}
	}()
	_, port, _ = net.SplitHostPort(ln.Addr().String())
	return port, ch
}

// freePort returns a local port nobody listens on.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	ln.Close()
	return port
}

func createSource(t *testing.T, options map[string]string, cols ...connectors.Column) (connectors.Source, error) {
	t.Helper()
	if len(cols) == 0 {
		cols = []connectors.Column{{Name: "line", Type: types.String}}
	}
	f := Factory{}
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.Name
	}
	var extra []string
	if id, ok := options["format"]; ok {
		extra = formats.OptionKeys(id, "")
	}
	if err := connectors.ValidateOptions(f, options, names, extra); err != nil {
		return nil, err
	}
	return f.CreateSource(&connectors.Table{Name: "default_catalog.default_database.lines", Columns: cols, Options: options})
}

func openReader(t *testing.T, src connectors.Source, ncols int, ctx *runtime.OperatorContext) (runtime.SourceReader, error) {
	t.Helper()
	proj := make([]int, ncols)
	for i := range proj {
		proj[i] = i
	}
	r, err := src.NewReader(0, 1, proj)
	if err != nil {
		t.Fatal(err)
	}
	if ctx == nil {
		ctx = &runtime.OperatorContext{Ctx: context.Background(), Metrics: &runtime.OperatorMetrics{}}
	}
	if err := r.Open(ctx); err != nil {
		return nil, err
	}
	t.Cleanup(func() { r.Close() })
	return r, nil
}

// pollRows polls until n more rows arrived (rendered as the print sink
// does), an error, or a timeout.
func pollRows(t *testing.T, r runtime.SourceReader, n int, untilErr bool) ([]string, error) {
	t.Helper()
	var rows []string
	deadline := time.Now().Add(5 * time.Second)
	for (untilErr || len(rows) < n) && time.Now().Before(deadline) {
		b, st, err := r.Poll()
		if err != nil {
			return rows, err
		}
		if b != nil {
			for i := 0; i < b.Len; i++ {
				rows = append(rows, string(types.AppendRowPrint(nil, b, i)))
			}
		}
		if st == runtime.SourceIdle {
			time.Sleep(time.Millisecond)
		}
	}
	if untilErr {
		t.Fatalf("no error within 5 s; rows %q", rows)
	}
	return rows, nil
}

type step struct {
	send  string   // bytes the server writes
	close bool     // then the server closes the connection
	rows  []string // rows the reader must produce for it
	err   string   // or the error it must fail with (after rows)
}

func TestSocketSource(t *testing.T) {
	long := strings.Repeat("x", 200_000)
	cases := []struct {
		name        string
		options     map[string]string
		cols        []connectors.Column
		steps       []step
		parseErrors int64
	}{
		{
			name:    "newline delimiter, CR dropped, record split over writes",
			options: map[string]string{"format": "raw"},
			steps: []step{
				{send: "hello world\nfoo\r\nba", rows: []string{"+I[hello world]", "+I[foo]"}},
				{send: "r\n\n", rows: []string{"+I[bar]", "+I[]"}},
			},
		},
		{
			name:    "byte-delimiter ';'",
			options: map[string]string{"format": "raw", "byte-delimiter": "59"},
			steps: []step{
				{send: "a;b\n;;c\r;", rows: []string{"+I[a]", "+I[b\n]", "+I[]", "+I[c\r]"}},
			},
		},
		{
			name:    "byte-delimiter 0 with csv",
			options: map[string]string{"format": "csv", "byte-delimiter": "0"},
			cols:    []connectors.Column{{Name: "id", Type: types.Int}, {Name: "name", Type: types.String}},
			steps: []step{
				{send: "1,x\x002,\"y,z\"\x00", rows: []string{"+I[1, x]", "+I[2, y,z]"}},
			},
		},
		{
			name:    "record longer than the buffer",
			options: map[string]string{"format": "raw"},
			steps: []step{
				{send: long[:100_000], rows: nil},
				{send: long[100_000:] + "\nend\n", rows: []string{"+I[" + long + "]", "+I[end]"}},
			},
		},
		{
			name:    "partial last record, then the server closes",
			options: map[string]string{"format": "raw"},
			steps: []step{
				{send: "one\ntwo", rows: []string{"+I[one]"}},
				{close: true, rows: []string{"+I[two]"}, err: "the connection to socket 127.0.0.1:PORT of table default_catalog.default_database.lines was closed by the server after 2 records"},
			},
		},
		{
			name:    "server closes without a partial record",
			options: map[string]string{"format": "raw"},
			steps: []step{
				{send: "one\n", rows: []string{"+I[one]"}},
				{close: true, err: "socket 127.0.0.1:PORT of table default_catalog.default_database.lines was closed by the server after 1 records"},
			},
		},
		{
			name:    "changelog format",
			options: map[string]string{"format": "debezium-json"},
			cols:    []connectors.Column{{Name: "id", Type: types.BigInt}, {Name: "name", Type: types.String}},
			steps: []step{
				{send: `{"before":null,"after":{"id":1,"name":"a"},"op":"c"}` + "\n" +
					`{"before":{"id":1,"name":"a"},"after":{"id":1,"name":"b"},"op":"u"}` + "\n" +
					`{"before":{"id":1,"name":"b"},"after":null,"op":"d"}` + "\n",
					rows: []string{"+I[1, a]", "-U[1, a]", "+U[1, b]", "-D[1, b]"}},
			},
		},
		{
			name:    "bad record fails naming the socket and the record",
			options: map[string]string{"format": "json"},
			cols:    []connectors.Column{{Name: "id", Type: types.BigInt}},
			steps: []step{
				{send: "{\"id\":1}\n", rows: []string{"+I[1]"}},
				{send: "{\"id\":2}\n{\"id\":oops}\n", err: "Malformed record 3 from socket 127.0.0.1:PORT of table default_catalog.default_database.lines: "},
			},
		},
		{
			name:    "bad record skipped with ignore-parse-errors",
			options: map[string]string{"format": "json", "json.ignore-parse-errors": "true"},
			cols:    []connectors.Column{{Name: "id", Type: types.BigInt}},
			steps: []step{
				{send: "{\"id\":1}\n{\"id\":oops}\n{\"id\":3}\n", rows: []string{"+I[1]", "+I[3]"}},
			},
			parseErrors: 1,
		},
		{
			// csv's ignore-parse-errors sets a bad field to NULL (as Flink).
			name:    "bad csv field nulled with ignore-parse-errors",
			options: map[string]string{"format": "csv", "csv.ignore-parse-errors": "true"},
			cols:    []connectors.Column{{Name: "id", Type: types.Int}},
			steps: []step{
				{send: "1\nnot a number\n3\n", rows: []string{"+I[1]", "+I[null]", "+I[3]"}},
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			port, conns := listen(t)
			opt := map[string]string{"connector": "socket", "hostname": "127.0.0.1", "port": port}
			for k, v := range c.options {
				opt[k] = v
			}
			src, err := createSource(t, opt, c.cols...)
			if err != nil {
				t.Fatal(err)
			}
			if c.options["format"] == "debezium-json" && src.ChangelogMode() != connectors.AllKinds {
				t.Fatalf("changelog mode %v", src.ChangelogMode())
			}
			if src.Bounded() || src.Parallelism() != 1 {
				t.Fatalf("bounded %v, parallelism %d", src.Bounded(), src.Parallelism())
			}
			ncols := max(1, len(c.cols))
			metrics := &runtime.OperatorMetrics{}
			r, err := openReader(t, src, ncols, &runtime.OperatorContext{Ctx: context.Background(), Metrics: metrics})
			if err != nil {
				t.Fatal(err)
			}
			var conn net.Conn
			select {
			case conn = <-conns:
			case <-time.After(5 * time.Second):
				t.Fatal("the reader did not connect")
			}
			defer conn.Close()
			for i, s := range c.steps {
				if s.send != "" {
					if _, err := conn.Write([]byte(s.send)); err != nil {
						t.Fatal(err)
					}
				}
				if s.close {
					conn.Close()
				}
				rows, err := pollRows(t, r, len(s.rows), s.err != "")
				if strings.Join(rows, "|") != strings.Join(s.rows, "|") {
					t.Fatalf("step %d: rows %q, want %q", i, rows, s.rows)
				}
				if s.err != "" {
					want := strings.ReplaceAll(s.err, "PORT", port)
					if !strings.Contains(err.Error(), want) {
						t.Fatalf("step %d: error %q, want it to contain %q", i, err, want)
					}
					// The failure sticks.
					if _, _, err2 := r.Poll(); err2 == nil {
						t.Fatalf("step %d: Poll after the error succeeded", i)
					}
				}
			}
			if got := metrics.ParseErrors.Load(); got != c.parseErrors {
				t.Fatalf("parse errors counted: %d, want %d", got, c.parseErrors)
			}
		})
	}
}

// A socket that cannot be reached fails the task when it opens, naming
// host:port; so does a restored reader (it reconnects, with empty state).
func TestSocketConnectError(t *testing.T) {
	port := freePort(t)
	src, err := createSource(t, map[string]string{"connector": "socket", "hostname": "127.0.0.1", "port": port, "format": "raw"})
	if err != nil {
		t.Fatal(err)
	}
	for _, restored := range []bool{false, true} {
		ctx := &runtime.OperatorContext{Ctx: context.Background()}
		if restored {
			ctx.RestoredStates = [][]byte{nil}
		}
		_, err = openReader(t, src, 1, ctx)
		want := "could not connect to socket 127.0.0.1:" + port + " of table default_catalog.default_database.lines"
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("restored %v: error %v, want %q", restored, err, want)
		}
	}
}

// A restore connects again and reads on; the checkpointed state is empty.
func TestSocketRestoreReconnects(t *testing.T) {
	port, conns := listen(t)
	src, err := createSource(t, map[string]string{"connector": "socket", "hostname": "localhost", "port": port, "format": "raw"})
	if err != nil {
		t.Fatal(err)
	}
	r, err := openReader(t, src, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	st, err := r.SnapshotState(1)
	if err != nil || st != nil {
		t.Fatalf("state %q, %v; want none", st, err)
	}
	c1 := <-conns
	c1.Close()
	if _, err := pollRows(t, r, 0, true); err == nil || !strings.Contains(err.Error(), "localhost:"+port) {
		t.Fatalf("error %v does not name localhost:%s", err, port)
	}
	r2, err := openReader(t, src, 1, &runtime.OperatorContext{Ctx: context.Background(), RestoredStates: [][]byte{st}})
	if err != nil {
		t.Fatal(err)
	}
	c2 := <-conns
	defer c2.Close()
	c2.Write([]byte("again\n"))
	rows, err := pollRows(t, r2, 1, false)
	if err != nil || strings.Join(rows, "|") != "+I[again]" {
		t.Fatalf("rows %q, %v", rows, err)
	}
}

func TestSocketOptions(t *testing.T) {
	base := func(kv ...string) map[string]string {
		m := map[string]string{"connector": "socket", "hostname": "localhost", "port": "9999", "format": "raw"}
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == "" {
				delete(m, kv[i])
			} else {
				m[kv[i]] = kv[i+1]
			}
		}
		return m
	}
	cases := []struct {
		name string
		opts map[string]string
		cols []connectors.Column
		err  string
	}{
		{"ok", base(), nil, ""},
		{"missing port", base("port", ""), nil, "Missing required options are:\n\nport"},
		{"missing hostname and format", base("hostname", "", "format", ""), nil, "Missing required options are:\n\nformat\nhostname"},
		{"bad port", base("port", "x"), nil, "Could not parse value 'x' for key 'port'."},
		{"port out of range", base("port", "70000"), nil, "a port must be between 1 and 65535, but was 70000"},
		{"bad delimiter", base("byte-delimiter", "300"), nil, "'byte-delimiter': it must be a byte value between 0 and 255, but was 300"},
		{"unknown option", base("delimiter", ";"), nil, "Unsupported options found for 'socket'"},
		{"unknown format", base("format", "avro"), nil, "Could not find any format factory for identifier 'avro'"},
		{"raw needs one column", base(), []connectors.Column{{Name: "a", Type: types.String}, {Name: "b", Type: types.String}},
			"The 'raw' format only supports single physical column."},
		{"metadata column", base(), []connectors.Column{{Name: "m", Type: types.String, Metadata: true}},
			"does not support metadata column 'm'"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := createSource(t, c.opts, c.cols...)
			switch {
			case c.err == "" && err != nil:
				t.Fatal(err)
			case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
				t.Fatalf("error %v, want %q", err, c.err)
			}
		})
	}
}

// Decoding a record allocates nothing beyond what the format does (raw:
// nothing once the batch has grown).
func TestSocketDecodeAllocs(t *testing.T) {
	src, err := createSource(t, map[string]string{"connector": "socket", "hostname": "localhost", "port": "9999", "format": "raw"})
	if err != nil {
		t.Fatal(err)
	}
	rd, err := src.NewReader(0, 1, []int{0})
	if err != nil {
		t.Fatal(err)
	}
	r := rd.(*reader)
	r.metrics = &runtime.OperatorMetrics{}
	b := r.newBatch()
	rec := []byte("the quick brown fox\r")
	for i := 0; i < types.DefaultBatchSize; i++ {
		r.decode(b, rec)
	}
	allocs := testing.AllocsPerRun(10, func() {
		b.Reset()
		for i := 0; i < types.DefaultBatchSize; i++ {
			if err := r.decode(b, rec); err != nil {
				t.Fatal(err)
			}
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per %d records", allocs, types.DefaultBatchSize)
	}
	if got := string(types.AppendRowPrint(nil, b, 0)); got != "+I[the quick brown fox]" {
		t.Fatalf("row %s", got)
	}
}
