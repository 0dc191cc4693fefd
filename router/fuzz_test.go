package router_test

import (
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// FuzzRequest sends arbitrary paths, queries, headers and bodies through an app
// with path, query, header and JSON body parameters: the answer is never a 500 and
// never leaks Go error text.
func FuzzRequest(f *testing.F) {
	f.Add("/items/42", "q=x&size=5", "application/json", `{"name":"a","price":1}`, "Bearer x")
	f.Add("/items/-1", "q=&size=1e309", "application/geo+json", `{"name": `, "")
	f.Add("/items/", "size=%zz", "text/plain", "\xff\xfe", "Basic Og==")
	f.Add("/items/1", "q=a&q=b&size=0x10", "application/json; charset=utf-8", `[1,2]`, "bearer")
	app := tutorialApp()
	f.Fuzz(func(t *testing.T, path, query, ctype, body, auth string) {
		target := "http://example.com" + path + "?" + query
		if !strings.HasPrefix(path, "/") {
			return
		}
		if _, err := url.ParseRequestURI(target); err != nil || strings.ContainsAny(target, " #\r\n\t") {
			return // net/http would refuse such a request line itself
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
