// Package clusterexec runs a cluster's INSERT jobs on its TaskManagers
// (issue 15): the JobManager's side, a session.Distributor (Distributor)
// that allocates slots and, per attempt, deploys the attempt's subtasks
// to TaskManagers and coordinates them, and the TaskManager's side
// (Worker) that plans the deployed statements into the same graph and
// runs its share of the subtasks.
//
// # JobManager
//
// A job submitted while at least one TaskManager is registered is placed
// with Flink's slot sharing: slot i runs subtask i of every vertex, so a
// job needs as many slots as its largest parallelism. Slots are taken
// from the TaskManagers with the most free slots (spread out); with too
// few free slots the attempt waits up to slot.request.timeout (Flink's
// default 300 s) and then fails with Flink's NoResourceAvailableException.
// Each attempt of the job (checkpoint.Config.Distribute) gets fresh slots
// and runs in the JobManager as a coordinating runtime.Job with no local
// subtask: its RemoteRunner (attemptRunner) sends Deploy, Trigger,
// NotifyCheckpointComplete and Cancel over the registration's Commands
// stream and turns the TaskManagers' reports into the attempt's
// runtime.RemoteReports. A TaskManager lost (heartbeat timeout,
// disconnect, restart) fails the attempts using it, and the Execution's
// restart strategy starts the next attempt on the slots that remain.
// Slots are released when an attempt ends.
//
// A job that checkpoints without a checkpoint directory
// (execution.checkpointing.dir) keeps running in the JobManager: its
// checkpoints would go to a private directory of the JobManager that
// TaskManagers cannot write.
//
// # TaskManager
//
// Worker.Handle receives the commands of the TaskManager's registration.
// Per attempt they are handled in order on a goroutine of the attempt:
// Deploy plans the statements (session.PlanDeployment), checks the graph's
// fingerprint and starts a runtime.Job over the TaskManager's subtasks,
// its channels to other TaskManagers over runtime/netexchange; Trigger
// injects a barrier and remembers where that checkpoint's keyed state
// goes; each local checkpoint writes its keyed snapshots there
// (checkpoint.WriteKeyed) and acknowledges per subtask. Reports of an
// attempt are sent in order by one goroutine; one the JobManager refuses
// as stale cancels the attempt, and so does the end of the registration
// it was deployed under (Worker.Lost, Worker.Registered: the JobManager
// failed it already).
//
// Every command and report carries the job id and the attempt number: a
// TaskManager drops commands of an attempt older than the newest it saw
// for the job, and the JobManager refuses reports of attempts that ended.
package clusterexec
