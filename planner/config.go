package planner

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Config is a session's configuration: the keys set with SET (or -D), as
// written. Lookups go through the current key name and fall back to
// Flink's deprecated names (reference §2), so both work.
type Config struct {
	values map[string]string
}

// NewConfig returns an empty configuration.
func NewConfig() *Config { return &Config{values: map[string]string{}} }

// Clone returns an independent copy.
func (c *Config) Clone() *Config {
	n := NewConfig()
	for k, v := range c.values {
		n.values[k] = v
	}
	return n
}

// deprecatedKeys maps a current key to its older names, newest first.
var deprecatedKeys = map[string][]string{
	"execution.checkpointing.dir":                            {"state.checkpoints.dir", "state.backend.fs.checkpointdir"},
	"execution.checkpointing.savepoint-dir":                  {"state.savepoints.dir", "savepoints.state.backend.fs.dir"},
	"execution.checkpointing.num-retained":                   {"state.checkpoints.num-retained"},
	"execution.checkpointing.incremental":                    {"state.backend.incremental"},
	"execution.checkpointing.create-subdir":                  {"state.checkpoints.create-subdir"},
	"execution.checkpointing.storage":                        {"state.checkpoint-storage"},
	"execution.checkpointing.unaligned.enabled":              {"execution.checkpointing.unaligned"},
	"execution.checkpointing.aligned-checkpoint-timeout":     {"execution.checkpointing.alignment-timeout"},
	"execution.checkpointing.checkpoints-after-tasks-finish": {"execution.checkpointing.checkpoints-after-tasks-finish.enabled"},
	"execution.checkpointing.data-inline-threshold":          {"state.storage.fs.memory-threshold", "state.backend.fs.memory-threshold"},
	"execution.checkpointing.write-buffer-size":              {"state.storage.fs.write-buffer-size", "state.backend.fs.write-buffer-size"},
	"execution.checkpointing.cleaner.parallel-mode":          {"state.checkpoint.cleaner.parallel-mode"},
	"execution.checkpointing.local-backup.enabled":           {"state.backend.local-recovery"},
	"execution.state-recovery.path":                          {"execution.savepoint.path"},
	"execution.state-recovery.ignore-unclaimed-state":        {"execution.savepoint.ignore-unclaimed-state"},
	"execution.state-recovery.claim-mode":                    {"execution.savepoint-restore-mode"},
	"state.backend.type":                                     {"state.backend"},
	"restart-strategy.type":                                  {"restart-strategy"},
	"pipeline.operator-chaining.enabled":                     {"pipeline.operator-chaining"},
	"sql-client.execution.result-mode":                       {"execution.result-mode"},
	"table.display.max-column-width":                         {"sql-client.display.max-column-width"},
}

// currentKey maps any accepted name to the current one.
var currentKey = func() map[string]string {
	m := map[string]string{}
	for cur, olds := range deprecatedKeys {
		for _, o := range olds {
			m[o] = cur
		}
	}
	return m
}()

// CanonicalKey returns the current name of a configuration key.
func CanonicalKey(k string) string {
	if c, ok := currentKey[k]; ok {
		return c
	}
	return k
}

// Set stores a value. Setting one name of a key replaces every other name
// of the same key, so SET; never shows two values for one option.
func (c *Config) Set(k, v string) {
	c.Reset(k)
	c.values[k] = v
}

// Reset removes a key under all its names.
func (c *Config) Reset(k string) {
	cur := CanonicalKey(k)
	delete(c.values, cur)
	for _, o := range deprecatedKeys[cur] {
		delete(c.values, o)
	}
}

// ResetAll removes every key.
func (c *Config) ResetAll() { c.values = map[string]string{} }

// Lookup finds a key by its current name or any deprecated name.
func (c *Config) Lookup(k string) (string, bool) {
	cur := CanonicalKey(k)
	if v, ok := c.values[cur]; ok {
		return v, true
	}
	for _, o := range deprecatedKeys[cur] {
		if v, ok := c.values[o]; ok {
			return v, true
		}
	}
	return "", false
}

// String returns the value or def.
func (c *Config) String(k, def string) string {
	if v, ok := c.Lookup(k); ok {
		return v
	}
	return def
}

// Int parses an integer option.
func (c *Config) Int(k string, def int) (int, error) {
	v, ok := c.Lookup(k)
	if !ok {
		return def, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return 0, fmt.Errorf("Could not parse value '%s' for key '%s'.", v, k)
	}
	return n, nil
}

// Bool parses a boolean option.
func (c *Config) Bool(k string, def bool) (bool, error) {
	v, ok := c.Lookup(k)
	if !ok {
		return def, nil
	}
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, fmt.Errorf("Could not parse value '%s' for key '%s'.", v, k)
}

// Duration parses a duration option in Flink's syntax: a bare number is
// milliseconds; units ms, s, min, h, d and their long forms are accepted
// ("10 s", "1min", "600000").
func (c *Config) Duration(k string, def time.Duration) (time.Duration, error) {
	v, ok := c.Lookup(k)
	if !ok {
		return def, nil
	}
	d, err := ParseDuration(v)
	if err != nil {
		return 0, fmt.Errorf("Could not parse value '%s' for key '%s'.", v, k)
	}
	return d, nil
}

// ParseDuration parses Flink's duration syntax (TimeUtils.parseDuration).
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(strings.ToLower(s))
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == 0 {
		return 0, fmt.Errorf("bad duration %q", s)
	}
	n, err := strconv.ParseInt(s[:i], 10, 64)
	if err != nil {
		return 0, err
	}
	unit := strings.TrimSpace(s[i:])
	var mult time.Duration
	switch unit {
	case "", "ms", "milli", "millis", "millisecond", "milliseconds":
		mult = time.Millisecond
	case "ns", "nano", "nanos", "nanosecond", "nanoseconds":
		mult = time.Nanosecond
	case "µs", "us", "micro", "micros", "microsecond", "microseconds":
		mult = time.Microsecond
	case "s", "sec", "secs", "second", "seconds":
		mult = time.Second
	case "m", "min", "mins", "minute", "minutes":
		mult = time.Minute
	case "h", "hour", "hours":
		mult = time.Hour
	case "d", "day", "days":
		mult = 24 * time.Hour
	default:
		return 0, fmt.Errorf("bad duration unit %q", unit)
	}
	return time.Duration(n) * mult, nil
}

// Entries returns the set keys sorted by name, for SET;.
func (c *Config) Entries() [][2]string {
	out := make([][2]string, 0, len(c.values))
	for k, v := range c.values {
		out = append(out, [2]string{k, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	return out
}

// Map returns the configuration as a map keyed by current names.
func (c *Config) Map() map[string]string {
	m := make(map[string]string, len(c.values))
	for k, v := range c.values {
		m[CanonicalKey(k)] = v
	}
	return m
}

// IsSecretKey reports keys whose values are never shown (passwords, secrets).
func IsSecretKey(k string) bool {
	k = strings.ToLower(k)
	for _, s := range []string{"password", "secret", "token", "credential", "sasl.jaas.config"} {
		if strings.Contains(k, s) {
			return true
		}
	}
	return false
}
