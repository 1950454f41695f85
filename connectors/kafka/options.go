package kafka

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/flinkgo/engine/connectors"
	"github.com/flinkgo/engine/connectors/formats"
	"github.com/flinkgo/engine/connectors/internal/opts"
	"github.com/flinkgo/engine/runtime/types"
)

// Startup and bounded modes (scan.startup.mode, scan.bounded.mode).
const (
	modeEarliest  = "earliest-offset"
	modeLatest    = "latest-offset"
	modeGroup     = "group-offsets"
	modeTimestamp = "timestamp"
	modeSpecific  = "specific-offsets"
	modeUnbounded = "unbounded"
)

// Delivery guarantees (sink.delivery-guarantee).
const (
	deliveryNone        = "none"
	deliveryAtLeastOnce = "at-least-once"
	deliveryExactlyOnce = "exactly-once"
)

// table is the validated configuration shared by the source and the sink
// of one table.
type table struct {
	name    string
	upsert  bool // upsert-kafka
	columns []connectors.Column
	client  clientConfig

	topics  []string
	pattern *regexp.Regexp

	// Physical columns (index into columns) in table order, and how they
	// split between the key and the value format.
	physical    []int
	keyFields   []int // indexes into physical, in key.fields order
	valueFields []int // indexes into physical
	keyPrefix   string

	keyFormat   formats.Format // nil without key.format
	keyOpts     map[string]string
	valueFormat formats.Format
	valueOpts   map[string]string
	valuePrefix string // "value." or "" (format)

	// Source.
	startup        string
	startupTs      int64
	startupOffsets map[int32]int64
	bounded        string
	boundedTs      int64
	boundedOffsets map[int32]int64
	discovery      time.Duration // 0: no partition discovery
	scanPar        int

	// Sink.
	delivery    string
	txnPrefix   string
	partitioner string
	sinkPar     int
	bufferRows  int64
	bufferEvery time.Duration
}

func (t *table) keyFieldTypes() []types.Field   { return t.fieldsOf(t.keyFields, t.keyPrefix) }
func (t *table) valueFieldTypes() []types.Field { return t.fieldsOf(t.valueFields, "") }

// fieldsOf returns the format fields for physical indexes, with prefix
// removed from the names (key.fields-prefix).
func (t *table) fieldsOf(idx []int, prefix string) []types.Field {
	out := make([]types.Field, len(idx))
	for i, p := range idx {
		c := t.columns[t.physical[p]]
		out[i] = types.Field{Name: strings.TrimPrefix(c.Name, prefix), Type: c.Type}
	}
	return out
}

// lookupFormat finds a format by identifier; key is the option naming it.
func lookupFormat(key, id string) (formats.Format, error) {
	f, ok := formats.Lookup(id)
	if !ok {
		return nil, connectors.Errorf("Could not find any factory for identifier '%s' that implements 'org.apache.flink.table.factories.DeserializationFormatFactory' in the classpath.\n\nAvailable factory identifiers are:\n\n%s\n\n(option '%s')",
			id, strings.Join(formats.Identifiers(), "\n"), key)
	}
	return f, nil
}

// formatOptionKeys returns the option keys of the formats a table names,
// for connectors.ValidateOptions.
func formatOptionKeys(o map[string]string) []string {
	var out []string
	for _, p := range []string{"", "value.", "key."} {
		id, ok := o[p+"format"]
		if !ok {
			continue
		}
		f, err := lookupFormat(p+"format", id)
		if err != nil {
			continue
		}
		for _, k := range f.OptionKeys() {
			out = append(out, p+k)
		}
	}
	return out
}

