// Package filesystem is the 'filesystem' connector: a source reading every
// file under a directory (once, or monitoring it for new files) and a sink
// writing rolling part files, with row formats from package formats.
//
// Checkpoints: the source records per subtask the files it read and where
// it is in the others, and restores at any parallelism (state.go). The sink
// is exactly-once when the session enables checkpointing
// (execution.checkpointing.interval): part files stay hidden until the
// checkpoint that closed them completes (sink.go, sink_state.go).
package filesystem

import (
	"path/filepath"
	"strings"
	"time"

	"github.com/flinkgo/engine/connectors"
	"github.com/flinkgo/engine/connectors/formats"
	"github.com/flinkgo/engine/connectors/internal/opts"
	"github.com/flinkgo/engine/runtime/types"
)

func init() { connectors.Register(Factory{}) }

// Factory creates filesystem sources and sinks.
type Factory struct{}

func (Factory) Identifier() string        { return "filesystem" }
func (Factory) RequiredOptions() []string { return []string{"path", "format"} }
func (Factory) OptionalOptions() []string {
	return []string{
		"partition.default-name", "sink.shuffle-by-partition.enable", "source.monitor-interval",
		"source.path.regex-pattern", "source.report-statistics",
		"sink.rolling-policy.file-size", "sink.rolling-policy.rollover-interval",
		"sink.rolling-policy.check-interval", "sink.rolling-policy.inactivity-interval",
		"auto-compaction", "compaction.file-size", "compaction.parallelism",
		"sink.partition-commit.trigger", "sink.partition-commit.delay",
		"sink.partition-commit.watermark-time-zone", "sink.partition-commit.policy.kind",
		"sink.partition-commit.policy.class", "sink.partition-commit.policy.class.parameters",
		"sink.partition-commit.success-file.name",
		"partition.time-extractor.kind", "partition.time-extractor.class",
		"partition.time-extractor.timestamp-pattern", "partition.time-extractor.timestamp-formatter",
		"sink.parallelism",
	}
}

// Metadata keys readable from the source, with their types.
var metadataKeys = []struct {
	key string
	t   *types.Type
}{
	{"file.path", types.String},
	{"file.name", types.String},
	{"file.size", types.BigInt},
	{"file.modification-time", types.TimestampLTZ3},
}

// table is what the source and the sink share: the validated options.
type table struct {
	name    string
	path    string // local directory
	format  formats.Format
	fmtOpts map[string]string
	// fields are the columns the files hold: the physical columns but
	// the partition columns, in table order.
	fields   []types.Field
	physical []int // index in Table.Columns of each field
	physPos  []int // position among the physical columns of each field
	// partKeys are the partition columns (PARTITIONED BY order), partPos
	// their positions among the physical columns; nil when unpartitioned.
	partKeys    []partKey
	partPos     []int
	nPhysical   int
	defaultPart string // partition.default-name
	columns     []connectors.Column
	fs          FS
}

func newTable(t *connectors.Table) (*table, error) {
	o := t.Options
	p, err := localPath(o["path"])
	if err != nil {
		return nil, err
	}
	id := o["format"]
	f, ok := formats.Lookup(id)
	if !ok {
		return nil, connectors.Errorf("Could not find any format factory for identifier '%s' in the classpath.\n\nAvailable factory identifiers are:\n\n%s",
			id, strings.Join(formats.Identifiers(), "\n"))
	}
	if formats.IsChangelog(f) {
		return nil, connectors.Errorf("The filesystem connector does not support the changelog format '%s' yet; use it with the kafka connector", id)
	}
	tb := &table{name: t.Name, path: p, format: f, fmtOpts: formats.ScopedOptions(o, id, ""), columns: t.Columns, fs: DefaultFS,
		defaultPart: DefaultPartitionName}
	if v, ok := o["partition.default-name"]; ok {
		tb.defaultPart = v
	}
	if tb.partKeys, err = partitionKeys(t); err != nil {
		return nil, err
	}
	tb.partPos = make([]int, len(tb.partKeys))
	for i, c := range t.Columns {
		if c.Metadata {
			continue
		}
		part := false
		for j, k := range tb.partKeys {
			if k.col == i {
				tb.partPos[j], part = tb.nPhysical, true
			}
		}
		if !part {
			tb.fields = append(tb.fields, types.Field{Name: c.Name, Type: c.Type})
			tb.physical = append(tb.physical, i)
			tb.physPos = append(tb.physPos, tb.nPhysical)
		}
		tb.nPhysical++
	}
	if len(tb.partKeys) > 0 && len(tb.fields) == 0 {
		return nil, connectors.Errorf("Table '%s' has only partition columns: the filesystem connector writes the other columns into its files, so at least one column must not be a partition column.", t.Name)
	}
	if err := validateCommon(o); err != nil {
		return nil, err
	}
	return tb, nil
}

