package formats

import (
	"fmt"
	"unicode/utf8"
)

// maxJSONDepth bounds nesting so hostile input cannot exhaust the stack.
const maxJSONDepth = 512

// jsonScanner reads JSON tokens from one record without allocating.
type jsonScanner struct {
	data []byte
	pos  int
	str  []byte // unescaped string scratch
}

// syntaxError is malformed JSON; the record cannot be read further.
type syntaxError struct {
	msg string
	pos int
}

func (e *syntaxError) Error() string { return fmt.Sprintf("%s at position %d", e.msg, e.pos) }

func (s *jsonScanner) errorf(msg string) error { return &syntaxError{msg: msg, pos: s.pos} }

func (s *jsonScanner) reset(data []byte) {
	s.data = data
	s.pos = 0
}

func (s *jsonScanner) ws() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// peek skips blanks and returns the next byte (0 at the end).
func (s *jsonScanner) peek() byte {
	s.ws()
	if s.pos < len(s.data) {
		return s.data[s.pos]
	}
	return 0
}

func (s *jsonScanner) expect(c byte) error {
	if s.peek() != c {
		if s.pos >= len(s.data) {
			return s.errorf("unexpected end of input, expected '" + string(c) + "'")
		}
		return s.errorf("unexpected character '" + string(s.data[s.pos]) + "', expected '" + string(c) + "'")
	}
	s.pos++
	return nil
}

// literal consumes the literal lit (true, false, null).
func (s *jsonScanner) literal(lit string) error {
	if len(s.data)-s.pos < len(lit) || string(s.data[s.pos:s.pos+len(lit)]) != lit {
		return s.errorf("unrecognized token")
	}
	s.pos += len(lit)
	return nil
}

// readString reads a string (pos at '"'). The result aliases the input or
// the scratch buffer; it is valid until the next readString.
func (s *jsonScanner) readString() ([]byte, error) {
	s.pos++ // opening quote
	start := s.pos
	for s.pos < len(s.data) {
		c := s.data[s.pos]
		switch {
		case c == '"':
			s.pos++
			return s.data[start : s.pos-1], nil
		case c == '\\':
			s.str = append(s.str[:0], s.data[start:s.pos]...)
			return s.readEscaped()
		case c < 0x20:
			return nil, s.errorf("illegal control character in string")
		}
		s.pos++
	}
	return nil, s.errorf("unterminated string")
}

func (s *jsonScanner) readEscaped() ([]byte, error) {
	for s.pos < len(s.data) {
		c := s.data[s.pos]
		switch {
		case c == '"':
			s.pos++
			return s.str, nil
		case c < 0x20:
			return nil, s.errorf("illegal control character in string")
		case c != '\\':
			s.str = append(s.str, c)
			s.pos++
			continue
		}
		s.pos++
		if s.pos >= len(s.data) {
			break
		}
		e := s.data[s.pos]
		s.pos++
		switch e {
		case '"', '\\', '/':
			s.str = append(s.str, e)
		case 'b':
			s.str = append(s.str, '\b')
		case 'f':
			s.str = append(s.str, '\f')
		case 'n':
			s.str = append(s.str, '\n')
		case 'r':
			s.str = append(s.str, '\r')
		case 't':
			s.str = append(s.str, '\t')
		case 'u':
			r, ok := s.hex4()
			if !ok {
				return nil, s.errorf("invalid unicode escape")
			}
			if r >= 0xD800 && r < 0xDC00 && s.pos+1 < len(s.data) && s.data[s.pos] == '\\' && s.data[s.pos+1] == 'u' {
				save := s.pos
				s.pos += 2
				if r2, ok := s.hex4(); ok && r2 >= 0xDC00 && r2 < 0xE000 {
					r = 0x10000 + (r-0xD800)<<10 + (r2 - 0xDC00)
				} else {
					s.pos = save
				}
			}
			s.str = utf8.AppendRune(s.str, r)
		default:
			return nil, s.errorf("invalid escape character")
		}
	}
	return nil, s.errorf("unterminated string")
}

func (s *jsonScanner) hex4() (rune, bool) {
	if len(s.data)-s.pos < 4 {
		return 0, false
	}
	var r rune
	for _, c := range s.data[s.pos : s.pos+4] {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			return 0, false
		}
	}
	s.pos += 4
	return r, true
}

// readNumber reads a JSON number and reports whether it has a fraction or
// an exponent.
func (s *jsonScanner) readNumber() ([]byte, bool, error) {
	start := s.pos
	d := s.data
	i := s.pos
	if i < len(d) && d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && d[i] >= '1' && d[i] <= '9':
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
	default:
		s.pos = i
		return nil, false, s.errorf("invalid number")
	}
	isFloat := false
	if i < len(d) && d[i] == '.' {
		isFloat = true
		i++
		j := i
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
		if i == j {
			s.pos = i
			return nil, false, s.errorf("invalid number")
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		isFloat = true
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		j := i
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
		if i == j {
			s.pos = i
			return nil, false, s.errorf("invalid number")
		}
	}
	s.pos = i
	return d[start:i], isFloat, nil
}

// skipValue consumes one value of any kind.
func (s *jsonScanner) skipValue(depth int) error {
	if depth > maxJSONDepth {
		return s.errorf("nesting too deep")
	}
	switch c := s.peek(); c {
	case '"':
		_, err := s.readString()
		return err
	case 't':
		return s.literal("true")
	case 'f':
		return s.literal("false")
	case 'n':
		return s.literal("null")
	case '[':
		s.pos++
		if s.peek() == ']' {
			s.pos++
			return nil
		}
		for {
			if err := s.skipValue(depth + 1); err != nil {
				return err
			}
			switch s.peek() {
			case ',':
				s.pos++
			case ']':
				s.pos++
				return nil
			default:
				return s.errorf("expected ',' or ']'")
			}
		}
	case '{':
		s.pos++
		if s.peek() == '}' {
			s.pos++
			return nil
		}
		for {
			if s.peek() != '"' {
				return s.errorf("expected field name")
			}
			if _, err := s.readString(); err != nil {
				return err
			}
			if err := s.expect(':'); err != nil {
				return err
			}
			if err := s.skipValue(depth + 1); err != nil {
				return err
			}
			switch s.peek() {
			case ',':
				s.pos++
			case '}':
				s.pos++
				return nil
			default:
				return s.errorf("expected ',' or '}'")
			}
		}
	case 0:
		return s.errorf("unexpected end of input")
	default:
		if c == '-' || c >= '0' && c <= '9' {
			_, _, err := s.readNumber()
			return err
		}
		return s.errorf("unexpected character '" + string(c) + "'")
	}
}