// newTable validates the options both the kafka and the upsert-kafka
// connector share and splits the columns into key and value fields.
func newTable(t *connectors.Table, upsert bool) (*table, error) {
	o := t.Options
	tb := &table{name: t.Name, upsert: upsert, columns: t.Columns}
	var err error
	if tb.client, err = parseClientConfig(t.Name, o); err != nil {
		return nil, err
	}
	for i, c := range t.Columns {
		if !c.Metadata {
			tb.physical = append(tb.physical, i)
		}
	}
	// Topics.
	topic, hasTopic := o["topic"]
	pattern, hasPattern := o["topic-pattern"]
	switch {
	case hasTopic && hasPattern:
		return nil, connectors.Errorf("Option 'topic' and 'topic-pattern' shouldn't be set together.")
	case hasPattern:
		if upsert {
			return nil, connectors.Errorf("Unsupported options found for 'upsert-kafka'.\n\nUnsupported options:\n\ntopic-pattern")
		}
		re, err := regexp.Compile("^(?:" + pattern + ")$")
		if err != nil {
			return nil, connectors.Errorf("Option 'topic-pattern' is not a valid regular expression: %v", err)
		}
		tb.pattern = re
	case hasTopic:
		for _, s := range strings.Split(topic, ";") {
			if s = strings.TrimSpace(s); s != "" {
				tb.topics = append(tb.topics, s)
			}
		}
		if len(tb.topics) == 0 {
			return nil, connectors.Errorf("Option 'topic' must not be empty.")
		}
	default:
		return nil, connectors.Errorf("Either 'topic' or 'topic-pattern' must be set.")
	}
	if err := tb.parseFormats(t); err != nil {
		return nil, err
	}
	if err := tb.parseScan(o); err != nil {
		return nil, err
	}
	if err := tb.parseSink(o); err != nil {
		return nil, err
	}
	return tb, nil
}

func (tb *table) parseFormats(t *connectors.Table) error {
	o := t.Options
	vkey := "value.format"
	vid, ok := o[vkey]
	fid, fok := o["format"]
	switch {
	case ok && fok:
		return connectors.Errorf("Option 'format' and 'value.format' shouldn't be set together.")
	case fok:
		vkey, vid = "format", fid
	case !ok:
		if tb.upsert {
			return connectors.Errorf("One or more required options are missing.\n\nMissing required options are:\n\nvalue.format")
		}
		return connectors.Errorf("Could not find required scan format 'value.format'.")
	}
	var err error
	if tb.valueFormat, err = lookupFormat(vkey, vid); err != nil {
		return err
	}
	tb.valuePrefix = "value."
	if vkey == "format" {
		tb.valuePrefix = ""
	}
	tb.valueOpts = formats.ScopedOptions(o, vid, tb.valuePrefix)

	tb.keyPrefix = o["key.fields-prefix"]
	include, err := opts.OneOf(o, "value.fields-include", "ALL", "ALL", "EXCEPT_KEY")
	if err != nil {
		return err
	}
	// Key fields: key.fields, or the primary key for upsert-kafka.
	var keyNames []string
	if tb.upsert {
		if len(t.PrimaryKey) == 0 {
			return connectors.Errorf("'upsert-kafka' tables require to define a PRIMARY KEY constraint. The PRIMARY KEY specifies which columns should be read from or write to the Kafka message key. The PRIMARY KEY also defines records in the 'upsert-kafka' table should update or delete on which keys.")
		}
		if _, ok := o["key.fields"]; ok {
			return connectors.Errorf("Unsupported options found for 'upsert-kafka'.\n\nUnsupported options:\n\nkey.fields")
		}
		for _, ci := range t.PrimaryKey {
			keyNames = append(keyNames, t.Columns[ci].Name)
		}
	} else if s, ok := o["key.fields"]; ok && strings.TrimSpace(s) != "" {
		for _, n := range strings.Split(s, ";") {
			keyNames = append(keyNames, strings.TrimSpace(n))
		}
	}
	kid, hasKeyFormat := o["key.format"]
	switch {
	case hasKeyFormat && len(keyNames) == 0:
		return connectors.Errorf("A key format 'key.format' requires the declaration of one or more of key fields using 'key.fields'.")
	case !hasKeyFormat && len(keyNames) > 0:
		if tb.upsert {
			return connectors.Errorf("One or more required options are missing.\n\nMissing required options are:\n\nkey.format")
		}
		return connectors.Errorf("The Kafka table '%s' with '%s' format doesn't support defining key fields without 'key.format'.", t.Name, vid)
	}
	if hasKeyFormat {
		if tb.keyFormat, err = lookupFormat("key.format", kid); err != nil {
			return err
		}
		tb.keyOpts = formats.ScopedOptions(o, kid, "key.")
	}
	if tb.keyPrefix != "" && include != "EXCEPT_KEY" {
		return connectors.Errorf("A key prefix is not allowed when option 'value.fields-include' is set to 'ALL'. Set it to 'EXCEPT_KEY' instead to avoid field overlaps.")
	}
	isKey := map[int]bool{}
	for _, n := range keyNames {
		found := -1
		for pi, ci := range tb.physical {
			if t.Columns[ci].Name == n {
				found = pi
			}
		}
		if found < 0 {
			var names []string
			for _, ci := range tb.physical {
				names = append(names, t.Columns[ci].Name)
			}
			return connectors.Errorf("Could not find the field '%s' in the table schema for usage in the key format. A key field must be a regular, physical column. The following columns can be selected in the 'key.fields' option:\n%s",
				n, strings.Join(names, ", "))
		}
		if !strings.HasPrefix(n, tb.keyPrefix) {
			return connectors.Errorf("All fields in 'key.fields' must be prefixed with '%s' when option 'key.fields-prefix' is set but field '%s' is not prefixed.", tb.keyPrefix, n)
		}
		tb.keyFields = append(tb.keyFields, found)
		isKey[found] = true
	}
	for pi := range tb.physical {
		if include == "EXCEPT_KEY" && isKey[pi] {
			continue
		}
		tb.valueFields = append(tb.valueFields, pi)
	}
	// Fail early on bad format options (decoders and encoders alike).
	if _, err := tb.valueFormat.NewDecoder(tb.valueFieldTypes(), tb.valueOpts); err != nil {
		return err
	}
	if tb.keyFormat != nil {
		if _, err := tb.keyFormat.NewDecoder(tb.keyFieldTypes(), tb.keyOpts); err != nil {
			return err
		}
		if formats.IsChangelog(tb.keyFormat) {
			return connectors.Errorf("A changelog format ('%s') cannot be used as 'key.format'.", kid)
		}
	}
	if tb.upsert && formats.IsChangelog(tb.valueFormat) {
		return connectors.Errorf("'upsert-kafka' connector doesn't support '%s' as value format, because '%s' is not in insert-only mode.", vid, vid)
	}
	return nil
}

