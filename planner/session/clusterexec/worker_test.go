package clusterexec

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/flinkgo/engine/connectors/all"
	"github.com/flinkgo/engine/planner/session"
	"github.com/flinkgo/engine/runtime/cluster"
	pb "github.com/flinkgo/engine/runtime/cluster/clusterpb"
	"github.com/flinkgo/engine/runtime/netexchange"
	"github.com/flinkgo/engine/sql"
)

type syncLog struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *syncLog) Write(p []byte) (int, error) { l.mu.Lock(); defer l.mu.Unlock(); return l.b.Write(p) }
func (l *syncLog) String() string              { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

func dump(t *testing.T, what string, logs ...*syncLog) {
	var b strings.Builder
	pprof.Lookup("goroutine").WriteTo(&b, 1)
	for i, l := range logs {
		fmt.Fprintf(&b, "--- log %d ---\n%s\n", i, l.String())
	}
	t.Fatalf("%s\n%s", what, b.String())
}

// miniCluster is a JobManager's registry, server and distributor and
// TaskManagers (members with workers and data receivers) in one process,
// over loopback gRPC and TCP.
type miniCluster struct {
	reg   *cluster.Registry
	dist  *Distributor
	jmLog *syncLog
	logs  []*syncLog
}

func startMiniCluster(t *testing.T, slots int, ids ...string) *miniCluster {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mc := &miniCluster{jmLog: &syncLog{}}
	mc.reg = cluster.NewRegistry(cluster.RegistryOptions{HeartbeatTimeout: 30 * time.Second, Log: mc.jmLog})
	srv := cluster.NewServer(mc.reg)
	mc.dist = NewDistributor(Options{Registry: mc.reg, SlotRequestTimeout: time.Minute, Log: mc.jmLog})
	srv.SetReportHandler(mc.dist.HandleReport)
	srv.Serve(ln)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() { cancel(); wg.Wait(); srv.Close() })
	for _, id := range ids {
		recv, err := netexchange.Listen("127.0.0.1:0", netexchange.ReceiverOptions{})
		if err != nil {
			t.Fatal(err)
		}
		_, port, _ := net.SplitHostPort(recv.Addr())
		p, _ := strconv.Atoi(port)
		log := &syncLog{}
		mc.logs = append(mc.logs, log)
		var member *cluster.Member
		w := NewWorker(WorkerOptions{ResourceID: id, Receiver: recv, Log: log,
			Report: func(ctx context.Context, regID string, req *pb.ReportRequest) error {
				return member.Report(ctx, regID, req)
			}})
		member = cluster.NewMember(cluster.MemberOptions{JobManager: ln.Addr().String(), Log: log,
			Registration:      cluster.Registration{ResourceID: id, Host: "127.0.0.1", DataPort: p, Slots: slots},
			HeartbeatInterval: 100 * time.Millisecond, HeartbeatTimeout: 30 * time.Second,
			OnCommand: w.Handle, OnRegistered: func(_, regID string) { w.Registered(regID) }})
		wg.Add(1)
		go func() {
			defer wg.Done()
			member.Run(ctx)
			w.Close()
			recv.Close()
		}()
	}
	deadline := time.Now().Add(90 * time.Second)
	for {
		if n, _, free := mc.reg.Slots(); n == len(ids) && free == slots*len(ids) {
			break
		}
		if time.Now().After(deadline) {
			mc.fail(t, "the TaskManagers did not register")
		}
		time.Sleep(10 * time.Millisecond)
	}
	return mc
}

func (mc *miniCluster) fail(t *testing.T, what string) {
	t.Helper()
	dump(t, what, append(append([]*syncLog(nil), mc.logs...), mc.jmLog)...)
}

// run executes script in s, returning the last result.
func (mc *miniCluster) run(t *testing.T, s *session.Session, script string) *session.Result {
	t.Helper()
	type out struct {
		res *session.Result
		err error
	}
	done := make(chan out, 1)
	go func() {
		var last *session.Result
		for _, seg := range sql.SplitScript(script) {
			st, err := sql.Parse(seg)
			if err != nil {
				done <- out{nil, err}
				return
			}
			if last, err = s.Execute(st); err != nil {
				done <- out{nil, fmt.Errorf("%s: %w", seg.Text, err)}
				return
			}
		}
		done <- out{last, nil}
	}()
	select {
	case o := <-done:
		if o.err != nil {
			mc.fail(t, o.err.Error())
		}
		return o.res
	case <-time.After(90 * time.Second):
		mc.fail(t, "the script did not end")
	}
	return nil
}

