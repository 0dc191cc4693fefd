package keel

import "strconv"

// ErrorDetail is one item of a validation response, in FastAPI's shape (docs/fastapi-compat.md §5.1):
// {"type","loc","msg","input","ctx"}. Loc holds strings (locations, wire names,
// object keys) and ints (list indexes, JSON character offsets). Input is the
// offending value: for a JSON body, a string, json.Number, bool or nil for a
// scalar, and a json.RawMessage holding the JSON text of an array or object
// (sharing the request body's bytes; encoding/json writes it compacted). Ctx
// is omitted when nil.
type ErrorDetail struct {
	Type  string         `json:"type"`
	Loc   []any          `json:"loc"`
	Msg   string         `json:"msg"`
	Input any            `json:"input"`
	Ctx   map[string]any `json:"ctx,omitempty"`
}

// ValidationError is the error a binder or provider returns when request input is
// invalid. The resolver collects these across the whole dependency tree and answers
// with one 422 listing every item (docs/fastapi-compat.md §3.3, §5).
type ValidationError struct {
	Errors []ErrorDetail
}

// Error implements error with a short summary; the items are in Errors.
func (e *ValidationError) Error() string {
	if len(e.Errors) == 0 {
		return "validation failed"
	}
	first := e.Errors[0]
	return "validation failed: " + strconv.Itoa(len(e.Errors)) + " error(s), first " + first.Type + " at " + LocString(first.Loc)
}

// LocString renders a location as a dotted path, for logs and problem details.
func LocString(loc []any) string {
	s := ""
	for i, p := range loc {
		if i > 0 {
			s += "."
		}
		switch v := p.(type) {
		case string:
			s += v
		case int:
			s += strconv.Itoa(v)
		default:
			s += "?"
		}
	}
	return s
}
