package state

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble"
	"github.com/cockroachdb/pebble/bloom"
)

// PebbleBackend keeps keyed state in a Pebble database in Config.Dir (local
// scratch space: the database is rebuilt from a checkpoint on restore and
// removed on Close), so state can be larger than memory.
//
// Key layout: every data key starts with the key group (2 bytes,
// big-endian) and the state id (2 bytes, big-endian), then the user key
// (uvarint length + bytes) and, for map state, the map key:
//
//	kg | sid | len(key) | key [| mapKey]
//
// so a key group range is one contiguous key range (what a restore at
// another parallelism keeps), a state within a key group is contiguous
// (Keys), and a key's map entries are contiguous (MapState.Iterate). Key
// group 0xFFFF (never a real key group) holds the state catalogue:
//
//	0xFF 0xFF 'S' name -> sid (2 bytes BE) | kind byte
//
// Values carry the write time for TTL: value, reducing and aggregating
// state store uvarint(ts) | value; map entries likewise; list state stores
// the concatenation of its elements, each uvarint(ts) | uvarint(len) |
// bytes, so Add is a Pebble merge (the concatenating merger), not a
// read-modify-write.
//
// The database runs without a write-ahead log: durability comes from
// checkpoints, and Snapshot flushes the memtable before it takes the Pebble
// checkpoint. Value state goes through a bounded write-back cache
// (pebblecache.go) that Snapshot, Keys and the TTL sweep write back first.
// Every database of the process shares one block cache (sharedCache).
type PebbleBackend struct {
	cfg        Config
	start, end int
	now        func() int64
	dbDir      string
	db         *pebble.DB
	instance   string // unique per backend instance; prefixes shared file names

	states map[string]*pebbleState
	byID   map[uint16]*pebbleState
	nextID int
	anyTTL bool

	restored, touched bool

	kg      int    // current key group; -1 when invalid
	badKG   int    // rejected key group
	keyTail []byte // uvarint(len(key)) | key of the current key
	kbuf    []byte // scratch: encoded pebble key
	wbuf    []byte // scratch: encoded value to write
	vbuf    []byte // returned values (valid until the next call)
	keyBuf  []byte // Keys / Iterate callback argument

	// vcache holds value state in front of the database (pebblecache.go);
	// cacheSize approximates the bytes of its dirty entries (not in the
	// database yet), for SizeBytes.
	vcache    valueCache
	cacheSize atomic.Int64
	// mcache holds whole maps of scanned map states (pebblemapcache.go);
	// gen counts the writes to the database (its load iterator's view).
	mcache mapCache
	// writtenKeys and writtenMaps filter the data keys and the map key
	// prefixes written to db (keyfilter.go).
	writtenKeys, writtenMaps keyFilter
	mapSize                  atomic.Int64 // bytes of mcache's dirty entries
	gen                      uint64

	sweepCursor []byte // TTL sweep position
	snapSeq     int

	upMu      sync.Mutex                     // guards confirmed and snapRefs
	confirmed map[string]sharedSST           // local sst name -> shared upload of a completed/restored checkpoint
	snapRefs  map[int64]map[string]sharedSST // checkpoint id -> shared SSTs its snapshot references
	closeMu   sync.RWMutex                   // SizeBytes vs Close
	closed    bool
	// SizeBytes is asked after every batch; Pebble's metrics are not cheap,
	// so the figure is refreshed at most every sizeEvery.
	sizeMu   sync.Mutex
	sizeAt   time.Time
	sizeLast int64
}

var _ KeyedBackend = (*PebbleBackend)(nil)

// sharedSST is an SST file in shared/.
type sharedSST struct {
	name string // name in shared/
	ref  string
	size int64
	crc  uint32
}

// pebbleState is one state of the catalogue.
type pebbleState struct {
	id         uint16
	name       string
	kind       Kind
	ttl        int64
	reduce     ReduceFunc
	agg        AggregateFuncs
	registered bool
	// whole: a map state's keys are cached as whole maps (mapCache). Set
	// at its first scan (Iterate, IterateFrom, RemoveRange, Clear,
	// IsEmpty): a state that is scanned (a join's rows) is read per key;
	// one only read and written by map key (COUNT(DISTINCT)'s value
	// counts, possibly millions under one key) keeps its entries in the
	// value cache one by one.
	whole bool
	// direct: every operation of the map state goes to Pebble (too many of
	// its keys were too large for the map cache).
	direct bool
}

