package flinkrest

// The JSON bodies of the REST API, named after Flink's message classes
// (org.apache.flink.runtime.rest.messages.*) with Flink's field names and,
// where Flink writes them in a fixed order, that order. Times are
// milliseconds since the epoch, durations milliseconds; -1 means "not
// yet" (an end time) as in Flink.

// dashboardConfiguration is DashboardConfiguration (GET /config).
type dashboardConfiguration struct {
	RefreshInterval int64             `json:"refresh-interval"`
	TimezoneName    string            `json:"timezone-name"`
	TimezoneOffset  int64             `json:"timezone-offset"`
	FlinkVersion    string            `json:"flink-version"`
	FlinkRevision   string            `json:"flink-revision"`
	Features        dashboardFeatures `json:"features"`
}

type dashboardFeatures struct {
	WebSubmit  bool `json:"web-submit"`
	WebCancel  bool `json:"web-cancel"`
	WebRescale bool `json:"web-rescale"`
	WebHistory bool `json:"web-history"`
}

// clusterOverview is ClusterOverviewWithVersion (GET /overview).
type clusterOverview struct {
	TaskManagers   int    `json:"taskmanagers"`
	SlotsTotal     int    `json:"slots-total"`
	SlotsAvailable int    `json:"slots-available"`
	JobsRunning    int    `json:"jobs-running"`
	JobsFinished   int    `json:"jobs-finished"`
	JobsCancelled  int    `json:"jobs-cancelled"`
	JobsFailed     int    `json:"jobs-failed"`
	FlinkVersion   string `json:"flink-version"`
	FlinkCommit    string `json:"flink-commit"`
}

// taskManagersInfo is TaskManagersInfo (GET /taskmanagers).
type taskManagersInfo struct {
	TaskManagers []taskManagerInfo `json:"taskmanagers"`
}

type taskManagerInfo struct {
	ID                     string              `json:"id"`
	Path                   string              `json:"path"`
	DataPort               int                 `json:"dataPort"`
	JMXPort                int                 `json:"jmxPort"`
	TimeSinceLastHeartbeat int64               `json:"timeSinceLastHeartbeat"`
	SlotsNumber            int                 `json:"slotsNumber"`
	FreeSlots              int                 `json:"freeSlots"`
	TotalResource          resourceProfileInfo `json:"totalResource"`
	FreeResource           resourceProfileInfo `json:"freeResource"`
	Hardware               hardwareDescription `json:"hardware"`
	MemoryConfiguration    memoryConfiguration `json:"memoryConfiguration"`
}

// taskManagerDetailsInfo is TaskManagerDetailsInfo (GET
// /taskmanagers/:taskmanagerid): the list entry plus metrics and the slots
// allocated to jobs.
type taskManagerDetailsInfo struct {
	taskManagerInfo
	AllocatedSlots []allocatedSlot        `json:"allocatedSlots"`
	Metrics        taskManagerMetricsInfo `json:"metrics"`
}

type allocatedSlot struct {
	JobID    string              `json:"jobId"`
	Resource resourceProfileInfo `json:"resource"`
}

