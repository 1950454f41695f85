package sql

import (
	"cmp"
	"slices"
	"strings"
	"unicode/utf8"
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

// MaskText returns statement or script text as it may be shown (echoed,
// quoted in an error, kept in a history): the value assigned to a sensitive
// key is replaced by Masked ('password' = '******', SET 's3.secret-key' =
// ******, also inside comments and /*+ OPTIONS(...) */ hints) and passwords
// inside other string literals are masked by MaskURL. Everything else,
// layout included, is kept.
func MaskText(text string) string {
	var b strings.Builder
	last := 0
	for _, s := range findSecrets(text) {
		b.WriteString(text[last:s.start])
		b.WriteString(s.repl)
		last = s.end
	}
	if last == 0 {
		return text
	}
	b.WriteString(text[last:])
	return b.String()
}

// SecretValues returns the secrets MaskText hides in text, in the forms a
// message may repeat them: as written (quotes included) and as values.
func SecretValues(text string) []string {
	var out []string
	seen := map[string]bool{"": true, Masked: true}
	for _, s := range findSecrets(text) {
		for _, v := range s.values {
			if !seen[v] {
				seen[v] = true
				out = append(out, v)
			}
		}
	}
	return out
}

// MaskValues replaces in msg every occurrence of one of the secret values
// (and of its Java-escaped form, as parse errors quote tokens) by Masked. A
// value that starts or ends with a word character is only replaced where
// it does not continue a longer word, so that a short secret does not
// garble the message.
func MaskValues(msg string, values []string) string {
	for _, v := range values {
		msg = replaceWord(msg, v, Masked)
		if e := javaEscape(v); e != v {
			msg = replaceWord(msg, e, Masked)
		}
	}
	return msg
}

// replaceWord replaces the occurrences of old in s that are not part of a
// longer word.
func replaceWord(s, old, repl string) string {
	if old == "" || !strings.Contains(s, old) {
		return s
	}
	first, _ := utf8.DecodeRuneInString(old)
	lastR, _ := utf8.DecodeLastRuneInString(old)
	var b strings.Builder
	last := 0
	for from := 0; ; {
		i := strings.Index(s[from:], old)
		if i < 0 {
			break
		}
		i += from
		j := i + len(old)
		before, _ := utf8.DecodeLastRuneInString(s[:i])
		after, _ := utf8.DecodeRuneInString(s[j:])
		if (i > 0 && isIdentPart(first) && isIdentPart(before)) || (j < len(s) && isIdentPart(lastR) && isIdentPart(after)) {
			from = i + 1
			continue
		}
		b.WriteString(s[last:i])
		b.WriteString(repl)
		last, from = j, j
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// secret is a secret found in a text: bytes [start, end) are shown as repl;
// values are the forms it may take in a message.
type secret struct {
	start, end int
	repl       string
	values     []string
}

// findSecrets returns the secrets of text in order. A secret is
//
//   - the value after a sensitive key and '=' (or directly after a quoted
//     sensitive key, as in the malformed 'password' 'x'): one quoted token, or
//     an unquoted run of tokens without spaces between them up to a ';';
//   - the password MaskURL finds in any other string literal or unquoted
//     value after '=';
//   - a secret inside a comment, found in the comment's text.
//
// A key is a quoted token or a run of words, numbers, '.' and '-' without
// spaces between them (s3.secret-key).
func findSecrets(text string) []secret {
	toks := Tokenize(text, Pos{Line: 1, Col: 1})
	var out []secret
	for _, t := range toks {
		if t.Kind == TokComment {
			if s, ok := commentSecret(t); ok {
				out = append(out, s)
			}
		}
	}
	sig := significant(toks)
	done := make([]bool, len(sig))
	for i := 1; i < len(sig); i++ {
		v := i
		switch {
		case sig[i].IsOp("=") && i+1 < len(sig):
			v = i + 1
		case sig[i].Kind == TokString && isQuoted(sig[i-1]):
		default:
			continue
		}
		sensitive := IsSensitiveKey(keyBefore(sig, i))
		if done[v] || sig[v].Kind == TokEOF || sig[v].IsOp(";") || (!sensitive && v == i) {
			continue
		}
		end := v
		if !isQuoted(sig[v]) {
			for end+1 < len(sig) && sig[end+1].Pos.Offset == sig[end].End && !sig[end+1].IsOp(";") {
				end++
			}
		}
		start, stop := sig[v].Pos.Offset, sig[end].End
		var s secret
		var ok bool
		switch {
		case sensitive:
			s, ok = secret{start: start, end: stop, repl: maskedLike(sig[v], end > v),
				values: []string{text[start:stop], sig[v].Value()}}, true
			for _, t := range sig[v : end+1] {
				if isQuoted(t) {
					q := t.Text[:1]
					s.values = append(s.values, t.Text, t.Value(), strings.ReplaceAll(t.Value(), q, q+q))
				}
			}
		case isQuoted(sig[v]):
			s, ok = literalSecret(sig[v])
		default:
			s, ok = urlSecret(text[start:stop], start)
		}
		if ok {
			out = append(out, s)
			for k := v; k <= end; k++ {
				done[k] = true
			}
		}
	}
	for i, t := range sig {
		if !done[i] && isQuoted(t) {
			if s, ok := literalSecret(t); ok {
				out = append(out, s)
			}
		}
	}
	slices.SortFunc(out, func(a, b secret) int { return cmp.Compare(a.start, b.start) })
	return out
}

// keyBefore returns the key that ends just before sig[i]: a quoted token's
// value, or the text of a run of words, numbers, '.' and '-' without spaces
// between them; "" when there is none.
func keyBefore(sig []Token, i int) string {
	k := sig[i-1]
	if isQuoted(k) {
		return k.Value()
	}
	isKeyPart := func(t Token) bool {
		return t.Kind == TokIdent || t.Kind == TokNumber || t.IsOp(".") || t.IsOp("-")
	}
	if !isKeyPart(k) {
		return ""
	}
	key := k.Text
	for j := i - 2; j >= 0 && isKeyPart(sig[j]) && sig[j].End == sig[j+1].Pos.Offset; j-- {
		key = sig[j].Text + key
	}
	return key
}

// isQuoted reports whether t is a string literal or quoted identifier.
func isQuoted(t Token) bool {
	return t.Kind == TokString || t.Kind == TokQuotedIdent || t.Kind == TokDoubleQuoted
}

// maskedLike is Masked written the way t was: in t's quotes (without the
// closing one when t is unterminated), bare for an unquoted value or run.
func maskedLike(t Token, run bool) string {
	if run || !isQuoted(t) {
		return Masked
	}
	q := t.Text[:1]
	if t.Unterminated {
		return q + Masked
	}
	return q + Masked + q
}

// literalSecret masks the passwords MaskURL finds in a quoted token; the
// masked value is quoted again.
func literalSecret(t Token) (secret, bool) {
	q := t.Text[:1]
	s, ok := urlSecret(t.Value(), t.Pos.Offset)
	if !ok {
		return s, false
	}
	s.end = t.End
	s.repl = q + strings.ReplaceAll(s.repl, q, q+q)
	if !t.Unterminated {
		s.repl += q
	}
	for _, v := range s.values {
		if w := strings.ReplaceAll(v, q, q+q); w != v {
			s.values = append(s.values, w)
		}
	}
	return s, true
}

// urlSecret masks the passwords MaskURL finds in value, written at offset
// start; the values are the passwords.
func urlSecret(value string, start int) (secret, bool) {
	rs := urlSecrets(value)
	if len(rs) == 0 {
		return secret{}, false
	}
	s := secret{start: start, end: start + len(value), repl: applyRegions(value, rs, Masked)}
	for _, r := range rs {
		s.values = append(s.values, value[r.start:r.end])
	}
	return s, true
}

// commentSecret masks the secrets in a comment (or optimizer hint): its
// text is masked as SQL, then passwords in URLs of the result.
func commentSecret(t Token) (secret, bool) {
	open, body, closing := t.Text[:2], t.Text[2:], ""
	if open == "/*" && !t.Unterminated {
		body, closing = body[:len(body)-2], "*/"
	}
	inner := MaskText(body)
	rs := urlSecrets(inner)
	if inner == body && len(rs) == 0 {
		return secret{}, false
	}
	values := SecretValues(body)
	for _, r := range rs {
		values = append(values, inner[r.start:r.end])
	}
	return secret{start: t.Pos.Offset, end: t.End, repl: open + applyRegions(inner, rs, Masked) + closing, values: values}, true
}
