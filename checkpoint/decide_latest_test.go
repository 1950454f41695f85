package checkpoint

import (
	"reflect"
	"strings"
	"testing"
)

// candOK is a complete checkpoint of job id "j" that can be restored.
func candOK(path, name string, id, ts int64) Candidate {
	return Candidate{Path: path, JobID: "j", JobName: name, ID: id, Timestamp: ts, Complete: true}
}

// candBroken is a checkpoint of job id "j" whose state file is missing.
func candBroken(path, name string, id, ts int64) Candidate {
	c := candOK(path, name, id, ts)
	c.Problem = "state file " + path + "/f is missing"
	return c
}

// candCorrupt is a checkpoint of job id jobID whose _metadata cannot be read.
func candCorrupt(path, jobID string, id, ts int64) Candidate {
	return Candidate{Path: path, JobID: jobID, NameUnknown: true, ID: id, Timestamp: ts, Complete: true,
		Problem: path + "/_metadata is corrupt (checksum mismatch)"}
}

// candInProgress is a chk-<n> directory without _metadata.
func candInProgress(path string, id, ts int64) Candidate {
	return Candidate{Path: path, JobID: "j", NameUnknown: true, ID: id, Timestamp: ts}
}

func paths(cs []Candidate) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Path)
	}
	return out
}

func TestDecideLatest(t *testing.T) {
	tests := []struct {
		name   string
		cs     []Candidate
		job    string
		chosen string // "" when none found
		broken []string
		older  []string
	}{
		{"none", nil, "q", "", nil, nil},
		{"single", []Candidate{candOK("a", "q", 1, 10)}, "q", "a", nil, nil},
		{"newest by timestamp", []Candidate{candOK("a", "q", 5, 10), candOK("b", "q", 2, 20)}, "q", "b", nil, []string{"a"}},
		{"tie on timestamp -> id", []Candidate{candOK("a", "q", 5, 10), candOK("b", "q", 2, 10)}, "q", "a", nil, []string{"b"}},
		{"full tie -> path", []Candidate{candOK("b", "q", 1, 10), candOK("a", "q", 1, 10)}, "q", "b", nil, []string{"a"}},
		{"older sorted newest first", []Candidate{candOK("a", "q", 1, 10), candOK("c", "q", 3, 30), candOK("b", "q", 2, 20)}, "q", "c", nil, []string{"b", "a"}},
		{"other job", []Candidate{candOK("a", "q", 1, 10), candOK("b", "other", 2, 20)}, "q", "a", nil, nil},
		{"no match", []Candidate{candOK("b", "other", 2, 20)}, "q", "", nil, nil},
		{"empty name matches empty", []Candidate{candOK("a", "", 1, 10), candOK("b", "q", 2, 20)}, "", "a", nil, nil},
		// A directory without _metadata never completed: ignored.
		{"in-progress newest ignored", []Candidate{candOK("a", "q", 1, 10), candInProgress("b", 2, 20)}, "q", "a", nil, nil},
		{"only in-progress", []Candidate{candInProgress("b", 2, 20)}, "q", "", nil, nil},
		// A corrupt newest checkpoint is reported, not skipped.
		{"corrupt newest", []Candidate{candOK("a", "q", 1, 10), candOK("b", "q", 2, 20), candCorrupt("c", "j", 3, 30)}, "q", "b", []string{"c"}, []string{"a"}},
		// Within a job id the checkpoint id orders: the corrupt one's
		// Timestamp is only its directory's modification time.
		{"corrupt newer by id", []Candidate{candOK("a", "q", 1, 50), candCorrupt("b", "j", 2, 40)}, "q", "a", []string{"b"}, nil},
		{"corrupt older by id", []Candidate{candCorrupt("a", "j", 1, 60), candOK("b", "q", 2, 50)}, "q", "b", nil, nil},
		{"broken state file newest", []Candidate{candOK("a", "q", 1, 10), candBroken("b", "q", 2, 20)}, "q", "a", []string{"b"}, nil},
		{"two broken, newest first", []Candidate{candOK("a", "q", 1, 10), candBroken("b", "q", 2, 20), candCorrupt("c", "j", 3, 30)}, "q", "a", []string{"c", "b"}, nil},
		{"only broken", []Candidate{candBroken("b", "q", 2, 20)}, "q", "", []string{"b"}, nil},
		// The name of a corrupt checkpoint comes from its job directory.
		{"corrupt of another job", []Candidate{candOK("a", "q", 1, 10), candOK("x", "other", 1, 20), candCorrupt("y", "j", 2, 30)}, "q", "a", nil, nil},
		// A corrupt checkpoint whose job cannot be told counts as ours
		// when newer (another run's directory holding only it) ...
		{"unknown job newer", []Candidate{candOK("a", "q", 1, 10), candCorrupt("z", "k", 1, 30)}, "q", "a", []string{"z"}, nil},
		{"unknown job, no job id", []Candidate{candOK("a", "q", 1, 10), candCorrupt("z", "", 7, 30)}, "q", "a", []string{"z"}, nil},
		// ... and is of no concern when older.
		{"unknown job older", []Candidate{candCorrupt("z", "k", 1, 5), candOK("a", "q", 1, 10)}, "q", "a", nil, nil},
		{"broken of another job", []Candidate{candOK("a", "q", 1, 10), candBroken("b", "other", 2, 20)}, "q", "a", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := append([]Candidate(nil), tt.cs...)
			d := DecideLatest(tt.cs, "/r", tt.job)
			if d.Found != (tt.chosen != "") || d.Chosen.Path != tt.chosen {
				t.Errorf("Chosen = %q (found %v); want %q", d.Chosen.Path, d.Found, tt.chosen)
			}
			if got := paths(d.Broken); !reflect.DeepEqual(got, tt.broken) {
				t.Errorf("Broken = %v; want %v", got, tt.broken)
			}
			if got := paths(d.Older); !reflect.DeepEqual(got, tt.older) {
				t.Errorf("Older = %v; want %v", got, tt.older)
			}
			if !reflect.DeepEqual(in, tt.cs) {
				t.Error("DecideLatest modified its input")
			}
		})
	}
}

