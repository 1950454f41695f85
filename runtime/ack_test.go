package runtime

import "testing"

func TestClassifyAck(t *testing.T) {
	for _, tt := range []struct {
		name string
		id   int64
		f    ackFacts
		want AckKind
	}{
		{"first ack", 5, ackFacts{pending: true, lastTriggered: 6, expected: true}, AckSuccess},
		{"duplicate", 5, ackFacts{pending: true, lastTriggered: 6, expected: true, acked: true}, AckDuplicate},
		{"unexpected task", 5, ackFacts{pending: true, lastTriggered: 6}, AckUnknown},
		{"never triggered", 9, ackFacts{lastTriggered: 6}, AckUnknown},
		{"completed or aborted", 4, ackFacts{lastTriggered: 6}, AckLate},
		{"completed, unexpected task", 4, ackFacts{lastTriggered: 6, expected: false}, AckLate},
		{"id zero", 0, ackFacts{lastTriggered: 6}, AckUnknown},
	} {
		if got := classifyAck(tt.id, tt.f); got != tt.want {
			t.Errorf("%s: classifyAck = %v, want %v", tt.name, got, tt.want)
		}
	}
	if AckLate.String() != "late" || AckKind(9).String() != "AckKind(9)" {
		t.Fatal("AckKind.String")
	}
}
