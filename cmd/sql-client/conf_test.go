package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestFlinkConfigurationFile: FLINK_CONF_DIR's config.yaml (nested YAML)
// or legacy flink-conf.yaml is the session's base configuration; -D and
// SET override it; its secrets are masked; a broken file is an error that
// names it.
func TestFlinkConfigurationFile(t *testing.T) {
	run := func(t *testing.T, confDir string, args ...string) (string, int) {
		t.Helper()
		dir := t.TempDir()
		script := writeFile(t, dir, "job.sql", "SET 'pipeline.name' = 'from-set';\nSET;\n")
		cmd := exec.Command(binary, append(args, "-f", script)...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "FLINK_CONF_DIR="+confDir)
		out, err := cmd.CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return string(out), code
	}
	t.Run("config.yaml", func(t *testing.T) {
		conf := t.TempDir()
		writeFile(t, conf, "config.yaml", `execution:
  checkpointing:
    interval: 5s
parallelism:
  default: 3
pipeline.name: from-file
s3:
  secret-key: c4nary-in-file
restart-strategy: {type: fixed-delay, fixed-delay: {attempts: 2}}
`)
		out, code := run(t, conf, "-D", "parallelism.default=2")
		if code != 0 {
			t.Fatalf("exit %d:\n%s", code, out)
		}
		for _, want := range []string{"[INFO] Read the Flink configuration " + filepath.Join(conf, "config.yaml"),
			"execution.checkpointing.interval |", "5s", "parallelism.default |", " 2 |", "from-set",
			"restart-strategy.fixed-delay.attempts |", "s3.secret-key |", "******"} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		}
		if strings.Contains(out, "c4nary") || strings.Contains(out, " 3 |") || strings.Contains(out, "from-file") {
			t.Errorf("a secret shows, or the file beat -D or SET:\n%s", out)
		}
	})
	t.Run("flink-conf.yaml", func(t *testing.T) {
		conf := t.TempDir()
		writeFile(t, conf, "flink-conf.yaml", "# legacy\nstate.backend.type: rocksdb\nno colon here\n")
		out, code := run(t, conf)
		if code != 0 || !strings.Contains(out, "state.backend.type |") || !strings.Contains(out, "rocksdb") ||
			!strings.Contains(out, "flink-conf.yaml:3: not 'key: value'") {
			t.Fatalf("exit %d:\n%s", code, out)
		}
	})
	t.Run("broken", func(t *testing.T) {
		conf := t.TempDir()
		writeFile(t, conf, "config.yaml", "a: [1, 2\n")
		out, code := run(t, conf)
		if code != 1 || !strings.Contains(out, filepath.Join(conf, "config.yaml")+" is not valid YAML") {
			t.Fatalf("exit %d:\n%s", code, out)
		}
	})
}
