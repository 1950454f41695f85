package sqlgateway

import (
	"encoding/json"
	"fmt"

	"github.com/flinkgo/engine/planner"
	"github.com/flinkgo/engine/runtime/types"
)

// The JSON bodies, named after Flink's message classes.

type openSessionRequest struct {
	SessionName string            `json:"sessionName,omitempty"`
	Properties  map[string]string `json:"properties,omitempty"`
}

type openSessionResponse struct {
	SessionHandle string `json:"sessionHandle"`
}

type getSessionConfigResponse struct {
	Properties map[string]string `json:"properties"`
}

type statusResponse struct {
	Status string `json:"status"`
}

type executeStatementRequest struct {
	Statement        string            `json:"statement"`
	ExecutionTimeout int64             `json:"executionTimeout,omitempty"`
	ExecutionConfig  map[string]string `json:"executionConfig,omitempty"`
}

type executeStatementResponse struct {
	OperationHandle string `json:"operationHandle"`
}

type infoResponse struct {
	ProductName string `json:"productName"`
	Version     string `json:"version"`
}

type apiVersionsResponse struct {
	Versions []string `json:"versions"`
}

// FetchResults is Flink's FetchResultsResponseBody: one page of an
// operation's result.
type FetchResults struct {
	ResultType    string     `json:"resultType"`
	IsQueryResult bool       `json:"isQueryResult"`
	JobID         string     `json:"jobID,omitempty"`
	ResultKind    string     `json:"resultKind,omitempty"`
	Results       ResultInfo `json:"results"`
	NextResultURI string     `json:"nextResultUri,omitempty"`
}

// ResultInfo is Flink's ResultInfo: the columns and the page's rows.
type ResultInfo struct {
	Columns   []ColumnInfo `json:"columns"`
	RowFormat string       `json:"rowFormat"`
	Data      []RowData    `json:"data"`
}

// ColumnInfo is one result column with its logical type.
type ColumnInfo struct {
	Name        string       `json:"name"`
	LogicalType *LogicalType `json:"logicalType"`
	Comment     *string      `json:"comment"`
}

// RowData is one row: its kind (INSERT, UPDATE_BEFORE, UPDATE_AFTER,
// DELETE) and its fields, JSON values (rowFormat JSON) or strings
// (PLAIN_TEXT); null is JSON null in both.
type RowData struct {
	Kind   string            `json:"kind"`
	Fields []json.RawMessage `json:"fields"`
}

// LogicalType is Flink's JSON form of a logical type
// (LogicalTypeJsonSerializer): {"type":"VARCHAR","nullable":true,"length":10}.
type LogicalType struct {
	Type        string       `json:"type"`
	Nullable    bool         `json:"nullable"`
	Length      *int         `json:"length,omitempty"`
	Precision   *int         `json:"precision,omitempty"`
	Scale       *int         `json:"scale,omitempty"`
	ElementType *LogicalType `json:"elementType,omitempty"`
	KeyType     *LogicalType `json:"keyType,omitempty"`
	ValueType   *LogicalType `json:"valueType,omitempty"`
	Fields      []RowField   `json:"fields,omitempty"`
}

// RowField is one field of a ROW type.
type RowField struct {
	Name      string       `json:"name"`
	FieldType *LogicalType `json:"fieldType"`
}

var kindNames = [...]string{
	types.KindNull: "NULL", types.KindBoolean: "BOOLEAN", types.KindTinyInt: "TINYINT",
	types.KindSmallInt: "SMALLINT", types.KindInt: "INTEGER", types.KindBigInt: "BIGINT",
	types.KindFloat: "FLOAT", types.KindDouble: "DOUBLE", types.KindDecimal: "DECIMAL",
	types.KindChar: "CHAR", types.KindVarChar: "VARCHAR", types.KindBinary: "BINARY",
	types.KindVarBinary: "VARBINARY", types.KindDate: "DATE", types.KindTime: "TIME_WITHOUT_TIME_ZONE",
	types.KindTimestamp: "TIMESTAMP_WITHOUT_TIME_ZONE", types.KindTimestampLTZ: "TIMESTAMP_WITH_LOCAL_TIME_ZONE",
	types.KindIntervalYearMonth: "INTERVAL_YEAR_MONTH", types.KindIntervalDayTime: "INTERVAL_DAY_TIME",
	types.KindArray: "ARRAY", types.KindMap: "MAP", types.KindRow: "ROW",
}

