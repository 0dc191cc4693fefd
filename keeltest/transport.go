package keeltest

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"
)

// remoteAddr is the client address an in-process request comes from.
const remoteAddr = "127.0.0.1:50000"

// handlerTransport is an http.RoundTripper that serves each request with a
// handler in-process. It hands the handler the request a net/http server would
// read off the wire for it, and returns the response the server would send:
// the rules of net/http's server and client that a test can observe are
// applied here (see New).
type handlerTransport struct {
	h http.Handler
}

func (t handlerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		body = b
	}
	if err := req.Context().Err(); err != nil {
		return nil, err
	}
	sreq, err := serverRequest(req, body)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(req.Context())
	defer cancel() // as a server does once the handler returns
	w := &recorder{handlerHeader: http.Header{}, declared: -1}
	if err := serve(t.h, w, sreq.WithContext(ctx)); err != nil {
		return nil, err
	}
	return w.result(req), nil
}

// serve runs h, turning a panic into an error: a server would log it and drop
// the connection, so the client would get no response.
func serve(h http.Handler, w http.ResponseWriter, r *http.Request) (err error) {
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				err = errors.New("the handler aborted the response (panic(http.ErrAbortHandler))")
				return
			}
			err = fmt.Errorf("the handler panicked: %v\n%s", p, debug.Stack())
		}
	}()
	h.ServeHTTP(w, r)
	return nil
}

// serverRequest is what a net/http server reads for the request net/http's
// client writes for req.
func serverRequest(req *http.Request, body []byte) (*http.Request, error) {
	host := req.Host
	if host == "" {
		host = req.URL.Host
	}
	if host == "" {
		return nil, errors.New("http: no Host in request URL")
	}
	if !validHeaderValue(host) || strings.ContainsAny(host, " /") {
		return nil, fmt.Errorf("http: invalid Host header")
	}
	h := make(http.Header, len(req.Header)+1)
	for k, vs := range req.Header {
		if !validHeaderName(k) {
			return nil, fmt.Errorf("net/http: invalid header field name %q", k)
		}
		ck := http.CanonicalHeaderKey(k)
		for _, v := range vs {
			if !validHeaderValue(v) {
				return nil, fmt.Errorf("net/http: invalid header field value for %q", k)
			}
			h[ck] = append(h[ck], strings.Trim(v, " \t"))
		}
	}
	if _, ok := h["User-Agent"]; !ok {
		h["User-Agent"] = []string{"Go-http-client/1.1"}
	} else if h.Get("User-Agent") == "" {
		delete(h, "User-Agent")
	}
	delete(h, "Host")
	delete(h, "Content-Length")
	delete(h, "Transfer-Encoding")
	if len(body) > 0 || req.Method == "POST" || req.Method == "PUT" || req.Method == "PATCH" {
		h["Content-Length"] = []string{strconv.Itoa(len(body))}
	}
	uri := req.URL.RequestURI()
	u, err := url.ParseRequestURI(uri)
	if err != nil {
		return nil, err
	}
	r := &http.Request{
		Method:        req.Method,
		URL:           u,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        h,
		Body:          http.NoBody,
		ContentLength: int64(len(body)),
		Host:          host,
		RemoteAddr:    remoteAddr,
		RequestURI:    uri,
	}
	if len(body) > 0 {
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	r.TLS = tlsFor(req.URL)
	return r, nil
}

// validHeaderName reports whether s is an RFC 9110 token.
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0 {
			continue
		}
		return false
	}
	return true
}

// validHeaderValue reports whether s has no control characters but tabs.
func validHeaderValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// bufferBeforeChunking is how much of a body net/http's server buffers before
// it sends the header: a handler that returns having written no more, and
// without flushing, gets a Content-Length computed for it.
const bufferBeforeChunking = 2048

// recorder is the in-process http.ResponseWriter. Unlike
// httptest.ResponseRecorder it applies the server's rules: the header is
// frozen by WriteHeader, writes are refused where a body is not allowed or
// would exceed the declared Content-Length, and the response gets the
// Content-Type sniffing and computed Content-Length a server adds.
type recorder struct {
	handlerHeader http.Header
	header        http.Header // as of WriteHeader
	status        int
	wrote         bool
	body          bytes.Buffer
	written       int64
	flushed       bool
	committed     int   // bytes written at the first Flush
	declared      int64 // the handler's Content-Length, or -1
	invalidLength bool  // the handler's Content-Length was not a number
}

func (w *recorder) Header() http.Header { return w.handlerHeader }

