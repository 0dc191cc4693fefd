package router_test

import (
	"bufio"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/keelgo/keel/internal/wire"
	"github.com/keelgo/keel/router"
)

// FuzzRequest sends arbitrary paths, queries, headers and bodies through an app
// with path, query, header and JSON body parameters (the body is echoed back):
// no input gets a 5xx answer or one that leaks Go error text. A path or query
// that net/http would refuse in the request line is replaced, so that every
// body is tried.
func FuzzRequest(f *testing.F) {
	f.Add("/items/42", "q=x&size=5", "application/json", `{"name":"a","price":1}`, "Bearer x")
	f.Add("/items/-1", "q=&size=1e309", "application/geo+json", `{"name": `, "")
	f.Add("/items/", "size=%zz", "text/plain", "\xff\xfe", "Basic Og==")
	f.Add("/items/1", "q=a&q=b&size=0x10", "application/json; charset=utf-8", `[1,2]`, "bearer")
	// Bodies that once answered 500, or could: numbers beyond float64's range
	// and non-finite strings (the echoed response could not be encoded).
	f.Add("/items/", "", "application/json", `{"name":"x","price":1e400}`, "")
	f.Add("/items/", "", "application/json", `{"name":"x","price":-1e400}`, "")
	f.Add("/items/", "", "application/json", `{"name":"x","price":1,"tax":1E999}`, "")
	f.Add("/items/", "", "application/json", `{"name":"x","price":"inf","tax":"-Infinity"}`, "")
	f.Add("/items/", "", "application/json", `{"name":"x","price":"nan"}`, "")
	f.Add("/items/", "", "application/json", `{"name":"x","price":`+strings.Repeat("9", 400)+`}`, "")
	f.Add("/items/", "", "application/json", `{"name":"x","price":"1e400","price":2,"name":"\ud800"}`, "")
	f.Add("/items/", "", "application/json", `{"name":"x","price":1e-400,"description":"\u0000"}`, "")
	f.Add("/items/", "", "application/json", strings.Repeat(`{"a":`, 600), "")
	f.Add("/items/", "", "application/json", "\xff\xfe{\x00}\x00", "")
	f.Add("/items/", "", "", `{"name":"x","price":1}`, "")
	app := tutorialApp()
	f.Fuzz(func(t *testing.T, path, query, ctype, body, auth string) {
		target := "http://example.com" + path + "?" + query
		if _, err := url.ParseRequestURI(target); err != nil || !strings.HasPrefix(path, "/") || strings.ContainsAny(target, " #\r\n\t") {
			target = "http://example.com/items/" // net/http would refuse such a request line itself
		}
		for _, method := range []string{"GET", "POST"} {
			r := httptest.NewRequest(method, target, strings.NewReader(body))
			r.Header.Set("Content-Type", ctype)
			r.Header.Set("Authorization", auth)
			w := httptest.NewRecorder()
			app.ServeHTTP(w, r)
			if w.Code >= 500 {
				t.Fatalf("%s %s?%s: %d %s", method, path, query, w.Code, w.Body.String())
			}
			if s := w.Body.String(); strings.Contains(s, "strconv.") || strings.Contains(s, "runtime error") || strings.Contains(s, "json: ") {
				t.Fatalf("leaked internals: %s", s)
			}
		}
	})
}

// oracleRoute is a route as Starlette compiles it: a regular expression over
// the decoded path ({x} is [^/]+, {x...} is .*, and $ also matches before a
// final newline), and its methods.
type oracleRoute struct {
	re      *regexp.Regexp
	methods []string
	pattern string // as registered
	name    string // the wildcard echoed; "" for a documentation page
	muxPat  string // r.Pattern
}

func oracle(methods, pattern, name string) oracleRoute {
	muxPat := strings.Split(methods, ",")[0] + " " + pattern
	if strings.HasSuffix(pattern, "/") {
		muxPat += "{$}"
	}
	var b strings.Builder
	b.WriteString(`\A`)
	for i, seg := range strings.Split(pattern, "/")[1:] {
		b.WriteString("/")
		switch {
		case strings.HasSuffix(seg, "...}"), seg == "{...}":
			b.WriteString(`(.*)`)
		case strings.HasPrefix(seg, "{"):
			b.WriteString(`([^/]+)`)
		default:
			b.WriteString(regexp.QuoteMeta(seg))
		}
		_ = i
	}
	b.WriteString(`\n?\z`)
	return oracleRoute{regexp.MustCompile(b.String()), strings.Split(methods, ","), pattern, name, muxPat}
}

