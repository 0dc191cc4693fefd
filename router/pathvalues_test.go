package router_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/getkin/kin-openapi/openapi3"

	"github.com/keelgo/keel"
	"github.com/keelgo/keel/di"
	"github.com/keelgo/keel/internal/testutil"
	"github.com/keelgo/keel/response"
	"github.com/keelgo/keel/router"
	"github.com/keelgo/keel/security"
)

// This file tests when Keel sets a request's path values for r.PathValue:
// exactly where code that sees the request could read them (DESIGN.md,
// Routing). Elsewhere the binders get them from Keel's match, and nothing
// is allocated for them.

type pvParams struct {
	A string `path:"a"`
	B string `path:"b"`
}

type pvUser struct{ Name string }

// pvTargets are requests to GET /v/{a}/{b...} and the values Keel's match
// gives them (the decoded path; a rest wildcard holds no final newline).
// Some a ServeMux reads as Keel does, some it does not (escapes, dot
// segments, a newline), where the values are set one by one.
var pvTargets = []struct{ target, a, b string }{
	{"/v/1/2", "1", "2"},
	{"/v/1/", "1", ""},
	{"/v/1/x/y", "1", "x/y"},
	{"/v/1%2F2", "1", "2"},
	{"/v/a%20b/c%2Fd", "a b", "c/d"},
	{"/v/%2E%2E/x//y", "..", "x//y"},
	{"/v/..%0A/", "..\n", ""},
	{"/v/x/y%0A", "x", "y"},
	{"/v/%C3%A9/%FF", "é", "\ufffd"},
}

// pvSeen records what an observer read with r.PathValue.
type pvSeen struct {
	mu  sync.Mutex
	got string
}

func (s *pvSeen) see(r *http.Request) {
	s.mu.Lock()
	s.got = r.PathValue("a") + "|" + r.PathValue("b") + "|" + r.Pattern
	s.mu.Unlock()
}

func (s *pvSeen) take() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.got
	s.got = ""
	return g
}

// pvFormat is an ErrorFormat of the application's: it receives the request.
type pvFormat struct {
	router.FastAPIErrors
	seen *pvSeen
}

func (f pvFormat) WriteHTTPError(w http.ResponseWriter, r *http.Request, e *keel.HTTPError) {
	f.seen.see(r)
	f.FastAPIErrors.WriteHTTPError(w, r, e)
}

// pvScheme is a security scheme of the application's, whose function takes
// the request (security.Provide).
type pvScheme struct{ p *di.Provider }

func (s *pvScheme) Dependency() di.Dependency { return di.Depends(s.p) }
func (s *pvScheme) SchemeName() string        { return "pvKey" }
func (s *pvScheme) OpenAPISecurityScheme() *openapi3.SecurityScheme {
	return &openapi3.SecurityScheme{Type: "apiKey", In: "header", Name: "X-Key"}
}

func bothValues(p pvParams) (string, error) { return p.A + "|" + p.B, nil }

