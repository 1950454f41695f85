package filesystem

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/flinkgo/engine/connectors"
	"github.com/flinkgo/engine/connectors/internal/opts"
	"github.com/flinkgo/engine/runtime/expr"
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
// Trigger 'partition-time' (streaming): a partition is committed at a
// checkpoint commit when the watermark the writer had at that checkpoint is
// past the partition's time plus the delay, as Flink's
// PartitionTimeCommitTrigger. The time is extracted from the partition
// values as Flink's default extractor does: 'partition.time-extractor.
// timestamp-pattern' with each $<key> replaced by its value (without a
// pattern, the first value), parsed with
// 'partition.time-extractor.timestamp-formatter' (default: a date with an
// optional time, yyyy-MM-dd[ HH:mm[:ss]]; a date alone is midnight), as a
// wall-clock time in 'sink.partition-commit.watermark-time-zone' (UTC).

// commitPolicy is the validated 'sink.partition-commit.*' options.
type commitPolicy struct {
	enabled     bool   // a policy kind is set and applies to this sink
	successFile string // "" unless the success-file policy is on
	delayMs     int64
	// partitionTime: trigger 'partition-time' in streaming mode.
	partitionTime bool
	timePattern   string         // partition.time-extractor.timestamp-pattern ("": the first value)
	timeFormatter string         // partition.time-extractor.timestamp-formatter ("": the default)
	zone          *time.Location // sink.partition-commit.watermark-time-zone
	keys          []string       // the partition keys, in order
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
	d, _, err := opts.Duration(o, "sink.partition-commit.delay", 0)
	if err != nil {
		return p, err
	}
	p.delayMs = d.Milliseconds()
	if trig := strings.ToLower(o["sink.partition-commit.trigger"]); trig == "partition-time" && !batch {
		p.partitionTime = true
		p.timePattern = o["partition.time-extractor.timestamp-pattern"]
		p.timeFormatter = o["partition.time-extractor.timestamp-formatter"]
		if strings.EqualFold(o["partition.time-extractor.kind"], "custom") {
			return p, connectors.Errorf("The 'custom' partition time extractor of table '%s' needs a Java class ('partition.time-extractor.class'), which this engine cannot load. Use the default extractor with 'partition.time-extractor.timestamp-pattern'.", t.Name)
		}
		zone := o["sink.partition-commit.watermark-time-zone"]
		if zone == "" {
			zone = "UTC"
		}
		if p.zone, err = time.LoadLocation(zone); err != nil {
			return p, connectors.Errorf("Invalid value for option 'sink.partition-commit.watermark-time-zone' of table '%s': '%s' is not a time zone id (e.g. 'UTC', 'Asia/Shanghai').", t.Name, zone)
		}
		for _, k := range t.PartitionKeys {
			p.keys = append(p.keys, t.Columns[k].Name)
		}
	}
	return p, nil
}

// partitionTimeMs is the time of a partition directory (its values,
// unescaped, in key order) as ms since epoch; see the trigger above.
func (p *commitPolicy) partitionTimeMs(values []string) (int64, error) {
	text := ""
	if p.timePattern == "" {
		if len(values) > 0 {
			text = values[0]
		}
	} else {
		text = p.timePattern
		for i, k := range p.keys {
			if i < len(values) {
				text = strings.ReplaceAll(text, "$"+k, values[i])
			}
		}
	}
	var us int64
	ok := false
	if p.timeFormatter != "" {
		us, ok = expr.ParseDateTime(p.timeFormatter, text)
	} else {
		for _, f := range []string{"yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm", "yyyy-MM-dd", "yyyy-MM-dd HH:mm:ss.SSS"} {
			if us, ok = expr.ParseDateTime(f, text); ok {
				break
			}
		}
	}
	if !ok {
		return 0, fmt.Errorf("cannot extract the partition time from '%s' (the partition values through 'partition.time-extractor.timestamp-pattern' = '%s'): set the pattern and 'partition.time-extractor.timestamp-formatter' to match the partition values", text, p.timePattern)
	}
	wall := time.UnixMicro(us).UTC()
	return time.Date(wall.Year(), wall.Month(), wall.Day(), wall.Hour(), wall.Minute(), wall.Second(), wall.Nanosecond(), p.zone).UnixMilli(), nil
}

// isBatch reports whether the session runs in batch mode.
func isBatch(config map[string]string) bool {
	return strings.EqualFold(strings.TrimSpace(config["execution.runtime-mode"]), "batch")
}

// partitionCommits are the partition directories of one writer whose
// files became visible and that are not committed yet.
type partitionCommits struct {
	dirs []string
	due  []int64 // when each may be committed (ms): the processing time its files became visible, or with 'partition-time' its partition time
	// watermarks: with 'partition-time', the writer's watermark at each
	// checkpoint not yet complete (ascending ids); wm is the watermark of
	// the latest completed one.
	watermarks []checkpointWatermark
	wm         int64
	// endOfInput: the input ended; the final checkpoint commits every
	// partition regardless of the delay.
	endOfInput bool
}

// checkpointWatermark is the watermark a writer had at a checkpoint.
type checkpointWatermark struct{ id, wm int64 }

// addPartitions records the partition directories of files that became
// visible at now, with their commit time.
func (w *writer) addPartitions(files []partFile, now int64) error {
	pc := &w.parts
	for _, f := range files {
		known := false
		for _, d := range pc.dirs {
			known = known || d == f.dir
		}
		if known {
			continue
		}
		due := now
		if p := &w.sink.commit; p.enabled && p.partitionTime {
			vals, ok := partitionSpec(w.sink.partKeys, f.dir)
			if !ok {
				continue // not a partition directory: nothing to commit
			}
			t, err := p.partitionTimeMs(vals)
			if err != nil {
				return fmt.Errorf("filesystem sink of table %s, partition %s: %w", w.sink.name, f.dir, err)
			}
			due = t
		}
		pc.dirs = append(pc.dirs, f.dir)
		pc.due = append(pc.due, due)
	}
	return nil
}

// checkpointed records the watermark at checkpoint id ('partition-time').
func (pc *partitionCommits) checkpointed(id, wm int64) {
	pc.watermarks = append(pc.watermarks, checkpointWatermark{id, wm})
}

// completed makes the watermark of checkpoint id (and older ones) the one
// partitions are committed by.
func (pc *partitionCommits) completed(id int64) {
	n := 0
	for n < len(pc.watermarks) && pc.watermarks[n].id <= id {
		pc.wm = max(pc.wm, pc.watermarks[n].wm)
		n++
	}
	pc.watermarks = append(pc.watermarks[:0], pc.watermarks[n:]...)
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
		notYet := now < pc.due[i]+p.delayMs
		if p.partitionTime {
			notYet = pc.wm <= pc.due[i]+p.delayMs
		}
		if !force && notYet {
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
