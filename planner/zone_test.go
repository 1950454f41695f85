package planner

import (
	"testing"
	"time"
)

func TestParseZone(t *testing.T) {
	at := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		in      string
		offset  int // seconds east of UTC on 2024-01-01
		errText string
	}{
		{"UTC", 0, ""},
		{"Z", 0, ""},
		{"Asia/Shanghai", 8 * 3600, ""},
		{"America/Los_Angeles", -8 * 3600, ""},
		{"GMT+08:00", 8 * 3600, ""},
		{"GMT-3", -3 * 3600, ""},
		{"+05:30", 5*3600 + 30*60, ""},
		{"UTC+8", 0, "java.lang.IllegalArgumentException: The supported Zone ID is either a full name such as 'America/Los_Angeles', or a custom timezone id such as 'GMT-08:00', but configured Zone ID is 'UTC+8'."},
		{"EST", 0, "java.lang.IllegalArgumentException: The supported Zone ID is either a full name such as 'America/Los_Angeles', or a custom timezone id such as 'GMT-08:00', but configured Zone ID is 'EST'."},
		{"Mars/Olympus", 0, "java.time.zone.ZoneRulesException: Unknown time-zone ID: Mars/Olympus"},
		{"GMT+99", 0, "java.time.DateTimeException: Invalid ID for offset-based ZoneId: GMT+99"},
	}
	for _, c := range cases {
		loc, err := ParseZone(c.in)
		if c.errText != "" {
			ze, ok := err.(*ZoneError)
			if !ok || ze.FlinkClass()+": "+ze.Error() != c.errText {
				t.Errorf("ParseZone(%q) error = %v, want %q", c.in, err, c.errText)
			}
			continue
		}
		if err != nil {
			if _, e := time.LoadLocation("Asia/Shanghai"); e != nil {
				t.Skip("no tzdata")
			}
			t.Errorf("ParseZone(%q): %v", c.in, err)
			continue
		}
		if _, off := at.In(loc).Zone(); off != c.offset {
			t.Errorf("ParseZone(%q) offset %d, want %d", c.in, off, c.offset)
		}
	}
	if loc, err := ParseZone("default"); err != nil || loc != time.Local {
		t.Errorf("ParseZone(default) = %v, %v; want the system zone", loc, err)
	}
}
