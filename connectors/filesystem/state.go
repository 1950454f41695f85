package filesystem

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
)

// Source state layout (encoding/binary varints), format 2:
//
//	byte     0x02                   format version
//	uvarint  ndone                  files read completely (recorded by this
//	ndone × string path             subtask), in completion order
//	uvarint  nfiles                 files assigned and not read completely:
//	nfiles × {                      the file being read first, then the
//	  string   path                 queued ones in reading order
//	  varint   size                 size and modification time (µs) as
//	  varint   mod                  listed (file.size / file.modification-time)
//	  uvarint  offset               bytes consumed (0: not started)
//	  uvarint  line                 lines consumed (for error messages)
//	}
//
// A string is a uvarint length and the bytes. A one-shot scan assigns every
// file when it starts, so the union of all subtasks' "files" lists is what
// is left of the job; a monitoring scan records the files it knows (read or
// assigned), and files no subtask knows are new ones.
//
// Format 1 (older): uvarint 1, ndone × string, then the file being read
// (string, "" for none), uvarint offset, uvarint line. The queued files
// were not recorded; a restore lists the directory to find them.
const (
	stateV1 = 1
	stateV2 = 2
)

func (r *reader) SnapshotState(int64) ([]byte, error) {
	b := make([]byte, 0, 64)
	b = append(b, stateV2)
	b = binary.AppendUvarint(b, uint64(len(r.doneList)))
	for _, p := range r.doneList {
		b = appendString(b, p)
	}
	n := len(r.pending)
	if r.cur != nil {
		n++
	}
	b = binary.AppendUvarint(b, uint64(n))
	if r.cur != nil {
		b = appendEntry(b, &r.cur.fileEntry)
	}
	for i := range r.pending {
		b = appendEntry(b, &r.pending[i])
	}
	return b, nil
}

func appendEntry(b []byte, e *fileEntry) []byte {
	b = appendString(b, e.path)
	b = binary.AppendVarint(b, e.size)
	b = binary.AppendVarint(b, e.mod)
	b = binary.AppendUvarint(b, uint64(e.offset))
	return binary.AppendUvarint(b, uint64(e.line))
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

var errCorrupt = errors.New("corrupt state")

// sourceState is one decoded old subtask state.
type sourceState struct {
	done   []string
	files  []fileEntry
	legacy bool // format 1: queued files not recorded
}

func decodeSourceState(st []byte) (sourceState, error) {
	var s sourceState
	d := decoder{b: st}
	switch d.byte() {
	case stateV1:
		s.legacy = true
		s.done = d.strings()
		cur := d.string()
		off, line := d.uvarint(), d.uvarint()
		if cur != "" {
			s.files = append(s.files, fileEntry{fileInfo: fileInfo{path: cur, size: -1}, offset: int64(off), line: int64(line)})
		}
	case stateV2:
		s.done = d.strings()
		n := d.uvarint()
		if n > uint64(len(d.b)) {
			d.err = errCorrupt
		}
		for i := uint64(0); i < n && d.err == nil; i++ {
			var e fileEntry
			e.path = d.string()
			e.size, e.mod = d.varint(), d.varint()
			e.offset, e.line = int64(d.uvarint()), int64(d.uvarint())
			s.files = append(s.files, e)
		}
	default:
		if d.err == nil {
			d.err = fmt.Errorf("unknown state format %d", st[0])
		}
	}
	if d.err == nil && len(d.b) != 0 {
		d.err = errCorrupt
	}
	return s, d.err
}

// restore takes subtask sub's share (out of par) of the union of the old
// subtasks' states. Every new subtask computes the same assignment:
//
//   - files read completely by any old subtask are never read again;
//   - the remaining files (the union of the recorded files lists, and for
//     format-1 states the listed files nobody read) are sorted by path and
//     file k goes to subtask k % par, resuming at its recorded offset;
//   - a monitoring reader remembers every file of the union so a later scan
//     does not queue it again (new files go by path hash, as before), and
//     records in its state the completed files whose path hashes to it, so
//     the union over the new subtasks is again complete.
func (r *reader) restore(states [][]byte, sub, par int) error {
	done := map[string]bool{}
	files := map[string]fileEntry{}
	legacy := false
	for k, st := range states {
		if len(st) == 0 {
			continue
		}
		s, err := decodeSourceState(st)
		if err != nil {
			return fmt.Errorf("filesystem source of table %s: cannot restore the state of subtask %d: %w", r.src.name, k, err)
		}
		legacy = legacy || s.legacy
		for _, p := range s.done {
			done[p] = true
		}
		for _, e := range s.files {
			if old, ok := files[e.path]; !ok || e.offset > old.offset {
				files[e.path] = e
			}
		}
	}
	if legacy {
		listed, err := r.list()
		if err != nil {
			return err
		}
		for _, f := range listed {
			if e, ok := files[f.path]; ok {
				if e.size < 0 {
					e.fileInfo = f
					files[f.path] = e
				}
			} else if !done[f.path] {
				files[f.path] = fileEntry{fileInfo: f}
			}
		}
	}
	paths := make([]string, 0, len(files))
	for p := range files {
		if !done[p] {
			paths = append(paths, p)
		}
	}
	sort.Strings(paths)
	for k, p := range paths {
		r.seen[p] = true
		if k%par == sub {
			e := files[p]
			e.size = max(e.size, 0)
			r.pending = append(r.pending, e)
		}
	}
	donePaths := make([]string, 0, len(done))
	for p := range done {
		r.seen[p] = true
		if pathOwner(p, par) == sub {
			donePaths = append(donePaths, p)
		}
	}
	sort.Strings(donePaths)
	r.doneList = append(r.doneList, donePaths...)
	return nil
}

type decoder struct {
	b   []byte
	err error
}

func (d *decoder) byte() byte {
	if d.err != nil || len(d.b) == 0 {
		d.err = errCorrupt
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 || v > 1<<63-1 {
		d.err = errCorrupt
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.err = errCorrupt
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) string() string {
	n := d.uvarint()
	if d.err != nil || n > uint64(len(d.b)) {
		d.err = errCorrupt
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

func (d *decoder) strings() []string {
	n := d.uvarint()
	if d.err != nil || n > uint64(len(d.b)) {
		d.err = errCorrupt
		return nil
	}
	s := make([]string, 0, n)
	for i := uint64(0); i < n && d.err == nil; i++ {
		s = append(s, d.string())
	}
	return s
}
