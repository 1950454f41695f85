package types

import (
	"testing"

	"github.com/cockroachdb/apd/v3"
)

func TestParseDate(t *testing.T) {
	cases := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"2020-01-01", 18262, true},
		{"1970-01-01", 0, true},
		{" 2020-1-1 ", 18262, true},
		{"1969-12-31", -1, true},
		{"2020-02-29", 18321, true},
		{"2019-02-29", 0, false},
		{"2020-13-01", 0, false},
		{"2020-01-01x", 0, false},
		{"2020/01/01", 0, false},
		{"", 0, false},
	}
	for _, c := range cases {
		got, err := ParseDate(c.in)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("ParseDate(%q) = %d, %v", c.in, got, err)
		}
	}
	if _, err := ParseDate("bad"); err == nil || err.Error() != "Invalid DATE value 'bad'" {
		t.Errorf("error = %v", err)
	}
}

func TestParseTime(t *testing.T) {
	cases := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"12:34:56", 45296000, true},
		{"12:34", 45240000, true},
		{"12:34:56.1", 45296100, true},
		{"12:34:56.123456789", 45296123, true},
		{"24:00:00", 0, false},
		{"12:34:56.", 0, false},
		{"1234", 0, false},
	}
	for _, c := range cases {
		got, err := ParseTime(c.in)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("ParseTime(%q) = %d, %v", c.in, got, err)
		}
	}
}

func TestParseTimestamp(t *testing.T) {
	cases := []struct {
		in   string
		p    int
		want int64
		ok   bool
	}{
		{"2020-01-01 12:34:56.123", 3, 1577882096123000, true},
		{"2020-01-01T12:34:56.123", 3, 1577882096123000, true},
		{"2020-01-01 12:34:56.123456", 3, 1577882096123000, true},
		{"2020-01-01 12:34:56.123456", 6, 1577882096123456, true},
		{"2020-01-01 12:34:56.123456789", 9, 1577882096123456, true},
		{"2020-01-01 12:34:56", 0, 1577882096000000, true},
		{"2020-01-01 12:34", 3, 1577882040000000, true},
		{"2020-01-01", 3, 1577836800000000, true},
		{"1969-12-31 23:59:59.999", 3, -1000, true},
		{"2020-01-01X12:34:56", 3, 0, false},
		{"2020-01-01 12:34:56Z", 3, 0, false},
		{"2020-01-01 25:00:00", 3, 0, false},
	}
	for _, c := range cases {
		got, err := ParseTimestamp(c.in, c.p)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("ParseTimestamp(%q, %d) = %d, %v", c.in, c.p, got, err)
		}
	}
	if v, ok := ParseTimestampSep([]byte("2020-01-01T12:34:56.123Z"), 'T', true, 3); !ok || v != 1577882096123000 {
		t.Errorf("ParseTimestampSep = %d %v", v, ok)
	}
	if _, ok := ParseTimestampSep("2020-01-01 12:34:56", 'T', false, 3); ok {
		t.Errorf("ParseTimestampSep accepted wrong separator")
	}
}

func TestParseDecimal(t *testing.T) {
	cases := []struct {
		in      string
		p, s    int
		want    string
		wantErr bool
	}{
		{"1.2", 10, 2, "1.20", false},
		{"1.005", 10, 2, "1.01", false},
		{"-1.005", 10, 2, "-1.01", false},
		{"1.004", 10, 2, "1.00", false},
		{"123", 5, 2, "123.00", false},
		{"1234", 5, 2, "", true},
		{"999.995", 5, 2, "", true},
		{"1e2", 5, 0, "100", false},
		{"1.5E-1", 5, 2, "0.15", false},
		{"+7", 3, 0, "7", false},
		{"-0.001", 5, 2, "0.00", false},
		{"0", 5, 2, "0.00", false},
		{"0e999999999", 5, 2, "0.00", false},
		{"12345678901234567890123.5", 38, 0, "12345678901234567890124", false},
		{"1234567890123456789012.345", 38, 2, "1234567890123456789012.35", false},
		{"12345678901234567890123", 20, 0, "", true},
		{"18446744073709551615", 38, 0, "18446744073709551615", false},
		{"0.00000000000000000000001", 10, 2, "0.00", false},
		{"abc", 5, 2, "", true},
		{"1.2.3", 5, 2, "", true},
		{"", 5, 2, "", true},
		{".5", 5, 1, "0.5", false},
		{"5.", 5, 1, "5.0", false},
	}
	for _, c := range cases {
		d, err := ParseDecimal(c.in, c.p, c.s)
		if c.wantErr {
			if err == nil {
				t.Errorf("ParseDecimal(%q, %d, %d) = %s, want error", c.in, c.p, c.s, d.Text('f'))
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseDecimal(%q, %d, %d): %v", c.in, c.p, c.s, err)
			continue
		}
		if got := d.Text('f'); got != c.want {
			t.Errorf("ParseDecimal(%q, %d, %d) = %s, want %s", c.in, c.p, c.s, got, c.want)
		}
		if d.Exponent != int32(-c.s) {
			t.Errorf("ParseDecimal(%q) exponent %d", c.in, d.Exponent)
		}
	}
}

func TestParseDecimalNoAlloc(t *testing.T) {
	var d apd.Decimal
	b := []byte("12345.678")
	n := testing.AllocsPerRun(100, func() {
		if err := ParseDecimalInto(&d, b, 10, 2); err != nil {
			t.Fatal(err)
		}
	})
	if n != 0 {
		t.Errorf("allocs = %v", n)
	}
}
