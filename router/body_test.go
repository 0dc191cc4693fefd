package router_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/keelgo/keel/di"
	"github.com/keelgo/keel/internal/testutil"
	"github.com/keelgo/keel/router"
)

// docs/parameters.md, "Numbers that are not finite": the JSON bodies section's
// example app answers 422, never 500, for numbers beyond float64's range and
// non-finite strings, wherever they are.
func TestBodyNonFiniteNumbers(t *testing.T) {
	type Item struct {
		Name        string   `json:"name" validate:"min=1"`
		Description *string  `json:"description"`
		Price       float64  `json:"price" validate:"gt=0"`
		Tags        []string `json:"tags" validate:"max=10"`
		Stock       int      `json:"stock" default:"1"`
		Extra       any      `json:"extra"`
	}
	app, _ := quietApp()
	app.Post("/items/", func(item Item) (Item, error) { return item, nil })
	ct := map[string]string{"Content-Type": "application/json"}
	finite := func(loc, input string) string {
		return `{"detail":[{"type":"finite_number","loc":` + loc + `,"msg":"Input should be a finite number","input":` + input + `}]}`
	}
	for _, c := range []struct{ body, want string }{
		{`{"name":"x","price":1e400}`, finite(`["body","price"]`, `1e400`)},
		{`{"name":"x","price":-1e400}`, finite(`["body","price"]`, `-1e400`)},
		{`{"name":"x","price":"inf"}`, finite(`["body","price"]`, `"inf"`)},
		{`{"name":"x","price":"NaN"}`, finite(`["body","price"]`, `"NaN"`)},
		{`{"name":"x","price":1,"stock":1e400}`, finite(`["body","stock"]`, `1e400`)},
		{`{"name":"x","price":1,"extra":{"a":[2,1E999]}}`, finite(`["body","extra","a",1]`, `1E999`)},
	} {
		testutil.Do(app, testutil.Request{Method: "POST", URL: "/items/", Headers: ct, Body: c.body}).Expect(t, 422, c.want)
	}
	testutil.Do(app, testutil.Request{Method: "POST", URL: "/items/", Headers: ct, Body: `{"name":"x","price":1e308,"extra":1e-400}`}).
		Expect(t, 200, `{"name":"x","description":null,"price":1e308,"tags":null,"stock":1,"extra":0}`)
	// The literals only Python accepts are invalid JSON.
	testutil.Do(app, testutil.Request{Method: "POST", URL: "/items/", Headers: ct, Body: `{"name":"x","price":Infinity}`}).
		Expect(t, 422, `{"detail":[{"type":"json_invalid","loc":["body",20],"msg":"JSON decode error","input":{},"ctx":{"error":"Expecting value"}}]}`)
}

// A key given twice counts once, with its last value (a Python dict); the
// error input of an object is the object as sent.
func TestBodyDuplicateKeys(t *testing.T) {
	app := tutorialApp()
	ct := map[string]string{"Content-Type": "application/json"}
	testutil.Do(app, testutil.Request{Method: "POST", URL: "/items/", Headers: ct, Body: `{"name":"x","price":"bad","price":2,"name":"y"}`}).
		Expect(t, 200, `{"name":"y","description":null,"price":2,"tax":null}`)
	testutil.Do(app, testutil.Request{Method: "POST", URL: "/items/", Headers: ct, Body: `{"price":2, "tax" : [ 1 ],"price":"x"}`}).
		Expect(t, 422, `{"detail":[{"type":"missing","loc":["body","name"],"msg":"Field required","input":{"price":2,"tax":[1],"price":"x"}},`+
			`{"type":"float_parsing","loc":["body","price"],"msg":"Input should be a valid number, unable to parse string as a number","input":"x"},`+
			`{"type":"float_type","loc":["body","tax"],"msg":"Input should be a valid number","input":[1]}]}`)
}

// A large body of numbers is answered (the load test in bench/ measures memory).
func TestBodyLargeArray(t *testing.T) {
	type Junk struct {
		Name string `json:"name"`
		Junk []int  `json:"junk"`
	}
	app, _ := quietApp(router.WithMaxBodySize(2 << 20))
	app.Post("/junk", func(j Junk) (int, error) { return len(j.Junk), nil })
	body := `{"name":"x","junk":[` + strings.Repeat("7,", 500000) + `7]}`
	testutil.Do(app, testutil.Request{Method: "POST", URL: "/junk", Headers: map[string]string{"Content-Type": "application/json"}, Body: body}).
		Expect(t, 200, `500001`)
}

