package checkpoint

import (
	"bytes"
	"encoding/binary"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func sampleMetadata() *Metadata {
	big := bytes.Repeat([]byte("0123456789abcdef"), 4096) // 64 KiB
	return &Metadata{
		Version:      CurrentVersion,
		Format:       FormatNative,
		CheckpointID: 42,
		JobID:        "3addd4c0ffee00112233445566778899",
		JobName:      "insert-into_default_catalog.default_database.sink",
		Timestamp:    1700000000123,
		Savepoint:    false,
		Operators: []OperatorState{
			{OperatorID: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", Name: "Source: datagen", Parallelism: 2, MaxParallelism: 128,
				Subtasks: []StateHandle{{Inline: []byte("offset=10")}, {Inline: []byte{}}}},
			{OperatorID: "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", Name: "Calc", Parallelism: 1, MaxParallelism: 128},
			{OperatorID: "cccccccccccccccccccccccccccccccc", Name: "GroupAggregate", Parallelism: 3, MaxParallelism: 256,
				Subtasks: []StateHandle{
					{Inline: big},
					{File: "7b0c1a2e-1234-4abc-8def-0123456789ab", Size: 123456, Checksum: 0xdeadbeef},
					{File: "shared/sst-000001", Size: 1, Checksum: 1},
				}},
		},
	}
}

func TestMetadataRoundTrip(t *testing.T) {
	cases := map[string]*Metadata{
		"sample":    sampleMetadata(),
		"empty":     {Version: CurrentVersion},
		"savepoint": {Version: CurrentVersion, CheckpointID: 1, JobID: "x", Savepoint: true, Timestamp: -1},
		"negative":  {Version: CurrentVersion, CheckpointID: -3, Operators: []OperatorState{{Parallelism: -1, Subtasks: []StateHandle{{}}}}},
		"unicode":   {Version: CurrentVersion, JobName: "ジョブ ✓", Operators: []OperatorState{{Name: "\x00\xff"}}},
		"canonical": {Version: CurrentVersion, CheckpointID: 2, Savepoint: true, Format: FormatCanonical},
	}
	for name, m := range cases {
		t.Run(name, func(t *testing.T) {
			if m.Format == FormatDefault {
				m.Format = FormatNative // what every decoded metadata says
			}
			data := EncodeMetadata(m)
			if got := binary.BigEndian.Uint32(data); got != MetadataMagic {
				t.Fatalf("magic = %#x", got)
			}
			if got := binary.BigEndian.Uint32(data[4:]); got != CurrentVersion {
				t.Fatalf("version = %d", got)
			}
			back, err := DecodeMetadata(data, "/x/chk-1/_metadata")
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(back, m) {
				t.Errorf("round trip differs:\n got %+v\nwant %+v", back, m)
			}
		})
	}
}

func TestMetadataVersionIsWritten(t *testing.T) {
	m := &Metadata{Version: 77, CheckpointID: 1}
	back, err := DecodeMetadata(EncodeMetadata(m), "p")
	if err != nil || back.Version != CurrentVersion {
		t.Fatalf("got %v, %v", back, err)
	}
}

func TestDecodeMetadataErrors(t *testing.T) {
	const path = "/ckp/3addd4c0ffee00112233445566778899/chk-7/_metadata"
	good := EncodeMetadata(sampleMetadata())
	withVersion := func(v uint32) []byte {
		d := bytes.Clone(good)
		binary.BigEndian.PutUint32(d[4:], v)
		// Fix the checksum so only the version is wrong.
		binary.BigEndian.PutUint32(d[len(d)-4:], Checksum(d[:len(d)-4]))
		return d
	}
	flipped := bytes.Clone(good)
	flipped[len(flipped)/2] ^= 0x40
	// A well-checksummed file whose body is garbage.
	var malformed []byte
	malformed = binary.BigEndian.AppendUint32(malformed, MetadataMagic)
	malformed = binary.BigEndian.AppendUint32(malformed, CurrentVersion)
	malformed = binary.AppendUvarint(malformed, 3)
	malformed = append(malformed, 0xff, 0xff, 0xff)
	malformed = binary.BigEndian.AppendUint32(malformed, Checksum(malformed))
	// A valid body followed by extra bytes inside the body length.
	var extra []byte
	body := EncodeMetadata(&Metadata{CheckpointID: 1})
	inner := body[9 : len(body)-4] // magic+version+1-byte length
	extra = binary.BigEndian.AppendUint32(extra, MetadataMagic)
	extra = binary.BigEndian.AppendUint32(extra, CurrentVersion)
	extra = binary.AppendUvarint(extra, uint64(len(inner)+2))
	extra = append(extra, inner...)
	extra = append(extra, 0, 0)
	extra = binary.BigEndian.AppendUint32(extra, Checksum(extra))

	tests := []struct {
		name   string
		data   []byte
		reason error
		want   string
	}{
		{"empty", nil, ErrMetadataTruncated, "is empty"},
		{"magic prefix", good[:2], ErrMetadataTruncated, "truncated"},
		{"short garbage", []byte("{}"), ErrNotMetadata, "not a checkpoint metadata file"},
		{"json", []byte(`{"checkpointId": 1}`), ErrNotMetadata, "not a checkpoint metadata file"},
		{"header only magic", good[:6], ErrMetadataTruncated, "truncated"},
		{"no length", good[:8], ErrMetadataTruncated, "truncated"},
		{"truncated body", good[:len(good)/2], ErrMetadataTruncated, "truncated"},
		{"missing checksum", good[:len(good)-4], ErrMetadataTruncated, "truncated"},
		{"missing checksum byte", good[:len(good)-1], ErrMetadataTruncated, "truncated"},
		{"future version", withVersion(CurrentVersion + 1), ErrMetadataVersion, "newer engine"},
		{"version zero", withVersion(0), ErrMetadataVersion, "unknown checkpoint metadata format version 0"},
		{"negative version", withVersion(0xffffffff), ErrMetadataVersion, "unknown"},
		{"flipped byte", flipped, ErrMetadataChecksum, "is corrupt (checksum mismatch); the checkpoint cannot be used — restore from an older chk-<n>"},
		{"trailing garbage", append(bytes.Clone(good), "junk"...), ErrMetadataTrailing, "4 unexpected bytes after its checksum"},
		{"malformed body", malformed, ErrMetadataMalformed, "is corrupt"},
		{"extra bytes in body", extra, ErrMetadataMalformed, "2 unexpected bytes at the end of the body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := DecodeMetadata(tt.data, path)
			if err == nil {
				t.Fatalf("decoded %+v, want error", m)
			}
			if !errors.Is(err, tt.reason) {
				t.Errorf("error %q is not %v", err, tt.reason)
			}
			var me *MetadataError
			if !errors.As(err, &me) || me.Path != path {
				t.Errorf("error %q is not a *MetadataError for %s", err, path)
			}
			if !strings.HasPrefix(err.Error(), path+" ") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q: want path first and %q", err, tt.want)
			}
		})
	}
}

