package session

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/flinkgo/engine/checkpoint"
	"github.com/flinkgo/engine/planner"
	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/state"
	"github.com/flinkgo/engine/sql"
)

// checkpointConfig reads the execution.checkpointing.*, state.* and
// restart-strategy.* keys (current and deprecated names) into the
// configuration of one job.
func (s *Session) checkpointConfig() (checkpoint.Config, error) {
	c := s.cfg
	cfg := checkpoint.Config{Storage: s.storage, Clock: s.clock, Log: s.log}
	var err error
	bad := func(err error) (checkpoint.Config, error) { return cfg, &planner.ValidationError{Msg: err.Error()} }
	if cfg.Interval, err = c.Duration("execution.checkpointing.interval", 0); err != nil {
		return bad(err)
	}
	// execution.runtime-mode: batch jobs take no checkpoints, as in Flink.
	if batch, err := planner.IsBatch(c); err != nil {
		return cfg, err
	} else if batch {
		cfg.Interval = 0
	}
	switch mode := strings.ToUpper(c.String("execution.checkpointing.mode", "EXACTLY_ONCE")); mode {
	case "EXACTLY_ONCE":
		cfg.ExactlyOnce = true
	case "AT_LEAST_ONCE":
	default:
		return bad(fmt.Errorf("Could not parse value '%s' for key 'execution.checkpointing.mode'. Possible values: [EXACTLY_ONCE, AT_LEAST_ONCE]", mode))
	}
	if cfg.Timeout, err = c.Duration("execution.checkpointing.timeout", 10*time.Minute); err != nil {
		return bad(err)
	}
	if cfg.MinPause, err = c.Duration("execution.checkpointing.min-pause", 0); err != nil {
		return bad(err)
	}
	if cfg.MaxConcurrent, err = c.Int("execution.checkpointing.max-concurrent-checkpoints", 1); err != nil {
		return bad(err)
	}
	if cfg.TolerableFailures, err = c.Int("execution.checkpointing.tolerable-failed-checkpoints", 0); err != nil {
		return bad(err)
	}
	afterFinish, err := c.Bool("execution.checkpointing.checkpoints-after-tasks-finish", true)
	if err != nil {
		return bad(err)
	}
	cfg.NoFinalCheckpoint = !afterFinish
	if cfg.NumRetained, err = c.Int("execution.checkpointing.num-retained", 1); err != nil {
		return bad(err)
	}
	if cfg.NumRetained < 1 {
		return bad(fmt.Errorf("The configured number of retained checkpoints must be at least 1, got %d (execution.checkpointing.num-retained).", cfg.NumRetained))
	}
	if cfg.HistorySize, err = c.Int("web.checkpoints.history", checkpoint.DefaultHistorySize); err != nil {
		return bad(err)
	}
	if cfg.HistorySize < 1 {
		return bad(fmt.Errorf("The configured number of remembered checkpoints must be at least 1, got %d (web.checkpoints.history).", cfg.HistorySize))
	}
	if cfg.Retention, err = checkpoint.ParseRetention(c.String("execution.checkpointing.externalized-checkpoint-retention", "NO_EXTERNALIZED_CHECKPOINTS")); err != nil {
		return bad(err)
	}
	if dir, ok := c.Lookup("execution.checkpointing.dir"); ok && dir != "" {
		if cfg.Dir, err = checkpoint.ParseURI(dir); err != nil {
			return bad(fmt.Errorf("Invalid 'execution.checkpointing.dir' (state.checkpoints.dir): %w", err))
		}
	}
	switch storage := strings.ToLower(strings.TrimSpace(c.String("execution.checkpointing.storage", ""))); storage {
	case "", "jobmanager":
	case "filesystem":
		if cfg.Dir == "" {
			// Flink refuses this too (FileSystemCheckpointStorage needs a directory).
			return bad(fmt.Errorf("Cannot create the file system checkpoint storage: the configuration does not specify the checkpoint directory 'execution.checkpointing.dir' (state.checkpoints.dir); set it, e.g. SET 'state.checkpoints.dir' = 'file:///data/checkpoints' or 's3://bucket/checkpoints'"))
		}
	default:
		return bad(fmt.Errorf("Could not parse value '%s' for key 'execution.checkpointing.storage' (state.checkpoint-storage). Possible values: [jobmanager, filesystem]", storage))
	}
	if dir, ok := c.Lookup("execution.checkpointing.savepoint-dir"); ok && dir != "" {
		if cfg.SavepointDir, err = checkpoint.ParseURI(dir); err != nil {
			return bad(fmt.Errorf("Invalid 'execution.checkpointing.savepoint-dir' (state.savepoints.dir): %w", err))
		}
	}
	if v, ok := c.Lookup("execution.checkpointing.data-inline-threshold"); ok {
		n, err := parseMemorySize(v)
		if err != nil || n > 1<<20 {
			return bad(fmt.Errorf("Could not parse value '%s' for key 'execution.checkpointing.data-inline-threshold' (a size up to 1mb, e.g. '20kb').", v))
		}
		cfg.InlineThreshold = int(n)
	}
	if cfg.State.Backend, err = state.ParseBackendType(c.String("state.backend.type", "hashmap")); err != nil {
		return bad(err)
	}
	if cfg.State.TTL, err = c.Duration("table.exec.state.ttl", 0); err != nil {
		return bad(err)
	}
	if cfg.State.Incremental, err = c.Bool("execution.checkpointing.incremental", false); err != nil {
		return bad(err)
	}
	// The changelog state backend (Flink's generic log-based incremental
	// checkpoints): its log goes with the checkpoint's shared files, so both
	// of Flink's storages mean the same here.
	if cfg.State.Changelog, err = c.Bool("state.backend.changelog.enabled", false); err != nil {
		return bad(err)
	}
	// Without periodic checkpoints nothing would ever consume the log.
	cfg.State.Changelog = cfg.State.Changelog && cfg.Interval > 0
	if cfg.State.MaterializeInterval, err = c.Duration("state.backend.changelog.periodic-materialize.interval", state.DefaultMaterializeInterval); err != nil {
		return bad(err)
	}
	switch v := strings.ToLower(c.String("state.backend.changelog.storage", "memory")); v {
	case "memory", "filesystem":
	default:
		return bad(fmt.Errorf("Could not find a state changelog storage for 'state.backend.changelog.storage' = '%s'. Supported: memory, filesystem (the changelog is kept with the checkpoint's files in either case).", v))
	}
	// io.tmp.dirs: where local working state (Pebble) lives; the first of
	// a comma/colon-separated list.
	if dirs := c.String("io.tmp.dirs", ""); dirs != "" {
		cfg.State.ScratchDir = strings.FieldsFunc(dirs, func(r rune) bool { return r == ',' || r == ':' })[0]
	}
	restart, err := restartStrategy(c, cfg.Interval > 0)
	if err != nil {
		return bad(err)
	}
	cfg.Restart = restart
	return cfg, nil
}

