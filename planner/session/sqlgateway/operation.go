package sqlgateway

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/flinkgo/engine/planner/session"
	"github.com/flinkgo/engine/runtime/types"
)

// maxPageRows bounds the rows of one result page; maxBufferedRows bounds
// what a query buffers for a client that does not fetch (the query's job
// then waits: backpressure, never unbounded memory).
const (
	maxPageRows     = 1000
	maxBufferedRows = 10000
	// notReadyWait is how long a fetch waits for a query's next rows before
	// answering NOT_READY (a long poll: fewer round trips, less latency).
	notReadyWait = 500 * time.Millisecond
)

// operation is one statement of a gateway session: executed on its own
// goroutine, then its result served in pages.
type operation struct {
	id string

	mu       sync.Mutex
	changed  *sync.Cond // status, rows or end changed
	status   string
	err      error // ERROR: the statement's or the query job's failure
	res      *session.Result
	cols     []ColumnInfo
	colTypes []*types.Type // a query's column types (JSON rows)
	// A query's rows not yet served, and whether its job ended.
	rows  []queryRow
	ended bool
	// The last page served and its token: fetched again, it is repeated.
	lastToken int64
	lastPage  *FetchResults
	cancel    func() // cancels the query's job; nil otherwise
	// zone is the session's table.local-time-zone when a query started:
	// PLAIN_TEXT rows show TIMESTAMP_LTZ in it, as Flink's gateway does
	// (the buffered text is UTC, which JSON rows keep). nil: UTC.
	zone *time.Location
}

// setZone records the session time zone of the operation's query.
func (o *operation) setZone(zone *time.Location) {
	o.mu.Lock()
	o.zone = zone
	o.mu.Unlock()
}

// queryRow is a query row as text: each field's SQL rendering, rendered
// into the requested row format when a page is served.
type queryRow struct {
	kind  string
	cells []string
	nulls []bool // nil when no field is NULL
}

func newOperation(id string) *operation {
	o := &operation{id: id, status: StatusPending, lastToken: -1}
	o.changed = sync.NewCond(&o.mu)
	return o
}

// run executes the statement with exec and records the outcome; for a
// query it then pumps the job's rows into the buffer until the job ends.
func (o *operation) run(exec func() (*session.Result, error)) {
	o.setStatus(StatusRunning)
	res, err := exec()
	o.mu.Lock()
	if o.status == StatusCanceled || o.status == StatusClosed {
		o.mu.Unlock()
		if err == nil && res.Query != nil {
			res.Query.Job.Cancel()
		}
		return
	}
	if err != nil {
		o.status, o.err = StatusError, err
		o.changed.Broadcast()
		o.mu.Unlock()
		return
	}
	o.res = res
	o.cols = columnsOf(res)
	o.status = StatusFinished
	q := res.Query
	if q != nil {
		o.cancel = q.Job.Cancel
		for _, c := range q.Columns {
			o.colTypes = append(o.colTypes, c.Type)
		}
	}
	o.changed.Broadcast()
	o.mu.Unlock()
	if q != nil {
		o.pump(q)
	}
}

func (o *operation) setStatus(s string) {
	o.mu.Lock()
	if o.status == StatusPending || o.status == StatusRunning {
		o.status = s
	}
	o.changed.Broadcast()
	o.mu.Unlock()
}

// pump moves the query's batches into the row buffer as text, waiting
// while the buffer is full.
func (o *operation) pump(q *session.Query) {
	var buf []byte
	for b := range q.Rows {
		rows := make([]queryRow, b.Len)
		for r := 0; r < b.Len; r++ {
			row := queryRow{kind: rowKindNames[b.Kind(r)], cells: make([]string, len(b.Cols))}
			for c, v := range b.Cols {
				if v.IsNull(r) {
					if row.nulls == nil {
						row.nulls = make([]bool, len(b.Cols))
					}
					row.nulls[c] = true
					continue
				}
				buf = types.AppendValue(buf[:0], v, r, types.StyleSQL)
				row.cells[c] = string(buf)
			}
			rows[r] = row
		}
		o.mu.Lock()
		for len(o.rows) >= maxBufferedRows && o.status != StatusClosed && o.status != StatusCanceled {
			o.changed.Wait()
		}
		o.rows = append(o.rows, rows...)
		o.changed.Broadcast()
		o.mu.Unlock()
	}
	err := q.Job.Wait()
	o.mu.Lock()
	o.ended = true
	if err != nil && o.status != StatusCanceled && o.status != StatusClosed {
		o.err = &session.JobError{JobID: q.Job.ID, Err: err}
	}
	o.changed.Broadcast()
	o.mu.Unlock()
}

