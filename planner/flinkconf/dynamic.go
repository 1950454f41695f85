package flinkconf

import (
	"flag"
	"fmt"
	"io"
	"os"
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

// ParseProcessArgs parses the command line of a cluster process
// (jobmanager, taskmanager): -D key=value options and -h/--help, then
// merges the FLINK_CONF_DIR configuration file under them (Resolve). When
// exit is true the process ends with code (help printed to stdout, or an
// error with the usage to stderr).
func ParseProcessArgs(name, usage string, args []string, stdout, stderr io.Writer) (conf Dynamic, code int, exit bool) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage) }
	conf = Dynamic{}
	var help bool
	fs.Var(conf, "D", "configuration key=value")
	fs.BoolVar(&help, "h", false, "help")
	fs.BoolVar(&help, "help", false, "help")
	if err := fs.Parse(args); err != nil {
		return nil, 1, true
	}
	if help {
		fmt.Fprint(stdout, usage)
		return nil, 0, true
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "Unknown argument %q.\n\n%s", fs.Arg(0), usage)
		return nil, 1, true
	}
	if err := Resolve(os.Getenv("FLINK_CONF_DIR"), conf, stderr); err != nil {
		fmt.Fprintf(stderr, "[ERROR] %v\n", err)
		return nil, 1, true
	}
	return conf, 0, false
}
