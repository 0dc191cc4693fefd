package bench

import (
	"encoding/json"
	"maps"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// limitCases are requests beyond the behaviour cases on which the limit's
// shortcuts could part from the floor: query strings that url.ParseQuery
// reads in its own way, escapes, strings encoding/json escapes.
func limitCases() []request {
	ok := auth("Bearer " + ItemToken)
	get := func(target string) request { return request{method: "GET", target: target, header: ok} }
	post := func(body string) request {
		return request{method: "POST", target: "/things", header: map[string]string{"Content-Type": "application/json"}, body: body}
	}
	return []request{
		get("/items/42?limit=5&limit=7&q=a&q=b"),                 // the first value of a key
		get("/items/42?limit=5;x&limit=7"),                       // a pair with ';' is skipped
		get("/items/42?q=%zz&q=ok"),                              // a bad escape skips the pair
		get("/items/42?%71=esc&q=later"),                         // an escaped key
		get("/items/42?q=a+b%20c%3C%3E%26"),                      // '+', escapes, HTML characters
		get("/items/42?q=%E2%80%A8%E2%80%A9%C3%A9"),              // U+2028, U+2029, é
		get("/items/42?q=%FF%FE"),                                // invalid UTF-8
		get("/items/42?q=%00%01%1F%7F%5C%22"),                    // control characters, '\\', '"'
		get("/items/42?q&limit"),                                 // keys without values
		get("/items/42?limit=&q="),                               // empty values
		get("/items/42?&&limit=3&&"),                             // empty pairs
		get("/items/+42"),                                        // strconv.Atoi's sign
		get("/items/0042?limit=+7"),                              // leading zeros, sign
		get("/items/99999999999999999999"),                       // out of range
		get("/items/42?" + strings.Repeat("x=1&", 10000)),        // over url.ParseQuery's limit
		get("/items/42?" + strings.Repeat("x=1&", 9998) + "q=z"), // at it
		{method: "GET", target: "/items/42", header: auth("Bearer  tok123 ")},
		post(`{"name":"<b>&\u2028","email":"a@b.co","age":0,"price":1e-7,"sku":"abcdEFGH","country":"é1"}`),
		post(`{"name":"n","email":"a@b.co","age":150,"price":1e21,"sku":"abcdEFGH","country":"DE"} trailing`),
		post(`{"name":"n","email":"a@b.co","age":150,"price":123456789.125,"sku":"abcdEFGH","country":"DE"}{}`),
		post(`{"NAME":"case","email":"a@b.co","age":1,"price":0.000001,"sku":"abcdEFGH","country":"DE"}`),
		post(`{"name":"n","email":"a@b.co","age":1,"price":2,"sku":"abcdEFG\u00e9","country":"DE"}`),
		post(``),
		post(`[]`),
		post(`{"name":"n","email":"a@b.co","age":1.5,"price":2,"sku":"abcdEFGH","country":"DE"}`),
	}
}

// TestLimitMatchesFloor proves that the limit answers exactly as the floor
// does, byte for byte (status, every header, body), on every request of the
// behaviour tests and on requests chosen to catch its shortcuts.
func TestLimitMatchesFloor(t *testing.T) {
	floor, lim := NewNetHTTP(), NewLimit()
	var reqs []request
	for _, c := range behaviourCases(makeTokens()) {
		reqs = append(reqs, c.req)
	}
	for _, e := range endpoints() {
		reqs = append(reqs, e.req)
	}
	reqs = append(reqs, limitCases()...)
	for _, q := range reqs {
		name := q.method + " " + q.target
		if len(name) > 80 {
			name = name[:80]
		}
		t.Run(name, func(t *testing.T) { compareFloorLimit(t, floor, lim, q) })
	}
}

func compareFloorLimit(t *testing.T, floor, lim http.Handler, q request) {
	t.Helper()
	r1, _ := q.build()
	r2, _ := q.build()
	compareRequests(t, floor, lim, r1, r2, q)
}

func compareRequests(t *testing.T, floor, lim http.Handler, r1, r2 *http.Request, q request) {
	t.Helper()
	w1, w2 := httptest.NewRecorder(), httptest.NewRecorder()
	floor.ServeHTTP(w1, r1)
	lim.ServeHTTP(w2, r2)
	if w1.Code != w2.Code || !maps.EqualFunc(w1.Header(), w2.Header(), func(a, b []string) bool { return strings.Join(a, "\x00") == strings.Join(b, "\x00") }) || w1.Body.String() != w2.Body.String() {
		t.Errorf("%s %s %.200q:\nfloor %d %v %q\nlimit %d %v %q", q.method, q.target, q.body, w1.Code, w1.Header(), w1.Body.String(), w2.Code, w2.Header(), w2.Body.String())
	}
}

// FuzzLimitItems sends the floor and the limit the same Items request with
// any path segment, query string and Authorization value.
func FuzzLimitItems(f *testing.F) {
	f.Add("42", "limit=10&q=abc", "Bearer tok123")
	f.Add("-7", "q=%C3%A9&limit=100", "bearer tok123")
	f.Add("x", "limit=0;&q", "Basic x")
	floor, lim := NewNetHTTP(), NewLimit()
	f.Fuzz(func(t *testing.T, id, query, authorization string) {
		if id == "" || strings.Contains(id, "/") {
			return
		}
		q := request{method: "GET", target: "/items/x", header: auth(authorization)}
		r1, _ := q.build()
		r2, _ := q.build()
		for _, r := range []*http.Request{r1, r2} {
			r.URL.Path, r.URL.RawQuery = "/items/"+id, query
		}
		q.target = "/items/" + id + "?" + query
		compareRequests(t, floor, lim, r1, r2, q)
	})
}

// FuzzLimitBody sends the floor and the limit the same Body request.
func FuzzLimitBody(f *testing.F) {
	f.Add(validThing)
	f.Add(`{"name":"<&>","email":"a@b.co","age":0,"price":1e-9,"sku":"abcdEFGH","country":"DE"} x`)
	floor, lim := NewNetHTTP(), NewLimit()
	f.Fuzz(func(t *testing.T, body string) {
		compareFloorLimit(t, floor, lim, request{method: "POST", target: "/things", header: map[string]string{"Content-Type": "application/json"}, body: body})
	})
}

// FuzzLimitJSON checks the limit's string and float encoders against
// encoding/json.
func FuzzLimitJSON(f *testing.F) {
	f.Add("a<b>&\"\\\u2028\u2029\x00\x1f\x7f\xff é", 1e-7)
	f.Add("", 1e21)
	f.Fuzz(func(t *testing.T, s string, x float64) {
		want, _ := json.Marshal(s)
		if got := appendLimitString(nil, s); string(got) != string(want) {
			t.Errorf("string %q: %s, want %s", s, got, want)
		}
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return
		}
		want, _ = json.Marshal(x)
		if got := appendLimitFloat(nil, x); string(got) != string(want) {
			t.Errorf("float %v: %s, want %s", x, got, want)
		}
	})
}
