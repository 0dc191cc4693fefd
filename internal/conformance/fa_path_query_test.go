package conformance

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/keelgo/keel/router"
)

// Ports of tests/test_path.py and tests/test_query.py (the app of tests/main.py),
// and tests/test_multi_query_errors.py: path and query parameters, coercion and
// constraints (docs/fastapi-compat.md §4.2-§4.4, §5.2).

type (
	ppStr struct {
		ItemID string `path:"item_id"`
	}
	ppInt struct {
		ItemID int `path:"item_id"`
	}
	ppFloat struct {
		ItemID float64 `path:"item_id"`
	}
	ppBool struct {
		ItemID bool `path:"item_id"`
	}
	ppMinLen struct {
		ItemID string `path:"item_id" validate:"min=3"`
	}
	ppMaxLen struct {
		ItemID string `path:"item_id" validate:"max=3"`
	}
	ppMinMax struct {
		ItemID string `path:"item_id" validate:"max=3,min=2"`
	}
	ppGt struct {
		ItemID float64 `path:"item_id" validate:"gt=3"`
	}
	ppGt0 struct {
		ItemID float64 `path:"item_id" validate:"gt=0"`
	}
	ppGe struct {
		ItemID float64 `path:"item_id" validate:"gte=3"`
	}
	ppLt struct {
		ItemID float64 `path:"item_id" validate:"lt=3"`
	}
	ppLt0 struct {
		ItemID float64 `path:"item_id" validate:"lt=0"`
	}
	ppLe struct {
		ItemID float64 `path:"item_id" validate:"lte=3"`
	}
	ppLtGt struct {
		ItemID float64 `path:"item_id" validate:"lt=3,gt=1"`
	}
	ppLeGe struct {
		ItemID float64 `path:"item_id" validate:"lte=3,gte=1"`
	}
	ppLtInt struct {
		ItemID int `path:"item_id" validate:"lt=3"`
	}
	ppGtInt struct {
		ItemID int `path:"item_id" validate:"gt=3"`
	}
	ppLeInt struct {
		ItemID int `path:"item_id" validate:"lte=3"`
	}
	ppGeInt struct {
		ItemID int `path:"item_id" validate:"gte=3"`
	}
	ppLtGtInt struct {
		ItemID int `path:"item_id" validate:"lt=3,gt=1"`
	}
	ppLeGeInt struct {
		ItemID int `path:"item_id" validate:"lte=3,gte=1"`
	}
)

// ppMainApp is the path part of tests/main.py.
func ppMainApp() *router.App {
	app := fastAPIApp()
	app.Get("/path/{item_id}", func(p ppStr) (string, error) { return p.ItemID, nil })
	app.Get("/path/str/{item_id}", func(p ppStr) (string, error) { return p.ItemID, nil })
	app.Get("/path/int/{item_id}", func(p ppInt) (int, error) { return p.ItemID, nil })
	app.Get("/path/float/{item_id}", func(p ppFloat) (float64, error) { return p.ItemID, nil })
	app.Get("/path/bool/{item_id}", func(p ppBool) (bool, error) { return p.ItemID, nil })
	app.Get("/path/param/{item_id}", func(p ppStr) (string, error) { return p.ItemID, nil })
	app.Get("/path/param-minlength/{item_id}", func(p ppMinLen) (string, error) { return p.ItemID, nil })
	app.Get("/path/param-maxlength/{item_id}", func(p ppMaxLen) (string, error) { return p.ItemID, nil })
	app.Get("/path/param-min_maxlength/{item_id}", func(p ppMinMax) (string, error) { return p.ItemID, nil })
	app.Get("/path/param-gt/{item_id}", func(p ppGt) (float64, error) { return p.ItemID, nil })
	app.Get("/path/param-gt0/{item_id}", func(p ppGt0) (float64, error) { return p.ItemID, nil })
	app.Get("/path/param-ge/{item_id}", func(p ppGe) (float64, error) { return p.ItemID, nil })
	app.Get("/path/param-lt/{item_id}", func(p ppLt) (float64, error) { return p.ItemID, nil })
	app.Get("/path/param-lt0/{item_id}", func(p ppLt0) (float64, error) { return p.ItemID, nil })
	app.Get("/path/param-le/{item_id}", func(p ppLe) (float64, error) { return p.ItemID, nil })
	app.Get("/path/param-lt-gt/{item_id}", func(p ppLtGt) (float64, error) { return p.ItemID, nil })
	app.Get("/path/param-le-ge/{item_id}", func(p ppLeGe) (float64, error) { return p.ItemID, nil })
	app.Get("/path/param-lt-int/{item_id}", func(p ppLtInt) (int, error) { return p.ItemID, nil })
	app.Get("/path/param-gt-int/{item_id}", func(p ppGtInt) (int, error) { return p.ItemID, nil })
	app.Get("/path/param-le-int/{item_id}", func(p ppLeInt) (int, error) { return p.ItemID, nil })
	app.Get("/path/param-ge-int/{item_id}", func(p ppGeInt) (int, error) { return p.ItemID, nil })
	app.Get("/path/param-lt-gt-int/{item_id}", func(p ppLtGtInt) (int, error) { return p.ItemID, nil })
	app.Get("/path/param-le-ge-int/{item_id}", func(p ppLeGeInt) (int, error) { return p.ItemID, nil })
	return app
}

