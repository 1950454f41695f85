package nexmark

import "github.com/flinkgo/engine/runtime/types"

// Batches are written column-wise by row index rather than appended row by
// row: an event sets one of the three ROW columns and the other two stay
// NULL, so NULL must cost nothing per event. newBatch makes every integer
// field a zeroed slice of n values and every ROW all-NULL; an event writes
// its values at its row and clears the ROW's null bit; string fields fill
// the offsets of skipped (NULL) rows lazily; finishBatch pads the offsets,
// sets the lengths and copies each ROW's null bitmap to its fields (field
// access reads a field's vector alone).

// newBatch allocates a batch for n events of the projected columns with
// string arenas sized from the kind mix. The integer values, the string
// offsets, the string arenas and the null bitmaps of a batch are each
// carved from one slab (capped, so that an append by a consumer
// reallocates instead of running into a neighbour): four allocations per
// batch whatever the number of fields.
func (r *reader) newBatch(n int) *types.Batch {
	b := &types.Batch{Cols: make([]*types.Vector, len(r.cols))}
	words := (n + 63) / 64
	m := r.src.m
	share := [4]float64{0, float64(m.personProp), float64(m.auctionProp), float64(m.bidProp)}
	// extra pads an event to avg-size: about that less its other fields.
	extra := [4]int{0, max(m.avgPerson-60, 16), max(m.avgAuction-110, 16), max(m.avgBid-32, 16)}
	arena := func(col *column, f int) int {
		est := rowDefs[col.kind][f].est
		if est < 0 {
			est = extra[col.kind]
		}
		return int(float64(n*est)*share[col.kind]/float64(m.totalProp)*1.15) + 256
	}
	total := 0
	for c := range r.cols {
		for _, f := range r.cols[c].fields {
			if rowDefs[r.cols[c].kind][f].phys == types.PhysBytes {
				total += arena(&r.cols[c], f)
			}
		}
	}
	ints := make([]int64, n*r.intCols)
	nulls := make([]uint64, words*r.nullCols)
	offs := make([]int32, (n+1)*r.strCols)
	data := make([]byte, total)
	carveInts := func() []int64 {
		s := ints[:n:n]
		ints = ints[n:]
		return s
	}
	carveNulls := func() []uint64 {
		s := nulls[:words:words]
		nulls = nulls[words:]
		return s
	}
	for c := range r.cols {
		col := &r.cols[c]
		if col.kind == colEventType {
			b.Cols[c] = &types.Vector{Type: col.t, Ints: carveInts()}
			continue
		}
		v := &types.Vector{Type: col.t, Nulls: carveNulls(), Children: make([]*types.Vector, len(col.fields))}
		for w := range v.Nulls {
			v.Nulls[w] = ^uint64(0)
		}
		if tail := n & 63; tail != 0 {
			v.Nulls[words-1] = 1<<tail - 1
		}
		for k, f := range col.fields {
			ch := &types.Vector{Type: col.t.Fields[k].Type, Nulls: carveNulls()}
			if rowDefs[col.kind][f].phys == types.PhysBytes {
				ch.Offsets = offs[: 1 : n+1] // offs[0] is 0
				offs = offs[n+1:]
				size := arena(col, f)
				ch.Data = data[:0:size]
				data = data[size:]
			} else {
				ch.Ints = carveInts()
			}
			v.Children[k] = ch
		}
		b.Cols[c] = v
	}
	return b
}

// finishBatch completes a batch holding n rows.
func (r *reader) finishBatch(b *types.Batch, n int) {
	for c, col := range r.cols {
		v := b.Cols[c]
		v.Len = n
		if col.kind == colEventType {
			v.Ints = v.Ints[:n]
			continue
		}
		words := (n + 63) / 64
		v.Nulls = v.Nulls[:words]
		if tail := n & 63; tail != 0 {
			v.Nulls[words-1] &= 1<<tail - 1
		}
		for _, ch := range v.Children {
			ch.Len = n
			if ch.Offsets != nil {
				fillOffsets(ch, n)
			} else {
				ch.Ints = ch.Ints[:n]
			}
			ch.Nulls = ch.Nulls[:words]
			copy(ch.Nulls, v.Nulls)
		}
	}
	b.SetRowCount(n)
}