// restartStrategy builds the restart-strategy.* strategy; with none
// configured it is none without checkpointing and exponential-delay with it,
// as in Flink.
func restartStrategy(c *planner.Config, checkpointing bool) (func() runtime.RestartStrategy, error) {
	kind := strings.ToLower(c.String("restart-strategy.type", ""))
	if kind == "" {
		kind = "none"
		if checkpointing {
			kind = "exponential-delay"
		}
	}
	dur := func(k string, def time.Duration) (time.Duration, error) { return c.Duration(k, def) }
	switch kind {
	case "none", "off", "disable":
		return func() runtime.RestartStrategy { return runtime.NoRestart{} }, nil
	case "fixed-delay", "fixeddelay":
		attempts, err := c.Int("restart-strategy.fixed-delay.attempts", 1)
		if err != nil {
			return nil, err
		}
		delay, err := dur("restart-strategy.fixed-delay.delay", time.Second)
		if err != nil {
			return nil, err
		}
		return func() runtime.RestartStrategy { return &runtime.FixedDelayRestart{Attempts: attempts, Delay: delay} }, nil
	case "failure-rate", "failurerate":
		max, err := c.Int("restart-strategy.failure-rate.max-failures-per-interval", 1)
		if err != nil {
			return nil, err
		}
		interval, err := dur("restart-strategy.failure-rate.failure-rate-interval", time.Minute)
		if err != nil {
			return nil, err
		}
		delay, err := dur("restart-strategy.failure-rate.delay", time.Second)
		if err != nil {
			return nil, err
		}
		return func() runtime.RestartStrategy {
			return &runtime.FailureRateRestart{MaxFailures: max, Interval: interval, Delay: delay}
		}, nil
	case "exponential-delay", "exponentialdelay":
		initial, err := dur("restart-strategy.exponential-delay.initial-backoff", time.Second)
		if err != nil {
			return nil, err
		}
		maxB, err := dur("restart-strategy.exponential-delay.max-backoff", time.Minute)
		if err != nil {
			return nil, err
		}
		reset, err := dur("restart-strategy.exponential-delay.reset-backoff-threshold", time.Hour)
		if err != nil {
			return nil, err
		}
		mult, err := floatOption(c, "restart-strategy.exponential-delay.backoff-multiplier", 1.5)
		if err != nil {
			return nil, err
		}
		jitter, err := floatOption(c, "restart-strategy.exponential-delay.jitter-factor", 0.1)
		if err != nil {
			return nil, err
		}
		attempts, err := c.Int("restart-strategy.exponential-delay.attempts-before-reset-backoff", 0)
		if err != nil {
			return nil, err
		}
		return func() runtime.RestartStrategy {
			return &runtime.ExponentialDelayRestart{Initial: initial, Max: maxB, Multiplier: mult, ResetThreshold: reset,
				Jitter: jitter, AttemptsBeforeReset: attempts, Rand: rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))}
		}, nil
	}
	return nil, fmt.Errorf("Unknown restart strategy '%s' in 'restart-strategy.type'. Supported: none, fixed-delay, failure-rate, exponential-delay.", kind)
}