// localPath turns the 'path' option into a local path.
func localPath(p string) (string, error) {
	if i := strings.Index(p, ":"); i > 1 && !strings.Contains(p[:i], "/") {
		scheme := strings.ToLower(p[:i])
		if scheme != "file" {
			return "", connectors.Errorf("Could not find a file system implementation for scheme '%s'. The scheme is not directly supported by Flink and no Hadoop file system to support this scheme could be loaded.", scheme)
		}
		p = p[i+1:]
		if strings.HasPrefix(p, "//") {
			p = p[2:]
			if j := strings.Index(p, "/"); j > 0 { // authority (file://localhost/x)
				p = p[j:]
			}
		}
	}
	if p == "" {
		return "", connectors.Errorf("Option 'path' must not be empty.")
	}
	return filepath.Clean(p), nil
}

// validateCommon checks the options the connector accepts but does not act
// on (partitioning, compaction, commit policies), so typos still fail.
func validateCommon(o map[string]string) error {
	for _, k := range []string{"sink.shuffle-by-partition.enable", "auto-compaction", "source.report-statistics"} {
		if _, err := opts.Bool(o, k, false); err != nil {
			return err
		}
	}
	for _, k := range []string{"sink.rolling-policy.rollover-interval", "sink.rolling-policy.check-interval",
		"sink.rolling-policy.inactivity-interval", "sink.partition-commit.delay", "source.monitor-interval"} {
		if _, _, err := opts.Duration(o, k, 0); err != nil {
			return err
		}
	}
	for _, k := range []string{"sink.rolling-policy.file-size", "compaction.file-size"} {
		if _, err := opts.MemorySize(o, k, 0); err != nil {
			return err
		}
	}
	for _, k := range []string{"sink.parallelism", "compaction.parallelism"} {
		if _, err := opts.Parallelism(o, k); err != nil {
			return err
		}
	}
	if _, err := opts.OneOf(o, "sink.partition-commit.trigger", "process-time", "process-time", "partition-time"); err != nil {
		return err
	}
	if _, err := opts.OneOf(o, "partition.time-extractor.kind", "default", "default", "custom"); err != nil {
		return err
	}
	if kinds, ok := o["sink.partition-commit.policy.kind"]; ok {
		for _, k := range strings.Split(kinds, ",") {
			switch strings.ToLower(strings.TrimSpace(k)) {
			case "metastore", "success-file", "custom":
			default:
				return connectors.Errorf("Invalid value for option 'sink.partition-commit.policy.kind'. Supported values are [metastore, success-file, custom], but was: %s", kinds)
			}
		}
	}
	return nil
}

func (Factory) CreateSource(t *connectors.Table) (connectors.Source, error) {
	tb, err := newTable(t)
	if err != nil {
		return nil, err
	}
	s := &source{table: tb}
	d, set, _ := opts.Duration(t.Options, "source.monitor-interval", 0)
	if set && d <= 0 {
		return nil, connectors.Errorf("Option 'source.monitor-interval' must be positive, but was: %s", t.Options["source.monitor-interval"])
	}
	s.monitor = d
	for _, c := range t.Columns {
		if !c.Metadata {
			continue
		}
		key := c.MetadataKey
		if key == "" {
			key = c.Name
		}
		ok := false
		for _, m := range metadataKeys {
			if m.key == key {
				ok = true
				if !m.t.Equal(c.Type, true) {
					return nil, connectors.Errorf("Invalid data type of metadata column '%s' in table '%s'. The metadata key '%s' requires type %s, but was %s.",
						c.Name, t.Name, key, m.t.String(), c.Type.String())
				}
			}
		}
		if !ok {
			var keys []string
			for _, m := range metadataKeys {
				keys = append(keys, m.key)
			}
			return nil, connectors.Errorf("Invalid metadata key '%s' in column '%s' of table '%s'. The DynamicTableSource class 'org.apache.flink.connector.file.table.FileSystemTableSource' supports the following metadata keys for reading:\n%s",
				key, c.Name, t.Name, strings.Join(keys, "\n"))
		}
	}
	// Fail early on bad format options.
	if _, err := tb.format.NewDecoder(tb.fields, tb.fmtOpts); err != nil {
		return nil, err
	}
	return s, nil
}

func (Factory) CreateSink(t *connectors.Table) (connectors.Sink, error) {
	tb, err := newTable(t)
	if err != nil {
		return nil, err
	}
	o := t.Options
	s := &sink{table: tb, prefix: "part-" + NewUUID(), exactlyOnce: checkpointingEnabled(t.Config)}
	if s.fileSize, err = opts.MemorySize(o, "sink.rolling-policy.file-size", 128<<20); err != nil {
		return nil, err
	}
	if s.rollover, _, err = opts.Duration(o, "sink.rolling-policy.rollover-interval", 30*time.Minute); err != nil {
		return nil, err
	}
	if s.inactivity, _, err = opts.Duration(o, "sink.rolling-policy.inactivity-interval", 0); err != nil {
		return nil, err
	}
	if s.parallelism, err = opts.Parallelism(o, "sink.parallelism"); err != nil {
		return nil, err
	}
	if s.commit, err = newCommitPolicy(t, isBatch(t.Config), len(tb.partKeys) > 0); err != nil {
		return nil, err
	}
	if _, err := tb.format.NewEncoder(tb.fields, tb.fmtOpts); err != nil {
		return nil, err
	}
	return s, nil
}
