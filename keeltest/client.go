package keeltest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// DefaultUserAgent is the User-Agent a Client sends unless told otherwise:
// FastAPI's TestClient's, so that ported tests which echo it keep passing.
const DefaultUserAgent = "testclient"

// A Client sends requests to one handler and reports failures to the test it
// was made for. It keeps cookies across requests (a cookie jar of its own),
// follows redirects, and sends the headers, query parameters and bearer token
// it was given to every request.
//
// A Client is safe for concurrent use. Its requests fail the test it belongs to:
// a subtest, or a test run in parallel, uses its own view of the client, from
// For.
type Client struct {
	t testing.TB
	s *session
}

// session is what the views of one Client share.
type session struct {
	hc           *http.Client // one response per call: the Client follows redirects itself
	std          *http.Client // for HTTPClient
	jar          *cookiejar.Jar
	base         *url.URL // path ends in "/"
	server       *httptest.Server
	maxRedirects int

	mu       sync.Mutex
	defaults settings // Header, Query, FollowRedirects given to New, and SetBearer
}

// New returns a client that serves its requests with h in-process, without a
// socket, as FastAPI's TestClient does. Requests go to http://testserver
// unless BaseURL says otherwise.
//
// The handler gets the request a net/http server would read for it: Host and
// RequestURI set, the Host header moved to r.Host, Content-Length set as
// net/http's client sends it, header values trimmed, RemoteAddr
// "127.0.0.1:50000", r.TLS set for https URLs, and a context canceled when the
// handler returns. The client gets the response the server would send: the
// header as it was at WriteHeader, Content-Type sniffed when the handler set
// none, Content-Length computed for a short unflushed body, no body for HEAD,
// 204 and 304, writes beyond a declared Content-Length refused. A server also
// adds a Date header; New does not. A handler that panics fails the test with
// the panic and its stack. The ResponseWriter supports Flush but not Hijack:
// test WebSockets with NewServer.
func New(t testing.TB, h http.Handler, opts ...ClientOption) *Client {
	t.Helper()
	return newClient(t, handlerTransport{h}, nil, opts)
}

// NewServer starts an httptest.Server for h, closed when the test ends
// (t.Cleanup), and returns a client for it, with the same API as New's. What
// the server logs (a handler's panic, a superfluous WriteHeader) goes to the
// test's log.
func NewServer(t testing.TB, h http.Handler, opts ...ClientOption) *Client {
	t.Helper()
	return startServer(t, h, false, opts)
}

// NewTLSServer is NewServer over TLS (httptest.NewTLSServer); the client trusts
// the server's certificate.
func NewTLSServer(t testing.TB, h http.Handler, opts ...ClientOption) *Client {
	t.Helper()
	return startServer(t, h, true, opts)
}

func startServer(t testing.TB, h http.Handler, tls bool, opts []ClientOption) *Client {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = log.New(testLog{t}, "", 0)
	if tls {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	tr := srv.Client().Transport.(*http.Transport).Clone()
	tr.DisableCompression = true // send no Accept-Encoding of our own, as in-process
	t.Cleanup(tr.CloseIdleConnections)
	return newClient(t, tr, srv, opts)
}

func newClient(t testing.TB, rt http.RoundTripper, srv *httptest.Server, opts []ClientOption) *Client {
	t.Helper()
	cfg := clientConfig{maxRedirects: 20}
	for i, o := range opts {
		if o == nil {
			t.Fatalf("keeltest: client option #%d is nil", i+1)
		}
		o.applyClient(&cfg)
	}
	base, err := baseURL(cfg.baseURL, srv)
	if err != nil {
		t.Fatalf("keeltest: %v", err)
	}
	if cfg.maxRedirects < 0 {
		t.Fatalf("keeltest: MaxRedirects(%d): want 0 or more", cfg.maxRedirects)
	}
	jar, _ := cookiejar.New(nil) // error is always nil
	s := &session{
		hc: &http.Client{Transport: rt, Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}},
		std:          &http.Client{Transport: rt, Jar: jar},
		jar:          jar,
		base:         base,
		server:       srv,
		maxRedirects: cfg.maxRedirects,
		defaults:     cfg.settings,
	}
	if len(cfg.cookies) > 0 {
		jar.SetCookies(base, cfg.cookies)
	}
	s.defaults.cookies = nil
	if s.defaults.header == nil {
		s.defaults.header = http.Header{}
	}
	if _, ok := s.defaults.header["User-Agent"]; !ok {
		s.defaults.header.Set("User-Agent", DefaultUserAgent)
	}
	return &Client{t: t, s: s}
}

