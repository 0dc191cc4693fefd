package keeltest_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/keelgo/keel/keeltest"
)

func TestURLs(t *testing.T) {
	tests := []struct {
		base string
		path string
		want string // RequestURI the handler sees
		host string
	}{
		{"", "/items/", "/items/", "testserver"},
		{"", "items/", "/items/", "testserver"},
		{"", "", "/", "testserver"},
		{"", "/a%2Fb?x=%20&y", "/a%2Fb?x=%20&y", "testserver"},
		{"", "/q?", "/q?", "testserver"},
		{"", "http://testserver//a//b", "//a//b", "testserver"},
		{"http://testserver/api", "/items", "/api/items", "testserver"},
		{"http://testserver/api/", "items", "/api/items", "testserver"},
		{"http://testserver/api", "", "/api/", "testserver"},
		{"https://example.com:8443", "/x", "/x", "example.com:8443"},
		{"", "http://other.example/y?z=1", "/y?z=1", "other.example"},
	}
	for _, tt := range tests {
		t.Run(tt.base+" "+tt.path, func(t *testing.T) {
			var opts []keeltest.ClientOption
			if tt.base != "" {
				opts = append(opts, keeltest.BaseURL(tt.base))
			}
			s := decodeSeen(t, keeltest.New(t, echo, opts...).Get(tt.path))
			if s.RequestURI != tt.want || s.Host != tt.host {
				t.Errorf("handler saw %s %s, want %s %s", s.Host, s.RequestURI, tt.host, tt.want)
			}
		})
	}
	// A server's client keeps the server's host and takes a base path.
	c := keeltest.NewServer(t, echo, keeltest.BaseURL("/v1"))
	if s := decodeSeen(t, c.Get("x")); s.RequestURI != "/v1/x" {
		t.Errorf("server with base path: %s", s.RequestURI)
	}
	if got := c.URL().String(); got != c.Server().URL+"/v1/" {
		t.Errorf("URL() = %s", got)
	}
	if keeltest.New(t, echo).Server() != nil {
		t.Error("an in-process client has no server")
	}
}

func TestBadClientOptions(t *testing.T) {
	tests := []struct {
		name   string
		newFn  func(tb testing.TB)
		wanted string
	}{
		{"relative base", func(tb testing.TB) { keeltest.New(tb, echo, keeltest.BaseURL("/api")) },
			`FATAL keeltest: BaseURL("/api"): want an absolute http or https URL with a host, no query, no fragment`},
		{"ftp base", func(tb testing.TB) { keeltest.New(tb, echo, keeltest.BaseURL("ftp://x/")) }, `BaseURL("ftp://x/")`},
		{"base with query", func(tb testing.TB) { keeltest.New(tb, echo, keeltest.BaseURL("http://x/?a=1")) }, `BaseURL("http://x/?a=1")`},
		{"server base with host", func(tb testing.TB) { keeltest.NewServer(tb, echo, keeltest.BaseURL("http://x/api")) },
			`FATAL keeltest: BaseURL("http://x/api"): a server's client sends requests to the server's URL; give only a path`},
		{"negative redirects", func(tb testing.TB) { keeltest.New(tb, echo, keeltest.MaxRedirects(-1)) }, "FATAL keeltest: MaxRedirects(-1): want 0 or more"},
		{"nil option", func(tb testing.TB) { keeltest.New(tb, echo, nil) }, "FATAL keeltest: client option #1 is nil"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { expectFailures(t, run(t, tt.newFn), tt.wanted) })
	}
}

