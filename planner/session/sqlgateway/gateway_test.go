package sqlgateway

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/flinkgo/engine/planner/session"
	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/sql"
)

func newGateway(t *testing.T) (*Server, *session.JobRegistry, string) {
	t.Helper()
	reg := session.NewJobRegistry()
	srv := NewServer(Options{Jobs: reg, Config: map[string]string{"parallelism.default": "1"}, Secrets: &sql.SecretSet{}})
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		hs.Close()
		srv.Close()
		reg.Close()
	})
	return srv, reg, hs.URL
}

// run submits a statement and fetches every page until EOS.
func run(t *testing.T, c *Client, stmt string) (*FetchResults, [][]string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	op, err := c.Submit(ctx, stmt)
	if err != nil {
		t.Fatalf("submit %q: %v", stmt, err)
	}
	var first *FetchResults
	var rows [][]string
	for token := int64(0); ; {
		page, err := c.Fetch(ctx, op, token)
		if err != nil {
			return first, rows, err
		}
		if page.ResultType == ResultEOS {
			return first, rows, nil
		}
		if page.ResultType == ResultPayload {
			if first == nil {
				first = page
			}
			for _, r := range page.Results.Data {
				cells, null := r.Strings()
				for i := range cells {
					if null[i] {
						cells[i] = "<NULL>"
					}
				}
				rows = append(rows, append([]string{r.ShortKind()}, cells...))
			}
			token++
		}
	}
}

