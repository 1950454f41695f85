package connectors

import (
	"strings"
)

// Masked is what a secret value is shown as.
const Masked = "******"

// sensitiveKeyParts are Flink's GlobalConfiguration.SENSITIVE_KEYS (matched
// case-insensitively as substrings of the key), plus "credential".
var sensitiveKeyParts = []string{
	"password", "secret", "fs.azure.account.key", "apikey", "api-key", "auth-params",
	"service-key", "token", "basic-auth", "jaas.config", "http-headers", "credential",
}

// IsSensitiveKey reports whether the value of an option or configuration
// key must never be shown: the key contains, case-insensitively, one of
// Flink's sensitive words ("password", "secret", "token", ...).
func IsSensitiveKey(key string) bool {
	k := strings.ToLower(key)
	for _, s := range sensitiveKeyParts {
		if strings.Contains(k, s) {
			return true
		}
	}
	return false
}

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

// MaskURL masks the password inside a URL-like value: the password of a
// "scheme://user:password@host" userinfo and the value of any query or
// property parameter whose name is sensitive ("?password=x&user=y",
// ";password=x"). Values without "://" or '=' are returned unchanged.
func MaskURL(v string) string {
	if !strings.Contains(v, "://") && !strings.Contains(v, "=") {
		return v
	}
	out := v
	if i := strings.Index(out, "://"); i >= 0 {
		rest := out[i+3:]
		end := strings.IndexAny(rest, "/?#;")
		if end < 0 {
			end = len(rest)
		}
		auth := rest[:end]
		if at := strings.LastIndexByte(auth, '@'); at >= 0 {
			if c := strings.IndexByte(auth[:at], ':'); c >= 0 {
				out = out[:i+3] + auth[:c+1] + Masked + auth[at:] + rest[end:]
			}
		}
	}
	// Parameters: name=value separated by '&', ';' or '?'.
	var b strings.Builder
	start := 0
	changed := false
	for start < len(out) {
		sep := strings.IndexAny(out[start:], "?&;")
		var part string
		if sep < 0 {
			part = out[start:]
		} else {
			part = out[start : start+sep]
		}
		if eq := strings.IndexByte(part, '='); eq > 0 && IsSensitiveKey(part[:eq]) && !strings.Contains(part[:eq], "/") {
			b.WriteString(part[:eq+1])
			b.WriteString(Masked)
			changed = true
		} else {
			b.WriteString(part)
		}
		if sep < 0 {
			break
		}
		b.WriteByte(out[start+sep])
		start += sep + 1
	}
	if !changed {
		return out
	}
	return b.String()
}
