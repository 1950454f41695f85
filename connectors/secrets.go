package connectors

import (
	"github.com/flinkgo/engine/sql"
)

// Masked is what a secret value is shown as.
const Masked = sql.Masked

// IsSensitiveKey reports whether the value of an option or configuration
// key must never be shown: the key contains, case-insensitively, one of
// Flink's sensitive words ("password", "secret", "token", ...). It is
// sql.IsSensitiveKey, which also masks statement texts.
func IsSensitiveKey(key string) bool { return sql.IsSensitiveKey(key) }

// MaskURL masks the passwords inside a URL-like value; see sql.MaskURL.
func MaskURL(v string) string { return sql.MaskURL(v) }

// MaskValue returns the value of key as it may be shown: Masked for a
// sensitive key, otherwise the value with any password inside a URL masked
// (see MaskURL).
func MaskValue(key, value string) string {
	if IsSensitiveKey(key) {
		return Masked
	}
	return MaskURL(value)
}

// MaskOptions returns a copy of options with every value passed through
// MaskValue.
func MaskOptions(options map[string]string) map[string]string {
	out := make(map[string]string, len(options))
	for k, v := range options {
		out[k] = MaskValue(k, v)
	}
	return out
}
