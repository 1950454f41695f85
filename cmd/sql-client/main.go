// Command sql-client runs Flink SQL scripts and an interactive SQL shell on
// the embedded streaming engine: `sql-client -f job.sql` as with Flink's
// sql-client.sh, no cluster needed.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/chzyer/readline"

	"github.com/flinkgo/engine/planner/flinkconf"
	"github.com/flinkgo/engine/planner/session"
	"github.com/flinkgo/engine/planner/session/flinkrest"
	"github.com/flinkgo/engine/planner/session/promreporter"
	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/sql"
)

const usageText = `./sql-client [MODE] [OPTIONS]

The following options are available:

Mode "embedded" (default) submits Flink jobs from the local machine.

  Syntax: [embedded] [OPTIONS]
  "embedded" mode options:
     -D <session dynamic config key=val>   The dynamic config key=val for a session.
     -f,--file <script file>               Script file that should be executed. In this mode,
                                           the client will not open an interactive terminal.
     -h,--help                             Show the help message with descriptions of all
                                           options.
     -hist,--history <History file path>   The file which you want to save the command
                                           history into. If not specified, we will
                                           auto-generate one under your user's home
                                           directory.
     -i,--init <initialization file>       Script file that used to init the session
                                           context. If get error in execution, the sql client
                                           will exit. Notice it's not allowed to add query or
                                           insert into the init file.
     -j,--jar <JAR file>                   A JAR file to be imported into the session (as
                                           ADD JAR: registered, listed by SHOW JARS; this
                                           engine's connectors, formats and drivers are
                                           built in). Can be used multiple times.
     -l,--library <JAR directory>          A JAR file directory whose JARs are imported
                                           into the session as with -j. Can be used
                                           multiple times.

Mode "gateway" submits Flink jobs to the SQL Gateway of a session cluster
(the jobmanager binary); so does "embedded" with -D execution.target=remote
and -D rest.address=<host> -D rest.port=<port>. The jobs keep running on the
cluster after the client exits.

  Syntax: gateway [OPTIONS]
  "gateway" mode options:
     -D <session dynamic config key=val>   The dynamic config key=val for a session.
     -e,--endpoint <SQL Gateway address>   The address of the remote SQL Gateway to
                                           connect (host:port).
     -f,--file <script file>               Script file that should be executed.
     -h,--help                             Show the help message.
     -hist,--history <History file path>   The file to save the command history into.
     -i,--init <initialization file>       Script file that used to init the session
                                           context.
`

func main() {
	runtime.TuneGC()
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("sql-client", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usageText) }
	conf := flinkconf.Dynamic{}
	var file, initFile, history, endpoint string
	var help bool
	fs.Var(conf, "D", "session config key=value")
	fs.StringVar(&file, "f", "", "script file")
	fs.StringVar(&file, "file", "", "script file")
	fs.StringVar(&initFile, "i", "", "init file")
	fs.StringVar(&initFile, "init", "", "init file")
	fs.StringVar(&history, "hist", "", "history file")
	fs.StringVar(&history, "history", "", "history file")
	fs.StringVar(&endpoint, "e", "", "SQL Gateway endpoint host:port")
	fs.StringVar(&endpoint, "endpoint", "", "SQL Gateway endpoint host:port")
	var jars, libraries multiFlag
	fs.Var(&jars, "j", "JAR file")
	fs.Var(&jars, "jar", "JAR file")
	fs.Var(&libraries, "l", "JAR directory")
	fs.Var(&libraries, "library", "JAR directory")
	fs.BoolVar(&help, "h", false, "help")
	fs.BoolVar(&help, "help", false, "help")
	gatewayMode := false
	if len(args) > 0 && (args[0] == "embedded" || args[0] == "gateway") {
		gatewayMode = args[0] == "gateway"
		args = args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return 1
	}
	if help {
		fmt.Fprint(stdout, usageText)
		return 0
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "Unknown argument %q.\n\n", fs.Arg(0))
		fmt.Fprint(stderr, usageText)
		return 1
	}
	for _, p := range []string{file, initFile} {
		if strings.Contains(p, "://") && !strings.HasPrefix(p, "file://") {
			fmt.Fprintln(stderr, "SQL Client only supports to load files in local.")
			return 1
		}
	}
	// Flink's configuration file (FLINK_CONF_DIR: config.yaml, else the
	// legacy flink-conf.yaml) under the -D options: file < -D < SET.
	if err := flinkconf.Resolve(os.Getenv("FLINK_CONF_DIR"), conf, stderr); err != nil {
		fmt.Fprintf(stderr, "[ERROR] %v\n", err)
		return 1
	}
	if gatewayMode && endpoint == "" {
		fmt.Fprintln(stderr, "[ERROR] The gateway mode needs the SQL Gateway's address: --endpoint <host:port>.")
		return 1
	}
	remoteAt, err := remoteEndpoint(endpoint, conf)
	if err != nil {
		fmt.Fprintf(stderr, "[ERROR] %v\n", err)
		return 1
	}
	if _, set := conf["execution.target"]; !set && remoteAt == "" {
		// As Flink's client, whose configuration names where jobs go
		// (SET; lists it, RESET; restores it): here, in this process.
		conf["execution.target"] = "local"
	}
	secrets := &secretValues{}
	for k, v := range conf {
		secrets.AddOption(k, v)
	}
	s := session.New(session.Options{Config: conf, Log: sql.MaskingWriter{W: stderr, Secrets: secrets}})
	defer s.Close()
	c := newClient(s, stdout, stderr, secrets)
	defer c.stopSignals()
	if remoteAt != "" {
		if err := c.connectRemote(remoteAt, conf); err != nil {
			fmt.Fprintf(stderr, "[ERROR] %s\n", secrets.Mask(err.Error()))
			return 1
		}
		fmt.Fprintf(stderr, "[INFO] Connected to the SQL Gateway at %s (session %s); jobs run on the cluster.\n", c.remote.Endpoint(), c.remote.Session())
	}

	if !c.addJars(jars, libraries) {
		return 1
	}
	if initFile != "" {
		if !c.runInit(strings.TrimPrefix(initFile, "file://")) {
			return 1
		}
	}
	if c.remote != nil { // the cluster serves the REST API and the metrics
		return c.runMain(file, stdin, history)
	}
	rest, err := startREST(s, secrets, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "[ERROR] %v\n", err)
		return 1
	}
	if rest != nil {
		defer rest.Close() // before the session closes: no request sees it closing
		c.restURL = rest.URL()
	}
	prom, err := startPrometheus(s, secrets, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "[ERROR] %v\n", err)
		return 1
	}
	if prom != nil {
		defer prom.Close() // before the session closes, as the REST API
	}
	return c.runMain(file, stdin, history)
}

