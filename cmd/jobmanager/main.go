// Command jobmanager is the session cluster: a long-running process that
// hosts the jobs clients submit, keeps them running when the clients
// leave, checkpoints and restarts them, and serves — on one port,
// rest.port (default 8081) — Flink's REST API, the web dashboard and the
// SQL Gateway protocol that `sql-client -D execution.target=remote` (or
// `sql-client gateway --endpoint host:port`) speaks.
//
//	jobmanager [-D key=value ...]
//
// It reads Flink's configuration file from FLINK_CONF_DIR under the -D
// options, prints the address it serves, and runs in the foreground until
// SIGTERM or SIGINT; then it stops serving and cancels the jobs still
// running (their retained checkpoints stay for a restore).
//
// TaskManagers (cmd/taskmanager) register on jobmanager.rpc.port (default
// 6123, bound to jobmanager.bind-host or else jobmanager.rpc.address,
// default localhost) and heartbeat; one silent for heartbeat.timeout
// (default 50 s) is removed. /taskmanagers and /overview show them. While
// at least one TaskManager is registered, INSERT jobs run on the
// TaskManagers' slots (planner/session/clusterexec; slot.request.timeout,
// default 300 s, bounds the wait for free slots); otherwise, and for
// SELECT queries, in this process.
package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/flinkgo/engine/planner"
	"github.com/flinkgo/engine/planner/flinkconf"
	"github.com/flinkgo/engine/planner/session"
	"github.com/flinkgo/engine/planner/session/clusterexec"
	"github.com/flinkgo/engine/planner/session/flinkrest"
	"github.com/flinkgo/engine/planner/session/promreporter"
	"github.com/flinkgo/engine/planner/session/sqlgateway"
	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/cluster"
	"github.com/flinkgo/engine/sql"
)

const usageText = `./jobmanager [-D key=value ...]

Starts a session cluster in the foreground: it hosts the jobs that clients
submit and serves Flink's REST API, the web dashboard and the SQL Gateway on
rest.bind-address:rest.port (default 127.0.0.1:8081; rest.port=0 picks a
free port). TaskManagers register on jobmanager.rpc.port (default 6123;
0 picks a free port, as does rest.port=0 when jobmanager.rpc.port is not
set), bound to jobmanager.bind-host (default: jobmanager.rpc.address,
default localhost); while any is registered, INSERT jobs run on their slots
(waiting up to slot.request.timeout, 300 s, for enough free ones). Stop it
with SIGTERM or Ctrl-C.

  -D key=value     a configuration option (repeatable); FLINK_CONF_DIR's
                   config.yaml (or flink-conf.yaml) is read under them
  -h, --help       this help

Submit SQL with: ./sql-client -D execution.target=remote -D rest.address=<host> -D rest.port=<port>
`

func main() {
	runtime.TuneGC()
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, nil))
}

