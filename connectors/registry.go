package connectors

import (
	"fmt"
	"sort"
	"strings"
	"sync"
)

var (
	mu        sync.RWMutex
	factories = map[string]Factory{}
)

// Register adds a connector factory; it panics on a duplicate identifier.
func Register(f Factory) {
	mu.Lock()
	defer mu.Unlock()
	if _, dup := factories[f.Identifier()]; dup {
		panic("connectors: duplicate connector " + f.Identifier())
	}
	factories[f.Identifier()] = f
}

// Lookup returns the factory for a 'connector' value.
func Lookup(id string) (Factory, bool) {
	mu.RLock()
	defer mu.RUnlock()
	f, ok := factories[id]
	return f, ok
}

// Identifiers lists registered connectors, sorted.
func Identifiers() []string {
	mu.RLock()
	defer mu.RUnlock()
	out := make([]string, 0, len(factories))
	for id := range factories {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

// ValidationError is a problem with a table's options or schema, reported
// as Flink's ValidationException.
type ValidationError struct{ Msg string }

func (e *ValidationError) Error() string { return e.Msg }
func (e *ValidationError) FlinkClass() string {
	return "org.apache.flink.table.api.ValidationException"
}

// Errorf builds a ValidationError.
func Errorf(format string, args ...any) error {
	return &ValidationError{Msg: fmt.Sprintf(format, args...)}
}

// ValidateOptions checks options against the factory's declared keys and
// returns Flink's message for unknown or missing ones. columns are the
// table's column names, substituted for '#' in patterns. Extra accepted keys
// (e.g. those of a format) are passed in extra.
func ValidateOptions(f Factory, options map[string]string, columns []string, extra []string) error {
	var missing []string
	for _, k := range f.RequiredOptions() {
		if _, ok := options[k]; !ok {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return Errorf("One or more required options are missing.\n\nMissing required options are:\n\n%s", strings.Join(missing, "\n"))
	}
	accepted := map[string]bool{"connector": true}
	var prefixes []string
	expand := func(k string) {
		switch {
		case strings.HasSuffix(k, "*"):
			prefixes = append(prefixes, strings.TrimSuffix(k, "*"))
		case strings.Contains(k, "#"):
			for _, c := range columns {
				accepted[strings.ReplaceAll(k, "#", c)] = true
			}
		default:
			accepted[k] = true
		}
	}
	for _, k := range f.RequiredOptions() {
		expand(k)
	}
	for _, k := range f.OptionalOptions() {
		expand(k)
	}
	for _, k := range extra {
		expand(k)
	}
	var unsupported []string
	for k := range options {
		if accepted[k] {
			continue
		}
		ok := false
		for _, p := range prefixes {
			if strings.HasPrefix(k, p) {
				ok = true
				break
			}
		}
		if !ok {
			unsupported = append(unsupported, k)
		}
	}
	if len(unsupported) == 0 {
		return nil
	}
	sort.Strings(unsupported)
	supported := make([]string, 0, len(accepted))
	for k := range accepted {
		supported = append(supported, k)
	}
	for _, p := range prefixes {
		supported = append(supported, p+"*")
	}
	sort.Strings(supported)
	return Errorf("Unsupported options found for '%s'.\n\nUnsupported options:\n\n%s\n\nSupported options:\n\n%s",
		f.Identifier(), strings.Join(unsupported, "\n"), strings.Join(supported, "\n"))
}
