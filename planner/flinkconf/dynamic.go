package flinkconf

import (
	"fmt"
	"io"
	"strings"
)

// Dynamic holds a binary's -D key=value options (a flag.Value).
type Dynamic map[string]string

func (d Dynamic) String() string { return "" }

// Set takes one key=value.
func (d Dynamic) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || strings.TrimSpace(k) == "" {
		return fmt.Errorf("expected key=value, got %q", s)
	}
	d[strings.TrimSpace(k)] = strings.TrimSpace(v)
	return nil
}

// Resolve adds to d the keys of the configuration file in dir
// (FLINK_CONF_DIR; "" for none) that d does not set — file < -D — and
// tells stderr which file was read and what in it was suspicious.
func Resolve(dir string, d Dynamic, stderr io.Writer) error {
	f, err := Load(dir)
	if err != nil {
		return err
	}
	for _, w := range f.Warnings {
		fmt.Fprintf(stderr, "[WARN] %s\n", w)
	}
	if f.Path != "" {
		fmt.Fprintf(stderr, "[INFO] Read the Flink configuration %s (%d keys; -D and SET override them).\n", f.Path, len(f.Keys))
	}
	for k, v := range f.Keys {
		if _, set := d[k]; !set {
			d[k] = v
		}
	}
	return nil
}
