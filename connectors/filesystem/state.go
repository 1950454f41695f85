package filesystem

import (
	"encoding/binary"
	"errors"
)

// Source state: version, the files read completely, then the file being
// read (empty path if none) with its byte offset and line number.
const stateVersion = 1

func (r *reader) SnapshotState(int64) ([]byte, error) {
	b := binary.AppendUvarint(nil, stateVersion)
	b = binary.AppendUvarint(b, uint64(len(r.doneList)))
	for _, p := range r.doneList {
		b = appendString(b, p)
	}
	switch {
	case r.cur != nil:
		b = appendString(b, r.cur.path)
		b = binary.AppendUvarint(b, uint64(r.cur.offset))
		b = binary.AppendUvarint(b, uint64(r.cur.line))
	case r.resume != nil:
		b = appendString(b, r.resume.path)
		b = binary.AppendUvarint(b, uint64(r.resume.offset))
		b = binary.AppendUvarint(b, uint64(r.resume.line))
	default:
		b = appendString(b, "")
		b = binary.AppendUvarint(b, 0)
		b = binary.AppendUvarint(b, 0)
	}
	return b, nil
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

var errCorrupt = errors.New("filesystem: corrupt source state")

func (r *reader) restore(state []byte) error {
	d := decoder{b: state}
	if d.uvarint() != stateVersion {
		return errCorrupt
	}
	n := d.uvarint()
	for i := uint64(0); i < n && d.err == nil; i++ {
		p := d.string()
		r.done[p] = true
		r.doneList = append(r.doneList, p)
	}
	cur := d.string()
	off, line := d.uvarint(), d.uvarint()
	if d.err != nil {
		return d.err
	}
	if cur != "" {
		r.resume = &resumePos{path: cur, offset: int64(off), line: int64(line)}
	}
	return nil
}

type decoder struct {
	b   []byte
	err error
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
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