func intp(n int) *int { return &n }

// logicalTypeOf is t's JSON form.
func logicalTypeOf(t *types.Type) *LogicalType {
	lt := &LogicalType{Type: kindNames[t.Kind], Nullable: t.Nullable()}
	switch t.Kind {
	case types.KindChar, types.KindVarChar, types.KindBinary, types.KindVarBinary:
		lt.Length = intp(t.Length)
	case types.KindDecimal:
		lt.Precision, lt.Scale = intp(t.Precision), intp(t.Scale)
	case types.KindTime, types.KindTimestamp, types.KindTimestampLTZ:
		lt.Precision = intp(t.Precision)
	case types.KindArray:
		lt.ElementType = logicalTypeOf(t.Elem)
	case types.KindMap:
		lt.KeyType, lt.ValueType = logicalTypeOf(t.Key), logicalTypeOf(t.Elem)
	case types.KindRow:
		for _, f := range t.Fields {
			lt.Fields = append(lt.Fields, RowField{Name: f.Name, FieldType: logicalTypeOf(f.Type)})
		}
	}
	return lt
}

// Type is the engine type of a logical type (nil, error for a type name it
// does not know).
func (lt *LogicalType) EngineType() (*types.Type, error) {
	if lt == nil {
		return nil, fmt.Errorf("missing logical type")
	}
	t := &types.Type{NotNull: !lt.Nullable}
	found := false
	for k, n := range kindNames {
		if n == lt.Type {
			t.Kind, found = types.Kind(k), true
			break
		}
	}
	if !found {
		return nil, fmt.Errorf("unknown logical type %q", lt.Type)
	}
	if lt.Length != nil {
		t.Length = *lt.Length
	}
	if lt.Precision != nil {
		t.Precision = *lt.Precision
	}
	if lt.Scale != nil {
		t.Scale = *lt.Scale
	}
	var err error
	switch t.Kind {
	case types.KindArray:
		t.Elem, err = lt.ElementType.EngineType()
	case types.KindMap:
		if t.Key, err = lt.KeyType.EngineType(); err == nil {
			t.Elem, err = lt.ValueType.EngineType()
		}
	case types.KindRow:
		for _, f := range lt.Fields {
			ft, ferr := f.FieldType.EngineType()
			if ferr != nil {
				return nil, ferr
			}
			t.Fields = append(t.Fields, types.Field{Name: f.Name, Type: ft})
		}
	}
	return t, err
}

// Columns converts the result's columns into the planner's form.
func (r *ResultInfo) EngineColumns() ([]planner.Column, error) {
	cols := make([]planner.Column, len(r.Columns))
	for i, c := range r.Columns {
		t, err := c.LogicalType.EngineType()
		if err != nil {
			return nil, fmt.Errorf("column %s: %w", c.Name, err)
		}
		cols[i] = planner.Column{Name: c.Name, Type: t}
	}
	return cols, nil
}

// rowKindNames are Flink's RowKind names, by the engine's row kind.
var rowKindNames = [...]string{types.Insert: "INSERT", types.UpdateBefore: "UPDATE_BEFORE",
	types.UpdateAfter: "UPDATE_AFTER", types.Delete: "DELETE"}

// ShortKind is the row kind's short string (+I, -U, +U, -D); "" for a
// name it does not know.
func (r *RowData) ShortKind() string {
	for k, n := range rowKindNames {
		if n == r.Kind {
			return types.RowKind(k).String()
		}
	}
	return ""
}

// Strings are the fields as text: a PLAIN_TEXT page's strings as they
// are, a JSON page's values in their JSON text; null fields are reported
// by the second result.
func (r *RowData) Strings() (cells []string, null []bool) {
	cells, null = make([]string, len(r.Fields)), make([]bool, len(r.Fields))
	for i, f := range r.Fields {
		if string(f) == "null" || len(f) == 0 {
			null[i] = true
			continue
		}
		var s string
		if f[0] == '"' && json.Unmarshal(f, &s) == nil {
			cells[i] = s
		} else {
			cells[i] = string(f)
		}
	}
	return cells, null
}