func (tb *table) parseScan(o map[string]string) error {
	var err error
	def := modeGroup
	if tb.upsert {
		def = modeEarliest
	}
	if tb.startup, err = opts.OneOf(o, "scan.startup.mode", def, modeEarliest, modeLatest, modeGroup, modeTimestamp, modeSpecific); err != nil {
		return err
	}
	if tb.startupTs, tb.startupOffsets, err = tb.modeArgs(o, "scan.startup", tb.startup); err != nil {
		return err
	}
	if tb.bounded, err = opts.OneOf(o, "scan.bounded.mode", modeUnbounded, modeUnbounded, modeLatest, modeGroup, modeTimestamp, modeSpecific); err != nil {
		return err
	}
	if tb.boundedTs, tb.boundedOffsets, err = tb.modeArgs(o, "scan.bounded", tb.bounded); err != nil {
		return err
	}
	d, set, err := opts.Duration(o, "scan.topic-partition-discovery.interval", 5*time.Minute)
	if err != nil {
		return err
	}
	if set && d < 0 {
		return connectors.Errorf("Option 'scan.topic-partition-discovery.interval' must not be negative.")
	}
	tb.discovery = d
	if tb.scanPar, err = opts.Parallelism(o, "scan.parallelism"); err != nil {
		return err
	}
	return nil
}

