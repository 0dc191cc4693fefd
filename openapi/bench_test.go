package openapi

import (
	"reflect"
	"strconv"
	"testing"

	"github.com/keelgo/keel/params"
)

// routes1000 is 1,000 routes with path, query and header parameters,
// JSON or form bodies, responses and security.
func routes1000() []Route {
	intT := reflect.TypeFor[int]()
	strp := reflect.TypeFor[*string]()
	routes := make([]Route, 0, 1000)
	for i := range 1000 {
		n := strconv.Itoa(i)
		r := Route{
			Method: "PUT", Path: "/r" + n + "/items/{item_id}", Name: "updateItem" + n, Tags: []string{"items"},
			Response: reflect.TypeFor[Product](), HasValidatedInputs: true,
			Params: []params.Field{
				{In: params.InPath, Name: "item_id", Type: intT, Required: true, Constraints: params.Constraints{Ge: num("1", 1)}},
				{In: params.InQuery, Name: "q", Type: strp, Description: "Search.", Constraints: params.Constraints{MaxLength: intp(50)}},
				{In: params.InQuery, Name: "limit", Type: intT, Default: 100, Constraints: params.Constraints{Le: num("1000", 1000)}},
				{In: params.InHeader, Name: "x-token", Type: reflect.TypeFor[string](), Required: true},
			},
			Body:      &Body{Required: true, Type: reflect.TypeFor[Product]()},
			Security:  []Requirement{{Scheme: passwordBearer, Scopes: []string{"items", "me"}}},
			Responses: map[string]ResponseDoc{"404": {Type: reflect.TypeFor[Token]()}},
		}
		if i%4 == 0 {
			r.Method, r.Name = "POST", "login"+n
			r.Body = &Body{Required: true, Fields: oauth2Form(false)}
		}
		routes = append(routes, r)
	}
	return routes
}

func BenchmarkBuild1000(b *testing.B) {
	routes := routes1000()
	cfg := DefaultConfig()
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Build(cfg, routes); err != nil {
			b.Fatal(err)
		}
	}
}

func TestBuild1000(t *testing.T) {
	build(t, DefaultConfig(), routes1000())
}
