package router_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/keelgo/keel"
	"github.com/keelgo/keel/di"
	"github.com/keelgo/keel/internal/testutil"
	"github.com/keelgo/keel/router"
)

// FastAPI's path_params_numeric_validations tutorial006 and body tutorial001.
type ItemQuery struct {
	ItemID int     `path:"item_id" validate:"gte=0,lte=1000"`
	Q      string  `query:"q"`
	Size   float64 `query:"size" validate:"gt=0,lt=10.5"`
}

type BodyItem struct {
	Name        string   `json:"name"`
	Description *string  `json:"description"`
	Price       float64  `json:"price"`
	Tax         *float64 `json:"tax"`
}

func tutorialApp(opts ...router.Option) *router.App {
	app, _ := quietApp(opts...)
	app.Get("/items/{item_id}", func(p ItemQuery) (map[string]any, error) {
		return map[string]any{"item_id": p.ItemID, "q": p.Q, "size": p.Size}, nil
	})
	app.Post("/items/", func(item BodyItem) (BodyItem, error) { return item, nil })
	return app
}

// docs/fastapi-compat.md §5.2 examples 1, 3, 5, 6, 7 over HTTP.
func TestValidationResponses(t *testing.T) {
	app := tutorialApp()
	cases := []struct {
		name string
		req  testutil.Request
		code int
		body string
	}{
		{"ok", testutil.Request{URL: "/items/42?q=somequery&size=5"}, 200, `{"item_id":42,"q":"somequery","size":5}`},
		{"ge", testutil.Request{URL: "/items/-1?q=somequery&size=5"}, 422,
			`{"detail":[{"type":"greater_than_equal","loc":["path","item_id"],"msg":"Input should be greater than or equal to 0","input":"-1","ctx":{"ge":0}}]}`},
		{"le", testutil.Request{URL: "/items/1001?q=somequery&size=5"}, 422,
			`{"detail":[{"type":"less_than_equal","loc":["path","item_id"],"msg":"Input should be less than or equal to 1000","input":"1001","ctx":{"le":1000}}]}`},
		{"gt float", testutil.Request{URL: "/items/1?q=x&size=0.0"}, 422,
			`{"detail":[{"type":"greater_than","loc":["query","size"],"msg":"Input should be greater than 0","input":"0.0","ctx":{"gt":0.0}}]}`},
		{"lt float", testutil.Request{URL: "/items/1?q=x&size=10.5"}, 422,
			`{"detail":[{"type":"less_than","loc":["query","size"],"msg":"Input should be less than 10.5","input":"10.5","ctx":{"lt":10.5}}]}`},
		{"missing query, all errors at once", testutil.Request{URL: "/items/abc"}, 422,
			`{"detail":[{"type":"int_parsing","loc":["path","item_id"],"msg":"Input should be a valid integer, unable to parse string as an integer","input":"abc"},{"type":"missing","loc":["query","q"],"msg":"Field required","input":null},{"type":"missing","loc":["query","size"],"msg":"Field required","input":null}]}`},
		{"body ok", testutil.Request{Method: "POST", URL: "/items/", Body: `{"name":"Foo","price":"50.5"}`, Headers: map[string]string{"Content-Type": "application/json"}}, 200,
			`{"name":"Foo","description":null,"price":50.5,"tax":null}`},
		{"body missing price", testutil.Request{Method: "POST", URL: "/items/", Body: `{"name":"Foo"}`, Headers: map[string]string{"Content-Type": "application/json"}}, 422,
			`{"detail":[{"type":"missing","loc":["body","price"],"msg":"Field required","input":{"name":"Foo"}}]}`},
		{"body float_parsing", testutil.Request{Method: "POST", URL: "/items/", Body: `{"name":"Foo","price":"twenty"}`, Headers: map[string]string{"Content-Type": "application/json"}}, 422,
			`{"detail":[{"type":"float_parsing","loc":["body","price"],"msg":"Input should be a valid number, unable to parse string as a number","input":"twenty"}]}`},
		{"no body", testutil.Request{Method: "POST", URL: "/items/", Headers: map[string]string{"Content-Type": "application/json"}}, 422,
			`{"detail":[{"type":"missing","loc":["body"],"msg":"Field required","input":null}]}`},
		{"broken json", testutil.Request{Method: "POST", URL: "/items/", Body: `{some broken json}`, Headers: map[string]string{"Content-Type": "application/json"}}, 422,
			`{"detail":[{"type":"json_invalid","loc":["body",1],"msg":"JSON decode error","input":{},"ctx":{"error":"Expecting property name enclosed in double quotes"}}]}`},
		{"not an object", testutil.Request{Method: "POST", URL: "/items/", Body: `[1,2]`, Headers: map[string]string{"Content-Type": "application/json"}}, 422,
			`{"detail":[{"type":"model_attributes_type","loc":["body"],"msg":"Input should be a valid dictionary or object to extract fields from","input":[1,2]}]}`},
		{"text/plain", testutil.Request{Method: "POST", URL: "/items/", Body: `{"name":"Foo","price":1}`, Headers: map[string]string{"Content-Type": "text/plain"}}, 422,
			`{"detail":[{"type":"model_attributes_type","loc":["body"],"msg":"Input should be a valid dictionary or object to extract fields from","input":"{\"name\":\"Foo\",\"price\":1}"}]}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			testutil.Do(app, c.req).Expect(t, c.code, c.body)
		})
	}
}

// Per-app validation status and RFC 9457 problem details.
func TestErrorFormats(t *testing.T) {
	app := tutorialApp(router.WithValidationStatus(400), router.WithErrorFormat(router.ProblemDetails{}))
	r := testutil.Get(app, "/items/1?q=x")
	r.Expect(t, 400, `{"type":"about:blank","title":"Bad Request","status":400,"detail":"The request has 1 invalid value(s).","errors":[{"type":"missing","loc":["query","size"],"msg":"Field required","input":null}]}`)
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("content type %q", ct)
	}
	testutil.Get(app, "/nowhere").Expect(t, 404, `{"type":"about:blank","title":"Not Found","status":404,"detail":"Not Found"}`)
}

// 413 with a clear detail above the body limit.
func TestBodyLimit(t *testing.T) {
	app := tutorialApp(router.WithMaxBodySize(64))
	big := `{"name":"` + strings.Repeat("x", 100) + `","price":1}`
	r := testutil.Do(app, testutil.Request{Method: "POST", URL: "/items/", Body: big, Headers: map[string]string{"Content-Type": "application/json"}})
	if r.Status != 413 || !strings.Contains(r.Body, `"detail"`) {
		t.Fatalf("got %d %s", r.Status, r.Body)
	}
}

// FastAPI's dependencies tutorial006: route-level dependencies with header params.
type TokenHeader struct {
	XToken string `header:"x-token"`
}
type KeyHeader struct {
	XKey string `header:"x-key"`
}

func verifyToken(h TokenHeader) error {
	if h.XToken != "fake-super-secret-token" {
		return keel.NewHTTPError(400, "X-Token header invalid")
	}
	return nil
}

func verifyKey(h KeyHeader) error {
	if h.XKey != "fake-super-secret-key" {
		return keel.NewHTTPError(400, "X-Key header invalid")
	}
	return nil
}

func TestRouteDependenciesTutorial006(t *testing.T) {
	app, _ := quietApp()
	app.Get("/items/", func() ([]map[string]string, error) {
		return []map[string]string{{"item": "Foo"}, {"item": "Bar"}}, nil
	}, router.Dependencies(di.Provide(verifyToken), di.Provide(verifyKey)))
	testutil.Get(app, "/items/").Expect(t, 422,
		`{"detail":[{"type":"missing","loc":["header","x-token"],"msg":"Field required","input":null},{"type":"missing","loc":["header","x-key"],"msg":"Field required","input":null}]}`)
	testutil.Get(app, "/items/", "X-Token", "invalid").Expect(t, 400, `{"detail":"X-Token header invalid"}`)
	testutil.Get(app, "/items/", "X-Token", "fake-super-secret-token", "X-Key", "fake-super-secret-key").
		Expect(t, 200, `[{"item":"Foo"},{"item":"Bar"}]`)
}

// docs/fastapi-compat.md §3.3: authentication beats validation.
func TestAuthBeatsValidation(t *testing.T) {
	app, _ := quietApp()
	type Token string
	auth := di.Provide(func(h struct {
		Authorization *string `header:"authorization"`
	}) (Token, error) {
		if h.Authorization == nil {
			return "", keel.NewHTTPError(401, "Not authenticated").WithHeader("WWW-Authenticate", "Bearer")
		}
		return Token(*h.Authorization), nil
	})
	app.Get("/x", func(tok Token, p struct {
		Q int `query:"q"`
	}) error {
		return nil
	}, auth)
	testutil.Get(app, "/x").Expect(t, 401, `{"detail":"Not authenticated"}`, "WWW-Authenticate", "Bearer")
	testutil.Get(app, "/x", "Authorization", "Bearer t").Expect(t, 422,
		`{"detail":[{"type":"missing","loc":["query","q"],"msg":"Field required","input":null}]}`)
}

// docs/fastapi-compat.md §3.4: a validation error is reported once per occurrence of the dependency.
func TestDuplicateErrorsPerOccurrence(t *testing.T) {
	type Tok string
	tok := di.Provide(func(h TokenHeader) Tok { return Tok(h.XToken) })
	type Wrapper struct{}
	wrap := di.Provide(func(Tok) Wrapper { return Wrapper{} }, tok)
	app, _ := quietApp(router.WithDependencies(tok))
	app.Get("/x", func(Tok, Wrapper) error { return nil }, router.Dependencies(tok), tok, wrap)
	miss := `{"type":"missing","loc":["header","x-token"],"msg":"Field required","input":null}`
	testutil.Get(app, "/x").Expect(t, 422, `{"detail":[`+miss+`,`+miss+`,`+miss+`,`+miss+`]}`)
}

// docs/fastapi-compat.md §3.6 tests/test_dependency_overrides.py: the replacement's own signature decides.
type CommonQ struct {
	Q     string `query:"q"`
	Skip  int    `query:"skip" default:"0"`
	Limit int    `query:"limit" default:"100"`
}
type Commons map[string]any

func TestOverrides(t *testing.T) {
	common := di.Provide(func(p CommonQ) Commons {
		return Commons{"q": p.Q, "skip": p.Skip, "limit": p.Limit}
	})
	app, _ := quietApp()
	app.Get("/main-depends/", func(c Commons) (Commons, error) {
		return Commons{"in": "main-depends", "params": c}, nil
	}, common)
	testutil.Get(app, "/main-depends/").Expect(t, 422, `{"detail":[{"type":"missing","loc":["query","q"],"msg":"Field required","input":null}]}`)

	app.Override(common, di.Provide(func(p struct {
		Q *string `query:"q"`
	}) Commons {
		return Commons{"q": p.Q}
	}))
	testutil.Get(app, "/main-depends/").Expect(t, 200, `{"in":"main-depends","params":{"q":null}}`)

	type K string
	app.Override(common, di.Provide(func(k K) Commons { return Commons{"k": string(k)} },
		di.Provide(func(p struct {
			K string `query:"k"`
		}) K {
			return K(p.K)
		})))
	testutil.Get(app, "/main-depends/?q=foo").Expect(t, 422, `{"detail":[{"type":"missing","loc":["query","k"],"msg":"Field required","input":null}]}`)
	app.ResetOverrides()
	testutil.Get(app, "/main-depends/?q=foo").Expect(t, 200, `{"in":"main-depends","params":{"q":"foo","skip":0,"limit":100}}`)
}

// docs/fastapi-compat.md §4.5: FastAPI parses the body before resolving dependencies, so a JSON
// syntax error answers 422 even without credentials.
func TestBodyParsedBeforeAuth(t *testing.T) {
	app, _ := quietApp()
	type Token string
	auth := di.Provide(func() (Token, error) {
		return "", keel.NewHTTPError(401, "Not authenticated").WithHeader("WWW-Authenticate", "Bearer")
	})
	app.Post("/items/", func(Token, BodyItem) error { return nil }, auth)
	testutil.Do(app, testutil.Request{Method: "POST", URL: "/items/", Body: `{"name": `, Headers: map[string]string{"Content-Type": "application/json"}}).
		Expect(t, 422, `{"detail":[{"type":"json_invalid","loc":["body",9],"msg":"JSON decode error","input":{},"ctx":{"error":"Expecting value"}}]}`)
	testutil.Do(app, testutil.Request{Method: "POST", URL: "/items/", Body: `{"name":"x","price":1}`, Headers: map[string]string{"Content-Type": "application/json"}}).
		Expect(t, 401, `{"detail":"Not authenticated"}`, "WWW-Authenticate", "Bearer")
}

// docs/fastapi-compat.md §4.5: several body parameters across the route's dependencies are embedded
// under their names.
type UserBody struct {
	User struct {
		Username string `json:"username"`
	} `body:"user"`
}
type ItemBody struct {
	Item BodyItem `body:"item"`
}

func TestBodyEmbeddedAcrossDependencies(t *testing.T) {
	app, _ := quietApp()
	type Owner string
	owner := di.Provide(func(u UserBody) Owner { return Owner(u.User.Username) })
	app.Put("/items/{id}", func(p PathID, b ItemBody, o Owner) (map[string]any, error) {
		return map[string]any{"id": p.ID, "item": b.Item.Name, "owner": string(o)}, nil
	}, owner)
	ct := map[string]string{"Content-Type": "application/json"}
	testutil.Do(app, testutil.Request{Method: "PUT", URL: "/items/3", Headers: ct,
		Body: `{"item":{"name":"Foo","price":1},"user":{"username":"dave"}}`}).
		Expect(t, 200, `{"id":3,"item":"Foo","owner":"dave"}`)
	testutil.Do(app, testutil.Request{Method: "PUT", URL: "/items/3", Headers: ct, Body: `{"item":{"name":"x"}}`}).
		Expect(t, 422, `{"detail":[{"type":"missing","loc":["body","user"],"msg":"Field required","input":null},{"type":"missing","loc":["body","item","price"],"msg":"Field required","input":{"name":"x"}}]}`)
}

// A body shorter than its Content-Length is a read error (400); one longer than
// declared is read whole, under the size limit.
func TestBodyLengthMismatch(t *testing.T) {
	app := tutorialApp()
	for _, c := range []struct {
		declared int64
		body     string
		code     int
		want     string
	}{
		{100, `{"name":"Foo","price":1}`, 400, `{"detail":"There was an error parsing the body"}`},
		{5, `{"name":"Foo","price":1}`, 200, `{"name":"Foo","description":null,"price":1,"tax":null}`},
	} {
		r := httptest.NewRequest("POST", "/items/", strings.NewReader(c.body))
		r.Header.Set("Content-Type", "application/json")
		r.ContentLength = c.declared
		w := httptest.NewRecorder()
		app.ServeHTTP(w, r)
		testutil.Response{Status: w.Code, Header: w.Header(), Body: w.Body.String()}.Expect(t, c.code, c.want)
	}
}

// The configured validation status is the one documented.
func TestValidationStatusDocumented(t *testing.T) {
	app := tutorialApp(router.WithValidationStatus(400))
	doc, err := app.OpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	s := string(doc)
	if !strings.Contains(s, `"400":{"content":{"application/json":{"schema":{"$ref":"#/components/schemas/HTTPValidationError"}}},"description":"Validation Error"}`) || strings.Contains(s, `"422"`) {
		t.Fatalf("document: %s", s)
	}
}

// A type declaring its values with Enum() is checked, as Pydantic checks an Enum
// (docs/fastapi-compat.md §4.4: type "enum").
type Color string

func (Color) Enum() []any { return []any{"red", "green", "blue"} }

func TestEnumTypes(t *testing.T) {
	app, _ := quietApp()
	app.Get("/paint", func(p struct {
		C Color `query:"c"`
	}) (Color, error) {
		return p.C, nil
	})
	app.Post("/paint", func(b struct {
		C Color `json:"c"`
	}) (Color, error) {
		return b.C, nil
	})
	testutil.Get(app, "/paint?c=green").Expect(t, 200, `"green"`)
	testutil.Get(app, "/paint?c=purple").Expect(t, 422,
		`{"detail":[{"type":"enum","loc":["query","c"],"msg":"Input should be 'red', 'green' or 'blue'","input":"purple","ctx":{"expected":"'red', 'green' or 'blue'"}}]}`)
	testutil.Do(app, testutil.Request{Method: "POST", URL: "/paint", Body: `{"c":"pink"}`, Headers: map[string]string{"Content-Type": "application/json"}}).Expect(t, 422,
		`{"detail":[{"type":"enum","loc":["body","c"],"msg":"Input should be 'red', 'green' or 'blue'","input":"pink","ctx":{"expected":"'red', 'green' or 'blue'"}}]}`)
}

// With problem details, the validation response is documented as what is sent.
func TestProblemDetailsDocumented(t *testing.T) {
	app := tutorialApp(router.WithErrorFormat(router.ProblemDetails{}))
	doc, err := app.OpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	s := string(doc)
	if !strings.Contains(s, `"422":{"content":{"application/problem+json":{"schema":{"$ref":"#/components/schemas/ValidationProblem"}}},"description":"Validation Error"}`) ||
		!strings.Contains(s, `"ValidationProblem":{`) || strings.Contains(s, `"HTTPValidationError"`) {
		t.Fatalf("document: %s", s)
	}
}

// reuseParams has a field of every kind a binder fills without zeroing first
// (its binder's FillsAll): the pooled value of one request is the next
// request's starting point, so each field must be written on every request.
type reuseParams struct {
	ID int      `path:"id"`
	N  int      `query:"n" default:"7"`
	Z  int      `query:"z" default:"0"`
	P  *int     `query:"p"`
	S  []string `query:"s"`
	D  []string `query:"d" default:"[\"x\"]"`
	H  string   `header:"x-h" default:""`
	C  *string  `cookie:"c"`
}

// TestParamsNotCarriedOver: values, and a failed request's partial values,
// never reach a later request of the same route (docs/performance.md: the
// binder writes every field, so the resolver does not zero the pooled value).
func TestParamsNotCarriedOver(t *testing.T) {
	app, _ := quietApp()
	app.Get("/r/{id}", func(p reuseParams) (reuseParams, error) { return p, nil })
	app.Get("/w/{id}", func(p struct {
		ID   int    `path:"id"`
		N    int    `query:"n" validate:"gte=1"`
		Z    int    `query:"z" default:"0"`
		Left string `param:"-"` // unbound: this binder's value is zeroed before binding
	}) (map[string]int, error) {
		if p.Left != "" {
			t.Errorf("unbound field set: %q", p.Left)
		}
		return map[string]int{"id": p.ID, "n": p.N, "z": p.Z}, nil
	})
	full := testutil.Request{URL: "/r/1?n=2&z=3&p=4&s=a&s=b&d=y", Headers: map[string]string{"X-H": "h", "Cookie": "c=v"}}
	const empty = `{"ID":5,"N":7,"Z":0,"P":null,"S":null,"D":["x"],"H":"","C":null}`
	for range 3 {
		testutil.Do(app, full).Expect(t, 200, `{"ID":1,"N":2,"Z":3,"P":4,"S":["a","b"],"D":["y"],"H":"h","C":"v"}`)
		testutil.Get(app, "/r/5").Expect(t, 200, empty)
		testutil.Get(app, "/r/x?p=1&n=z").Expect(t, 422, `{"detail":[{"type":"int_parsing","loc":["path","id"],"msg":"Input should be a valid integer, unable to parse string as an integer","input":"x"},{"type":"int_parsing","loc":["query","n"],"msg":"Input should be a valid integer, unable to parse string as an integer","input":"z"}]}`)
		testutil.Get(app, "/r/5").Expect(t, 200, empty)
		testutil.Get(app, "/w/1?n=2&z=3").Expect(t, 200, `{"id":1,"n":2,"z":3}`)
		testutil.Get(app, "/w/9?n=0&z=4").Expect(t, 422, `{"detail":[{"type":"greater_than_equal","loc":["query","n"],"msg":"Input should be greater than or equal to 1","input":"0","ctx":{"ge":1}}]}`)
		testutil.Get(app, "/w/1?n=1").Expect(t, 200, `{"id":1,"n":1,"z":0}`)
	}
}
