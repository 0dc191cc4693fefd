package keeltest

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// Response is a response read whole, with assertions that report to the test
// that made it. Its Expect methods report a mismatch with t.Errorf, naming the
// request, and return the response, so that they chain:
//
//	c.Get("/items/1").ExpectStatus(200).ExpectJSON(`{"id": 1}`)
type Response struct {
	StatusCode int
	Header     http.Header
	Trailer    http.Header
	Body       []byte
	// Request is the request this response answers: after redirects, the
	// last one. Its URL is where the redirects led.
	Request *http.Request
	// History holds the redirect responses followed to get this one, in order.
	History []*Response

	t testing.TB
}

// NewResponse reads res, a response from any source (an http.Client, or
// httptest.ResponseRecorder.Result()), into a Response whose assertions report
// to t. It closes res.Body, and fails the test if the body cannot be read.
func NewResponse(t testing.TB, res *http.Response) *Response {
	t.Helper()
	r, err := readResponse(t, res)
	if err != nil {
		t.Fatalf("keeltest: reading the response: %v", err)
	}
	return r
}

func readResponse(t testing.TB, res *http.Response) (*Response, error) {
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	return &Response{StatusCode: res.StatusCode, Header: res.Header, Trailer: res.Trailer, Body: b, Request: res.Request, t: t}, nil
}

// Text returns the body as a string.
func (r *Response) Text() string { return string(r.Body) }

// Cookies parses the response's Set-Cookie headers.
func (r *Response) Cookies() []*http.Cookie {
	return (&http.Response{Header: r.Header}).Cookies()
}

// Decode decodes the JSON body into v (encoding/json), and fails the test if it
// cannot.
func (r *Response) Decode(v any) {
	r.t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		r.t.Fatalf("%s: decoding the body into %T: %v\nbody: %s", r.what(), v, err, clip(r.Body))
	}
}

// ExpectStatus checks the status code.
func (r *Response) ExpectStatus(want int) *Response {
	r.t.Helper()
	if r.StatusCode != want {
		r.t.Errorf("%s: status %s, want %s\nbody: %s", r.what(), statusText(r.StatusCode), statusText(want), clip(r.Body))
	}
	return r
}

// ExpectHeader checks every value of the header name, in order: with no want,
// the header must be absent.
func (r *Response) ExpectHeader(name string, want ...string) *Response {
	r.t.Helper()
	got := r.Header.Values(name)
	switch {
	case len(want) == 0 && len(got) > 0:
		r.t.Errorf("%s: header %s = %q, want none", r.what(), name, got)
	case len(want) > 0 && !slices.Equal(got, want):
		r.t.Errorf("%s: header %s = %q, want %q", r.what(), name, got, want)
	}
	return r
}

// ExpectBody checks the body byte for byte.
func (r *Response) ExpectBody(want string) *Response {
	r.t.Helper()
	if string(r.Body) != want {
		r.t.Errorf("%s: body differs\ngot:  %q\nwant: %q", r.what(), clip(r.Body), clip([]byte(want)))
	}
	return r
}

// ExpectJSON checks that the response is JSON (Content-Type application/json
// or a +json type) equal to want, compared as parsed JSON (see EqualJSON): the
// report lists each difference by its path in the document.
//
// want is JSON text (a string, []byte or json.RawMessage) or a Go value,
// compared as encoding/json encodes it.
func (r *Response) ExpectJSON(want any) *Response {
	r.t.Helper()
	if ct := r.Header.Get("Content-Type"); !isJSONType(ct) {
		r.t.Errorf("%s: Content-Type %q, want a JSON type", r.what(), ct)
	}
	w, err := jsonValue(want)
	if err != nil {
		r.t.Errorf("%s: the expected value: %v", r.what(), err)
		return r
	}
	g, err := parseJSON(r.Body)
	if err != nil {
		r.t.Errorf("%s: the body is not JSON (%v): %s", r.what(), err, clip(r.Body))
		return r
	}
	if d := diffJSON(g, w); d != "" {
		r.t.Errorf("%s: JSON body differs:\n%s\ngot:  %s\nwant: %s", r.what(), d, clip(r.Body), clip(compact(w)))
	}
	return r
}

func isJSONType(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

// what names the request in failures.
func (r *Response) what() string {
	if r.Request == nil || r.Request.URL == nil {
		return "response"
	}
	return r.Request.Method + " " + r.Request.URL.String()
}

func statusText(code int) string {
	if t := http.StatusText(code); t != "" {
		return fmt.Sprintf("%d %s", code, t)
	}
	return fmt.Sprint(code)
}

// clip shortens a body for a failure message.
func clip(b []byte) string {
	const max = 2000
	if len(b) > max {
		return string(b[:max]) + fmt.Sprintf("… (%d bytes)", len(b))
	}
	return string(b)
}
