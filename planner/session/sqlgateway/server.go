package sqlgateway

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/flinkgo/engine/connectors"
	"github.com/flinkgo/engine/planner"
	"github.com/flinkgo/engine/planner/session"
	"github.com/flinkgo/engine/planner/session/httpjson"
	"github.com/flinkgo/engine/sql"
)

// Version is what GET /info reports as the gateway's version.
const Version = "2.0-flinkgo"

// Options configure a Server.
type Options struct {
	// Jobs is the cluster's job registry every gateway session submits to.
	Jobs *session.JobRegistry
	// Config is the cluster's configuration (configuration file and -D);
	// a new session starts from it, then the properties it was opened with.
	Config map[string]string
	// Log receives the sessions' job events and warnings (masked by the
	// caller); nil discards.
	Log io.Writer
	// Secrets collects the secret values of every statement the gateway
	// executes, so the cluster's logs and REST responses can mask them;
	// nil collects nowhere.
	Secrets *sql.SecretSet
	// IdleTimeout is sql-gateway.session.idle-timeout (default 10 min): a
	// session without requests for that long is closed; 0 or less: never.
	IdleTimeout time.Duration
	// CheckInterval is sql-gateway.session.check-interval (default 1 min).
	CheckInterval time.Duration
}

// OptionsFrom reads the gateway's keys from the cluster configuration.
func OptionsFrom(c *planner.Config) (Options, error) {
	o := Options{IdleTimeout: 10 * time.Minute, CheckInterval: time.Minute}
	var err error
	if o.IdleTimeout, err = c.Duration("sql-gateway.session.idle-timeout", o.IdleTimeout); err != nil {
		return o, err
	}
	if o.CheckInterval, err = c.Duration("sql-gateway.session.check-interval", o.CheckInterval); err != nil {
		return o, err
	}
	return o, nil
}

// Server is the gateway side. See the package documentation.
type Server struct {
	opts Options

	mu       sync.Mutex
	sessions map[string]*gatewaySession
	closed   bool
	stop     chan struct{}
	reaped   chan struct{}
}

// gatewaySession is one client's session: its statements run one at a time.
type gatewaySession struct {
	id   string
	name string
	sess *session.Session

	mu         sync.Mutex
	tail       chan struct{} // closed when the last statement queued has run
	ops        map[string]*operation
	lastAccess time.Time
	inFlight   int // requests being served (touch)
}

// NewServer starts the idle-session reaper; Close stops it.
func NewServer(o Options) *Server {
	if o.CheckInterval <= 0 {
		o.CheckInterval = time.Minute
	}
	s := &Server{opts: o, sessions: map[string]*gatewaySession{}, stop: make(chan struct{}), reaped: make(chan struct{})}
	go s.reap()
	return s
}

// Close closes every session and stops the reaper.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	all := s.sessions
	s.sessions = map[string]*gatewaySession{}
	s.mu.Unlock()
	close(s.stop)
	<-s.reaped
	for _, gs := range all {
		gs.close()
	}
}

func (s *Server) reap() {
	defer close(s.reaped)
	t := time.NewTicker(s.opts.CheckInterval)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case now := <-t.C:
			if s.opts.IdleTimeout <= 0 {
				continue
			}
			var idle []*gatewaySession
			s.mu.Lock()
			for id, gs := range s.sessions {
				gs.mu.Lock()
				if gs.inFlight == 0 && now.Sub(gs.lastAccess) > s.opts.IdleTimeout {
					idle = append(idle, gs)
					delete(s.sessions, id)
				}
				gs.mu.Unlock()
			}
			s.mu.Unlock()
			for _, gs := range idle {
				s.logf("[INFO] SQL Gateway: session %s was idle for more than %v (sql-gateway.session.idle-timeout) and is closed.\n", gs.id, s.opts.IdleTimeout)
				gs.close()
			}
		}
	}
}

func (s *Server) logf(format string, args ...any) {
	if s.opts.Log != nil {
		fmt.Fprintf(s.opts.Log, format, args...)
	}
}

// Sessions is the number of open sessions.
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sessions)
}

// Handles reports whether path (with or without a version prefix) is one
// of the gateway's, so a server shared with Flink's REST API can route it.
func Handles(path string) bool {
	_, rest := splitVersion(path)
	return rest == "/info" || rest == "/api_versions" || rest == "/sessions" || strings.HasPrefix(rest, "/sessions/")
}

