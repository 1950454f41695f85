package netexchange

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"
)

// Wire format.
//
// A connection starts with a handshake in each direction: the 8 bytes
// "FGNX" + version (uint32 little endian); the dialer writes first, the
// listener answers with the same. Then frames, each a 9-byte header
//
//	type    uint8
//	channel uint32 LE   (number the sender gave the channel in its open frame)
//	length  uint32 LE   (payload bytes, at most MaxFrame)
//
// and the payload. Sender to receiver:
//
//	frameOpen      ChannelID: job (uvarint length + bytes), edge, producer, consumer (zig-zag varints)
//	frameSchema    column types of the batches that follow (codec.go); no credit
//	frameBatch     an encoded batch (codec.go); one credit
//	frameWatermark watermark int64 LE, idle uint8; one credit
//	frameBarrier   checkpoint id int64 LE, timestamp int64 LE, flags uint8 (1 savepoint, 2 drain); one credit
//	frameEnd       empty: end of input, the channel's last frame; one credit
//
// Receiver to sender:
//
//	frameCredit    uint32 LE: further messages the channel may send
const (
	frameOpen      = 1
	frameSchema    = 2
	frameBatch     = 3
	frameWatermark = 4
	frameBarrier   = 5
	frameEnd       = 6
	frameCredit    = 7
)

const (
	headerSize = 9
	magic      = "FGNX"
	version    = 1
	// MaxFrame bounds a frame's payload; a larger length is a protocol error.
	MaxFrame = 64 << 20
	// maxJobLen bounds the job name in a ChannelID.
	maxJobLen = 1024
)

// ChannelID names one logical channel: the data producer subtask Producer
// of edge Edge of job Job sends to consumer subtask Consumer. Job should
// include the attempt so that a restarted job never meets its predecessor's
// channels.
type ChannelID struct {
	Job      string
	Edge     int32
	Producer int32
	Consumer int32
}

func (id ChannelID) String() string {
	return fmt.Sprintf("%s/edge %d/subtask %d->%d", id.Job, id.Edge, id.Producer, id.Consumer)
}

func appendHeader(buf []byte, typ byte, ch uint32, n int) []byte {
	buf = append(buf, typ)
	buf = binary.LittleEndian.AppendUint32(buf, ch)
	return binary.LittleEndian.AppendUint32(buf, uint32(n))
}

// putHeader writes the header into buf[:headerSize] for a payload of
// len(buf)-headerSize bytes.
func putHeader(buf []byte, typ byte, ch uint32) {
	buf[0] = typ
	binary.LittleEndian.PutUint32(buf[1:], ch)
	binary.LittleEndian.PutUint32(buf[5:], uint32(len(buf)-headerSize))
}

func appendChannelID(buf []byte, id ChannelID) []byte {
	buf = binary.AppendUvarint(buf, uint64(len(id.Job)))
	buf = append(buf, id.Job...)
	buf = binary.AppendVarint(buf, int64(id.Edge))
	buf = binary.AppendVarint(buf, int64(id.Producer))
	return binary.AppendVarint(buf, int64(id.Consumer))
}

func decodeChannelID(p []byte) (ChannelID, error) {
	d := reader{b: p}
	n := d.uvarint()
	if n > maxJobLen {
		return ChannelID{}, errors.New("netexchange: channel id: job name too long")
	}
	job := d.bytes(int(n))
	id := ChannelID{Job: string(job)}
	id.Edge = d.int32()
	id.Producer = d.int32()
	id.Consumer = d.int32()
	if d.err == nil && len(d.b) != 0 {
		d.err = errTrailing
	}
	return id, d.err
}

func writeHandshake(w io.Writer) error {
	var b [8]byte
	copy(b[:], magic)
	binary.LittleEndian.PutUint32(b[4:], version)
	_, err := w.Write(b[:])
	return err
}

func readHandshake(r io.Reader) error {
	var b [8]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return fmt.Errorf("handshake: %w", err)
	}
	if string(b[:4]) != magic {
		return errors.New("handshake: not a netexchange peer")
	}
	if v := binary.LittleEndian.Uint32(b[4:]); v != version {
		return fmt.Errorf("handshake: peer speaks version %d, we speak %d", v, version)
	}
	return nil
}

// frameReader reads frames into a buffer it reuses.
type frameReader struct {
	r   io.Reader
	hdr [headerSize]byte
	buf []byte
}

// next reads one frame; the payload is valid until the following call.
func (f *frameReader) next() (typ byte, ch uint32, payload []byte, err error) {
	if _, err = io.ReadFull(f.r, f.hdr[:]); err != nil {
		return 0, 0, nil, err
	}
	typ = f.hdr[0]
	ch = binary.LittleEndian.Uint32(f.hdr[1:])
	n := binary.LittleEndian.Uint32(f.hdr[5:])
	if n > MaxFrame {
		return 0, 0, nil, fmt.Errorf("netexchange: frame of %d bytes exceeds the limit of %d", n, MaxFrame)
	}
	if cap(f.buf) < int(n) {
		// Grow in steps so a lying length costs at most what was sent plus one step.
		f.buf = make([]byte, 0, min(int(n), max(2*cap(f.buf), 64<<10)))
	}
	f.buf = f.buf[:0]
	for len(f.buf) < int(n) {
		if len(f.buf) == cap(f.buf) {
			nb := make([]byte, len(f.buf), min(int(n), 2*cap(f.buf)))
			copy(nb, f.buf)
			f.buf = nb
		}
		k, err := f.r.Read(f.buf[len(f.buf):min(int(n), cap(f.buf))])
		f.buf = f.buf[:len(f.buf)+k]
		if err != nil && len(f.buf) < int(n) {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return 0, 0, nil, err
		}
	}
	return typ, ch, f.buf, nil
}

// watermark / barrier payloads

func appendWatermark(buf []byte, wm int64, idle bool) []byte {
	buf = binary.LittleEndian.AppendUint64(buf, uint64(wm))
	if idle {
		return append(buf, 1)
	}
	return append(buf, 0)
}

var errTrailing = errors.New("netexchange: trailing bytes in frame")

// deadlineNever is the zero time: no deadline.
var deadlineNever time.Time