// testLog writes a server's log to the test's.
type testLog struct{ t testing.TB }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Logf("keeltest server: %s", bytes.TrimSuffix(p, []byte("\n")))
	return len(p), nil
}

// baseURL validates a BaseURL option and gives its path a final "/".
func baseURL(raw string, srv *httptest.Server) (*url.URL, error) {
	var u *url.URL
	if srv != nil {
		su, err := url.Parse(srv.URL)
		if err != nil {
			return nil, err
		}
		u = su
		if raw != "" {
			b, err := url.Parse(raw)
			if err != nil || b.Scheme != "" || b.Host != "" || b.RawQuery != "" || b.Fragment != "" {
				return nil, fmt.Errorf("BaseURL(%q): a server's client sends requests to the server's URL; give only a path", raw)
			}
			u.Path, u.RawPath = b.Path, b.RawPath
		}
	} else {
		if raw == "" {
			raw = "http://testserver"
		}
		b, err := url.Parse(raw)
		if err != nil || (b.Scheme != "http" && b.Scheme != "https") || b.Host == "" || b.RawQuery != "" || b.Fragment != "" || b.User != nil {
			return nil, fmt.Errorf("BaseURL(%q): want an absolute http or https URL with a host, no query, no fragment", raw)
		}
		u = b
	}
	p := u.EscapedPath()
	if !strings.HasSuffix(p, "/") {
		p += "/"
	}
	return url.Parse(u.Scheme + "://" + u.Host + p)
}

// For returns a view of c that reports to t: the same handler, cookies,
// headers and token, failures reported to t. Use it in subtests and in tests
// run in parallel, whose failures must go to their own t.
func (c *Client) For(t testing.TB) *Client { return &Client{t: t, s: c.s} }

// URL returns the base URL request paths are relative to, with a final "/".
func (c *Client) URL() *url.URL {
	u := *c.s.base
	return &u
}

// Server returns the httptest.Server of a client made by NewServer or
// NewTLSServer, and nil for New's.
func (c *Client) Server() *httptest.Server { return c.s.server }

// Jar returns the client's cookie jar (net/http/cookiejar, no public suffix
// list): the cookies the app set, which requests send back.
func (c *Client) Jar() http.CookieJar { return c.s.jar }

// Cookies returns the cookies the jar sends to the base URL (names and values).
func (c *Client) Cookies() []*http.Cookie { return c.s.jar.Cookies(c.s.base) }

// HTTPClient returns a standard *http.Client over the same handler and cookie
// jar, for code that takes one (a generated API client, an OAuth2 library). It
// follows redirects by net/http's rules, not the Client's, and sends none of
// the Client's default headers.
func (c *Client) HTTPClient() *http.Client { return c.s.std }

// SetBearer sends "Authorization: Bearer token" with every following request;
// "" stops sending it. Login calls it.
func (c *Client) SetBearer(token string) {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	if token == "" {
		c.s.defaults.header.Del("Authorization")
		return
	}
	c.s.defaults.header.Set("Authorization", "Bearer "+token)
}

// Get sends a GET request for path, relative to the base URL (see BaseURL).
func (c *Client) Get(path string, opts ...RequestOption) *Response {
	c.t.Helper()
	return c.Do(http.MethodGet, path, opts...)
}

// Head sends a HEAD request.
func (c *Client) Head(path string, opts ...RequestOption) *Response {
	c.t.Helper()
	return c.Do(http.MethodHead, path, opts...)
}

// Post sends a POST request; give its body as an option (JSON, Form,
// Multipart, Body).
func (c *Client) Post(path string, opts ...RequestOption) *Response {
	c.t.Helper()
	return c.Do(http.MethodPost, path, opts...)
}

// Put sends a PUT request.
func (c *Client) Put(path string, opts ...RequestOption) *Response {
	c.t.Helper()
	return c.Do(http.MethodPut, path, opts...)
}

// Patch sends a PATCH request.
func (c *Client) Patch(path string, opts ...RequestOption) *Response {
	c.t.Helper()
	return c.Do(http.MethodPatch, path, opts...)
}

// Delete sends a DELETE request.
func (c *Client) Delete(path string, opts ...RequestOption) *Response {
	c.t.Helper()
	return c.Do(http.MethodDelete, path, opts...)
}

// Options sends an OPTIONS request.
func (c *Client) Options(path string, opts ...RequestOption) *Response {
	c.t.Helper()
	return c.Do(http.MethodOptions, path, opts...)
}

// Do sends a request and returns the response, after following redirects
// unless FollowRedirects(false) was given.
//
// Redirects are followed as FastAPI's TestClient (httpx) follows them: on 301,
// 302, 303, 307 and 308 with a Location header. 303 and 302 change the
// method to GET (HEAD stays HEAD), 301 changes POST to GET; the body is sent
// again unless the method became GET, which also drops Content-Length.
// Authorization is dropped when the redirect leaves the origin (scheme, host,
// port), except from http to https on the same host. Cookies come from the
// jar at each step; a Cookie option or header is not sent again. More than
// MaxRedirects redirects fail the test. The redirect responses are in the
// result's History.
//
// The request fails the test (t.Fatalf) when it cannot be sent or answered:
// an invalid option, an invalid header, a handler that panics, a broken
// connection.
func (c *Client) Do(method, path string, opts ...RequestOption) *Response {
	c.t.Helper()
	r, err := c.s.do(c.t, method, path, opts)
	if err != nil {
		c.t.Fatalf("keeltest: %s %s: %v", method, path, err)
	}
	return r
}

// hop is one request of a chain of redirects.
type hop struct {
	ctx     context.Context
	method  string
	url     *url.URL
	host    string // "" for the URL's
	header  http.Header
	body    []byte // nil: none
	cookies []*http.Cookie
}

func (s *session) do(t testing.TB, method, path string, opts []RequestOption) (*Response, error) {
	h, follow, err := s.prepare(method, path, opts)
	if err != nil {
		return nil, err
	}
	var history []*Response
	for {
		res, err := s.send(h)
		if err != nil {
			return nil, err
		}
		r, err := readResponse(t, res)
		if err != nil {
			return nil, fmt.Errorf("reading the response: %w", err)
		}
		_, hasLocation := r.Header["Location"]
		if !follow || !hasLocation || !isRedirect(r.StatusCode) {
			r.History = history
			return r, nil
		}
		history = append(history, r)
		if len(history) > s.maxRedirects {
			return nil, fmt.Errorf("more than %d redirects (the last one: %d to %q)", s.maxRedirects, r.StatusCode, r.Header.Get("Location"))
		}
		if h, err = redirect(h, r); err != nil {
			return nil, err
		}
	}
}

