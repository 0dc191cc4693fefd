// Package testutil has helpers for Keel's own black-box HTTP tests: build a
// request, run it through an http.Handler, and compare status, headers and JSON
// bodies exactly (JSON compared parsed, by keeltest.EqualJSON,
// docs/fastapi-compat.md §0).
package testutil

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/keelgo/keel/keeltest"
)

// Request describes one request of a table-driven test.
type Request struct {
	Method  string
	URL     string
	Body    string
	Headers map[string]string
}

// Response is what a handler answered.
type Response struct {
	Status int
	Header http.Header
	Body   string
}

// Do runs req through h and returns the response.
func Do(h http.Handler, req Request) Response {
	method := req.Method
	if method == "" {
		method = "GET"
	}
	var body io.Reader
	if req.Body != "" {
		body = strings.NewReader(req.Body)
	}
	r := httptest.NewRequest(method, req.URL, body)
	for k, v := range req.Headers {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return Response{Status: w.Code, Header: w.Header(), Body: w.Body.String()}
}

// Get is Do for a GET with optional header pairs ("Name", "value", ...).
func Get(h http.Handler, url string, headerPairs ...string) Response {
	hs := map[string]string{}
	for i := 0; i+1 < len(headerPairs); i += 2 {
		hs[headerPairs[i]] = headerPairs[i+1]
	}
	return Do(h, Request{URL: url, Headers: hs})
}

// Expect checks status, the JSON body (when wantJSON is not empty) and each
// header in wantHeaders ("" means the header must be absent).
func (r Response) Expect(t testing.TB, status int, wantJSON string, wantHeaders ...string) {
	t.Helper()
	if r.Status != status {
		t.Errorf("status = %d, want %d (body %s)", r.Status, status, r.Body)
	}
	if wantJSON != "" {
		keeltest.EqualJSON(t, r.Body, wantJSON)
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/") || !strings.Contains(ct, "json") {
			t.Errorf("Content-Type = %q, want a JSON type", ct)
		}
	}
	for i := 0; i+1 < len(wantHeaders); i += 2 {
		k, v := wantHeaders[i], wantHeaders[i+1]
		got := strings.Join(r.Header.Values(k), ", ")
		if got != v {
			t.Errorf("header %s = %q, want %q", k, got, v)
		}
	}
}

// Compact returns the compact form of a JSON text, for golden comparisons.
func Compact(s string) string {
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(s)); err != nil {
		return s
	}
	return b.String()
}