func (w *recorder) WriteHeader(code int) {
	if code < 100 || code > 999 {
		panic(fmt.Sprintf("invalid WriteHeader code %v", code))
	}
	if w.wrote {
		return
	}
	if code >= 100 && code <= 199 && code != http.StatusSwitchingProtocols {
		return // informational: sent at once; the final header is still to come
	}
	w.wrote, w.status = true, code
	w.header = w.handlerHeader.Clone()
	if cl := w.header.Get("Content-Length"); cl != "" {
		if n, err := strconv.ParseUint(cl, 10, 63); err == nil {
			w.declared = int64(n)
		} else {
			// A server drops an invalid one, and computes none either.
			delete(w.header, "Content-Length")
			w.invalidLength = true
		}
	}
}

func (w *recorder) Write(p []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	if !bodyAllowed(w.status) {
		return 0, http.ErrBodyNotAllowed
	}
	w.written += int64(len(p)) // refused writes count too, as in net/http
	if w.declared >= 0 && w.written > w.declared {
		return 0, http.ErrContentLength
	}
	return w.body.Write(p)
}

// Flush implements http.Flusher: the header is sent with what was written so far.
func (w *recorder) Flush() {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	if !w.flushed {
		w.flushed, w.committed = true, w.body.Len()
	}
}

func bodyAllowed(status int) bool {
	return !(status >= 100 && status <= 199 || status == http.StatusNoContent || status == http.StatusNotModified)
}

// result is the response net/http's client reads once the handler returned.
func (w *recorder) result(req *http.Request) *http.Response {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	h, body := w.header, w.body.Bytes()
	head := req.Method == http.MethodHead
	allowed := bodyAllowed(w.status)
	_, hasType := h["Content-Type"] // even nil: the handler asked for no sniffing
	for k, vs := range h {
		if len(vs) == 0 {
			delete(h, k) // nothing to send
		}
	}
	hasTE := h.Get("Transfer-Encoding") != ""
	// Declared trailers: the client moves the declaration out of the header
	// and reads their values after the body.
	var trailer http.Header
	for _, v := range h["Trailer"] {
		for k := range strings.SplitSeq(v, ",") {
			if k = http.CanonicalHeaderKey(strings.TrimSpace(k)); k != "" {
				if trailer == nil {
					trailer = http.Header{}
				}
				trailer[k] = nil
			}
		}
	}
	delete(h, "Trailer")
	first := body
	if w.flushed {
		first = body[:w.committed]
	}
	if !hasType && !hasTE && allowed && len(first) > 0 {
		h.Set("Content-Type", http.DetectContentType(first))
	}
	contentLength := int64(-1)
	var te []string
	switch {
	case !allowed:
		contentLength = 0
	case w.declared >= 0:
		contentLength = w.declared
	case !w.flushed && trailer == nil && !hasTE && !w.invalidLength && len(body) <= bufferBeforeChunking && (!head || len(body) > 0):
		contentLength = int64(len(body))
		h.Set("Content-Length", strconv.Itoa(len(body)))
	case !head:
		te = []string{"chunked"}
	}
	for k := range trailer {
		if vs, ok := w.handlerHeader[k]; ok {
			trailer[k] = append([]string(nil), vs...)
		}
	}
	for k, vs := range w.handlerHeader {
		if name, ok := strings.CutPrefix(k, http.TrailerPrefix); ok {
			if trailer == nil {
				trailer = http.Header{}
			}
			trailer[http.CanonicalHeaderKey(name)] = append([]string(nil), vs...)
		}
	}
	var rd io.Reader = bytes.NewReader(body)
	switch {
	case head || !allowed:
		rd = bytes.NewReader(nil)
	case w.declared > int64(len(body)):
		// The handler wrote less than it declared: the server closes the
		// connection and the client reads a truncated body.
		rd = io.MultiReader(rd, errReader{io.ErrUnexpectedEOF})
	}
	text := http.StatusText(w.status)
	if text == "" {
		text = "status code " + strconv.Itoa(w.status)
	}
	return &http.Response{
		Status:           strconv.Itoa(w.status) + " " + text,
		StatusCode:       w.status,
		Proto:            "HTTP/1.1",
		ProtoMajor:       1,
		ProtoMinor:       1,
		Header:           h,
		Body:             io.NopCloser(rd),
		ContentLength:    contentLength,
		TransferEncoding: te,
		Trailer:          trailer,
		Request:          req,
		TLS:              tlsFor(req.URL),
	}
}

// tlsFor is the connection state of an in-process request to u: nil unless u
// is https.
func tlsFor(u *url.URL) *tls.ConnectionState {
	if u.Scheme != "https" {
		return nil
	}
	return &tls.ConnectionState{Version: tls.VersionTLS13, HandshakeComplete: true, ServerName: u.Hostname()}
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }
