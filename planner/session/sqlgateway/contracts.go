// Package sqlgateway speaks Flink's SQL Gateway REST protocol (v1–v3):
// sessions, statements, operations and result pages fetched with tokens.
// Server is the gateway side a cluster serves, running each gateway
// session as a session.Session whose jobs go to the cluster's
// session.JobRegistry; Client is the side `sql-client` uses with
// execution.target=remote. Other gateway clients (Flink's own sql-client
// in gateway mode, JDBC drivers, notebooks) can talk to the server too.
//
// Protocol (paths may carry /v1, /v2 or /v3; every body is JSON):
//
//	GET    /info, /api_versions
//	POST   /sessions                                   -> {"sessionHandle"}
//	GET    /sessions/:sh                               -> {"properties"}
//	DELETE /sessions/:sh                               -> {"status":"CLOSED"}
//	POST   /sessions/:sh/heartbeat
//	POST   /sessions/:sh/configure-session             {"statement"}
//	POST   /sessions/:sh/statements                    {"statement"} -> {"operationHandle"}
//	GET    /sessions/:sh/operations/:oh/status         -> {"status"}
//	POST   /sessions/:sh/operations/:oh/cancel
//	DELETE /sessions/:sh/operations/:oh/close
//	GET    /sessions/:sh/operations/:oh/result/:token?rowFormat=JSON|PLAIN_TEXT
//
// Call order (server): NewServer, then mount Handler on an HTTP server;
// Close closes every session (their SELECT queries end, their INSERT jobs
// go on in the registry). Each gateway session executes its statements one
// at a time, in the order they arrive, on a goroutine of the operation;
// handlers, operations and the idle-session reaper may run concurrently.
//
// Call order (client): Dial opens a session; Submit a statement, then
// Wait for its operation and Fetch its pages from token 0 until EOS (or
// Cancel it); Close ends the session. A Client is used from one goroutine,
// except Cancel, which may be called while another goroutine fetches.
//
// Ownership: the server owns its sessions and their operations; a result
// page, once served, is kept until the next token is fetched so that a
// client may fetch the same token again (a lost response is retried).
package sqlgateway

// Operation statuses, Flink's OperationStatus.
const (
	StatusInitialized = "INITIALIZED"
	StatusPending     = "PENDING"
	StatusRunning     = "RUNNING"
	StatusFinished    = "FINISHED"
	StatusCanceled    = "CANCELED"
	StatusClosed      = "CLOSED"
	StatusError       = "ERROR"
	StatusTimeout     = "TIMEOUT"
)

// Result types of a page, Flink's ResultType.
const (
	ResultNotReady = "NOT_READY"
	ResultPayload  = "PAYLOAD"
	ResultEOS      = "EOS"
)

// Result kinds, Flink's ResultKind.
const (
	KindSuccess            = "SUCCESS"
	KindSuccessWithContent = "SUCCESS_WITH_CONTENT"
)

// Row formats of result pages, Flink's RowFormat.
const (
	RowFormatJSON      = "JSON"
	RowFormatPlainText = "PLAIN_TEXT"
)
