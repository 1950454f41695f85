// Package flinkrest serves Flink's REST API — the monitoring and control
// endpoints of a JobManager, with Flink's paths and JSON shapes — for the
// jobs of one session, so Flink's tools (curl scripts, the dashboard's
// calls, operators polling /jobs/overview) work against the embedded
// engine.
//
// Call order: ConfigFrom reads the rest.* and web.* keys; New builds a
// Server for a session; Start listens and serves on its own goroutine;
// Close stops it (in-flight requests get a few seconds). The handlers only
// read the session's jobs (Session.Jobs, Job accessors) and call their
// control methods (Cancel, TriggerSavepoint, StopWithSavepoint), all safe
// for concurrent use with the session executing statements. Savepoint
// operations run on goroutines of their own and record their outcome in
// the server's operation registry (control.go).
//
// Files: server.go (configuration, lifecycle, routing, errors), shapes.go
// (the JSON bodies, named after Flink's message classes), cluster.go
// (/config, /overview, /taskmanagers and /taskmanagers/:id, from the
// JobManager's TaskManager registry when one is set), jobs.go (job listing
// and details, plan, configuration, exceptions), vertices.go (per-vertex
// metrics, details, back pressure, watermarks), checkpoints.go (checkpoint statistics
// and configuration), control.go (cancel, stop, savepoints).
package flinkrest

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/flinkgo/engine/planner"
	"github.com/flinkgo/engine/planner/session"
	"github.com/flinkgo/engine/planner/session/flinkrest/webui"
	"github.com/flinkgo/engine/planner/session/httpjson"
	"github.com/flinkgo/engine/runtime/cluster"
)

// Config is the REST endpoint's configuration, Flink's keys.
type Config struct {
	// Port is rest.port; 0 means no server (in the embedded client) or,
	// given to New directly, any free port.
	Port int
	// Address is rest.address, the address clients are told to use
	// (default: the bind address).
	Address string
	// BindAddress is rest.bind-address (default 127.0.0.1: the embedded
	// client serves its own machine unless told otherwise).
	BindAddress string
	// CancelEnabled is web.cancel.enable (default true): whether the
	// mutating calls (cancel, stop, savepoints) are allowed.
	CancelEnabled bool
	// RefreshInterval is web.refresh-interval (default 3 s), reported to
	// the dashboard.
	RefreshInterval time.Duration
	// Slots is taskmanager.numberOfTaskSlots for the one pseudo
	// TaskManager (default: the number of CPUs).
	Slots int
}

// ConfigFrom reads rest.port, rest.address, rest.bind-address,
// web.cancel.enable, web.refresh-interval and taskmanager.numberOfTaskSlots.
// With rest.port 0 or unset (no server) the other keys are not read, so
// they cannot fail a client that serves no REST API.
func ConfigFrom(c *planner.Config) (Config, error) {
	cfg := Config{BindAddress: "127.0.0.1", CancelEnabled: true, RefreshInterval: 3 * time.Second}
	var err error
	if cfg.Port, err = c.Int("rest.port", 0); err != nil {
		return cfg, err
	}
	if cfg.Port < 0 || cfg.Port > 65535 {
		return cfg, fmt.Errorf("Invalid 'rest.port' %d: expected 0 (no REST server) or a port up to 65535.", cfg.Port)
	}
	if cfg.Port == 0 {
		return cfg, nil
	}
	cfg.BindAddress = c.String("rest.bind-address", cfg.BindAddress)
	cfg.Address = c.String("rest.address", "")
	if cfg.CancelEnabled, err = c.Bool("web.cancel.enable", true); err != nil {
		return cfg, err
	}
	if v, ok := c.Lookup("web.refresh-interval"); ok {
		// Flink's key is a number of milliseconds; durations are accepted too.
		if ms, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil {
			cfg.RefreshInterval = time.Duration(ms) * time.Millisecond
		} else if cfg.RefreshInterval, err = planner.ParseDuration(v); err != nil {
			return cfg, fmt.Errorf("Could not parse value '%s' for key 'web.refresh-interval'.", v)
		}
	}
	if cfg.Slots, err = c.Int("taskmanager.numberOfTaskSlots", 0); err != nil {
		return cfg, err
	}
	return cfg, nil
}

// Server serves the REST API for one session.
type Server struct {
	cfg   Config
	sess  *session.Session
	tm    string // the pseudo TaskManager's id
	ops   *operations
	rates session.RateSampler // each job's last task sample (vertices.go)
	mux   *http.ServeMux
	mask  func(string) string

	// cluster is the JobManager's TaskManager registry (nil: none; cluster.go).
	cluster *cluster.Registry

	srv *http.Server
	ln  net.Listener
}

// New builds a server for the session's jobs; nothing listens until Start.
// mask (nil: none) hides secret values in the free text the server
// repeats — failure messages, job and operator names, configuration
// values — beyond the masking of secret keys the session already does;
// the client passes the masking of every secret it has seen.
func New(s *session.Session, cfg Config, mask func(string) string) *Server {
	if cfg.BindAddress == "" {
		cfg.BindAddress = "127.0.0.1"
	}
	if mask == nil {
		mask = func(s string) string { return s }
	}
	srv := &Server{cfg: cfg, sess: s, tm: newTaskManagerID(), ops: newOperations(), mask: mask}
	srv.routes()
	return srv
}

// Start listens on rest.bind-address:rest.port and serves until Close.
func (s *Server) Start() error { return s.StartWith(s) }

