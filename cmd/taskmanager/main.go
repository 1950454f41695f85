// Command taskmanager is a worker of a session cluster: it offers
// taskmanager.numberOfTaskSlots slots to the JobManager at
// jobmanager.rpc.address:jobmanager.rpc.port, listens for the data
// exchange on taskmanager.data.port, and heartbeats every
// heartbeat.interval; it registers again whenever the JobManager restarts
// or forgets it.
//
//	taskmanager [-D key=value ...]
//
// It reads Flink's configuration file from FLINK_CONF_DIR under the -D
// options, prints one line each time it is registered, and runs in the
// foreground until SIGTERM or SIGINT; then it tells the JobManager it
// leaves and exits.
//
// The JobManager deploys the subtasks of INSERT jobs to its slots
// (planner/session/clusterexec): it plans the job's statements as the
// JobManager did, runs its share and prints a line per deployed subtask.
package main

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/flinkgo/engine/planner"
	"github.com/flinkgo/engine/planner/flinkconf"
	"github.com/flinkgo/engine/planner/session/clusterexec"
	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/cluster"
	pb "github.com/flinkgo/engine/runtime/cluster/clusterpb"
	"github.com/flinkgo/engine/runtime/netexchange"
	"github.com/flinkgo/engine/sql"
)

const usageText = `./taskmanager [-D key=value ...]

Starts a TaskManager in the foreground: it registers its slots with the
JobManager at jobmanager.rpc.address:jobmanager.rpc.port (default
localhost:6123), heartbeats, and listens for the data exchange on
taskmanager.data.port (default 0: a free port). Stop it with SIGTERM or
Ctrl-C.

  -D key=value     a configuration option (repeatable); FLINK_CONF_DIR's
                   config.yaml (or flink-conf.yaml) is read under them
  -h, --help       this help

Keys: taskmanager.numberOfTaskSlots (1), taskmanager.host (the address
that reaches the JobManager), taskmanager.bind-host (0.0.0.0),
taskmanager.data.port (0), taskmanager.resource-id (host:port-<6 hex>),
io.tmp.dirs (local working state of the subtasks run here),
heartbeat.interval (10 s), heartbeat.timeout (50 s),
cluster.registration.initial-timeout (100 ms), .max-timeout (30 s),
.error-delay (10 s), .refused-registration-delay (30 s).
`

func main() {
	runtime.TuneGC()
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, nil))
}

// settings are the TaskManager's configuration.
type settings struct {
	jobManager string // host:port
	slots      int
	host       string // advertised; "" = find the address that reaches the JobManager
	bindHost   string
	dataPort   int
	resourceID string // "" = host:port-<6 hex>
	scratchDir string // io.tmp.dirs' first entry; "" = the system's
	member     cluster.MemberOptions
}

// readSettings reads the TaskManager's keys (Flink's names and defaults).
func readSettings(conf map[string]string) (settings, error) {
	c := planner.NewConfig()
	for k, v := range conf {
		c.Set(k, v)
	}
	var s settings
	var err error
	port, err := c.Int("jobmanager.rpc.port", 6123)
	if err != nil {
		return s, err
	}
	if port <= 0 || port > 65535 {
		return s, fmt.Errorf("Invalid 'jobmanager.rpc.port' %d: expected the JobManager's port, 1 to 65535.", port)
	}
	s.jobManager = net.JoinHostPort(strings.TrimSpace(c.String("jobmanager.rpc.address", "localhost")), strconv.Itoa(port))
	if s.slots, err = c.Int("taskmanager.numberOfTaskSlots", 1); err != nil {
		return s, err
	}
	if s.slots < 1 {
		return s, fmt.Errorf("Invalid 'taskmanager.numberOfTaskSlots' %d: a TaskManager needs at least 1 slot.", s.slots)
	}
	s.host = strings.TrimSpace(c.String("taskmanager.host", ""))
	s.bindHost = strings.TrimSpace(c.String("taskmanager.bind-host", "0.0.0.0"))
	if s.dataPort, err = c.Int("taskmanager.data.port", 0); err != nil {
		return s, err
	}
	if s.dataPort < 0 || s.dataPort > 65535 {
		return s, fmt.Errorf("Invalid 'taskmanager.data.port' %d: expected 0 (a free port) or a port up to 65535.", s.dataPort)
	}
	s.resourceID = strings.TrimSpace(c.String("taskmanager.resource-id", ""))
	if dirs := c.String("io.tmp.dirs", ""); dirs != "" {
		if parts := strings.FieldsFunc(dirs, func(r rune) bool { return r == ',' || r == ':' }); len(parts) > 0 {
			s.scratchDir = parts[0]
		}
	}
	m := &s.member
	for _, d := range []struct {
		key string
		def time.Duration
		to  *time.Duration
	}{
		{"heartbeat.interval", cluster.DefaultHeartbeatInterval, &m.HeartbeatInterval},
		{"heartbeat.timeout", cluster.DefaultHeartbeatTimeout, &m.HeartbeatTimeout},
		{"cluster.registration.initial-timeout", cluster.DefaultRegistrationInitialTimeout, &m.RegistrationInitialTimeout},
		{"cluster.registration.max-timeout", cluster.DefaultRegistrationMaxTimeout, &m.RegistrationMaxTimeout},
		{"cluster.registration.error-delay", cluster.DefaultRegistrationErrorDelay, &m.RegistrationErrorDelay},
		{"cluster.registration.refused-registration-delay", cluster.DefaultRegistrationRefusedDelay, &m.RegistrationRefusedDelay},
	} {
		if *d.to, err = c.Duration(d.key, d.def); err != nil {
			return s, err
		}
		if *d.to <= 0 {
			return s, fmt.Errorf("Invalid '%s' %s: expected a positive duration.", d.key, c.String(d.key, ""))
		}
	}
	if m.HeartbeatInterval >= m.HeartbeatTimeout {
		return s, fmt.Errorf("The heartbeat timeout (heartbeat.timeout, %s) has to be larger than the heartbeat interval (heartbeat.interval, %s).", m.HeartbeatTimeout, m.HeartbeatInterval)
	}
	return s, nil
}