func TestLatestDecisionErr(t *testing.T) {
	cs := []Candidate{candOK("/r/j/chk-5", "q", 5, 50), candOK("/r/j/chk-6", "q", 6, 60), candCorrupt("/r/j/chk-7", "j", 7, 70),
		candInProgress("/r/j/chk-8", 8, 80)}
	d := DecideLatest(cs, "/r", "q")

	// Without the fallback key: an error naming the file and what is wrong,
	// listing the older checkpoints and saying what to do.
	err := d.Err(false)
	if err == nil {
		t.Fatal("Err(false) = nil past a corrupt newest checkpoint")
	}
	want := "Cannot restore job 'q' from 'latest': its newest checkpoint cannot be restored:\n" +
		"  /r/j/chk-7: /r/j/chk-7/_metadata is corrupt (checksum mismatch)\n" +
		"Older complete checkpoints of the job, newest first:\n" +
		"  /r/j/chk-6\n" +
		"  /r/j/chk-5\n" +
		"Restoring an older checkpoint makes sinks write again what they committed after it (exactly-once sinks then hold duplicates), so it is not done silently. " +
		"Set 'execution.state-recovery.path' to one of them, or set 'execution.state-recovery.latest.fallback-to-older' = 'true' to restore the newest of them, or repair the broken checkpoint."
	if err.Error() != want {
		t.Errorf("error =\n%s\nwant\n%s", err, want)
	}
	if d.FallbackNotice() == "" {
		t.Error("FallbackNotice is empty although a newer checkpoint is skipped")
	}

	// With it: the newest restorable one, and a notice naming both.
	if err := d.Err(true); err != nil || d.Chosen.Path != "/r/j/chk-6" {
		t.Fatalf("Err(true) = %v, Chosen %q", err, d.Chosen.Path)
	}
	notice := d.FallbackNotice()
	for _, s := range []string{"[WARN]", "/r/j/chk-6", "/r/j/chk-7: /r/j/chk-7/_metadata is corrupt (checksum mismatch)", FallbackToOlderKey, "duplicates"} {
		if !strings.Contains(notice, s) {
			t.Errorf("FallbackNotice lacks %q:\n%s", s, notice)
		}
	}

	// Nothing broken: no notice, no error either way.
	clean := DecideLatest(cs[:2], "/r", "q")
	for _, fb := range []bool{false, true} {
		if err := clean.Err(fb); err != nil || clean.Chosen.Path != "/r/j/chk-6" {
			t.Errorf("Err(%v) = %v, Chosen %q", fb, err, clean.Chosen.Path)
		}
	}
	if n := clean.FallbackNotice(); n != "" {
		t.Errorf("FallbackNotice = %q", n)
	}

	// Nothing at all, and nothing restorable.
	if err := DecideLatest(nil, "/r", "q").Err(true); err == nil ||
		err.Error() != "No complete checkpoint of job 'q' found under /r; check execution.checkpointing.dir" {
		t.Errorf("no checkpoints: %v", err)
	}
	err = DecideLatest([]Candidate{candCorrupt("/r/k/chk-1", "k", 1, 10)}, "/r", "q").Err(true)
	if err == nil || !strings.Contains(err.Error(), "no checkpoint of it under /r can be restored:\n  /r/k/chk-1: /r/k/chk-1/_metadata is corrupt") ||
		!strings.Contains(err.Error(), "may be a checkpoint of this job") {
		t.Errorf("only corrupt: %v", err)
	}
}
