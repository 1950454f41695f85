package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/flinkgo/engine/planner/session"
	"github.com/flinkgo/engine/planner/session/sqlgateway"
	"github.com/flinkgo/engine/sql"
)

// Remote mode: with execution.target=remote (or `gateway --endpoint`) the
// client runs every statement in a session of a cluster's SQL Gateway;
// jobs belong to the cluster and outlive the client. Only the client's own
// commands (HELP, QUIT, CLEAR) run here.

// clientOnlyKeys say where the cluster is; they are not sent to its session
// (its rest.port is the cluster's own), but for execution.target=remote,
// which is true there too and shows in its SET; listing as in Flink's.
var clientOnlyKeys = map[string]bool{"execution.target": true, "rest.address": true, "rest.port": true}

// remoteEndpoint is the gateway to use: --endpoint, else rest.address
// (default localhost) and rest.port (default 8081) when execution.target
// is remote; "" for the embedded mode.
func remoteEndpoint(endpoint string, conf map[string]string) (string, error) {
	if endpoint != "" {
		return endpoint, nil
	}
	switch t := strings.TrimSpace(conf["execution.target"]); t {
	case "", "local", "embedded":
		return "", nil
	case "remote":
	default:
		return "", fmt.Errorf("Unsupported 'execution.target' '%s': this client runs jobs in process (unset, or 'local') or on a session cluster ('remote', with rest.address and rest.port).", t)
	}
	host := conf["rest.address"]
	if host == "" {
		host = "localhost"
	}
	port := conf["rest.port"]
	if port == "" {
		port = "8081"
	}
	return net.JoinHostPort(host, port), nil
}

// connectRemote opens the gateway session with the -D options (but the
// client's own keys) and keeps it alive with heartbeats.
func (c *client) connectRemote(endpoint string, conf map[string]string) error {
	props := map[string]string{}
	for k, v := range conf {
		if !clientOnlyKeys[k] {
			props[k] = v
		}
	}
	if strings.TrimSpace(conf["execution.target"]) == "remote" {
		props["execution.target"] = "remote"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	rc, err := sqlgateway.Dial(ctx, endpoint, props)
	if err != nil {
		return err
	}
	c.remote = rc
	c.heartbeat = make(chan struct{})
	go func(stop <-chan struct{}) {
		t := time.NewTicker(time.Minute)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				rc.Heartbeat(ctx)
				cancel()
			}
		}
	}(c.heartbeat)
	return nil
}

// closeRemote ends the gateway session; its jobs go on on the cluster.
func (c *client) closeRemote() {
	if c.remote == nil {
		return
	}
	close(c.heartbeat)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c.remote.Close(ctx)
}

// runRemote executes a parsed statement on the gateway and prints its
// outcome as the embedded client would.
func (c *client) runRemote(st sql.Statement, text string) (quit, failed bool) {
	switch st.(type) {
	case *sql.Help:
		fmt.Fprint(c.stdout, helpText+"\n")
		return false, false
	case *sql.Clear:
		fmt.Fprint(c.stdout, "\033[H\033[2J")
		return false, false
	case *sql.Quit:
		fmt.Fprintln(c.stdout, msgQuit)
		return true, false
	}
	ctx := context.Background()
	op, err := c.remote.Submit(ctx, text)
	if err != nil {
		c.printRemoteError(err)
		return false, true
	}
	defer c.remote.CloseOperation(ctx, op)
	page, err := c.firstPage(ctx, op)
	if err != nil {
		c.printRemoteError(err)
		return false, true
	}
	if page == nil { // interrupted while it ran
		fmt.Fprintln(c.stdout, "[INFO] Cancelled the statement.")
		fmt.Fprintln(c.stdout)
		return false, true
	}
	if page.IsQueryResult {
		if err := c.showRemoteQuery(ctx, op, page); err != nil {
			c.printRemoteError(err)
			return false, true
		}
		return false, false
	}
	cols, rows := pageTable(page)
	switch {
	case page.JobID != "" && len(cols) == 1 && cols[0] == "job id":
		c.remoteJobs = append(c.remoteJobs, page.JobID)
		fmt.Fprintln(c.stdout, msgSubmitting)
		fmt.Fprintln(c.stdout, msgSubmitted)
		fmt.Fprintf(c.stdout, "Job ID: %s\n\n", page.JobID)
	case page.JobID != "":
		c.info(msgCompleted)
	case page.ResultKind == sqlgateway.KindSuccess:
		c.mirrorSetting(st)
		c.info(msgStatementSucceed)
	default:
		printTable(c.stdout, cols, rows)
		c.dashboardHint(st, c.remote.Endpoint())
		fmt.Fprintln(c.stdout)
	}
	return false, false
}

// firstPage waits for the statement and fetches its first page; nil when
// the user interrupted it (the operation is cancelled).
func (c *client) firstPage(ctx context.Context, op string) (*sqlgateway.FetchResults, error) {
	for {
		select {
		case <-c.signals:
			c.remote.Cancel(ctx, op)
			return nil, nil
		default:
		}
		page, err := c.remote.Fetch(ctx, op, 0)
		if err != nil {
			return nil, err
		}
		if page.ResultType != sqlgateway.ResultNotReady {
			return page, nil
		}
	}
}