// pageData renders rows into one buffer and returns them with their
// fields as slices of it: PLAIN_TEXT fields as JSON strings, JSON fields
// typed (colTypes nil: every field a string).
func pageData(rows []queryRow, colTypes []*types.Type, plain bool, zone *time.Location) []RowData {
	var buf, tmp []byte
	var ends []int
	for _, r := range rows {
		for c, cell := range r.cells {
			switch {
			case r.nulls != nil && r.nulls[c]:
				buf = append(buf, "null"...)
			case plain && zone != nil && colTypes != nil && colTypes[c].Kind == types.KindTimestampLTZ:
				tmp = appendLocalTimestamp(tmp[:0], cell, colTypes[c].Precision, zone)
				buf = appendJSONString(buf, string(tmp))
			case plain || colTypes == nil:
				buf = appendJSONString(buf, cell)
			default:
				buf = appendJSONValue(buf, colTypes[c], cell)
			}
			ends = append(ends, len(buf))
		}
	}
	data := make([]RowData, len(rows))
	fields := make([]json.RawMessage, len(ends))
	start, i := 0, 0
	for k, r := range rows {
		data[k] = RowData{Kind: r.kind, Fields: fields[i : i+len(r.cells) : i+len(r.cells)]}
		for range r.cells {
			fields[i] = buf[start:ends[i]:ends[i]]
			start = ends[i]
			i++
		}
	}
	return data
}

// appendLocalTimestamp re-renders a TIMESTAMP_LTZ cell (UTC text) as the
// wall clock of zone.
func appendLocalTimestamp(dst []byte, cell string, precision int, zone *time.Location) []byte {
	us, ns, ok := types.ParseTimestampSepNanos(cell, ' ', false, 9)
	if !ok {
		return append(dst, cell...)
	}
	return types.AppendTimestampNanos(dst, types.ToLocalMicros(us, zone), ns, precision)
}

// appendJSONString appends s as a JSON string.
func appendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c == '\n':
			dst = append(dst, '\\', 'n')
		case c == '\r':
			dst = append(dst, '\\', 'r')
		case c == '\t':
			dst = append(dst, '\\', 't')
		case c < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '"')
}

// appendJSONValue appends a value's JSON form: numbers and booleans as
// JSON numbers and booleans, timestamps in ISO-8601 as Flink's JSON row
// format writes them (2022-11-04T11:41:40.036; TIMESTAMP_LTZ in UTC, with
// Z), everything else (nested types included) as the string of its SQL
// rendering.
func appendJSONValue(dst []byte, t *types.Type, text string) []byte {
	switch {
	case t.IsNumeric() && t.Kind != types.KindFloat && t.Kind != types.KindDouble:
		return append(dst, text...)
	case t.Kind == types.KindFloat || t.Kind == types.KindDouble:
		if _, err := strconv.ParseFloat(text, 64); err == nil {
			return append(dst, text...)
		}
		return appendJSONString(dst, text) // NaN, Infinity
	case t.Kind == types.KindBoolean:
		if text == "TRUE" {
			return append(dst, "true"...)
		}
		return append(dst, "false"...)
	case t.Kind == types.KindTimestamp || t.Kind == types.KindTimestampLTZ:
		iso := strings.Replace(text, " ", "T", 1)
		if t.Kind == types.KindTimestampLTZ && !strings.HasSuffix(iso, "Z") {
			iso += "Z"
		}
		return appendJSONString(dst, iso)
	}
	return appendJSONString(dst, text)
}

// columnsOf is the result's columns: a query's typed ones; a table's (SHOW
// ..., DESCRIBE) as strings; "job id" for a submitted job; "result" for the
// rest (OK, or the text of EXPLAIN and SHOW CREATE).
func columnsOf(res *session.Result) []ColumnInfo {
	str := func(name string) ColumnInfo {
		return ColumnInfo{Name: name, LogicalType: logicalTypeOf(types.VarChar(types.MaxLength))}
	}
	switch res.Kind {
	case session.ResultQuery:
		cols := make([]ColumnInfo, len(res.Query.Columns))
		for i, c := range res.Query.Columns {
			cols[i] = ColumnInfo{Name: c.Name, LogicalType: logicalTypeOf(c.Type)}
		}
		return cols
	case session.ResultTable:
		cols := make([]ColumnInfo, len(res.Columns))
		for i, c := range res.Columns {
			cols[i] = str(c)
		}
		return cols
	case session.ResultJobSubmitted:
		return []ColumnInfo{str("job id")}
	}
	return []ColumnInfo{str("result")}
}