// taskManagerMetricsInfo is TaskManagerMetricsInfo: the JVM's heap figures
// are the Go heap's (non-heap: the rest of the runtime's memory); direct,
// mapped and network-buffer figures have no counterpart and are 0.
type taskManagerMetricsInfo struct {
	HeapUsed                            int64              `json:"heapUsed"`
	HeapCommitted                       int64              `json:"heapCommitted"`
	HeapMax                             int64              `json:"heapMax"`
	NonHeapUsed                         int64              `json:"nonHeapUsed"`
	NonHeapCommitted                    int64              `json:"nonHeapCommitted"`
	NonHeapMax                          int64              `json:"nonHeapMax"`
	DirectCount                         int64              `json:"directCount"`
	DirectUsed                          int64              `json:"directUsed"`
	DirectMax                           int64              `json:"directMax"`
	MappedCount                         int64              `json:"mappedCount"`
	MappedUsed                          int64              `json:"mappedUsed"`
	MappedMax                           int64              `json:"mappedMax"`
	MemorySegmentsAvailable             int64              `json:"memorySegmentsAvailable"`
	MemorySegmentsTotal                 int64              `json:"memorySegmentsTotal"`
	NettyShuffleMemorySegmentsAvailable int64              `json:"nettyShuffleMemorySegmentsAvailable"`
	NettyShuffleMemorySegmentsUsed      int64              `json:"nettyShuffleMemorySegmentsUsed"`
	NettyShuffleMemorySegmentsTotal     int64              `json:"nettyShuffleMemorySegmentsTotal"`
	NettyShuffleMemoryAvailable         int64              `json:"nettyShuffleMemoryAvailable"`
	NettyShuffleMemoryUsed              int64              `json:"nettyShuffleMemoryUsed"`
	NettyShuffleMemoryTotal             int64              `json:"nettyShuffleMemoryTotal"`
	GarbageCollectors                   []garbageCollector `json:"garbageCollectors"`
}

type garbageCollector struct {
	Name  string `json:"name"`
	Count int64  `json:"count"`
	Time  int64  `json:"time"`
}

type resourceProfileInfo struct {
	CPUCores          float64            `json:"cpuCores"`
	TaskHeapMemory    int                `json:"taskHeapMemory"`
	TaskOffHeapMemory int                `json:"taskOffHeapMemory"`
	ManagedMemory     int                `json:"managedMemory"`
	NetworkMemory     int                `json:"networkMemory"`
	ExtendedResources map[string]float64 `json:"extendedResources"`
}

type hardwareDescription struct {
	CPUCores       int   `json:"cpuCores"`
	PhysicalMemory int64 `json:"physicalMemory"`
	FreeMemory     int64 `json:"freeMemory"`
	ManagedMemory  int64 `json:"managedMemory"`
}

type memoryConfiguration struct {
	FrameworkHeap      int64 `json:"frameworkHeap"`
	TaskHeap           int64 `json:"taskHeap"`
	FrameworkOffHeap   int64 `json:"frameworkOffHeap"`
	TaskOffHeap        int64 `json:"taskOffHeap"`
	NetworkMemory      int64 `json:"networkMemory"`
	ManagedMemory      int64 `json:"managedMemory"`
	JVMMetaspace       int64 `json:"jvmMetaspace"`
	JVMOverhead        int64 `json:"jvmOverhead"`
	TotalFlinkMemory   int64 `json:"totalFlinkMemory"`
	TotalProcessMemory int64 `json:"totalProcessMemory"`
}

// jobIDsWithStatus is JobIdsWithStatusOverview (GET /jobs).
type jobIDsWithStatus struct {
	Jobs []jobIDWithStatus `json:"jobs"`
}

type jobIDWithStatus struct {
	ID     string `json:"id"`
	Status string `json:"status"`
}

// multipleJobsDetails is MultipleJobsDetails (GET /jobs/overview).
type multipleJobsDetails struct {
	Jobs []jobDetails `json:"jobs"`
}

// jobDetails is JobDetails: one job of /jobs/overview.
type jobDetails struct {
	JID              string     `json:"jid"`
	Name             string     `json:"name"`
	State            string     `json:"state"`
	StartTime        int64      `json:"start-time"`
	EndTime          int64      `json:"end-time"`
	Duration         int64      `json:"duration"`
	LastModification int64      `json:"last-modification"`
	Tasks            taskCounts `json:"tasks"`
}

// taskCounts is JobDetails' "tasks": the total and the number of tasks in
// each execution state, lower-case.
type taskCounts struct {
	Total        int `json:"total"`
	Created      int `json:"created"`
	Scheduled    int `json:"scheduled"`
	Deploying    int `json:"deploying"`
	Running      int `json:"running"`
	Finished     int `json:"finished"`
	Canceling    int `json:"canceling"`
	Canceled     int `json:"canceled"`
	Failed       int `json:"failed"`
	Reconciling  int `json:"reconciling"`
	Initializing int `json:"initializing"`
}

