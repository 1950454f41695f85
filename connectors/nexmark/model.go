package nexmark

import (
	"math"
	"math/bits"
)

// Constants of the upstream generator (GeneratorConfig, PersonGenerator,
// AuctionGenerator, BidGenerator).
const (
	firstPersonID      = 1000
	firstAuctionID     = 1000
	firstCategoryID    = 10
	numCategories      = 5
	personIDLead       = 10
	auctionIDLead      = 10
	hotAuctionRatio    = 100 // hot auction: first of the last batch of 100
	hotBidderRatio     = 100
	hotSellerRatio     = 100
	numActivePeople    = 1000
	numInFlightAuction = 100
	minStringLength    = 3
)

// model is the immutable event model of one nexmark table: the kind mix,
// the id arithmetic and the event clock. Every function of an event id is
// pure, so any subset of ids can be generated in any order.
type model struct {
	personProp, auctionProp, bidProp, totalProp int64

	hotAuctions, hotBidders, hotSellers int32 // bid.hot-ratio.*, auction.hot-ratio.sellers

	avgPerson, avgAuction, avgBid int // *.avg-size

	rate   int64 // first-event.rate, events per second of the whole source
	baseMs int64 // event time of event 0
	seed   int64 // mixed into each event's Random seed; 0 = upstream
}

// Event kinds, the values of event_type.
const (
	kindPerson  = 0
	kindAuction = 1
	kindBid     = 2
)

// pos is an event id split by the total proportion: the epoch (one round
// of the kind mix) and the offset in it. One division per event serves the
// kind and both id computations.
type pos struct{ epoch, off int64 }

func (m *model) pos(id int64) pos {
	q := id / m.totalProp
	return pos{q, id - q*m.totalProp}
}

// kind is the event kind at p.
func (m *model) kind(p pos) int {
	switch {
	case p.off < m.personProp:
		return kindPerson
	case p.off < m.personProp+m.auctionProp:
		return kindAuction
	}
	return kindBid
}

// timestampMs is the event time of id: base + id × 1e6/rate µs, truncated
// to ms (upstream timestampForEvent with one generator; see the package
// doc for why the whole source shares one clock).
func (m *model) timestampMs(id int64) int64 {
	if id < math.MaxInt64/1000 {
		return m.baseMs + id*1000/m.rate
	}
	hi, lo := bits.Mul64(uint64(id), 1000)
	q, _ := bits.Div64(hi, lo, uint64(m.rate))
	return m.baseMs + int64(q)
}

// lastBase0PersonID is the newest person (0-based) at or before p.
func (m *model) lastBase0PersonID(p pos) int64 {
	off := p.off
	if off >= m.personProp {
		off = m.personProp - 1
	}
	return p.epoch*m.personProp + off
}

// lastBase0AuctionID is the newest auction (0-based) at or before p.
func (m *model) lastBase0AuctionID(p pos) int64 {
	epoch, off := p.epoch, p.off
	switch {
	case off < m.personProp:
		epoch--
		off = m.auctionProp - 1
	case off >= m.personProp+m.auctionProp:
		off = m.auctionProp - 1
	default:
		off -= m.personProp
	}
	return epoch*m.auctionProp + off
}

// nextBase0PersonID picks one of the active people, or a few ahead; last
// is lastBase0PersonID of the event.
func (m *model) nextBase0PersonID(last int64, r *jrand) int64 {
	numPeople := last + 1
	active := min(numPeople, numActivePeople)
	n := r.nextLongN(active + personIDLead)
	return numPeople - active + n
}

// nextBase0AuctionID picks one of the auctions in flight, or a few ahead;
// last is lastBase0AuctionID of the event.
func (m *model) nextBase0AuctionID(last int64, r *jrand) int64 {
	minAuction := max(last-numInFlightAuction, 0)
	return minAuction + r.nextLongN(last-minAuction+1+auctionIDLead)
}

// auctionLengthMs is how long an auction created at id runs: on average the
// event time it takes to create numInFlightAuction more auctions.
func (m *model) auctionLengthMs(id int64, ts int64, r *jrand) int64 {
	eventsForAuctions := numInFlightAuction * m.totalProp / m.auctionProp
	horizon := m.timestampMs(id+eventsForAuctions) - ts
	return 1 + r.nextLongN(max(horizon*2, 1))
}

// seedOf is the Random seed of event id.
func (m *model) seedOf(id int64) int64 { return id ^ m.seed }
