package filesystem

import (
	"crypto/rand"
	"encoding/hex"
	"io"
	"io/fs"
	"os"
)

// FS is the file system the connector reads and writes; tests and embedders
// may replace DefaultFS.
type FS interface {
	Open(name string) (io.ReadCloser, error)
	// Create creates (truncating) a file for writing.
	Create(name string) (io.WriteCloser, error)
	Rename(from, to string) error
	MkdirAll(dir string) error
	Stat(name string) (fs.FileInfo, error)
	ReadDir(dir string) ([]fs.DirEntry, error)
}

// OSFS is the local file system.
type OSFS struct{}

func (OSFS) Open(name string) (io.ReadCloser, error)    { return os.Open(name) }
func (OSFS) Create(name string) (io.WriteCloser, error) { return os.Create(name) }
func (OSFS) Rename(from, to string) error               { return os.Rename(from, to) }
func (OSFS) MkdirAll(dir string) error                  { return os.MkdirAll(dir, 0o755) }
func (OSFS) Stat(name string) (fs.FileInfo, error)      { return os.Stat(name) }
func (OSFS) ReadDir(dir string) ([]fs.DirEntry, error)  { return os.ReadDir(dir) }

// DirSyncer is implemented by file systems that can make the entries of a
// directory durable (fsync of the directory); the sink uses it after
// creating pending files and after commits when the FS has it.
type DirSyncer interface {
	SyncDir(dir string) error
}

// SyncDir fsyncs a directory.
func (OSFS) SyncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	serr := f.Sync()
	if err := f.Close(); serr == nil {
		serr = err
	}
	return serr
}

// DefaultFS is used by sources and sinks created from now on.
var DefaultFS FS = OSFS{}

// NewUUID returns a random (version 4) UUID string; replaceable in tests.
var NewUUID = func() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("filesystem: no randomness: " + err.Error())
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:], b[10:])
	return string(s[:])
}
