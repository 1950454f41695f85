package filesystem

import (
	"encoding/binary"
	"fmt"
	"strings"
)

// Sink state layout (encoding/binary varints), format 3:
//
//	byte     0x03                   format version
//	string   prefix                 "part-<uuid>" of the run that wrote it
//	uvarint  subtask                the writer's subtask index
//	uvarint  counter                next part number of that subtask
//	uvarint  ncommit                checkpoints with pending files not yet
//	ncommit × {                     committed, ascending
//	  varint   checkpoint           checkpoint id
//	  uvarint  nfiles
//	  nfiles × {
//	    string dir                  partition directory relative to the
//	                                sink's path ("k=v/k2=v2"; "" if none)
//	    string pending              hidden name ".part-…-<n>.inprogress.<uuid>"
//	    string final                visible name "part-<uuid>-<subtask>-<n>"
//	  }
//	}
//
// A string is a uvarint length and the bytes; file names are base names in
// dir. Without checkpointing ncommit is always 0. Format 2 is format 3
// without dir (unpartitioned tables) and is still read. (The unversioned
// state before format 2, a bare part counter, is not read.)
const (
	sinkStateV2 = 2
	sinkStateV3 = 3
)

type sinkState struct {
	prefix  string
	subtask int
	counter int64
	commits []committable
}

func encodeSinkState(s *sinkState) []byte {
	b := make([]byte, 0, 64)
	b = append(b, sinkStateV3)
	b = appendString(b, s.prefix)
	b = binary.AppendUvarint(b, uint64(s.subtask))
	b = binary.AppendUvarint(b, uint64(s.counter))
	b = binary.AppendUvarint(b, uint64(len(s.commits)))
	for _, c := range s.commits {
		b = binary.AppendVarint(b, c.checkpoint)
		b = binary.AppendUvarint(b, uint64(len(c.files)))
		for _, f := range c.files {
			b = appendString(b, f.dir)
			b = appendString(b, f.tmp)
			b = appendString(b, f.final)
		}
	}
	return b
}

func decodeSinkState(st []byte) (*sinkState, error) {
	d := decoder{b: st}
	v := d.byte()
	if d.err == nil && v != sinkStateV2 && v != sinkStateV3 {
		return nil, fmt.Errorf("unknown state format %d", v)
	}
	s := &sinkState{prefix: d.string(), subtask: int(d.uvarint()), counter: int64(d.uvarint())}
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.err = errCorrupt
	}
	for i := uint64(0); i < n && d.err == nil; i++ {
		c := committable{checkpoint: d.varint()}
		m := d.uvarint()
		if m > uint64(len(d.b)) {
			d.err = errCorrupt
		}
		for j := uint64(0); j < m && d.err == nil; j++ {
			var f partFile
			if v == sinkStateV3 {
				f.dir = d.string()
			}
			f.tmp, f.final = d.string(), d.string()
			c.files = append(c.files, f)
		}
		s.commits = append(s.commits, c)
	}
	if d.err == nil && len(d.b) != 0 {
		d.err = errCorrupt
	}
	if d.err != nil {
		return nil, d.err
	}
	for _, c := range s.commits {
		for _, f := range c.files {
			if !validName(f.tmp) || !validName(f.final) || !validDir(f.dir) {
				return nil, fmt.Errorf("invalid part file name in state: %q", f.final)
			}
		}
	}
	return s, nil
}

// validName accepts a plain file name (no directory part).
func validName(n string) bool {
	if n == "" || n == "." || n == ".." {
		return false
	}
	for i := 0; i < len(n); i++ {
		if n[i] == '/' || n[i] == '\\' || n[i] == 0 {
			return false
		}
	}
	return true
}

// validDir accepts "" or a relative path of plain names joined by '/'.
func validDir(d string) bool {
	if d == "" {
		return true
	}
	for _, c := range strings.Split(d, "/") {
		if !validName(c) {
			return false
		}
	}
	return true
}
