package session

import (
	"fmt"

	"github.com/flinkgo/engine/checkpoint"
	"strconv"
	"strings"

	"github.com/flinkgo/engine/planner"
	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/types"
	"github.com/flinkgo/engine/sql"
)

func (s *Session) lookupTableOrView(n sql.ObjectName) (*planner.Table, *planner.View, string, error) {
	name, err := s.cat.QualifiedName(n)
	if err != nil {
		return nil, nil, "", err
	}
	if t, ok := s.cat.Table(name); ok {
		return t, nil, name, nil
	}
	if v, ok := s.cat.View(name); ok {
		return nil, v, name, nil
	}
	if err := s.cat.LookupErr(name); err != nil {
		// A table of an external catalog that could not be read.
		return nil, nil, name, err
	}
	return nil, nil, name, nil
}

func (s *Session) describe(x *sql.Describe) (*Result, error) {
	t, v, name, err := s.lookupTableOrView(x.Name)
	if err != nil {
		return nil, err
	}
	r := &Result{Kind: ResultTable, Columns: []string{"name", "type", "null", "key", "extras", "watermark"}}
	withComment := false
	boolText := func(b bool) string {
		if b {
			return "TRUE"
		}
		return "FALSE"
	}
	switch {
	case t != nil:
		pk := map[string]bool{}
		for _, k := range t.PrimaryKey {
			pk[k] = true
		}
		for i, c := range t.Columns {
			key, wm := "", ""
			if pk[c.Name] {
				key = "PRI(" + strings.Join(t.PrimaryKey, ", ") + ")"
			}
			if i == t.Rowtime {
				wm = t.Def.Watermark.Expr.Unparse()
			}
			withComment = withComment || c.Comment != ""
			r.Rows = append(r.Rows, []string{c.Name, typeSummary(c.Type), boolText(c.Type.Nullable()), key, columnExtras(t, i), wm, c.Comment})
		}
		if withComment {
			r.Columns = append(r.Columns, "comment")
		} else {
			for i := range r.Rows {
				r.Rows[i] = r.Rows[i][:6]
			}
		}
	case v != nil:
		for _, c := range v.Columns {
			r.Rows = append(r.Rows, []string{c.Name, typeSummary(c.Type), boolText(c.Type.Nullable()), "", "", ""})
		}
	default:
		return nil, &planner.ValidationError{Msg: fmt.Sprintf("Tables or views with the identifier '%s' doesn't exist.", name)}
	}
	return r, nil
}

// typeSummary renders a column type as DESCRIBE does (time attributes
// marked, NOT NULL shown in the null column instead).
func typeSummary(t *types.Type) string {
	return t.WithNullable(true).SummaryString()
}

func quoteIdent(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }

func quoteString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// showJobs lists the session's jobs (and, last, the checkpoint or savepoint
// each restored from, if any). The record columns promise: "records
// in" counts every record the sources read, malformed ones skipped by
// ignore-parse-errors included; "records out" the records that reached the
// sinks; "skipped" the malformed records plus the late records event-time
// operators dropped. A job passing records through shows in = out +
// skipped; filters, joins and aggregations change the count between in
// and out, so there the figures need not add up.
func (s *Session) showJobs() *Result {
	r := &Result{Kind: ResultTable, Columns: []string{"job id", "job name", "status", "start time",
		"records in (read by sources)", "records out (to sinks)", "skipped (malformed + late)", "checkpoints", "state", "restored from"}}
	for _, j := range s.Jobs() {
		in, out := j.Counters()
		bad, late := j.Skipped()
		restored := ""
		if rr := j.History().LatestRestore; rr != nil {
			restored = rr.Path
		}
		r.Rows = append(r.Rows, []string{j.ID, j.Name, string(j.Status()), j.StartTime.UTC().Format("2006-01-02T15:04:05.000"),
			strconv.FormatInt(in, 10), strconv.FormatInt(out, 10), strconv.FormatInt(bad+late, 10), strconv.FormatInt(j.CompletedCheckpoints(), 10),
			FormatStateSizes(j.StateSizes()), restored})
	}
	return r
}