// run starts the TaskManager and runs until a signal arrives (or stop is
// closed, for tests); it returns the exit code.
func run(args []string, stdout, stderr io.Writer, stop <-chan struct{}) int {
	conf, code, exit := flinkconf.ParseProcessArgs("taskmanager", usageText, args, stdout, stderr)
	if exit {
		return code
	}
	secrets := &sql.SecretSet{}
	for k, v := range conf {
		secrets.AddOption(k, v)
	}
	log := sql.MaskingWriter{W: stderr, Secrets: secrets}
	s, err := readSettings(conf)
	if err != nil {
		fmt.Fprintf(stderr, "[ERROR] %v\n", err)
		return 1
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, syscall.SIGTERM, os.Interrupt)
	defer signal.Stop(signals)
	go func() {
		select {
		case sig := <-signals:
			fmt.Fprintf(stdout, "[INFO] Received %v, shutting down.\n", sig)
		case <-stop:
		case <-ctx.Done():
			return
		}
		cancel()
	}()

	// The data exchange's port: other TaskManagers send records here.
	data, err := netexchange.Listen(net.JoinHostPort(s.bindHost, strconv.Itoa(s.dataPort)), netexchange.ReceiverOptions{})
	if err != nil {
		fmt.Fprintf(stderr, "[ERROR] Could not listen for the data exchange on %s (taskmanager.bind-host, taskmanager.data.port): %v\n", net.JoinHostPort(s.bindHost, strconv.Itoa(s.dataPort)), err)
		return 1
	}
	defer data.Close()
	_, portText, _ := net.SplitHostPort(data.Addr())
	dataPort, _ := strconv.Atoi(portText)

	host := s.host
	if host == "" {
		if host = connectingAddress(ctx, s.jobManager, log); host == "" {
			return 0 // stopped while looking
		}
	}
	id := s.resourceID
	if id == "" {
		id = fmt.Sprintf("%s:%d-%s", host, dataPort, randomHex(3))
	}
	opts := s.member
	opts.JobManager = s.jobManager
	opts.Registration = cluster.Registration{ResourceID: id, Host: host, DataPort: dataPort, Slots: s.slots, Hardware: hardware(), Version: version()}
	opts.Log = log
	opts.Memory = memory
	var member *cluster.Member
	worker := clusterexec.NewWorker(clusterexec.WorkerOptions{ResourceID: id, Receiver: data, Log: stdout, ScratchDir: s.scratchDir,
		Report: func(ctx context.Context, regID string, req *pb.ReportRequest) error {
			return member.Report(ctx, regID, req)
		}})
	defer worker.Close()
	opts.OnCommand = worker.Handle
	opts.OnLost = worker.Lost
	opts.OnRegistered = func(jmID, regID string) {
		worker.Registered(regID)
		fmt.Fprintf(stdout, "[INFO] TaskManager %s registered at the JobManager %s (JobManager %s, registration %s): %d slots, data port %s.\n",
			id, s.jobManager, jmID, regID, s.slots, net.JoinHostPort(host, strconv.Itoa(dataPort)))
	}
	fmt.Fprintf(stderr, "[INFO] TaskManager %s starting: %d slots, data exchange on %s, registering at the JobManager %s.\n", id, s.slots, data.Addr(), s.jobManager)
	member = cluster.NewMember(opts)
	if err := member.Run(ctx); err != nil {
		fmt.Fprintf(stderr, "[ERROR] %v\n", err)
		return 1
	}
	fmt.Fprintln(stdout, "[INFO] TaskManager stopped.")
	return 0
}

// connectingAddress finds this machine's address on the route to the
// JobManager, as Flink's ConnectionUtils does when taskmanager.host is not
// set: a UDP "connection" sends nothing but picks the local address. It
// retries (the JobManager's name may not resolve yet, as in a Kubernetes
// pod starting before the Service's DNS entry) until ctx ends ("").
func connectingAddress(ctx context.Context, jobManager string, log io.Writer) string {
	warned := false
	for {
		c, err := net.Dial("udp", jobManager)
		if err == nil {
			ip := c.LocalAddr().(*net.UDPAddr).IP
			c.Close()
			return ip.String()
		}
		if !warned {
			fmt.Fprintf(log, "[WARN] Could not find the address that reaches the JobManager %s (%v); retrying. Set taskmanager.host to skip this.\n", jobManager, err)
			warned = true
		}
		select {
		case <-ctx.Done():
			return ""
		case <-time.After(time.Second):
		}
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	crand.Read(b)
	return hex.EncodeToString(b)
}
