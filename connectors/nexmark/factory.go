// Package nexmark is the 'nexmark' connector: the Nexmark benchmark's event
// generator (people, auctions and bids) as a table source, with the options
// of Flink's nexmark connector. See testdata/nexmark/GENERATOR.md.
//
// Events. Event id n (0-based over the whole source) picks its kind by
// n % (person+auction+bid proportion), its event time is the base time plus
// n × 1e6/first-event.rate µs, and its content is drawn from a
// java.util.Random seeded with n (xor nexmark.seed), exactly as the
// upstream generator draws it; only `extra` is cut from one shared random
// string and the channel URLs come from a seeded table. So an event is a
// pure function of (options, seed, base time, n): generation needs no state
// but the position.
//
// Parallelism. Subtask i of p owns the interleaved ids i, i+p, i+2p, ...:
// each instance's events are 1e6/rate × p µs apart in event time, and the
// union over the subtasks is exactly the event sequence of parallelism 1
// (the same rows, the same times).
//
// Call order: CreateSource at plan time; NewReader once per subtask; then,
// on the task goroutine only, Open, Poll*, SnapshotState /
// NotifyCheckpointComplete between polls, Close. Nothing is shared between
// readers but the source's immutable model and string tables.
//
// Ownership: each Poll returns a newly allocated batch that passes to the
// runtime; string values are copied into its arenas, never referenced.
//
// State: the remaining id segments (next, stride, end) of the reader. On
// restore at the same parallelism a subtask continues its own segments; at
// another one every old segment is split into p interleaved ones and
// subtask i takes the i-th of each, so no event is lost or repeated.
package nexmark

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/flinkgo/engine/connectors"
	"github.com/flinkgo/engine/connectors/internal/opts"
	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/types"
)

func init() { connectors.Register(Factory{}) }

// Session configuration keys ('SET') that make runs reproducible.
const (
	// SeedConfigKey: an integer mixed into every event's Random seed;
	// 0 (the default) draws exactly what the upstream generator draws.
	SeedConfigKey = "nexmark.seed"
	// BaseTimeConfigKey: the event time of event 0, as ms since the epoch
	// or an RFC 3339 time; default DefaultBaseTime (upstream uses the wall
	// clock at job submission, which is not reproducible).
	BaseTimeConfigKey = "nexmark.base-time"
)

// DefaultBaseTime is 2015-07-15T00:00:00Z, the fixed base time of Beam's
// Nexmark launcher.
const DefaultBaseTime int64 = 1436918400000

// Factory creates nexmark sources.
type Factory struct{}

func (Factory) Identifier() string        { return "nexmark" }
func (Factory) RequiredOptions() []string { return nil }
func (Factory) OptionalOptions() []string {
	return []string{"first-event.rate", "next-event.rate", "events.num",
		"person.proportion", "auction.proportion", "bid.proportion",
		"person.avg-size", "auction.avg-size", "bid.avg-size",
		"max-emit-speed", "keep-alive", "stop-at",
		"bid.hot-ratio.auctions", "bid.hot-ratio.bidders", "auction.hot-ratio.sellers"}
}

// source is a validated nexmark table scan.
type source struct {
	name      string
	cols      []column
	m         *model
	t         *tables
	limit     int64 // ids < limit are generated (events.num, stop-at)
	maxSpeed  bool
	keepAlive bool
}

