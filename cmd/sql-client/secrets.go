package main

import (
	"io"
	"sync"

	"github.com/flinkgo/engine/sql"
)

// secretValues are the secret values of the statements and -D options the
// client has seen (sql.SecretValues); messages that may repeat them (errors,
// job failures, status lines, the session's log) are masked with them.
type secretValues struct {
	mu     sync.Mutex
	values []string
}

// add records the secrets of a statement or script text.
func (s *secretValues) add(text string) {
	v := sql.SecretValues(text)
	s.mu.Lock()
	s.values = append(s.values, v...)
	s.mu.Unlock()
}

// mask returns msg with the recorded secrets masked.
func (s *secretValues) mask(msg string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return sql.MaskValues(msg, s.values)
}

// maskingWriter writes to w with the secrets masked; the session's log goes
// through it.
type maskingWriter struct {
	w       io.Writer
	secrets *secretValues
}

func (m maskingWriter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(m.w, m.secrets.mask(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}