// run starts the cluster and serves until a signal arrives (or stop is
// closed, for tests); it returns the exit code.
func run(args []string, stdout, stderr io.Writer, stop <-chan struct{}) int {
	conf, code, exit := flinkconf.ParseProcessArgs("jobmanager", usageText, args, stdout, stderr)
	if exit {
		return code
	}
	secrets := &sql.SecretSet{}
	for k, v := range conf {
		secrets.AddOption(k, v)
	}
	log := sql.MaskingWriter{W: stderr, Secrets: secrets}

	// rest.port: Flink's default 8081 here (the embedded client serves no
	// REST API unless asked); 0 picks a free port.
	anyPort := conf["rest.port"] == "0"
	// jobmanager.rpc.port: Flink's 6123; 0 picks a free port, and so does
	// an unset one on a cluster with rest.port=0 (throwaway ports, as
	// tests start clusters), so two such clusters never collide.
	// (Not written into conf: it would show in the sessions' SET listing.)
	defaultRPCPort := 6123
	if _, set := conf["jobmanager.rpc.port"]; !set && anyPort {
		defaultRPCPort = 0
	}
	if _, set := conf["rest.port"]; !set || anyPort {
		conf["rest.port"] = "8081"
	}
	jobs := session.NewJobRegistry()
	host := session.New(session.Options{Config: conf, Log: log, Jobs: jobs})
	restCfg, err := flinkrest.ConfigFrom(host.Config())
	if err != nil {
		fmt.Fprintf(stderr, "[ERROR] %v\n", err)
		return 1
	}
	if anyPort {
		restCfg.Port = 0
	}
	gwOpts, err := sqlgateway.OptionsFrom(host.Config())
	if err != nil {
		fmt.Fprintf(stderr, "[ERROR] %v\n", err)
		return 1
	}
	gwOpts.Jobs, gwOpts.Config, gwOpts.Log, gwOpts.Secrets = jobs, conf, log, secrets
	if anyPort {
		delete(gwOpts.Config, "rest.port")
	}
	rpcLn, rpcAddr, timeout, err := listenRPC(host.Config(), defaultRPCPort)
	if err != nil {
		fmt.Fprintf(stderr, "[ERROR] %v\n", err)
		return 1
	}
	members := cluster.NewRegistry(cluster.RegistryOptions{HeartbeatTimeout: timeout, Log: log})
	rpc := cluster.NewServer(members)
	// Jobs go to the TaskManagers once any registered (clusterexec).
	slotTimeout, err := host.Config().Duration("slot.request.timeout", clusterexec.DefaultSlotRequestTimeout)
	if err == nil && slotTimeout <= 0 {
		err = fmt.Errorf("Invalid 'slot.request.timeout' %s: expected a positive duration.", host.Config().String("slot.request.timeout", ""))
	}
	if err != nil {
		rpcLn.Close()
		fmt.Fprintf(stderr, "[ERROR] %v\n", err)
		return 1
	}
	dist := clusterexec.NewDistributor(clusterexec.Options{Registry: members, SlotRequestTimeout: slotTimeout, Log: log})
	rpc.SetReportHandler(dist.HandleReport)
	jobs.SetDistributor(dist)
	rpc.Serve(rpcLn)
	sweepCtx, stopSweeping := context.WithCancel(context.Background())
	swept := make(chan struct{})
	go func() { members.Run(sweepCtx); close(swept) }()
	defer func() { rpc.Close(); stopSweeping(); <-swept }()

	gateway := sqlgateway.NewServer(gwOpts)
	rest := flinkrest.New(host, restCfg, secrets.Mask)
	rest.SetCluster(members)
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if sqlgateway.Handles(r.URL.Path) {
			gateway.ServeHTTP(w, r)
			return
		}
		rest.ServeHTTP(w, r)
	})
	if err := rest.StartWith(handler); err != nil {
		fmt.Fprintf(stderr, "[ERROR] %v\n", err)
		gateway.Close()
		return 1
	}
	promCfg, err := promreporter.ConfigFrom(host.Config())
	if err != nil {
		fmt.Fprintf(stderr, "[ERROR] %v\n", err)
		rest.Close()
		gateway.Close()
		return 1
	}
	var prom *promreporter.Reporter
	if promCfg.Enabled {
		prom = promreporter.New(host, promCfg, promreporter.Options{Mask: secrets.Mask})
		if err := prom.Start(); err != nil {
			fmt.Fprintf(stderr, "[ERROR] %v\n", err)
			rest.Close()
			gateway.Close()
			return 1
		}
		fmt.Fprintf(stdout, "[INFO] Prometheus metrics at %s\n", prom.URL())
	}
	fmt.Fprintf(stdout, "[INFO] JobManager RPC endpoint for TaskManagers at %s (heartbeat.timeout %s).\n", rpcAddr, timeout)
	fmt.Fprintf(stdout, "[INFO] JobManager started: REST API, web dashboard and SQL Gateway at %s\n", rest.URL())

	signals := make(chan os.Signal, 2)
	signal.Notify(signals, syscall.SIGTERM, os.Interrupt)
	defer signal.Stop(signals)
	select {
	case sig := <-signals:
		fmt.Fprintf(stdout, "[INFO] Received %v, shutting down.\n", sig)
	case <-stop:
	}
	running := 0
	for _, j := range jobs.Jobs() {
		if j.Status() == runtime.JobRunning {
			running++
		}
	}
	rest.Close()
	if prom != nil {
		prom.Close()
	}
	gateway.Close()
	if running > 0 {
		fmt.Fprintf(stdout, "[INFO] Cancelling %d running job(s); restore them from their checkpoints or savepoints.\n", running)
	}
	// Jobs first: their attempts on TaskManagers are told to cancel over
	// the RPC endpoint, which closes after.
	jobs.Close()
	rpc.Close()
	host.Close()
	fmt.Fprintln(stdout, "[INFO] JobManager stopped.")
	return 0
}

// listenRPC binds the TaskManagers' RPC endpoint: jobmanager.bind-host
// (default: jobmanager.rpc.address, default localhost) and
// jobmanager.rpc.port (default defaultPort, 6123 unless the cluster runs on
// throwaway ports; 0 a free port). It returns the
// listener, the address TaskManagers are to use (jobmanager.rpc.address
// and the bound port) and heartbeat.timeout.
func listenRPC(c *planner.Config, defaultPort int) (net.Listener, string, time.Duration, error) {
	port, err := c.Int("jobmanager.rpc.port", 6123)
	if err != nil {
		return nil, "", 0, err
	}
	if _, set := c.Lookup("jobmanager.rpc.port"); !set {
		port = defaultPort
	}
	if port < 0 || port > 65535 {
		return nil, "", 0, fmt.Errorf("Invalid 'jobmanager.rpc.port' %d: expected 0 (a free port) or a port up to 65535.", port)
	}
	timeout, err := c.Duration("heartbeat.timeout", cluster.DefaultHeartbeatTimeout)
	if err != nil {
		return nil, "", 0, err
	}
	if timeout <= 0 {
		return nil, "", 0, fmt.Errorf("Invalid 'heartbeat.timeout' %s: expected a positive duration.", c.String("heartbeat.timeout", ""))
	}
	address := strings.TrimSpace(c.String("jobmanager.rpc.address", "localhost"))
	bind := strings.TrimSpace(c.String("jobmanager.bind-host", address))
	ln, err := net.Listen("tcp", net.JoinHostPort(bind, strconv.Itoa(port)))
	if err != nil {
		return nil, "", 0, fmt.Errorf("Could not start the JobManager's RPC endpoint on %s (jobmanager.bind-host or jobmanager.rpc.address, jobmanager.rpc.port): %w", net.JoinHostPort(bind, strconv.Itoa(port)), err)
	}
	bound := ln.Addr().(*net.TCPAddr).Port
	return ln, net.JoinHostPort(address, strconv.Itoa(bound)), timeout, nil
}