// ppErr is one error at ["path","item_id"].
func ppErr(typ, msg, input, ctx string) string {
	s := fmt.Sprintf(`{"type":%q,"loc":["path","item_id"],"msg":%q,"input":%q`, typ, msg, input)
	if ctx != "" {
		s += `,"ctx":` + ctx
	}
	return faDetail(s + "}")
}

func TestPath(t *testing.T) { // tests/test_path.py
	const (
		intMsg   = "Input should be a valid integer, unable to parse string as an integer"
		floatMsg = "Input should be a valid number, unable to parse string as a number"
		boolMsg  = "Input should be a valid boolean, unable to interpret input"
	)
	ok := func(path, body string) faCase { return faCase{name: path, do: faGet(path), status: 200, body: body} }
	bad := func(path, body string) faCase { return faCase{name: path, do: faGet(path), status: 422, body: body} }
	intBad := func(path, in string) faCase { return bad(path, ppErr("int_parsing", intMsg, in, "")) }
	faRun(t, ppMainApp(), []faCase{
		ok("/path/foobar", `"foobar"`),
		ok("/path/str/foobar", `"foobar"`),
		ok("/path/str/42", `"42"`),
		ok("/path/str/True", `"True"`),
		intBad("/path/int/foobar", "foobar"),
		intBad("/path/int/True", "True"),
		ok("/path/int/42", `42`),
		intBad("/path/int/42.5", "42.5"),
		bad("/path/float/foobar", ppErr("float_parsing", floatMsg, "foobar", "")),
		bad("/path/float/True", ppErr("float_parsing", floatMsg, "True", "")),
		ok("/path/float/42", `42`),
		ok("/path/float/42.5", `42.5`),
		bad("/path/bool/foobar", ppErr("bool_parsing", boolMsg, "foobar", "")),
		ok("/path/bool/True", `true`),
		bad("/path/bool/42", ppErr("bool_parsing", boolMsg, "42", "")),
		bad("/path/bool/42.5", ppErr("bool_parsing", boolMsg, "42.5", "")),
		ok("/path/bool/1", `true`),
		ok("/path/bool/0", `false`),
		ok("/path/bool/true", `true`),
		ok("/path/bool/False", `false`),
		ok("/path/bool/false", `false`),
		ok("/path/param/foo", `"foo"`),
		ok("/path/param-minlength/foo", `"foo"`),
		bad("/path/param-minlength/fo", ppErr("string_too_short", "String should have at least 3 characters", "fo", `{"min_length":3}`)),
		ok("/path/param-maxlength/foo", `"foo"`),
		bad("/path/param-maxlength/foobar", ppErr("string_too_long", "String should have at most 3 characters", "foobar", `{"max_length":3}`)),
		ok("/path/param-min_maxlength/foo", `"foo"`),
		bad("/path/param-min_maxlength/foobar", ppErr("string_too_long", "String should have at most 3 characters", "foobar", `{"max_length":3}`)),
		bad("/path/param-min_maxlength/f", ppErr("string_too_short", "String should have at least 2 characters", "f", `{"min_length":2}`)),
		ok("/path/param-gt/42", `42`),
		bad("/path/param-gt/2", ppErr("greater_than", "Input should be greater than 3", "2", `{"gt":3.0}`)),
		ok("/path/param-gt0/0.05", `0.05`),
		bad("/path/param-gt0/0", ppErr("greater_than", "Input should be greater than 0", "0", `{"gt":0.0}`)),
		ok("/path/param-ge/42", `42`),
		ok("/path/param-ge/3", `3`),
		bad("/path/param-ge/2", ppErr("greater_than_equal", "Input should be greater than or equal to 3", "2", `{"ge":3.0}`)),
		bad("/path/param-lt/42", ppErr("less_than", "Input should be less than 3", "42", `{"lt":3.0}`)),
		ok("/path/param-lt/2", `2`),
		ok("/path/param-lt0/-1", `-1`),
		bad("/path/param-lt0/0", ppErr("less_than", "Input should be less than 0", "0", `{"lt":0.0}`)),
		bad("/path/param-le/42", ppErr("less_than_equal", "Input should be less than or equal to 3", "42", `{"le":3.0}`)),
		ok("/path/param-le/3", `3`),
		ok("/path/param-le/2", `2`),
		ok("/path/param-lt-gt/2", `2`),
		bad("/path/param-lt-gt/4", ppErr("less_than", "Input should be less than 3", "4", `{"lt":3.0}`)),
		bad("/path/param-lt-gt/0", ppErr("greater_than", "Input should be greater than 1", "0", `{"gt":1.0}`)),
		ok("/path/param-le-ge/2", `2`),
		ok("/path/param-le-ge/1", `1`),
		ok("/path/param-le-ge/3", `3`),
		bad("/path/param-le-ge/4", ppErr("less_than_equal", "Input should be less than or equal to 3", "4", `{"le":3.0}`)),
		ok("/path/param-lt-int/2", `2`),
		bad("/path/param-lt-int/42", ppErr("less_than", "Input should be less than 3", "42", `{"lt":3}`)),
		intBad("/path/param-lt-int/2.7", "2.7"),
		ok("/path/param-gt-int/42", `42`),
		bad("/path/param-gt-int/2", ppErr("greater_than", "Input should be greater than 3", "2", `{"gt":3}`)),
		intBad("/path/param-gt-int/2.7", "2.7"),
		bad("/path/param-le-int/42", ppErr("less_than_equal", "Input should be less than or equal to 3", "42", `{"le":3}`)),
		ok("/path/param-le-int/3", `3`),
		ok("/path/param-le-int/2", `2`),
		intBad("/path/param-le-int/2.7", "2.7"),
		ok("/path/param-ge-int/42", `42`),
		ok("/path/param-ge-int/3", `3`),
		bad("/path/param-ge-int/2", ppErr("greater_than_equal", "Input should be greater than or equal to 3", "2", `{"ge":3}`)),
		intBad("/path/param-ge-int/2.7", "2.7"),
		ok("/path/param-lt-gt-int/2", `2`),
		bad("/path/param-lt-gt-int/4", ppErr("less_than", "Input should be less than 3", "4", `{"lt":3}`)),
		bad("/path/param-lt-gt-int/0", ppErr("greater_than", "Input should be greater than 1", "0", `{"gt":1}`)),
		intBad("/path/param-lt-gt-int/2.7", "2.7"),
		ok("/path/param-le-ge-int/2", `2`),
		ok("/path/param-le-ge-int/1", `1`),
		ok("/path/param-le-ge-int/3", `3`),
		bad("/path/param-le-ge-int/4", ppErr("less_than_equal", "Input should be less than or equal to 3", "4", `{"le":3}`)),
		intBad("/path/param-le-ge-int/2.7", "2.7"),
	})
}

