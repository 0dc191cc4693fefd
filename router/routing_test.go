package router_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/keelgo/keel/di"
	"github.com/keelgo/keel/internal/testutil"
	"github.com/keelgo/keel/router"
)

type (
	idParam struct {
		V string `path:"id"`
	}
	pathParam struct {
		V string `path:"path"`
	}
	xParam struct {
		V string `path:"x"`
	}
	pParam struct {
		V string `path:"p"`
	}
)

// echo answers with the route's pattern and the wildcard value bound to P.
func echo[P idParam | pathParam | xParam | pParam](name string) func(r *http.Request, p P) (map[string]string, error) {
	return func(r *http.Request, p P) (map[string]string, error) {
		v := struct{ V string }(p).V
		if r.PathValue(name) != v {
			return nil, fmt.Errorf("r.PathValue(%q) = %q, bound %q", name, r.PathValue(name), v)
		}
		return map[string]string{"pattern": r.Pattern, name: v}, nil
	}
}

func static(r *http.Request) (map[string]string, error) {
	return map[string]string{"pattern": r.Pattern, "-": ""}, nil
}

// plainEcho is echo without the request: no code of the route sees it, so
// Keel's match hands the values to the binder and sets none on the request;
// the answer is the same, with the pattern the route is registered under.
func plainEcho[P idParam | pathParam | xParam | pParam](pattern, name string) func(p P) (map[string]string, error) {
	return func(p P) (map[string]string, error) {
		return map[string]string{"pattern": pattern, name: struct{ V string }(p).V}, nil
	}
}

func plainStatic(pattern string) func() (map[string]string, error) {
	return func() (map[string]string, error) { return map[string]string{"pattern": pattern, "-": ""}, nil }
}

// routingApp has routes of every shape, registered so that Starlette's
// registration order and ServeMux's "most specific" agree.
func routingApp(t testing.TB) *router.App {
	app, _ := quietApp()
	app.Get("/ping", static)
	app.Get("/users/me/", static)
	app.Get("/items/{id}", echo[idParam]("id"))
	app.Post("/items/", static)
	app.Put("/items/{id}", echo[idParam]("id"))
	app.Get("/files/{path...}", echo[pathParam]("path"))
	app.Get("/a/{x}/b", echo[xParam]("x"))
	app.Delete("/a/{x}/b", echo[xParam]("x"))
	return app
}

// routingAppPlain is routingApp with handlers that do not take the request.
func routingAppPlain(t testing.TB) *router.App {
	app, _ := quietApp()
	app.Get("/ping", plainStatic("GET /ping"))
	app.Get("/users/me/", plainStatic("GET /users/me/{$}"))
	app.Get("/items/{id}", plainEcho[idParam]("GET /items/{id}", "id"))
	app.Post("/items/", plainStatic("POST /items/{$}"))
	app.Put("/items/{id}", plainEcho[idParam]("PUT /items/{id}", "id"))
	app.Get("/files/{path...}", plainEcho[pathParam]("GET /files/{path...}", "path"))
	app.Get("/a/{x}/b", plainEcho[xParam]("GET /a/{x}/b", "x"))
	app.Delete("/a/{x}/b", plainEcho[xParam]("DELETE /a/{x}/b", "x"))
	return app
}

func TestDecodedPathRouting(t *testing.T) {
	for name, app := range map[string]*router.App{"request": routingApp(t), "plain": routingAppPlain(t)} {
		t.Run(name, func(t *testing.T) { testDecodedPathRouting(t, app) })
	}
}