// executionStateCounts is a map from ExecutionState to a count, in the
// enum's order (a vertex's "tasks", a job's "status-counts").
type executionStateCounts struct {
	Created      int `json:"CREATED"`
	Scheduled    int `json:"SCHEDULED"`
	Deploying    int `json:"DEPLOYING"`
	Running      int `json:"RUNNING"`
	Finished     int `json:"FINISHED"`
	Canceling    int `json:"CANCELING"`
	Canceled     int `json:"CANCELED"`
	Failed       int `json:"FAILED"`
	Reconciling  int `json:"RECONCILING"`
	Initializing int `json:"INITIALIZING"`
}

// jobStatusTimestamps is JobDetailsInfo's "timestamps": when the job
// entered each JobStatus (0: never), in the enum's order.
type jobStatusTimestamps struct {
	Initializing int64 `json:"INITIALIZING"`
	Created      int64 `json:"CREATED"`
	Running      int64 `json:"RUNNING"`
	Failing      int64 `json:"FAILING"`
	Failed       int64 `json:"FAILED"`
	Cancelling   int64 `json:"CANCELLING"`
	Canceled     int64 `json:"CANCELED"`
	Finished     int64 `json:"FINISHED"`
	Restarting   int64 `json:"RESTARTING"`
	Suspended    int64 `json:"SUSPENDED"`
	Reconciling  int64 `json:"RECONCILING"`
}

// jobDetailsInfo is JobDetailsInfo (GET /jobs/:jobid).
type jobDetailsInfo struct {
	JID            string               `json:"jid"`
	Name           string               `json:"name"`
	IsStoppable    bool                 `json:"isStoppable"`
	State          string               `json:"state"`
	StartTime      int64                `json:"start-time"`
	EndTime        int64                `json:"end-time"`
	Duration       int64                `json:"duration"`
	MaxParallelism int64                `json:"maxParallelism"`
	Now            int64                `json:"now"`
	Timestamps     jobStatusTimestamps  `json:"timestamps"`
	Vertices       []jobVertexDetails   `json:"vertices"`
	StatusCounts   executionStateCounts `json:"status-counts"`
	Plan           jobPlan              `json:"plan"`
}

// jobVertexDetails is JobDetailsInfo.JobVertexDetailsInfo.
type jobVertexDetails struct {
	ID             string               `json:"id"`
	Name           string               `json:"name"`
	MaxParallelism int                  `json:"maxParallelism"`
	Parallelism    int                  `json:"parallelism"`
	Status         string               `json:"status"`
	StartTime      int64                `json:"start-time"`
	EndTime        int64                `json:"end-time"`
	Duration       int64                `json:"duration"`
	Tasks          executionStateCounts `json:"tasks"`
	Metrics        ioMetrics            `json:"metrics"`
}

// ioMetrics is IOMetricsInfo. The "-complete" flags say whether every
// subtask's figure was available.
type ioMetrics struct {
	ReadBytes                    int64   `json:"read-bytes"`
	ReadBytesComplete            bool    `json:"read-bytes-complete"`
	WriteBytes                   int64   `json:"write-bytes"`
	WriteBytesComplete           bool    `json:"write-bytes-complete"`
	ReadRecords                  int64   `json:"read-records"`
	ReadRecordsComplete          bool    `json:"read-records-complete"`
	WriteRecords                 int64   `json:"write-records"`
	WriteRecordsComplete         bool    `json:"write-records-complete"`
	AccumulatedBackpressuredTime int64   `json:"accumulated-backpressured-time"`
	AccumulatedIdleTime          int64   `json:"accumulated-idle-time"`
	AccumulatedBusyTime          float64 `json:"accumulated-busy-time"`
}