// optItem is the body of the optional-body tests.
type optItem struct {
	Name  string  `json:"name"`
	Price float64 `json:"price"`
}

// A pointer parameter is an optional body: nil when the request has none or
// sends null, decoded and validated otherwise, documented with
// "required": false (issue 10 item 5; FastAPI's `item: Item | None = None`).
func TestOptionalBodyByPointer(t *testing.T) {
	app, _ := quietApp()
	type q struct {
		Q *string `query:"q"`
	}
	app.Put("/items/", func(p q, item *optItem) (map[string]any, error) {
		r := map[string]any{"item": item}
		if p.Q != nil {
			r["q"] = *p.Q
		}
		return r, nil
	})
	app.Post("/list/", func(ids *[]int) (any, error) { return ids, nil })
	ct := map[string]string{"Content-Type": "application/json"}
	put := func(url, body string) testutil.Response {
		return testutil.Do(app, testutil.Request{Method: "PUT", URL: url, Headers: ct, Body: body})
	}
	put("/items/", "").Expect(t, 200, `{"item":null}`)
	put("/items/?q=x", "").Expect(t, 200, `{"item":null,"q":"x"}`)
	put("/items/", "null").Expect(t, 200, `{"item":null}`)
	put("/items/", `{"name":"Pen","price":1.5}`).Expect(t, 200, `{"item":{"name":"Pen","price":1.5}}`)
	put("/items/", `{"name":"Pen","price":"x"}`).Expect(t, 422, `{"detail":[{"type":"float_parsing","loc":["body","price"],"msg":"Input should be a valid number, unable to parse string as a number","input":"x"}]}`)
	put("/items/", `{"name":`).Expect(t, 422, `{"detail":[{"type":"json_invalid","loc":["body",8],"msg":"JSON decode error","input":{},"ctx":{"error":"Expecting value"}}]}`)
	testutil.Do(app, testutil.Request{Method: "PUT", URL: "/items/"}).Expect(t, 200, `{"item":null}`)
	testutil.Do(app, testutil.Request{Method: "POST", URL: "/list/", Headers: ct}).Expect(t, 200, `null`)
	testutil.Do(app, testutil.Request{Method: "POST", URL: "/list/", Headers: ct, Body: `[1,2]`}).Expect(t, 200, `[1,2]`)

	doc, err := app.OpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Paths map[string]map[string]struct {
			RequestBody map[string]any `json:"requestBody"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(d.Paths["/items/"]["put"].RequestBody)
	want := `{"content":{"application/json":{"schema":{"anyOf":[{"$ref":"#/components/schemas/optItem"},{"type":"null"}],"title":"optItem"}}}}`
	if string(got) != want {
		t.Errorf("requestBody = %s\nwant          %s", got, want)
	}
	got, _ = json.Marshal(d.Paths["/list/"]["post"].RequestBody)
	want = `{"content":{"application/json":{"schema":{"anyOf":[{"items":{"type":"integer"},"type":"array"},{"type":"null"}]}}}}`
	if string(got) != want {
		t.Errorf("requestBody = %s\nwant          %s", got, want)
	}
}

type optDB struct{ _ int }

type optParams struct {
	Q string `query:"q"`
}

// What a pointer parameter does not become: a body of a struct without JSON
// fields (a forgotten provider), a pointer to a parameter struct, and a type a
// provider in the route's graph provides.
func TestOptionalBodyRefused(t *testing.T) {
	for _, tt := range []struct {
		name     string
		register func(app *router.App)
		want     []string
	}{
		{"no JSON fields", func(app *router.App) { app.Get("/", func(*optDB) (string, error) { return "", nil }) },
			[]string{"nothing provides *router_test.optDB"}},
		{"pointer to a parameter struct", func(app *router.App) { app.Get("/", func(*optParams) (string, error) { return "", nil }) },
			[]string{"*router_test.optParams is a pointer to a parameter struct", "take the struct by value"}},
		{"provided elsewhere in the graph", func(app *router.App) {
			current := di.Provide(func() (*optItem, error) { return &optItem{}, nil })
			check := di.Provide(func(*optItem) error { return nil }, current)
			app.Get("/", func(*optItem) (string, error) { return "", nil }, router.Dependencies(check))
		}, []string{"a parameter of type *router_test.optItem would be the optional JSON body", "provides *router_test.optItem"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			app, _ := quietApp()
			p := registerPanic(func() { tt.register(app) })
			for _, w := range tt.want {
				if !strings.Contains(p, w) {
					t.Errorf("panic %q lacks %q", p, w)
				}
			}
		})
	}
}