// testDecodedPathRouting runs the routing table against app, routingApp or
// routingAppPlain: whether the values reach the binder through the request
// or straight from Keel's match, the answers are the same.
func testDecodedPathRouting(t *testing.T, app *router.App) {
	nf := `{"detail":"Not Found"}`
	mna := `{"detail":"Method Not Allowed"}`
	for _, c := range []struct {
		method, target string
		status         int
		body           string
		headers        []string
	}{
		// Dispatch on the decoded path.
		{"GET", "/ping", 200, `{"pattern":"GET /ping","-":""}`, nil},
		{"GET", "/%70ing", 200, `{"pattern":"GET /ping","-":""}`, nil},
		{"GET", "/users%2Fme/", 200, `{"pattern":"GET /users/me/{$}","-":""}`, nil},
		{"GET", "/items%2F5", 200, `{"pattern":"GET /items/{id}","id":"5"}`, nil},
		{"GET", "/items/a%20b", 200, `{"pattern":"GET /items/{id}","id":"a b"}`, nil},
		{"GET", "/items/%FF", 200, `{"pattern":"GET /items/{id}","id":"\ufffd"}`, nil},
		{"GET", "/items/%E2%82", 200, `{"pattern":"GET /items/{id}","id":"\ufffd"}`, nil},
		{"GET", "/items/.", 200, `{"pattern":"GET /items/{id}","id":"."}`, nil},
		{"GET", "/items/..", 200, `{"pattern":"GET /items/{id}","id":".."}`, nil},
		{"GET", "/items/%2E%2E", 200, `{"pattern":"GET /items/{id}","id":".."}`, nil},
		{"GET", "/files/a%2Fb/c", 200, `{"pattern":"GET /files/{path...}","path":"a/b/c"}`, nil},
		{"GET", "/files/", 200, `{"pattern":"GET /files/{path...}","path":""}`, nil},
		{"GET", "/files//x/../y", 200, `{"pattern":"GET /files/{path...}","path":"/x/../y"}`, nil},
		{"GET", "/a/%2F/b", 404, nf, nil},
		{"GET", "/a/x%2Fb", 200, `{"pattern":"GET /a/{x}/b","x":"x"}`, nil},
		{"DELETE", "/a/%3F/b", 200, `{"pattern":"DELETE /a/{x}/b","x":"?"}`, nil},
		// Python's $ also matches before one final newline; a rest wildcard
		// holds no newline.
		{"GET", "/ping%0A", 200, `{"pattern":"GET /ping","-":""}`, nil},
		{"GET", "/items/5%0A", 200, `{"pattern":"GET /items/{id}","id":"5\n"}`, nil},
		{"GET", "/files/a%0A", 200, `{"pattern":"GET /files/{path...}","path":"a"}`, nil},
		{"GET", "/files/a%0Ab", 404, nf, nil},
		// 405: the methods of the first route whose pattern matches.
		{"POST", "/items/5", 405, mna, []string{"Allow", "GET"}},
		{"PATCH", "/items%2F5", 405, mna, []string{"Allow", "GET"}},
		{"GET", "/items/", 405, mna, []string{"Allow", "POST"}},
		{"POST", "/a/x/b", 405, mna, []string{"Allow", "GET"}},
		{"HEAD", "/ping", 405, "", []string{"Allow", "GET"}},
		{"HEAD", "/openapi.json", 200, "", nil},
		{"POST", "/openapi.json", 405, mna, []string{"Allow", "GET, HEAD"}},
		{"DELETE", "/docs", 405, mna, []string{"Allow", "GET, HEAD"}},
		// 307 to the other trailing-slash form, on the decoded path.
		{"GET", "/users/me", 307, "", []string{"Location", "http://example.com/users/me/", "Content-Length", "0"}},
		{"GET", "/items/5%2F?q=x&size=1", 307, "", []string{"Location", "http://example.com/items/5?q=x&size=1"}},
		{"GET", "/items/5///", 307, "", []string{"Location", "http://example.com/items/5"}},
		{"GET", "/files", 307, "", []string{"Location", "http://example.com/files/"}},
		{"POST", "/items", 307, "", []string{"Location", "http://example.com/items/"}},
		{"DELETE", "/ping/", 307, "", []string{"Location", "http://example.com/ping"}},
		{"GET", "/items/%3F%25%23/", 307, "", []string{"Location", "http://example.com/items/%3F%25%23"}},
		{"GET", "/items/a%20b!/?x=%zz", 307, "", []string{"Location", "http://example.com/items/a%20b!?x=%zz"}},
		// 404 when nothing matches the path as given: no cleaning.
		{"GET", "/items/%2F", 404, nf, nil},
		{"POST", "/items/%2F", 404, nf, nil},
		{"GET", "/items/a%2Fb", 404, nf, nil},
		{"GET", "/x/../ping", 404, nf, nil},
		{"GET", "//ping", 404, nf, nil},
		{"GET", "/./ping", 404, nf, nil},
		{"GET", "/", 404, nf, nil},
		{"GET", "//", 404, nf, nil},
	} {
		t.Run(c.method+" "+c.target, func(t *testing.T) {
			testutil.Do(app, testutil.Request{Method: c.method, URL: c.target}).Expect(t, c.status, c.body, c.headers...)
		})
	}
}