// Every kind of code that sees the request reads the route's path values
// with r.PathValue, equal to what the route's parameters bind, on every
// shape of path; and a route without such code binds the same values.
func TestPathValuesObservable(t *testing.T) {
	const pattern = "GET /v/{a}/{b...}"
	record := func(seen *pvSeen) func(http.Handler) http.Handler {
		return func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				seen.see(r)
				next.ServeHTTP(w, r)
			})
		}
	}
	for _, c := range []struct {
		name string
		// build registers GET /v/{a}/{b...}, answering "a|b" as bound (or an
		// error, with status), with code that calls seen.see(r), if any.
		build  func(seen *pvSeen) *router.App
		status int
		text   bool // the body is text, not JSON
	}{
		{name: "no code sees the request", build: func(seen *pvSeen) *router.App {
			app, _ := quietApp()
			app.Get("/v/{a}/{b...}", bothValues)
			return app
		}},
		{name: "handler takes the request", build: func(seen *pvSeen) *router.App {
			app, _ := quietApp()
			app.Get("/v/{a}/{b...}", func(r *http.Request, p pvParams) (string, error) { seen.see(r); return p.A + "|" + p.B, nil })
			return app
		}},
		{name: "dependency takes the request", build: func(seen *pvSeen) *router.App {
			app, _ := quietApp()
			user := di.Provide(func(r *http.Request) (*pvUser, error) { seen.see(r); return &pvUser{}, nil })
			app.Get("/v/{a}/{b...}", func(p pvParams, _ *pvUser) (string, error) { return p.A + "|" + p.B, nil }, user)
			return app
		}},
		{name: "nested dependency takes the request", build: func(seen *pvSeen) *router.App {
			app, _ := quietApp()
			type token string
			tok := di.Provide(func(r *http.Request) (token, error) { seen.see(r); return "t", nil })
			user := di.Provide(func(token) (*pvUser, error) { return &pvUser{}, nil }, tok)
			app.Get("/v/{a}/{b...}", func(p pvParams, _ *pvUser) (string, error) { return p.A + "|" + p.B, nil }, user)
			return app
		}},
		{name: "app-wide provider takes the request", build: func(seen *pvSeen) *router.App {
			app, _ := quietApp()
			app.Provide(di.Provide(func(r *http.Request) (*pvUser, error) { seen.see(r); return &pvUser{}, nil }))
			app.Get("/v/{a}/{b...}", func(p pvParams, _ *pvUser) (string, error) { return p.A + "|" + p.B, nil })
			return app
		}},
		{name: "app dependency takes the request", build: func(seen *pvSeen) *router.App {
			app, _ := quietApp(router.WithDependencies(di.Provide(func(r *http.Request) error { seen.see(r); return nil })))
			app.Get("/v/{a}/{b...}", bothValues)
			return app
		}},
		{name: "group dependency takes the request", build: func(seen *pvSeen) *router.App {
			app, _ := quietApp()
			g := app.Group("/v", di.Provide(func(r *http.Request) error { seen.see(r); return nil }))
			g.Get("/{a}/{b...}", bothValues)
			return app
		}},
		{name: "security scheme of the application's", build: func(seen *pvSeen) *router.App {
			app, _ := quietApp()
			s := &pvScheme{}
			s.p = security.Provide(s, func(r *http.Request) (*pvUser, error) { seen.see(r); return &pvUser{}, nil })
			app.Get("/v/{a}/{b...}", func(p pvParams, _ *pvUser) (string, error) { return p.A + "|" + p.B, nil }, s)
			return app
		}},
		{name: "text result, handler takes the request", text: true, build: func(seen *pvSeen) *router.App {
			app, _ := quietApp()
			app.Get("/v/{a}/{b...}", func(r *http.Request, p pvParams) (response.Text, error) {
				seen.see(r)
				return response.Text(`"` + p.A + "|" + p.B + `"`), nil
			})
			return app
		}},
		{name: "route middleware", build: func(seen *pvSeen) *router.App {
			app, _ := quietApp()
			app.Get("/v/{a}/{b...}", bothValues, router.Middleware(record(seen)))
			return app
		}},
		{name: "group middleware", build: func(seen *pvSeen) *router.App {
			app, _ := quietApp()
			g := app.Group("/v", router.Middleware(record(seen)))
			g.Get("/{a}/{b...}", bothValues)
			return app
		}},
		{name: "group Use", build: func(seen *pvSeen) *router.App {
			app, _ := quietApp()
			g := app.Group("/v")
			g.Use(record(seen))
			g.Get("/{a}/{b...}", bothValues)
			return app
		}},
		{name: "app middleware after the route answered", build: func(seen *pvSeen) *router.App {
			app, _ := quietApp()
			app.Get("/v/{a}/{b...}", bothValues)
			app.Use(func(next http.Handler) http.Handler { // after registering: still counts
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					next.ServeHTTP(w, r)
					seen.see(r)
				})
			})
			return app
		}},
		{name: "error format of the application's", status: 418, build: func(seen *pvSeen) *router.App {
			app, _ := quietApp(router.WithErrorFormat(pvFormat{seen: seen}))
			app.Get("/v/{a}/{b...}", func(p pvParams) (string, error) { return "", keel.NewHTTPError(418, p.A+"|"+p.B) })
			return app
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			seen := &pvSeen{}
			app := c.build(seen)
			for _, tc := range pvTargets {
				want := tc.a + "|" + tc.b
				res := testutil.Get(app, tc.target)
				if c.text {
					if res.Status != 200 || res.Body != `"`+want+`"` {
						t.Errorf("%s: %d %q, want %q", tc.target, res.Status, res.Body, `"`+want+`"`)
					}
				} else if c.status != 0 {
					res.Expect(t, c.status, fmt.Sprintf(`{"detail":%q}`, want))
				} else {
					res.Expect(t, 200, fmt.Sprintf("%q", want))
				}
				got := seen.take()
				if c.name == "no code sees the request" {
					continue
				}
				if got != want+"|"+pattern {
					t.Errorf("%s: r.PathValue, r.Pattern = %q, want %q", tc.target, got, want+"|"+pattern)
				}
			}
		})
	}
}

