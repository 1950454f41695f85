package formats

import (
	"strconv"
	"strings"

	"github.com/flinkgo/engine/connectors"
)

// charOption reads a single-character option; Java escapes such as '\t'
// are unescaped first, as Flink does.
func charOption(opts map[string]string, key string, def byte) (byte, bool, error) {
	s, ok := opts[key]
	if !ok {
		return def, false, nil
	}
	u := unescapeJava(s)
	if len(u) != 1 {
		return 0, false, connectors.Errorf("Option '%s' must be a string with single character, but was: %s", key, s)
	}
	return u[0], true, nil
}

// unescapeJava resolves Java string escapes (\t, \n, \\, \uXXXX, octal).
func unescapeJava(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		switch s[i] {
		case 't':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'u':
			if i+4 < len(s) {
				if r, err := strconv.ParseUint(s[i+1:i+5], 16, 32); err == nil {
					b.WriteRune(rune(r))
					i += 4
					continue
				}
			}
			b.WriteString(`\u`)
		default:
			if s[i] >= '0' && s[i] <= '7' {
				j := i
				n := 0
				for j < len(s) && j < i+3 && s[j] >= '0' && s[j] <= '7' {
					n = n*8 + int(s[j]-'0')
					j++
				}
				b.WriteRune(rune(n))
				i = j - 1
				continue
			}
			b.WriteByte(s[i])
		}
	}
	return b.String()
}
