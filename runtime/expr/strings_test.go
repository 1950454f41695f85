package expr

import (
	"strings"
	"testing"

	"github.com/flinkgo/engine/runtime/types"
)

func TestStringFunctions(t *testing.T) {
	runCases(t, []evalCase{
		{C("UPPER", L("abc Äö")), "ABC ÄÖ"},
		{C("LOWER", L("ABC")), "abc"},
		{C("UPPER", L(nil)), "NULL"},
		{C("CONCAT", L("a"), L("b"), L("c")), "abc"},
		{C("CONCAT", L("a"), L(nil)), "NULL"},
		{C("||", L("a"), L("b")), "ab"},
		{C("CONCAT_WS", L("-"), L("a"), L(nil), L("c")), "a-c"},
		{C("CONCAT_WS", L(nil), L("a")), "NULL"},
		{C("SUBSTRING", L("hello"), L(2)), "ello"},
		{C("SUBSTRING", L("hello"), L(2), L(3)), "ell"},
		{C("SUBSTRING", L("hello"), L(0), L(2)), "he"},
		{C("SUBSTRING", L("hello"), L(-3)), "llo"},
		{C("SUBSTRING", L("hello"), L(-3), L(2)), "ll"},
		{C("SUBSTRING", L("hello"), L(10)), ""},
		{C("SUBSTR", L("héllo"), L(2), L(2)), "él"},
		{C("TRIM", L("  a b  ")), "a b"},
		{C("TRIM_LEADING", L("x"), L("xxaxx")), "axx"},
		{C("TRIM_TRAILING", L("x"), L("xxaxx")), "xxa"},
		{C("TRIM_BOTH", L("xy"), L("xyaxy")), "a"},
		{C("LTRIM", L("  a ")), "a "},
		{C("RTRIM", L("  a ")), "  a"},
		{C("CHAR_LENGTH", L("héllo")), "5"},
		{C("CHARACTER_LENGTH", L("")), "0"},
		{C("REPLACE", L("hello world"), L("o"), L("0")), "hell0 w0rld"},
		{C("REPLACE", L("abc"), L(""), L("-")), "-a-b-c-"},
		{C("REGEXP_EXTRACT", L("foothebar"), L("foo(.*?)(bar)"), L(2)), "bar"},
		{C("REGEXP_EXTRACT", L("foothebar"), L("foo(.*?)(bar)")), "foothebar"},
		{C("REGEXP_EXTRACT", L("foothebar"), L("x(y)"), L(1)), "NULL"},
		{C("REGEXP_EXTRACT", L("foothebar"), L("(")), "NULL"},
		{C("REGEXP_REPLACE", L("foobar"), L("oo|ar"), L("")), "fb"},
		{C("REGEXP_REPLACE", L("a1b22"), L("([0-9]+)"), L("<$1>")), "a<1>b<22>"},
		{C("REGEXP_REPLACE", L("ab"), L("b"), L("\\$")), "a$"},
		{C("REGEXP", L("abc123"), L("[0-9]+")), "TRUE"},
		{C("REGEXP", L("abc"), L("^[0-9]+$")), "FALSE"},
		{C("SPLIT_INDEX", L("Jack,John,Mary"), L(","), L(2)), "Mary"},
		{C("SPLIT_INDEX", L("Jack,John,Mary"), L(","), L(3)), "NULL"},
		{C("SPLIT_INDEX", L("a,,b"), L(","), L(1)), ""},
		{C("SPLIT_INDEX", L("a,b"), L(","), L(-1)), "NULL"},
		{C("INITCAP", L("hello wORLD 1st")), "Hello World 1st"},
		{C("LPAD", L("hi"), L(4), L("??")), "??hi"},
		{C("LPAD", L("hi"), L(1), L("??")), "h"},
		{C("LPAD", L("hi"), L(5), L("xy")), "xyxhi"},
		{C("RPAD", L("hi"), L(5), L("xy")), "hixyx"},
		{C("LPAD", L("hi"), L(-1), L("?")), "NULL"},
		{C("LPAD", L("hi"), L(4), L("")), "NULL"},
		{C("REPEAT", L("ab"), L(3)), "ababab"},
		{C("REPEAT", L("ab"), L(-1)), ""},
		{C("REVERSE", L("héllo")), "olléh"},
		{C("POSITION", L("lo"), L("hello")), "4"},
		{C("POSITION", L("z"), L("hello")), "0"},
		{C("LOCATE", L("l"), L("hello"), L(4)), "4"},
		{C("LOCATE", L("h"), L("hello"), L(2)), "0"},
		{C("INSTR", L("héllo"), L("llo")), "3"},
		{C("LEFT", L("hello"), L(2)), "he"},
		{C("RIGHT", L("hello"), L(2)), "lo"},
		{C("RIGHT", L("hello"), L(10)), "hello"},
		{C("LEFT", L("hello"), L(-1)), ""},
		{C("MD5", L("abc")), "900150983cd24fb0d6963f7d28e17f72"},
		{C("SHA256", L("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{C("ASCII", L("A")), "65"},
		{C("CHR", L(65)), "A"},
		{C("TO_BASE64", L("hello")), "aGVsbG8="},
		{C("FROM_BASE64", L("aGVsbG8=")), "hello"},
	})
	if got, _ := eval1(C("CHAR_LENGTH", C("UUID"))); got != "36" {
		t.Errorf("UUID length %s", got)
	}
	want := "Cannot apply 'UPPER' to arguments of type 'UPPER(<INTEGER>)'. Supported form(s): 'UPPER(<CHARACTER>)'"
	if e := planErr("UPPER", L(1)); e != want {
		t.Errorf("plan error:\n got %s\nwant %s", e, want)
	}
	if e := planErr("SUBSTRING", L("a")); !strings.Contains(e, "Invalid number of arguments to function 'SUBSTRING'") {
		t.Errorf("arity error: %s", e)
	}
}

func TestLike(t *testing.T) {
	b := batchOf(vec(types.String, "xyz", "abc", nil, "x", "a_c", "aXc", "", "héllo"))
	s := colRef(0, types.String)
	for _, c := range []struct {
		pat, want string
		esc       string
	}{
		{"x%", "TRUE|FALSE|NULL|TRUE|FALSE|FALSE|FALSE|FALSE", ""},
		{"%c", "FALSE|TRUE|NULL|FALSE|TRUE|TRUE|FALSE|FALSE", ""},
		{"%b%", "FALSE|TRUE|NULL|FALSE|FALSE|FALSE|FALSE|FALSE", ""},
		{"a_c", "FALSE|TRUE|NULL|FALSE|TRUE|TRUE|FALSE|FALSE", ""},
		{"a\\_c", "FALSE|FALSE|NULL|FALSE|TRUE|FALSE|FALSE|FALSE", "\\"},
		{"%", "TRUE|TRUE|NULL|TRUE|TRUE|TRUE|TRUE|TRUE", ""},
		{"", "FALSE|FALSE|NULL|FALSE|FALSE|FALSE|TRUE|FALSE", ""},
		{"h_llo", "FALSE|FALSE|NULL|FALSE|FALSE|FALSE|FALSE|TRUE", ""},
		{"%l%o", "FALSE|FALSE|NULL|FALSE|FALSE|FALSE|FALSE|TRUE", ""},
		{"_%_", "TRUE|TRUE|NULL|FALSE|TRUE|TRUE|FALSE|TRUE", ""},
	} {
		var e Expr
		if c.esc != "" {
			e = C("LIKE", s, L(c.pat), L(c.esc))
		} else {
			e = C("LIKE", s, L(c.pat))
		}
		if got := evalRows(t, e, b); got != c.want {
			t.Errorf("LIKE %q = %s, want %s", c.pat, got, c.want)
		}
	}
	if got := evalRows(t, C("NOT LIKE", s, L("x%")), b); got != "FALSE|TRUE|NULL|FALSE|TRUE|TRUE|TRUE|TRUE" {
		t.Errorf("NOT LIKE: %s", got)
	}
	// Pattern from a column (changes per row).
	b2 := batchOf(vec(types.String, "abc", "abc", "abc"), vec(types.String, "a%", "b%", "%c"))
	if got := evalRows(t, C("LIKE", colRef(0, types.String), colRef(1, types.String)), b2); got != "TRUE|FALSE|TRUE" {
		t.Errorf("LIKE column pattern: %s", got)
	}
	runCases(t, []evalCase{
		{C("SIMILAR TO", L("abc"), L("(a|b)%")), "TRUE"},
		{C("SIMILAR TO", L("abc"), L("a.c")), "FALSE"},
		{C("NOT SIMILAR TO", L("abc"), L("_b_")), "FALSE"},
	})
}

func TestCaseConversionFastPath(t *testing.T) {
	var all strings.Builder
	for c := 0; c < 128; c++ {
		all.WriteByte(byte(c))
	}
	in := all.String() + "tail-abcXYZ"
	b := batchOf(vec(types.String, in, nil, "mIxEd 123 @[`{", ""))
	s := colRef(0, types.String)
	want := strings.ToUpper(in) + "|NULL|MIXED 123 @[`{|"
	if got := evalRows(t, C("UPPER", s), b); got != want {
		t.Errorf("UPPER fast path:\n got %q\nwant %q", got, want)
	}
	want = strings.ToLower(in) + "|NULL|mixed 123 @[`{|"
	if got := evalRows(t, C("LOWER", s), b); got != want {
		t.Errorf("LOWER fast path:\n got %q\nwant %q", got, want)
	}
}
