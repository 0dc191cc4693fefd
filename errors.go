package keel

import (
	"fmt"
	"net/http"
)

// HTTPError is an error that chooses the response: its status, its headers, and a
// body of {"detail": Detail}, as FastAPI's HTTPException does (docs/fastapi-compat.md §3.9).
//
// Detail may be any value encoding/json accepts. When it is nil the response uses
// the status's reason phrase (StatusText). Statuses that forbid a body (below 200,
// 204, 205, 304) are answered with the headers only.
type HTTPError struct {
	Status  int
	Detail  any
	Headers http.Header
}

// NewHTTPError returns an HTTPError with the given status and detail. With no
// detail the reason phrase is used; with one it is used as is (any JSON value).
func NewHTTPError(status int, detail ...any) *HTTPError {
	e := &HTTPError{Status: status}
	if len(detail) > 0 {
		e.Detail = detail[0]
	}
	return e
}

// WithHeader returns e after adding a response header to it. It is meant for
// construction: keel.NewHTTPError(401, "Not authenticated").WithHeader("WWW-Authenticate", "Bearer").
func (e *HTTPError) WithHeader(key, value string) *HTTPError {
	if e.Headers == nil {
		e.Headers = make(http.Header, 1)
	}
	e.Headers.Add(key, value)
	return e
}

// DetailValue returns the detail to encode: Detail, or the reason phrase when nil.
func (e *HTTPError) DetailValue() any {
	if e.Detail == nil {
		return StatusText(e.Status)
	}
	return e.Detail
}

// Error implements error.
func (e *HTTPError) Error() string {
	return fmt.Sprintf("%d %v", e.Status, e.DetailValue())
}

// BodyAllowed reports whether a response with this status may carry a body: not
// below 200, and not 204, 205 or 304.
func BodyAllowed(status int) bool {
	return status >= 200 && status != 204 && status != 205 && status != 304
}
