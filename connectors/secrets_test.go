package connectors

import "testing"

// TestMaskValue checks the connectors' view of secrets, which sql.MaskURL
// and sql.IsSensitiveKey implement: by key, and inside URLs of any shape.
func TestMaskValue(t *testing.T) {
	tests := []struct{ key, value, want string }{
		{"password", "hunter2", Masked},
		{"properties.SASL.JAAS.config", "x", Masked},
		{"username", "root", "root"},
		{"url", "jdbc:mysql://u:se/cret@host/db", "jdbc:mysql://u:" + Masked + "@host/db"},
		{"url", "jdbc:mysql://u:a;b?c#d@e:f@host/db?password=x", "jdbc:mysql://u:" + Masked + "@host/db?password=" + Masked},
		{"url", "jdbc:sqlserver://h;password=x;user=u", "jdbc:sqlserver://h;password=" + Masked + ";user=u"},
	}
	for _, tc := range tests {
		if got := MaskValue(tc.key, tc.value); got != tc.want {
			t.Errorf("MaskValue(%q, %q) = %q, want %q", tc.key, tc.value, got, tc.want)
		}
	}
	if m := MaskOptions(map[string]string{"token": "x", "a": "b"}); m["token"] != Masked || m["a"] != "b" {
		t.Errorf("MaskOptions: %v", m)
	}
}
