package router_test

import (
	"strings"
	"testing"

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