func TestStatementsThroughTheGateway(t *testing.T) {
	_, reg, url := newGateway(t)
	ctx := context.Background()
	c, err := Dial(ctx, url, map[string]string{"table.dml-sync": "false"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)

	page, rows, err := run(t, c, "SET 'pipeline.name' = 'gw'")
	if err != nil || page.ResultKind != KindSuccess || len(rows) != 1 || rows[0][1] != "OK" {
		t.Fatalf("SET: %+v %v %v", page, rows, err)
	}
	if _, _, err := run(t, c, "SELECT * FROM nope"); err == nil {
		t.Fatal("a query of an unknown table did not fail")
	} else if !strings.HasPrefix(err.Error(), "org.apache.calcite.sql.validate.SqlValidatorException: ") || !strings.Contains(err.Error(), "nope") {
		t.Fatalf("error text: %v", err)
	}
	if _, _, err := run(t, c, `CREATE TABLE src (id BIGINT) WITH ('connector' = 'datagen',
		'number-of-rows' = '5', 'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '5')`); err != nil {
		t.Fatal(err)
	}
	page, rows, err = run(t, c, "SELECT id, id * 2 AS twice FROM src")
	if err != nil {
		t.Fatal(err)
	}
	if !page.IsQueryResult || page.JobID == "" || len(page.Results.Columns) != 2 || page.Results.Columns[1].Name != "twice" ||
		page.Results.Columns[0].LogicalType.Type != "BIGINT" {
		b, _ := json.Marshal(page)
		t.Fatalf("query page: %s", b)
	}
	if len(rows) != 5 || strings.Join(rows[4], ",") != "+I,5,10" {
		t.Fatalf("rows: %v", rows)
	}
	if _, _, err := run(t, c, "CREATE TABLE sink (id BIGINT) WITH ('connector' = 'blackhole')"); err != nil {
		t.Fatal(err)
	}
	page, rows, err = run(t, c, "INSERT INTO sink SELECT id FROM src")
	if err != nil || page.JobID == "" || page.Results.Columns[0].Name != "job id" || rows[0][1] != page.JobID {
		t.Fatalf("INSERT: %+v %v %v", page, rows, err)
	}
	j, ok := reg.Job(page.JobID)
	if !ok {
		t.Fatalf("job %s not in the cluster's registry", page.JobID)
	}
	j.Wait()

	// A second session sees the first one's job.
	c2, err := Dial(ctx, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, rows, err = run(t, c2, "SHOW JOBS")
	if err != nil || len(rows) < 2 || !strings.Contains(strings.Join(rows[1], ","), page.JobID) && !strings.Contains(strings.Join(rows[0], ","), page.JobID) {
		t.Fatalf("SHOW JOBS in a second session: %v %v", rows, err)
	}
	// Closing the first session leaves its INSERT job in the registry.
	if err := c.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if _, ok := reg.Job(page.JobID); !ok {
		t.Fatal("closing the session dropped its job")
	}
	if _, err := c.Submit(ctx, "SHOW TABLES"); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("statement on a closed session: %v", err)
	}
}

// TestCancelQuery: a cancelled unbounded query's job ends.
func TestCancelQuery(t *testing.T) {
	_, reg, url := newGateway(t)
	ctx := context.Background()
	c, err := Dial(ctx, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	run(t, c, "CREATE TABLE src (id BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '100')")
	op, err := c.Submit(ctx, "SELECT id FROM src")
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for token := int64(0); ; {
		page, err := c.Fetch(ctx, op, token)
		if err != nil {
			t.Fatal(err)
		}
		if page.ResultType == ResultPayload && len(page.Results.Data) > 0 {
			break
		}
		if page.ResultType == ResultPayload {
			token++
		}
		if time.Now().After(deadline) {
			t.Fatal("no rows within 60 s")
		}
	}
	if err := c.Cancel(ctx, op); err != nil {
		t.Fatal(err)
	}
	for _, j := range reg.Jobs() {
		select {
		case <-j.Done():
		case <-time.After(60 * time.Second):
			t.Fatal("the cancelled query's job still runs")
		}
		if st := j.Status(); st != runtime.JobCanceled {
			t.Fatalf("job status %s", st)
		}
	}
}

func TestProtocolErrors(t *testing.T) {
	_, _, url := newGateway(t)
	for _, tc := range []struct {
		method, path string
		code         int
		want         string
	}{
		{"GET", "/v1/info", 200, `"productName":"Apache Flink"`},
		{"GET", "/api_versions", 200, `["V1","V2","V3"]`},
		{"POST", "/v2/sessions/nope/statements", 404, "Session 'nope' does not exist."},
		{"GET", "/v9/info", 404, "Unsupported REST API version V9"},
	} {
		req, _ := http.NewRequest(tc.method, url+tc.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		buf := make([]byte, 4096)
		n, _ := resp.Body.Read(buf)
		b.Write(buf[:n])
		resp.Body.Close()
		if resp.StatusCode != tc.code || !strings.Contains(b.String(), tc.want) {
			t.Errorf("%s %s: %d %s", tc.method, tc.path, resp.StatusCode, b.String())
		}
	}
}

// TestIdleSessionsAreClosed: a session without requests for longer than
// the idle timeout is closed by the reaper; its INSERT job keeps running.
func TestIdleSessionsAreClosed(t *testing.T) {
	reg := session.NewJobRegistry()
	srv := NewServer(Options{Jobs: reg, IdleTimeout: time.Second, CheckInterval: 50 * time.Millisecond})
	hs := httptest.NewServer(srv)
	defer func() { hs.Close(); srv.Close(); reg.Close() }()
	ctx := context.Background()
	c, err := Dial(ctx, hs.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	run(t, c, "CREATE TABLE src (id BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '10')")
	run(t, c, "CREATE TABLE snk (id BIGINT) WITH ('connector' = 'blackhole')")
	page, _, err := run(t, c, "INSERT INTO snk SELECT id FROM src")
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for srv.Sessions() > 0 {
		if time.Now().After(deadline) {
			t.Fatal("the idle session was not closed within 60 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := c.Submit(ctx, "SHOW TABLES"); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("statement on a reaped session: %v", err)
	}
	j, ok := reg.Job(page.JobID)
	if !ok {
		t.Fatal("the reaped session's INSERT job left the registry")
	}
	if st := j.Status(); st != runtime.JobRunning {
		t.Fatalf("the reaped session's INSERT job is %s", st)
	}
}

// TestJSONRowFormat: rowFormat=JSON pages carry typed values as Flink's
// JSON row format writes them; PLAIN_TEXT the client's strings.
func TestJSONRowFormat(t *testing.T) {
	_, _, url := newGateway(t)
	ctx := context.Background()
	c, err := Dial(ctx, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	op, err := c.Submit(ctx, "SELECT 7 AS n, CAST(1.5 AS DOUBLE) AS d, TRUE AS b, 'x' AS s, TIMESTAMP '2022-11-04 11:41:40.036' AS ts, CAST(NULL AS INT) AS z")
	if err != nil {
		t.Fatal(err)
	}
	var rows []string
	for token := 0; ; {
		resp, err := http.Get(fmt.Sprintf("%s/v2/sessions/%s/operations/%s/result/%d?rowFormat=JSON", url, c.Session(), op, token))
		if err != nil {
			t.Fatal(err)
		}
		var page FetchResults
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if page.ResultType == ResultEOS {
			break
		}
		if page.ResultType == ResultPayload {
			for _, r := range page.Results.Data {
				var parts []string
				for _, f := range r.Fields {
					parts = append(parts, string(f))
				}
				rows = append(rows, r.Kind+" "+strings.Join(parts, ","))
			}
			token++
		}
	}
	want := `INSERT 7,1.5,true,"x","2022-11-04T11:41:40.036",null`
	if len(rows) != 1 || rows[0] != want {
		t.Fatalf("JSON rows %q, want %q", rows, want)
	}
}

// TestAppendJSONString: the page encoder's strings decode to what they
// encode, as encoding/json reads them.
func TestAppendJSONString(t *testing.T) {
	for _, s := range []string{"", "plain", `quote " and \ backslash`, "tab\tnew\nline\rret", "\x00\x01\x1f ctl",
		"ünïcødé ✓ 🙂", "</script>&"} {
		var back string
		if err := json.Unmarshal(appendJSONString(nil, s), &back); err != nil || back != s {
			t.Errorf("%q: decoded %q, %v", s, back, err)
		}
	}
}