// jobPlanInfo is JobPlanInfo (GET /jobs/:jobid/plan).
type jobPlanInfo struct {
	Plan jobPlan `json:"plan"`
}

// jobPlan is the JSON plan of Flink's JsonPlanGenerator.
type jobPlan struct {
	JID   string     `json:"jid"`
	Name  string     `json:"name"`
	Type  string     `json:"type"`
	Nodes []planNode `json:"nodes"`
}

type planNode struct {
	ID                  string      `json:"id"`
	Parallelism         int         `json:"parallelism"`
	Operator            string      `json:"operator"`
	OperatorStrategy    string      `json:"operator_strategy"`
	Description         string      `json:"description"`
	Inputs              []planInput `json:"inputs,omitempty"`
	OptimizerProperties struct{}    `json:"optimizer_properties"`
}

type planInput struct {
	Num          int    `json:"num"`
	ID           string `json:"id"`
	ShipStrategy string `json:"ship_strategy"`
	Exchange     string `json:"exchange"`
}

// jobConfigInfo is JobConfigInfo (GET /jobs/:jobid/config).
type jobConfigInfo struct {
	JID             string              `json:"jid"`
	Name            string              `json:"name"`
	ExecutionConfig executionConfigInfo `json:"execution-config"`
}

type executionConfigInfo struct {
	ExecutionMode   string            `json:"execution-mode"`
	RestartStrategy string            `json:"restart-strategy"`
	JobParallelism  int               `json:"job-parallelism"`
	ObjectReuseMode bool              `json:"object-reuse-mode"`
	UserConfig      map[string]string `json:"user-config"`
}

// jobExceptionsInfo is JobExceptionsInfoWithHistory (GET
// /jobs/:jobid/exceptions). root-exception, timestamp, all-exceptions and
// truncated are Flink's deprecated top-level fields, still written.
type jobExceptionsInfo struct {
	RootException    *string          `json:"root-exception"`
	Timestamp        *int64           `json:"timestamp"`
	AllExceptions    []struct{}       `json:"all-exceptions"`
	Truncated        bool             `json:"truncated"`
	ExceptionHistory exceptionHistory `json:"exceptionHistory"`
}

type exceptionHistory struct {
	Entries   []rootExceptionInfo `json:"entries"`
	Truncated bool                `json:"truncated"`
}

// rootExceptionInfo is JobExceptionsInfoWithHistory.RootExceptionInfo.
type rootExceptionInfo struct {
	ExceptionName        string              `json:"exceptionName"`
	Stacktrace           string              `json:"stacktrace"`
	Timestamp            int64               `json:"timestamp"`
	TaskName             *string             `json:"taskName"`
	Endpoint             *string             `json:"endpoint"`
	TaskManagerID        *string             `json:"taskManagerId"`
	FailureLabels        map[string]string   `json:"failureLabels"`
	ConcurrentExceptions []rootExceptionInfo `json:"concurrentExceptions"`
}

// checkpointingStatistics is CheckpointingStatistics (GET
// /jobs/:jobid/checkpoints).
type checkpointingStatistics struct {
	Counts  checkpointCounts  `json:"counts"`
	Summary checkpointSummary `json:"summary"`
	Latest  latestCheckpoints `json:"latest"`
	History []checkpointStats `json:"history"`
}

type checkpointCounts struct {
	Restored   int64 `json:"restored"`
	Total      int64 `json:"total"`
	InProgress int   `json:"in_progress"`
	Completed  int64 `json:"completed"`
	Failed     int64 `json:"failed"`
}

type checkpointSummary struct {
	CheckpointedSize  statsSummary `json:"checkpointed_size"`
	StateSize         statsSummary `json:"state_size"`
	EndToEndDuration  statsSummary `json:"end_to_end_duration"`
	AlignmentBuffered statsSummary `json:"alignment_buffered"`
	ProcessedData     statsSummary `json:"processed_data"`
	PersistedData     statsSummary `json:"persisted_data"`
}

