package all

import (
	"strings"
	"testing"

	"github.com/flinkgo/engine/connectors"
	"github.com/flinkgo/engine/connectors/formats"
)

func TestRegistered(t *testing.T) {
	if got := strings.Join(connectors.Identifiers(), ","); !strings.Contains(got, "blackhole,datagen,filesystem,print") {
		t.Errorf("connectors: %s", got)
	}
	if got := strings.Join(formats.Identifiers(), ","); got != "csv,json,raw" {
		t.Errorf("formats: %s", got)
	}
}