const (
	metaKG      = 0xFFFF
	catalogByte = 'S'
)

// NewPebbleBackend creates a Pebble backend with its database in cfg.Dir.
func NewPebbleBackend(cfg Config) (*PebbleBackend, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if cfg.Dir == "" {
		return nil, fmt.Errorf("state: operator %s: the Pebble state backend needs a local directory", cfg.OperatorID)
	}
	var rnd [8]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return nil, fmt.Errorf("state: instance id: %w", err)
	}
	op := cfg.OperatorID
	if len(op) > 8 {
		op = op[:8]
	}
	if op == "" {
		op = "op"
	}
	b := &PebbleBackend{
		cfg:       cfg,
		start:     cfg.KeyGroupStart,
		end:       cfg.KeyGroupEnd,
		now:       cfg.clock(),
		dbDir:     filepath.Join(cfg.Dir, "db"),
		instance:  fmt.Sprintf("%s-%d-%s", op, cfg.Subtask, hex.EncodeToString(rnd[:])),
		states:    map[string]*pebbleState{},
		byID:      map[uint16]*pebbleState{},
		kg:        -1,
		confirmed: map[string]sharedSST{},
		snapRefs:  map[int64]map[string]sharedSST{},
	}
	b.vcache.init()
	b.mcache.init()
	b.writtenKeys, b.writtenMaps = newKeyFilter(), newKeyFilter()
	if err := os.RemoveAll(cfg.Dir); err != nil {
		return nil, fmt.Errorf("state: clearing %s: %w", cfg.Dir, err)
	}
	if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("state: %w", err)
	}
	db, err := openPebble(b.dbDir, false)
	if err != nil {
		return nil, err
	}
	b.db = db
	return b, nil
}

// sharedCache is the block cache of every database of the process (each
// backend its own cache would split memory into slices too small for the
// larger states: a join's lookups then read most blocks with a syscall).
var sharedCache = sync.OnceValue(func() *pebble.Cache {
	return pebble.NewCache(blockCacheBytes(debug.SetMemoryLimit(-1)))
})

// blockCacheBytes sizes the shared block cache from the Go memory limit
// (runtime.TuneGC sets it to 3/4 of the memory): a sixteenth of it,
// between 64 MiB and 512 MiB; 256 MiB without a limit.
func blockCacheBytes(memLimit int64) int64 {
	if memLimit <= 0 || memLimit == math.MaxInt64 {
		return 256 << 20
	}
	return min(max(memLimit/16, 64<<20), 512<<20)
}

// openPebble opens (or creates) a database with the backend's options.
func openPebble(dir string, readOnly bool) (*pebble.DB, error) {
	// Point lookups dominate (a value per key per batch): bloom filters let
	// a Get skip the files that cannot hold the key, and uncompressed
	// blocks cost no decoding when read (the disk is local scratch space).
	// The memtable is 64 MiB (as RocksDB's default write buffer): fewer,
	// larger flushes and L0 files for every read to look at; Snapshot
	// flushes it anyway. (256 MiB measured slower on 10 M events: q5 130 K
	// -> 102 K, q7 83 K -> 71 K events/s per core on 5 M.)
	levels := make([]pebble.LevelOptions, 7)
	for i := range levels {
		levels[i] = pebble.LevelOptions{FilterPolicy: bloom.FilterPolicy(10), Compression: pebble.NoCompression}
	}
	opts := &pebble.Options{
		Levels:              levels,
		Cache:               sharedCache(),
		DisableWAL:          true,
		FormatMajorVersion:  pebble.FormatNewest,
		Logger:              quietLogger{},
		Merger:              pebble.DefaultMerger, // concatenation: list state
		MaxManifestFileSize: 1 << 20,
		MemTableSize:        64 << 20,
		ReadOnly:            readOnly,
	}
	if testPebbleOptions != nil {
		testPebbleOptions(opts)
	}
	db, err := pebble.Open(dir, opts)
	if err != nil {
		return nil, fmt.Errorf("state: opening Pebble database %s: %w", dir, err)
	}
	return db, nil
}

// testPebbleOptions lets tests adjust the options (nil in production).
var testPebbleOptions func(*pebble.Options)

// quietLogger drops Pebble's informational logging.
type quietLogger struct{}