func isRedirect(code int) bool {
	switch code {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}

// prepare builds the first request from the options and the client's
// defaults.
func (s *session) prepare(method, path string, opts []RequestOption) (*hop, bool, error) {
	rc := requestConfig{ctx: context.Background()}
	for i, o := range opts {
		if o == nil {
			return nil, false, fmt.Errorf("request option #%d is nil", i+1)
		}
		o.applyRequest(&rc)
	}
	if len(rc.errs) > 0 {
		return nil, false, errors.Join(rc.errs...)
	}
	if rc.ctx == nil {
		return nil, false, errors.New("keeltest.Context: nil context")
	}
	s.mu.Lock()
	header := s.defaults.header.Clone()
	query := append([]param(nil), s.defaults.query...)
	follow := s.defaults.follow
	s.mu.Unlock()

	u, err := s.resolve(path)
	if err != nil {
		return nil, false, err
	}
	u.RawQuery = mergeQuery(u.RawQuery, query, rc.query)
	for k, vs := range rc.header {
		header[k] = append([]string(nil), vs...)
	}
	h := &hop{ctx: rc.ctx, method: method, url: u, header: header, cookies: rc.cookies}
	if host, ok := header["Host"]; ok {
		h.host = host[0]
		delete(header, "Host")
	}
	if rc.bodyBy != "" {
		h.body = rc.body
		if h.body == nil {
			h.body = []byte{}
		}
		if _, ok := header["Content-Type"]; !ok && rc.contentType != "" {
			header.Set("Content-Type", rc.contentType)
		}
	}
	if rc.follow != nil {
		follow = rc.follow
	}
	return h, follow == nil || *follow, nil
}

// resolve appends path to the base URL's path, as FastAPI's TestClient
// (httpx) does; a URL with a scheme is used as it is.
func (s *session) resolve(path string) (*url.URL, error) {
	ref, err := url.Parse(path)
	if err != nil {
		return nil, err
	}
	if ref.Scheme != "" {
		if ref.Scheme != "http" && ref.Scheme != "https" || ref.Host == "" {
			return nil, fmt.Errorf("want a path, or an absolute http or https URL")
		}
		return ref, nil
	}
	if ref.Host != "" {
		return nil, fmt.Errorf("a URL starting with // names a host; for a path that starts with //, give the whole URL (%s%s)",
			strings.TrimSuffix(s.base.String(), "/"), path)
	}
	raw := s.base.Scheme + "://" + s.base.Host + s.base.EscapedPath() + strings.TrimLeft(ref.EscapedPath(), "/")
	if ref.RawQuery != "" || ref.ForceQuery {
		raw += "?" + ref.RawQuery
	}
	return url.Parse(raw)
}

// mergeQuery adds the client's and the request's parameters to a URL's query:
// a request's parameter replaces the client's of the same name, and both
// replace the URL's own.
func mergeQuery(raw string, client, request []param) string {
	if len(client) == 0 && len(request) == 0 {
		return raw
	}
	set := map[string]bool{}
	for _, p := range request {
		set[p.key] = true
	}
	var add []param
	for _, p := range client {
		if !set[p.key] {
			add = append(add, p)
		}
	}
	add = append(add, request...)
	for _, p := range add {
		set[p.key] = true
	}
	var parts []string
	if raw != "" {
		for seg := range strings.SplitSeq(raw, "&") {
			k, _, _ := strings.Cut(seg, "=")
			if key, err := url.QueryUnescape(k); err == nil && set[key] {
				continue
			}
			parts = append(parts, seg)
		}
	}
	for _, p := range add {
		parts = append(parts, url.QueryEscape(p.key)+"="+url.QueryEscape(p.value))
	}
	return strings.Join(parts, "&")
}

// send sends one request, without following a redirect.
func (s *session) send(h *hop) (*http.Response, error) {
	var body io.Reader
	if h.body != nil {
		body = bytes.NewReader(h.body)
	}
	req, err := http.NewRequestWithContext(h.ctx, h.method, h.url.String(), body)
	if err != nil {
		return nil, err
	}
	req.Header = h.header.Clone()
	req.Host = h.host
	for _, c := range h.cookies {
		req.AddCookie(c)
	}
	res, err := s.hc.Do(req)
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return res, err
}

// redirect is the request that follows r (see Client.Do).
func redirect(h *hop, r *Response) (*hop, error) {
	method := h.method
	switch r.StatusCode {
	case http.StatusSeeOther, http.StatusFound:
		if method != http.MethodHead {
			method = http.MethodGet
		}
	case http.StatusMovedPermanently:
		if method == http.MethodPost {
			method = http.MethodGet
		}
	}
	loc, err := url.Parse(r.Header.Get("Location"))
	if err != nil {
		return nil, fmt.Errorf("%d with an invalid Location: %w", r.StatusCode, err)
	}
	if loc.Scheme != "" && loc.Host == "" {
		loc.Host = h.url.Host // a malformed absolute URL without host: this host
	}
	next := h.url.ResolveReference(loc)
	if next.Scheme != "http" && next.Scheme != "https" {
		return nil, fmt.Errorf("%d to %q: not an http or https URL", r.StatusCode, r.Header.Get("Location"))
	}
	n := &hop{ctx: h.ctx, method: method, url: next, host: h.host, header: h.header.Clone(), body: h.body}
	if !sameOrigin(h.url, next) {
		if !httpsUpgrade(h.url, next) {
			n.header.Del("Authorization")
		}
		n.host = ""
	}
	if method != h.method && method == http.MethodGet {
		n.header.Del("Content-Length")
		n.header.Del("Transfer-Encoding")
		n.body = nil
	}
	n.header.Del("Cookie") // the jar decides
	return n, nil
}

func port(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if u.Scheme == "https" {
		return "443"
	}
	return "80"
}

func sameOrigin(a, b *url.URL) bool {
	return a.Scheme == b.Scheme && strings.EqualFold(a.Hostname(), b.Hostname()) && port(a) == port(b)
}

// httpsUpgrade reports whether b is a's host moved from http on port 80 to
// https on port 443.
func httpsUpgrade(a, b *url.URL) bool {
	return strings.EqualFold(a.Hostname(), b.Hostname()) && a.Scheme == "http" && port(a) == "80" && b.Scheme == "https" && port(b) == "443"
}
