package nexmark

import (
	"strings"

	"github.com/flinkgo/engine/connectors"
	"github.com/flinkgo/engine/runtime/types"
)

// colKind is what a table column holds.
type colKind uint8

const (
	colEventType colKind = iota // INT: 0 person, 1 auction, 2 bid
	colPerson                   // ROW, NULL unless the event is a person
	colAuction
	colBid
)

// Field ids of the ROW columns, in upstream order.
const (
	pID = iota
	pName
	pEmail
	pCard
	pCity
	pState
	pDateTime
	pExtra
)

const (
	aID = iota
	aItemName
	aDescription
	aInitialBid
	aReserve
	aDateTime
	aExpires
	aSeller
	aCategory
	aExtra
)

const (
	bAuction = iota
	bBidder
	bPrice
	bChannel
	bURL
	bDateTime
	bExtra
)

type fieldDef struct {
	name string // lower case
	phys types.Physical
	ts   bool // TIMESTAMP(3) / TIMESTAMP_LTZ(3)
	est  int  // bytes per value, to size string arenas (-1: extra)
}

var rowDefs = map[colKind][]fieldDef{
	colPerson: {
		{"id", types.PhysInt64, false, 0}, {"name", types.PhysBytes, false, 12}, {"emailaddress", types.PhysBytes, false, 14},
		{"creditcard", types.PhysBytes, false, 19}, {"city", types.PhysBytes, false, 8}, {"state", types.PhysBytes, false, 2},
		{"datetime", types.PhysInt64, true, 0}, {"extra", types.PhysBytes, false, -1}},
	colAuction: {
		{"id", types.PhysInt64, false, 0}, {"itemname", types.PhysBytes, false, 11}, {"description", types.PhysBytes, false, 50},
		{"initialbid", types.PhysInt64, false, 0}, {"reserve", types.PhysInt64, false, 0}, {"datetime", types.PhysInt64, true, 0},
		{"expires", types.PhysInt64, true, 0}, {"seller", types.PhysInt64, false, 0}, {"category", types.PhysInt64, false, 0},
		{"extra", types.PhysBytes, false, -1}},
	colBid: {
		{"auction", types.PhysInt64, false, 0}, {"bidder", types.PhysInt64, false, 0}, {"price", types.PhysInt64, false, 0},
		{"channel", types.PhysBytes, false, 10}, {"url", types.PhysBytes, false, 70}, {"datetime", types.PhysInt64, true, 0},
		{"extra", types.PhysBytes, false, -1}},
}

var colNames = map[string]colKind{"event_type": colEventType, "person": colPerson, "auction": colAuction, "bid": colBid}

// column is one table column: what it holds and, for a ROW, the field id
// of each of its fields (the DDL may declare a subset, in any order).
type column struct {
	kind   colKind
	t      *types.Type
	fields []int
}

// bindColumns maps the table's columns to what the generator produces, by
// name (case-insensitive), checking their types.
func bindColumns(table string, cols []connectors.Column) ([]column, error) {
	out := make([]column, 0, len(cols))
	for _, c := range cols {
		if c.Metadata {
			return nil, connectors.Errorf("The 'nexmark' connector does not support metadata column '%s'.", c.Name)
		}
		k, ok := colNames[strings.ToLower(c.Name)]
		if !ok {
			return nil, connectors.Errorf("Table %s: the 'nexmark' connector has no column '%s' (it produces event_type, person, auction and bid).", table, c.Name)
		}
		col := column{kind: k, t: c.Type}
		if k == colEventType {
			if !isInteger(c.Type) {
				return nil, connectors.Errorf("Table %s: column '%s' of the 'nexmark' connector must be an integer type, not %s.", table, c.Name, c.Type)
			}
			out = append(out, col)
			continue
		}
		if c.Type.Kind != types.KindRow {
			return nil, connectors.Errorf("Table %s: column '%s' of the 'nexmark' connector must be a ROW, not %s.", table, c.Name, c.Type)
		}
		defs := rowDefs[k]
		for _, f := range c.Type.Fields {
			id := -1
			for i, d := range defs {
				if d.name == strings.ToLower(f.Name) {
					id = i
				}
			}
			if id < 0 {
				return nil, connectors.Errorf("Table %s: the '%s' ROW of the 'nexmark' connector has no field '%s'.", table, c.Name, f.Name)
			}
			d := defs[id]
			var good bool
			switch {
			case d.ts: // µs since the epoch either way
				good = f.Type.Kind == types.KindTimestamp || f.Type.Kind == types.KindTimestampLTZ
			case d.phys == types.PhysInt64:
				good = isInteger(f.Type)
			default:
				good = f.Type.IsString()
			}
			if !good {
				return nil, connectors.Errorf("Table %s: field '%s.%s' of the 'nexmark' connector cannot be of type %s.", table, c.Name, f.Name, f.Type)
			}
			col.fields = append(col.fields, id)
		}
		out = append(out, col)
	}
	return out, nil
}

func isInteger(t *types.Type) bool {
	switch t.Kind {
	case types.KindTinyInt, types.KindSmallInt, types.KindInt, types.KindBigInt:
		return true
	}
	return false
}