var versionPrefix = regexp.MustCompile(`^/(v[1-9])(/.*)$`)

// splitVersion splits "/v2/sessions" into "v2" and "/sessions" (no prefix:
// "v1").
func splitVersion(path string) (version, rest string) {
	if m := versionPrefix.FindStringSubmatch(path); m != nil {
		return m[1], m[2]
	}
	return "v1", path
}

// ServeHTTP serves one gateway request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	version, path := splitVersion(r.URL.Path)
	if version != "v1" && version != "v2" && version != "v3" {
		writeError(w, http.StatusNotFound, fmt.Sprintf("Unsupported REST API version %s: this gateway speaks V1, V2 and V3.", strings.ToUpper(version)))
		return
	}
	parts := strings.Split(strings.Trim(path, "/"), "/")
	m := r.Method
	switch {
	case m == http.MethodGet && path == "/info":
		writeJSON(w, http.StatusOK, infoResponse{ProductName: "Apache Flink", Version: Version})
	case m == http.MethodGet && path == "/api_versions":
		writeJSON(w, http.StatusOK, apiVersionsResponse{Versions: []string{"V1", "V2", "V3"}})
	case m == http.MethodPost && path == "/sessions":
		s.openSession(w, r)
	case len(parts) >= 2 && parts[0] == "sessions":
		gs, ok := s.session(parts[1])
		if !ok {
			writeError(w, http.StatusNotFound, fmt.Sprintf("Session '%s' does not exist.", parts[1]))
			return
		}
		defer gs.touch(-1)
		s.sessionRequest(w, r, version, gs, parts[2:])
	default:
		writeError(w, http.StatusNotFound, "Not found: "+r.URL.Path)
	}
}

// session finds an open session and counts a request in it; the caller
// ends the request with touch(-1).
func (s *Server) session(id string) (*gatewaySession, bool) {
	s.mu.Lock()
	gs, ok := s.sessions[id]
	s.mu.Unlock()
	if ok {
		gs.touch(1)
	}
	return gs, ok
}

// touch marks the session used now and counts requests in flight (+1 at
// the start, -1 at the end): a session is idle only between requests, so
// a long poll or a slow statement never gets it reaped.
func (gs *gatewaySession) touch(delta int) {
	gs.mu.Lock()
	gs.lastAccess = time.Now()
	gs.inFlight += delta
	gs.mu.Unlock()
}

func (s *Server) openSession(w http.ResponseWriter, r *http.Request) {
	var req openSessionRequest
	if err := readBody(r, &req); err != nil {
		writeError(w, http.StatusBadRequest, "Request body is not a valid OpenSessionRequestBody: "+err.Error())
		return
	}
	conf := map[string]string{}
	for k, v := range s.opts.Config {
		conf[k] = v
	}
	for k, v := range req.Properties {
		conf[k] = v
		if s.opts.Secrets != nil {
			s.opts.Secrets.AddOption(k, v)
		}
	}
	gs := &gatewaySession{id: newHandle(), name: req.SessionName, ops: map[string]*operation{}, lastAccess: time.Now()}
	gs.sess = session.New(session.Options{Config: conf, Log: s.opts.Log, Jobs: s.opts.Jobs})
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		gs.sess.Close()
		writeError(w, http.StatusServiceUnavailable, "The SQL Gateway is shutting down.")
		return
	}
	s.sessions[gs.id] = gs
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, openSessionResponse{SessionHandle: gs.id})
}

