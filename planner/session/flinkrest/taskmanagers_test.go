package flinkrest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/flinkgo/engine/planner/session"
	"github.com/flinkgo/engine/planner/session/flinkrest"
	"github.com/flinkgo/engine/runtime/cluster"
)

type manualClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *manualClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *manualClock) Advance(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

func getJSON(t *testing.T, url string, v any) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v\n%s", url, err, b)
	}
	return resp.StatusCode
}

type overview struct {
	TaskManagers   int `json:"taskmanagers"`
	SlotsTotal     int `json:"slots-total"`
	SlotsAvailable int `json:"slots-available"`
}

type tmList struct {
	TaskManagers []struct {
		ID                     string `json:"id"`
		Path                   string `json:"path"`
		DataPort               int    `json:"dataPort"`
		TimeSinceLastHeartbeat int64  `json:"timeSinceLastHeartbeat"`
		SlotsNumber            int    `json:"slotsNumber"`
		FreeSlots              int    `json:"freeSlots"`
		TotalResource          struct {
			CPUCores float64 `json:"cpuCores"`
		} `json:"totalResource"`
		Hardware struct {
			CPUCores       int   `json:"cpuCores"`
			PhysicalMemory int64 `json:"physicalMemory"`
			FreeMemory     int64 `json:"freeMemory"`
		} `json:"hardware"`
	} `json:"taskmanagers"`
}

// TestTaskManagersFromRegistry: with a cluster's registry, /taskmanagers,
// /taskmanagers/:id and /overview show the registered TaskManagers; with
// none registered, the process is the one TaskManager, as without a
// cluster.
func TestTaskManagersFromRegistry(t *testing.T) {
	clock := &manualClock{now: time.UnixMilli(1_700_000_000_000)}
	reg := cluster.NewRegistry(cluster.RegistryOptions{HeartbeatTimeout: 50 * time.Second, Clock: clock})
	sess := session.New(session.Options{})
	srv := flinkrest.New(sess, flinkrest.Config{BindAddress: "127.0.0.1", CancelEnabled: true, RefreshInterval: time.Second, Slots: 3}, nil)
	srv.SetCluster(reg)
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close(); sess.Close() })
	url := srv.URL()

	// None registered: the embedded pseudo TaskManager.
	var o overview
	getJSON(t, url+"/overview", &o)
	if o != (overview{1, 3, 3}) {
		t.Fatalf("overview without TaskManagers: %+v", o)
	}
	var l tmList
	getJSON(t, url+"/taskmanagers", &l)
	if len(l.TaskManagers) != 1 || l.TaskManagers[0].Path != "embedded" {
		t.Fatalf("taskmanagers without registrations: %+v", l)
	}
	var d map[string]any
	if code := getJSON(t, url+"/taskmanagers/"+l.TaskManagers[0].ID, &d); code != 200 || d["metrics"] == nil {
		t.Fatalf("pseudo TaskManager's details: %d %v", code, d)
	}

	a, err := reg.Register(cluster.Registration{ResourceID: "10.0.0.1:6121-abcdef", Host: "10.0.0.1", DataPort: 6121, Slots: 2,
		Hardware: cluster.Hardware{CPUCores: 8, PhysicalMemory: 1 << 34, FreeMemory: 1 << 33}})
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Second)
	if _, err := reg.Register(cluster.Registration{ResourceID: "tm-b", Host: "10.0.0.2", DataPort: 6122, Slots: 3, Hardware: cluster.Hardware{CPUCores: 4, PhysicalMemory: -1, FreeMemory: -1}}); err != nil {
		t.Fatal(err)
	}
	clock.Advance(2 * time.Second)
	reg.Heartbeat("10.0.0.1:6121-abcdef", a, cluster.Memory{HeapUsed: 12345, HeapCommitted: 23456, NonHeapUsed: 777})

	getJSON(t, url+"/overview", &o)
	if o != (overview{2, 5, 5}) {
		t.Fatalf("overview: %+v", o)
	}
	l = tmList{}
	getJSON(t, url+"/taskmanagers", &l)
	if len(l.TaskManagers) != 2 {
		t.Fatalf("taskmanagers: %+v", l)
	}
	tm := l.TaskManagers[0]
	if tm.ID != "10.0.0.1:6121-abcdef" || tm.Path != "tcp://10.0.0.1:6121" || tm.DataPort != 6121 || tm.SlotsNumber != 2 || tm.FreeSlots != 2 ||
		tm.TimeSinceLastHeartbeat != 1_700_000_003_000 || tm.TotalResource.CPUCores != 2 || tm.Hardware.CPUCores != 8 || tm.Hardware.PhysicalMemory != 1<<34 {
		t.Fatalf("first TaskManager: %+v", tm)
	}
	if tm := l.TaskManagers[1]; tm.ID != "tm-b" || tm.SlotsNumber != 3 || tm.TimeSinceLastHeartbeat != 1_700_000_001_000 || tm.Hardware.PhysicalMemory != -1 {
		t.Fatalf("second TaskManager: %+v", tm)
	}

	var details struct {
		ID             string `json:"id"`
		SlotsNumber    int    `json:"slotsNumber"`
		AllocatedSlots []any  `json:"allocatedSlots"`
		Metrics        struct {
			HeapUsed          int64 `json:"heapUsed"`
			HeapCommitted     int64 `json:"heapCommitted"`
			HeapMax           int64 `json:"heapMax"`
			NonHeapUsed       int64 `json:"nonHeapUsed"`
			GarbageCollectors []any `json:"garbageCollectors"`
		} `json:"metrics"`
	}
	// A resource id with ':' works as a path segment, escaped or not.
	for _, path := range []string{"/taskmanagers/10.0.0.1:6121-abcdef", "/v1/taskmanagers/10.0.0.1%3A6121-abcdef"} {
		if code := getJSON(t, url+path, &details); code != 200 || details.ID != "10.0.0.1:6121-abcdef" || details.SlotsNumber != 2 ||
			details.AllocatedSlots == nil || len(details.AllocatedSlots) != 0 || details.Metrics.HeapUsed != 12345 ||
			details.Metrics.HeapCommitted != 23456 || details.Metrics.HeapMax != -1 || details.Metrics.NonHeapUsed != 777 || details.Metrics.GarbageCollectors == nil {
			t.Fatalf("GET %s: %d %+v", path, code, details)
		}
	}
	var e struct {
		Errors []string `json:"errors"`
	}
	if code := getJSON(t, url+"/taskmanagers/nope", &e); code != 404 || len(e.Errors) != 1 || e.Errors[0] != "Could not find TaskExecutor nope." {
		t.Fatalf("unknown TaskManager: %d %+v", code, e)
	}

	// tm-b falls silent: after the timeout and a sweep it is gone.
	clock.Advance(49 * time.Second)
	reg.Heartbeat("10.0.0.1:6121-abcdef", a, cluster.Memory{})
	clock.Advance(2 * time.Second)
	if lost := reg.Sweep(); len(lost) != 1 || lost[0].ResourceID != "tm-b" {
		t.Fatalf("swept %+v", lost)
	}
	getJSON(t, url+"/overview", &o)
	if o != (overview{1, 2, 2}) {
		t.Fatalf("overview after the loss: %+v", o)
	}
}