// readIDs reads the file sink's committed rows under dir.
func readIDs(t *testing.T, dir string) []int {
	t.Helper()
	var rows []int
	files, _ := filepath.Glob(filepath.Join(dir, "part-*"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Fields(string(b)) {
			v, _ := strconv.Atoi(l)
			rows = append(rows, v)
		}
	}
	sort.Ints(rows)
	return rows
}

func checkIDs(t *testing.T, rows []int, n int) {
	t.Helper()
	if len(rows) != n {
		t.Fatalf("%d rows, want 1..%d", len(rows), n)
	}
	for i, v := range rows {
		if v != i+1 {
			t.Fatalf("row %d is %d, want 1..%d once each", i, v, n)
		}
	}
}

// TestWorkersRunJob: an INSERT job with a hash exchange and checkpoints
// runs on two TaskManagers, none of it in the "JobManager", with exact
// results.
func TestWorkersRunJob(t *testing.T) {
	mc := startMiniCluster(t, 1, "tm-a", "tm-b")
	jobs := session.NewJobRegistry()
	defer jobs.Close()
	jobs.SetDistributor(mc.dist)
	s := session.New(session.Options{Jobs: jobs, Log: mc.jmLog, Config: map[string]string{"parallelism.default": "2"}})
	defer s.Close()
	dir := t.TempDir()
	const n = 2000
	mc.run(t, s, fmt.Sprintf(`
SET 'execution.checkpointing.interval' = '50ms';
SET 'state.checkpoints.dir' = 'file://%[1]s/chk';
SET 'table.dml-sync' = 'true';
CREATE TABLE src (id BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '4000', 'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '%[2]d');
CREATE TABLE snk (id BIGINT) WITH ('connector' = 'filesystem', 'path' = '%[1]s/out', 'format' = 'csv');
CREATE TABLE bh (k BIGINT, c BIGINT) WITH ('connector' = 'blackhole');
EXECUTE STATEMENT SET BEGIN
INSERT INTO snk SELECT id FROM src;
INSERT INTO bh SELECT MOD(id, 7), COUNT(*) FROM src GROUP BY MOD(id, 7);
END;
`, dir, n))
	checkIDs(t, readIDs(t, filepath.Join(dir, "out")), n)
	for i, l := range mc.logs {
		if c := strings.Count(l.String(), "[INFO] Deploying "); c < 2 {
			mc.fail(t, fmt.Sprintf("TaskManager %d deployed %d subtasks", i, c))
		}
	}
	// The attempt's end releases its slots (right after the job ended).
	deadline := time.Now().Add(90 * time.Second)
	for {
		_, _, free := mc.reg.Slots()
		if free == 2 {
			break
		}
		if time.Now().After(deadline) {
			mc.fail(t, fmt.Sprintf("%d free slots after the job, want 2", free))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestWorkersSavepoint: a job on the TaskManagers stopped with a
// savepoint (the TaskManagers write its keyed state) restores in an
// embedded session at another parallelism, and a savepoint taken there
// restores on the cluster again; the file sink ends with every id once.
func TestWorkersSavepoint(t *testing.T) {
	mc := startMiniCluster(t, 2, "tm-a", "tm-b")
	jobs := session.NewJobRegistry()
	defer jobs.Close()
	jobs.SetDistributor(mc.dist)
	dir := t.TempDir()
	const n = 6000
	ddl := fmt.Sprintf(`
SET 'execution.checkpointing.interval' = '50ms';
SET 'state.checkpoints.dir' = 'file://%[1]s/chk';
SET 'state.savepoints.dir' = 'file://%[1]s/sp';
SET 'state.backend.type' = 'rocksdb';
CREATE TABLE src (id BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '1000', 'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '%[2]d');
CREATE TABLE snk (id BIGINT) WITH ('connector' = 'filesystem', 'path' = '%[1]s/out', 'format' = 'csv');
CREATE TABLE bh (k BIGINT, c BIGINT) WITH ('connector' = 'blackhole');
`, dir, n)
	insert := `EXECUTE STATEMENT SET BEGIN
INSERT INTO snk SELECT id FROM src;
INSERT INTO bh SELECT MOD(id, 7), COUNT(*) FROM src GROUP BY MOD(id, 7);
END;
`
	stop := func(s *session.Session, id string) string {
		res := mc.run(t, s, fmt.Sprintf("STOP JOB '%s' WITH SAVEPOINT;", id))
		if res == nil || len(res.Rows) != 1 {
			mc.fail(t, fmt.Sprintf("STOP JOB answered %+v", res))
		}
		return res.Rows[0][0]
	}
	waitRows := func(min int) {
		deadline := time.Now().Add(90 * time.Second)
		for len(readIDs(t, filepath.Join(dir, "out"))) < min {
			if time.Now().After(deadline) {
				mc.fail(t, fmt.Sprintf("fewer than %d rows committed", min))
			}
			time.Sleep(20 * time.Millisecond)
		}
	}

	// 1: on the cluster, parallelism 2.
	s1 := session.New(session.Options{Jobs: jobs, Log: mc.jmLog, Config: map[string]string{"parallelism.default": "2"}})
	defer s1.Close()
	res := mc.run(t, s1, ddl+insert)
	waitRows(100)
	sp1 := stop(s1, res.JobID)
	if c := strings.Count(mc.logs[0].String()+mc.logs[1].String(), "[INFO] Deploying "); c != 6 {
		mc.fail(t, fmt.Sprintf("%d subtasks deployed, want 6", c))
	}

	// 2: embedded (no distributor), parallelism 3, from the savepoint.
	local := session.New(session.Options{Log: mc.jmLog, Config: map[string]string{"parallelism.default": "3", "execution.savepoint.path": sp1}})
	defer local.Close()
	res = mc.run(t, local, ddl+insert)
	waitRows(len(readIDs(t, filepath.Join(dir, "out"))) + 100)
	sp2 := stop(local, res.JobID)

	// 3: back on the cluster, parallelism 4 (all 4 slots), to the end.
	s3 := session.New(session.Options{Jobs: jobs, Log: mc.jmLog, Config: map[string]string{"parallelism.default": "4", "execution.savepoint.path": sp2, "table.dml-sync": "true"}})
	defer s3.Close()
	mc.run(t, s3, ddl+insert)
	checkIDs(t, readIDs(t, filepath.Join(dir, "out")), n)
	if c := strings.Count(mc.logs[0].String()+mc.logs[1].String(), "[INFO] Deploying "); c != 6+12 {
		mc.fail(t, fmt.Sprintf("%d subtasks deployed in all, want 18", c))
	}
}
