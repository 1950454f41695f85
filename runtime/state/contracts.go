// Package state is the keyed and operator state layer of the runtime: what
// stateful operators (aggregations, joins, windows, deduplication, sinks
// with two-phase commit) keep between records and write into checkpoints.
//
// # Model
//
// Keyed state is partitioned by key group exactly as Flink partitions it: a
// key hashes to one of MaxParallelism key groups (runtime.KeyGroupOf) and a
// subtask owns a contiguous range of them (runtime.KeyGroupRange). Every
// snapshot is organised by key group, so a restore at another parallelism
// reads the snapshots of all old subtasks and keeps only the key groups of
// the new range: every key lands in the subtask owning its key group,
// nothing is lost or duplicated.
//
// Keys and values are byte slices that the operator encodes; this package
// never looks inside them (no `any`, no reflection on the data path). A
// state is addressed by (state name, key group, key) and, for map state, a
// map key.
//
// # Backends
//
// A KeyedBackend holds the keyed state of one operator instance (one
// subtask). Two implementations exist, chosen by `state.backend.type` (old
// name `state.backend`; see ParseBackendType):
//
//   - heap (`hashmap`, and the old `jobmanager`, `filesystem`): per state
//     and key group a byte slab of records with an open-addressing index
//     (heaptable.go), copy-on-write snapshots. Fast and compact; state must
//     fit in memory.
//   - Pebble (`rocksdb`): an LSM tree on local disk
//     (github.com/cockroachdb/pebble), for state larger than memory, with
//     incremental checkpoints that upload each immutable SST file once into
//     the job's shared/ directory and reference it from later checkpoints.
//
// Either may be wrapped in the changelog backend (ChangelogBackend,
// `state.backend.changelog.enabled`; changelog.go), which logs every change
// so a checkpoint uploads only the changes since the last one. It follows
// the same contracts; savepoints must be taken with
// SavepointSnapshotter.SnapshotSavepoint where a backend implements it.
//
// # Call order
//
// A backend is used like this, by the task goroutine that owns it:
//
//	b := NewHeapBackend(cfg) / NewPebbleBackend(cfg)
//	b.Restore(handles, reader)         optional, at most once, before anything else
//	b.RegisterValue(...) etc.          register every state up front
//	{
//	    b.SetCurrentKey(kg, key); state ops on the handles
//	  | b.Keys(name, fn)
//	  | p := b.Snapshot(id)            synchronous phase, short
//	  | b.NotifyCheckpointComplete(id)
//	}*
//	b.Close()
//
// and, for every Pending p returned by Snapshot, exactly one of
//
//	h, err := p.Write(w)              asynchronous phase, any goroutine
//	p.Release()                       the checkpoint was abandoned before Write
//
// (Release after Write is a no-op, so `defer p.Release()` is always fine).
// The Handle from Write is marshalled with MarshalHandle and stored by the
// checkpoint layer (inline in _metadata); Restore takes the marshalled
// handles of ALL old subtasks of the operator, in any order, nil entries
// allowed.
//
// # Concurrency
//
// A backend and its state handles are used by one goroutine at a time (the
// task). The only exception is Pending.Write (and Pending.Release), which may
// run on another goroutine while the task keeps processing records and even
// takes further snapshots: the snapshot keeps the state exactly as it was
// when Snapshot returned, whatever the task writes afterwards. SizeBytes may
// be called from any goroutine. Write or release every Pending before
// Close; Close must not run concurrently with a Write.
//
// # Ownership
//
// Slices passed in (keys, values) are borrowed for the duration of the call:
// the backend copies what it keeps. Slices returned (values, iteration
// arguments) are read-only and valid until the next call on that backend or
// any of its state handles: callers that keep them must copy, and nobody may
// modify them (the heap backend hands out its own immutable copies, which a
// running snapshot may be reading). Callbacks (Iterate, Get,
// Keys) must not keep their arguments after returning. Inside Iterate and
// Get callbacks the caller must not modify state; inside a Keys callback it
// may call SetCurrentKey and read or modify any state (keys added during the
// iteration may or may not be visited).
//
// ReduceFunc and AggregateFuncs must not modify their arguments in place and
// must be deterministic; they run on the task goroutine.
//
// # TTL
//
// State TTL (`table.exec.state.ttl`, Config.TTL, overridable per state in
// Descriptor.TTL) follows Flink's OnCreateAndWrite + NeverReturnExpired: an
// entry (a value, a list element, a map entry) expires TTL after it was last
// written, and an expired entry is never returned. Expired entries are
// dropped physically lazily: on access, by a bounded sweep at every Snapshot
// (a slice of the state per checkpoint, so every entry is visited after a
// few checkpoints), and by the heap snapshot writer, which never writes them.
// Pebble has no compaction filter, so expired data also lives on disk until
// one of these deletes it and a compaction drops the tombstone. Entries
// written while TTL was disabled carry no timestamp and never expire, even
// if a later run enables TTL. Time comes from Config.Clock.
//
// # Snapshots
//
// Snapshot is the synchronous phase. The heap backend freezes its maps: it
// records, per state and key group, the current map, and the next write to a
// frozen map (or nested map) copies it first (copy-on-write, at key-group
// granularity); nothing is serialised in the synchronous phase. The Pebble
// backend flushes the memtable and takes a Pebble checkpoint (hard links of
// the live SST files plus a copy of the MANIFEST) into its scratch
// directory. Pending.Write then serialises the frozen maps (heap: one
// exclusive file, see heapsnapshot.go) or uploads the checkpoint (Pebble: SST
// files in shared/, each once, plus one small exclusive bundle with the
// MANIFEST and OPTIONS; see pebblesnapshot.go).
//
// Incremental uploads rely on the checkpoint layer's reference counting
// (SharedRegistry): a shared file is reused by a later snapshot only when it
// was uploaded for a checkpoint that completed (NotifyCheckpointComplete) or
// restored from, and SharedExists still reports it.
package state

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// KeyedBackend holds the keyed state of one operator subtask. See the
// package documentation for call order, concurrency and ownership.
type KeyedBackend interface {
	// Type says which implementation this is.
	Type() BackendType
	// KeyGroupRange returns the key groups [start, end] this backend holds.
	KeyGroupRange() (start, end int)

	// Restore loads the state of a checkpoint: handles are the marshalled
	// Handles of every old subtask (any parallelism, nil entries allowed);
	// only key groups in this backend's range are kept. It must be called
	// before any registration or state access, at most once; nil or empty
	// handles restore nothing. A missing or corrupt file is an error naming
	// it; after a failed Restore the backend must only be closed.
	Restore(handles [][]byte, r SnapshotReader) error

	// RegisterValue, RegisterList, RegisterMap, RegisterReducing and
	// RegisterAggregating declare a state. Registering the same name again
	// with the same kind returns a handle on the same state (the TTL and
	// functions of the latest registration apply); another kind is an
	// error. State restored under a name is found by registering that name;
	// restored states that are never registered are kept and snapshotted.
	RegisterValue(d Descriptor) (ValueState, error)
	RegisterList(d Descriptor) (ListState, error)
	RegisterMap(d Descriptor) (MapState, error)
	RegisterReducing(d Descriptor, reduce ReduceFunc) (ReducingState, error)
	RegisterAggregating(d Descriptor, agg AggregateFuncs) (AggregatingState, error)

	// SetCurrentKey selects the key the state handles act on. keyGroup must
	// be runtime.KeyGroupOf of the key's hash and lie in KeyGroupRange;
	// otherwise every state access fails until a valid key is set. key is
	// copied.
	SetCurrentKey(keyGroup int, key []byte)

	// Keys calls fn for every key that has a (non-expired) entry in the
	// named state, key group by key group in ascending order, until fn
	// returns false.
	Keys(stateName string, fn func(keyGroup int, key []byte) bool) error

	// Snapshot is the synchronous phase of a checkpoint: it returns quickly
	// with a Pending that holds the state as of this call.
	Snapshot(checkpointID int64) (Pending, error)
	// NotifyCheckpointComplete says checkpoint id is durable: shared files
	// uploaded for it may be referenced by later snapshots.
	NotifyCheckpointComplete(checkpointID int64)

	// SizeBytes is an approximate size of the state (memory for heap, disk
	// for Pebble) for SHOW JOBS and metrics. Safe from any goroutine.
	SizeBytes() int64
	// Close releases memory, files and the Pebble database.
	Close() error
}