// staticRows is the whole result of a statement that is not a query.
func staticRows(res *session.Result) [][]string {
	switch res.Kind {
	case session.ResultTable:
		return res.Rows
	case session.ResultText:
		return [][]string{{res.Text}}
	case session.ResultJobSubmitted:
		return [][]string{{res.JobID}}
	}
	return [][]string{{"OK"}}
}

// fetch serves the page of token (see the package documentation): the
// same token again repeats the last page; the next token moves on.
func (o *operation) fetch(ctx context.Context, token int64, format, uri func(int64) string) (*FetchResults, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for o.status == StatusPending || o.status == StatusRunning {
		if !o.waitLocked(ctx) {
			return o.notReady(token, uri), nil
		}
	}
	switch o.status {
	case StatusError:
		return nil, o.err
	case StatusCanceled, StatusClosed:
		return nil, errOperationGone(o.id, o.status)
	}
	if token == o.lastToken && o.lastPage != nil {
		return o.lastPage, nil
	}
	if token != o.lastToken+1 {
		return nil, &requestError{msg: "Expecting token to be " + strconv.FormatInt(o.lastToken+1, 10) + " or " + strconv.FormatInt(o.lastToken, 10) + ", but found " + strconv.FormatInt(token, 10) + "."}
	}
	page := &FetchResults{ResultType: ResultPayload, Results: ResultInfo{Columns: o.cols, RowFormat: format(0), Data: []RowData{}}}
	res := o.res
	page.ResultKind = KindSuccessWithContent
	if res.Kind == session.ResultOK || res.Kind == session.ResultJobCompleted {
		page.ResultKind = KindSuccess
	}
	if res.Kind == session.ResultJobSubmitted || res.Kind == session.ResultJobCompleted || res.Kind == session.ResultQuery {
		page.JobID = res.JobID
	}
	if res.Query == nil {
		if token > 0 {
			page.ResultType = ResultEOS
		} else {
			static := staticRows(res)
			rows := make([]queryRow, len(static))
			for i, r := range static {
				rows[i] = queryRow{kind: "INSERT", cells: r}
			}
			page.Results.Data = pageData(rows, nil, true, nil)
			page.NextResultURI = uri(token + 1)
		}
		o.lastToken, o.lastPage = token, page
		return page, nil
	}
	page.IsQueryResult = true
	// The first page comes at once, rows or not: it carries the columns
	// (a client prints the header before the first row arrives).
	for token > 0 && len(o.rows) == 0 && !o.ended {
		if !o.waitLocked(ctx) {
			return o.notReady(token, uri), nil
		}
	}
	if len(o.rows) == 0 && token > 0 { // ended
		if o.err != nil {
			return nil, o.err
		}
		page.ResultType = ResultEOS
		o.lastToken, o.lastPage = token, page
		return page, nil
	}
	n := min(len(o.rows), maxPageRows)
	page.Results.Data = pageData(o.rows[:n], o.colTypes, format(0) == RowFormatPlainText, o.zone)
	clear(o.rows[:n]) // the served rows' text can go
	o.rows = o.rows[n:]
	o.changed.Broadcast()
	page.NextResultURI = uri(token + 1)
	o.lastToken, o.lastPage = token, page
	return page, nil
}

// waitLocked waits (o.mu held) up to notReadyWait for a change; false when
// the time is up or the request went away.
func (o *operation) waitLocked(ctx context.Context) bool {
	deadline := time.Now().Add(notReadyWait)
	timer := time.AfterFunc(notReadyWait, func() {
		o.mu.Lock()
		o.changed.Broadcast()
		o.mu.Unlock()
	})
	defer timer.Stop()
	o.changed.Wait()
	return ctx.Err() == nil && time.Now().Before(deadline)
}

func (o *operation) notReady(token int64, uri func(int64) string) *FetchResults {
	return &FetchResults{ResultType: ResultNotReady, Results: ResultInfo{Columns: []ColumnInfo{}, Data: []RowData{}},
		NextResultURI: uri(token)}
}

// cancelOp cancels a statement that still runs or a query whose job
// still runs (to = CANCELED), or closes the operation (to = CLOSED: its
// buffered rows are dropped, its query's job cancelled). It returns the
// status after.
func (o *operation) cancelOp(to string) string {
	o.mu.Lock()
	cancel := o.cancel
	running := o.status == StatusPending || o.status == StatusRunning ||
		o.status == StatusFinished && cancel != nil && !o.ended
	if to == StatusClosed {
		o.status, o.rows = StatusClosed, nil
	} else if running {
		o.status = StatusCanceled
	}
	st := o.status
	o.changed.Broadcast()
	o.mu.Unlock()
	if cancel != nil && (running || to == StatusClosed) {
		cancel()
	}
	return st
}

func (o *operation) statusOf() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.status
}
