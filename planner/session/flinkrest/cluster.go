package flinkrest

import (
	crand "crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	goruntime "runtime"
	"runtime/debug"
	"sync"
	"time"

	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/cluster"
)

// FlinkVersion is the Flink version whose REST API and SQL surface this
// engine follows, reported as flink-version.
const FlinkVersion = "1.20.0"

// Flink's values when the build carries no commit (EnvironmentInformation).
const (
	unknownCommitID   = "DeadD0d0"
	unknownCommitTime = "1970-01-01T00:00:00Z"
)

// revision returns the VCS commit (short) and time of this binary.
var revision = sync.OnceValues(func() (commit, at string) {
	commit, at = unknownCommitID, unknownCommitTime
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				commit = s.Value
				if len(commit) > 7 {
					commit = commit[:7]
				}
			case "vcs.time":
				at = s.Value
			}
		}
	}
	return commit, at
})

// dashboardConfig serves GET /config.
func (s *Server) dashboardConfig(w http.ResponseWriter, r *http.Request) {
	name, offset := time.Now().Zone()
	commit, at := revision()
	writeJSON(w, http.StatusOK, dashboardConfiguration{
		RefreshInterval: s.cfg.RefreshInterval.Milliseconds(),
		TimezoneName:    name,
		TimezoneOffset:  int64(offset) * 1000,
		FlinkVersion:    FlinkVersion,
		FlinkRevision:   commit + " @ " + at,
		Features:        dashboardFeatures{WebCancel: s.cfg.CancelEnabled},
	})
}

// slots returns the pseudo TaskManager's slots and how many are free: a
// job that has not ended takes as many slots as its widest vertex (Flink's
// default slot sharing).
func (s *Server) slots() (total, free int) {
	total = s.cfg.Slots
	if total <= 0 {
		total = goruntime.NumCPU()
	}
	used := 0
	for _, j := range s.sess.Jobs() {
		if terminal(j.Status()) {
			continue
		}
		widest := 0
		for _, v := range j.Graph().Vertices {
			widest = max(widest, v.Parallelism)
		}
		used += widest
	}
	return total, max(total-used, 0)
}

// SetCluster makes the server report the TaskManagers registered with a
// JobManager (cmd/jobmanager); call it before Start. While none is
// registered, the process itself is reported as the one TaskManager, as
// without a cluster: jobs run in it.
func (s *Server) SetCluster(r *cluster.Registry) { s.cluster = r }

// registered returns the TaskManagers registered with the cluster; none
// (or no cluster) means the process is the one pseudo TaskManager.
func (s *Server) registered() []cluster.TaskManager {
	if s.cluster == nil {
		return nil
	}
	return s.cluster.TaskManagers()
}

// overview serves GET /overview.
func (s *Server) overview(w http.ResponseWriter, r *http.Request) {
	total, free := s.slots()
	tms := 1
	if reg := s.registered(); len(reg) > 0 {
		tms, total, free = len(reg), 0, 0
		for _, tm := range reg {
			total += tm.Slots
			free += tm.FreeSlots
		}
	}
	commit, _ := revision()
	o := clusterOverview{TaskManagers: tms, SlotsTotal: total, SlotsAvailable: free, FlinkVersion: FlinkVersion, FlinkCommit: commit}
	for _, j := range s.sess.Jobs() {
		switch j.Status() {
		case runtime.JobFinished:
			o.JobsFinished++
		case runtime.JobCanceled:
			o.JobsCancelled++
		case runtime.JobFailed:
			o.JobsFailed++
		default:
			o.JobsRunning++
		}
	}
	writeJSON(w, http.StatusOK, o)
}

// resources is a ResourceProfileInfo of slots: a slot's CPU share is one
// core (Flink's default taskmanager.cpu.cores is the number of slots).
func resources(slots int) resourceProfileInfo {
	return resourceProfileInfo{CPUCores: float64(slots), ExtendedResources: map[string]float64{}}
}