// Pending is a snapshot whose synchronous phase is done.
type Pending interface {
	// Write is the asynchronous phase: it uploads the snapshot through w and
	// returns the handle to store in the checkpoint. It may run on another
	// goroutine while the task keeps using the backend; it is called once.
	// Its resources are released when it returns.
	Write(w SnapshotWriter) (Handle, error)
	// Release discards a snapshot that will not be written (checkpoint
	// declined or aborted). Safe to call after Write, and more than once.
	Release()
}

// WrittenPending is a Pending whose files another process already wrote
// (a TaskManager's subtask): Write returns its handle and writes nothing.
type WrittenPending struct{ Handle Handle }

// Write implements Pending.
func (p WrittenPending) Write(SnapshotWriter) (Handle, error) { return p.Handle, nil }

// Release implements Pending: the files stay (the checkpoint layer
// deletes unreferenced files of aborted checkpoints).
func (WrittenPending) Release() {}

// SnapshotWriter is implemented by the checkpoint layer; it stores files of
// one checkpoint of one subtask. Refs are strings the matching
// SnapshotReader opens; for shared files they are also what SharedFiles
// returns and what SharedRegistry counts. Pending.Write may call it from
// several goroutines at once (a snapshot's files upload in parallel):
// implementations must be safe for concurrent use.
type SnapshotWriter interface {
	// WriteExclusive stores a file owned by this checkpoint (chk-<n>/).
	WriteExclusive(data io.Reader) (ref string, size int64, err error)
	// WriteShared stores a file in shared/ under name. It is called only for
	// names not uploaded before (or no longer existing); names are unique
	// across operators, subtasks and attempts.
	WriteShared(name string, data io.Reader) (ref string, size int64, err error)
	// SharedExists reports whether shared/ still holds name.
	SharedExists(name string) bool
}

