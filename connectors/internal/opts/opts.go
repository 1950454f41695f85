// Package opts parses connector option values the way Flink's
// ConfigOptions do (booleans, integers, durations, memory sizes) and words
// the errors as Flink does.
package opts

import (
	"strconv"
	"strings"
	"time"

	"github.com/flinkgo/engine/connectors"
)

func parseErr(key, val string) error {
	return connectors.Errorf("Could not parse value '%s' for key '%s'.", val, key)
}

// Bool reads a boolean option (true/false, case-insensitive).
func Bool(o map[string]string, key string, def bool) (bool, error) {
	s, ok := o[key]
	if !ok {
		return def, nil
	}
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, parseErr(key, s)
}

// Int64 reads an integer option.
func Int64(o map[string]string, key string, def int64) (int64, bool, error) {
	s, ok := o[key]
	if !ok {
		return def, false, nil
	}
	v, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return 0, true, parseErr(key, s)
	}
	return v, true, nil
}

// Float64 reads a floating-point option.
func Float64(o map[string]string, key string, def float64) (float64, bool, error) {
	s, ok := o[key]
	if !ok {
		return def, false, nil
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return 0, true, parseErr(key, s)
	}
	return v, true, nil
}

// Parallelism reads a parallelism option (a positive integer), 0 if unset.
func Parallelism(o map[string]string, key string) (int, error) {
	v, set, err := Int64(o, key, 0)
	if err != nil {
		return 0, err
	}
	if set && (v < 1 || v > 1<<15) {
		return 0, connectors.Errorf("Invalid value for option '%s': parallelism must be a positive integer, but was %d.", key, v)
	}
	return int(v), nil
}

var durationUnits = []struct {
	names []string
	unit  time.Duration
}{
	{[]string{"d", "day", "days"}, 24 * time.Hour},
	{[]string{"h", "hour", "hours"}, time.Hour},
	{[]string{"min", "m", "minute", "minutes"}, time.Minute},
	{[]string{"s", "sec", "secs", "second", "seconds"}, time.Second},
	{[]string{"ms", "milli", "millis", "millisecond", "milliseconds"}, time.Millisecond},
	{[]string{"µs", "micro", "micros", "microsecond", "microseconds"}, time.Microsecond},
	{[]string{"ns", "nano", "nanos", "nanosecond", "nanoseconds"}, time.Nanosecond},
}

// ParseDuration parses Flink's duration syntax: a number with an optional
// unit ("10 s", "1min", "500ms", "2 d"); no unit means milliseconds.
func ParseDuration(s string) (time.Duration, bool) {
	t := strings.TrimSpace(s)
	i := 0
	for i < len(t) && t[i] >= '0' && t[i] <= '9' {
		i++
	}
	if i == 0 {
		return 0, false
	}
	n, err := strconv.ParseInt(t[:i], 10, 64)
	if err != nil {
		return 0, false
	}
	unit := strings.ToLower(strings.TrimSpace(t[i:]))
	if unit == "" {
		return time.Duration(n) * time.Millisecond, true
	}
	for _, u := range durationUnits {
		for _, name := range u.names {
			if unit == name {
				if n > int64(1<<63-1)/int64(u.unit) {
					return 0, false
				}
				return time.Duration(n) * u.unit, true
			}
		}
	}
	return 0, false
}

// Duration reads a duration option.
func Duration(o map[string]string, key string, def time.Duration) (time.Duration, bool, error) {
	s, ok := o[key]
	if !ok {
		return def, false, nil
	}
	d, valid := ParseDuration(s)
	if !valid {
		return 0, true, parseErr(key, s)
	}
	return d, true, nil
}

var memoryUnits = []struct {
	names []string
	mult  int64
}{
	{[]string{"b", "bytes"}, 1},
	{[]string{"k", "kb", "kibibytes"}, 1 << 10},
	{[]string{"m", "mb", "mebibytes"}, 1 << 20},
	{[]string{"g", "gb", "gibibytes"}, 1 << 30},
	{[]string{"t", "tb", "tebibytes"}, 1 << 40},
}

// MemorySize reads a memory size option ("128MB", "1 kb", "4096"; units are
// powers of 1024, no unit means bytes).
func MemorySize(o map[string]string, key string, def int64) (int64, error) {
	s, ok := o[key]
	if !ok {
		return def, nil
	}
	t := strings.TrimSpace(s)
	i := 0
	for i < len(t) && t[i] >= '0' && t[i] <= '9' {
		i++
	}
	n, err := strconv.ParseInt(t[:i], 10, 64)
	if i == 0 || err != nil {
		return 0, parseErr(key, s)
	}
	unit := strings.ToLower(strings.TrimSpace(t[i:]))
	if unit == "" {
		return n, nil
	}
	for _, u := range memoryUnits {
		for _, name := range u.names {
			if unit == name && n <= (1<<63-1)/u.mult {
				return n * u.mult, nil
			}
		}
	}
	return 0, parseErr(key, s)
}

// OneOf reads an option restricted to allowed values (case-insensitive).
func OneOf(o map[string]string, key, def string, allowed ...string) (string, error) {
	s, ok := o[key]
	if !ok {
		return def, nil
	}
	for _, a := range allowed {
		if strings.EqualFold(strings.TrimSpace(s), a) {
			return a, nil
		}
	}
	return "", connectors.Errorf("Invalid value for option '%s'. Supported values are [%s], but was: %s",
		key, strings.Join(allowed, ", "), s)
}