type (
	qpStr struct {
		Query string `query:"query"`
	}
	qpOptStr struct {
		Query *string `query:"query"`
	}
	qpInt struct {
		Query int `query:"query"`
	}
	qpOptInt struct {
		Query *int `query:"query"`
	}
	qpIntDef struct {
		Query int `query:"query" default:"10"`
	}
	qpIntSet struct {
		Query []int `query:"query" validate:"required"`
	}
	qpList struct {
		DeviceIDs []int `query:"device_ids" validate:"required"`
	}
	qpListDef struct {
		DeviceIDs []int `query:"device_ids" default:"[]"`
	}
	qpMultiInt struct {
		Q []int `query:"q"`
	}
)

func qpFoo[T any](q *T) (string, error) {
	if q == nil {
		return "foo bar", nil
	}
	return fmt.Sprintf("foo bar %v", *q), nil
}

// qpMainApp is the query part of tests/main.py.
func qpMainApp() *router.App {
	app := fastAPIApp()
	app.Get("/query", func(p qpStr) (string, error) { return qpFoo(&p.Query) })
	app.Get("/query/optional", func(p qpOptStr) (string, error) { return qpFoo(p.Query) })
	app.Get("/query/int", func(p qpInt) (string, error) { return qpFoo(&p.Query) })
	app.Get("/query/int/optional", func(p qpOptInt) (string, error) { return qpFoo(p.Query) })
	app.Get("/query/int/default", func(p qpIntDef) (string, error) { return qpFoo(&p.Query) })
	app.Get("/query/param", func(p qpOptStr) (string, error) { return qpFoo(p.Query) })
	app.Get("/query/param-required", func(p qpStr) (string, error) { return qpFoo(&p.Query) })
	app.Get("/query/param-required/int", func(p qpInt) (string, error) { return qpFoo(&p.Query) })
	app.Get("/query/frozenset", func(p qpIntSet) (string, error) {
		seen := map[int]bool{}
		var out []int
		for _, v := range p.Query {
			if !seen[v] {
				seen[v] = true
				out = append(out, v)
			}
		}
		s := ""
		for i, v := range sortedInts(out) {
			if i > 0 {
				s += ","
			}
			s += fmt.Sprint(v)
		}
		return s, nil
	})
	app.Get("/query/list", func(p qpList) ([]int, error) { return p.DeviceIDs, nil })
	app.Get("/query/list-default", func(p qpListDef) ([]int, error) { return p.DeviceIDs, nil })
	return app
}

