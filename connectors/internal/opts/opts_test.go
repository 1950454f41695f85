package opts

import (
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	cases := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"10 s", 10 * time.Second, true},
		{"1min", time.Minute, true},
		{"30 min", 30 * time.Minute, true},
		{"500", 500 * time.Millisecond, true},
		{"2 d", 48 * time.Hour, true},
		{"1 h", time.Hour, true},
		{"abc", 0, false},
		{"10 parsecs", 0, false},
	}
	for _, c := range cases {
		got, ok := ParseDuration(c.in)
		if ok != c.ok || got != c.want {
			t.Errorf("ParseDuration(%q) = %v %v", c.in, got, ok)
		}
	}
}

func TestMemorySize(t *testing.T) {
	o := map[string]string{"a": "128MB", "b": "1 kb", "c": "42", "d": "x"}
	for k, want := range map[string]int64{"a": 128 << 20, "b": 1024, "c": 42, "z": 7} {
		if got, err := MemorySize(o, k, 7); err != nil || got != want {
			t.Errorf("%s: %d %v", k, got, err)
		}
	}
	if _, err := MemorySize(o, "d", 0); err == nil || err.Error() != "Could not parse value 'x' for key 'd'." {
		t.Errorf("err = %v", err)
	}
}
