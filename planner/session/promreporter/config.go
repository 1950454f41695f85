package promreporter

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/flinkgo/engine/planner"
)

// Flink's class names for its Prometheus reporter: the factory (Flink 1.11
// on, key metrics.reporter.prom.factory.class) and the reporter itself
// (the legacy key metrics.reporter.prom.class).
const (
	FactoryClass  = "org.apache.flink.metrics.prometheus.PrometheusReporterFactory"
	ReporterClass = "org.apache.flink.metrics.prometheus.PrometheusReporter"
)

// DefaultPort is metrics.reporter.prom.port's default, as in Flink.
const DefaultPort = 9249

// The reporter's keys (the reporter is named "prom", as in Flink's docs).
const (
	keyFactory = "metrics.reporter.prom.factory.class"
	keyClass   = "metrics.reporter.prom.class"
	keyPort    = "metrics.reporter.prom.port"
	keyHost    = "metrics.reporter.prom.host"
	keyFilter  = "metrics.reporter.prom.filterLabelValueCharacters"
	keyInclude = "metrics.reporters"
)

// Config is the reporter's configuration, from Flink's keys.
type Config struct {
	// Enabled is set when metrics.reporter.prom.factory.class names
	// Flink's PrometheusReporterFactory (or the legacy
	// metrics.reporter.prom.class its PrometheusReporter) and
	// metrics.reporters, when set, lists "prom".
	Enabled bool
	// Host is metrics.reporter.prom.host, the address to bind (default
	// 127.0.0.1: the embedded client serves its own machine unless told
	// otherwise).
	Host string
	// Ports are the ports of metrics.reporter.prom.port in order (default
	// 9249; Flink's "9250-9260" and "9250,9252" forms): the reporter
	// binds the first free one. Port 0 is any free port.
	Ports []int
	// FilterLabelValues is metrics.reporter.prom.filterLabelValueCharacters
	// (default true, as in Flink): every character of a label value not
	// in [a-zA-Z0-9:_] becomes '_'. When false the values are kept and
	// only escaped by the exposition format.
	FilterLabelValues bool
}

// ConfigFrom reads the reporter's keys. Without a reporter class set the
// other keys are not read, so they cannot fail a client that reports
// nothing.
func ConfigFrom(c *planner.Config) (Config, error) {
	cfg := Config{Host: "127.0.0.1", Ports: []int{DefaultPort}, FilterLabelValues: true}
	factory, hasFactory := c.Lookup(keyFactory)
	class, hasClass := c.Lookup(keyClass)
	factory, class = strings.TrimSpace(factory), strings.TrimSpace(class)
	switch {
	case hasFactory && factory != "":
		if factory != FactoryClass {
			return cfg, fmt.Errorf("Unsupported metrics reporter factory '%s' for key '%s': only %s is available.", factory, keyFactory, FactoryClass)
		}
	case hasClass && class != "":
		if class != ReporterClass {
			return cfg, fmt.Errorf("Unsupported metrics reporter class '%s' for key '%s': only %s is available.", class, keyClass, ReporterClass)
		}
	default:
		return cfg, nil
	}
	if list, ok := c.Lookup(keyInclude); ok && strings.TrimSpace(list) != "" {
		listed := false
		for _, name := range strings.Split(list, ",") {
			if strings.TrimSpace(name) == "prom" {
				listed = true
			}
		}
		if !listed {
			return cfg, nil // Flink instantiates only the reporters listed
		}
	}
	cfg.Enabled = true
	cfg.Host = strings.TrimSpace(c.String(keyHost, cfg.Host))
	if cfg.Host == "" {
		cfg.Host = "127.0.0.1"
	}
	if v, ok := c.Lookup(keyPort); ok {
		ports, err := ParsePorts(v)
		if err != nil {
			return cfg, fmt.Errorf("Invalid value '%s' for key '%s': %v", v, keyPort, err)
		}
		cfg.Ports = ports
	}
	var err error
	if cfg.FilterLabelValues, err = c.Bool(keyFilter, true); err != nil {
		return cfg, err
	}
	return cfg, nil
}

// maxPorts bounds the ports one range may name.
const maxPorts = 65536

// ParsePorts parses Flink's port specification: a port, a range
// "9250-9260", or a comma-separated list of both, kept in order.
func ParsePorts(spec string) ([]int, error) {
	var out []int
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			return nil, fmt.Errorf("expected a port, a range such as 9250-9260, or a comma-separated list of them")
		}
		lo, hi, isRange := strings.Cut(part, "-")
		from, err := parsePort(lo)
		if err != nil {
			return nil, err
		}
		to := from
		if isRange {
			if to, err = parsePort(hi); err != nil {
				return nil, err
			}
			if to < from {
				return nil, fmt.Errorf("the range %s ends before it starts", part)
			}
		}
		if len(out)+(to-from+1) > maxPorts {
			return nil, fmt.Errorf("too many ports")
		}
		for p := from; p <= to; p++ {
			out = append(out, p)
		}
	}
	return out, nil
}

func parsePort(s string) (int, error) {
	p, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || p < 0 || p > 65535 {
		return 0, fmt.Errorf("'%s' is not a port (0 to 65535)", strings.TrimSpace(s))
	}
	return p, nil
}

// portsString writes ports back compactly (ranges as a-b), for messages.
func portsString(ports []int) string {
	var b strings.Builder
	for i := 0; i < len(ports); {
		j := i
		for j+1 < len(ports) && ports[j+1] == ports[j]+1 {
			j++
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(ports[i]))
		if j > i {
			b.WriteString("-" + strconv.Itoa(ports[j]))
		}
		i = j + 1
	}
	return b.String()
}
