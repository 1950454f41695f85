//go:build linux

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/flinkgo/engine/connectors/jdbc/jdbctest"
	"github.com/flinkgo/engine/connectors/kafka/kafkatest"
	"github.com/twmb/franz-go/pkg/kfake"
)

// The network-namespace kill loop (issue 15's "real network separation"),
// not part of the default run: NETNS_LOOP=1 (bash .ci/netns-loop).
//
// The JobManager, two TaskManagers and the sql-client each run in a
// network namespace of their own (ip netns), joined by veth pairs to one
// bridge in the root namespace; they reach each other only through their
// veths. The root namespace holds the bridge's address (.1), where the
// test process serves the Kafka broker (kfake, in process) and a TCP
// forwarder to the test's MariaDB (jdbctest, usually 127.0.0.1:3306).
// Every process sees the same filesystem, so the checkpoint directory is a
// shared path. Disruptions: SIGKILL (then a restart that rejoins), SIGSTOP
// longer than heartbeat.timeout (then SIGCONT), and a partition (the
// TaskManager's veth down until the JobManager timed it out, then up).
// There is no delay or loss injection: that needs tc netem, and kernels
// without sch_netem (this CI machine's) lack it.
//
// Environment: NETNS_CYCLES (rounds, default 3), NETNS_SEED (replay a
// logged run), NETNS_TAG (names the namespaces and links, default random;
// .ci/netns-loop passes its pid to clean up after a killed run).

const netnsDeadline = 3 * time.Minute