func floatOption(c *planner.Config, k string, def float64) (float64, error) {
	v, ok := c.Lookup(k)
	if !ok {
		return def, nil
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil {
		return 0, fmt.Errorf("Could not parse value '%s' for key '%s'.", v, k)
	}
	return f, nil
}

// parseMemorySize parses Flink memory sizes: "20kb", "1 mb", "4096".
func parseMemorySize(s string) (int64, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	n, err := strconv.ParseInt(s[:i], 10, 64)
	if err != nil {
		return 0, err
	}
	switch strings.TrimSpace(s[i:]) {
	case "", "b", "bytes":
		return n, nil
	case "k", "kb", "kibibytes":
		return n << 10, nil
	case "m", "mb", "mebibytes":
		return n << 20, nil
	case "g", "gb", "gibibytes":
		return n << 30, nil
	}
	return 0, fmt.Errorf("bad memory size %q", s)
}

// restoreSource resolves execution.state-recovery.path (old name
// execution.savepoint.path): a chk-<n> directory, its _metadata, a
// savepoint directory, or 'latest' — the newest complete checkpoint of a
// job with the same name under execution.checkpointing.dir. Either way the
// checkpoint's state files are checked before the job starts. When the
// newest checkpoint cannot be restored, 'latest' fails unless
// checkpoint.FallbackToOlderKey is true; then it restores the newest one
// that can be and logs which it skipped.
func (s *Session) restoreSource(cfg checkpoint.Config, jobName string) (*checkpoint.RestoreSource, error) {
	path, ok := s.cfg.Lookup("execution.state-recovery.path")
	if !ok || strings.TrimSpace(path) == "" {
		return nil, nil
	}
	unclaimed, err := s.cfg.Bool("execution.state-recovery.ignore-unclaimed-state", false)
	if err != nil {
		return nil, &planner.ValidationError{Msg: err.Error()}
	}
	mode := strings.ToUpper(s.cfg.String("execution.state-recovery.claim-mode", "NO_CLAIM"))
	switch mode {
	case "NO_CLAIM", "CLAIM":
	case "LEGACY":
		return nil, &planner.ValidationError{Msg: "execution.state-recovery.claim-mode LEGACY is not supported (deprecated by FLIP-416); use NO_CLAIM or CLAIM"}
	default:
		return nil, &planner.ValidationError{Msg: fmt.Sprintf("Could not parse value '%s' for key 'execution.state-recovery.claim-mode'. Possible values: [CLAIM, NO_CLAIM]", mode)}
	}
	fallback, err := s.cfg.Bool(checkpoint.FallbackToOlderKey, false)
	if err != nil {
		return nil, &planner.ValidationError{Msg: err.Error()}
	}
	load := checkpoint.LoadRestorable
	if strings.EqualFold(strings.TrimSpace(path), "latest") {
		if cfg.Dir == "" {
			return nil, &planner.ValidationError{Msg: "execution.state-recovery.path = 'latest' needs execution.checkpointing.dir (state.checkpoints.dir) to know where to look"}
		}
		d, err := checkpoint.FindLatest(cfg.Storage, cfg.Dir, jobName, fallback)
		if !d.Found && len(d.Broken) == 0 {
			// Nothing to restore yet (the first run of a script that always
			// says 'latest'): start fresh, and say so.
			s.logf("[WARN] execution.state-recovery.path = 'latest': no checkpoint of job '%s' under %s yet; the job starts without state.", jobName, checkpoint.DisplayPath(cfg.Dir))
			return nil, nil
		}
		if err != nil {
			return nil, &ExecutionError{Msg: err.Error()}
		}
		if notice := d.FallbackNotice(); notice != "" {
			s.logf("%s", notice)
		}
		path = d.Chosen.Path
		load = checkpoint.LoadCheckpoint // FindLatest checked its state files
	}
	meta, dir, err := load(cfg.Storage, path)
	if err != nil {
		return nil, &ExecutionError{Msg: err.Error()}
	}
	kind := fmt.Sprintf("checkpoint %d of job %s", meta.CheckpointID, meta.JobID)
	if meta.Savepoint {
		kind = "savepoint of job " + meta.JobID
	}
	how := ""
	if strings.EqualFold(strings.TrimSpace(s.cfg.String("execution.state-recovery.path", "")), "latest") {
		how = ", picked by 'latest'"
	}
	s.logf("[INFO] Job '%s' restores from %s (%s%s, %s mode).", jobName, checkpoint.DisplayPath(dir), kind, how, mode)
	return &checkpoint.RestoreSource{Path: path, Meta: meta, Dir: dir, Storage: cfg.Storage, Unclaimed: unclaimed,
		Claim: mode == "CLAIM", Latest: how != ""}, nil
}

// logf writes one line to the session's log, S3 paths shown as s3://.
func (s *Session) logf(format string, args ...any) {
	if s.log != nil {
		fmt.Fprintln(s.log, checkpoint.DisplayPaths(fmt.Sprintf(format, args...)))
	}
}

// DeploymentCheckpointConfig is the checkpoint configuration of the job d
// describes as the JobManager derived it (checkpoint.Config, with the
// storage: local paths to o.Storage, s3:// to an S3 store built from the
// deployment's s3.* keys): what a TaskManager runs its share of the job
// with (state backend, EXACTLY_ONCE, final checkpoint) and writes its
// keyed state through. Only SET and RESET among d.Setup matter here.
func DeploymentCheckpointConfig(d Deployment, o Options) (checkpoint.Config, error) {
	o.Config, o.Jobs = d.Config, nil
	s := New(o)
	defer s.Close()
	for i, text := range d.Setup {
		st, err := parseOne(text)
		if err != nil {
			return checkpoint.Config{}, fmt.Errorf("deployment setup statement %d: %w", i+1, err)
		}
		switch st.(type) {
		case *sql.Set, *sql.Reset:
			if _, err := s.execute(st); err != nil {
				return checkpoint.Config{}, fmt.Errorf("deployment setup statement %d: %w", i+1, err)
			}
		}
	}
	return s.checkpointConfig()
}
