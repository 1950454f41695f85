// Package flinkconf reads Flink's configuration file, the way Flink's
// GlobalConfiguration does: from the directory FLINK_CONF_DIR names,
// `config.yaml` (Flink 1.19+: standard YAML, nested maps flattened into
// dotted keys, lists joined with ';') if it exists, else the legacy
// `flink-conf.yaml` (one "key: value" per line, '#' comments; Flink never
// parsed it as full YAML). The result is a flat map of keys to values,
// which the session takes as its initial configuration: file < -D < SET,
// as in Flink.
//
// Load is a pure function of the directory's files; it is safe for
// concurrent use.
package flinkconf

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"
)

// File names, newest first.
const (
	ConfigYAML     = "config.yaml"
	LegacyFlinkYML = "flink-conf.yaml"
)

// File is a configuration file as read.
type File struct {
	Path string            // the file read; "" when the directory holds neither
	Keys map[string]string // flattened keys and values
	// Warnings are lines of a legacy file Flink skips with a warning
	// (no "key: value"), each naming the file and line.
	Warnings []string
}

// Load reads the configuration file in dir; an error names the file and,
// for config.yaml, the line and column of what it cannot read.
func Load(dir string) (File, error) {
	if dir == "" {
		return File{}, nil
	}
	p := filepath.Join(dir, ConfigYAML)
	b, err := os.ReadFile(p)
	if err == nil {
		m, err := parseYAML(p, b)
		return File{Path: p, Keys: m}, err
	}
	if !errors.Is(err, os.ErrNotExist) {
		return File{}, fmt.Errorf("cannot read the Flink configuration %s: %w", p, err)
	}
	p = filepath.Join(dir, LegacyFlinkYML)
	b, err = os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return File{}, nil
	}
	if err != nil {
		return File{}, fmt.Errorf("cannot read the Flink configuration %s: %w", p, err)
	}
	m, warnings := parseLegacy(p, b)
	return File{Path: p, Keys: m, Warnings: warnings}, nil
}

// parseYAML flattens a config.yaml document.
func parseYAML(path string, b []byte) (map[string]string, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(b, &root); err != nil {
		return nil, fmt.Errorf("%s is not valid YAML: %v (Flink 1.19+ reads config.yaml as standard YAML; a flat 'key: value' file belongs in %s)", path, err, LegacyFlinkYML)
	}
	out := map[string]string{}
	if len(root.Content) == 0 {
		return out, nil // empty file
	}
	doc := root.Content[0]
	if doc.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s:%d:%d: the configuration must be a mapping of keys to values", path, doc.Line, doc.Column)
	}
	if err := flatten(path, "", doc, out); err != nil {
		return nil, err
	}
	return out, nil
}

// flatten adds the keys of mapping n under prefix to out.
func flatten(path, prefix string, n *yaml.Node, out map[string]string) error {
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode || k.Value == "" {
			return fmt.Errorf("%s:%d:%d: a key must be a non-empty string", path, k.Line, k.Column)
		}
		key := k.Value
		if prefix != "" {
			key = prefix + "." + key
		}
		switch v.Kind {
		case yaml.MappingNode:
			if err := flatten(path, key, v, out); err != nil {
				return err
			}
		case yaml.SequenceNode:
			items := make([]string, 0, len(v.Content))
			for _, it := range v.Content {
				if it.Kind != yaml.ScalarNode {
					return fmt.Errorf("%s:%d:%d: the list of '%s' may hold only plain values", path, it.Line, it.Column, key)
				}
				items = append(items, it.Value)
			}
			out[key] = strings.Join(items, ";")
		case yaml.ScalarNode:
			if v.Tag == "!!null" {
				continue
			}
			out[key] = v.Value
		case yaml.AliasNode:
			if v.Alias != nil && v.Alias.Kind == yaml.ScalarNode {
				out[key] = v.Alias.Value
				continue
			}
			return fmt.Errorf("%s:%d:%d: '%s' is an alias of something other than a plain value", path, v.Line, v.Column, key)
		default:
			return fmt.Errorf("%s:%d:%d: unsupported value for '%s'", path, v.Line, v.Column, key)
		}
	}
	return nil
}

// parseLegacy reads flink-conf.yaml as Flink does: each line "key: value"
// split at the first ": ", '#' starting a comment, blank lines skipped, a
// line without ": " skipped with a warning.
func parseLegacy(path string, b []byte) (map[string]string, []string) {
	out := map[string]string{}
	var warnings []string
	for i, line := range strings.Split(string(b), "\n") {
		if c := strings.IndexByte(line, '#'); c >= 0 {
			line = line[:c]
		}
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		k, v, ok := strings.Cut(line, ": ")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || k == "" || v == "" {
			warnings = append(warnings, fmt.Sprintf("%s:%d: not 'key: value' (a colon and a space); skipped, as Flink does", path, i+1))
			continue
		}
		out[k] = v
	}
	return out, warnings
}