func (Factory) CreateSource(t *connectors.Table) (connectors.Source, error) {
	o := t.Options
	cols, err := bindColumns(t.Name, t.Columns)
	if err != nil {
		return nil, err
	}
	m := &model{}
	ints := []struct {
		key      string
		def, min int64
		dst      *int64
	}{
		{"first-event.rate", 10000, 1, &m.rate},
		{"person.proportion", 1, 0, &m.personProp},
		{"auction.proportion", 3, 0, &m.auctionProp},
		{"bid.proportion", 46, 0, &m.bidProp},
	}
	for _, x := range ints {
		if *x.dst, err = intOption(o, x.key, x.def, x.min, math.MaxInt32); err != nil {
			return nil, err
		}
	}
	if _, err := intOption(o, "next-event.rate", m.rate, 1, math.MaxInt32); err != nil {
		return nil, err
	}
	m.totalProp = m.personProp + m.auctionProp + m.bidProp
	if m.totalProp == 0 {
		return nil, connectors.Errorf("The proportions of the 'nexmark' connector must not all be 0.")
	}
	small := []struct {
		key      string
		def, min int64
		dst      *int
	}{
		{"person.avg-size", 200, 0, &m.avgPerson},
		{"auction.avg-size", 500, 0, &m.avgAuction},
		{"bid.avg-size", 100, 0, &m.avgBid},
	}
	for _, x := range small {
		v, err := intOption(o, x.key, x.def, x.min, 1<<20)
		if err != nil {
			return nil, err
		}
		*x.dst = int(v)
	}
	ratios := []struct {
		key string
		def int64
		dst *int32
	}{
		{"bid.hot-ratio.auctions", 2, &m.hotAuctions},
		{"bid.hot-ratio.bidders", 4, &m.hotBidders},
		{"auction.hot-ratio.sellers", 4, &m.hotSellers},
	}
	for _, x := range ratios {
		v, err := intOption(o, x.key, x.def, 1, math.MaxInt32)
		if err != nil {
			return nil, err
		}
		*x.dst = int32(v)
	}
	s := &source{name: t.Name, cols: cols, m: m, limit: math.MaxInt64}
	events, err := intOption(o, "events.num", 0, 0, math.MaxInt64)
	if err != nil {
		return nil, err
	}
	if events > 0 {
		s.limit = events
	}
	stopAt, err := intOption(o, "stop-at", -1, -1, math.MaxInt64)
	if err != nil {
		return nil, err
	}
	if stopAt >= 0 {
		s.limit = min(s.limit, stopAt)
	}
	if s.maxSpeed, err = opts.Bool(o, "max-emit-speed", true); err != nil {
		return nil, err
	}
	if s.keepAlive, err = opts.Bool(o, "keep-alive", false); err != nil {
		return nil, err
	}
	if m.seed, err = configInt(t.Config, SeedConfigKey, 0); err != nil {
		return nil, err
	}
	if m.baseMs, err = baseTime(t.Config); err != nil {
		return nil, err
	}
	maxAvg := max(m.avgPerson, m.avgAuction, m.avgBid)
	s.t = newTables(m.seed, maxAvg+maxAvg/5+2)
	return s, nil
}

func intOption(o map[string]string, key string, def, lo, hi int64) (int64, error) {
	v, _, err := opts.Int64(o, key, def)
	if err != nil {
		return 0, err
	}
	if v < lo || v > hi {
		return 0, connectors.Errorf("Invalid value for option '%s': %d (must be between %d and %d).", key, v, lo, hi)
	}
	return v, nil
}

func configInt(c map[string]string, key string, def int64) (int64, error) {
	s, ok := c[key]
	if !ok {
		return def, nil
	}
	v, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return 0, connectors.Errorf("Could not parse value '%s' for key '%s'.", s, key)
	}
	return v, nil
}

func baseTime(c map[string]string) (int64, error) {
	s, ok := c[BaseTimeConfigKey]
	if !ok {
		return DefaultBaseTime, nil
	}
	s = strings.TrimSpace(s)
	if v, err := strconv.ParseInt(s, 10, 64); err == nil {
		return v, nil
	}
	tm, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return 0, connectors.Errorf("Could not parse value '%s' for key '%s' (ms since the epoch or RFC 3339).", s, BaseTimeConfigKey)
	}
	return tm.UnixMilli(), nil
}

// Bounded: events.num or stop-at set and keep-alive off.
func (s *source) Bounded() bool { return s.limit != math.MaxInt64 && !s.keepAlive }

func (s *source) ChangelogMode() connectors.ChangelogMode { return connectors.InsertOnly }
func (s *source) Parallelism() int                        { return 0 }

func (s *source) NewReader(subtask, parallelism int, projection []int) (runtime.SourceReader, error) {
	if parallelism < 1 || subtask < 0 || subtask >= parallelism {
		return nil, connectors.Errorf("invalid subtask %d of %d", subtask, parallelism)
	}
	r := &reader{src: s, subtask: subtask, par: parallelism}
	r.gen = generator{m: s.m, t: s.t}
	for _, i := range projection {
		if i < 0 || i >= len(s.cols) {
			return nil, connectors.Errorf("invalid projection %v", projection)
		}
		c := s.cols[i]
		r.cols = append(r.cols, c)
		r.colTypes = append(r.colTypes, c.t)
		if c.kind == colEventType {
			r.typeCols = append(r.typeCols, len(r.cols)-1)
			r.intCols++
		} else {
			r.nullCols += 1 + len(c.fields)
			for _, f := range c.fields {
				if rowDefs[c.kind][f].phys == types.PhysInt64 {
					r.intCols++
				} else {
					r.strCols++
				}
			}
			r.full[c.kind-1] = true
			r.byKind[c.kind-1] = append(r.byKind[c.kind-1], len(r.cols)-1)
		}
	}
	r.segs = []segment{{next: int64(subtask), stride: int64(parallelism), end: s.limit}}
	if r.segs[0].next >= s.limit {
		r.segs = nil
	}
	return r, nil
}