// writeEvent writes e at row i of b.
func (r *reader) writeEvent(b *types.Batch, i int, e *event) {
	for _, c := range r.byKind[e.kind] {
		v := b.Cols[c]
		fields := r.cols[c].fields
		v.Nulls[i>>6] &^= 1 << (uint(i) & 63)
		switch e.kind {
		case kindBid:
			r.writeBid(v, fields, i, e)
		case kindAuction:
			r.writeAuction(v, fields, i, e)
		default:
			r.writePerson(v, fields, i, e)
		}
	}
	for _, c := range r.typeCols {
		b.Cols[c].Ints[i] = int64(e.kind)
	}
}

// fillOffsets extends a string vector's offsets with empty (NULL) values
// up to row i.
func fillOffsets(v *types.Vector, i int) {
	last := v.Offsets[len(v.Offsets)-1]
	for len(v.Offsets) <= i {
		v.Offsets = append(v.Offsets, last)
	}
}

// putBytes sets row i of a string vector to s; rows before i not yet
// written become empty (they are NULL).
func putBytes(v *types.Vector, i int, s []byte) {
	if len(v.Offsets) <= i {
		fillOffsets(v, i)
	}
	v.Data = append(v.Data, s...)
	v.Offsets = append(v.Offsets, int32(len(v.Data)))
}

func (r *reader) writeBid(v *types.Vector, fields []int, i int, e *event) {
	t := r.src.t
	for k, f := range fields {
		ch := v.Children[k]
		switch f {
		case bAuction:
			ch.Ints[i] = e.bAuction
		case bBidder:
			ch.Ints[i] = e.bBidder
		case bPrice:
			ch.Ints[i] = e.bPrice
		case bChannel:
			putBytes(ch, i, t.channel.get(e.bChannel))
		case bURL:
			putBytes(ch, i, t.url.get(e.bChannel))
		case bDateTime:
			ch.Ints[i] = e.ts * 1000
		case bExtra:
			putBytes(ch, i, t.shared[e.bExt.off:e.bExt.end])
		}
	}
}

func (r *reader) writeAuction(v *types.Vector, fields []int, i int, e *event) {
	t, sc := r.src.t, r.gen.scratch
	for k, f := range fields {
		ch := v.Children[k]
		switch f {
		case aID:
			ch.Ints[i] = e.aID
		case aItemName:
			putBytes(ch, i, sc[e.aItemName.off:e.aItemName.end])
		case aDescription:
			putBytes(ch, i, sc[e.aDescription.off:e.aDescription.end])
		case aInitialBid:
			ch.Ints[i] = e.aInitialBid
		case aReserve:
			ch.Ints[i] = e.aReserve
		case aDateTime:
			ch.Ints[i] = e.ts * 1000
		case aExpires:
			ch.Ints[i] = e.aExpires * 1000
		case aSeller:
			ch.Ints[i] = e.aSeller
		case aCategory:
			ch.Ints[i] = e.aCategory
		case aExtra:
			putBytes(ch, i, t.shared[e.aExt.off:e.aExt.end])
		}
	}
}

func (r *reader) writePerson(v *types.Vector, fields []int, i int, e *event) {
	t, sc := r.src.t, r.gen.scratch
	for k, f := range fields {
		ch := v.Children[k]
		switch f {
		case pID:
			ch.Ints[i] = e.pID
		case pName:
			putBytes(ch, i, sc[e.pName.off:e.pName.end])
		case pEmail:
			putBytes(ch, i, sc[e.pEmail.off:e.pEmail.end])
		case pCard:
			putBytes(ch, i, sc[e.pCard.off:e.pCard.end])
		case pCity:
			putBytes(ch, i, t.city.get(e.pCity))
		case pState:
			putBytes(ch, i, t.state.get(e.pState))
		case pDateTime:
			ch.Ints[i] = e.ts * 1000
		case pExtra:
			putBytes(ch, i, t.shared[e.pExt.off:e.pExt.end])
		}
	}
}
