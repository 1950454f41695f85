package flinkrest

import (
	crand "crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/flinkgo/engine/checkpoint"
	"github.com/flinkgo/engine/planner/session"
	"github.com/flinkgo/engine/runtime"
)

// Control calls: cancel (PATCH /jobs/:jobid), stop with a savepoint (POST
// /jobs/:jobid/stop) and savepoints (POST /jobs/:jobid/savepoints), whose
// outcome GET /jobs/:jobid/savepoints/:triggerid reports. A savepoint call
// answers at once with a trigger id and runs on a goroutine of its own;
// the operations registry records its outcome for the status calls (the
// checkpoint statistics read the Execution's history). Every call is refused when
// web.cancel.enable is false (server.go).

// operation is one savepoint or stop-with-savepoint.
type operation struct {
	stop     bool // stop-with-savepoint (ends the job FINISHED)
	started  time.Time
	done     bool
	finished time.Time
	location string // when done without err
	err      error
}

// operations is the registry of savepoint operations by job and trigger
// id, kept for the life of the server. Safe for concurrent use.
type operations struct {
	mu    sync.Mutex
	byKey map[[2]string]*operation // {job id, trigger id}
	order [][2]string              // start order
}

func newOperations() *operations { return &operations{byKey: map[[2]string]*operation{}} }

// start runs fn on a goroutine as operation triggerID of job, unless that
// operation exists already (a repeated trigger id is the same request);
// it reports whether it started one.
func (o *operations) start(job, triggerID string, stop bool, fn func() (string, error)) bool {
	key := [2]string{job, triggerID}
	o.mu.Lock()
	if _, ok := o.byKey[key]; ok {
		o.mu.Unlock()
		return false
	}
	op := &operation{stop: stop, started: time.Now()}
	o.byKey[key] = op
	o.order = append(o.order, key)
	o.mu.Unlock()
	go func() {
		loc, err := fn()
		o.mu.Lock()
		op.done, op.finished, op.location, op.err = true, time.Now(), loc, err
		o.mu.Unlock()
	}()
	return true
}

// get returns a copy of operation triggerID of job.
func (o *operations) get(job, triggerID string) (operation, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	op, ok := o.byKey[[2]string{job, triggerID}]
	if !ok {
		return operation{}, false
	}
	return *op, true
}

// cancelJob serves PATCH /jobs/:jobid?mode=cancel: 202 once cancellation
// started; cancelling a cancelled job again is accepted, one that ended
// otherwise is a conflict.
func (s *Server) cancelJob(w http.ResponseWriter, r *http.Request, j *session.Job) {
	switch mode := r.URL.Query().Get("mode"); strings.ToLower(mode) {
	case "", "cancel":
	case "stop":
		writeError(w, http.StatusBadRequest, "The termination mode 'stop' is not supported; stop a job with a savepoint with POST /jobs/:jobid/stop.")
		return
	default:
		writeError(w, http.StatusBadRequest, fmt.Sprintf("Bad request, could not parse parameters: Cannot resolve query parameter (mode) from value \"%s\".", mode))
		return
	}
	switch st := j.Status(); {
	case st == runtime.JobCanceled:
	case terminal(st):
		writeError(w, http.StatusConflict, fmt.Sprintf("Job cancellation failed because the job has already reached another terminal state (%s).", st))
		return
	default:
		j.Cancel()
	}
	writeJSON(w, http.StatusAccepted, struct{}{})
}

// triggerSavepoint serves POST /jobs/:jobid/savepoints {"target-directory",
// "cancel-job", "formatType"}: an intermediate savepoint (sinks commit
// nothing of it), then with cancel-job a cancellation. formatType is
// CANONICAL (the default: restorable on any state backend) or NATIVE.
func (s *Server) triggerSavepoint(w http.ResponseWriter, r *http.Request, j *session.Job) {
	var req savepointTriggerRequest
	err := readBody(r, &req)
	format, ferr := checkpoint.ParseSavepointFormat(req.FormatType)
	if err != nil || ferr != nil {
		writeError(w, http.StatusBadRequest, "Request did not match expected format SavepointTriggerRequestBody.")
		return
	}
	if !s.savepointTarget(w, j, req.TargetDirectory, "target-directory") {
		return
	}
	s.trigger(w, j, req.TriggerID, false, func() (string, error) {
		path, err := j.TriggerSavepointFormat(req.TargetDirectory, format)
		if err == nil && req.CancelJob {
			j.Cancel()
		}
		return path, err
	})
}

// stopWithSavepoint serves POST /jobs/:jobid/stop {"targetDirectory",
// "drain", "formatType"}: a savepoint sinks commit, then the job ends
// FINISHED.
func (s *Server) stopWithSavepoint(w http.ResponseWriter, r *http.Request, j *session.Job) {
	var req stopWithSavepointRequest
	err := readBody(r, &req)
	format, ferr := checkpoint.ParseSavepointFormat(req.FormatType)
	if err != nil || ferr != nil {
		writeError(w, http.StatusBadRequest, "Request did not match expected format StopWithSavepointRequestBody.")
		return
	}
	if !s.savepointTarget(w, j, req.TargetDirectory, "targetDirectory") {
		return
	}
	s.trigger(w, j, req.TriggerID, true, func() (string, error) {
		return j.StopWithSavepointFormat(req.TargetDirectory, req.Drain, format)
	})
}

// savepointTarget answers 400 when neither the request (property) nor the
// job's configuration names a savepoint directory.
func (s *Server) savepointTarget(w http.ResponseWriter, j *session.Job, target, property string) bool {
	if target == "" && j.Settings().Checkpointing.SavepointDir == "" {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("Config key [execution.checkpointing.savepoint-dir] is not set. Property [%s] must be provided.", property))
		return false
	}
	return true
}

// trigger starts a savepoint operation and answers 202 {"request-id"}.
func (s *Server) trigger(w http.ResponseWriter, j *session.Job, triggerID string, stop bool, fn func() (string, error)) {
	if triggerID == "" {
		var b [16]byte
		crand.Read(b[:])
		triggerID = hex.EncodeToString(b[:])
	} else if !isHex32(triggerID) {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("Bad request: triggerId '%s' is not a 32-character hexadecimal string.", triggerID))
		return
	}
	s.ops.start(j.ID, triggerID, stop, fn)
	writeJSON(w, http.StatusAccepted, triggerResponse{RequestID: triggerID})
}

// savepointStatus serves GET /jobs/:jobid/savepoints/:triggerid.
func (s *Server) savepointStatus(w http.ResponseWriter, r *http.Request, j *session.Job) {
	id := r.PathValue("triggerid")
	op, ok := s.ops.get(j.ID, id)
	if !ok {
		writeError(w, http.StatusNotFound, fmt.Sprintf("There is no savepoint operation with triggerId=%s for job %s.", id, j.ID))
		return
	}
	if !op.done {
		writeJSON(w, http.StatusOK, asyncOperationResult{Status: queueStatus{ID: "IN_PROGRESS"}})
		return
	}
	info := &savepointInfo{}
	if op.err != nil {
		const class = "org.apache.flink.runtime.checkpoint.CheckpointException"
		info.FailureCause = &serializedThrowable{Class: class, StackTrace: class + ": " + s.mask(op.err.Error())}
	} else {
		loc := op.location
		info.Location = &loc
	}
	writeJSON(w, http.StatusOK, asyncOperationResult{Status: queueStatus{ID: "COMPLETED"}, Operation: info})
}
