package expr

import (
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/flinkgo/engine/runtime/types"
)

// String functions. Positions and lengths count characters (UTF-8 code
// points), 1-based. A NULL argument gives NULL unless stated otherwise.
//
// TRIM: the parser's TRIM([BOTH|LEADING|TRAILING] [chars] FROM s) maps to
//
//	TRIM(s)                        remove leading and trailing spaces
//	TRIM_BOTH(chars, s)            remove any of chars from both ends
//	TRIM_LEADING(chars, s)         ... from the start
//	TRIM_TRAILING(chars, s)        ... from the end
//
// (without chars the planner passes ' '). LTRIM(s[, chars]),
// RTRIM(s[, chars]) and BTRIM(s[, chars]) are the function forms.
//
// LIKE(s, pattern[, escape]) / NOT LIKE: '%' any sequence, '_' one
// character, case-sensitive; no escape character unless ESCAPE is given
// (a one-character string). SIMILAR TO(s, pattern[, escape]) /
// NOT SIMILAR TO: SQL regular expressions. Patterns, regular expressions
// and formats are compiled once and cached by their last text, so literal
// arguments compile once per evaluator.
//
// Regular expressions use Go's RE2 syntax (Java's look-around and
// back-references are not supported); an invalid expression gives NULL as
// in Flink. REGEXP_REPLACE takes Java replacement syntax ($1, \$).

