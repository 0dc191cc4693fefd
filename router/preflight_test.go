package router_test

import (
	"net/http"
	"testing"

	"github.com/keelgo/keel/internal/testutil"
	"github.com/keelgo/keel/router"
)

// fakeCORS answers preflights from one origin the way a CORS middleware
// (github.com/rs/cors) does, and passes everything else on.
func fakeCORS(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			if r.Header.Get("Origin") == "https://app.example" {
				w.Header().Set("Access-Control-Allow-Origin", "https://app.example")
				w.Header().Set("Access-Control-Allow-Methods", r.Header.Get("Access-Control-Request-Method"))
			}
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// A preflight for a route whose own (or group's) middleware is a CORS
// middleware reaches that middleware instead of the App's 405; a preflight
// for a route without middleware, and an OPTIONS request that is no
// preflight, get the 405 as before (FastAPI's answer without CORSMiddleware).
func TestPreflightReachesRouteMiddleware(t *testing.T) {
	app, _ := quietApp()
	app.Get("/plain", func() (string, error) { return "p", nil })
	api := app.Group("/api", router.Middleware(fakeCORS))
	api.Get("/items/{id}", func(p struct {
		ID int `path:"id"`
	}) (int, error) {
		return p.ID, nil
	})
	api.Post("/items/{id}", func(p struct {
		ID int `path:"id"`
	}) (int, error) {
		return p.ID, nil
	})
	logged := app.Group("/logged", router.Middleware(func(next http.Handler) http.Handler { return next }))
	logged.Get("/x", func() (string, error) { return "x", nil })

	pre := func(path, origin, method string) testutil.Response {
		return testutil.Do(app, testutil.Request{Method: "OPTIONS", URL: path, Headers: map[string]string{
			"Origin": origin, "Access-Control-Request-Method": method, "Access-Control-Request-Headers": "authorization"}})
	}
	if res := pre("/api/items/7", "https://app.example", "GET"); res.Status != 204 || res.Header.Get("Access-Control-Allow-Origin") != "https://app.example" {
		t.Errorf("preflight for a route with CORS middleware: %d %v", res.Status, res.Header)
	}
	if res := pre("/api/items/7", "https://evil.example", "POST"); res.Status != 204 || res.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("preflight from another origin: %d %v", res.Status, res.Header)
	}
	for _, c := range []struct{ path, method, allow string }{
		{"/plain", "GET", "GET"},       // no middleware
		{"/logged/x", "GET", "GET"},    // middleware that passes preflights on
		{"/api/items/7", "PUT", "GET"}, // no PUT route
	} {
		res := pre(c.path, "https://app.example", c.method)
		if res.Status != 405 || res.Header.Get("Allow") != c.allow || res.Body != `{"detail":"Method Not Allowed"}` {
			t.Errorf("%s %s: %d %v %s", c.method, c.path, res.Status, res.Header, res.Body)
		}
	}
	// An OPTIONS request without Origin is no preflight.
	res := testutil.Do(app, testutil.Request{Method: "OPTIONS", URL: "/api/items/7", Headers: map[string]string{"Access-Control-Request-Method": "GET"}})
	if res.Status != 405 {
		t.Errorf("OPTIONS without Origin: %d", res.Status)
	}
}