func (s *Server) sessionRequest(w http.ResponseWriter, r *http.Request, version string, gs *gatewaySession, rest []string) {
	m := r.Method
	switch {
	case len(rest) == 0 && m == http.MethodGet:
		writeJSON(w, http.StatusOK, getSessionConfigResponse{Properties: gs.properties()})
	case len(rest) == 0 && m == http.MethodDelete:
		s.mu.Lock()
		delete(s.sessions, gs.id)
		s.mu.Unlock()
		gs.close()
		writeJSON(w, http.StatusOK, statusResponse{Status: StatusClosed})
	case len(rest) == 1 && rest[0] == "heartbeat" && m == http.MethodPost:
		writeJSON(w, http.StatusOK, struct{}{})
	case len(rest) == 1 && rest[0] == "configure-session" && m == http.MethodPost:
		var req executeStatementRequest
		if err := readBody(r, &req); err != nil {
			writeError(w, http.StatusBadRequest, "Request body is not a valid ConfigureSessionRequestBody: "+err.Error())
			return
		}
		st, err := s.parse(req.Statement)
		if err == nil {
			if !configuring(st) {
				err = &session.ExecutionError{Msg: "Unsupported statement for configuring session:" + sql.MaskText(req.Statement) + "\nThe configureSession API only supports to execute statement of type CREATE TABLE, DROP TABLE, ALTER TABLE, CREATE DATABASE, DROP DATABASE, ALTER DATABASE, CREATE FUNCTION, DROP FUNCTION, ALTER FUNCTION, CREATE CATALOG, DROP CATALOG, USE CATALOG, USE [CATALOG.]DATABASE, CREATE VIEW, DROP VIEW, LOAD MODULE, UNLOAD MODULE, USE MODULE, ADD JAR."}
			} else {
				<-gs.enqueue(func() { _, err = gs.sess.Execute(st) })
			}
		}
		if err != nil {
			writeFailure(w, err)
			return
		}
		writeJSON(w, http.StatusOK, struct{}{})
	case len(rest) == 1 && rest[0] == "statements" && m == http.MethodPost:
		s.executeStatement(w, r, gs)
	case len(rest) >= 3 && rest[0] == "operations":
		op, ok := gs.operation(rest[1])
		if !ok {
			writeError(w, http.StatusNotFound, fmt.Sprintf("Can not find the submitted operation in the OperationManager with the %s.", rest[1]))
			return
		}
		switch {
		case len(rest) == 3 && rest[2] == "status" && m == http.MethodGet:
			writeJSON(w, http.StatusOK, statusResponse{Status: op.statusOf()})
		case len(rest) == 3 && rest[2] == "cancel" && m == http.MethodPost:
			writeJSON(w, http.StatusOK, statusResponse{Status: op.cancelOp(StatusCanceled)})
		case len(rest) == 3 && rest[2] == "close" && m == http.MethodDelete:
			gs.mu.Lock()
			delete(gs.ops, op.id)
			gs.mu.Unlock()
			writeJSON(w, http.StatusOK, statusResponse{Status: op.cancelOp(StatusClosed)})
		case len(rest) == 4 && rest[2] == "result" && m == http.MethodGet:
			s.fetchResults(w, r, version, gs, op, rest[3])
		default:
			writeError(w, http.StatusNotFound, "Not found: "+r.URL.Path)
		}
	default:
		writeError(w, http.StatusNotFound, "Not found: "+r.URL.Path)
	}
}

// configuring reports the statements configure-session takes.
func configuring(st sql.Statement) bool { return sql.ConfiguresSession(st) }

// parse parses the one statement of a request.
func (s *Server) parse(text string) (sql.Statement, error) {
	if s.opts.Secrets != nil {
		s.opts.Secrets.Add(text)
	}
	segs := sql.SplitScript(text)
	if len(segs) != 1 {
		return nil, &session.ExecutionError{Msg: fmt.Sprintf("Only single statement is supported now, but the request has %d statements.", len(segs))}
	}
	return sql.Parse(segs[0])
}

func (s *Server) executeStatement(w http.ResponseWriter, r *http.Request, gs *gatewaySession) {
	var req executeStatementRequest
	if err := readBody(r, &req); err != nil {
		writeError(w, http.StatusBadRequest, "Request body is not a valid ExecuteStatementRequestBody: "+err.Error())
		return
	}
	op := newOperation(newHandle())
	gs.mu.Lock()
	gs.ops[op.id] = op
	gs.mu.Unlock()
	st, perr := s.parse(req.Statement)
	gs.enqueue(func() {
		op.run(func() (*session.Result, error) {
			if perr != nil {
				return nil, perr
			}
			if len(req.ExecutionConfig) > 0 {
				return nil, &session.ExecutionError{Msg: "executionConfig is not supported: SET the keys in the session."}
			}
			res, err := gs.sess.Execute(st)
			if err == nil && res.Query != nil {
				if zone, zerr := planner.ParseZone(gs.sess.Config().String("table.local-time-zone", "default")); zerr == nil && zone != time.UTC {
					op.setZone(zone)
				}
			}
			return res, err
		})
	})
	writeJSON(w, http.StatusOK, executeStatementResponse{OperationHandle: op.id})
}

