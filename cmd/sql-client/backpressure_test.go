package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/flinkgo/engine/connectors/jdbc/jdbctest"
)

// TestBackpressureSlowJdbcSink makes a sink slow the way it happens to
// users: the JDBC sink writes into a MariaDB table with a trigger that
// sleeps 10 ms per row, so the database accepts about a hundred rows a
// second while datagen offers a thousand. The GROUP BY puts a hash exchange
// between the source task and the aggregation-and-sink task. Through the
// real binary and Flink's REST API the source task must be reported back
// pressured (level "high", backPressuredTimeMsPerSecond above half of each
// second) and the sink task busy and not back pressured itself, as Flink's
// dashboard shows a slow sink.
func TestBackpressureSlowJdbcSink(t *testing.T) {
	db := jdbctest.NewDatabase(t)
	db.Exec(t,
		"CREATE TABLE slow_counts (k INT PRIMARY KEY, c BIGINT)",
		// SLEEP returns 0 after the pause; every row written waits for it.
		"CREATE TRIGGER slow_counts_sleep BEFORE INSERT ON slow_counts FOR EACH ROW SET NEW.c = NEW.c + SLEEP(0.01)")

	dir := t.TempDir()
	script := filepath.Join(dir, "job.sql")
	if err := os.WriteFile(script, []byte(`
SET 'pipeline.name' = 'slow-sink';
SET 'parallelism.default' = '1';
CREATE TABLE src (k INT) WITH ('connector' = 'datagen', 'rows-per-second' = '1000',
  'fields.k.min' = '0', 'fields.k.max' = '9999');
CREATE TABLE slow (k INT, c BIGINT, PRIMARY KEY (k) NOT ENFORCED) WITH (
  `+jdbcOptions(db, "slow_counts")+`);
INSERT INTO slow SELECT k, COUNT(*) FROM src GROUP BY k;
`), 0o600); err != nil {
		t.Fatal(err)
	}
	client := startBackgroundClient(t, "-D", "rest.port="+strconv.Itoa(freeLoopbackPort(t)), "-f", script)
	rest := client.waitFor(t, regexp.MustCompile(`\[INFO\] Flink REST API at (http://\S+)`), 30*time.Second)[1]
	jobID := client.waitFor(t, regexp.MustCompile(`Job ID: ([0-9a-f]{32})`), 30*time.Second)[1]
	job := rest + "/jobs/" + jobID

	// The plan: the sink's task reads the source's task over a hash
	// exchange, so they are separate vertices with their own figures.
	var plan struct {
		Plan struct {
			Nodes []struct {
				ID          string `json:"id"`
				Description string `json:"description"`
				Inputs      []struct {
					ID           string `json:"id"`
					ShipStrategy string `json:"ship_strategy"`
				} `json:"inputs"`
			} `json:"nodes"`
		} `json:"plan"`
	}
	bpGet(t, job+"/plan", &plan)
	consumed := map[string]bool{}
	for _, n := range plan.Plan.Nodes {
		for _, in := range n.Inputs {
			consumed[in.ID] = true
		}
	}
	var sink, up string
	for _, n := range plan.Plan.Nodes {
		if !consumed[n.ID] {
			if sink != "" || len(n.Inputs) != 1 {
				t.Fatalf("want one sink vertex with one input: %+v", plan.Plan.Nodes)
			}
			sink, up = n.ID, n.Inputs[0].ID
			if n.Inputs[0].ShipStrategy != "HASH" {
				t.Errorf("the sink's vertex reads over %q, want HASH", n.Inputs[0].ShipStrategy)
			}
		}
	}
	if sink == "" || up == sink {
		t.Fatalf("no separate sink vertex in the plan: %+v", plan.Plan.Nodes)
	}
	t.Logf("plan: %+v", plan.Plan.Nodes)

	// The rows reach MariaDB through the trigger: the sink is slow, not stuck.
	deadline := time.Now().Add(90 * time.Second)
	for {
		var n int
		if err := db.SQL.QueryRow("SELECT COUNT(*) FROM slow_counts").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no row reached MariaDB")
		}
		time.Sleep(200 * time.Millisecond)
	}

	// The REST API computes rates between its previous sample of the job
	// and now: sample about once a second, and wait until one round sees
	// the source back pressured and the sink busy.
	type backPressure struct {
		Level    string `json:"backpressure-level"`
		Subtasks []struct {
			Subtask   int     `json:"subtask"`
			Level     string  `json:"backpressure-level"`
			Ratio     float64 `json:"ratio"`
			BusyRatio float64 `json:"busyRatio"`
		} `json:"subtasks"`
	}
	metrics := func(vertex string) map[string]float64 {
		var list []struct {
			ID    string `json:"id"`
			Value string `json:"value"`
		}
		bpGet(t, job+"/vertices/"+vertex+"/metrics?get=busyTimeMsPerSecond,backPressuredTimeMsPerSecond,idleTimeMsPerSecond", &list)
		out := map[string]float64{}
		for _, m := range list {
			v, err := strconv.ParseFloat(m.Value, 64)
			if err != nil {
				t.Fatalf("metric %s = %q: %v", m.ID, m.Value, err)
			}
			out[m.ID] = v
		}
		return out
	}
	deadline = time.Now().Add(90 * time.Second)
	for round := 1; ; round++ {
		var problems []string
		problem := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

		time.Sleep(time.Second)
		var upBP backPressure
		bpGet(t, job+"/vertices/"+up+"/backpressure", &upBP)
		if upBP.Level != "high" || len(upBP.Subtasks) != 1 || upBP.Subtasks[0].Ratio <= 0.5 {
			problem("upstream back pressure %+v, want level high with a ratio above 0.5", upBP)
		}
		time.Sleep(time.Second)
		upM := metrics(up)
		if upM["backPressuredTimeMsPerSecond"] <= 500 {
			problem("upstream metrics %v, want backPressuredTimeMsPerSecond above 500", upM)
		}
		time.Sleep(time.Second)
		sinkM := metrics(sink)
		if sinkM["busyTimeMsPerSecond"] <= 500 || sinkM["backPressuredTimeMsPerSecond"] > 100 {
			problem("sink metrics %v, want busyTimeMsPerSecond above 500 and little back pressure", sinkM)
		}
		time.Sleep(time.Second)
		var sinkBP backPressure
		bpGet(t, job+"/vertices/"+sink+"/backpressure", &sinkBP)
		if sinkBP.Level != "ok" || len(sinkBP.Subtasks) != 1 || sinkBP.Subtasks[0].BusyRatio <= 0.5 {
			problem("sink back pressure %+v, want level ok and a busy ratio above 0.5", sinkBP)
		}

		if len(problems) == 0 {
			t.Logf("round %d: upstream %+v %v; sink %+v %v", round, upBP, upM, sinkBP, sinkM)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %d rounds:\n%v", round, problems)
		}
		t.Logf("round %d: %v", round, problems)
	}

	// The job's details carry the accumulated times per vertex (Flink's
	// IOMetricsInfo): the source's back-pressured time, the sink's busy time.
	var details struct {
		Vertices []struct {
			ID      string `json:"id"`
			Name    string `json:"name"`
			Metrics struct {
				Backpressured int64   `json:"accumulated-backpressured-time"`
				Idle          int64   `json:"accumulated-idle-time"`
				Busy          float64 `json:"accumulated-busy-time"`
			} `json:"metrics"`
		} `json:"vertices"`
	}
	bpGet(t, job, &details)
	found := 0
	for _, v := range details.Vertices {
		switch v.ID {
		case up:
			found++
			if v.Metrics.Backpressured <= 0 {
				t.Errorf("upstream vertex %s: accumulated-backpressured-time %d", v.Name, v.Metrics.Backpressured)
			}
		case sink:
			found++
			if v.Metrics.Busy <= 0 || v.Metrics.Backpressured != 0 {
				t.Errorf("sink vertex %s: accumulated busy %v, back pressured %d; want busy, never back pressured",
					v.Name, v.Metrics.Busy, v.Metrics.Backpressured)
			}
		}
	}
	if found != 2 {
		t.Errorf("the job's details list %d of the two vertices: %+v", found, details.Vertices)
	}
}

// bpGet GETs url and decodes its JSON into v, failing the test on an error
// or a status other than 200.
func bpGet(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}