func (quietLogger) Infof(string, ...interface{}) {}
func (quietLogger) Fatalf(format string, args ...interface{}) {
	panic(fmt.Sprintf("pebble: "+format, args...))
}

// Type implements KeyedBackend.
func (b *PebbleBackend) Type() BackendType { return BackendPebble }

// KeyGroupRange implements KeyedBackend.
func (b *PebbleBackend) KeyGroupRange() (int, int) { return b.start, b.end }

// SizeBytes implements KeyedBackend: the database's disk usage plus its
// memtables and the value cache's entries not written back yet.
func (b *PebbleBackend) SizeBytes() int64 {
	b.closeMu.RLock()
	defer b.closeMu.RUnlock()
	if b.closed || b.db == nil {
		return 0
	}
	b.sizeMu.Lock()
	defer b.sizeMu.Unlock()
	if now := time.Now(); now.Sub(b.sizeAt) >= sizeEvery {
		m := b.db.Metrics()
		b.sizeLast, b.sizeAt = int64(m.DiskSpaceUsage()+m.MemTable.Size), now
	}
	return b.sizeLast + b.cacheSize.Load() + b.mapSize.Load()
}

// sizeEvery bounds how often SizeBytes reads Pebble's metrics.
const sizeEvery = 100 * time.Millisecond

// Close implements KeyedBackend: it closes the database and removes Dir.
func (b *PebbleBackend) Close() error {
	b.closeMu.Lock()
	defer b.closeMu.Unlock()
	if b.closed {
		return nil
	}
	b.closed = true
	b.kg = -1
	b.dropValueCache()
	b.dropMapCache()
	var err error
	if b.db != nil {
		err = b.db.Close()
		b.db = nil
	}
	if rerr := os.RemoveAll(b.cfg.Dir); err == nil {
		err = rerr
	}
	return err
}

// SetCurrentKey implements KeyedBackend.
func (b *PebbleBackend) SetCurrentKey(keyGroup int, key []byte) {
	b.touched = true
	b.keyTail = binary.AppendUvarint(b.keyTail[:0], uint64(len(key)))
	b.keyTail = append(b.keyTail, key...)
	if keyGroup < b.start || keyGroup > b.end || b.db == nil {
		b.kg, b.badKG = -1, keyGroup
		return
	}
	b.kg = keyGroup
}

func (b *PebbleBackend) keyErr() error {
	if b.closed || b.db == nil {
		return errClosed
	}
	return fmt.Errorf("state: operator %s: key group %d of the current key is outside this subtask's range [%d, %d] (or no key set)", b.cfg.OperatorID, b.badKG, b.start, b.end)
}

// dataKey encodes kg | sid | current key | suffix into b.kbuf.
func (b *PebbleBackend) dataKey(sid uint16, suffix []byte) []byte {
	k := append(b.kbuf[:0], byte(b.kg>>8), byte(b.kg), byte(sid>>8), byte(sid))
	k = append(k, b.keyTail...)
	k = append(k, suffix...)
	b.kbuf = k
	return k
}

// groupPrefix is kg | sid.
func groupPrefix(kg int, sid uint16) []byte {
	return []byte{byte(kg >> 8), byte(kg), byte(sid >> 8), byte(sid)}
}

// kgKey is the first key of key group kg.
func kgKey(kg int) []byte { return []byte{byte(kg >> 8), byte(kg)} }

// prefixEnd returns the smallest key greater than every key with prefix p
// (nil when there is none).
func prefixEnd(p []byte) []byte { return appendPrefixEnd(nil, p) }

