package state

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"sort"
)

// OperatorState is the non-keyed state of one operator subtask (source
// positions, sink committables, broadcast rules), in Flink's three
// redistribution flavours. The operator fills it and returns Encode() from
// SnapshotState; on restore, RedistributeOperatorState turns the blobs of
// all old subtasks (OperatorContext.RestoredStates) into this subtask's
// share.
type OperatorState struct {
	// Lists are list states (Flink's ListState / getListState): on a
	// parallelism change their elements are dealt round-robin over the new
	// subtasks; at the same parallelism each subtask keeps its own.
	Lists map[string][][]byte
	// Unions are union list states: every new subtask gets the elements of
	// all old subtasks (in old-subtask order).
	Unions map[string][][]byte
	// Broadcast are broadcast (map) states, identical on every subtask:
	// every new subtask gets one copy.
	Broadcast map[string]map[string][]byte
}

// NewOperatorState returns an empty OperatorState.
func NewOperatorState() *OperatorState {
	return &OperatorState{
		Lists:     map[string][][]byte{},
		Unions:    map[string][][]byte{},
		Broadcast: map[string]map[string][]byte{},
	}
}

// Operator state format, version 1: magic "FGOS", version byte, then the
// lists, the unions (each: count, then per name: name bytes, element count,
// element bytes), the broadcast states (count, then per name: name bytes,
// entry count, key bytes, value bytes; keys sorted), and a CRC-32C of all
// preceding bytes (4 bytes BE). Names are sorted, so equal states encode
// equally.
const (
	opStateMagic   = "FGOS"
	opStateVersion = 1
)

// Encode serialises s.
func (s *OperatorState) Encode() []byte {
	out := append([]byte(opStateMagic), opStateVersion)
	out = appendLists(out, s.Lists)
	out = appendLists(out, s.Unions)
	out = binary.AppendUvarint(out, uint64(len(s.Broadcast)))
	for _, name := range sortedKeys(s.Broadcast) {
		m := s.Broadcast[name]
		out = appendBytes(out, []byte(name))
		out = binary.AppendUvarint(out, uint64(len(m)))
		for _, k := range sortedKeys(m) {
			out = appendBytes(out, []byte(k))
			out = appendBytes(out, m[k])
		}
	}
	return binary.BigEndian.AppendUint32(out, crc32.Checksum(out, castagnoli))
}

func appendLists(out []byte, lists map[string][][]byte) []byte {
	out = binary.AppendUvarint(out, uint64(len(lists)))
	for _, name := range sortedKeys(lists) {
		out = appendBytes(out, []byte(name))
		out = binary.AppendUvarint(out, uint64(len(lists[name])))
		for _, e := range lists[name] {
			out = appendBytes(out, e)
		}
	}
	return out
}

func sortedKeys[V []byte | [][]byte | map[string][]byte](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// DecodeOperatorState parses one subtask's blob; nil or empty gives an
// empty state.
func DecodeOperatorState(blob []byte) (*OperatorState, error) {
	s := NewOperatorState()
	if len(blob) == 0 {
		return s, nil
	}
	if len(blob) < 9 || string(blob[:4]) != opStateMagic {
		return nil, fmt.Errorf("state: corrupt operator state (bad magic)")
	}
	if blob[4] != opStateVersion {
		return nil, fmt.Errorf("state: operator state version %d not supported (this build reads %d)", blob[4], opStateVersion)
	}
	body := blob[:len(blob)-4]
	if crc32.Checksum(body, castagnoli) != binary.BigEndian.Uint32(blob[len(blob)-4:]) {
		return nil, fmt.Errorf("state: corrupt operator state (checksum mismatch)")
	}
	d := decoder{b: body[5:]}
	readLists(&d, s.Lists)
	readLists(&d, s.Unions)
	n := d.uvarint()
	for i := uint64(0); i < n && d.err == nil; i++ {
		name := string(d.bytes())
		cnt := d.uvarint()
		m := map[string][]byte{}
		for j := uint64(0); j < cnt && d.err == nil; j++ {
			k := string(d.bytes())
			m[k] = d.bytes()
		}
		s.Broadcast[name] = m
	}
	if d.err == nil && len(d.b) != 0 {
		d.err = fmt.Errorf("%d trailing bytes", len(d.b))
	}
	if d.err != nil {
		return nil, fmt.Errorf("state: corrupt operator state: %w", d.err)
	}
	return s, nil
}

func readLists(d *decoder, into map[string][][]byte) {
	n := d.uvarint()
	for i := uint64(0); i < n && d.err == nil; i++ {
		name := string(d.bytes())
		cnt := d.uvarint()
		if cnt > uint64(len(d.b)) {
			d.fail(errHandleTruncated)
			return
		}
		list := make([][]byte, 0, cnt)
		for j := uint64(0); j < cnt && d.err == nil; j++ {
			list = append(list, d.bytes())
		}
		into[name] = list
	}
}

// RedistributeOperatorState computes subtask's share (of parallelism new
// subtasks) of the blobs written by all old subtasks (index = old subtask;
// nil entries allowed):
//
//   - Lists: at the same parallelism the subtask's own lists; otherwise all
//     elements in old-subtask order, element i going to subtask
//     i % parallelism;
//   - Unions: all elements of all old subtasks, in old-subtask order;
//   - Broadcast: the copy of the first old subtask that has the state.
func RedistributeOperatorState(blobs [][]byte, subtask, parallelism int) (*OperatorState, error) {
	if parallelism <= 0 || subtask < 0 || subtask >= parallelism {
		return nil, fmt.Errorf("state: subtask %d of parallelism %d", subtask, parallelism)
	}
	olds := make([]*OperatorState, len(blobs))
	for i, b := range blobs {
		s, err := DecodeOperatorState(b)
		if err != nil {
			return nil, fmt.Errorf("%w (old subtask %d)", err, i)
		}
		olds[i] = s
	}
	out := NewOperatorState()
	sameParallelism := len(blobs) == parallelism
	counters := map[string]int{}
	for i, old := range olds {
		for _, name := range sortedKeys(old.Lists) {
			if _, ok := out.Lists[name]; !ok {
				out.Lists[name] = [][]byte{}
			}
			for _, e := range old.Lists[name] {
				mine := i == subtask
				if !sameParallelism {
					mine = counters[name]%parallelism == subtask
					counters[name]++
				}
				if mine {
					out.Lists[name] = append(out.Lists[name], e)
				}
			}
		}
		for name, list := range old.Unions {
			out.Unions[name] = append(out.Unions[name], list...)
		}
		for name, m := range old.Broadcast {
			if _, ok := out.Broadcast[name]; !ok {
				out.Broadcast[name] = m
			}
		}
	}
	return out, nil
}