// TestDecodeMetadataEveryCorruption flips each bit of every byte and
// truncates at every length: each must be an error, never a panic.
func TestDecodeMetadataEveryCorruption(t *testing.T) {
	m := sampleMetadata()
	m.Operators[2].Subtasks[0].Inline = []byte("small enough to flip every bit")
	good := EncodeMetadata(m)
	for i := range good {
		for bit := 0; bit < 8; bit++ {
			d := bytes.Clone(good)
			d[i] ^= 1 << bit
			if got, err := DecodeMetadata(d, "p"); err == nil {
				t.Fatalf("flipping bit %d of byte %d decoded without error: %+v", bit, i, got)
			}
		}
	}
	for n := 0; n < len(good); n++ {
		if _, err := DecodeMetadata(good[:n], "p"); err == nil {
			t.Fatalf("truncation to %d bytes decoded without error", n)
		}
	}
	for _, junk := range [][]byte{{0}, []byte("x"), good} {
		if _, err := DecodeMetadata(append(bytes.Clone(good), junk...), "p"); !errors.Is(err, ErrMetadataTrailing) {
			t.Fatalf("trailing %d bytes: %v", len(junk), err)
		}
	}
}

func FuzzDecodeMetadata(f *testing.F) {
	// Seeds stay small: the fuzzer minimizes every new input, which is
	// slow for the 64 KiB sample.
	small := sampleMetadata()
	small.Operators[2].Subtasks[0].Inline = []byte("state")
	f.Add(EncodeMetadata(small))
	f.Add(EncodeMetadata(&Metadata{}))
	f.Add(EncodeMetadata(&Metadata{CheckpointID: 3, JobName: "j", Operators: []OperatorState{{OperatorID: "o", Subtasks: []StateHandle{{Inline: []byte("s")}, {File: "f", Size: 3}}}}}))
	f.Add([]byte{0x49, 0x60, 0x67, 0x2d, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := DecodeMetadata(data, "fuzz")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz ") {
				t.Fatalf("error does not name the path: %v", err)
			}
			return
		}
		// Whatever decodes re-encodes to something that decodes the same.
		again, err := DecodeMetadata(EncodeMetadata(m), "again")
		if err != nil {
			t.Fatalf("re-encoded metadata does not decode: %v", err)
		}
		again.Version = m.Version // an old version re-encodes as the current one
		if !reflect.DeepEqual(m, again) {
			t.Fatalf("re-encoding changed the metadata:\n%+v\n%+v", m, again)
		}
	})
}

// FuzzDecodeMetadataBody wraps arbitrary bytes in a valid header and
// checksum, so that the fuzzer reaches the body parser past the CRC.
func FuzzDecodeMetadataBody(f *testing.F) {
	small := sampleMetadata()
	small.Operators[2].Subtasks[0].Inline = []byte("state")
	for _, m := range []*Metadata{small, {}, {Operators: []OperatorState{{Subtasks: []StateHandle{{}}}}}} {
		data := EncodeMetadata(m)
		_, n := binary.Uvarint(data[8:])
		f.Add(data[8+n : len(data)-4])
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var data []byte
		data = binary.BigEndian.AppendUint32(data, MetadataMagic)
		data = binary.BigEndian.AppendUint32(data, CurrentVersion)
		data = binary.AppendUvarint(data, uint64(len(body)))
		data = append(data, body...)
		data = binary.BigEndian.AppendUint32(data, Checksum(data))
		m, err := DecodeMetadata(data, "fuzz")
		if err != nil {
			if !errors.Is(err, ErrMetadataMalformed) {
				t.Fatalf("a well-framed file failed with %v", err)
			}
			return
		}
		if enc := EncodeMetadata(m); !bytes.Equal(enc, data) {
			// Non-minimal varints decode too; the re-encoding must at
			// least decode to the same metadata.
			again, err := DecodeMetadata(enc, "again")
			if err != nil || !reflect.DeepEqual(m, again) {
				t.Fatalf("re-encoding changed the metadata: %v", err)
			}
		}
	})
}