// appendPrefixEnd appends prefixEnd(p) to dst (nil when there is none).
func appendPrefixEnd(dst, p []byte) []byte {
	end := append(dst, p...)
	for i := len(end) - 1; i >= len(dst); i-- {
		if end[i] != 0xFF {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

func catalogKey(name string) []byte {
	return append([]byte{0xFF, 0xFF, catalogByte}, name...)
}

// register finds or creates a state in the catalogue.
func (b *PebbleBackend) register(d Descriptor, kind Kind) (*pebbleState, error) {
	if b.closed || b.db == nil {
		return nil, errClosed
	}
	if d.Name == "" {
		return nil, fmt.Errorf("state: operator %s: state name is empty", b.cfg.OperatorID)
	}
	b.touched = true
	s, err := b.catalogue(d.Name, kind)
	if err != nil {
		return nil, err
	}
	s.registered = true
	s.ttl = d.ttlMillis(b.cfg.TTL)
	if s.ttl > 0 {
		b.anyTTL = true
	}
	return s, nil
}

// catalogue finds name or adds it to the catalogue (in memory and in the
// database).
func (b *PebbleBackend) catalogue(name string, kind Kind) (*pebbleState, error) {
	if s := b.states[name]; s != nil {
		if s.kind != kind {
			return nil, kindMismatch(b.cfg.OperatorID, name, s.kind, kind)
		}
		return s, nil
	}
	if b.nextID >= maxStates {
		return nil, fmt.Errorf("state: operator %s: more than %d states", b.cfg.OperatorID, maxStates)
	}
	s := &pebbleState{id: uint16(b.nextID), name: name, kind: kind}
	b.wrote()
	if err := b.db.Set(catalogKey(name), []byte{byte(s.id >> 8), byte(s.id), byte(kind)}, pebble.NoSync); err != nil {
		return nil, fmt.Errorf("state: operator %s: %w", b.cfg.OperatorID, err)
	}
	b.addState(s)
	return s, nil
}

func (b *PebbleBackend) addState(s *pebbleState) {
	b.states[s.name] = s
	b.byID[s.id] = s
	if int(s.id) >= b.nextID {
		b.nextID = int(s.id) + 1
	}
}

// readCatalogue loads the catalogue of db: name -> (id, kind).
func readCatalogue(db *pebble.DB) (map[string]*pebbleState, error) {
	lo := []byte{0xFF, 0xFF, catalogByte}
	it, err := db.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: prefixEnd(lo)})
	if err != nil {
		return nil, err
	}
	out := map[string]*pebbleState{}
	for ok := it.First(); ok; ok = it.Next() {
		v := it.Value()
		if len(v) != 3 {
			it.Close()
			return nil, fmt.Errorf("bad catalogue entry %q", it.Key())
		}
		name := string(it.Key()[3:])
		out[name] = &pebbleState{id: uint16(v[0])<<8 | uint16(v[1]), name: name, kind: Kind(v[2])}
	}
	err = it.Error()
	if cerr := it.Close(); err == nil {
		err = cerr
	}
	return out, err
}

// RegisterValue implements KeyedBackend.
func (b *PebbleBackend) RegisterValue(d Descriptor) (ValueState, error) {
	s, err := b.register(d, KindValue)
	if err != nil {
		return nil, err
	}
	return &pebbleValue{b: b, s: s}, nil
}

// RegisterList implements KeyedBackend.
func (b *PebbleBackend) RegisterList(d Descriptor) (ListState, error) {
	s, err := b.register(d, KindList)
	if err != nil {
		return nil, err
	}
	return &pebbleList{b: b, s: s}, nil
}

// RegisterMap implements KeyedBackend.
func (b *PebbleBackend) RegisterMap(d Descriptor) (MapState, error) {
	s, err := b.register(d, KindMap)
	if err != nil {
		return nil, err
	}
	return &pebbleMap{b: b, s: s}, nil
}

// RegisterReducing implements KeyedBackend.
func (b *PebbleBackend) RegisterReducing(d Descriptor, reduce ReduceFunc) (ReducingState, error) {
	if err := checkReduce(b.cfg.OperatorID, d.Name, reduce); err != nil {
		return nil, err
	}
	s, err := b.register(d, KindReducing)
	if err != nil {
		return nil, err
	}
	s.reduce = reduce
	return &foldingReducing{ValueState: &pebbleValue{b: b, s: s}, reduce: reduce}, nil
}

// RegisterAggregating implements KeyedBackend.
func (b *PebbleBackend) RegisterAggregating(d Descriptor, agg AggregateFuncs) (AggregatingState, error) {
	if err := checkAggregate(b.cfg.OperatorID, d.Name, agg); err != nil {
		return nil, err
	}
	s, err := b.register(d, KindAggregating)
	if err != nil {
		return nil, err
	}
	s.agg = agg
	return &foldingAggregating{ValueState: &pebbleValue{b: b, s: s}, agg: agg, operatorID: b.cfg.OperatorID, name: d.Name}, nil
}

// NotifyCheckpointComplete implements KeyedBackend: the shared SSTs the
// snapshot of checkpointID referenced become reusable by later snapshots
// (and only those: files of older or aborted checkpoints are forgotten).
func (b *PebbleBackend) NotifyCheckpointComplete(checkpointID int64) {
	b.upMu.Lock()
	defer b.upMu.Unlock()
	refs, ok := b.snapRefs[checkpointID]
	if !ok {
		return
	}
	b.confirmed = refs
	for id := range b.snapRefs {
		if id <= checkpointID {
			delete(b.snapRefs, id)
		}
	}
}

// decodeTS splits a stored value into write time and value.
func decodeTS(v []byte) (int64, []byte, bool) {
	ts, n := binary.Uvarint(v)
	if n <= 0 {
		return 0, nil, false
	}
	return int64(ts), v[n:], true
}

// liveValue reports whether the stored value (of any kind) of a key has
// non-expired content.
func liveValue(s *pebbleState, v []byte, now int64) bool {
	if s == nil || s.ttl == 0 {
		return true
	}
	if s.kind == KindList {
		live := false
		forEachElem(v, func(ts int64, _ []byte) bool {
			live = !expired(ts, s.ttl, now)
			return !live
		})
		return live
	}
	ts, _, ok := decodeTS(v)
	return ok && !expired(ts, s.ttl, now)
}

// forEachElem decodes a list value; it stops at a malformed tail.
func forEachElem(v []byte, fn func(ts int64, e []byte) bool) bool {
	for len(v) > 0 {
		ts, n := binary.Uvarint(v)
		if n <= 0 {
			return false
		}
		v = v[n:]
		l, n := binary.Uvarint(v)
		if n <= 0 || l > uint64(len(v)-n) {
			return false
		}
		e := v[n : n+int(l) : n+int(l)]
		v = v[n+int(l):]
		if !fn(int64(ts), e) {
			return true
		}
	}
	return true
}

// keyStateID is the state id of data key (or data key prefix) k.
func keyStateID(k string) (uint16, bool) {
	if len(k) < 4 {
		return 0, false
	}
	return uint16(k[2])<<8 | uint16(k[3]), true
}

// parseDataKey splits a data key into key group, state id, user key and
// map key.
func parseDataKey(k []byte) (kg int, sid uint16, key, rest []byte, ok bool) {
	if len(k) < 5 {
		return 0, 0, nil, nil, false
	}
	kg = int(k[0])<<8 | int(k[1])
	sid = uint16(k[2])<<8 | uint16(k[3])
	l, n := binary.Uvarint(k[4:])
	if n <= 0 || l > uint64(len(k)-4-n) {
		return 0, 0, nil, nil, false
	}
	key = k[4+n : 4+n+int(l)]
	return kg, sid, key, k[4+n+int(l):], true
}

// Keys implements KeyedBackend.
func (b *PebbleBackend) Keys(stateName string, fn func(keyGroup int, key []byte) bool) error {
	if b.closed || b.db == nil {
		return errClosed
	}
	s := b.states[stateName]
	if s == nil {
		return fmt.Errorf("state: operator %s: no state named %q", b.cfg.OperatorID, stateName)
	}
	if err := b.flushCaches(); err != nil {
		return err
	}
	var now int64
	if s.ttl > 0 {
		now = b.now()
	}
	lo := groupPrefix(b.start, s.id)
	it, err := b.db.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: prefixEnd(lo)})
	if err != nil {
		return err
	}
	defer it.Close()
	var last []byte
	for kg := b.start; kg <= b.end; kg++ {
		lo := groupPrefix(kg, s.id)
		it.SetBounds(lo, prefixEnd(lo))
		last = last[:0]
		haveLast := false
		for ok := it.First(); ok; ok = it.Next() {
			_, _, key, _, ok := parseDataKey(it.Key())
			if !ok {
				return fmt.Errorf("state: operator %s: malformed key %x in state %q", b.cfg.OperatorID, it.Key(), stateName)
			}
			if haveLast && string(key) == string(last) {
				continue
			}
			if !liveValue(s, it.Value(), now) {
				continue
			}
			last = append(last[:0], key...)
			haveLast = true
			b.keyBuf = append(b.keyBuf[:0], key...)
			if !fn(kg, b.keyBuf) {
				return nil
			}
		}
		if err := it.Error(); err != nil {
			return err
		}
	}
	return nil
}

// errNotFound reports pebble.ErrNotFound.
func errNotFound(err error) bool { return errors.Is(err, pebble.ErrNotFound) }
