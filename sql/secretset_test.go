package sql

import (
	"strings"
	"testing"
)

// TestSecretSetAddOption: a -D option's secret value is masked wherever it
// appears, also when it holds a quote; other values stay.
func TestSecretSetAddOption(t *testing.T) {
	var s SecretSet
	s.AddOption("s3.secret-key", "it's-a-s3cr3t")
	s.AddOption("pipeline.name", "visible")
	got := s.Mask("failed with key it's-a-s3cr3t for visible")
	if strings.Contains(got, "s3cr3t") || !strings.Contains(got, "visible") {
		t.Fatalf("masked: %q", got)
	}
}
