package all

import (
	"slices"
	"testing"

	"github.com/flinkgo/engine/connectors"
	"github.com/flinkgo/engine/connectors/formats"
)

func TestRegistered(t *testing.T) {
	got := connectors.Identifiers()
	for _, want := range []string{"blackhole", "datagen", "filesystem", "jdbc", "print", "socket"} {
		if !slices.Contains(got, want) {
			t.Errorf("connector %s not registered: %v", want, got)
		}
	}
	fs := formats.Identifiers()
	for _, want := range []string{"csv", "json", "raw"} {
		if !slices.Contains(fs, want) {
			t.Errorf("format %s not registered: %v", want, fs)
		}
	}
}