// StartWith is Start serving h, a handler that serves some paths itself
// and passes the rest to the server (a cluster adds the SQL Gateway's
// paths on the same port).
func (s *Server) StartWith(h http.Handler) error {
	ln, err := net.Listen("tcp", net.JoinHostPort(s.cfg.BindAddress, strconv.Itoa(s.cfg.Port)))
	if err != nil {
		return fmt.Errorf("Could not start the REST endpoint on %s:%d (rest.bind-address, rest.port): %w", s.cfg.BindAddress, s.cfg.Port, err)
	}
	s.ln = ln
	s.srv = &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go s.srv.Serve(ln)
	return nil
}

// URL is the address clients use: http://<rest.address or bind address>:<port>
// (localhost for a wildcard bind address).
func (s *Server) URL() string {
	host := s.cfg.Address
	if host == "" {
		host = s.cfg.BindAddress
		if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
			host = "localhost"
		}
	}
	port := s.cfg.Port
	if s.ln != nil {
		port = s.ln.Addr().(*net.TCPAddr).Port
	}
	return "http://" + net.JoinHostPort(host, strconv.Itoa(port))
}

// Close stops serving; in-flight requests get up to five seconds.
// Savepoint operations already triggered go on with their jobs.
func (s *Server) Close() error {
	if s.srv == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return s.srv.Shutdown(ctx)
}

// ServeHTTP serves one request; paths may carry Flink's /v1 prefix.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if rest, ok := strings.CutPrefix(r.URL.Path, "/v1/"); ok {
		r2 := r.Clone(r.Context())
		r2.URL.Path = "/" + rest
		r2.URL.RawPath = ""
		r = r2
	}
	s.mux.ServeHTTP(w, r)
}

// routes registers every endpoint and the web dashboard (GET / and its
// assets under webui.Prefix); anything else is Flink's 404.
func (s *Server) routes() {
	m := http.NewServeMux()
	ui := webui.Handler()
	m.Handle("GET /{$}", ui)
	m.Handle("GET "+webui.Prefix, ui)
	m.HandleFunc("GET /config", s.dashboardConfig)
	m.HandleFunc("GET /overview", s.overview)
	m.HandleFunc("GET /taskmanagers", s.taskManagers)
	m.HandleFunc("GET /taskmanagers/{taskmanagerid}", s.taskManagerDetails)
	m.HandleFunc("GET /jobs", s.jobIDs)
	m.HandleFunc("GET /jobs/overview", s.jobsOverview)
	m.HandleFunc("GET /jobs/{jobid}", s.withJob(s.jobDetails))
	m.HandleFunc("GET /jobs/{jobid}/plan", s.withJob(s.jobPlan))
	m.HandleFunc("GET /jobs/{jobid}/config", s.withJob(s.jobConfig))
	m.HandleFunc("GET /jobs/{jobid}/exceptions", s.withJob(s.jobExceptions))
	m.HandleFunc("GET /jobs/{jobid}/vertices/{vertexid}", s.withVertex(s.vertexDetails))
	m.HandleFunc("GET /jobs/{jobid}/vertices/{vertexid}/backpressure", s.withVertex(s.vertexBackPressure))
	m.HandleFunc("GET /jobs/{jobid}/vertices/{vertexid}/watermarks", s.withVertex(s.vertexWatermarks))
	m.HandleFunc("GET /jobs/{jobid}/vertices/{vertexid}/metrics", s.withVertex(s.vertexMetricsList))
	m.HandleFunc("GET /jobs/{jobid}/checkpoints", s.withJob(s.checkpointStatistics))
	m.HandleFunc("GET /jobs/{jobid}/checkpoints/config", s.withJob(s.checkpointConfig))
	m.HandleFunc("GET /jobs/{jobid}/checkpoints/details/{checkpointid}", s.withJob(s.checkpointDetails))
	m.HandleFunc("PATCH /jobs/{jobid}", s.withJob(s.mutating(s.cancelJob)))
	m.HandleFunc("POST /jobs/{jobid}/stop", s.withJob(s.mutating(s.stopWithSavepoint)))
	m.HandleFunc("POST /jobs/{jobid}/savepoints", s.withJob(s.mutating(s.triggerSavepoint)))
	m.HandleFunc("GET /jobs/{jobid}/savepoints/{triggerid}", s.withJob(s.savepointStatus))
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "Not found: "+r.URL.Path)
	})
	s.mux = m
}

// jobHandler serves a request about one job of the session.
type jobHandler func(w http.ResponseWriter, r *http.Request, j *session.Job)

// withJob resolves {jobid}: 400 for a malformed id, 404 for an unknown job.
func (s *Server) withJob(h jobHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("jobid")
		if !isHex32(id) {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("Bad request, could not parse parameters: Cannot resolve path parameter (jobid) from value \"%s\".", id))
			return
		}
		j, ok := s.sess.Job(id)
		if !ok {
			writeError(w, http.StatusNotFound, fmt.Sprintf("Job %s not found", id))
			return
		}
		h(w, r, j)
	}
}

// mutating refuses h when web.cancel.enable is false.
func (s *Server) mutating(h jobHandler) jobHandler {
	return func(w http.ResponseWriter, r *http.Request, j *session.Job) {
		if !s.cfg.CancelEnabled {
			writeError(w, http.StatusForbidden, "This call is disabled: 'web.cancel.enable' is false.")
			return
		}
		h(w, r, j)
	}
}

func isHex32(s string) bool {
	if len(s) != 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// writeJSON writes v as the response body with the status code.
func writeJSON(w http.ResponseWriter, status int, v any) { httpjson.Write(w, status, v) }

// writeError writes Flink's ErrorResponseBody: {"errors":["..."]}.
func writeError(w http.ResponseWriter, status int, msgs ...string) {
	httpjson.Error(w, status, msgs...)
}

// readBody decodes an optional JSON request body into v (an empty body
// leaves v as is).
func readBody(r *http.Request, v any) error { return httpjson.ReadBody(r, v, 1<<20) }