func TestBadRequests(t *testing.T) {
	tests := []struct {
		name   string
		do     func(c *keeltest.Client)
		wanted string
	}{
		{"two bodies", func(c *keeltest.Client) { c.Post("/", keeltest.JSON(1), keeltest.Form(nil)) },
			"FATAL keeltest: POST /: both JSON and Form set the request body; a request has one"},
		{"unencodable JSON", func(c *keeltest.Client) { c.Post("/", keeltest.JSON(func() {})) },
			"FATAL keeltest: POST /: keeltest.JSON: json: unsupported type: func()"},
		{"nil request option", func(c *keeltest.Client) { c.Get("/", nil) }, "FATAL keeltest: GET /: request option #1 is nil"},
		{"nil context", func(c *keeltest.Client) {
			var ctx context.Context // nil
			c.Get("/", keeltest.Context(ctx))
		}, "FATAL keeltest: GET /: keeltest.Context: nil context"},
		{"canceled context", func(c *keeltest.Client) {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			c.Get("/", keeltest.Context(ctx))
		}, "FATAL keeltest: GET /: context canceled"},
		{"invalid method", func(c *keeltest.Client) { c.Do("BAD METHOD", "/") }, `FATAL keeltest: BAD METHOD /: net/http: invalid method "BAD METHOD"`},
		{"invalid header name", func(c *keeltest.Client) { c.Get("/", keeltest.Header("Bad Name", "x")) }, `invalid header field name "Bad Name"`},
		{"invalid header value", func(c *keeltest.Client) { c.Get("/", keeltest.Header("X", "a\r\nInjected: 1")) }, `invalid header field value for "X"`},
		{"bad URL", func(c *keeltest.Client) { c.Get("ftp://x/") }, "FATAL keeltest: GET ftp://x/: want a path, or an absolute http or https URL"},
		{"host-relative URL", func(c *keeltest.Client) { c.Get("//x/") },
			"FATAL keeltest: GET //x/: a URL starting with // names a host; for a path that starts with //, give the whole URL (http://testserver//x/)"},
		{"handler panic", func(c *keeltest.Client) { c.Get("/panic") }, "FATAL keeltest: GET /panic: the handler panicked: boom\ngoroutine"},
		{"aborted", func(c *keeltest.Client) { c.Get("/abort") }, "FATAL keeltest: GET /abort: the handler aborted the response (panic(http.ErrAbortHandler))"},
		{"short body", func(c *keeltest.Client) { c.Get("/short") }, "FATAL keeltest: GET /short: reading the response: unexpected EOF"},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/panic", func(http.ResponseWriter, *http.Request) { panic("boom") })
	mux.HandleFunc("/abort", func(http.ResponseWriter, *http.Request) { panic(http.ErrAbortHandler) })
	mux.HandleFunc("/short", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Length", "10")
		w.Write([]byte("abc"))
	})
	mux.Handle("/", echo)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			expectFailures(t, run(t, func(tb testing.TB) { tt.do(keeltest.New(tb, mux)) }), tt.wanted)
		})
	}
	// Behind a server, a short body fails the same way.
	f := run(t, func(tb testing.TB) { keeltest.NewServer(tb, mux).Get("/short") })
	expectFailures(t, f, "FATAL keeltest: GET /short: reading the response: unexpected EOF")
}

// The client's headers and query parameters go with every request; a
// request's own replace those of the same name.
func TestDefaults(t *testing.T) {
	c := keeltest.New(t, echo,
		keeltest.Header("X-Client", "c"), keeltest.Header("X-Both", "client"), keeltest.Header("User-Agent", "agent"),
		keeltest.Query("page", "1"), keeltest.Query("tag", "a"), keeltest.Query("tag", "b"),
		keeltest.BasicAuth("u", "p"))
	tests := []struct {
		path      string
		opts      []keeltest.RequestOption
		wantQuery string
		wantHdr   http.Header
	}{
		{"/", nil, "page=1&tag=a&tag=b",
			http.Header{"X-Client": {"c"}, "X-Both": {"client"}, "User-Agent": {"agent"}, "Authorization": {"Basic dTpw"}}},
		{"/?tag=z&keep=1", []keeltest.RequestOption{keeltest.Header("X-Both", "req1"), keeltest.Header("x-both", "req2")}, "keep=1&page=1&tag=a&tag=b",
			http.Header{"X-Client": {"c"}, "X-Both": {"req1", "req2"}}},
		{"/", []keeltest.RequestOption{keeltest.Query("tag", "r"), keeltest.Query("q", "a b&c")}, "page=1&tag=r&q=a+b%26c", nil},
		{"/", []keeltest.RequestOption{keeltest.Bearer("t")}, "page=1&tag=a&tag=b", http.Header{"Authorization": {"Bearer t"}}},
	}
	for _, tt := range tests {
		s := decodeSeen(t, c.Get(tt.path, tt.opts...))
		if s.RawQuery != tt.wantQuery {
			t.Errorf("%s: query %q, want %q", tt.path, s.RawQuery, tt.wantQuery)
		}
		for k, v := range tt.wantHdr {
			if got := s.Header.Values(k); !slices.Equal(got, v) {
				t.Errorf("%s: %s = %q, want %q", tt.path, k, got, v)
			}
		}
	}
	// The default User-Agent is FastAPI's TestClient's.
	if s := decodeSeen(t, keeltest.New(t, echo).Get("/")); s.Header.Get("User-Agent") != "testclient" {
		t.Errorf("User-Agent %q", s.Header.Get("User-Agent"))
	}
	// A request's Content-Type replaces the body option's.
	s := decodeSeen(t, c.Post("/", keeltest.JSON(1), keeltest.Header("Content-Type", "application/vnd.x+json")))
	if s.Header.Get("Content-Type") != "application/vnd.x+json" || s.Body != "1" {
		t.Errorf("Content-Type %q, body %q", s.Header.Get("Content-Type"), s.Body)
	}
	// Form bodies.
	s = decodeSeen(t, c.Post("/", keeltest.Form(url.Values{"b": {"2"}, "a": {"1", "x y"}})))
	if s.Body != "a=1&a=x+y&b=2" || s.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
		t.Errorf("form %q %q", s.Body, s.Header.Get("Content-Type"))
	}
}

