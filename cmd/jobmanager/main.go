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
package main

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/flinkgo/engine/planner/flinkconf"
	"github.com/flinkgo/engine/planner/session"
	"github.com/flinkgo/engine/planner/session/flinkrest"
	"github.com/flinkgo/engine/planner/session/promreporter"
	"github.com/flinkgo/engine/planner/session/sqlgateway"
	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/sql"
)

const usageText = `./jobmanager [-D key=value ...]

Starts a session cluster in the foreground: it hosts the jobs that clients
submit and serves Flink's REST API, the web dashboard and the SQL Gateway on
rest.bind-address:rest.port (default 127.0.0.1:8081; rest.port=0 picks a
free port). Stop it with SIGTERM or Ctrl-C.

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
	fs := flag.NewFlagSet("jobmanager", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usageText) }
	conf := flinkconf.Dynamic{}
	var help bool
	fs.Var(conf, "D", "configuration key=value")
	fs.BoolVar(&help, "h", false, "help")
	fs.BoolVar(&help, "help", false, "help")
	if err := fs.Parse(args); err != nil {
		return 1
	}
	if help {
		fmt.Fprint(stdout, usageText)
		return 0
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "Unknown argument %q.\n\n%s", fs.Arg(0), usageText)
		return 1
	}
	if err := flinkconf.Resolve(os.Getenv("FLINK_CONF_DIR"), conf, stderr); err != nil {
		fmt.Fprintf(stderr, "[ERROR] %v\n", err)
		return 1
	}
	secrets := &sql.SecretSet{}
	for k, v := range conf {
		secrets.AddOption(k, v)
	}
	log := sql.MaskingWriter{W: stderr, Secrets: secrets}

	// rest.port: Flink's default 8081 here (the embedded client serves no
	// REST API unless asked); 0 picks a free port.
	anyPort := conf["rest.port"] == "0"
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
	gateway := sqlgateway.NewServer(gwOpts)
	rest := flinkrest.New(host, restCfg, secrets.Mask)
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
	jobs.Close()
	host.Close()
	fmt.Fprintln(stdout, "[INFO] JobManager stopped.")
	return 0
}
