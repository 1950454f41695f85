package filesystem

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/flinkgo/engine/connectors"
	"github.com/flinkgo/engine/connectors/internal/opts"
)

// Partition commit ('sink.partition-commit.*'): once the files of a
// partition are visible the partition is committed by the policies of
// 'sink.partition-commit.policy.kind':
//
//   - success-file writes an empty file named
//     'sink.partition-commit.success-file.name' (default _SUCCESS) into the
//     partition directory;
//   - metastore does nothing: a filesystem table has no metastore (Flink's
//     EmptyMetaStoreFactory for non-Hive tables);
//   - custom needs a Java class and is refused when the sink is created.
//
// When: in streaming mode with checkpointing (exactly-once), a partition is
// committed at the checkpoint commit that made its files visible
// (NotifyCheckpointComplete), once 'sink.partition-commit.delay' has passed
// since its first file became visible (trigger 'process-time'; the delay
// is checked at each checkpoint commit), and at the end of a bounded input
// whatever the delay, as Flink's trigger does at end of input. As in Flink,
// only partitioned tables are committed in streaming mode. In batch mode
// (and without checkpointing) every partition written, or the table
// directory of an unpartitioned table, is committed when the input ends.
//
// Flink commits in one PartitionCommitter task after every writer has
// finished the checkpoint; here each writer commits the partitions its own
// files went to right after renaming them, so another writer's files of
// the same checkpoint may become visible a moment after the success file.
// Committing is idempotent (the success file is simply created again).
//
// Trigger 'partition-time' (commit when the watermark passes the time
// extracted from the partition values) is not supported: creating such a
// sink with a commit policy fails with a message saying so.

// commitPolicy is the validated 'sink.partition-commit.*' options.
type commitPolicy struct {
	enabled     bool   // a policy kind is set and applies to this sink
	successFile string // "" unless the success-file policy is on
	delayMs     int64
}

// newCommitPolicy reads the commit options of table t. batch is the
// runtime mode; partitioned whether the table has partition keys.
func newCommitPolicy(t *connectors.Table, batch, partitioned bool) (commitPolicy, error) {
	o := t.Options
	var p commitPolicy
	kinds, ok := o["sink.partition-commit.policy.kind"]
	if !ok || (!batch && !partitioned) {
		return p, nil
	}
	p.enabled = true
	for _, k := range strings.Split(kinds, ",") {
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "success-file":
			p.successFile = "_SUCCESS"
			if v, ok := o["sink.partition-commit.success-file.name"]; ok {
				p.successFile = v
			}
			if p.successFile == "" || strings.ContainsAny(p.successFile, "/\\") || p.successFile == "." || p.successFile == ".." {
				return p, connectors.Errorf("Invalid value for option 'sink.partition-commit.success-file.name' of table '%s': '%s' is not a file name.", t.Name, p.successFile)
			}
		case "custom":
			return p, connectors.Errorf("The 'custom' partition commit policy of table '%s' needs a Java class ('sink.partition-commit.policy.class'), which this engine cannot load. Use the 'success-file' policy, or 'metastore' (which does nothing for a filesystem table).", t.Name)
		}
	}
	if trig := strings.ToLower(o["sink.partition-commit.trigger"]); trig == "partition-time" && !batch {
		return p, connectors.Errorf("The partition commit trigger 'partition-time' of table '%s' is not supported yet: only 'process-time' (with 'sink.partition-commit.delay') is. Set 'sink.partition-commit.trigger' = 'process-time'.", t.Name)
	}
	d, _, err := opts.Duration(o, "sink.partition-commit.delay", 0)
	if err != nil {
		return p, err
	}
	p.delayMs = d.Milliseconds()
	return p, nil
}

// isBatch reports whether the session runs in batch mode.
func isBatch(config map[string]string) bool {
	return strings.EqualFold(strings.TrimSpace(config["execution.runtime-mode"]), "batch")
}

// partitionCommits are the partition directories of one writer whose
// files became visible and that are not committed yet.
type partitionCommits struct {
	dirs []string
	due  []int64 // when each may be committed (ms)
	// endOfInput: the input ended; the final checkpoint commits every
	// partition regardless of the delay.
	endOfInput bool
}

// add records the directories of files that became visible at now.
func (pc *partitionCommits) add(files []partFile, now int64) {
	for _, f := range files {
		known := false
		for _, d := range pc.dirs {
			known = known || d == f.dir
		}
		if !known {
			pc.dirs = append(pc.dirs, f.dir)
			pc.due = append(pc.due, now)
		}
	}
}

// commitPartitions commits the recorded partitions whose delay has passed
// (all of them when force or at end of input).
func (w *writer) commitPartitions(force bool) error {
	pc := &w.parts
	p := w.sink.commit
	if !p.enabled {
		pc.dirs, pc.due = pc.dirs[:0], pc.due[:0]
		return nil
	}
	force = force || pc.endOfInput
	now := w.clock.NowMillis()
	n := 0
	for i, dir := range pc.dirs {
		if !force && now < pc.due[i]+p.delayMs {
			pc.dirs[n], pc.due[n] = dir, pc.due[i]
			n++
			continue
		}
		if p.successFile != "" {
			name := filepath.Join(w.sink.path, dir, p.successFile)
			f, err := w.sink.fs.Create(name)
			if err != nil {
				return fmt.Errorf("filesystem sink of table %s: cannot write the success file %s: %w", w.sink.name, name, err)
			}
			if err := f.Close(); err != nil {
				return fmt.Errorf("filesystem sink of table %s: cannot write the success file %s: %w", w.sink.name, name, err)
			}
		}
	}
	pc.dirs, pc.due = pc.dirs[:n], pc.due[:n]
	return nil
}