func init() {
	fnSpec{name: "UPPER", params: "S", ret: retArg0, bind: fixed(func() Kernel { return caseKernel(true) })}.register("UCASE")
	fnSpec{name: "LOWER", params: "S", ret: retArg0, bind: fixed(func() Kernel { return caseKernel(false) })}.register("LCASE")
	fnSpec{name: "CONCAT", params: "S*", ret: concatType, bind: fixed(func() Kernel { return concatKernel })}.register()
	Register(&Function{Name: "||", Infix: "||", MinArgs: 2, MaxArgs: 2,
		Infer: func(args []*types.Type) (*types.Type, error) {
			for _, a := range args {
				if !isStringOrNull(a) {
					return nil, applyError("||", true, args, "<STRING> || <STRING>")
				}
			}
			return concatType(args), nil
		},
		Bind: func(args []*types.Type, ret *types.Type) (Kernel, error) {
			return coerceArgs(concatKernel, args, nullTargets(args, types.String))
		}})
	fnSpec{name: "CONCAT_WS", params: "SS*", ret: func(args []*types.Type) *types.Type {
		return types.String.WithNullable(args[0].Nullable())
	}, bind: fixed(func() Kernel { return concatWsKernel })}.register()
	fnSpec{name: "SUBSTRING", params: "SIi", ret: substrType, bind: fixed(func() Kernel { return strKernel(substringRow) })}.register("SUBSTR")
	fnSpec{name: "TRIM", params: "S", ret: retString, bind: trimBind(true, true, false)}.register()
	fnSpec{name: "TRIM_BOTH", params: "SS", ret: retString, bind: trimBind(true, true, true)}.register()
	fnSpec{name: "TRIM_LEADING", params: "SS", ret: retString, bind: trimBind(true, false, true)}.register()
	fnSpec{name: "TRIM_TRAILING", params: "SS", ret: retString, bind: trimBind(false, true, true)}.register()
	fnSpec{name: "LTRIM", params: "Ss", ret: retString, bind: trimBind(true, false, false)}.register()
	fnSpec{name: "RTRIM", params: "Ss", ret: retString, bind: trimBind(false, true, false)}.register()
	fnSpec{name: "BTRIM", params: "Ss", ret: retString, bind: trimBind(true, true, false)}.register()
	fnSpec{name: "CHAR_LENGTH", params: "S", ret: retInt, bind: fixed(func() Kernel { return charLengthKernel })}.register("CHARACTER_LENGTH")
	fnSpec{name: "REPLACE", params: "SSS", ret: retString, bind: fixed(func() Kernel { return strKernel(replaceRow) })}.register()
	fnSpec{name: "REGEXP_EXTRACT", params: "SSi", ret: retNullable(types.String), bind: fixed(regexpExtractKernel)}.register()
	fnSpec{name: "REGEXP_REPLACE", params: "SSS", ret: retNullable(types.String), bind: fixed(regexpReplaceKernel)}.register()
	fnSpec{name: "REGEXP", params: "SS", ret: retNullable(types.Boolean), bind: fixed(regexpMatchKernel)}.register()
	fnSpec{name: "SPLIT_INDEX", params: "SSI", ret: retNullable(types.String), bind: fixed(func() Kernel { return strKernel(splitIndexRow) })}.register()
	fnSpec{name: "SPLIT", params: "SS", ret: func(args []*types.Type) *types.Type {
		return nullableIf(types.ArrayOf(types.String.WithNullable(false)), args)
	}, bind: fixed(func() Kernel { return splitKernel })}.register()
	fnSpec{name: "INITCAP", params: "S", ret: retArg0, bind: fixed(func() Kernel { return strKernel(initcapRow) })}.register()
	fnSpec{name: "LPAD", params: "SIS", ret: retNullable(types.String), bind: fixed(func() Kernel { return strKernel(padRow(true)) })}.register()
	fnSpec{name: "RPAD", params: "SIS", ret: retNullable(types.String), bind: fixed(func() Kernel { return strKernel(padRow(false)) })}.register()
	fnSpec{name: "REPEAT", params: "SI", ret: retString, bind: fixed(func() Kernel { return strKernel(repeatRow) })}.register()
	fnSpec{name: "REVERSE", params: "S", ret: retString, bind: fixed(func() Kernel { return strKernel(reverseRow) })}.register()
	fnSpec{name: "POSITION", params: "SS", ret: retInt, bind: fixed(func() Kernel { return intKernel(positionRow(0, 1)) })}.register()
	fnSpec{name: "LOCATE", params: "SSi", ret: retInt, bind: fixed(func() Kernel { return intKernel(locateRow) })}.register()
	fnSpec{name: "INSTR", params: "SS", ret: retInt, bind: fixed(func() Kernel { return intKernel(positionRow(1, 0)) })}.register()
	fnSpec{name: "LEFT", params: "SI", ret: retString, bind: fixed(func() Kernel { return strKernel(leftRightRow(true)) })}.register()
	fnSpec{name: "RIGHT", params: "SI", ret: retString, bind: fixed(func() Kernel { return strKernel(leftRightRow(false)) })}.register()
	fnSpec{name: "ASCII", params: "S", ret: retInt, bind: fixed(func() Kernel { return intKernel(asciiRow) })}.register()
	fnSpec{name: "CHR", params: "I", ret: retString, bind: fixed(func() Kernel { return strKernel(chrRow) })}.register()
	fnSpec{name: "MD5", params: "X", ret: retFixed(types.Char(32)), bind: fixed(func() Kernel { return strKernel(hashRow("MD5")) })}.register()
	fnSpec{name: "SHA1", params: "X", ret: retFixed(types.Char(40)), bind: fixed(func() Kernel { return strKernel(hashRow("SHA1")) })}.register()
	fnSpec{name: "SHA256", params: "X", ret: retFixed(types.Char(64)), bind: fixed(func() Kernel { return strKernel(hashRow("SHA256")) })}.register()
	fnSpec{name: "SHA512", params: "X", ret: retFixed(types.Char(128)), bind: fixed(func() Kernel { return strKernel(hashRow("SHA512")) })}.register()
	fnSpec{name: "TO_BASE64", params: "X", ret: retString, bind: fixed(func() Kernel { return strKernel(toBase64Row) })}.register()
	fnSpec{name: "FROM_BASE64", params: "S", ret: retNullable(types.String), bind: fixed(func() Kernel { return strKernel(fromBase64Row) })}.register()
	fnSpec{name: "UUID", params: "", ret: retFixed(types.Char(36)), nondet: true, bind: fixed(uuidKernel)}.register()

	fnSpec{name: "LIKE", params: "SSs", ret: retBool, bind: fixed(func() Kernel { return likeKernel(false) })}.register()
	fnSpec{name: "NOT LIKE", params: "SSs", ret: retBool, bind: fixed(func() Kernel { return likeKernel(true) })}.register()
	fnSpec{name: "SIMILAR TO", params: "SSs", ret: retBool, bind: fixed(func() Kernel { return similarKernel(false) })}.register()
	fnSpec{name: "NOT SIMILAR TO", params: "SSs", ret: retBool, bind: fixed(func() Kernel { return similarKernel(true) })}.register()
}

func nullTargets(args []*types.Type, t *types.Type) []*types.Type {
	to := make([]*types.Type, len(args))
	for i, a := range args {
		if isNullType(a) {
			to[i] = t
		}
	}
	return to
}

// ---------------------------------------------------------------------------
// Character helpers.

