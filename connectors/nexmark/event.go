package nexmark

// span is a string of an event: bytes [off, end) of the generator's
// scratch buffer (person and auction strings) or of the shared string
// (extra). Events hold spans and table indexes, not slices, so that
// writing an event into the reader's event struct costs no GC write
// barriers.
type span struct{ off, end int32 }

// event is one generated event. A reader owns one and overwrites it for
// every event; generating allocates nothing. Only the fields of the
// event's kind are valid.
type event struct {
	id   int64
	pos  pos
	kind int
	ts   int64 // event time, ms since epoch

	// person: strings in scratch, city and state as list indexes
	pID                        int64
	pName, pEmail, pCard, pExt span
	pCity, pState              int32

	// auction: strings in scratch
	aID, aInitialBid, aReserve, aExpires, aSeller, aCategory int64
	aItemName, aDescription, aExt                            span

	// bid: channel is an index into tables.channel/url, extra in shared
	bAuction, bBidder, bPrice int64
	bChannel                  int32
	bExt                      span
}

// generator draws events. It is owned by one reader; model and tables are
// shared read-only.
type generator struct {
	m       *model
	t       *tables
	r       jrand
	scratch []byte
}

// generate fills e with event id. Its kind and time are always set; its
// content only when full says a projected column needs that kind. Skipping
// is safe because every event reseeds the random generator: skipping one
// changes no other.
func (g *generator) generate(e *event, id int64, full *[3]bool) {
	m := g.m
	e.id = id
	e.pos = m.pos(id)
	e.kind = m.kind(e.pos)
	e.ts = m.timestampMs(id)
	if !full[e.kind] {
		return
	}
	g.r.setSeed(m.seedOf(id))
	switch e.kind {
	case kindPerson:
		g.person(e)
	case kindAuction:
		g.auction(e)
	default:
		g.bid(e)
	}
}

// person is upstream PersonGenerator.nextPerson.
func (g *generator) person(e *event) {
	m, r := g.m, &g.r
	e.pID = m.lastBase0PersonID(e.pos) + firstPersonID
	s := g.scratch[:0]
	s = append(s, firstNames[r.nextInt(int32(len(firstNames)))]...)
	s = append(s, ' ')
	s = append(s, lastNames[r.nextInt(int32(len(lastNames)))]...)
	nName := len(s)
	s = appendString(s, r, 7)
	s = append(s, '@')
	s = appendString(s, r, 5)
	s = append(s, ".com"...)
	nEmail := len(s)
	s = appendCreditCard(s, r)
	nCard := len(s)
	g.scratch = s
	e.pName, e.pEmail, e.pCard = span{0, int32(nName)}, span{int32(nName), int32(nEmail)}, span{int32(nEmail), int32(nCard)}
	e.pCity = r.nextInt(int32(len(usCities)))
	e.pState = r.nextInt(int32(len(usStates)))
	size := 8 + nCard + len(usCities[e.pCity]) + len(usStates[e.pState]) // name+email+card = nCard
	e.pExt = g.t.extra(r, size, m.avgPerson)
}

// auction is upstream AuctionGenerator.nextAuction.
func (g *generator) auction(e *event) {
	m, r := g.m, &g.r
	e.aID = m.lastBase0AuctionID(e.pos) + firstAuctionID
	var seller int64
	if r.nextInt(m.hotSellers) > 0 {
		seller = m.lastBase0PersonID(e.pos) / hotSellerRatio * hotSellerRatio
	} else {
		seller = m.nextBase0PersonID(m.lastBase0PersonID(e.pos), r)
	}
	e.aSeller = seller + firstPersonID
	e.aCategory = firstCategoryID + int64(r.nextInt(numCategories))
	e.aInitialBid = r.nextPrice()
	e.aExpires = e.ts + m.auctionLengthMs(e.id, e.ts, r)
	s := appendString(g.scratch[:0], r, 20)
	nName := len(s)
	s = appendString(s, r, 100)
	g.scratch = s
	e.aItemName, e.aDescription = span{0, int32(nName)}, span{int32(nName), int32(len(s))}
	e.aReserve = e.aInitialBid + r.nextPrice()
	size := 8 + len(s) + 8 + 8 + 8 + 8 + 8
	e.aExt = g.t.extra(r, size, m.avgAuction)
}

// bid is upstream BidGenerator.nextBid, including its adding the first
// person id to the bidder twice.
func (g *generator) bid(e *event) {
	m, r := g.m, &g.r
	var auction int64
	if r.nextInt(m.hotAuctions) > 0 {
		auction = m.lastBase0AuctionID(e.pos) / hotAuctionRatio * hotAuctionRatio
	} else {
		auction = m.nextBase0AuctionID(m.lastBase0AuctionID(e.pos), r)
	}
	e.bAuction = auction + firstAuctionID
	var bidder int64
	if r.nextInt(m.hotBidders) > 0 {
		bidder = m.lastBase0PersonID(e.pos)/hotBidderRatio*hotBidderRatio + 1
	} else {
		bidder = m.nextBase0PersonID(m.lastBase0PersonID(e.pos), r)
	}
	e.bPrice = r.nextPrice()
	if r.nextInt(hotChannelsRatio) > 0 {
		e.bChannel = r.nextInt(int32(len(hotChannel)))
	} else {
		e.bChannel = int32(len(hotChannel)) + r.nextInt(numChannels)
	}
	e.bBidder = bidder + 2*firstPersonID
	e.bExt = g.t.extra(r, 8+8+8+8, m.avgBid)
}
