package bench

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
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
