// Package checkpoint owns what survives a process: the checkpoint
// coordinator (periodic trigger, timeout, min pause, max concurrent,
// tolerable failures), the storage layout and the _metadata format,
// retention, savepoints and restore resolution.
//
// Layout, exactly Flink's (reference §3):
//
//	<dir>/<job-id>/chk-<n>/_metadata      one completed checkpoint
//	<dir>/<job-id>/chk-<n>/<uuid>         its state files (exclusive)
//	<dir>/<job-id>/shared/                files shared by incremental checkpoints
//	<dir>/<job-id>/taskowned/             task-owned state
//	<savepoint-dir>/savepoint-<job-id[0:6]>-<12 hex>/_metadata (+ files): self-contained
//
// A checkpoint is complete exactly when its _metadata exists: _metadata is
// written last, atomically (temp file, fsync, rename, fsync of the
// directory), versioned and checksummed. Directories are 0700 and files 0600
// whatever the umask.
//
// Decision logic (what to restore, what to delete, how to classify an ack)
// is plain functions over facts (decide.go, decide_latest.go), tested
// without I/O. I/O goes through the Storage interface so tests can inject
// faults and object storage can come later.
//
// Concurrency: a Storage is safe for concurrent use. A Coordinator is
// driven by its own goroutine; its methods may be called from any goroutine.
package checkpoint

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// Storage is the file system checkpoints live on. Paths are plain
// slash-separated paths (file:// URIs are resolved by ParseURI first) or
// S3 paths "s3:/bucket/key" (s3://, s3a://, s3p:// URIs; see
// storage_s3.go); RoutingStorage sends each to its store.
type Storage interface {
	// MkdirAll creates a directory (0700) and its parents.
	MkdirAll(dir string) error
	// WriteAtomic writes a whole file (0600) so that it either exists with
	// all of data or not at all: temp file, fsync, rename, fsync the dir.
	WriteAtomic(path string, data []byte) error
	// WriteAtomicFrom is WriteAtomic streaming from r (large state files
	// are not held in memory); it returns the bytes written.
	WriteAtomicFrom(path string, r io.Reader) (int64, error)
	// CreateExclusive is WriteAtomic that succeeds only if no file exists
	// at path; otherwise its error satisfies os.ErrExist. It writes
	// _metadata, the commit point: of two writers of one checkpoint
	// exactly one completes it (on object storage a conditional create,
	// If-None-Match: *).
	CreateExclusive(path string, data []byte) error
	// ReadFile returns a file's content; Open streams it.
	ReadFile(path string) ([]byte, error)
	Open(path string) (io.ReadCloser, error)
	// List returns the names of the entries of a directory (not recursive),
	// sorted; a missing directory is an error satisfying os.IsNotExist.
	List(dir string) ([]Entry, error)
	// Remove deletes a file or an empty directory; RemoveAll a tree. Both
	// succeed when the path does not exist.
	Remove(path string) error
	RemoveAll(path string) error
	// Rename moves a file or directory.
	Rename(from, to string) error
}

// Entry is one directory entry.
type Entry struct {
	Name    string
	IsDir   bool
	Size    int64
	ModTime time.Time
}

// OperatorState is the snapshot of one operator across its subtasks.
type OperatorState struct {
	OperatorID     string // 32 hex, stable across runs of the same statements
	Name           string // for error messages ("GroupAggregate")
	Parallelism    int
	MaxParallelism int
	// Subtasks holds one entry per subtask (index = subtask): either the
	// state inline or a reference to a state file. Empty for stateless.
	Subtasks []StateHandle
}

// StateHandle is one subtask's state: Inline bytes, or File (relative to
// the checkpoint directory for exclusive files — "shared/..." style paths
// point into the job's shared directory) with Size and CRC32C checksum.
type StateHandle struct {
	Inline   []byte
	File     string
	Size     int64
	Checksum uint32
}

// Metadata is the content of a _metadata file.
type Metadata struct {
	Version      int    // format version (written: CurrentVersion)
	CheckpointID int64  //
	JobID        string // 32 hex
	JobName      string // pipeline.name / insert-into_...
	Timestamp    int64  // ms since epoch when triggered
	Savepoint    bool
	// Format is how the keyed state is stored: FormatCanonical (a
	// savepoint any backend restores) or FormatNative (the backend's own
	// files; every checkpoint). Decoded metadata always has one of them.
	Format    SavepointFormat
	Operators []OperatorState
}

// SavepointFormat is Flink's SavepointFormatType: how a savepoint stores
// keyed state.
type SavepointFormat uint8

const (
	// FormatDefault is the configured default (Config.SavepointFormat),
	// itself CANONICAL unless set.
	FormatDefault SavepointFormat = 0
	// FormatCanonical is backend-independent: a job restores it on either
	// state backend and at any parallelism (Flink's default for savepoints).
	FormatCanonical SavepointFormat = 1
	// FormatNative is the state backend's own format (checkpoints always
	// are): faster to take, restorable only by the same backend.
	FormatNative SavepointFormat = 2
)

func (f SavepointFormat) String() string {
	switch f {
	case FormatCanonical:
		return "CANONICAL"
	case FormatNative:
		return "NATIVE"
	}
	return "DEFAULT"
}

// ParseSavepointFormat reads a formatType ("CANONICAL", "NATIVE",
// case-insensitive; empty is FormatDefault).
func ParseSavepointFormat(v string) (SavepointFormat, error) {
	switch strings.ToUpper(strings.TrimSpace(v)) {
	case "":
		return FormatDefault, nil
	case "CANONICAL":
		return FormatCanonical, nil
	case "NATIVE":
		return FormatNative, nil
	}
	return 0, fmt.Errorf("Unknown savepoint format type '%s'. Supported: CANONICAL, NATIVE.", v)
}

// CheckpointKind distinguishes what a directory entry holds.
type CheckpointKind uint8

const (
	KindCheckpoint CheckpointKind = iota
	KindSavepoint
)

// Retention is execution.checkpointing.externalized-checkpoint-retention.
type Retention uint8

const (
	NoExternalizedCheckpoints Retention = iota // NO_EXTERNALIZED_CHECKPOINTS (default)
	DeleteOnCancellation                       // DELETE_ON_CANCELLATION
	RetainOnCancellation                       // RETAIN_ON_CANCELLATION
)

// JobEnd is how a job ended, for retention decisions.
type JobEnd uint8

const (
	EndFinished JobEnd = iota
	EndCanceled
	EndFailed
	EndSuspended
)