// SnapshotReader opens files by the refs a SnapshotWriter returned. It
// must be safe for concurrent use: a restore fetches files in parallel.
type SnapshotReader interface {
	Open(ref string) (io.ReadCloser, error)
}

// Config configures a backend for one subtask.
type Config struct {
	OperatorID     string // stable operator id; used in error messages and file names
	Subtask        int    // 0-based
	Parallelism    int
	MaxParallelism int // number of key groups
	// KeyGroupStart and KeyGroupEnd (inclusive) are the key groups this
	// subtask owns, runtime.KeyGroupRange(Subtask, MaxParallelism, Parallelism).
	KeyGroupStart, KeyGroupEnd int
	// TTL is table.exec.state.ttl: 0 keeps state forever.
	TTL time.Duration
	// Clock returns the current time in ms since the epoch (TTL); nil means
	// the system clock.
	Clock func() int64
	// Dir is the Pebble backend's local scratch directory (created, and
	// removed on Close). Unused by the heap backend.
	Dir string
	// Incremental selects incremental snapshots for the Pebble backend
	// (execution.checkpointing.incremental); false uploads every file as an
	// exclusive file of each checkpoint. The heap backend is always full.
	Incremental bool
	// NoClaim (execution.state-recovery.claim-mode = NO_CLAIM) makes the
	// Pebble backend's first snapshot after a restore upload its own copy
	// of every SST instead of referencing the restored checkpoint's shared
	// files, so that checkpoint stays owned by whoever wrote it.
	NoClaim bool
}

func (c *Config) validate() error {
	if c.MaxParallelism <= 0 || c.MaxParallelism > MaxKeyGroups {
		return fmt.Errorf("state: operator %s: max parallelism %d outside [1, %d]", c.OperatorID, c.MaxParallelism, MaxKeyGroups)
	}
	if c.KeyGroupStart < 0 || c.KeyGroupEnd >= c.MaxParallelism || c.KeyGroupStart > c.KeyGroupEnd+1 {
		return fmt.Errorf("state: operator %s: key group range [%d, %d] invalid for max parallelism %d", c.OperatorID, c.KeyGroupStart, c.KeyGroupEnd, c.MaxParallelism)
	}
	if c.TTL < 0 {
		return fmt.Errorf("state: operator %s: negative TTL %v", c.OperatorID, c.TTL)
	}
	return nil
}

func (c *Config) clock() func() int64 {
	if c.Clock != nil {
		return c.Clock
	}
	return func() int64 { return time.Now().UnixMilli() }
}

// MaxKeyGroups is the largest supported max parallelism (Flink's limit).
const MaxKeyGroups = 1 << 15

// Kind is the kind of a keyed state.
type Kind uint8

const (
	KindValue Kind = iota + 1
	KindList
	KindMap
	KindReducing
	KindAggregating
)