// statsSummary is StatsSummaryDto.
type statsSummary struct {
	Min  int64   `json:"min"`
	Max  int64   `json:"max"`
	Avg  int64   `json:"avg"`
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P95  float64 `json:"p95"`
	P99  float64 `json:"p99"`
	P999 float64 `json:"p999"`
}

type latestCheckpoints struct {
	Completed *checkpointStats    `json:"completed"`
	Savepoint *checkpointStats    `json:"savepoint"`
	Failed    *checkpointStats    `json:"failed"`
	Restored  *restoredCheckpoint `json:"restored"`
}

// checkpointStats is CheckpointStatistics with its subclasses' fields:
// external_path and discarded for "completed", failure_timestamp and
// failure_message for "failed".
type checkpointStats struct {
	ClassName               string         `json:"className"`
	ID                      int64          `json:"id"`
	Status                  string         `json:"status"`
	IsSavepoint             bool           `json:"is_savepoint"`
	SavepointFormat         *string        `json:"savepointFormat"`
	TriggerTimestamp        int64          `json:"trigger_timestamp"`
	LatestAckTimestamp      int64          `json:"latest_ack_timestamp"`
	CheckpointedSize        int64          `json:"checkpointed_size"`
	StateSize               int64          `json:"state_size"`
	EndToEndDuration        int64          `json:"end_to_end_duration"`
	AlignmentBuffered       int64          `json:"alignment_buffered"`
	ProcessedData           int64          `json:"processed_data"`
	PersistedData           int64          `json:"persisted_data"`
	NumSubtasks             int            `json:"num_subtasks"`
	NumAcknowledgedSubtasks int            `json:"num_acknowledged_subtasks"`
	CheckpointType          string         `json:"checkpoint_type"`
	Tasks                   map[string]any `json:"tasks"`
	ExternalPath            *string        `json:"external_path,omitempty"`
	Discarded               *bool          `json:"discarded,omitempty"`
	FailureTimestamp        *int64         `json:"failure_timestamp,omitempty"`
	FailureMessage          *string        `json:"failure_message,omitempty"`
}

// restoredCheckpoint is RestoredCheckpointStatistics.
type restoredCheckpoint struct {
	ID               int64  `json:"id"`
	RestoreTimestamp int64  `json:"restore_timestamp"`
	IsSavepoint      bool   `json:"is_savepoint"`
	ExternalPath     string `json:"external_path"`
}

// checkpointConfigInfo is CheckpointConfigInfo (GET
// /jobs/:jobid/checkpoints/config).
type checkpointConfigInfo struct {
	Mode                         string                 `json:"mode"`
	Interval                     int64                  `json:"interval"`
	Timeout                      int64                  `json:"timeout"`
	MinPause                     int64                  `json:"min_pause"`
	MaxConcurrent                int64                  `json:"max_concurrent"`
	Externalization              externalizedCheckpoint `json:"externalization"`
	StateBackend                 string                 `json:"state_backend"`
	CheckpointStorage            string                 `json:"checkpoint_storage"`
	UnalignedCheckpoints         bool                   `json:"unaligned_checkpoints"`
	TolerableFailedCheckpoints   int                    `json:"tolerable_failed_checkpoints"`
	AlignedCheckpointTimeout     int64                  `json:"aligned_checkpoint_timeout"`
	CheckpointsAfterTasksFinish  bool                   `json:"checkpoints_after_tasks_finish"`
	StateChangelogEnabled        bool                   `json:"state_changelog_enabled"`
	ChangelogMaterializationIntv int64                  `json:"changelog_periodic_materialization_interval"`
	ChangelogStorage             string                 `json:"changelog_storage"`
}

type externalizedCheckpoint struct {
	Enabled              bool `json:"enabled"`
	DeleteOnCancellation bool `json:"delete_on_cancellation"`
}

