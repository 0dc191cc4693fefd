package bench

import (
	"encoding/json"
	"mime"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// tokens are the Scopes endpoint's test tokens.
type tokens struct {
	good, meOnly, expired, wrongKey, noExp string
}

func makeTokens() tokens {
	wrong, err := jwt.NewWithClaims(jwt.SigningMethodHS256, Claims{
		RegisteredClaims: jwt.RegisteredClaims{Subject: "johndoe", ExpiresAt: jwt.NewNumericDate(time.Now().Add(time.Hour))},
		Scope:            "items",
	}).SignedString([]byte("another-secret-0123456789abcdef0"))
	if err != nil {
		panic(err)
	}
	noExp, err := jwt.NewWithClaims(jwt.SigningMethodHS256, Claims{
		RegisteredClaims: jwt.RegisteredClaims{Subject: "johndoe"}, Scope: "items",
	}).SignedString(Secret)
	if err != nil {
		panic(err)
	}
	return tokens{
		good:     MakeToken("johndoe", "me items", time.Hour),
		meOnly:   MakeToken("johndoe", "me", time.Hour),
		expired:  MakeToken("johndoe", "items", -time.Hour),
		wrongKey: wrong,
		noExp:    noExp,
	}
}

// behaviourCase is a request and the answer every implementation must give.
type behaviourCase struct {
	name string
	req  request
	// status is the expected status; body, when not empty, the expected JSON
	// (compared parsed). Error bodies differ between frameworks: for them only
	// the status and, with challenge, the WWW-Authenticate scheme are checked.
	status    int
	body      string
	challenge bool
	// deviations are documented differences: implementation name → the status
	// it answers instead (framework behaviour that cannot be configured per app).
	deviations map[string]int
}

// thing returns validThing with one field's JSON replaced.
func thing(field, value string) string {
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(validThing), &m); err != nil {
		panic(err)
	}
	m[field] = json.RawMessage(value)
	b, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func behaviourCases(t tokens) []behaviourCase {
	ok := auth("Bearer " + ItemToken)
	jsonCT := map[string]string{"Content-Type": "application/json"}
	post := func(body string) request {
		return request{method: "POST", target: "/things", header: jsonCT, body: body}
	}
	q50 := strings.Repeat("é", 50)
	return []behaviourCase{
		{name: "ping", req: request{method: "GET", target: "/ping"}, status: 200, body: `{"ok":true}`},

		{name: "items", req: request{method: "GET", target: "/items/42?limit=10&q=abc", header: ok}, status: 200,
			body: `{"id":42,"limit":10,"q":"abc","user":"johndoe"}`},
		{name: "items/defaults", req: request{method: "GET", target: "/items/42", header: ok}, status: 200,
			body: `{"id":42,"limit":10,"q":"","user":"johndoe"}`},
		{name: "items/bounds", req: request{method: "GET", target: "/items/-7?limit=100&q=" + q50, header: ok}, status: 200,
			body: `{"id":-7,"limit":100,"q":"` + q50 + `","user":"johndoe"}`},
		{name: "items/lower-case-scheme", req: request{method: "GET", target: "/items/1?limit=1", header: auth("bearer " + ItemToken)}, status: 200,
			body: `{"id":1,"limit":1,"q":"","user":"johndoe"}`},
		{name: "items/no-auth", req: request{method: "GET", target: "/items/42"}, status: 401, challenge: true},
		{name: "items/unknown-token", req: request{method: "GET", target: "/items/42", header: auth("Bearer nope")}, status: 401, challenge: true},
		{name: "items/basic", req: request{method: "GET", target: "/items/42", header: auth("Basic dG9rMTIzOng=")}, status: 401, challenge: true},
		{name: "items/401-before-422", req: request{method: "GET", target: "/items/abc?limit=0"}, status: 401, challenge: true},
		{name: "items/limit-0", req: request{method: "GET", target: "/items/42?limit=0", header: ok}, status: 422},
		{name: "items/limit-101", req: request{method: "GET", target: "/items/42?limit=101", header: ok}, status: 422},
		{name: "items/limit-abc", req: request{method: "GET", target: "/items/42?limit=abc", header: ok}, status: 422},
		{name: "items/q-51", req: request{method: "GET", target: "/items/42?q=" + strings.Repeat("x", 51), header: ok}, status: 422},
		{name: "items/id-abc", req: request{method: "GET", target: "/items/abc", header: ok}, status: 422},

		{name: "scopes", req: request{method: "GET", target: "/users/me/items", header: auth("Bearer " + t.good)}, status: 200,
			body: `{"item_id":"Foo","owner":"johndoe"}`},
		{name: "scopes/no-auth", req: request{method: "GET", target: "/users/me/items"}, status: 401, challenge: true},
		{name: "scopes/garbage", req: request{method: "GET", target: "/users/me/items", header: auth("Bearer not.a.jwt")}, status: 401, challenge: true},
		{name: "scopes/wrong-key", req: request{method: "GET", target: "/users/me/items", header: auth("Bearer " + t.wrongKey)}, status: 401, challenge: true},
		{name: "scopes/expired", req: request{method: "GET", target: "/users/me/items", header: auth("Bearer " + t.expired)}, status: 401, challenge: true},
		{name: "scopes/no-exp", req: request{method: "GET", target: "/users/me/items", header: auth("Bearer " + t.noExp)}, status: 401, challenge: true},
		{name: "scopes/missing-scope", req: request{method: "GET", target: "/users/me/items", header: auth("Bearer " + t.meOnly)}, status: 403, challenge: true},

		{name: "body", req: post(validThing), status: 201, body: validThing},
		{name: "body/name-empty", req: post(thing("name", `""`)), status: 422},
		{name: "body/name-51", req: post(thing("name", `"`+strings.Repeat("n", 51)+`"`)), status: 422},
		{name: "body/email", req: post(thing("email", `"not-an-email"`)), status: 422},
		{name: "body/age-151", req: post(thing("age", `151`)), status: 422},
		{name: "body/age-negative", req: post(thing("age", `-1`)), status: 422},
		{name: "body/age-string", req: post(thing("age", `"x"`)), status: 422},
		{name: "body/price-0", req: post(thing("price", `0`)), status: 422},
		{name: "body/sku-short", req: post(thing("sku", `"AB12"`)), status: 422},
		{name: "body/sku-dash", req: post(thing("sku", `"AB-12345"`)), status: 422},
		{name: "body/country", req: post(thing("country", `"DEU"`)), status: 422},
		{name: "body/empty-object", req: post(`{}`), status: 422},
		// huma answers malformed JSON with 400; changing that means replacing
		// the package-level huma.NewError for the whole process.
		{name: "body/malformed", req: post(`{"name":`), status: 422, deviations: map[string]int{"huma": 400}},
	}
}

// TestBehaviour proves that every implementation answers the same requests
// the same way before anything is timed.
func TestBehaviour(t *testing.T) {
	cases := behaviourCases(makeTokens())
	for _, impl := range Impls() {
		h := impl.New()
		for _, c := range cases {
			t.Run(impl.Name+"/"+c.name, func(t *testing.T) {
				r, _ := c.req.build()
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				if s, ok := c.deviations[impl.Name]; ok {
					c.status = s
				}
				checkAnswer(t, w, c)
			})
		}
	}
}

func checkAnswer(t *testing.T, w *httptest.ResponseRecorder, c behaviourCase) {
	t.Helper()
	if w.Code != c.status {
		t.Fatalf("status %d, want %d; body %s", w.Code, c.status, w.Body.String())
	}
	if c.challenge {
		if ch := w.Header().Get("WWW-Authenticate"); !strings.HasPrefix(ch, "Bearer") {
			t.Errorf("WWW-Authenticate %q, want a Bearer challenge", ch)
		}
	}
	if c.body == "" {
		return
	}
	if mt, _, _ := mime.ParseMediaType(w.Header().Get("Content-Type")); mt != "application/json" {
		t.Errorf("Content-Type %q, want application/json", w.Header().Get("Content-Type"))
	}
	var got, want any
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
		t.Fatalf("body %q: %v", w.Body.String(), err)
	}
	if err := json.Unmarshal([]byte(c.body), &want); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("body %s, want %s", w.Body.String(), c.body)
	}
}

