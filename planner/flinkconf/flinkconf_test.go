package flinkconf

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestLoad(t *testing.T) {
	for _, c := range []struct {
		name, file, text string
		want             map[string]string
		warn, err        string
	}{
		{name: "nested config.yaml", file: ConfigYAML, text: `
execution:
  checkpointing:
    interval: 10s
    mode: EXACTLY_ONCE
state.backend.type: rocksdb
restart-strategy:
  type: fixed-delay
  fixed-delay: {attempts: 3, delay: 1 s}
env.java.opts.all: [-Xmx1g, -Dx=y]
empty:
`, want: map[string]string{"execution.checkpointing.interval": "10s", "execution.checkpointing.mode": "EXACTLY_ONCE",
			"state.backend.type": "rocksdb", "restart-strategy.type": "fixed-delay", "restart-strategy.fixed-delay.attempts": "3",
			"restart-strategy.fixed-delay.delay": "1 s", "env.java.opts.all": "-Xmx1g;-Dx=y"}},
		{name: "legacy flink-conf.yaml", file: LegacyFlinkYML, text: "# comment\nstate.checkpoints.dir: file:///ckpt\n\nparallelism.default: 4 # four\nbroken line\n",
			want: map[string]string{"state.checkpoints.dir": "file:///ckpt", "parallelism.default": "4"}, warn: "flink-conf.yaml:5: not 'key: value'"},
		{name: "bad yaml", file: ConfigYAML, text: "a: [1, 2\nb: c\n", err: "config.yaml is not valid YAML"},
		{name: "not a mapping", file: ConfigYAML, text: "- a\n- b\n", err: "config.yaml:1:1: the configuration must be a mapping"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, c.file), []byte(c.text), 0o644); err != nil {
				t.Fatal(err)
			}
			f, err := Load(dir)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("error %v, want %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(f.Keys, c.want) || f.Path != filepath.Join(dir, c.file) {
				t.Fatalf("got %v from %s, want %v", f.Keys, f.Path, c.want)
			}
			if c.warn != "" && (len(f.Warnings) != 1 || !strings.Contains(f.Warnings[0], c.warn)) {
				t.Fatalf("warnings %v, want %q", f.Warnings, c.warn)
			}
		})
	}
	// config.yaml wins over flink-conf.yaml; an empty directory has none.
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, ConfigYAML), []byte("a: 1\n"), 0o644)
	os.WriteFile(filepath.Join(dir, LegacyFlinkYML), []byte("a: 2\n"), 0o644)
	if f, err := Load(dir); err != nil || f.Keys["a"] != "1" {
		t.Fatalf("config.yaml must win: %v %v", f.Keys, err)
	}
	if f, err := Load(t.TempDir()); err != nil || f.Path != "" || f.Keys != nil {
		t.Fatalf("empty directory: %+v %v", f, err)
	}
}
