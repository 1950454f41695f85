package sql

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// TokenKind classifies a Token.
type TokenKind int

const (
	// TokEOF is the end of the input; its Text is empty.
	TokEOF TokenKind = iota
	// TokIdent is an unquoted word: an identifier or a keyword.
	TokIdent
	// TokQuotedIdent is a backtick-quoted identifier (`a``b`).
	TokQuotedIdent
	// TokDoubleQuoted is a double-quoted word ("a""b"); Flink does not
	// accept it as an identifier, but it is lexed as one unit so that a ';'
	// inside it does not split a statement.
	TokDoubleQuoted
	// TokString is a single-quoted string literal ('it''s').
	TokString
	// TokNumber is a numeric literal: 12, 1.5, .5, 1e-3.
	TokNumber
	// TokOp is an operator or punctuation: ( ) [ ] , ; . = <> <= >= != || => and
	// every other single character that is not part of another token.
	TokOp
	// TokComment is a '--' line comment (without its newline) or a /* */
	// block comment. Hints (/*+ ... */) are comments whose Hint method is true.
	TokComment
)

// String names the kind.
func (k TokenKind) String() string {
	switch k {
	case TokEOF:
		return "EOF"
	case TokIdent:
		return "IDENT"
	case TokQuotedIdent:
		return "QUOTED_IDENT"
	case TokDoubleQuoted:
		return "DOUBLE_QUOTED"
	case TokString:
		return "STRING"
	case TokNumber:
		return "NUMBER"
	case TokOp:
		return "OP"
	case TokComment:
		return "COMMENT"
	}
	return "?"
}

// Token is one lexical unit of the script.
type Token struct {
	Kind TokenKind
	// Text is the token exactly as written (quotes included).
	Text string
	// Pos is where the token starts; End is the offset just past it, in the
	// same coordinates as Pos.Offset.
	Pos Pos
	End int
	// Unterminated is set on a string, quoted identifier or block comment
	// that runs to the end of the input without its closing delimiter.
	Unterminated bool
}

// Value is the token's meaning: the unescaped content of a string literal or
// quoted identifier, the text otherwise.
func (t Token) Value() string {
	switch t.Kind {
	case TokString:
		return unquote(t.Text, '\'', t.Unterminated)
	case TokQuotedIdent:
		return unquote(t.Text, '`', t.Unterminated)
	case TokDoubleQuoted:
		return unquote(t.Text, '"', t.Unterminated)
	}
	return t.Text
}

// Is reports whether the token is the unquoted keyword kw (compared
// case-insensitively; kw is given in upper case).
func (t Token) Is(kw string) bool {
	return t.Kind == TokIdent && strings.EqualFold(t.Text, kw)
}

// IsOp reports whether the token is the operator or punctuation op.
func (t Token) IsOp(op string) bool {
	return t.Kind == TokOp && t.Text == op
}

// Hint reports whether the token is an optimizer hint comment /*+ ... */.
func (t Token) Hint() bool {
	return t.Kind == TokComment && strings.HasPrefix(t.Text, "/*+")
}

// isName reports whether the token can name something: an unquoted word or a
// backtick-quoted identifier.
func (t Token) isName() bool {
	return t.Kind == TokIdent || t.Kind == TokQuotedIdent
}

// unquote strips the quote character q from both ends of s and undoubles
// doubled quotes inside.
func unquote(s string, q byte, unterminated bool) string {
	if len(s) == 0 || s[0] != q {
		return s
	}
	s = s[1:]
	if !unterminated && len(s) > 0 {
		s = s[:len(s)-1]
	}
	qq := string([]byte{q, q})
	return strings.ReplaceAll(s, qq, qq[:1])
}

// Tokenize splits text into tokens, comments included, ending with one
// TokEOF token. base is the position of text[0] in the whole script; every
// token position is absolute. Tokenize never fails: characters it does not
// know become single-character TokOp tokens, and unterminated quotes or
// comments run to the end of the input.
func Tokenize(text string, base Pos) []Token {
	lx := lexer{src: text, base: base, line: base.Line, col: base.Col}
	if lx.line == 0 {
		lx.line, lx.col = 1, 1
	}
	var toks []Token
	for {
		t := lx.next()
		toks = append(toks, t)
		if t.Kind == TokEOF {
			return toks
		}
	}
}

// lexer is the state of Tokenize.
type lexer struct {
	src       string
	base      Pos
	off       int // offset in src
	line, col int // position of src[off]
}

// pos is the absolute position of the next unread byte.
func (lx *lexer) pos() Pos {
	return Pos{Offset: lx.base.Offset + lx.off, Line: lx.line, Col: lx.col}
}

