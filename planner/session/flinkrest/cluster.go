package flinkrest

import (
	crand "crypto/rand"
	"encoding/hex"
	"net/http"
	goruntime "runtime"
	"runtime/debug"
	"sync"
	"time"

	"github.com/flinkgo/engine/runtime"
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

// overview serves GET /overview.
func (s *Server) overview(w http.ResponseWriter, r *http.Request) {
	total, free := s.slots()
	commit, _ := revision()
	o := clusterOverview{TaskManagers: 1, SlotsTotal: total, SlotsAvailable: free, FlinkVersion: FlinkVersion, FlinkCommit: commit}
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

// taskManagers serves GET /taskmanagers: the embedded process is one
// TaskManager. Memory figures Flink takes from its memory model are 0;
// hardware figures it cannot know are -1, as in Flink.
func (s *Server) taskManagers(w http.ResponseWriter, r *http.Request) {
	total, free := s.slots()
	cpus := goruntime.NumCPU()
	res := func(slots int) resourceProfileInfo {
		return resourceProfileInfo{CPUCores: float64(slots), ExtendedResources: map[string]float64{}}
	}
	writeJSON(w, http.StatusOK, taskManagersInfo{TaskManagers: []taskManagerInfo{{
		ID:            s.tm,
		Path:          "embedded",
		DataPort:      -1,
		JMXPort:       -1,
		SlotsNumber:   total,
		FreeSlots:     free,
		TotalResource: res(total),
		FreeResource:  res(free),
		Hardware:      hardwareDescription{CPUCores: cpus, PhysicalMemory: -1, FreeMemory: -1, ManagedMemory: 0},
	}}})
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
