package planner

import "testing"

func TestSuggestKey(t *testing.T) {
	for _, c := range []struct{ key, want string }{
		{"execution.checkpointing.intervall", "execution.checkpointing.interval"},
		{"execution.checkpoint.interval", ""}, // 3 edits: too far
		{"execution.checkpointing.intrval", "execution.checkpointing.interval"},
		{"state.backend.typ", "state.backend.type"},
		{"paralelism.default", "parallelism.default"},
		{"execution.checkpointing.interval", ""},
		{"state.checkpoints.dir", ""}, // deprecated name of a known key
		{"STATE.BACKEND.TYPE", ""},
		{"my.own.setting", ""},
	} {
		got, ok := SuggestKey(c.key)
		if got != c.want || ok != (c.want != "") {
			t.Errorf("SuggestKey(%q) = %q, %v; want %q", c.key, got, ok, c.want)
		}
	}
}
