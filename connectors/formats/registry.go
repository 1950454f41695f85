package formats

import (
	"sort"
	"strings"
	"sync"
)

var (
	mu      sync.RWMutex
	formats = map[string]Format{}
)

// Register adds a format; it panics on a duplicate identifier.
func Register(f Format) {
	mu.Lock()
	defer mu.Unlock()
	if _, dup := formats[f.Identifier()]; dup {
		panic("formats: duplicate format " + f.Identifier())
	}
	formats[f.Identifier()] = f
}

// Lookup returns the format for a 'format' value.
func Lookup(id string) (Format, bool) {
	mu.RLock()
	defer mu.RUnlock()
	f, ok := formats[id]
	return f, ok
}

// Identifiers lists the registered formats, sorted.
func Identifiers() []string {
	mu.RLock()
	defer mu.RUnlock()
	out := make([]string, 0, len(formats))
	for id := range formats {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

// OptionKeys returns the option keys of format id with prefix prepended
// ("" for the filesystem connector, "value." for kafka's value format), for
// connectors.ValidateOptions' extra keys. Unknown formats have none.
func OptionKeys(id, prefix string) []string {
	f, ok := Lookup(id)
	if !ok {
		return nil
	}
	keys := f.OptionKeys()
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = prefix + k
	}
	return out
}

// ScopedOptions returns the options starting with prefix+id+".", with
// prefix removed (keys keep the format identifier: "csv.field-delimiter").
func ScopedOptions(opts map[string]string, id, prefix string) map[string]string {
	out := map[string]string{}
	full := prefix + id + "."
	for k, v := range opts {
		if strings.HasPrefix(k, full) {
			out[k[len(prefix):]] = v
		}
	}
	return out
}
