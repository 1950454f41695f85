package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/flinkgo/engine/runtime/cluster"
)

func TestReadSettingsDefaults(t *testing.T) {
	s, err := readSettings(map[string]string{})
	if err != nil {
		t.Fatal(err)
	}
	m := s.member
	if s.jobManager != "localhost:6123" || s.slots != 1 || s.host != "" || s.bindHost != "0.0.0.0" || s.dataPort != 0 || s.resourceID != "" ||
		m.HeartbeatInterval != cluster.DefaultHeartbeatInterval || m.HeartbeatTimeout != cluster.DefaultHeartbeatTimeout ||
		m.RegistrationInitialTimeout != 100*time.Millisecond || m.RegistrationMaxTimeout != 30*time.Second ||
		m.RegistrationErrorDelay != 10*time.Second || m.RegistrationRefusedDelay != 30*time.Second {
		t.Fatalf("defaults: %+v", s)
	}
}

func TestReadSettings(t *testing.T) {
	s, err := readSettings(map[string]string{
		"jobmanager.rpc.address": "flink-jobmanager", "jobmanager.rpc.port": "7000",
		"taskmanager.numberOfTaskSlots": "4", "taskmanager.host": "10.1.2.3", "taskmanager.data.port": "6121",
		"taskmanager.resource-id": "tm-x", "heartbeat.interval": "2000", "heartbeat.timeout": "1 min",
		"io.tmp.dirs": "/data/tmp1,/data/tmp2",
	})
	if err != nil {
		t.Fatal(err)
	}
	if s.jobManager != "flink-jobmanager:7000" || s.slots != 4 || s.host != "10.1.2.3" || s.dataPort != 6121 || s.resourceID != "tm-x" || s.scratchDir != "/data/tmp1" ||
		s.member.HeartbeatInterval != 2*time.Second || s.member.HeartbeatTimeout != time.Minute {
		t.Fatalf("got %+v", s)
	}
	for conf, want := range map[string]string{
		"taskmanager.numberOfTaskSlots=0":    "at least 1 slot",
		"taskmanager.numberOfTaskSlots=x":    "Could not parse value 'x' for key 'taskmanager.numberOfTaskSlots'.",
		"jobmanager.rpc.port=0":              "Invalid 'jobmanager.rpc.port' 0",
		"taskmanager.data.port=70000":        "Invalid 'taskmanager.data.port' 70000",
		"heartbeat.interval=1 min":           "has to be larger than the heartbeat interval",
		"heartbeat.timeout=soon":             "Could not parse value 'soon' for key 'heartbeat.timeout'.",
		"cluster.registration.error-delay=0": "expected a positive duration",
	} {
		k, v, _ := strings.Cut(conf, "=")
		if _, err := readSettings(map[string]string{k: v}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", conf, err, want)
		}
	}
}

func TestRunRejectsBadConfiguration(t *testing.T) {
	var out, errOut bytes.Buffer
	t.Setenv("FLINK_CONF_DIR", "")
	if code := run([]string{"-D", "taskmanager.numberOfTaskSlots=0"}, &out, &errOut, nil); code != 1 || !strings.Contains(errOut.String(), "[ERROR] Invalid 'taskmanager.numberOfTaskSlots' 0") {
		t.Fatalf("exit %d\n%s", code, errOut.String())
	}
	if code := run([]string{"extra"}, &out, &errOut, nil); code != 1 {
		t.Fatalf("an unknown argument: exit %d", code)
	}
}

func TestConnectingAddress(t *testing.T) {
	if got := connectingAddress(context.Background(), "127.0.0.1:6123", nil); got != "127.0.0.1" {
		t.Fatalf("connectingAddress(loopback) = %q", got)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var log bytes.Buffer
	if got := connectingAddress(ctx, "no-such-host.invalid:6123", &log); got != "" || !strings.Contains(log.String(), "Set taskmanager.host") {
		t.Fatalf("unresolvable: %q, log %q", got, log.String())
	}
}
