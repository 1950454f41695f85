package promreporter

import (
	"reflect"
	"strings"
	"testing"

	"github.com/flinkgo/engine/planner"
)

func configOf(kv ...string) *planner.Config {
	c := planner.NewConfig()
	for i := 0; i+1 < len(kv); i += 2 {
		c.Set(kv[i], kv[i+1])
	}
	return c
}

func TestConfigFrom(t *testing.T) {
	for _, c := range []struct {
		name string
		kv   []string
		want Config
		err  string
	}{
		{name: "unset", want: Config{Host: "127.0.0.1", Ports: []int{9249}, FilterLabelValues: true}},
		{name: "factory defaults", kv: []string{keyFactory, FactoryClass},
			want: Config{Enabled: true, Host: "127.0.0.1", Ports: []int{9249}, FilterLabelValues: true}},
		{name: "legacy class", kv: []string{keyClass, ReporterClass, keyPort, "9300"},
			want: Config{Enabled: true, Host: "127.0.0.1", Ports: []int{9300}, FilterLabelValues: true}},
		{name: "range and host", kv: []string{keyFactory, FactoryClass, keyPort, "9250-9252, 9260", keyHost, "0.0.0.0",
			keyFilter, "false"},
			want: Config{Enabled: true, Host: "0.0.0.0", Ports: []int{9250, 9251, 9252, 9260}}},
		{name: "not listed in metrics.reporters", kv: []string{keyFactory, FactoryClass, keyInclude, "jmx"},
			want: Config{Host: "127.0.0.1", Ports: []int{9249}, FilterLabelValues: true}},
		{name: "listed in metrics.reporters", kv: []string{keyFactory, FactoryClass, keyInclude, "jmx, prom"},
			want: Config{Enabled: true, Host: "127.0.0.1", Ports: []int{9249}, FilterLabelValues: true}},
		{name: "unknown factory", kv: []string{keyFactory, "org.apache.flink.metrics.jmx.JMXReporterFactory"}, err: "Unsupported metrics reporter factory"},
		{name: "unknown class", kv: []string{keyClass, "com.example.Reporter"}, err: "Unsupported metrics reporter class"},
		{name: "bad port", kv: []string{keyFactory, FactoryClass, keyPort, "70000"}, err: "Invalid value '70000' for key 'metrics.reporter.prom.port'"},
		{name: "backwards range", kv: []string{keyFactory, FactoryClass, keyPort, "9260-9250"}, err: "ends before it starts"},
		{name: "bad filter", kv: []string{keyFactory, FactoryClass, keyFilter, "maybe"}, err: "Could not parse value 'maybe'"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := ConfigFrom(configOf(c.kv...))
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("error %v, want one containing %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("got %+v, want %+v", got, c.want)
			}
		})
	}
}

func TestPortsString(t *testing.T) {
	if got := portsString([]int{9250, 9251, 9252, 9260, 9262, 9263}); got != "9250-9252,9260,9262-9263" {
		t.Fatal(got)
	}
}

func TestFilterCharacters(t *testing.T) {
	for in, want := range map[string]string{
		"insert-into_default_catalog.default_database.sink": "insert_into_default_catalog_default_database_sink",
		"Source: src[1] -> Calc[2]":                         "Source:_src_1_____Calc_2_",
		"ok:_AZaz09":                                        "ok:_AZaz09",
		"é\"\n":                                             "___",
	} {
		if got := FilterCharacters(in); got != want {
			t.Errorf("FilterCharacters(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLabelCutsOperatorNames(t *testing.T) {
	c := &collector{mask: func(s string) string { return strings.ReplaceAll(s, "hunter2", "******") }}
	long := strings.Repeat("é", 100) + "hunter2"
	if got := c.label(long, operatorNameMaxLength); got != strings.Repeat("é", 80) {
		t.Fatalf("unfiltered, cut: %q", got)
	}
	if got := c.label("pw hunter2", 0); got != "pw ******" {
		t.Fatalf("masked: %q", got)
	}
	c.filter = true
	if got := c.label("pw hunter2", 0); got != "pw_______" {
		t.Fatalf("masked and filtered: %q", got)
	}
}
