package security_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/keelgo/keel/di"
	"github.com/keelgo/keel/router"
	"github.com/keelgo/keel/security"
)

// readers is an app where each API key scheme sits next to a parameter field
// of the same query parameter, header or cookie: both answer what they read.
func readers(t testing.TB) http.Handler {
	type q struct {
		V *string `query:"api_key"`
	}
	type h struct {
		V *string `header:"x-api-key"`
	}
	type c struct {
		V *string `cookie:"session"`
	}
	type answer struct {
		Param  *string          `json:"param"`
		Scheme *security.APIKey `json:"scheme"`
	}
	app := router.New(router.Info{Title: "readers"})
	app.Get("/q", func(p q, k *security.APIKey) (answer, error) { return answer{p.V, k}, nil },
		di.Depends(&security.APIKeyQuery{Param: "api_key", Optional: true}))
	app.Get("/h", func(p h, k *security.APIKey) (answer, error) { return answer{p.V, k}, nil },
		di.Depends(&security.APIKeyHeader{Header: "X-API-Key", Optional: true}))
	app.Get("/c", func(p c, k *security.APIKey) (answer, error) { return answer{p.V, k}, nil },
		di.Depends(&security.APIKeyCookie{Cookie: "session", Optional: true}))
	return app
}

// read sends r and returns what the parameter and the scheme read; it fails
// the test when they disagree (FastAPI's rule: a missing and an empty key are
// both no key).
func read(t testing.TB, app http.Handler, r *http.Request) (param *string) {
	t.Helper()
	w := httptest.NewRecorder()
	app.ServeHTTP(w, r)
	if w.Code != 200 {
		t.Fatalf("%s: %d %s", r.URL, w.Code, w.Body)
	}
	var a struct{ Param, Scheme *string }
	if err := json.Unmarshal(w.Body.Bytes(), &a); err != nil {
		t.Fatal(err)
	}
	switch {
	case a.Param == nil || *a.Param == "":
		if a.Scheme != nil {
			t.Fatalf("%s: the parameter read %v, the scheme %q", r.URL, show(a.Param), *a.Scheme)
		}
	case a.Scheme == nil || *a.Scheme != *a.Param:
		t.Fatalf("%s: the parameter read %q, the scheme %v", r.URL, *a.Param, show(a.Scheme))
	}
	return a.Param
}

func show(s *string) string {
	if s == nil {
		return "nothing"
	}
	return `"` + *s + `"`
}

// The same odd inputs reach a query parameter and APIKeyQuery, a header
// parameter and APIKeyHeader, a cookie parameter and APIKeyCookie: each pair
// reads the same value, FastAPI's (docs/fastapi-compat.md §1.2, §4.2).
func TestSchemesReadAsParameters(t *testing.T) {
	app := readers(t)
	many := strings.Repeat("k=v&", 10_000)
	for _, c := range []struct {
		raw  string // raw query
		want string // "-" for none
	}{
		{"api_key=keel-example-key&api_key=x;", "x;"},
		{"api_key=keel-example-key;", "keel-example-key;"},
		{"api_key=%zz", "%zz"},
		{"api_key=a+b%2B", "a b+"},
		{"api_key=%00x", "\x00x"},
		{"api_key=%ff%E2%82", "\uFFFD\uFFFD"},
		{"api_key=\xff", "\uFFFD"},
		{"api_key=", ""},
		{"api_key", ""},
		{"api_key=a&api_key=", ""},
		{"api_key=&api_key=a", "a"},
		{"api%5Fkey=escaped", "escaped"},
		{"API_KEY=x", "-"},
		{"a=1;api_key=2", "-"},
		{";api_key=x", "-"},
		{"&&api_key=x&&", "x"},
		{"api_key==x", "=x"},
		{many + "api_key=last", "last"},
		{"api_key=first&" + many, "first"},
		{many, "-"},
	} {
		r := httptest.NewRequest("GET", "/q", nil)
		r.URL.RawQuery = c.raw
		got := read(t, app, r)
		if c.want == "-" && got != nil || c.want != "-" && (got == nil || *got != c.want) {
			t.Errorf("?%.40s: read %v, want %q", c.raw, show(got), c.want)
		}
	}
	for _, c := range []struct {
		values []string
		want   string
	}{
		{[]string{"k"}, "k"},
		{[]string{"first", "second"}, "first"},
		{[]string{""}, ""},
		{[]string{"", "second"}, ""},
		{[]string{"a b; c"}, "a b; c"},
		{[]string{"jöhn\xff"}, "jöhn\uFFFD"}, // kept as sent; JSON writes the invalid byte as U+FFFD
		{nil, "-"},
	} {
		r := httptest.NewRequest("GET", "/h", nil)
		if c.values != nil {
			r.Header["X-Api-Key"] = c.values
		}
		got := read(t, app, r)
		if c.want == "-" && got != nil || c.want != "-" && (got == nil || *got != c.want) {
			t.Errorf("headers %q: read %v, want %q", c.values, show(got), c.want)
		}
	}
	for _, c := range []struct {
		headers []string
		want    string
	}{
		{[]string{"session=s"}, "s"},
		{[]string{"session=a; session=b"}, "b"},
		{[]string{"session=a", "other=1; session=c"}, "c"},
		{[]string{` session = "a\"b\101" `}, `a"bA`},
		{[]string{"session=%zz;x"}, "%zz"},
		{[]string{"session="}, ""},
		{[]string{"session=x; session="}, ""},
		{[]string{`session="\377"`}, "\uFFFD"},
		{[]string{"Session=x"}, "-"},
		{[]string{strings.Repeat("c=v; ", 10_000) + "session=z"}, "z"},
	} {
		r := httptest.NewRequest("GET", "/c", nil)
		r.Header["Cookie"] = c.headers
		got := read(t, app, r)
		if c.want == "-" && got != nil || c.want != "-" && (got == nil || *got != c.want) {
			t.Errorf("cookies %q: read %v, want %q", c.headers, show(got), c.want)
		}
	}
}

// FuzzSchemesReadAsParameters: for any query string, header value and Cookie
// header, each API key scheme reads what the parameter of the same name reads.
func FuzzSchemesReadAsParameters(f *testing.F) {
	f.Add("api_key=a&api_key=x;", "k", "session=a; session=b")
	f.Add("api_key=%zz&api%5Fkey=%E2%82+", "", `session="\377\"`)
	f.Add("api_key", "a\xffb", "session")
	app := readers(f)
	f.Fuzz(func(t *testing.T, query, header, cookie string) {
		r := httptest.NewRequest("GET", "/q", nil)
		r.URL.RawQuery = query
		read(t, app, r)
		r = httptest.NewRequest("GET", "/h", nil)
		r.Header["X-Api-Key"] = []string{header}
		read(t, app, r)
		r = httptest.NewRequest("GET", "/c", nil)
		r.Header["Cookie"] = []string{cookie}
		read(t, app, r)
	})
}
