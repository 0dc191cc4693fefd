package router_test

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/keelgo/keel"
	"github.com/keelgo/keel/di"
	"github.com/keelgo/keel/internal/testutil"
	"github.com/keelgo/keel/router"
)

func quietApp(opts ...router.Option) (*router.App, *bytes.Buffer) {
	var logs bytes.Buffer
	opts = append([]router.Option{router.WithLogger(slog.New(slog.NewTextHandler(&logs, nil)))}, opts...)
	return router.New(router.Info{Title: "test"}, opts...), &logs
}

type Item struct {
	Name  string  `json:"name"`
	Price float64 `json:"price"`
}

// docs/fastapi-compat.md §3.9: HTTPError rendering; §1 of the Core issue: results, statuses, 500s.
func TestResponses(t *testing.T) {
	app, logs := quietApp()
	app.Get("/item", func() (Item, error) { return Item{"Foo", 1.5}, nil })
	app.Post("/created", func() (Item, error) { return Item{"Bar", 2}, nil }, router.Status(201))
	app.Delete("/gone", func() error { return nil }, router.Status(204))
	app.Get("/none", func() error { return nil })
	app.Get("/teapot", func() error { return keel.NewHTTPError(418) })
	app.Get("/detail-object", func() error {
		return keel.NewHTTPError(403, map[string]any{"msg": "nope", "code": 7}).WithHeader("X-Err", "1")
	})
	app.Get("/not-modified", func() error { return keel.NewHTTPError(304).WithHeader("ETag", `"abc"`) })
	app.Get("/plain-error", func() (Item, error) { return Item{}, errors.New("secret database password xyz") })
	app.Get("/panic", func() (Item, error) { panic("secret panic value") })
	app.Get("/unicode", func() (map[string]string, error) { return map[string]string{"s": "héllo <b>&"}, nil })

	cases := []struct {
		name, method, url string
		status            int
		body              string
		headers           []string
	}{
		{"200 JSON", "GET", "/item", 200, `{"name":"Foo","price":1.5}`, nil},
		{"201", "POST", "/created", 201, `{"name":"Bar","price":2}`, nil},
		{"teapot reason phrase", "GET", "/teapot", 418, `{"detail":"I'm a Teapot"}`, nil},
		{"detail of any JSON value", "GET", "/detail-object", 403, `{"detail":{"msg":"nope","code":7}}`, []string{"X-Err", "1"}},
		{"error-only handler answers null", "GET", "/none", 200, `null`, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			testutil.Do(app, testutil.Request{Method: c.method, URL: c.url}).Expect(t, c.status, c.body, c.headers...)
		})
	}

	t.Run("204 has no body", func(t *testing.T) {
		r := testutil.Do(app, testutil.Request{Method: "DELETE", URL: "/gone"})
		if r.Status != 204 || r.Body != "" {
			t.Fatalf("got %d %q", r.Status, r.Body)
		}
	})
	t.Run("304 keeps headers, no body", func(t *testing.T) {
		r := testutil.Get(app, "/not-modified")
		if r.Status != 304 || r.Body != "" || r.Header.Get("ETag") != `"abc"` {
			t.Fatalf("got %d %q %v", r.Status, r.Body, r.Header)
		}
	})
	t.Run("no HTML escaping, UTF-8", func(t *testing.T) {
		r := testutil.Get(app, "/unicode")
		if r.Body != `{"s":"héllo <b>&"}` {
			t.Fatalf("body %q", r.Body)
		}
	})
	for _, url := range []string{"/plain-error", "/panic"} {
		t.Run("500 leaks nothing "+url, func(t *testing.T) {
			logs.Reset()
			r := testutil.Get(app, url)
			if r.Status != 500 || r.Body != "Internal Server Error" || r.Header.Get("Content-Type") != "text/plain; charset=utf-8" {
				t.Fatalf("got %d %q %v", r.Status, r.Body, r.Header)
			}
			if !strings.Contains(logs.String(), "secret") {
				t.Fatalf("the error was not logged: %s", logs.String())
			}
			// The server keeps serving.
			testutil.Get(app, "/item").Expect(t, 200, `{"name":"Foo","price":1.5}`)
		})
	}
}