// runMain runs the script file, the REPL on a terminal, or the statements
// of standard input.
func (c *client) runMain(file string, stdin io.Reader, history string) int {
	switch {
	case file != "":
		text, err := os.ReadFile(strings.TrimPrefix(file, "file://"))
		if err != nil {
			fmt.Fprintf(c.stderr, "[ERROR] Could not read script file %s: %v\n", file, err)
			return 1
		}
		return c.runScript(string(text))
	case isTerminal(stdin):
		if history == "" {
			if home, err := os.UserHomeDir(); err == nil {
				history = filepath.Join(home, ".flink-sql-history")
			}
		}
		return c.repl(history)
	default:
		return c.runStream(stdin)
	}
}

// startREST starts Flink's REST API for the session's jobs when rest.port
// is set (-D, or SET in the init file), on rest.bind-address (default
// 127.0.0.1); rest.port 0 or unset starts none. It returns nil then.
func startREST(s *session.Session, secrets *secretValues, stderr io.Writer) (*flinkrest.Server, error) {
	cfg, err := flinkrest.ConfigFrom(s.Config())
	if err != nil || cfg.Port == 0 {
		return nil, err
	}
	srv := flinkrest.New(s, cfg, secrets.Mask)
	if err := srv.Start(); err != nil {
		return nil, err
	}
	fmt.Fprintf(stderr, "[INFO] Flink REST API at %s\n", srv.URL())
	return srv, nil
}

// startPrometheus starts Flink's Prometheus reporter for the session's jobs
// when metrics.reporter.prom.factory.class (or the legacy
// metrics.reporter.prom.class) names it (-D, or SET in the init file):
// /metrics on metrics.reporter.prom.host (default 127.0.0.1), the first
// free port of metrics.reporter.prom.port (default 9249). It returns nil
// when no reporter is configured.
func startPrometheus(s *session.Session, secrets *secretValues, stderr io.Writer) (*promreporter.Reporter, error) {
	cfg, err := promreporter.ConfigFrom(s.Config())
	if err != nil || !cfg.Enabled {
		return nil, err
	}
	r := promreporter.New(s, cfg, promreporter.Options{Mask: secrets.Mask})
	if err := r.Start(); err != nil {
		return nil, err
	}
	fmt.Fprintf(stderr, "[INFO] Prometheus metrics at %s\n", r.URL())
	return r, nil
}

func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	return ok && readline.IsTerminal(int(f.Fd()))
}