func (k Kind) String() string {
	switch k {
	case KindValue:
		return "VALUE"
	case KindList:
		return "LIST"
	case KindMap:
		return "MAP"
	case KindReducing:
		return "REDUCING"
	case KindAggregating:
		return "AGGREGATING"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Descriptor names a state. Kind is given by the Register method.
type Descriptor struct {
	Name string
	// TTL overrides Config.TTL for this state: 0 inherits it, a negative
	// value disables TTL for this state.
	TTL time.Duration
}

// ttlMillis resolves the effective TTL in ms (0 = never).
func (d Descriptor) ttlMillis(def time.Duration) int64 {
	t := d.TTL
	if t == 0 {
		t = def
	}
	if t <= 0 {
		return 0
	}
	ms := t.Milliseconds()
	if ms == 0 {
		ms = 1
	}
	return ms
}

// ReduceFunc folds v into the accumulator acc and returns the new
// accumulator. It must not modify acc or v.
type ReduceFunc func(acc, v []byte) []byte

// AggregateFuncs define an aggregating state over []byte accumulators.
type AggregateFuncs struct {
	// Add folds v into acc; acc is nil when there is no accumulator yet.
	Add func(acc, v []byte) []byte
	// Merge combines two accumulators (MergeAccumulator).
	Merge func(a, b []byte) []byte
	// Result turns an accumulator into the value Get returns.
	Result func(acc []byte) []byte
}

// ValueState is a single value per key.
type ValueState interface {
	// Value returns the current key's value and whether it exists.
	Value() ([]byte, bool, error)
	Update(v []byte) error
	Clear() error
}

// ListState is a list of values per key.
type ListState interface {
	// Get calls fn for each element in insertion order until it returns false.
	Get(fn func(v []byte) bool) error
	Add(v []byte) error
	AddAll(vs [][]byte) error
	// Update replaces the list (an empty vs clears it).
	Update(vs [][]byte) error
	Clear() error
}

// MapState is a map of user keys to values per key.
type MapState interface {
	Get(k []byte) ([]byte, bool, error)
	Put(k, v []byte) error
	Remove(k []byte) error
	Contains(k []byte) (bool, error)
	// Iterate calls fn for every entry (in no particular order) until it
	// returns false.
	Iterate(fn func(k, v []byte) bool) error
	// IterateFrom is Iterate over the entries whose map key is >= from
	// (byte order). Pebble seeks to from, so entries below it (and their
	// deletions) cost nothing: keys that begin with an order-preserving
	// time let an operator skip what it no longer needs.
	IterateFrom(from []byte, fn func(k, v []byte) bool) error
	// RemoveRange removes the entries whose map key is >= from and < to
	// (from nil: from the first). Pebble deletes them one by one: a range
	// deletion would make every later iterator re-fragment the memtable's
	// range deletions.
	RemoveRange(from, to []byte) error
	IsEmpty() (bool, error)
	Clear() error
}

// ReducingState folds added values with the ReduceFunc given at
// registration.
type ReducingState interface {
	Add(v []byte) error
	Get() ([]byte, bool, error)
	Clear() error
}

// AggregatingState folds added values into an accumulator with
// AggregateFuncs; Get returns Result(accumulator).
type AggregatingState interface {
	Add(v []byte) error
	// MergeAccumulator merges an accumulator into the current one.
	MergeAccumulator(acc []byte) error
	Get() ([]byte, bool, error)
	Clear() error
}

// BackendType names a backend implementation.
type BackendType uint8

const (
	BackendHeap   BackendType = 1
	BackendPebble BackendType = 2
)

func (t BackendType) String() string {
	switch t {
	case BackendHeap:
		return "hashmap"
	case BackendPebble:
		return "rocksdb"
	}
	return fmt.Sprintf("BackendType(%d)", uint8(t))
}

// ParseBackendType maps a `state.backend.type` (or old `state.backend`)
// value to a backend: hashmap, jobmanager and filesystem are the heap
// backend; rocksdb is Pebble. Case-insensitive; empty means the default
// (hashmap).
func ParseBackendType(v string) (BackendType, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "", "hashmap", "jobmanager", "filesystem", "heap":
		return BackendHeap, nil
	case "rocksdb", "pebble":
		return BackendPebble, nil
	}
	return 0, fmt.Errorf("Could not find a state backend for 'state.backend.type' = '%s'. Supported: hashmap, rocksdb (and the old names jobmanager, filesystem).", v)
}

// NewBackend creates a backend of type t.
func NewBackend(t BackendType, cfg Config) (KeyedBackend, error) {
	switch t {
	case BackendHeap:
		b, err := NewHeapBackend(cfg)
		if err != nil {
			return nil, err
		}
		return b, nil
	case BackendPebble:
		b, err := NewPebbleBackend(cfg)
		if err != nil {
			return nil, err
		}
		return b, nil
	}
	return nil, fmt.Errorf("state: unknown backend type %d", t)
}
