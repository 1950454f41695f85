// Package httpjson writes and reads the JSON bodies of the engine's HTTP
// APIs (Flink's REST API, the SQL Gateway) the way Flink's REST handlers
// do: compact, HTML characters unescaped (as Jackson writes them), errors
// as {"errors":[...]}. Stateless; safe for concurrent use. Not the data
// path (encoding/json).
package httpjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// ErrorBody is Flink's ErrorResponseBody.
type ErrorBody struct {
	Errors []string `json:"errors"`
}

// Write writes v as the response body with the status code; a value that
// cannot be encoded becomes a 500 error body.
func Write(w http.ResponseWriter, status int, v any) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		status = http.StatusInternalServerError
		b.Reset()
		enc.Encode(ErrorBody{Errors: []string{fmt.Sprintf("could not encode the response: %v", err)}})
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	w.Write(bytes.TrimSuffix(b.Bytes(), []byte("\n")))
}

// Error writes {"errors": msgs} with the status code.
func Error(w http.ResponseWriter, status int, msgs ...string) {
	Write(w, status, ErrorBody{Errors: msgs})
}

// ReadBody decodes an optional JSON request body of at most limit bytes
// into v (an empty body leaves v as it is).
func ReadBody(r *http.Request, v any, limit int64) error {
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, limit))
	if err := dec.Decode(v); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	return nil
}