// runInit executes an init file: only SET, RESET, CREATE, DROP, USE and ALTER.
func (c *client) runInit(path string) bool {
	text, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintf(c.stderr, "[ERROR] Could not read init file %s: %v\n", path, err)
		return false
	}
	c.secrets.Add(string(text))
	stmts, err := sql.ParseScript(string(text))
	if err != nil {
		c.printError(err)
		return false
	}
	for _, st := range stmts {
		if !sql.ConfiguresSession(st) {
			c.printError(&session.ExecutionError{Msg: fmt.Sprintf("Unsupported SQL statement! The SQL statement in the initialization file can only be SET, RESET, CREATE, DROP, USE or ALTER: %s", sql.MaskText(st.SQL()))})
			return false
		}
		if c.remote != nil {
			if _, failed := c.runRemoteQuiet(st); failed {
				return false
			}
			c.mirrorSetting(st)
			continue
		}
		if _, err := c.s.Execute(st); err != nil {
			c.printError(err)
			return false
		}
	}
	return true
}

// multiFlag is a flag that may be given several times.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// addJars adds the -j JARs and the JARs of the -l directories to the
// session, as ADD JAR does; false after printing the first error.
func (c *client) addJars(jars, libraries []string) bool {
	paths := slices.Clone(jars)
	for _, dir := range libraries {
		entries, err := os.ReadDir(dir)
		if err != nil {
			fmt.Fprintf(c.stderr, "[ERROR] Could not read the library directory %s: %v\n", dir, err)
			return false
		}
		for _, e := range entries {
			if !e.IsDir() && strings.HasSuffix(strings.ToLower(e.Name()), ".jar") {
				paths = append(paths, filepath.Join(dir, e.Name()))
			}
		}
	}
	for _, p := range paths {
		stmts, err := sql.ParseScript("ADD JAR '" + strings.ReplaceAll(p, "'", "''") + "'")
		switch {
		case err != nil:
		case c.remote != nil:
			if _, failed := c.runRemoteQuiet(stmts[0]); failed {
				return false
			}
			continue
		default:
			_, err = c.s.Execute(stmts[0])
		}
		if err != nil {
			c.printError(err)
			return false
		}
	}
	return true
}

// runScript runs a -f script: stop at the first failing statement, then
// wait for every job.
func (c *client) runScript(text string) int {
	for _, seg := range sql.SplitScript(text) {
		quit, failed := c.runSegment(seg, true)
		if failed {
			c.s.CancelJobs()
			c.closeRemote()
			return 1
		}
		if quit {
			break
		}
	}
	return c.finish()
}

// runStream reads statements from non-terminal standard input and runs each
// as soon as it is complete. As Flink's interactive client, it goes on
// after a failing statement (-f stops there); the exit code is 1 when a
// statement or a job failed.
func (c *client) runStream(r io.Reader) int {
	c.interactive = true
	var buf strings.Builder
	data := make([]byte, 64*1024)
	var pending []byte
	anyFailed := false
	finish := func() int {
		if code := c.finish(); code != 0 || !anyFailed {
			return code
		}
		return 1
	}
	flush := func(final bool) (stop bool, code int) {
		text := buf.String()
		if !final && !sql.Complete(text) {
			return false, 0
		}
		buf.Reset()
		for _, seg := range sql.SplitScript(text) {
			quit, failed := c.runSegment(seg, true)
			anyFailed = anyFailed || failed
			if quit {
				return true, finish()
			}
		}
		return false, 0
	}
	for {
		n, err := r.Read(data)
		pending = append(pending, data[:n]...)
		for {
			i := indexByte(pending, '\n')
			if i < 0 {
				break
			}
			buf.Write(pending[:i+1])
			pending = pending[i+1:]
			if stop, code := flush(false); stop {
				return code
			}
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				fmt.Fprintf(c.stderr, "[ERROR] Could not read standard input: %v\n", err)
				return 1
			}
			buf.Write(pending)
			if strings.TrimSpace(buf.String()) != "" {
				if stop, code := flush(true); stop {
					return code
				}
			}
			return finish()
		}
	}
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

// finish waits for the started jobs (cancelling them on SIGINT/SIGTERM) and
// returns the exit code.
func (c *client) finish() int {
	if c.remote != nil { // the jobs run on the cluster, not here
		fmt.Fprintln(c.stdout, "Shutting down the session...")
		c.closeRemote()
		fmt.Fprintln(c.stdout, "done.")
		return 0
	}
	code := c.waitJobs()
	fmt.Fprintln(c.stdout, "Shutting down the session...")
	fmt.Fprintln(c.stdout, "done.")
	return code
}

func (c *client) stopSignals() { signal.Stop(c.signals) }

var _ = syscall.SIGTERM