// advance consumes one rune, keeping line and column.
func (lx *lexer) advance() {
	if lx.off >= len(lx.src) {
		return
	}
	r, n := utf8.DecodeRuneInString(lx.src[lx.off:])
	lx.off += n
	if r == '\n' {
		lx.line++
		lx.col = 1
	} else {
		lx.col++
	}
}

// peek returns the byte at off+i, or 0 past the end.
func (lx *lexer) peek(i int) byte {
	if lx.off+i < len(lx.src) {
		return lx.src[lx.off+i]
	}
	return 0
}

// next scans one token.
func (lx *lexer) next() Token {
	for lx.off < len(lx.src) {
		c := lx.src[lx.off]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' {
			lx.advance()
			continue
		}
		if c >= utf8.RuneSelf {
			r, _ := utf8.DecodeRuneInString(lx.src[lx.off:])
			if unicode.IsSpace(r) {
				lx.advance()
				continue
			}
		}
		break
	}
	start := lx.pos()
	startOff := lx.off
	tok := func(kind TokenKind) Token {
		return Token{Kind: kind, Text: lx.src[startOff:lx.off], Pos: start, End: lx.base.Offset + lx.off}
	}
	if lx.off >= len(lx.src) {
		return tok(TokEOF)
	}
	c := lx.src[lx.off]
	switch {
	case c == '-' && lx.peek(1) == '-':
		for lx.off < len(lx.src) && lx.src[lx.off] != '\n' {
			lx.advance()
		}
		return tok(TokComment)
	case c == '/' && lx.peek(1) == '*':
		lx.advance()
		lx.advance()
		for lx.off < len(lx.src) {
			if lx.src[lx.off] == '*' && lx.peek(1) == '/' {
				lx.advance()
				lx.advance()
				return tok(TokComment)
			}
			lx.advance()
		}
		t := tok(TokComment)
		t.Unterminated = true
		return t
	case c == '\'':
		return lx.quoted('\'', TokString, startOff, start)
	case c == '`':
		return lx.quoted('`', TokQuotedIdent, startOff, start)
	case c == '"':
		return lx.quoted('"', TokDoubleQuoted, startOff, start)
	case isDigit(c) || (c == '.' && isDigit(lx.peek(1))):
		for isDigit(lx.peek(0)) {
			lx.advance()
		}
		if lx.peek(0) == '.' {
			lx.advance()
			for isDigit(lx.peek(0)) {
				lx.advance()
			}
		}
		if e := lx.peek(0); e == 'e' || e == 'E' {
			d := 1
			if s := lx.peek(1); s == '+' || s == '-' {
				d = 2
			}
			if isDigit(lx.peek(d)) {
				for range d {
					lx.advance()
				}
				for isDigit(lx.peek(0)) {
					lx.advance()
				}
			}
		}
		return tok(TokNumber)
	}
	if r, _ := utf8.DecodeRuneInString(lx.src[lx.off:]); isIdentStart(r) {
		for lx.off < len(lx.src) {
			r, _ := utf8.DecodeRuneInString(lx.src[lx.off:])
			if !isIdentPart(r) {
				break
			}
			lx.advance()
		}
		return tok(TokIdent)
	}
	for _, op := range multiCharOps {
		if strings.HasPrefix(lx.src[lx.off:], op) {
			for range len(op) {
				lx.advance()
			}
			return tok(TokOp)
		}
	}
	lx.advance()
	return tok(TokOp)
}

// multiCharOps are the operators longer than one character.
var multiCharOps = []string{"<>", "<=", ">=", "!=", "||", "=>"}

// quoted scans a token delimited by q, where a doubled q stands for itself.
func (lx *lexer) quoted(q byte, kind TokenKind, startOff int, start Pos) Token {
	lx.advance()
	for lx.off < len(lx.src) {
		if lx.src[lx.off] == q {
			if lx.peek(1) == q {
				lx.advance()
				lx.advance()
				continue
			}
			lx.advance()
			return Token{Kind: kind, Text: lx.src[startOff:lx.off], Pos: start, End: lx.base.Offset + lx.off}
		}
		lx.advance()
	}
	return Token{Kind: kind, Text: lx.src[startOff:lx.off], Pos: start, End: lx.base.Offset + lx.off, Unterminated: true}
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isIdentStart(r rune) bool {
	return r == '_' || unicode.IsLetter(r)
}

func isIdentPart(r rune) bool {
	return r == '_' || r == '$' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

// significant drops comments from toks.
func significant(toks []Token) []Token {
	out := make([]Token, 0, len(toks))
	for _, t := range toks {
		if t.Kind != TokComment {
			out = append(out, t)
		}
	}
	return out
}

// advancePos returns the position reached from p after reading s.
func advancePos(p Pos, s string) Pos {
	for _, r := range s {
		if r == '\n' {
			p.Line++
			p.Col = 1
		} else {
			p.Col++
		}
	}
	p.Offset += len(s)
	return p
}