func sortedInts(v []int) []int {
	for i := range v {
		for j := i + 1; j < len(v); j++ {
			if v[j] < v[i] {
				v[i], v[j] = v[j], v[i]
			}
		}
	}
	return v
}

func TestQuery(t *testing.T) { // tests/test_query.py
	missing := faDetail(faMissing(`["query","query"]`))
	notInt := func(in string) string { return faDetail(faIntParsing(`["query","query"]`, `"`+in+`"`)) }
	ok := func(path, body string) faCase { return faCase{name: path, do: faGet(path), status: 200, body: body} }
	bad := func(path, body string) faCase { return faCase{name: path, do: faGet(path), status: 422, body: body} }
	faRun(t, qpMainApp(), []faCase{
		bad("/query", missing),
		ok("/query?query=baz", `"foo bar baz"`),
		bad("/query?not_declared=baz", missing),
		ok("/query/optional", `"foo bar"`),
		ok("/query/optional?query=baz", `"foo bar baz"`),
		ok("/query/optional?not_declared=baz", `"foo bar"`),
		bad("/query/int", missing),
		ok("/query/int?query=42", `"foo bar 42"`),
		bad("/query/int?query=42.5", notInt("42.5")),
		bad("/query/int?query=baz", notInt("baz")),
		bad("/query/int?not_declared=baz", missing),
		ok("/query/int/optional", `"foo bar"`),
		ok("/query/int/optional?query=50", `"foo bar 50"`),
		bad("/query/int/optional?query=foo", notInt("foo")),
		ok("/query/int/default", `"foo bar 10"`),
		ok("/query/int/default?query=50", `"foo bar 50"`),
		bad("/query/int/default?query=foo", notInt("foo")),
		ok("/query/param", `"foo bar"`),
		ok("/query/param?query=50", `"foo bar 50"`),
		bad("/query/param-required", missing),
		ok("/query/param-required?query=50", `"foo bar 50"`),
		bad("/query/param-required/int", missing),
		ok("/query/param-required/int?query=50", `"foo bar 50"`),
		bad("/query/param-required/int?query=foo", notInt("foo")),
		ok("/query/frozenset/?query=1&query=1&query=2", `"1,2"`),
		ok("/query/list/?device_ids=1&device_ids=2", `[1,2]`),
		bad("/query/list/", faDetail(faMissing(`["query","device_ids"]`))),
		ok("/query/list-default/?device_ids=1&device_ids=2", `[1,2]`),
		ok("/query/list-default/", `[]`),
	})
}

func TestMultiQueryErrors(t *testing.T) { // tests/test_multi_query_errors.py
	app := fastAPIApp()
	app.Get("/items/", func(p qpMultiInt) (any, error) { return map[string]any{"q": p.Q}, nil })
	faRun(t, app, []faCase{
		{name: "test_multi_query", do: faGet("/items/?q=5&q=6"), status: 200, body: `{"q":[5,6]}`},
		{name: "test_multi_query_incorrect", do: faGet("/items/?q=five&q=six"), status: 422,
			body: faDetail(faIntParsing(`["query","q",0]`, `"five"`), faIntParsing(`["query","q",1]`, `"six"`))},
	})
	_ = http.MethodGet
}