// Allow lists the methods of the first registered route whose pattern
// matches the path, as Starlette's Router does, whatever the others.
func TestAllowIsTheFirstRoute(t *testing.T) {
	for _, c := range []struct {
		register []string // method pattern
		method   string
		path     string
		allow    string
	}{
		{[]string{"GET /x", "POST /x"}, "DELETE", "/x", "GET"},
		{[]string{"POST /x", "GET /x"}, "DELETE", "/x", "POST"},
		{[]string{"PUT /users/{id}", "GET /users/me"}, "DELETE", "/users/me", "PUT"},
		{[]string{"GET /users/me", "PUT /users/{id}"}, "DELETE", "/users/me", "GET"},
		{[]string{"GET /users/me", "PUT /users/{id}"}, "DELETE", "/users/you", "PUT"},
		{[]string{"PATCH /f/{p...}", "GET /f/a"}, "PUT", "/f/a", "PATCH"},
	} {
		app, _ := quietApp()
		for _, r := range c.register {
			m, p, _ := strings.Cut(r, " ")
			switch {
			case strings.Contains(p, "{id}"):
				app.Handle(m, p, echo[idParam]("id"))
			case strings.Contains(p, "{p...}"):
				app.Handle(m, p, echo[pParam]("p"))
			default:
				app.Handle(m, p, static)
			}
		}
		w := httptest.NewRecorder()
		app.ServeHTTP(w, httptest.NewRequest(c.method, c.path, nil))
		if w.Code != 405 || w.Header().Get("Allow") != c.allow {
			t.Errorf("%v, %s %s: %d Allow %q, want 405 Allow %q", c.register, c.method, c.path, w.Code, w.Header().Get("Allow"), c.allow)
		}
	}
}

// HEAD: API routes do not answer it (FastAPI's APIRoute); the documentation
// pages do, and a HEAD route of one's own takes a page's HEAD over.
func TestHead(t *testing.T) {
	app, _ := quietApp()
	app.Get("/x", func() (string, error) { return "ok", nil })
	app.Handle("HEAD", "/y", func(w *di.Response) error { w.Header().Set("X-Head", "1"); return nil })
	testutil.Do(app, testutil.Request{Method: "HEAD", URL: "/x"}).Expect(t, 405, "", "Allow", "GET")
	testutil.Do(app, testutil.Request{Method: "HEAD", URL: "/y"}).Expect(t, 200, "", "X-Head", "1")
	testutil.Do(app, testutil.Request{Method: "GET", URL: "/y"}).Expect(t, 405, `{"detail":"Method Not Allowed"}`, "Allow", "HEAD")
	for _, page := range []string{"/openapi.json", "/docs", "/redoc", "/docs/oauth2-redirect", "/docs/swagger-ui/swagger-ui.css"} {
		get := testutil.Do(app, testutil.Request{URL: page})
		head := testutil.Do(app, testutil.Request{Method: "HEAD", URL: page})
		if get.Status != 200 || head.Status != 200 || head.Body != "" || head.Header.Get("Content-Length") != get.Header.Get("Content-Length") {
			t.Errorf("%s: GET %d, HEAD %d %q Content-Length %q / %q", page, get.Status, head.Status, head.Body,
				head.Header.Get("Content-Length"), get.Header.Get("Content-Length"))
		}
		testutil.Do(app, testutil.Request{Method: "PUT", URL: page}).Expect(t, 405, `{"detail":"Method Not Allowed"}`, "Allow", "GET, HEAD")
	}
	app.Handle("HEAD", "/docs", func(w *di.Response) error { w.Header().Set("X-Mine", "1"); return nil })
	testutil.Do(app, testutil.Request{Method: "HEAD", URL: "/docs"}).Expect(t, 200, "", "X-Mine", "1")
	testutil.Get(app, "/docs").Expect(t, 200, "", "X-Mine", "")
}

// r.Pattern and r.PathValue are set on every path: those a ServeMux would
// match, and those it would not (escaped slashes, dot segments).
func TestPathValuesEverywhere(t *testing.T) {
	app, _ := quietApp()
	var pattern, x, y string
	type params struct {
		X string `path:"x"`
		Y string `path:"y"`
	}
	app.Get("/a/{x}/{y...}", func(r *http.Request, p params) (string, error) {
		if p.X != r.PathValue("x") || p.Y != r.PathValue("y") {
			return "", fmt.Errorf("bound %q %q", p.X, p.Y)
		}
		pattern, x, y = r.Pattern, r.PathValue("x"), r.PathValue("y")
		return "", nil
	})
	for target, want := range map[string][2]string{
		"/a/1/2":         {"1", "2"},
		"/a/1/":          {"1", ""},
		"/a/%2E%2E/x//y": {"..", "x//y"},
		"/a/1%2F2":       {"1", "2"},
		"/a/..%0A/":      {"..\n", ""},
		"/a/é/%C3%A9":    {"é", "é"},
	} {
		pattern, x, y = "", "", ""
		testutil.Get(app, target).Expect(t, 200, `""`)
		if pattern != "GET /a/{x}/{y...}" || x != want[0] || y != want[1] {
			t.Errorf("%s: pattern %q x %q y %q, want %q", target, pattern, x, y, want)
		}
	}
}