// FuzzRouting compares the router with Starlette's routing algorithm, written
// out with regular expressions: the first route whose method and pattern
// match serves the request (the routes of routingApp never overlap within a
// method, so Starlette's order and ServeMux's specificity agree); else 405
// with the first route whose pattern matches; else a 307 when the other
// trailing-slash form matches; else 404. A 405's Allow never holds the
// request's method.
func FuzzRouting(f *testing.F) {
	for _, p := range []string{"/ping", "/users%2Fme/", "/items%2F5", "/items/5%2F", "/items/%2F", "/files/a%0A", "/a/%2E%2E/b",
		"/ping%0A", "/docs/swagger-ui/x", "/openapi.json/", "//", "/items/a%2Fb", "/files", "/users/me/../me/"} {
		f.Add(uint8(0), p)
		f.Add(uint8(4), p)
	}
	apps := []*router.App{routingApp(f), routingAppPlain(f)}
	routes := []oracleRoute{
		oracle("GET,HEAD", "/openapi.json", ""), oracle("GET,HEAD", "/docs", ""), oracle("GET,HEAD", "/docs/swagger-ui/{...}", ""),
		oracle("GET,HEAD", "/docs/oauth2-redirect", ""), oracle("GET,HEAD", "/redoc", ""),
		oracle("GET", "/ping", "-"), oracle("GET", "/users/me/", "-"), oracle("GET", "/items/{id}", "id"), oracle("POST", "/items/", "-"),
		oracle("PUT", "/items/{id}", "id"), oracle("GET", "/files/{path...}", "path"), oracle("GET", "/a/{x}/b", "x"), oracle("DELETE", "/a/{x}/b", "x"),
	}
	methods := []string{"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"}
	f.Fuzz(func(t *testing.T, m uint8, target string) {
		method := methods[int(m)%len(methods)]
		if !strings.HasPrefix(target, "/") || strings.ContainsAny(target, "?#") {
			return
		}
		for _, app := range apps { // the values through the request, and straight from Keel's match
			fuzzRoute(t, app, routes, method, target)
		}
	})
}

// fuzzRoute checks one request to app against Starlette (the routes).
func fuzzRoute(t *testing.T, app *router.App, routes []oracleRoute, method, target string) {
	r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(method + " " + target + " HTTP/1.1\r\nHost: example.com\r\n\r\n")))
	if err != nil {
		return // net/http refuses it before any handler
	}
	w := httptest.NewRecorder()
	app.ServeHTTP(w, r)
	p := wire.TextString(r.URL.Path)
	if w.Code == 405 && slices.Contains(strings.Split(w.Header().Get("Allow"), ", "), method) {
		t.Fatalf("%s %s: 405 with Allow %q", method, target, w.Header().Get("Allow"))
	}
	// Starlette.
	var partial *oracleRoute
	for i := range routes {
		rt := &routes[i]
		sub := rt.re.FindStringSubmatch(p)
		if sub == nil {
			continue
		}
		if !slices.Contains(rt.methods, method) {
			if partial == nil {
				partial = rt
			}
			continue
		}
		if rt.name == "" { // a documentation page answers as it likes
			if w.Code == 405 || w.Code == 307 {
				t.Fatalf("%s %s: %d from the page %s", method, target, w.Code, rt.pattern)
			}
			return
		}
		if w.Code != 200 {
			t.Fatalf("%s %s: %d, want 200 from %s", method, target, w.Code, rt.pattern)
		}
		var got map[string]string
		json.Unmarshal(w.Body.Bytes(), &got)
		want := ""
		if len(sub) > 1 {
			want = sub[1]
		}
		if got[rt.name] != want || got["pattern"] != rt.muxPat {
			t.Fatalf("%s %s: %s, want %s=%q from %s", method, target, w.Body, rt.name, want, rt.muxPat)
		}
		return
	}
	if partial != nil {
		if w.Code != 405 || w.Header().Get("Allow") != strings.Join(partial.methods, ", ") {
			t.Fatalf("%s %s: %d Allow %q, want 405 Allow %v", method, target, w.Code, w.Header().Get("Allow"), partial.methods)
		}
		return
	}
	if p != "/" {
		other := p + "/"
		if strings.HasSuffix(p, "/") {
			other = strings.TrimRight(p, "/")
		}
		for _, rt := range routes {
			if rt.re.MatchString(other) {
				loc, err := url.Parse(w.Header().Get("Location"))
				if w.Code != 307 || err != nil || loc.Host != "example.com" || loc.Path != other {
					t.Fatalf("%s %s: %d Location %q, want 307 to %q", method, target, w.Code, w.Header().Get("Location"), other)
				}
				return
			}
		}
	}
	if w.Code != 404 {
		t.Fatalf("%s %s: %d, want 404", method, target, w.Code)
	}
}