// charOffset returns the byte offset of character k (0-based) of s,
// len(s) when s has fewer characters.
func charOffset(s []byte, k int) int {
	if k <= 0 {
		return 0
	}
	i := 0
	for ; i < len(s) && k > 0; k-- {
		if s[i] < utf8.RuneSelf {
			i++
		} else {
			_, sz := utf8.DecodeRune(s[i:])
			i += sz
		}
	}
	return i
}

func isASCII(s []byte) bool {
	i := 0
	for ; i+8 <= len(s); i += 8 {
		if binary.LittleEndian.Uint64(s[i:])&0x8080808080808080 != 0 {
			return false
		}
	}
	for ; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// asciiCase converts ASCII letters in place, eight bytes at a time (every
// byte must be < 0x80).
func asciiCase(d []byte, upper bool) {
	lo, hi := byte('A'), byte('Z')
	if upper {
		lo, hi = 'a', 'z'
	}
	addLo := 0x0101010101010101 * uint64(0x80-lo)
	addHi := 0x0101010101010101 * uint64(0x80-hi-1)
	i := 0
	for ; i+8 <= len(d); i += 8 {
		x := binary.LittleEndian.Uint64(d[i:])
		mask := ((x + addLo) ^ (x + addHi)) & 0x8080808080808080
		binary.LittleEndian.PutUint64(d[i:], x^(mask>>2))
	}
	for ; i < len(d); i++ {
		if c := d[i]; c >= lo && c <= hi {
			d[i] = c ^ 0x20
		}
	}
}

// ---------------------------------------------------------------------------
// UPPER / LOWER

func caseKernel(upper bool) Kernel {
	return func(args []*types.Vector, n int, out *types.Vector) error {
		a := args[0]
		if all := a.Data[a.Offsets[0]:a.Offsets[n]]; isASCII(all) {
			// Whole-vector fast path: copy the arena, convert in place.
			if err := copyBytes(a, n, out); err != nil {
				return err
			}
			asciiCase(out.Data[len(out.Data)-len(all):], upper)
			return nil
		}
		for i := 0; i < n; i++ {
			if nullAt(a.Nulls, i) {
				appendNullBytes(out)
				continue
			}
			s := bytesAt(a, i)
			if isASCII(s) {
				start := len(out.Data)
				out.Data = append(out.Data, s...)
				d := out.Data[start:]
				if upper {
					for j, c := range d {
						if c >= 'a' && c <= 'z' {
							d[j] = c - ('a' - 'A')
						}
					}
				} else {
					for j, c := range d {
						if c >= 'A' && c <= 'Z' {
							d[j] = c + ('a' - 'A')
						}
					}
				}
			} else {
				for len(s) > 0 {
					r, sz := utf8.DecodeRune(s)
					s = s[sz:]
					if upper {
						r = unicode.ToUpper(r)
					} else {
						r = unicode.ToLower(r)
					}
					out.Data = utf8.AppendRune(out.Data, r)
				}
			}
			endBytes(out)
		}
		return nil
	}
}

// ---------------------------------------------------------------------------
// CONCAT, ||, CONCAT_WS

func concatType(args []*types.Type) *types.Type {
	total := 0
	allChar := true
	for _, a := range args {
		if a.Kind != types.KindChar {
			allChar = false
		}
		total += a.Length
		if total > types.MaxLength || total < 0 {
			total = types.MaxLength
		}
	}
	var t *types.Type
	if allChar {
		t = types.Char(total)
	} else {
		t = types.VarChar(total)
	}
	return nullableIf(t, args)
}

func concatKernel(args []*types.Vector, n int, out *types.Vector) error {
	for i := 0; i < n; i++ {
		if rowHasNull(args, i) {
			appendNullBytes(out)
			continue
		}
		for _, a := range args {
			out.Data = append(out.Data, bytesAt(a, i)...)
		}
		endBytes(out)
	}
	return nil
}

func concatWsKernel(args []*types.Vector, n int, out *types.Vector) error {
	sep := args[0]
	for i := 0; i < n; i++ {
		if nullAt(sep.Nulls, i) {
			appendNullBytes(out)
			continue
		}
		first := true
		for _, a := range args[1:] {
			if nullAt(a.Nulls, i) {
				continue
			}
			if !first {
				out.Data = append(out.Data, bytesAt(sep, i)...)
			}
			first = false
			out.Data = append(out.Data, bytesAt(a, i)...)
		}
		endBytes(out)
	}
	return nil
}

// ---------------------------------------------------------------------------
// SUBSTRING

func substrType(args []*types.Type) *types.Type {
	return nullableIf(types.VarChar(args[0].Length), args)
}

// substringRow implements Flink's substringSQL: pos 0 counts as 1, a
// negative pos counts from the end, a negative length gives ”.
func substringRow(args []*types.Vector, i int, dst []byte) ([]byte, bool) {
	s := bytesAt(args[0], i)
	pos := args[1].Ints[i]
	length := int64(1 << 62)
	if len(args) > 2 {
		length = args[2].Ints[i]
	}
	ascii := isASCII(s)
	var nchars int64
	if ascii {
		nchars = int64(len(s))
	} else {
		nchars = int64(utf8.RuneCount(s))
	}
	var start int64
	switch {
	case pos > 0:
		start = pos - 1
	case pos < 0:
		start = nchars + pos
	}
	end := start + length
	if length > 1<<61 {
		end = nchars
	}
	start = max(start, 0)
	end = min(end, nchars)
	if start >= end {
		return dst, true
	}
	if ascii {
		return append(dst, s[start:end]...), true
	}
	bs := charOffset(s, int(start))
	be := bs + charOffset(s[bs:], int(end-start))
	return append(dst, s[bs:be]...), true
}

// ---------------------------------------------------------------------------
// TRIM family

func trimBind(left, right, charsFirst bool) func([]*types.Type, *types.Type) (Kernel, error) {
	return func(args []*types.Type, ret *types.Type) (Kernel, error) {
		return strKernel(func(args []*types.Vector, i int, dst []byte) ([]byte, bool) {
			var s, chars []byte
			switch {
			case charsFirst:
				chars, s = bytesAt(args[0], i), bytesAt(args[1], i)
			case len(args) > 1:
				s, chars = bytesAt(args[0], i), bytesAt(args[1], i)
			default:
				s, chars = bytesAt(args[0], i), spaceChars
			}
			return append(dst, trimChars(s, chars, left, right)...), true
		}), nil
	}
}

var spaceChars = []byte{' '}

func trimChars(s, chars []byte, left, right bool) []byte {
	if len(chars) == 1 {
		c := chars[0]
		if left {
			for len(s) > 0 && s[0] == c {
				s = s[1:]
			}
		}
		if right {
			for len(s) > 0 && s[len(s)-1] == c {
				s = s[:len(s)-1]
			}
		}
		return s
	}
	if left {
		for len(s) > 0 {
			r, sz := utf8.DecodeRune(s)
			if !bytes.ContainsRune(chars, r) {
				break
			}
			s = s[sz:]
		}
	}
	if right {
		for len(s) > 0 {
			r, sz := utf8.DecodeLastRune(s)
			if !bytes.ContainsRune(chars, r) {
				break
			}
			s = s[:len(s)-sz]
		}
	}
	return s
}

// ---------------------------------------------------------------------------
// CHAR_LENGTH, REPLACE, SPLIT_INDEX, SPLIT, INITCAP, PAD, REPEAT, REVERSE

func charLengthKernel(args []*types.Vector, n int, out *types.Vector) error {
	a := args[0]
	r := sizeInts(out, n)
	for i := range r {
		r[i] = int64(utf8.RuneCount(bytesAt(a, i)))
	}
	copyNulls(out, a, n)
	finish(out, n)
	return nil
}

func replaceRow(args []*types.Vector, i int, dst []byte) ([]byte, bool) {
	s, old, repl := bytesAt(args[0], i), bytesAt(args[1], i), bytesAt(args[2], i)
	if len(old) == 0 {
		// Java's String.replace("", r) inserts r around every character.
		dst = append(dst, repl...)
		for len(s) > 0 {
			_, sz := utf8.DecodeRune(s)
			dst = append(dst, s[:sz]...)
			dst = append(dst, repl...)
			s = s[sz:]
		}
		return dst, true
	}
	for {
		j := bytes.Index(s, old)
		if j < 0 {
			return append(dst, s...), true
		}
		dst = append(dst, s[:j]...)
		dst = append(dst, repl...)
		s = s[j+len(old):]
	}
}

func splitIndexRow(args []*types.Vector, i int, dst []byte) ([]byte, bool) {
	s, sep, idx := bytesAt(args[0], i), bytesAt(args[1], i), args[2].Ints[i]
	if idx < 0 || len(s) == 0 {
		return dst, false
	}
	if len(sep) == 0 {
		sep = spaceChars
	}
	for k := int64(0); ; k++ {
		j := bytes.Index(s, sep)
		if k == idx {
			if j < 0 {
				return append(dst, s...), true
			}
			return append(dst, s[:j]...), true
		}
		if j < 0 {
			return dst, false
		}
		s = s[j+len(sep):]
	}
}

func splitKernel(args []*types.Vector, n int, out *types.Vector) error {
	elems := out.Children[0]
	for i := 0; i < n; i++ {
		if rowHasNull(args, i) {
			out.AppendNull()
			continue
		}
		s, sep := bytesAt(args[0], i), bytesAt(args[1], i)
		switch {
		case len(sep) == 0:
			for len(s) > 0 {
				_, sz := utf8.DecodeRune(s)
				elems.AppendBytes(s[:sz])
				s = s[sz:]
			}
		default:
			for {
				j := bytes.Index(s, sep)
				if j < 0 {
					elems.AppendBytes(s)
					break
				}
				elems.AppendBytes(s[:j])
				s = s[j+len(sep):]
			}
		}
		out.CloseNested()
	}
	return nil
}

func initcapRow(args []*types.Vector, i int, dst []byte) ([]byte, bool) {
	start := true
	for _, c := range bytesAt(args[0], i) {
		switch {
		case c >= '0' && c <= '9':
			start = false
		case c >= 'A' && c <= 'Z':
			if !start {
				c += 'a' - 'A'
			}
			start = false
		case c >= 'a' && c <= 'z':
			if start {
				c -= 'a' - 'A'
			}
			start = false
		default:
			start = true
		}
		dst = append(dst, c)
	}
	return dst, true
}

// padRow implements Flink's LPAD/RPAD: NULL for a negative length or an
// empty pad; the base is truncated to length characters.
func padRow(left bool) func(args []*types.Vector, i int, dst []byte) ([]byte, bool) {
	return func(args []*types.Vector, i int, dst []byte) ([]byte, bool) {
		s, length, pad := bytesAt(args[0], i), args[1].Ints[i], bytesAt(args[2], i)
		if length < 0 || len(pad) == 0 {
			return dst, false
		}
		nchars := int64(utf8.RuneCount(s))
		if nchars >= length {
			return append(dst, s[:charOffset(s, int(length))]...), true
		}
		need := length - nchars
		if !left {
			dst = append(dst, s...)
		}
		for need > 0 {
			for p := pad; len(p) > 0 && need > 0; need-- {
				_, sz := utf8.DecodeRune(p)
				dst = append(dst, p[:sz]...)
				p = p[sz:]
			}
		}
		if left {
			dst = append(dst, s...)
		}
		return dst, true
	}
}

func repeatRow(args []*types.Vector, i int, dst []byte) ([]byte, bool) {
	s, k := bytesAt(args[0], i), args[1].Ints[i]
	if len(s) == 0 {
		return dst, true // without this, k appends of nothing: a hang for a large k
	}
	for ; k > 0; k-- {
		dst = append(dst, s...)
	}
	return dst, true
}

func reverseRow(args []*types.Vector, i int, dst []byte) ([]byte, bool) {
	s := bytesAt(args[0], i)
	for len(s) > 0 {
		_, sz := utf8.DecodeLastRune(s)
		dst = append(dst, s[len(s)-sz:]...)
		s = s[:len(s)-sz]
	}
	return dst, true
}

// positionRow returns the 1-based character position of the needle in the
// haystack (0 when absent); needle/haystack are argument indexes.
func positionRow(needle, hay int) func(args []*types.Vector, i int) (int64, bool) {
	return func(args []*types.Vector, i int) (int64, bool) {
		return charIndex(bytesAt(args[hay], i), bytesAt(args[needle], i), 1), true
	}
}

// charIndex finds sub in s starting at 1-based character from.
func charIndex(s, sub []byte, from int64) int64 {
	if from < 1 {
		return 0
	}
	off := charOffset(s, int(from-1))
	if off == len(s) && from-1 > int64(utf8.RuneCount(s)) {
		return 0
	}
	j := bytes.Index(s[off:], sub)
	if j < 0 {
		return 0
	}
	return from + int64(utf8.RuneCount(s[off:off+j]))
}

func locateRow(args []*types.Vector, i int) (int64, bool) {
	from := int64(1)
	if len(args) > 2 {
		from = args[2].Ints[i]
	}
	return charIndex(bytesAt(args[1], i), bytesAt(args[0], i), from), true
}

func leftRightRow(left bool) func(args []*types.Vector, i int, dst []byte) ([]byte, bool) {
	return func(args []*types.Vector, i int, dst []byte) ([]byte, bool) {
		s, k := bytesAt(args[0], i), args[1].Ints[i]
		if k <= 0 {
			return dst, true
		}
		if left {
			return append(dst, s[:charOffset(s, int(min(k, int64(len(s)))))]...), true
		}
		nchars := int64(utf8.RuneCount(s))
		if k >= nchars {
			return append(dst, s...), true
		}
		return append(dst, s[charOffset(s, int(nchars-k)):]...), true
	}
}

func asciiRow(args []*types.Vector, i int) (int64, bool) {
	s := bytesAt(args[0], i)
	if len(s) == 0 {
		return 0, true
	}
	r, _ := utf8.DecodeRune(s)
	return int64(r), true
}

func chrRow(args []*types.Vector, i int, dst []byte) ([]byte, bool) {
	c := args[0].Ints[i]
	if c < 0 {
		return dst, true
	}
	return utf8.AppendRune(dst, rune(c&0xFF)), true
}

func hashRow(alg string) func(args []*types.Vector, i int, dst []byte) ([]byte, bool) {
	return func(args []*types.Vector, i int, dst []byte) ([]byte, bool) {
		s := bytesAt(args[0], i)
		switch alg {
		case "MD5":
			h := md5.Sum(s)
			return hex.AppendEncode(dst, h[:]), true
		case "SHA1":
			h := sha1.Sum(s)
			return hex.AppendEncode(dst, h[:]), true
		case "SHA256":
			h := sha256.Sum256(s)
			return hex.AppendEncode(dst, h[:]), true
		default:
			h := sha512.Sum512(s)
			return hex.AppendEncode(dst, h[:]), true
		}
	}
}

func toBase64Row(args []*types.Vector, i int, dst []byte) ([]byte, bool) {
	return base64.StdEncoding.AppendEncode(dst, bytesAt(args[0], i)), true
}

func fromBase64Row(args []*types.Vector, i int, dst []byte) ([]byte, bool) {
	d, err := base64.StdEncoding.AppendDecode(dst, bytesAt(args[0], i))
	if err != nil {
		return dst, false
	}
	return d, true
}

func uuidKernel() Kernel {
	return func(args []*types.Vector, n int, out *types.Vector) error {
		var b [16]byte
		for i := 0; i < n; i++ {
			hi, lo := rand.Uint64(), rand.Uint64()
			for k := 0; k < 8; k++ {
				b[k] = byte(hi >> (8 * k))
				b[8+k] = byte(lo >> (8 * k))
			}
			b[6] = b[6]&0x0f | 0x40
			b[8] = b[8]&0x3f | 0x80
			var s [36]byte
			hex.Encode(s[0:8], b[0:4])
			s[8] = '-'
			hex.Encode(s[9:13], b[4:6])
			s[13] = '-'
			hex.Encode(s[14:18], b[6:8])
			s[18] = '-'
			hex.Encode(s[19:23], b[8:10])
			s[23] = '-'
			hex.Encode(s[24:], b[10:])
			out.AppendBytes(s[:])
		}
		return nil
	}
}

// ---------------------------------------------------------------------------
// Regular expressions

// regexCache compiles the last regex text seen; bad is set when it does
// not compile.
type regexCache struct {
	key strCache
	re  *regexp.Regexp
	bad bool
}

func (c *regexCache) get(pattern []byte) (*regexp.Regexp, bool) {
	if !c.key.hit(pattern) {
		re, err := regexp.Compile(string(pattern))
		c.re, c.bad = re, err != nil
	}
	return c.re, !c.bad
}

func regexpExtractKernel() Kernel {
	var rc regexCache
	return strKernel(func(args []*types.Vector, i int, dst []byte) ([]byte, bool) {
		re, ok := rc.get(bytesAt(args[1], i))
		if !ok {
			return dst, false
		}
		group := int64(0)
		if len(args) > 2 {
			group = args[2].Ints[i]
		}
		if group < 0 || group > int64(re.NumSubexp()) {
			return dst, false
		}
		s := bytesAt(args[0], i)
		m := re.FindSubmatchIndex(s)
		if m == nil || m[2*group] < 0 {
			return dst, false
		}
		return append(dst, s[m[2*group]:m[2*group+1]]...), true
	})
}

// javaReplacement converts a Java Matcher replacement ("$1", "\$") into a
// Go Expand template; ok is false for a malformed one.
func javaReplacement(r []byte, dst []byte) ([]byte, bool) {
	for i := 0; i < len(r); i++ {
		c := r[i]
		switch c {
		case '\\':
			i++
			if i >= len(r) {
				return dst, false
			}
			if r[i] == '$' {
				dst = append(dst, '$', '$')
			} else {
				dst = append(dst, r[i])
			}
		case '$':
			i++
			if i >= len(r) {
				return dst, false
			}
			if r[i] == '{' {
				end := bytes.IndexByte(r[i:], '}')
				if end < 0 {
					return dst, false
				}
				dst = append(dst, r[i-1:i+end+1]...)
				i += end
				continue
			}
			if r[i] < '0' || r[i] > '9' {
				return dst, false
			}
			start := i
			for i+1 < len(r) && r[i+1] >= '0' && r[i+1] <= '9' {
				i++
			}
			dst = append(dst, "${"...)
			dst = append(dst, r[start:i+1]...)
			dst = append(dst, '}')
		default:
			dst = append(dst, c)
		}
	}
	return dst, true
}

func regexpReplaceKernel() Kernel {
	var rc regexCache
	var replKey strCache
	var tmpl []byte
	tmplOK := false
	var matches [][]int
	return strKernel(func(args []*types.Vector, i int, dst []byte) ([]byte, bool) {
		re, ok := rc.get(bytesAt(args[1], i))
		if !ok {
			return dst, false
		}
		if repl := bytesAt(args[2], i); !replKey.hit(repl) {
			tmpl, tmplOK = javaReplacement(repl, tmpl[:0])
		}
		if !tmplOK {
			return dst, false
		}
		s := bytesAt(args[0], i)
		matches = re.FindAllSubmatchIndex(s, -1)
		last := 0
		for _, m := range matches {
			dst = append(dst, s[last:m[0]]...)
			dst = re.Expand(dst, tmpl, s, m)
			last = m[1]
		}
		return append(dst, s[last:]...), true
	})
}

func regexpMatchKernel() Kernel {
	var rc regexCache
	return boolKernel(func(args []*types.Vector, i int) (bool, bool) {
		re, ok := rc.get(bytesAt(args[1], i))
		if !ok {
			return false, false
		}
		return re.Match(bytesAt(args[0], i)), true
	})
}

// ---------------------------------------------------------------------------
// LIKE

type likeTok struct {
	kind uint8 // likeLit, likeOne, likeAny
	lit  []byte
}

const (
	likeLit uint8 = iota
	likeOne
	likeAny
)

// likePattern is a compiled LIKE pattern with fast paths for the common
// shapes 'abc', 'abc%', '%abc', '%abc%'.
type likePattern struct {
	shape uint8 // 0 general, 1 exact, 2 prefix, 3 suffix, 4 contains, 5 any
	lit   []byte
	toks  []likeTok
}

func compileLike(pat []byte, escape int) (*likePattern, error) {
	var toks []likeTok
	var cur []byte
	flush := func() {
		if cur != nil {
			toks = append(toks, likeTok{kind: likeLit, lit: cur})
			cur = nil
		}
	}
	for i := 0; i < len(pat); {
		r, sz := utf8.DecodeRune(pat[i:])
		switch {
		case escape >= 0 && r == rune(escape):
			i += sz
			if i >= len(pat) {
				return nil, fmt.Errorf("Invalid escape sequence '%s', %d", pat, i-sz)
			}
			r2, sz2 := utf8.DecodeRune(pat[i:])
			if r2 != '%' && r2 != '_' && r2 != rune(escape) {
				return nil, fmt.Errorf("Invalid escape sequence '%s', %d", pat, i-sz)
			}
			cur = append(cur, pat[i:i+sz2]...)
			i += sz2
			continue
		case r == '%':
			flush()
			if len(toks) == 0 || toks[len(toks)-1].kind != likeAny {
				toks = append(toks, likeTok{kind: likeAny})
			}
		case r == '_':
			flush()
			toks = append(toks, likeTok{kind: likeOne})
		default:
			cur = append(cur, pat[i:i+sz]...)
		}
		i += sz
	}
	flush()
	p := &likePattern{toks: toks}
	switch {
	case len(toks) == 0:
		p.shape, p.lit = 1, nil
	case len(toks) == 1 && toks[0].kind == likeLit:
		p.shape, p.lit = 1, toks[0].lit
	case len(toks) == 1 && toks[0].kind == likeAny:
		p.shape = 5
	case len(toks) == 2 && toks[0].kind == likeLit && toks[1].kind == likeAny:
		p.shape, p.lit = 2, toks[0].lit
	case len(toks) == 2 && toks[0].kind == likeAny && toks[1].kind == likeLit:
		p.shape, p.lit = 3, toks[1].lit
	case len(toks) == 3 && toks[0].kind == likeAny && toks[1].kind == likeLit && toks[2].kind == likeAny:
		p.shape, p.lit = 4, toks[1].lit
	}
	return p, nil
}

func (p *likePattern) match(s []byte) bool {
	switch p.shape {
	case 1:
		return bytes.Equal(s, p.lit)
	case 2:
		return bytes.HasPrefix(s, p.lit)
	case 3:
		return bytes.HasSuffix(s, p.lit)
	case 4:
		return bytes.Contains(s, p.lit)
	case 5:
		return true
	}
	return likeMatch(s, p.toks)
}

// likeMatch is a glob match with backtracking to the last '%'.
func likeMatch(s []byte, pat []likeTok) bool {
	si, pi := 0, 0
	starPi, starSi := -1, 0
	for si < len(s) || pi < len(pat) {
		if pi < len(pat) {
			t := &pat[pi]
			switch t.kind {
			case likeAny:
				starPi, starSi = pi, si
				pi++
				continue
			case likeOne:
				if si < len(s) {
					_, sz := utf8.DecodeRune(s[si:])
					si += sz
					pi++
					continue
				}
			case likeLit:
				if bytes.HasPrefix(s[si:], t.lit) {
					si += len(t.lit)
					pi++
					continue
				}
			}
		}
		if starPi >= 0 && starSi < len(s) {
			_, sz := utf8.DecodeRune(s[starSi:])
			starSi += sz
			si = starSi
			pi = starPi + 1
			continue
		}
		return false
	}
	return true
}

// escapeChar reads the optional ESCAPE argument: -1 for none.
func escapeChar(args []*types.Vector, i int) (int, error) {
	if len(args) < 3 {
		return -1, nil
	}
	e := bytesAt(args[2], i)
	if utf8.RuneCount(e) != 1 {
		return 0, fmt.Errorf("Invalid escape character '%s'", e)
	}
	r, _ := utf8.DecodeRune(e)
	return int(r), nil
}

func likeKernel(negate bool) Kernel {
	var key strCache
	var lastEsc = -2
	var pat *likePattern
	return func(args []*types.Vector, n int, out *types.Vector) error {
		r := sizeBools(out, n)
		out.Nulls = out.Nulls[:0]
		s, p := args[0], args[1]
		for i := range r {
			if rowHasNull(args, i) {
				r[i] = false
				out.SetNull(i)
				continue
			}
			esc, err := escapeChar(args, i)
			if err != nil {
				return err
			}
			if pb := bytesAt(p, i); !key.hit(pb) || esc != lastEsc || pat == nil {
				pat, err = compileLike(pb, esc)
				if err != nil {
					key.valid = false
					return err
				}
				lastEsc = esc
			}
			r[i] = pat.match(bytesAt(s, i)) != negate
		}
		finish(out, n)
		return nil
	}
}

// similarToRegex translates a SQL SIMILAR TO pattern into an anchored Go
// regular expression.
func similarToRegex(pat []byte, escape int) (string, error) {
	var b strings.Builder
	b.WriteString(`^(?s:`)
	for i := 0; i < len(pat); {
		r, sz := utf8.DecodeRune(pat[i:])
		i += sz
		switch {
		case escape >= 0 && r == rune(escape):
			if i >= len(pat) {
				return "", fmt.Errorf("Invalid escape sequence '%s'", pat)
			}
			r2, sz2 := utf8.DecodeRune(pat[i:])
			i += sz2
			b.WriteString(regexp.QuoteMeta(string(r2)))
		case r == '%':
			b.WriteString(".*")
		case r == '_':
			b.WriteString(".")
		case r == '.' || r == '^' || r == '$' || r == '\\':
			b.WriteString(`\` + string(r))
		default:
			b.WriteRune(r)
		}
	}
	b.WriteString(`)$`)
	return b.String(), nil
}

func similarKernel(negate bool) Kernel {
	var key strCache
	lastEsc := -2
	var re *regexp.Regexp
	return boolKernel(func(args []*types.Vector, i int) (bool, bool) {
		esc, err := escapeChar(args, i)
		if err != nil {
			return false, false
		}
		if pb := bytesAt(args[1], i); !key.hit(pb) || esc != lastEsc || re == nil {
			lastEsc = esc
			src, err := similarToRegex(pb, esc)
			if err == nil {
				re, err = regexp.Compile(src)
			}
			if err != nil {
				key.valid = false
				re = nil
				return false, false
			}
		}
		return re.Match(bytesAt(args[0], i)) != negate, true
	})
}
