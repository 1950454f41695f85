// Package promreporter is Flink's Prometheus metrics reporter for the jobs
// of one session: an HTTP endpoint (/metrics) in Prometheus' text format
// with the metric names and labels Flink's PrometheusReporter produces,
// configured by Flink's keys (metrics.reporter.prom.*).
//
// Call order: ConfigFrom reads the keys; New builds a Reporter for a
// session; Start binds the first free port of the configured ones and
// serves on its own goroutine; Close stops it.
//
// Nothing runs on the data path: the collector (collector.go) reads the
// session's jobs when Prometheus scrapes — task samples through
// Job.TaskMetrics (a few atomics per task), the checkpoint history, the
// status — and turns them into constant metrics for that scrape. The rates
// (busyTimeMsPerSecond and its siblings) cover the time since the previous
// scrape of the job, or since its tasks started on the first.
package promreporter

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/flinkgo/engine/planner/session"
)

// Reporter serves one session's metrics to Prometheus.
type Reporter struct {
	cfg Config
	col *collector
	reg *prometheus.Registry

	srv *http.Server
	ln  net.Listener
}

// Options are the reporter's optional settings.
type Options struct {
	// Mask (nil: none) hides secret values in the names the reporter
	// repeats as label values: job, task and operator names.
	Mask func(string) string
	// TaskManagerID is the tm_id label (default: a new random 32-hex
	// id); Hostname the host label (default: os.Hostname, else
	// "localhost").
	TaskManagerID string
	Hostname      string
}

// New builds a reporter for the session's jobs; nothing listens until
// Start. The registry holds the session's collector and client_golang's Go
// and process collectors (go_*, process_*).
func New(s *session.Session, cfg Config, opts Options) *Reporter {
	if cfg.Host == "" {
		cfg.Host = "127.0.0.1"
	}
	if len(cfg.Ports) == 0 {
		cfg.Ports = []int{DefaultPort}
	}
	col := newCollector(s, cfg.FilterLabelValues, opts)
	reg := prometheus.NewRegistry()
	reg.MustRegister(col, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return &Reporter{cfg: cfg, col: col, reg: reg}
}

// Registry returns the reporter's registry (for tests and embedding).
func (r *Reporter) Registry() *prometheus.Registry { return r.reg }

// Start binds the first free port of metrics.reporter.prom.port on
// metrics.reporter.prom.host and serves until Close. The metrics are at
// /metrics and, as with Flink's reporter, at every other path too.
func (r *Reporter) Start() error {
	var lastErr error
	for _, p := range r.cfg.Ports {
		ln, err := net.Listen("tcp", net.JoinHostPort(r.cfg.Host, strconv.Itoa(p)))
		if err != nil {
			lastErr = err
			continue
		}
		r.ln = ln
		break
	}
	if r.ln == nil {
		return fmt.Errorf("Could not start PrometheusReporter HTTP server on any configured port (%s:%s; metrics.reporter.prom.host, metrics.reporter.prom.port): %w",
			r.cfg.Host, portsString(r.cfg.Ports), lastErr)
	}
	h := promhttp.HandlerFor(r.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
	r.srv = &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go r.srv.Serve(r.ln)
	return nil
}

// Port is the bound port (0 before Start).
func (r *Reporter) Port() int {
	if r.ln == nil {
		return 0
	}
	return r.ln.Addr().(*net.TCPAddr).Port
}

// URL is the metrics endpoint: http://<host>:<port>/metrics (localhost for
// a wildcard host).
func (r *Reporter) URL() string {
	host := r.cfg.Host
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, strconv.Itoa(r.Port())) + "/metrics"
}

// Close stops serving; in-flight scrapes get up to five seconds.
func (r *Reporter) Close() error {
	if r.srv == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return r.srv.Shutdown(ctx)
}
