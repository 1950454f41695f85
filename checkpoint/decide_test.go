package checkpoint

import (
	"reflect"
	"strings"
	"testing"
)

func TestToSubsume(t *testing.T) {
	tests := []struct {
		completed []int64
		n         int
		want      []int64
	}{
		{nil, 1, nil},
		{[]int64{1}, 1, nil},
		{[]int64{1, 2}, 1, []int64{1}},
		{[]int64{1, 2, 3}, 1, []int64{1, 2}},
		{[]int64{1, 2, 3}, 2, []int64{1}},
		{[]int64{1, 2, 3}, 3, nil},
		{[]int64{1, 2, 3}, 10, nil},
		{[]int64{3, 1, 2}, 1, []int64{1, 2}},
		{[]int64{1, 2, 3}, 0, []int64{1, 2}},
		{[]int64{1, 2, 3}, -5, []int64{1, 2}},
		{[]int64{2, 2, 1}, 1, []int64{1}},
		{[]int64{7, 3, 9, 5}, 2, []int64{3, 5}},
	}
	for _, tt := range tests {
		in := append([]int64(nil), tt.completed...)
		got := ToSubsume(tt.completed, tt.n)
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ToSubsume(%v, %d) = %v, want %v", tt.completed, tt.n, got, tt.want)
		}
		if !reflect.DeepEqual(in, tt.completed) {
			t.Errorf("ToSubsume modified its input: %v -> %v", in, tt.completed)
		}
	}
}

// TestDeleteOnEnd is reference §3.4's table, cell by cell.
func TestDeleteOnEnd(t *testing.T) {
	const D, R = true, false // delete, retain
	table := []struct {
		r                                   Retention
		finished, canceled, failed, suspend bool
	}{
		{NoExternalizedCheckpoints, D, D, D, D},
		{DeleteOnCancellation, D, D, R, D},
		{RetainOnCancellation, D, R, R, R},
	}
	for _, row := range table {
		for end, want := range map[JobEnd]bool{EndFinished: row.finished, EndCanceled: row.canceled, EndFailed: row.failed, EndSuspended: row.suspend} {
			if got := DeleteOnEnd(row.r, end); got != want {
				t.Errorf("DeleteOnEnd(%v, %v) = %v, want %v", row.r, end, got, want)
			}
		}
	}
}

func TestParseRetention(t *testing.T) {
	tests := []struct {
		in   string
		want Retention
		err  bool
	}{
		{"NO_EXTERNALIZED_CHECKPOINTS", NoExternalizedCheckpoints, false},
		{"DELETE_ON_CANCELLATION", DeleteOnCancellation, false},
		{"RETAIN_ON_CANCELLATION", RetainOnCancellation, false},
		{"retain_on_cancellation", RetainOnCancellation, false},
		{"  Delete_On_Cancellation ", DeleteOnCancellation, false},
		{"", 0, true},
		{"RETAIN", 0, true},
		{"retain-on-cancellation", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseRetention(tt.in)
		if tt.err {
			if err == nil {
				t.Errorf("ParseRetention(%q) = %v, want error", tt.in, got)
				continue
			}
			for _, name := range []string{"NO_EXTERNALIZED_CHECKPOINTS", "DELETE_ON_CANCELLATION", "RETAIN_ON_CANCELLATION", "'" + tt.in + "'"} {
				if !strings.Contains(err.Error(), name) {
					t.Errorf("ParseRetention(%q) error %q does not mention %s", tt.in, err, name)
				}
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseRetention(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
		if back, err := ParseRetention(got.String()); err != nil || back != got {
			t.Errorf("ParseRetention(%v.String()) = %v, %v", got, back, err)
		}
	}
}

func TestLayout(t *testing.T) {
	if got := CheckpointDir("/r", "abc", 7); got != "/r/abc/chk-7" {
		t.Errorf("CheckpointDir = %q", got)
	}
	if got := JobDir("/r", "abc"); got != "/r/abc" {
		t.Errorf("JobDir = %q", got)
	}
	parse := []struct {
		in string
		id int64
		ok bool
	}{
		{"chk-1", 1, true}, {"chk-0", 0, true}, {"chk-123456789012", 123456789012, true},
		{"chk-", 0, false}, {"chk--1", 0, false}, {"chk-+1", 0, false}, {"chk-01", 0, false},
		{"chk-1a", 0, false}, {"chk-1.tmp", 0, false}, {"CHK-1", 0, false}, {"shared", 0, false},
		{"chk-99999999999999999999", 0, false},
	}
	for _, p := range parse {
		id, ok := ParseCheckpointDirName(p.in)
		if id != p.id || ok != p.ok {
			t.Errorf("ParseCheckpointDirName(%q) = %d, %v; want %d, %v", p.in, id, ok, p.id, p.ok)
		}
	}
	jobID := "3addd4c0ffee00112233445566778899"
	name := NewSavepointDirName(jobID, strings.NewReader("\x0b\x22\x4d\x93\x11\xe6"))
	if name != "savepoint-3addd4-0b224d9311e6" {
		t.Errorf("NewSavepointDirName = %q", name)
	}
	// Short reader falls back to crypto/rand; short job ids are used whole.
	if n := NewSavepointDirName("ab", strings.NewReader("")); !strings.HasPrefix(n, "savepoint-ab-") || len(n) != len("savepoint-ab-")+12 {
		t.Errorf("NewSavepointDirName fallback = %q", n)
	}
	if n := NewSavepointDirName(jobID, nil); len(n) != len("savepoint-3addd4-0b224d9311e6") || !IsSavepointDirName(n) {
		t.Errorf("NewSavepointDirName(nil) = %q", n)
	}
	if !IsJobID(jobID) || IsJobID("3ADDD4C0FFEE00112233445566778899") || IsJobID("abc") {
		t.Error("IsJobID")
	}
	s := newStateFileName()
	if len(s) != 36 || s[8] != '-' || s[14] != '4' {
		t.Errorf("newStateFileName = %q", s)
	}
}
