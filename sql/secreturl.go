package sql

import (
	"cmp"
	"slices"
	"strings"
)

// region is the byte range [start, end) of a secret inside a value.
type region struct{ start, end int }

// MaskURL masks the passwords inside a URL-like value, whatever its shape:
//
//   - the password of a user-info, "scheme://user:password@host", which runs
//     from the first ':' to the last '@' so that a password holding '/', '?',
//     '#', ';', '@' or ':' is masked whole;
//   - Oracle's "jdbc:oracle:thin:user/password@host";
//   - the value of every parameter with a sensitive name (IsSensitiveKey):
//     "?password=x&user=y", "jdbc:sqlserver://h;password=x",
//     "host=h password=x", "pass%77ord=x"; the value runs to the next
//     parameter ("&name=", ";name=", " name=") or the end, or is a
//     "{...}" block as SQL Server writes values holding ';';
//   - any of these written URL-encoded ("jdbc%3Amysql%3A%2F%2Fu%3Ap%40h"):
//     then the whole value is masked.
//
// Each password becomes Masked; everything else is kept.
func MaskURL(v string) string {
	return applyRegions(v, urlSecrets(v), Masked)
}

// urlSecrets returns the sorted, disjoint regions of v that MaskURL masks.
func urlSecrets(v string) []region {
	var rs []region
	rs = append(rs, userInfoSecrets(v)...)
	rs = append(rs, oracleSecrets(v)...)
	rs = append(rs, paramSecrets(v)...)
	if len(rs) == 0 {
		if dec := percentDecode(v); dec != v && len(urlSecrets(dec)) > 0 {
			return []region{{0, len(v)}}
		}
		return nil
	}
	return mergeRegions(rs)
}

// userInfoSecrets finds the password of each "://user:password@" in v: from
// the first ':' after "://" to the last '@' of v. The user part (before
// the ':') holds none of "/?#;", which a user name cannot contain unencoded.
func userInfoSecrets(v string) []region {
	var rs []region
	for from := 0; ; {
		i := strings.Index(v[from:], "://")
		if i < 0 {
			return rs
		}
		start := from + i + 3
		from = start
		rest := v[start:]
		at := strings.LastIndexByte(rest, '@')
		if at < 0 {
			return rs
		}
		c := strings.IndexByte(rest[:at], ':')
		if c < 0 || strings.ContainsAny(rest[:c], "/?#;") {
			continue
		}
		rs = append(rs, region{start + c + 1, start + at})
		from = start + at
	}
}

// oracleSecrets finds the password of Oracle's "jdbc:oracle:<driver>:user/password@..."
// form: from the first '/' to the last '@'.
func oracleSecrets(v string) []region {
	const prefix = "jdbc:oracle:"
	i := strings.Index(strings.ToLower(v), prefix)
	if i < 0 {
		return nil
	}
	start := i + len(prefix)
	d := strings.IndexByte(v[start:], ':')
	if d < 0 {
		return nil
	}
	start += d + 1
	rest := v[start:]
	at := strings.LastIndexByte(rest, '@')
	if at < 0 {
		return nil
	}
	slash := strings.IndexByte(rest[:at], '/')
	if slash < 0 {
		return nil
	}
	return []region{{start + slash + 1, start + at}}
}

// paramSeparators end one parameter of a URL or connection string and start
// the next.
const paramSeparators = "?&;, \t\r\n"

// paramSecrets finds the values of parameters with a sensitive name: a name
// at the start of v or after a separator, followed by '='.
func paramSecrets(v string) []region {
	var rs []region
	for pos := 0; pos < len(v); {
		if name, eq, ok := paramAt(v, pos); ok && IsSensitiveKey(percentDecode(name)) {
			end := paramValueEnd(v, eq+1)
			rs = append(rs, region{eq + 1, end})
			pos = end
			continue
		}
		next := strings.IndexAny(v[pos:], paramSeparators)
		if next < 0 {
			break
		}
		pos += next + 1
	}
	return rs
}

// paramAt reads a parameter name at pos: characters up to '=' that are
// letters, digits or one of "._-%". It returns the name and the index of
// its '='.
func paramAt(v string, pos int) (name string, eq int, ok bool) {
	for i := pos; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '=':
			return v[pos:i], i, i > pos
		case c == '.' || c == '_' || c == '-' || c == '%' ||
			c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9':
		default:
			return "", 0, false
		}
	}
	return "", 0, false
}

// paramValueEnd returns where the value starting at start ends: after a
// "{...}" block ("}}" stands for '}'), else before the next separator that
// starts another "name=" parameter, else at the end of v.
func paramValueEnd(v string, start int) int {
	if start < len(v) && v[start] == '{' {
		for i := start + 1; i < len(v); i++ {
			if v[i] == '}' {
				if i+1 < len(v) && v[i+1] == '}' {
					i++
					continue
				}
				return i + 1
			}
		}
		return len(v)
	}
	for i := start; i < len(v); i++ {
		if strings.IndexByte(paramSeparators, v[i]) >= 0 {
			if _, _, ok := paramAt(v, i+1); ok {
				return i
			}
		}
	}
	return len(v)
}

// percentDecode decodes %XX escapes, keeping malformed ones as they are.
func percentDecode(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			if h, ok := unhex(s[i+1]); ok {
				if l, ok := unhex(s[i+2]); ok {
					b.WriteByte(h<<4 | l)
					i += 2
					continue
				}
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// unhex is the value of a hexadecimal digit.
func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// mergeRegions sorts regions and merges those that overlap or touch.
func mergeRegions(rs []region) []region {
	slices.SortFunc(rs, func(a, b region) int { return cmp.Compare(a.start, b.start) })
	out := rs[:1]
	for _, r := range rs[1:] {
		last := &out[len(out)-1]
		if r.start <= last.end {
			last.end = max(last.end, r.end)
			continue
		}
		out = append(out, r)
	}
	return out
}

// applyRegions replaces each of the sorted, disjoint regions of v by repl.
func applyRegions(v string, rs []region, repl string) string {
	if len(rs) == 0 {
		return v
	}
	var b strings.Builder
	last := 0
	for _, r := range rs {
		b.WriteString(v[last:r.start])
		b.WriteString(repl)
		last = r.end
	}
	b.WriteString(v[last:])
	return b.String()
}
