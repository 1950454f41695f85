package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// jobConfig is what one benchmark run sets for every query.
type jobConfig struct {
	dir           string // the official files: ddl_gen*.sql, ddl_views.sql, qN.sql
	v2            bool   // ddl_gen_v2.sql instead of ddl_gen.sql
	events        int64
	tps           int64
	parallelism   int
	stateBackend  string
	checkpointInt time.Duration // 0: no checkpoints
	workDir       string        // checkpoints, q10's output, scratch
	conf          map[string]string
}

// assemble builds the script of one query as the upstream runner does:
// the SET statements of the run, then ddl_gen.sql (or ddl_gen_v2.sql),
// ddl_views.sql and qN.sql with the upstream substitutions.
func assemble(c *jobConfig, query string) (string, error) {
	ddl := "ddl_gen.sql"
	if c.v2 {
		ddl = "ddl_gen_v2.sql"
	}
	var b strings.Builder
	set := func(k, v string) { fmt.Fprintf(&b, "SET '%s' = '%s';\n", k, strings.ReplaceAll(v, "'", "''")) }
	set("table.dml-sync", "true")
	set("pipeline.name", "nexmark-"+query)
	set("parallelism.default", strconv.Itoa(c.parallelism))
	set("state.backend.type", c.stateBackend)
	if c.checkpointInt > 0 {
		set("execution.checkpointing.interval", c.checkpointInt.String())
		set("state.checkpoints.dir", "file://"+filepath.Join(c.workDir, "checkpoints"))
	}
	set("io.tmp.dirs", filepath.Join(c.workDir, "tmp"))
	// Upstream's flink-conf.yaml runs the suite with mini-batch
	// aggregation; -D table.exec.mini-batch.enabled=false turns it off.
	set("table.exec.mini-batch.enabled", "true")
	set("table.exec.mini-batch.allow-latency", "2s")
	set("table.exec.mini-batch.size", "50000")
	keys := make([]string, 0, len(c.conf))
	for k := range c.conf {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		set(k, c.conf[k])
	}
	for _, f := range []string{ddl, "ddl_views.sql", query + ".sql"} {
		text, err := os.ReadFile(filepath.Join(c.dir, f))
		if err != nil {
			return "", err
		}
		b.WriteString(strings.TrimSpace(string(text)))
		if !strings.HasSuffix(b.String(), ";") {
			b.WriteByte(';')
		}
		b.WriteString("\n")
	}
	return substitute(c, b.String()), nil
}

// substitute replaces the upstream placeholders (nexmark's conf and
// runner); q10 and q13 get paths under the work directory.
func substitute(c *jobConfig, text string) string {
	return strings.NewReplacer(
		"${TPS}", strconv.FormatInt(c.tps, 10),
		"${EVENTS_NUM}", strconv.FormatInt(c.events, 10),
		"${PERSON_PROPORTION}", "1",
		"${AUCTION_PROPORTION}", "3",
		"${BID_PROPORTION}", "46",
		"${KEEP_ALIVE}", "false",
		"${STOP_AT}", "-1",
		"${NEXMARK_TABLE}", "datagen",
		"${NEXMARK_DIR}", c.workDir,
		"${SUBMIT_TIME}", strconv.FormatInt(time.Now().Unix(), 10),
		"${FLINK_HOME}", c.workDir,
	).Replace(text)
}

// listQueries returns the qN names found in dir, in numeric order.
func listQueries(dir string) ([]string, error) {
	m, err := filepath.Glob(filepath.Join(dir, "q*.sql"))
	if err != nil {
		return nil, err
	}
	var qs []string
	for _, p := range m {
		name := strings.TrimSuffix(filepath.Base(p), ".sql")
		if _, err := strconv.Atoi(name[1:]); err == nil {
			qs = append(qs, name)
		}
	}
	sort.Slice(qs, func(i, j int) bool {
		a, _ := strconv.Atoi(qs[i][1:])
		b, _ := strconv.Atoi(qs[j][1:])
		return a < b
	})
	return qs, nil
}