// FormatStateSizes renders per-operator state sizes: "GroupAggregate 1.2 MB,
// Join 340 KB" (empty for a stateless job).
func FormatStateSizes(st []runtime.OperatorState) string {
	parts := make([]string, len(st))
	for i, o := range st {
		parts[i] = o.Name + " " + formatBytes(o.Bytes)
	}
	return strings.Join(parts, ", ")
}

func formatBytes(b int64) string {
	switch {
	case b >= 1<<30:
		return strconv.FormatFloat(float64(b)/(1<<30), 'f', 1, 64) + " GB"
	case b >= 1<<20:
		return strconv.FormatFloat(float64(b)/(1<<20), 'f', 1, 64) + " MB"
	case b >= 1<<10:
		return strconv.FormatFloat(float64(b)/(1<<10), 'f', 1, 64) + " KB"
	}
	return strconv.FormatInt(b, 10) + " B"
}

func (s *Session) stopJob(x *sql.StopJob) (*Result, error) {
	for _, j := range s.Jobs() {
		if j.ID != x.JobID {
			continue
		}
		if st := j.Status(); st != runtime.JobRunning {
			return nil, &ExecutionError{Msg: fmt.Sprintf("Could not stop job %s: the job is %s.", j.ID, st)}
		}
		if x.WithSavepoint {
			// The session's state.savepoints.dir as it is now (it may have
			// been set after the job started), else the job's own.
			target := strings.TrimSpace(s.cfg.String("execution.checkpointing.savepoint-dir", ""))
			path, err := j.StopWithSavepoint(target, x.WithDrain)
			if err != nil {
				return nil, &ExecutionError{Msg: fmt.Sprintf("Could not stop job %s with a savepoint: %v", j.ID, err)}
			}
			return &Result{Kind: ResultTable, Columns: []string{"savepoint path"}, Rows: [][]string{{checkpoint.DisplayPath(path)}}}, nil
		}
		j.Cancel()
		j.Wait()
		return ok(), nil
	}
	return nil, &ExecutionError{Msg: fmt.Sprintf("Could not stop job %s: no such job in this session.", x.JobID)}
}