// docs/fastapi-compat.md §3.9: 404, 405 with Allow, 307 between /items and /items/.
func TestRoutingErrors(t *testing.T) {
	app, _ := quietApp()
	app.Get("/items/", func() ([]Item, error) { return []Item{}, nil })
	app.Post("/items/", func() (Item, error) { return Item{}, nil })
	app.Get("/users", func() ([]string, error) { return []string{}, nil })
	testutil.Get(app, "/nowhere").Expect(t, 404, `{"detail":"Not Found"}`)
	// Allow lists the methods of the first route that matches the path, as
	// Starlette's does: here GET /items/, registered before POST /items/.
	testutil.Do(app, testutil.Request{Method: "PUT", URL: "/items/"}).Expect(t, 405, `{"detail":"Method Not Allowed"}`, "Allow", "GET")
	testutil.Do(app, testutil.Request{Method: "DELETE", URL: "/users"}).Expect(t, 405, `{"detail":"Method Not Allowed"}`, "Allow", "GET")
	r := testutil.Get(app, "/items?x=1")
	if r.Status != 307 || r.Header.Get("Location") != "http://example.com/items/?x=1" {
		t.Fatalf("redirect: %d %v", r.Status, r.Header)
	}
	r = testutil.Get(app, "/users/")
	if r.Status != 307 || r.Header.Get("Location") != "http://example.com/users" {
		t.Fatalf("redirect: %d %v", r.Status, r.Header)
	}
	testutil.Get(app, "/items/x").Expect(t, 404, `{"detail":"Not Found"}`)
}

// docs/fastapi-compat.md §3.8: the response handle's headers, cookies and status reach the response.
func TestResponseHandle(t *testing.T) {
	app, _ := quietApp()
	type Marker struct{}
	dep := di.Provide(func(w *di.Response) Marker {
		w.SetStatus(202)
		w.Header().Set("X-From-Dep", "yes")
		w.SetCookie(&http.Cookie{Name: "c", Value: "v", Path: "/", SameSite: http.SameSiteLaxMode})
		return Marker{}
	})
	app.Get("/", func(Marker) (map[string]bool, error) { return map[string]bool{"ok": true}, nil }, dep)
	testutil.Get(app, "/").Expect(t, 202, `{"ok":true}`, "X-From-Dep", "yes", "Set-Cookie", "c=v; Path=/; SameSite=Lax")
}

// docs/fastapi-compat.md §3.5: cleanup order and scopes as seen on the wire.
func TestCleanupScopes(t *testing.T) {
	app, logs := quietApp()
	type Sess struct{ open *bool }
	var events []string
	reqScoped := di.Provide(func() (Sess, di.Cleanup, error) {
		open := true
		return Sess{&open}, func(err error) error {
			open = false
			events = append(events, "request cleanup")
			return errors.New("cleanup failed after the response")
		}, nil
	})
	type FSess struct{}
	fnScoped := di.Provide(func() (FSess, di.Cleanup, error) {
		return FSess{}, func(err error) error {
			return keel.NewHTTPError(503, "Exception after yield")
		}, nil
	})
	app.Get("/request-scope", func(s Sess) (map[string]bool, error) {
		return map[string]bool{"open": *s.open}, nil
	}, reqScoped)
	app.Get("/function-scope", func(FSess) (map[string]string, error) {
		return map[string]string{"message": "all good?"}, nil
	}, di.Depends(fnScoped).InScope(di.ScopeFunction))
	type Owner struct{}
	owner := di.Provide(func() (Owner, di.Cleanup, error) {
		return Owner{}, func(err error) error {
			var oe ownerError
			if errors.As(err, &oe) {
				return keel.NewHTTPError(400, "Owner error: "+string(oe))
			}
			return err
		}, nil
	})
	app.Get("/owner", func(Owner) error { return ownerError("Rick") }, owner)
	swallow := di.Provide(func() (FSess, di.Cleanup, error) { return FSess{}, func(error) error { return nil }, nil })
	app.Get("/swallow", func(FSess) error { return keel.NewHTTPError(400, "lost") }, swallow)

	testutil.Get(app, "/request-scope").Expect(t, 200, `{"open":true}`)
	if len(events) != 1 || !strings.Contains(logs.String(), "cleanup failed after the response") {
		t.Fatalf("request cleanup: %v %s", events, logs.String())
	}
	testutil.Get(app, "/function-scope").Expect(t, 503, `{"detail":"Exception after yield"}`)
	testutil.Get(app, "/owner").Expect(t, 400, `{"detail":"Owner error: Rick"}`)
	r := testutil.Get(app, "/swallow")
	if r.Status != 500 || r.Body != "Internal Server Error" {
		t.Fatalf("swallow: %d %s", r.Status, r.Body)
	}
}

type ownerError string

func (e ownerError) Error() string { return "owner error " + string(e) }

// docs/fastapi-compat.md §3.2: app, group (outer to inner), route, then parameter dependencies.
func TestDependencyOrder(t *testing.T) {
	var order []string
	mark := func(name string) *di.Provider {
		return di.Provide(func() error { order = append(order, name); return nil })
	}
	type P struct{}
	param := di.Provide(func() P { order = append(order, "param"); return P{} })
	app, _ := quietApp(router.WithDependencies(mark("app")))
	outer := app.Group("/outer", mark("outer_router"))
	inner := outer.Group("/inner", mark("inner_router"))
	inner.Get("/x", func(P) error { order = append(order, "endpoint"); return nil }, mark("decorator"), param)
	testutil.Get(app, "/outer/inner/x").Expect(t, 200, `null`)
	want := "app,outer_router,inner_router,decorator,param,endpoint"
	if got := strings.Join(order, ","); got != want {
		t.Fatalf("order %s, want %s", got, want)
	}
}