// An override can add a function that takes the request to a route that had
// none: it then reads the path values, and once the override is removed the
// route binds them from Keel's match again. Requests served while overrides
// change see either plan, each with correct values (run with -race).
func TestPathValuesOverride(t *testing.T) {
	app, _ := quietApp()
	user := di.Provide(func() (*pvUser, error) { return &pvUser{Name: "real"}, nil })
	app.Get("/v/{a}/{b...}", func(p pvParams, u *pvUser) (string, error) { return u.Name + ":" + p.A + "|" + p.B, nil }, user)
	fromRequest := di.Provide(func(r *http.Request) (*pvUser, error) {
		return &pvUser{Name: "path=" + r.PathValue("a") + "|" + r.PathValue("b")}, nil
	})
	check := func(name string) {
		t.Helper()
		for _, tc := range pvTargets {
			v := tc.a + "|" + tc.b
			want := "real:" + v
			if name != "real" {
				want = "path=" + v + ":" + v
			}
			testutil.Get(app, tc.target).Expect(t, 200, fmt.Sprintf("%q", want))
		}
	}
	check("real")
	app.Override(user, fromRequest)
	check("override")
	app.Override(user, nil)
	check("real")
	app.Override(user, fromRequest)
	app.ResetOverrides()
	check("real")

	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if i%2 == 0 {
				app.Override(user, fromRequest)
			} else {
				app.Override(user, nil)
			}
		}
	}()
	for i := 0; i < 200; i++ {
		res := testutil.Get(app, "/v/1%2F2")
		if res.Body != `"real:1|2"` && res.Body != `"path=1|2:1|2"` {
			t.Fatalf("during overrides: %d %s", res.Status, res.Body)
		}
	}
	close(stop)
	wg.Wait()
}

// A route no code of which sees the request allocates nothing for its path
// values (neither ServeMux's second match nor r.SetPathValue's map), and
// leaves r.PathValue empty for code outside the App, which sees r.Pattern.
// If the router set them anyway, this fails.
func TestPathValuesNotSetUnobserved(t *testing.T) {
	app, _ := quietApp()
	// Typed (di.Func1): a function called by reflection allocates its results.
	app.Get("/v/{a}/{b...}", di.Func1(func(p pvParams) (pvParams, error) { return p, nil }))
	w := &nopWriter{h: http.Header{}}
	for _, target := range []string{"/v/1/2", "/v/1%2F2/x", "/v/..%0A/"} {
		base := httptest.NewRequest("GET", target, nil)
		r := new(http.Request)
		allocs := testing.AllocsPerRun(100, func() {
			*r = *base
			clear(w.h)
			app.ServeHTTP(w, r)
		})
		if w.status != 200 || allocs != 0 && !raceEnabled {
			t.Errorf("%s: status %d, %v allocations per request, want 200 and 0", target, w.status, allocs)
		}
		if r.Pattern != "GET /v/{a}/{b...}" || r.PathValue("a") != "" {
			t.Errorf("%s: after serving, r.Pattern %q r.PathValue(\"a\") %q; want the pattern and no value", target, r.Pattern, r.PathValue("a"))
		}
	}
}

type nopWriter struct {
	h      http.Header
	status int
}

func (w *nopWriter) Header() http.Header         { return w.h }
func (w *nopWriter) WriteHeader(s int)           { w.status = s }
func (w *nopWriter) Write(b []byte) (int, error) { return len(b), nil }

// A WebSocket route's functions that take the request read its path values.
func TestPathValuesWebSocket(t *testing.T) {
	app, _ := quietApp()
	seen := &pvSeen{}
	app.WebSocket("/v/{a}/{b...}", func(ctx context.Context, conn *websocket.Conn, p pvParams, _ *pvUser) error {
		return conn.Write(ctx, websocket.MessageText, []byte(p.A+"|"+p.B))
	}, di.Provide(func(r *http.Request) (*pvUser, error) { seen.see(r); return &pvUser{}, nil }))
	srv := httptest.NewServer(app)
	defer srv.Close()
	for _, tc := range pvTargets[:6] {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+tc.target, nil)
		if err != nil {
			cancel()
			t.Fatalf("%s: %v", tc.target, err)
		}
		_, msg, err := conn.Read(ctx)
		conn.CloseNow()
		cancel()
		want := tc.a + "|" + tc.b
		if err != nil || string(msg) != want {
			t.Errorf("%s: %q %v, want %q", tc.target, msg, err, want)
		}
		if got := seen.take(); got != want+"|GET /v/{a}/{b...}" {
			t.Errorf("%s: the dependency saw %q", tc.target, got)
		}
	}
}