// isFunctionName reports names users call as functions (not operators such
// as "+" or "IS NULL", nor internal forms such as "__ARRAY" or "TRIM_BOTH").
func isFunctionName(n string) bool {
	if strings.HasPrefix(n, "__") || strings.HasPrefix(n, "TRIM_") {
		return false
	}
	for _, r := range n {
		if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return n != "" && n != "AND" && n != "OR" && n != "NOT" && n != "IN" && n != "LIKE" && n != "BETWEEN" && n != "CASE" && n != "NEGATE"
}

// showCheckpoints lists retained checkpoints and savepoints of a directory
// (default: execution.checkpointing.dir, else the savepoint directory).
func (s *Session) showCheckpoints(dir string) (*Result, error) {
	if dir == "" {
		dir = s.cfg.String("execution.checkpointing.dir", s.cfg.String("execution.checkpointing.savepoint-dir", ""))
	}
	if dir == "" {
		return nil, &ExecutionError{Msg: "SHOW CHECKPOINTS needs a directory: SHOW CHECKPOINTS FROM '<dir>', or set 'execution.checkpointing.dir'"}
	}
	root, err := checkpoint.ParseURI(dir)
	if err != nil {
		return nil, &ExecutionError{Msg: err.Error()}
	}
	infos, err := checkpoint.List(s.storage, root)
	if err != nil {
		return nil, &ExecutionError{Msg: fmt.Sprintf("Could not list checkpoints under %s: %v", root, err)}
	}
	r := &Result{Kind: ResultTable, Columns: []string{"job id", "job name", "id", "type", "time", "size", "shared size", "complete", "path"}}
	for _, in := range infos {
		kind := "checkpoint"
		if in.Savepoint {
			kind = "savepoint"
		}
		complete := "TRUE"
		if !in.Complete {
			complete = "FALSE"
			if in.Problem != "" {
				complete = "FALSE (" + in.Problem + ")"
			}
		}
		r.Rows = append(r.Rows, []string{in.JobID, in.JobName, strconv.FormatInt(in.ID, 10), kind,
			in.Time.UTC().Format("2006-01-02T15:04:05.000"), strconv.FormatInt(in.Size, 10), strconv.FormatInt(in.SharedSize, 10), complete, checkpoint.DisplayPath(in.Path)})
	}
	return r, nil
}

// showColumns is SHOW COLUMNS FROM|IN table [[NOT] LIKE 'p']: DESCRIBE's
// table, keeping the columns whose name matches.
func (s *Session) showColumns(x *sql.ShowColumns) (*Result, error) {
	t, v, name, err := s.lookupTableOrView(x.Table)
	if err != nil {
		return nil, err
	}
	if t == nil && v == nil {
		// Unlike DESCRIBE's, Flink's message here ends with a period.
		return nil, &planner.ValidationError{Msg: fmt.Sprintf("Tables or views with the identifier '%s' doesn't exist.", name)}
	}
	r, err := s.describe(&sql.Describe{StmtBase: x.StmtBase, Name: x.Table})
	if err != nil || x.Like == nil {
		return r, err
	}
	keep := map[string]bool{}
	names := make([]string, len(r.Rows))
	for i, row := range r.Rows {
		names[i] = row[0]
	}
	for _, n := range filterLike(x.Like, names) {
		keep[n] = true
	}
	rows := r.Rows[:0]
	for _, row := range r.Rows {
		if keep[row[0]] {
			rows = append(rows, row)
		}
	}
	r.Rows = rows
	return r, nil
}

// coreModule is the one module of this engine: Flink's core module, which
// holds the built-in functions. A session starts with it loaded and used.
const coreModule = "core"

// moduleStatement runs SHOW [FULL] MODULES, LOAD MODULE, USE MODULES and
// UNLOAD MODULE as Flink's ModuleManager does. Only the core module has a
// factory, so LOAD MODULE of any other name fails as in Flink; UNLOAD
// MODULE core unloads it (SHOW MODULES and SHOW FUNCTIONS list nothing
// of it; queries still bind the built-in functions, as Flink's planner
// keeps most of them in its own operator table) until LOAD MODULE core.
func (s *Session) moduleStatement(st sql.Statement) (*Result, error) {
	loaded := !s.coreUnloaded
	switch x := st.(type) {
	case *sql.ShowModules:
		var names []string
		if loaded {
			names = []string{coreModule}
		}
		if x.Full {
			r := &Result{Kind: ResultTable, Columns: []string{"module name", "used"}}
			for _, n := range names {
				r.Rows = append(r.Rows, []string{n, "TRUE"})
			}
			return r, nil
		}
		return nameTable("module name", names), nil
	case *sql.LoadModule:
		for _, o := range x.Options {
			if o.Key == "type" {
				return nil, &planner.ValidationError{Msg: fmt.Sprintf("Option 'type' = '%s' is not supported since module name is used to find module", o.Value)}
			}
		}
		if x.Name != coreModule {
			return nil, &planner.ValidationError{Msg: fmt.Sprintf("Could not find any factory for identifier '%s' that implements "+
				"'org.apache.flink.table.factories.ModuleFactory' in the classpath.\n\nAvailable factory identifiers are:\n\n%s", x.Name, coreModule)}
		}
		if loaded {
			return nil, &planner.ValidationError{Msg: fmt.Sprintf("A module with name '%s' already exists", x.Name)}
		}
		s.coreUnloaded = false
		return ok(), nil
	case *sql.UseModules:
		// ModuleManager.useModules: every name loaded, none twice.
		seen := map[string]bool{}
		for _, n := range x.Names {
			if n != coreModule || !loaded {
				return nil, &planner.ValidationError{Msg: fmt.Sprintf("No module with name '%s' exists", n)}
			}
			if seen[n] {
				return nil, &planner.ValidationError{Msg: fmt.Sprintf("Module '%s' appears more than once", n)}
			}
			seen[n] = true
		}
		return ok(), nil
	case *sql.UnloadModule:
		if x.Name != coreModule || !loaded {
			return nil, &planner.ValidationError{Msg: fmt.Sprintf("No module with name '%s' exists", x.Name)}
		}
		s.coreUnloaded = true
		return ok(), nil
	}
	return nil, &ExecutionError{Msg: fmt.Sprintf("Unsupported statement: %s", st.SQL())}
}