// Cookies set by the app are kept and sent back, by the jar's rules.
func TestCookies(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/set", func(w http.ResponseWriter, r *http.Request) {
		for k, vs := range r.URL.Query() {
			c := &http.Cookie{Name: k, Value: vs[0], Path: "/"}
			switch k {
			case "scoped":
				c.Path = "/admin"
			case "secure":
				c.Secure = true
			case "gone":
				c.MaxAge = -1
			}
			http.SetCookie(w, c)
		}
	})
	mux.Handle("/", echo)
	cookieHeader := func(t *testing.T, c *keeltest.Client, path string, opts ...keeltest.RequestOption) string {
		t.Helper()
		return decodeSeen(t, c.Get(path, opts...)).Header.Get("Cookie")
	}
	for _, mode := range []string{"in-process", "server"} {
		t.Run(mode, func(t *testing.T) {
			var c *keeltest.Client
			if mode == "server" {
				c = keeltest.NewServer(t, mux, keeltest.Cookie("preset", "p"))
			} else {
				c = keeltest.New(t, mux, keeltest.Cookie("preset", "p"))
			}
			if got := cookieHeader(t, c, "/"); got != "preset=p" {
				t.Errorf("preset cookie: %q", got)
			}
			c.Get("/set?session=s1&scoped=a").ExpectStatus(200)
			if got := cookieHeader(t, c, "/"); got != "preset=p; session=s1" {
				t.Errorf("after login: %q", got)
			}
			if got := cookieHeader(t, c, "/admin/x"); got != "scoped=a; preset=p; session=s1" {
				t.Errorf("under /admin: %q", got)
			}
			if got := cookieHeader(t, c, "/", keeltest.Cookie("extra", "1")); got != "extra=1; preset=p; session=s1" {
				t.Errorf("with a request cookie: %q", got)
			}
			c.Get("/set?session=s2&gone=1").ExpectStatus(200)
			c.Get("/set?preset=").ExpectStatus(200)
			if got := cookieHeader(t, c, "/"); got != "preset=; session=s2" {
				t.Errorf("after changes: %q", got)
			}
			var names []string
			for _, k := range c.Cookies() {
				names = append(names, k.Name+"="+k.Value)
			}
			if !slices.Equal(names, []string{"preset=", "session=s2"}) {
				t.Errorf("Cookies() = %v", names)
			}
		})
	}
	// Secure cookies go to https only, as a browser's (and to loopback
	// addresses, which net/http/cookiejar deems secure as browsers do).
	c := keeltest.New(t, mux, keeltest.BaseURL("https://testserver"))
	c.Get("/set?secure=1").ExpectStatus(200)
	if got := cookieHeader(t, c, "/"); got != "secure=1" {
		t.Errorf("https: %q", got)
	}
	if got := cookieHeader(t, c, "http://testserver/"); got != "" {
		t.Errorf("http: %q", got)
	}
	// Set-Cookie of one response, parsed.
	r := keeltest.New(t, mux).Get("/set?a=1")
	if cs := r.Cookies(); len(cs) != 1 || cs[0].Name != "a" || cs[0].Value != "1" || cs[0].Path != "/" {
		t.Errorf("Response.Cookies() = %v", cs)
	}
	// The standard client shares the jar.
	c = keeltest.New(t, mux)
	res, err := c.HTTPClient().Get(c.URL().String() + "set?std=1")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if got := cookieHeader(t, c, "/"); got != "std=1" {
		t.Errorf("cookie set through HTTPClient: %q", got)
	}
}

// Views of one client share its state; each reports to its own test.
func TestForAndParallel(t *testing.T) {
	c := keeltest.New(t, echo)
	c.SetBearer("shared")
	t.Run("group", func(t *testing.T) {
		for _, name := range []string{"a", "b", "c", "d"} {
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				c := c.For(t)
				for range 20 {
					s := decodeSeen(t, c.Get("/"+name, keeltest.Query("n", name)))
					if s.Path != "/"+name || s.RawQuery != "n="+name || s.Header.Get("Authorization") != "Bearer shared" {
						t.Errorf("%+v", s)
					}
				}
			})
		}
	})
	f := run(t, func(tb testing.TB) { c.For(tb).Get("/", keeltest.Header("Bad Name", "")) })
	expectFailures(t, f, "invalid header field name")

	c.SetBearer("")
	if s := decodeSeen(t, c.Get("/")); s.Header.Get("Authorization") != "" {
		t.Errorf("SetBearer(\"\") left %q", s.Header.Get("Authorization"))
	}
}