func (s *Server) fetchResults(w http.ResponseWriter, r *http.Request, version string, gs *gatewaySession, op *operation, tokenText string) {
	token, err := strconv.ParseInt(tokenText, 10, 64)
	if err != nil || token < 0 {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("Bad request, could not parse parameters: Cannot resolve path parameter (token) from value \"%s\".", tokenText))
		return
	}
	format := RowFormatJSON
	if version != "v1" {
		switch f := r.URL.Query().Get("rowFormat"); f {
		case RowFormatJSON, RowFormatPlainText:
			format = f
		case "":
			writeError(w, http.StatusBadRequest, "Bad request, could not parse parameters: Query parameter 'rowFormat' is required: JSON or PLAIN_TEXT.")
			return
		default:
			writeError(w, http.StatusBadRequest, fmt.Sprintf("Bad request, could not parse parameters: Cannot resolve query parameter (rowFormat) from value \"%s\".", f))
			return
		}
	}
	uri := func(t int64) string {
		u := fmt.Sprintf("/%s/sessions/%s/operations/%s/result/%d", version, gs.id, op.id, t)
		if version != "v1" {
			u += "?rowFormat=" + format
		}
		return u
	}
	page, err := op.fetch(r.Context(), token, func(int64) string { return format }, uri)
	if err != nil {
		writeFailure(w, err)
		return
	}
	writeJSON(w, http.StatusOK, page)
}

// enqueue runs f after every statement queued before it, on a goroutine
// of its own: a session's statements run one at a time, in the order they
// came, and no request waits for an earlier statement. The channel is
// closed when f has run.
func (gs *gatewaySession) enqueue(f func()) <-chan struct{} {
	done := make(chan struct{})
	gs.mu.Lock()
	prev := gs.tail
	gs.tail = done
	gs.mu.Unlock()
	go func() {
		defer close(done)
		if prev != nil {
			<-prev
		}
		f()
	}()
	return done
}

func (gs *gatewaySession) operation(id string) (*operation, bool) {
	gs.mu.Lock()
	defer gs.mu.Unlock()
	op, ok := gs.ops[id]
	return op, ok
}

// properties is the session's configuration, secret values masked.
func (gs *gatewaySession) properties() map[string]string {
	p := map[string]string{}
	for _, kv := range gs.sess.Config().Entries() {
		v := connectors.MaskValue(kv[0], kv[1])
		if planner.IsSecretKey(kv[0]) {
			v = connectors.Masked
		}
		p[kv[0]] = v
	}
	return p
}

// close closes the operations (their queries end) and then the session
// (its INSERT jobs go on in the registry); it does not wait.
func (gs *gatewaySession) close() {
	gs.mu.Lock()
	ops := make([]*operation, 0, len(gs.ops))
	for _, op := range gs.ops {
		ops = append(ops, op)
	}
	gs.ops = map[string]*operation{}
	gs.mu.Unlock()
	sort.Slice(ops, func(i, j int) bool { return ops[i].id < ops[j].id })
	for _, op := range ops {
		op.cancelOp(StatusClosed)
	}
	// After the statements still queued (one may have started a query
	// after its operation closed: run cancels that one itself).
	gs.enqueue(gs.sess.Close)
}

// requestError is a client mistake (HTTP 400).
type requestError struct{ msg string }

func (e *requestError) Error() string { return e.msg }

func errOperationGone(id, status string) error {
	return &requestError{msg: fmt.Sprintf("Can not fetch results from the operation %s: it is %s.", id, status)}
}

// writeFailure writes a failed statement as Flink's gateway does: HTTP 500,
// {"errors":["Internal server error.","<Class>: <message>"]}; a request
// mistake is a 400 with its message.
func writeFailure(w http.ResponseWriter, err error) {
	var re *requestError
	if errors.As(err, &re) {
		writeError(w, http.StatusBadRequest, re.msg)
		return
	}
	writeError(w, http.StatusInternalServerError, "Internal server error.", session.ErrorText(err, false))
}

func newHandle() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func writeJSON(w http.ResponseWriter, status int, v any) { httpjson.Write(w, status, v) }

func writeError(w http.ResponseWriter, status int, msgs ...string) {
	httpjson.Error(w, status, msgs...)
}

// readBody decodes an optional JSON body (empty leaves v as is).
func readBody(r *http.Request, v any) error { return httpjson.ReadBody(r, v, 16<<20) }