// TestRoutes checks that the 1,000-route applications serve their last route.
func TestRoutes(t *testing.T) {
	for _, impl := range Impls() {
		if impl.Routes == nil {
			continue
		}
		t.Run(impl.Name, func(t *testing.T) {
			h := impl.Routes(1000)
			for _, c := range []behaviourCase{
				{req: request{method: "GET", target: "/r999/items/42?q=abc", header: auth("Bearer " + ItemToken)}, status: 200,
					body: `{"id":42,"limit":10,"q":"abc","user":"johndoe"}`},
				{req: request{method: "GET", target: "/r0/items/42?limit=0", header: auth("Bearer " + ItemToken)}, status: 422},
				{req: request{method: "GET", target: "/r500/items/42"}, status: 401, challenge: true},
			} {
				r, _ := c.req.build()
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				checkAnswer(t, w, c)
			}
			if impl.OpenAPI != nil {
				doc, err := impl.OpenAPI(h)
				if err != nil {
					t.Fatal(err)
				}
				var d struct {
					Paths map[string]any `json:"paths"`
				}
				if err := json.Unmarshal(doc, &d); err != nil {
					t.Fatal(err)
				}
				if len(d.Paths) != 1000 {
					t.Errorf("OpenAPI has %d paths, want 1000", len(d.Paths))
				}
			}
		})
	}
}