// showRemoteQuery prints a remote SELECT's rows in tableau form, page by
// page, until EOS or the user interrupts it.
func (c *client) showRemoteQuery(ctx context.Context, op string, page *sqlgateway.FetchResults) error {
	cols, err := page.Results.EngineColumns()
	if err != nil {
		return err
	}
	mode, _ := c.resultMode()
	if in, out, ok := c.fullScreen(mode); ok {
		return c.showRemoteFullScreen(ctx, op, page, cols, mode, in, out)
	}
	v := c.newResultView(cols, mode)
	terminated := false
	for token := int64(0); page.ResultType != sqlgateway.ResultEOS; {
		if page.ResultType == sqlgateway.ResultPayload {
			for i := range page.Results.Data {
				r := &page.Results.Data[i]
				cells, null := r.Strings()
				v.row(r.ShortKind(), cells, null)
			}
			token++
		}
		select {
		case <-c.signals:
			terminated = true
			c.remote.Cancel(ctx, op)
		default:
		}
		if terminated {
			break
		}
		if page, err = c.remote.Fetch(ctx, op, token); err != nil {
			v.end(false)
			return err
		}
	}
	v.end(terminated)
	return nil
}

// pageTable is a non-query page as a table of strings.
func pageTable(page *sqlgateway.FetchResults) (cols []string, rows [][]string) {
	for _, col := range page.Results.Columns {
		cols = append(cols, col.Name)
	}
	for i := range page.Results.Data {
		cells, null := page.Results.Data[i].Strings()
		for j := range cells {
			if null[j] {
				cells[j] = "" // Flink prints NULL as empty in these tables
			}
		}
		rows = append(rows, cells)
	}
	return cols, rows
}

// mirrorSetting applies a SET or RESET the gateway executed to the
// client's own copy of the session configuration too, so that the keys
// the client reads itself (result mode, column width, time zone) follow
// it.
func (c *client) mirrorSetting(st sql.Statement) {
	switch x := st.(type) {
	case *sql.Set:
		if x.Key != "" {
			c.s.Execute(x)
		}
	case *sql.Reset:
		c.s.Execute(x)
	}
}

// printRemoteError prints a failure as the embedded client prints one: a
// statement's failure carries Flink's "<Class>: <message>" already.
func (c *client) printRemoteError(err error) {
	var f *sqlgateway.Failure
	if errors.As(err, &f) {
		fmt.Fprintln(c.stdout, msgErrorHeader)
		fmt.Fprintln(c.stdout, c.secrets.Mask(f.Text))
		fmt.Fprintln(c.stdout)
		return
	}
	c.printError(&session.ExecutionError{Msg: fmt.Sprintf("Could not talk to the SQL Gateway at %s: %v", c.remote.Endpoint(), err)})
}

// runRemoteQuiet executes a statement of the init file on the gateway,
// printing only a failure.
func (c *client) runRemoteQuiet(st sql.Statement) (page *sqlgateway.FetchResults, failed bool) {
	ctx := context.Background()
	op, err := c.remote.Submit(ctx, st.SQL())
	if err == nil {
		defer c.remote.CloseOperation(ctx, op)
		page, err = c.firstPage(ctx, op)
	}
	if err != nil {
		c.printRemoteError(err)
		return nil, true
	}
	return page, page == nil
}

// reportRemoteFailures prints, once per job, the root cause of every job
// this client submitted that failed on the cluster since the last
// statement, from the cluster's REST API (/jobs/:id, /jobs/:id/exceptions).
func (c *client) reportRemoteFailures() {
	for _, id := range c.remoteJobs {
		if c.reported[id] {
			continue
		}
		var job struct {
			Name  string `json:"name"`
			State string `json:"state"`
		}
		if c.remoteGet("/jobs/"+id, &job) != nil || job.State != "FAILED" {
			continue
		}
		var exc struct {
			Root *string `json:"root-exception"`
		}
		cause := "(the cluster kept no exception for it)"
		if c.remoteGet("/jobs/"+id+"/exceptions", &exc) == nil && exc.Root != nil {
			cause = *exc.Root
		}
		if c.reported == nil {
			c.reported = map[string]bool{}
		}
		c.reported[id] = true
		fmt.Fprint(c.stdout, c.secrets.Mask(fmt.Sprintf("[ERROR] Job %s (%s) failed in the background. Reason:\n%s\n\n", id, job.Name, cause)))
	}
}

// remoteGet decodes a GET of the cluster's REST API into v.
func (c *client) remoteGet(path string, v any) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.remote.Endpoint()+path, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: HTTP %d", path, resp.StatusCode)
	}
	return json.NewDecoder(io.LimitReader(resp.Body, 16<<20)).Decode(v)
}