// taskManagerInfos returns the registered TaskManagers, or the embedded
// process as the one TaskManager. Memory figures Flink takes from its
// memory model are 0; hardware figures it cannot know are -1, as in Flink.
// For a registered TaskManager, timeSinceLastHeartbeat is — as in Flink,
// despite the name — the time of its last heartbeat in epoch
// milliseconds, and path is its data exchange's address.
func (s *Server) taskManagerInfos() []taskManagerInfo {
	reg := s.registered()
	if len(reg) == 0 {
		total, free := s.slots()
		return []taskManagerInfo{{
			ID:            s.tm,
			Path:          "embedded",
			DataPort:      -1,
			JMXPort:       -1,
			SlotsNumber:   total,
			FreeSlots:     free,
			TotalResource: resources(total),
			FreeResource:  resources(free),
			Hardware:      hardwareDescription{CPUCores: goruntime.NumCPU(), PhysicalMemory: -1, FreeMemory: -1, ManagedMemory: 0},
		}}
	}
	out := make([]taskManagerInfo, 0, len(reg))
	for _, tm := range reg {
		hw := tm.Hardware
		out = append(out, taskManagerInfo{
			ID:                     tm.ResourceID,
			Path:                   "tcp://" + tm.Address(),
			DataPort:               tm.DataPort,
			JMXPort:                -1,
			TimeSinceLastHeartbeat: tm.LastHeartbeat.UnixMilli(),
			SlotsNumber:            tm.Slots,
			FreeSlots:              tm.FreeSlots,
			TotalResource:          resources(tm.Slots),
			FreeResource:           resources(tm.FreeSlots),
			Hardware:               hardwareDescription{CPUCores: hw.CPUCores, PhysicalMemory: hw.PhysicalMemory, FreeMemory: hw.FreeMemory, ManagedMemory: hw.ManagedMemory},
		})
	}
	return out
}

// taskManagers serves GET /taskmanagers.
func (s *Server) taskManagers(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, taskManagersInfo{TaskManagers: s.taskManagerInfos()})
}

// taskManagerDetails serves GET /taskmanagers/:taskmanagerid: a registered
// TaskManager's metrics are its last heartbeat's report; the embedded
// process's are read now. No slot is allocated on a TaskManager yet.
func (s *Server) taskManagerDetails(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("taskmanagerid")
	for _, info := range s.taskManagerInfos() {
		if info.ID != id {
			continue
		}
		var mem cluster.Memory
		if tm, ok := s.registeredTaskManager(id); ok {
			mem = tm.Memory
		} else {
			var ms goruntime.MemStats
			goruntime.ReadMemStats(&ms)
			mem = cluster.Memory{HeapUsed: int64(ms.HeapAlloc), HeapCommitted: int64(ms.HeapSys - ms.HeapReleased), NonHeapUsed: int64(ms.Sys - ms.HeapSys)}
		}
		writeJSON(w, http.StatusOK, taskManagerDetailsInfo{
			taskManagerInfo: info,
			AllocatedSlots:  []allocatedSlot{},
			Metrics: taskManagerMetricsInfo{
				HeapUsed: mem.HeapUsed, HeapCommitted: mem.HeapCommitted, HeapMax: -1,
				NonHeapUsed: mem.NonHeapUsed, NonHeapCommitted: mem.NonHeapUsed, NonHeapMax: -1,
				GarbageCollectors: []garbageCollector{},
			},
		})
		return
	}
	writeError(w, http.StatusNotFound, fmt.Sprintf("Could not find TaskExecutor %s.", id))
}

func (s *Server) registeredTaskManager(id string) (cluster.TaskManager, bool) {
	if s.cluster == nil {
		return cluster.TaskManager{}, false
	}
	return s.cluster.TaskManager(id)
}

// newTaskManagerID returns a 32-hex resource id for the pseudo TaskManager.
func newTaskManagerID() string {
	var b [16]byte
	crand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// terminal reports globally terminal job states.
func terminal(st runtime.JobStatus) bool {
	return st == runtime.JobFinished || st == runtime.JobCanceled || st == runtime.JobFailed
}