// triggerResponse is TriggerResponse: the id of an asynchronous operation.
type triggerResponse struct {
	RequestID string `json:"request-id"`
}

// savepointTriggerRequest is SavepointTriggerRequestBody (POST
// /jobs/:jobid/savepoints).
type savepointTriggerRequest struct {
	TargetDirectory string `json:"target-directory"`
	CancelJob       bool   `json:"cancel-job"`
	TriggerID       string `json:"triggerId"`
	FormatType      string `json:"formatType"`
}

// stopWithSavepointRequest is StopWithSavepointRequestBody (POST
// /jobs/:jobid/stop).
type stopWithSavepointRequest struct {
	TargetDirectory string `json:"targetDirectory"`
	Drain           bool   `json:"drain"`
	TriggerID       string `json:"triggerId"`
	FormatType      string `json:"formatType"`
}

// asyncOperationResult is AsynchronousOperationResult<SavepointInfo>:
// operation is null while in progress.
type asyncOperationResult struct {
	Status    queueStatus    `json:"status"`
	Operation *savepointInfo `json:"operation"`
}

type queueStatus struct {
	ID string `json:"id"` // IN_PROGRESS or COMPLETED
}

// savepointInfo is SavepointInfo: a location or a failure cause.
type savepointInfo struct {
	Location     *string              `json:"location,omitempty"`
	FailureCause *serializedThrowable `json:"failure-cause,omitempty"`
}

// serializedThrowable is how Flink writes a SerializedThrowable, without
// the Java-serialized bytes ("serialized-throwable"), which only a JVM
// could read.
type serializedThrowable struct {
	Class      string `json:"class"`
	StackTrace string `json:"stack-trace"`
}

// jobVertexDetailsInfo is JobVertexDetailsInfo (GET
// /jobs/:jobid/vertices/:vertexid).
type jobVertexDetailsInfo struct {
	ID             string                  `json:"id"`
	Name           string                  `json:"name"`
	Parallelism    int                     `json:"parallelism"`
	MaxParallelism int                     `json:"maxParallelism"`
	Now            int64                   `json:"now"`
	Subtasks       []subtaskAttemptDetails `json:"subtasks"`
}

// subtaskAttemptDetails is SubtaskExecutionAttemptDetailsInfo.
type subtaskAttemptDetails struct {
	Subtask        int              `json:"subtask"`
	Status         string           `json:"status"`
	Attempt        int              `json:"attempt"`
	Endpoint       string           `json:"endpoint"`
	StartTime      int64            `json:"start-time"`
	EndTime        int64            `json:"end-time"`
	Duration       int64            `json:"duration"`
	Metrics        ioMetrics        `json:"metrics"`
	TaskManagerID  string           `json:"taskmanager-id"`
	StatusDuration map[string]int64 `json:"status-duration"`
}

// jobVertexBackPressureInfo is JobVertexBackPressureInfo (GET
// /jobs/:jobid/vertices/:vertexid/backpressure).
type jobVertexBackPressureInfo struct {
	Status       string                `json:"status"`
	Level        string                `json:"backpressure-level"`
	EndTimestamp int64                 `json:"end-timestamp"`
	Subtasks     []subtaskBackPressure `json:"subtasks"`
}

// subtaskBackPressure is JobVertexBackPressureInfo.SubtaskBackPressureInfo.
type subtaskBackPressure struct {
	Subtask       int     `json:"subtask"`
	AttemptNumber *int    `json:"attempt-number,omitempty"`
	Level         string  `json:"backpressure-level"`
	Ratio         float64 `json:"ratio"`
	IdleRatio     float64 `json:"idleRatio"`
	BusyRatio     float64 `json:"busyRatio"`
}

// metric is one entry of Flink's metric lists (MetricCollectionResponseBody):
// the id alone when listing, with the value when asked for (?get=).
type metric struct {
	ID    string `json:"id"`
	Value string `json:"value,omitempty"`
}
