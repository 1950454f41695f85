package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestRESTAPIWhileJobRuns: with -D rest.port the client serves Flink's REST
// API while its script runs: the INFO line names the address, GET
// /jobs/overview shows the running job, and the server is gone after exit.
func TestRESTAPIWhileJobRuns(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()

	dir := t.TempDir()
	script := filepath.Join(dir, "job.sql")
	os.WriteFile(script, []byte(`
SET 'pipeline.name' = 'rest-e2e';
CREATE TABLE src (id BIGINT) WITH ('connector' = 'datagen', 'number-of-rows' = '3000', 'rows-per-second' = '1000');
CREATE TABLE sink (id BIGINT) WITH ('connector' = 'blackhole');
INSERT INTO sink SELECT id FROM src;
`), 0o600)
	cmd := exec.Command(binary, "-D", "rest.port="+strconv.Itoa(port), "-f", script)
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	lines := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	url := "http://127.0.0.1:" + strconv.Itoa(port)
	select {
	case l := <-lines:
		if l != "[INFO] Flink REST API at "+url {
			t.Fatalf("first stderr line %q", l)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no INFO line naming the REST address")
	}
	go func() {
		for range lines { // keep draining stderr
		}
	}()

	var overview struct {
		Jobs []struct {
			JID   string `json:"jid"`
			Name  string `json:"name"`
			State string `json:"state"`
			Tasks struct {
				Total   int `json:"total"`
				Running int `json:"running"`
			} `json:"tasks"`
		} `json:"jobs"`
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(url + "/jobs/overview")
		if err != nil {
			t.Fatal(err)
		}
		err = json.NewDecoder(resp.Body).Decode(&overview)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("GET /jobs/overview: %d %v", resp.StatusCode, err)
		}
		if len(overview.Jobs) == 1 && overview.Jobs[0].State == "RUNNING" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no running job in /jobs/overview: %+v", overview)
		}
		time.Sleep(50 * time.Millisecond)
	}
	j := overview.Jobs[0]
	if len(j.JID) != 32 || j.Name != "rest-e2e" || j.Tasks.Total < 1 || j.Tasks.Running != j.Tasks.Total {
		t.Fatalf("job in /jobs/overview: %+v", j)
	}

	if err := cmd.Wait(); err != nil {
		t.Fatalf("client: %v\n%s", err, stdout.String())
	}
	if !strings.Contains(stdout.String(), "Job ID: "+j.JID) {
		t.Errorf("the REST job id %s is not the submitted one:\n%s", j.JID, stdout.String())
	}
	if c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), time.Second); err == nil {
		c.Close()
		t.Error("the REST server still listens after the client exited")
	}
}