func TestNetnsKillLoop(t *testing.T) {
	if os.Getenv("NETNS_LOOP") != "1" {
		t.Skip("the network-namespace kill loop runs only with NETNS_LOOP=1 (bash .ci/netns-loop)")
	}
	cycles := 3
	if v := os.Getenv("NETNS_CYCLES"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			t.Fatalf("NETNS_CYCLES=%q: want a number", v)
		}
		cycles = n
	}
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv("NETNS_SEED"); v != "" {
		s, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("NETNS_SEED=%q: want a number", v)
		}
		seed = s
	}
	t.Logf("NETNS_SEED=%d NETNS_CYCLES=%d (replay with these)", seed, cycles)
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	start := time.Now()

	n := newNetns(t, r) // skips (fails under CI=true) without privileges
	jmBin, tmBin := binaries(t)
	clBin := sqlClient(t)
	jmHost := n.add("jm", 10)
	tmHosts := map[string]*nsHost{"tm-a": n.add("tma", 11), "tm-b": n.add("tmb", 12)}
	clHost := n.add("cl", 13)

	// MariaDB, reached from the namespaces through a forwarder on the
	// bridge address.
	t.Cleanup(jdbctest.Stop)
	db := jdbctest.NewDatabase(t)
	db.Exec(t, "CREATE TABLE counts (k BIGINT PRIMARY KEY, c BIGINT)")
	dbAddr := forward(t, n.hostIP, db.Config.Addr)

	// Kafka: kfake in this process, listening on the bridge address.
	kc := kafkatest.StartKfake(t, 0,
		kfake.BrokerConfigs(map[string]string{"transaction.max.timeout.ms": "900000"}),
		kfake.ListenFn(func(network, addr string) (net.Listener, error) {
			_, port, _ := net.SplitHostPort(addr)
			return net.Listen(network, net.JoinHostPort(n.hostIP, port))
		}))
	t.Cleanup(kc.Close)
	b := &kafkatest.Broker{Bootstrap: strings.Join(kc.ListenAddrs(), ","), Cluster: kc}
	in, out := kafkatest.Topic("netns-in"), kafkatest.Topic("netns-out")
	b.CreateTopic(t, in, 3, nil)
	b.CreateTopic(t, out, 2, nil)

	// Sizes: the GROUP BY input is paced by datagen; the Kafka input is
	// produced while the loop runs and its last records only after the
	// last round, so the job cannot finish before every round happened.
	nGroup := 200 * (20 + 10*cycles)
	nKafka := 3000 + 1000*cycles
	const held = 500
	ends := map[int32]int64{}
	for id := 1; id <= nKafka; id++ {
		ends[int32(id%3)]++
	}
	release := make(chan struct{})
	var produced sync.WaitGroup
	produced.Add(1)
	go func() {
		defer produced.Done()
		const step = 100
		for from := 1; from <= nKafka; from += step {
			if from > nKafka-held {
				<-release
			}
			var recs []kafkatest.Record
			for id := from; id < from+step && id <= nKafka; id++ {
				recs = append(recs, kafkatest.Record{Partition: int32(id % 3),
					Value: []byte(fmt.Sprintf(`{"id":%d,"name":"n%d"}`, id, id))})
			}
			b.Produce(t, in, recs...)
			if from <= nKafka-held {
				time.Sleep(400 * time.Millisecond)
			}
		}
	}()
	releaseOnce := sync.OnceFunc(func() { close(release) })
	t.Cleanup(func() { releaseOnce(); produced.Wait() })

	// The cluster: 1 JobManager, 2 TaskManagers of 2 slots (one may run
	// the whole job while the other is gone).
	c := &jobCluster{clusterTest: newClusterTest(t), tms: map[string]*proc{}}
	c.jm = c.startIn(jmHost, "jobmanager", jmBin, "rest.port=0", "rest.address="+jmHost.ip, "rest.bind-address="+jmHost.ip,
		"jobmanager.rpc.address="+jmHost.ip, "jobmanager.rpc.port=0",
		"heartbeat.timeout=3 s", "slot.request.timeout=120 s")
	rpc := c.waitOutput(c.jm, rpcLine)
	c.rest = c.waitOutput(c.jm, restLine)
	_, c.rpcPort, _ = strings.Cut(rpc, ":")
	startTM := func(id string) *proc {
		h := tmHosts[id]
		p := c.startIn(h, "taskmanager "+id, tmBin,
			"jobmanager.rpc.address="+jmHost.ip, "jobmanager.rpc.port="+c.rpcPort,
			"taskmanager.numberOfTaskSlots=2", "taskmanager.bind-host="+h.ip, "taskmanager.host="+h.ip,
			"taskmanager.data.port=0", "taskmanager.resource-id="+id,
			"heartbeat.interval=200 ms", "heartbeat.timeout=3 s", "cluster.registration.error-delay=200 ms")
		c.waitOutput(p, regLine)
		c.tms[id] = p
		return p
	}
	for _, id := range []string{"tm-a", "tm-b"} {
		startTM(id)
	}
	c.until("both TaskManagers in /overview", func() (bool, string) {
		var o overviewJSON
		code, err := get(c.rest+"/overview", &o)
		return err == nil && code == 200 && o.TaskManagers == 2 && o.SlotsAvailable == 4, fmt.Sprintf("%d %v %+v", code, err, o)
	})

	dir := t.TempDir()
	var offs []string
	for p := int32(0); p < 3; p++ {
		offs = append(offs, fmt.Sprintf("partition:%d,offset:%d", p, ends[p]))
	}
	jdbcURL := "jdbc:mysql://" + dbAddr + "/" + db.Name + "?useSSL=false&serverTimezone=UTC&rewriteBatchedStatements=true"
	creds := ""
	if db.User() != "" || db.Password() != "" {
		creds = fmt.Sprintf(", 'username' = '%s', 'password' = '%s'", db.User(), db.Password())
	}
	script := fmt.Sprintf(`SET 'pipeline.name' = 'netns-kill-loop';
SET 'execution.checkpointing.interval' = '300ms';
SET 'state.checkpoints.dir' = 'file://%[1]s/chk';
SET 'parallelism.default' = '2';
SET 'restart-strategy.type' = 'fixed-delay';
SET 'restart-strategy.fixed-delay.attempts' = '1000';
SET 'restart-strategy.fixed-delay.delay' = '500ms';
CREATE TABLE src (id BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '200',
  'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '%[2]d');
CREATE TABLE counts (k BIGINT, c BIGINT, PRIMARY KEY (k) NOT ENFORCED) WITH (
  'connector' = 'jdbc', 'url' = '%[3]s', 'table-name' = 'counts'%[4]s,
  'sink.buffer-flush.max-rows' = '100', 'sink.buffer-flush.interval' = '100ms',
  'connection.max-retry-timeout' = '30s');
CREATE TABLE kin (id BIGINT, name STRING) WITH (
  'connector' = 'kafka', 'topic' = '%[5]s', 'properties.bootstrap.servers' = '%[6]s',
  'properties.group.id' = 'netns', 'scan.startup.mode' = 'earliest-offset',
  'scan.bounded.mode' = 'specific-offsets', 'scan.bounded.specific-offsets' = '%[7]s', 'format' = 'json');
CREATE TABLE kout (id BIGINT, name STRING) WITH (
  'connector' = 'kafka', 'topic' = '%[8]s', 'properties.bootstrap.servers' = '%[6]s',
  'sink.delivery-guarantee' = 'exactly-once', 'sink.transactional-id-prefix' = '%[8]s', 'format' = 'json');
EXECUTE STATEMENT SET BEGIN
INSERT INTO counts SELECT MOD(id, 7), COUNT(*) FROM src GROUP BY MOD(id, 7);
INSERT INTO kout SELECT id, UPPER(name) FROM kin;
END;
`, dir, nGroup, jdbcURL, creds, in, b.Bootstrap, strings.Join(offs, ";"), out)
	f := filepath.Join(dir, "job.sql")
	if err := os.WriteFile(f, []byte(script), 0o600); err != nil {
		t.Fatal(err)
	}
	restPort := c.rest[strings.LastIndex(c.rest, ":")+1:]
	clOut, err := runIn(clHost, clBin, "-D", "execution.target=remote", "-D", "rest.address="+jmHost.ip, "-D", "rest.port="+restPort, "-f", f)
	if err != nil {
		c.fatalf("sql-client in namespace %s: %v\n%s", clHost.ns, err, clOut)
	}
	m := jobIDLine.FindStringSubmatch(clOut)
	if m == nil {
		c.fatalf("sql-client printed no job id:\n%s", clOut)
	}
	id := m[1]
	t.Logf("job %s submitted from namespace %s; %d GROUP BY rows, %d Kafka records", id, clHost.ns, nGroup, nKafka)

	// The loop. The first three rounds take each kind of disruption once
	// (in a random order), later ones pick at random.
	kinds := []string{"kill", "pause", "partition"}
	r.Shuffle(len(kinds), func(i, j int) { kinds[i], kinds[j] = kinds[j], kinds[i] })
	done := map[string]int{}
	for round := 0; round < cycles; round++ {
		kind := kinds[r.IntN(len(kinds))]
		if round < len(kinds) {
			kind = kinds[round]
		}
		attempt := c.waitHealthy(id, 0)
		// Victims: the TaskManagers running subtasks of the current attempt.
		var victims []string
		for name, subtasks := range c.deployed(id, attempt) {
			if len(subtasks) > 0 {
				victims = append(victims, name)
			}
		}
		if len(victims) == 0 {
			c.fatalf("round %d: no TaskManager runs attempt %d", round, attempt)
		}
		sort.Strings(victims)
		victim := victims[r.IntN(len(victims))]
		wait := time.Duration(300+r.IntN(2000)) * time.Millisecond
		t.Logf("round %d (%s): attempt %d on %v; %s %s in %v", round, time.Since(start).Round(time.Second), attempt, victims, kind, victim, wait)
		time.Sleep(wait)
		timeouts := c.heartbeatTimeouts(victim)
		p := c.tms[victim]
		switch kind {
		case "kill":
			p.cmd.Process.Signal(syscall.SIGKILL)
			c.waitExit(p)
			time.Sleep(time.Duration(r.IntN(2000)) * time.Millisecond)
			startTM(victim)
		case "pause":
			p.cmd.Process.Signal(syscall.SIGSTOP)
			c.untilFor(netnsDeadline, "the JobManager to time out paused "+victim, func() (bool, string) {
				n := c.heartbeatTimeouts(victim)
				return n > timeouts, fmt.Sprintf("%d heartbeat timeouts", n)
			})
			time.Sleep(time.Duration(r.IntN(1500)) * time.Millisecond)
			p.cmd.Process.Signal(syscall.SIGCONT)
		case "partition":
			h := tmHosts[victim]
			n.setLink(h, false)
			c.untilFor(netnsDeadline, "the JobManager to time out partitioned "+victim, func() (bool, string) {
				n := c.heartbeatTimeouts(victim)
				return n > timeouts, fmt.Sprintf("%d heartbeat timeouts", n)
			})
			time.Sleep(time.Duration(r.IntN(1500)) * time.Millisecond)
			n.setLink(h, true)
		}
		done[kind]++
		// Recovered: a later attempt running with a completed checkpoint,
		// and both TaskManagers registered again.
		next := c.waitHealthy(id, attempt)
		t.Logf("round %d: recovered, attempt %d on %v", round, next, c.deployed(id, next))
	}
	t.Logf("%d rounds done (%v) in %s; releasing the last %d Kafka records", cycles, done, time.Since(start).Round(time.Second), held)
	releaseOnce()

	var state string
	c.untilFor(10*time.Minute, "job "+id+" to end", func() (bool, string) {
		var j struct {
			State string `json:"state"`
		}
		code, err := get(c.rest+"/jobs/"+id, &j)
		state = j.State
		return err == nil && code == 200 && (state == "FINISHED" || state == "FAILED" || state == "CANCELED"), fmt.Sprintf("%d %v %s", code, err, state)
	})
	if state != "FINISHED" {
		c.fatalf("job %s ended %s", id, state)
	}
	t.Logf("job finished after %d attempts in %s", c.lastAttempt(id), time.Since(start).Round(time.Second))

	// 0 lost, 0 duplicated: the exact counts in MariaDB ...
	want := map[int64]int64{}
	for i := 1; i <= nGroup; i++ {
		want[int64(i%7)]++
	}
	rows, err := db.SQL.Query("SELECT k, c FROM counts")
	if err != nil {
		t.Fatal(err)
	}
	got := map[int64]int64{}
	for rows.Next() {
		var k, v int64
		if err := rows.Scan(&k, &v); err != nil {
			t.Fatal(err)
		}
		got[k] = v
	}
	rows.Close()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		c.fatalf("MariaDB counts %v, want %v", got, want)
	}
	// ... and every id exactly once in the committed Kafka output.
	produced.Wait()
	counts := map[int64]int{}
	for _, rec := range b.ReadCommitted(t, out, time.Second) {
		var row struct {
			ID   int64  `json:"id"`
			Name string `json:"name"`
		}
		if err := json.Unmarshal(rec.Value, &row); err != nil || row.Name != fmt.Sprintf("N%d", row.ID) {
			c.fatalf("bad output record %q: %v", rec.Value, err)
		}
		counts[row.ID]++
	}
	var missing, dup []int64
	for i := int64(1); i <= int64(nKafka); i++ {
		switch counts[i] {
		case 0:
			missing = append(missing, i)
		case 1:
		default:
			dup = append(dup, i)
		}
	}
	all := len(b.ReadUncommitted(t, out, time.Second))
	if len(missing) > 0 || len(dup) > 0 || len(counts) != nKafka {
		c.fatalf("Kafka output (read_committed): %d ids missing (first %v), %d duplicated (first %v), %d distinct, want %d",
			len(missing), missing[:min(10, len(missing))], len(dup), dup[:min(10, len(dup))], len(counts), nKafka)
	}
	t.Logf("exact: MariaDB %v; Kafka %d ids once each (%d records written in all, aborted ones included); %s in all",
		got, nKafka, all, time.Since(start).Round(time.Second))
}