// modeArgs reads the timestamp or the specific offsets a startup/bounded
// mode needs (prefix "scan.startup" or "scan.bounded").
func (tb *table) modeArgs(o map[string]string, prefix, mode string) (int64, map[int32]int64, error) {
	tsKey, offKey := prefix+".timestamp-millis", prefix+".specific-offsets"
	switch mode {
	case modeTimestamp:
		ts, set, err := opts.Int64(o, tsKey, 0)
		if err != nil {
			return 0, nil, err
		}
		if !set {
			return 0, nil, connectors.Errorf("'%s' is required in '%s' mode but missing.", tsKey, modeTimestamp)
		}
		if ts < 0 {
			return 0, nil, connectors.Errorf("Option '%s' must not be negative, but was %d.", tsKey, ts)
		}
		return ts, nil, nil
	case modeSpecific:
		s, ok := o[offKey]
		if !ok {
			return 0, nil, connectors.Errorf("'%s' is required in '%s' mode but missing.", offKey, modeSpecific)
		}
		if len(tb.topics) != 1 {
			return 0, nil, connectors.Errorf("Option '%s' requires a single topic in option 'topic'.", offKey)
		}
		m, err := parseSpecificOffsets(offKey, s)
		return 0, m, err
	}
	return 0, nil, nil
}

// parseSpecificOffsets parses 'partition:0,offset:42;partition:1,offset:300'.
func parseSpecificOffsets(key, s string) (map[int32]int64, error) {
	bad := func() error {
		return connectors.Errorf("Invalid properties '%s' should follow the format 'partition:0,offset:42;partition:1,offset:300', but is '%s'.", key, s)
	}
	m := map[int32]int64{}
	for _, pair := range strings.Split(s, ";") {
		pair = strings.TrimSpace(pair)
		if pair == "" {
			continue
		}
		kv := strings.Split(pair, ",")
		if len(kv) != 2 || !strings.HasPrefix(kv[0], "partition:") || !strings.HasPrefix(strings.TrimSpace(kv[1]), "offset:") {
			return nil, bad()
		}
		p, err1 := strconv.ParseInt(strings.TrimSpace(strings.TrimPrefix(kv[0], "partition:")), 10, 32)
		off, err2 := strconv.ParseInt(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(kv[1]), "offset:")), 10, 64)
		if err1 != nil || err2 != nil || p < 0 || off < 0 {
			return nil, bad()
		}
		m[int32(p)] = off
	}
	if len(m) == 0 {
		return nil, bad()
	}
	return m, nil
}

func (tb *table) parseSink(o map[string]string) error {
	var err error
	guarantee := deliveryAtLeastOnce
	if s, ok := o["sink.semantic"]; ok { // deprecated name and values
		switch strings.ToLower(s) {
		case "exactly-once", "exactly_once":
			guarantee = deliveryExactlyOnce
		case "at-least-once", "at_least_once":
			guarantee = deliveryAtLeastOnce
		case "none":
			guarantee = deliveryNone
		default:
			return connectors.Errorf("Unsupported value '%s' for 'sink.semantic'. Supported values are ['at-least-once', 'exactly-once', 'none'].", s)
		}
	}
	if tb.delivery, err = opts.OneOf(o, "sink.delivery-guarantee", guarantee, deliveryNone, deliveryAtLeastOnce, deliveryExactlyOnce); err != nil {
		return err
	}
	tb.txnPrefix = o["sink.transactional-id-prefix"]
	if tb.partitioner, err = opts.OneOf(o, "sink.partitioner", "default", "default", "fixed", "round-robin"); err != nil {
		return err
	}
	if tb.partitioner == "round-robin" && len(tb.keyFields) > 0 {
		return connectors.Errorf("Currently 'round-robin' partitioner only works when option 'key.fields' is not specified.")
	}
	if tb.sinkPar, err = opts.Parallelism(o, "sink.parallelism"); err != nil {
		return err
	}
	if tb.bufferRows, _, err = opts.Int64(o, "sink.buffer-flush.max-rows", 0); err != nil {
		return err
	}
	if tb.bufferEvery, _, err = opts.Duration(o, "sink.buffer-flush.interval", 0); err != nil {
		return err
	}
	if tb.bufferRows < 0 || tb.bufferEvery < 0 {
		return connectors.Errorf("'sink.buffer-flush.max-rows' and 'sink.buffer-flush.interval' must not be negative.")
	}
	if (tb.bufferRows > 0) != (tb.bufferEvery > 0) {
		return connectors.Errorf("'sink.buffer-flush.max-rows' and 'sink.buffer-flush.interval' must be set to be greater than zero together to enable sink buffer flushing.")
	}
	return nil
}
