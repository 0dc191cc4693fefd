package bench

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"
)

// benchWriter is a reusable http.ResponseWriter: a fresh httptest.Recorder per
// operation costs about 1.5 µs and 10 allocations, more than some of the
// handlers under test, and would hide their differences.
type benchWriter struct {
	h      http.Header
	status int
	n      int
}

func newBenchWriter() *benchWriter { return &benchWriter{h: make(http.Header)} }

func (w *benchWriter) Header() http.Header { return w.h }

func (w *benchWriter) WriteHeader(s int) {
	if w.status == 0 {
		w.status = s
	}
}

func (w *benchWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.n += len(b)
	return len(b), nil
}

// reset clears the header map (keeping its storage) and the status.
func (w *benchWriter) reset() { clear(w.h); w.status = 0; w.n = 0 }

// replayBody is a request body that can be read again after rewind, so that a
// pre-built POST request serves every operation without allocating.
type replayBody struct {
	strings.Reader
	s string
}

func (b *replayBody) Close() error { return nil }
func (b *replayBody) rewind()      { b.Reader.Reset(b.s) }

// request is one prepared request: method, target, headers and body.
type request struct {
	method, target string
	header         map[string]string
	body           string
}

// build makes the *http.Request; with a body it returns the replayable body
// too (nil otherwise).
func (q request) build() (*http.Request, *replayBody) {
	var rb *replayBody
	var body io.Reader
	if q.body != "" {
		rb = &replayBody{s: q.body}
		rb.rewind()
		body = rb
	}
	r := httptest.NewRequest(q.method, q.target, body)
	for k, v := range q.header {
		r.Header.Set(k, v)
	}
	if rb != nil {
		r.Body = rb
		r.ContentLength = int64(len(q.body))
	}
	return r, rb
}

// endpoint is one benchmarked request and its expected status.
type endpoint struct {
	name   string
	req    request
	status int
}

// endpoints are the benchmarked requests: Ping and Items are the issue's
// PingLean and ItemsLean (one pre-built request, a reusable writer).
func endpoints() []endpoint {
	jwtTok := MakeToken("johndoe", "me items", 24*time.Hour)
	return []endpoint{
		{"Ping", request{method: "GET", target: "/ping"}, 200},
		{"Items", request{method: "GET", target: "/items/42?limit=10&q=abc", header: auth("Bearer " + ItemToken)}, 200},
		{"Scopes", request{method: "GET", target: "/users/me/items", header: auth("Bearer " + jwtTok)}, 200},
		{"Body", request{method: "POST", target: "/things", header: map[string]string{"Content-Type": "application/json"}, body: validThing}, 201},
	}
}

func auth(v string) map[string]string { return map[string]string{"Authorization": v} }

// validThing is the Body endpoint's benchmarked request body.
const validThing = `{"name":"Widget","email":"widget@example.com","age":30,"price":9.5,"sku":"AB123456","country":"DE"}`

// server prepares h to serve e's request again and again: serve answers it
// once more, with the same writer, as the benchmarks do. Each time the request
// is reset to a copy of the one built here (no allocation), so that what a
// handler sets on it (r.Body, path values: http.Request.SetPathValue keeps
// them in a map it allocates on a request's first call) starts afresh, as on
// a new request from a server.
func server(h http.Handler, e endpoint) (serve func(), w *benchWriter) {
	tmpl, body := e.req.build()
	r := new(http.Request)
	w = newBenchWriter()
	serve = func() {
		w.reset()
		*r = *tmpl
		if body != nil {
			body.rewind()
		}
		h.ServeHTTP(w, r)
	}
	return serve, w
}

// Loop serves the named endpoint (Ping, Items, Scopes, Body) with the named
// implementation n times, as BenchmarkEndpoints does, for instruction counts
// outside the testing package (bench/cmd/instr): one request built once, one
// reusable writer. It fails when the first answer has the wrong status.
func Loop(impl, endpointName string, n int) error {
	i, ok := Lookup(impl)
	if !ok {
		return fmt.Errorf("unknown implementation %q", impl)
	}
	for _, e := range endpoints() {
		if e.name != endpointName {
			continue
		}
		serve, w := server(i.New(), e)
		serve()
		if w.status != e.status {
			return fmt.Errorf("%s %s: status %d, want %d", impl, endpointName, w.status, e.status)
		}
		for range n {
			serve()
		}
		return nil
	}
	return fmt.Errorf("unknown endpoint %q", endpointName)
}
