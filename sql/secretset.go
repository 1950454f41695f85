package sql

import (
	"io"
	"strings"
	"sync"
)

// SecretSet collects the secret values of the statements and options a
// client or server has seen (SecretValues), so that messages that may
// repeat them — errors, job failures, status lines, logs, REST responses —
// can be masked with them. Safe for concurrent use; the zero value is
// empty and ready.
type SecretSet struct {
	mu     sync.Mutex
	values []string
}

// Add records the secrets of a statement or script text.
func (s *SecretSet) Add(text string) {
	v := SecretValues(text)
	if len(v) == 0 {
		return
	}
	s.mu.Lock()
	s.values = append(s.values, v...)
	s.mu.Unlock()
}

// AddOption records the secret of a configuration option given outside
// SQL (-D key=value, a gateway session's properties): the secrets of the
// SET statement that would set it.
func (s *SecretSet) AddOption(key, value string) {
	quote := func(x string) string { return "'" + strings.ReplaceAll(x, "'", "''") + "'" }
	s.Add("SET " + quote(key) + " = " + quote(value))
}

// Mask returns msg with the recorded secrets masked.
func (s *SecretSet) Mask(msg string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return MaskValues(msg, s.values)
}

// MaskingWriter writes to W with the secrets of Secrets masked.
type MaskingWriter struct {
	W       io.Writer
	Secrets *SecretSet
}

func (m MaskingWriter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(m.W, m.Secrets.Mask(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}