// untilFor is until with its own deadline.
func (c *clusterTest) untilFor(d time.Duration, what string, cond func() (bool, string)) {
	c.t.Helper()
	end := time.Now().Add(d)
	for {
		ok, state := cond()
		if ok {
			return
		}
		if time.Now().After(end) {
			c.fatalf("timed out after %s waiting for %s; last seen: %s", d, what, state)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// heartbeatTimeouts counts the JobManager's heartbeat timeouts of tm.
func (c *jobCluster) heartbeatTimeouts(tm string) int {
	re := regexp.MustCompile(`The heartbeat of TaskManager with id ` + regexp.QuoteMeta(tm) + ` at \S+ timed out`)
	return len(re.FindAllString(c.jm.out.String(), -1))
}

// lastAttempt is the newest attempt of job id deployed on any TaskManager
// (the outputs of killed ones included).
func (c *jobCluster) lastAttempt(id string) int {
	last := 0
	c.mu.Lock()
	procs := append([]*proc(nil), c.procs...)
	c.mu.Unlock()
	for _, p := range procs {
		for _, m := range deployLine.FindAllStringSubmatch(p.out.String(), -1) {
			if a, _ := strconv.Atoi(m[5]); m[4] == id && a > last {
				last = a
			}
		}
	}
	return last
}

// waitHealthy waits until job id runs an attempt newer than after, both
// TaskManagers are registered and a checkpoint completed since that
// attempt was deployed; it returns the attempt.
func (c *jobCluster) waitHealthy(id string, after int) int {
	c.t.Helper()
	var attempt int
	c.untilFor(netnsDeadline, fmt.Sprintf("an attempt after %d of job %s deployed", after, id), func() (bool, string) {
		attempt = c.lastAttempt(id)
		return attempt > after, fmt.Sprintf("attempt %d", attempt)
	})
	base := -1
	c.untilFor(netnsDeadline, fmt.Sprintf("job %s running attempt %d with a new completed checkpoint and both TaskManagers registered", id, attempt), func() (bool, string) {
		var j struct {
			State string `json:"state"`
		}
		var cp struct {
			Counts struct {
				Completed int `json:"completed"`
			} `json:"counts"`
		}
		code, err := get(c.rest+"/jobs/"+id, &j)
		code2, err2 := get(c.rest+"/jobs/"+id+"/checkpoints", &cp)
		tms, desc := taskManagers(c.rest)
		if err != nil || err2 != nil || code != 200 || code2 != 200 {
			return false, fmt.Sprintf("%d %v; %d %v", code, err, code2, err2)
		}
		if j.State == "FAILED" || j.State == "CANCELED" || j.State == "FINISHED" {
			c.fatalf("job %s ended %s while the loop runs", id, j.State)
		}
		if base < 0 {
			base = cp.Counts.Completed
		}
		if a := c.lastAttempt(id); a != attempt {
			// Restarted again meanwhile: wait for that one.
			attempt, base = a, cp.Counts.Completed
		}
		_, a := tms["tm-a"]
		_, b := tms["tm-b"]
		return j.State == "RUNNING" && cp.Counts.Completed > base && a && b,
			fmt.Sprintf("state %s, attempt %d, %d checkpoints completed (%d before), TaskManagers %s", j.State, attempt, cp.Counts.Completed, base, desc)
	})
	return attempt
}

// startIn starts bin in the network namespace of h (ip netns exec execs
// it: the pid is the binary's, so signals reach it directly).
func (c *clusterTest) startIn(h *nsHost, name, bin string, conf ...string) *proc {
	c.t.Helper()
	args := []string{"netns", "exec", h.ns, bin}
	for _, kv := range conf {
		args = append(args, "-D", kv)
	}
	cmd := exec.Command("ip", args...)
	cmd.Env = append(os.Environ(), "FLINK_CONF_DIR=")
	p := &proc{name: name + " (" + h.ns + ")", cmd: cmd, out: &syncBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.out, p.out
	if err := cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	go func() { cmd.Wait(); close(p.done) }()
	c.mu.Lock()
	c.procs = append(c.procs, p)
	c.mu.Unlock()
	return p
}

// runIn runs bin in h's namespace to its end (SIGQUIT after 5 minutes, so
// a hung client dumps its goroutines).
func runIn(h *nsHost, bin string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", h.ns, bin}, args...)...)
	cmd.Env = append(os.Environ(), "FLINK_CONF_DIR=")
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGQUIT) }
	cmd.WaitDelay = 10 * time.Second
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// netns is a bridge in the root namespace and a namespace per host, each
// joined to the bridge by a veth pair.
type netns struct {
	t      *testing.T
	tag    string
	prefix string // "10.77.<x>."
	hostIP string // the bridge's address in the root namespace
	bridge string
}

type nsHost struct {
	ns   string // namespace name
	veth string // the root namespace's end, on the bridge
	ip   string
}

// needPrivileges fails under CI=true and skips otherwise.
func needPrivileges(t *testing.T, why string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("network namespaces unavailable (root and iproute2 needed): %s", why)
	}
	t.Skipf("network namespaces unavailable (root and iproute2 needed): %s", why)
}

func ipCmd(args ...string) error {
	out, err := exec.Command("ip", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

func newNetns(t *testing.T, r *rand.Rand) *netns {
	t.Helper()
	if os.Geteuid() != 0 {
		needPrivileges(t, "not root")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		needPrivileges(t, "no ip command")
	}
	tag := os.Getenv("NETNS_TAG")
	if tag == "" {
		tag = strconv.Itoa(1000 + r.IntN(9000))
	}
	if len(tag) > 6 {
		tag = tag[len(tag)-6:]
	}
	// A subnet no interface of this host uses yet.
	addrs, _ := exec.Command("ip", "-o", "-4", "addr").Output()
	x := 0
	for x == 0 || strings.Contains(string(addrs), fmt.Sprintf(" 10.77.%d.", x)) {
		x = 1 + r.IntN(254)
	}
	n := &netns{t: t, tag: tag, prefix: fmt.Sprintf("10.77.%d.", x), bridge: "fg" + tag + "br"}
	n.hostIP = n.prefix + "1"
	t.Cleanup(n.cleanup)
	if err := ipCmd("link", "add", n.bridge, "type", "bridge"); err != nil {
		needPrivileges(t, err.Error())
	}
	for _, a := range [][]string{
		{"addr", "add", n.hostIP + "/24", "dev", n.bridge},
		{"link", "set", n.bridge, "up"},
	} {
		if err := ipCmd(a...); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("network: bridge %s %s/24, namespaces fgl%s-*", n.bridge, n.hostIP, tag)
	return n
}

// add creates namespace fgl<tag>-<name> with address prefix+<ip> on eth0.
func (n *netns) add(name string, ip int) *nsHost {
	n.t.Helper()
	h := &nsHost{ns: "fgl" + n.tag + "-" + name, veth: fmt.Sprintf("fg%sh%d", n.tag, ip), ip: n.prefix + strconv.Itoa(ip)}
	peer := fmt.Sprintf("fg%sn%d", n.tag, ip)
	for _, a := range [][]string{
		{"netns", "add", h.ns},
		{"link", "add", h.veth, "type", "veth", "peer", "name", peer},
		{"link", "set", peer, "netns", h.ns},
		{"-n", h.ns, "link", "set", peer, "name", "eth0"},
		{"-n", h.ns, "addr", "add", h.ip + "/24", "dev", "eth0"},
		{"-n", h.ns, "link", "set", "eth0", "up"},
		{"-n", h.ns, "link", "set", "lo", "up"},
		{"link", "set", h.veth, "master", n.bridge},
		{"link", "set", h.veth, "up"},
	} {
		if err := ipCmd(a...); err != nil {
			if a[0] == "netns" {
				needPrivileges(n.t, err.Error())
			}
			n.t.Fatal(err)
		}
	}
	return h
}

// setLink takes h's veth down (a partition: h reaches nobody) or up.
func (n *netns) setLink(h *nsHost, up bool) {
	n.t.Helper()
	state := "down"
	if up {
		state = "up"
	}
	if err := ipCmd("link", "set", h.veth, state); err != nil {
		n.t.Fatal(err)
	}
	n.t.Logf("link %s of %s (%s) %s", h.veth, h.ns, h.ip, state)
}

// cleanup deletes the namespaces (their veth ends go with them, and the
// peers in the root namespace with those) and the bridge. It runs after
// the processes were stopped (registered before them).
func (n *netns) cleanup() {
	out, _ := exec.Command("ip", "netns", "list").Output()
	for _, l := range strings.Split(string(out), "\n") {
		if f := strings.Fields(l); len(f) > 0 && strings.HasPrefix(f[0], "fgl"+n.tag+"-") {
			if err := ipCmd("netns", "del", f[0]); err != nil {
				n.t.Log(err)
			}
		}
	}
	links, _ := exec.Command("ip", "-o", "link").Output()
	for _, l := range strings.Split(string(links), "\n") {
		f := strings.Fields(l)
		if len(f) > 1 {
			name, _, _ := strings.Cut(strings.TrimSuffix(f[1], ":"), "@")
			if strings.HasPrefix(name, "fg"+n.tag) {
				ipCmd("link", "del", name)
			}
		}
	}
}

// forward listens on host:0 and forwards each connection to target; it
// returns the listening address. Closed (with its connections) at the
// test's end.
func forward(t *testing.T, host, target string) string {
	t.Helper()
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	closed := false
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		closed = true
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	})
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			mu.Lock()
			if closed {
				mu.Unlock()
				c.Close()
				s.Close()
				return
			}
			conns = append(conns, c, s)
			mu.Unlock()
			go func() { io.Copy(s, c); s.Close() }()
			go func() { io.Copy(c, s); c.Close() }()
		}
	}()
	return l.Addr().String()
}