// Middleware wraps the app and groups.
func TestMiddleware(t *testing.T) {
	tag := func(v string) func(http.Handler) http.Handler {
		return func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Add("X-Trace", v)
				next.ServeHTTP(w, r)
			})
		}
	}
	app, _ := quietApp()
	app.Use(tag("app"))
	g := app.Group("/g", router.Middleware(tag("group")))
	g.Get("/x", func() error { return nil })
	app.Get("/y", func() error { return nil })
	testutil.Get(app, "/g/x").Expect(t, 200, `null`, "X-Trace", "app, group")
	testutil.Get(app, "/y").Expect(t, 200, `null`, "X-Trace", "app")
	testutil.Get(app, "/missing").Expect(t, 404, `{"detail":"Not Found"}`, "X-Trace", "app")
}

// docs/fastapi-compat.md §3.5: a request-scope cleanup runs after the response has been sent: the
// client has the whole response while the cleanup is still running.
func TestRequestCleanupAfterResponseSent(t *testing.T) {
	app, _ := quietApp()
	got := make(chan struct{})
	type Res struct{}
	res := di.Provide(func() (Res, di.Cleanup, error) {
		return Res{}, func(err error) error {
			select {
			case <-got:
			case <-time.After(5 * time.Second):
			}
			return err
		}, nil
	})
	app.Get("/slow-cleanup", func(Res) (map[string]string, error) {
		return map[string]string{"message": "sent"}, nil
	}, res)
	srv := httptest.NewServer(app)
	defer srv.Close()
	start := time.Now()
	resp, err := http.Get(srv.URL + "/slow-cleanup")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	close(got)
	if err != nil || string(body) != `{"message":"sent"}` {
		t.Fatalf("body %q, %v", body, err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("the response waited for the cleanup: %v", d)
	}
}

// docs/fastapi-compat.md §3.9 with wildcards: /things/7 redirects to /things/7/ with an absolute
// Location and no body; a later route of the same shape takes the slot over.
func TestSlashRedirectWithWildcards(t *testing.T) {
	app, _ := quietApp()
	app.Get("/things/{id}/", func(p PathID) (map[string]int, error) { return map[string]int{"id": p.ID}, nil })
	app.Get("/users/{user_id}", func(p struct {
		UserID int `path:"user_id"`
	}) (int, error) {
		return p.UserID, nil
	})
	r := testutil.Get(app, "/things/7?x=1")
	if r.Status != 307 || r.Header.Get("Location") != "http://example.com/things/7/?x=1" || r.Body != "" {
		t.Fatalf("got %d %v %q", r.Status, r.Header, r.Body)
	}
	testutil.Get(app, "/things/7/").Expect(t, 200, `{"id":7}`)
	r = testutil.Get(app, "/users/3/")
	if r.Status != 307 || r.Header.Get("Location") != "http://example.com/users/3" {
		t.Fatalf("got %d %v", r.Status, r.Header)
	}
	// A route whose shape is a redirect slot's, with other wildcard names.
	app.Get("/users/{name}/", func(p struct {
		Name string `path:"name"`
	}) (string, error) {
		return p.Name, nil
	})
	testutil.Get(app, "/users/ann/").Expect(t, 200, `"ann"`)
	testutil.Get(app, "/users/3").Expect(t, 200, `3`)
}

// Static routes take the exact-match fast path, with the answers of the slow
// path: r.Pattern set as ServeMux sets it; HEAD is not a GET route's (405, as
// FastAPI's API routes answer); unclean paths are matched as given (404 when
// nothing matches them); an escaped slash is a slash.
func TestStaticDispatch(t *testing.T) {
	app, _ := quietApp()
	var pattern string
	app.Get("/ping", func(r *http.Request) (map[string]bool, error) {
		pattern = r.Pattern
		return map[string]bool{"ok": true}, nil
	})
	app.Get("/a/{x}", func(p struct {
		X string `path:"x"`
	}) (string, error) {
		return p.X, nil
	})
	testutil.Get(app, "/ping").Expect(t, 200, `{"ok":true}`)
	if pattern != "GET /ping" {
		t.Fatalf("r.Pattern = %q", pattern)
	}
	testutil.Do(app, testutil.Request{Method: "HEAD", URL: "/ping"}).Expect(t, 405, "", "Allow", "GET")
	testutil.Get(app, "/x/../ping").Expect(t, 404, `{"detail":"Not Found"}`)
	testutil.Get(app, "/a/b%2Fc").Expect(t, 404, `{"detail":"Not Found"}`)
	testutil.Get(app, "/a%2Fb").Expect(t, 200, `"b"`)
	testutil.Get(app, "/%70ing").Expect(t, 200, `{"ok":true}`)
	testutil.Do(app, testutil.Request{Method: "POST", URL: "/ping"}).Expect(t, 405, `{"detail":"Method Not Allowed"}`, "Allow", "GET")
}
