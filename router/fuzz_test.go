package router_test

import (
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
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
