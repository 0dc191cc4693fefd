package conformance

import (
	"testing"

	"github.com/keelgo/keel/router"
)

// Ports of tests/test_tutorial/test_query_params*, test_path_params*,
// test_header_params and test_cookie_params (docs_src/...), docs/fastapi-compat.md §4.

type qtItemParams struct {
	ItemID string  `path:"item_id"`
	Q      *string `query:"q"`
	Short  bool    `query:"short" default:"false"`
}

func TestQueryParamsTutorial001(t *testing.T) { // tests/test_tutorial/test_query_params/test_tutorial001.py
	db := []map[string]string{{"item_name": "Foo"}, {"item_name": "Bar"}, {"item_name": "Baz"}}
	type params struct {
		Skip  int `query:"skip" default:"0"`
		Limit int `query:"limit" default:"10"`
	}
	app := fastAPIApp()
	app.Get("/items/", func(p params) (any, error) {
		return db[min(p.Skip, len(db)):min(p.Skip+p.Limit, len(db))], nil
	})
	faRun(t, app, []faCase{
		{name: "/items/", do: faGet("/items/"), status: 200, body: `[{"item_name":"Foo"},{"item_name":"Bar"},{"item_name":"Baz"}]`},
		{name: "/items/?skip=1", do: faGet("/items/?skip=1"), status: 200, body: `[{"item_name":"Bar"},{"item_name":"Baz"}]`},
		{name: "/items/?skip=1&limit=1", do: faGet("/items/?skip=1&limit=1"), status: 200, body: `[{"item_name":"Bar"}]`},
		{name: "/items/?skip=a", do: faGet("/items/?skip=a"), status: 422, body: faDetail(faIntParsing(`["query","skip"]`, `"a"`))},
	})
}

func TestQueryParamsTutorial002(t *testing.T) { // tests/test_tutorial/test_query_params/test_tutorial002.py
	app := fastAPIApp()
	app.Get("/items/{item_id}", func(p qtItemParams) (any, error) {
		if p.Q != nil && *p.Q != "" {
			return map[string]any{"item_id": p.ItemID, "q": *p.Q}, nil
		}
		return map[string]any{"item_id": p.ItemID}, nil
	})
	faRun(t, app, []faCase{
		{name: "no_q", do: faGet("/items/foo"), status: 200, body: `{"item_id":"foo"}`},
		{name: "q", do: faGet("/items/foo?q=somequery"), status: 200, body: `{"item_id":"foo","q":"somequery"}`},
	})
}

func TestQueryParamsTutorial003(t *testing.T) { // tests/test_tutorial/test_query_params/test_tutorial003.py
	app := fastAPIApp()
	app.Get("/items/{item_id}", func(p qtItemParams) (any, error) {
		item := map[string]any{"item_id": p.ItemID}
		if p.Q != nil && *p.Q != "" {
			item["q"] = *p.Q
		}
		if !p.Short {
			item["description"] = "This is an amazing item that has a long description"
		}
		return item, nil
	})
	long := `{"item_id":"foo","description":"This is an amazing item that has a long description"}`
	cases := []faCase{
		{name: "no_short", do: faGet("/items/foo"), status: 200, body: long},
		{name: "q", do: faGet("/items/foo?q=fooquery"), status: 200, body: `{"item_id":"foo","q":"fooquery","description":"This is an amazing item that has a long description"}`},
		{name: "short_invalid", do: faGet("/items/foo?short=maybe"), status: 422,
			body: faDetail(`{"type":"bool_parsing","loc":["query","short"],"msg":"Input should be a valid boolean, unable to interpret input","input":"maybe"}`)},
	}
	for _, v := range []string{"1", "True", "true", "on", "yes", "Y", "t"} {
		cases = append(cases, faCase{name: "short=" + v, do: faGet("/items/foo?short=" + v), status: 200, body: `{"item_id":"foo"}`})
	}
	for _, v := range []string{"0", "False", "false", "off", "no"} {
		cases = append(cases, faCase{name: "short=" + v, do: faGet("/items/foo?short=" + v), status: 200, body: long})
	}
	faRun(t, app, cases)
}

func TestQueryParamsTutorial004(t *testing.T) { // tests/test_tutorial/test_query_params/test_tutorial004.py
	type params struct {
		UserID int     `path:"user_id"`
		ItemID string  `path:"item_id"`
		Q      *string `query:"q"`
		Short  bool    `query:"short" default:"false"`
	}
	app := fastAPIApp()
	app.Get("/users/{user_id}/items/{item_id}", func(p params) (any, error) {
		item := map[string]any{"item_id": p.ItemID, "owner_id": p.UserID}
		if p.Q != nil && *p.Q != "" {
			item["q"] = *p.Q
		}
		if !p.Short {
			item["description"] = "This is an amazing item that has a long description"
		}
		return item, nil
	})
	faRun(t, app, []faCase{
		{name: "plain", do: faGet("/users/123/items/foo"), status: 200, body: `{"item_id":"foo","owner_id":123,"description":"This is an amazing item that has a long description"}`},
		{name: "q_short", do: faGet("/users/1234/items/bar?q=somequery&short=True"), status: 200, body: `{"item_id":"bar","owner_id":1234,"q":"somequery"}`},
		{name: "bad_user", do: faGet("/users/abc/items/bar"), status: 422, body: faDetail(faIntParsing(`["path","user_id"]`, `"abc"`))},
	})
}

func TestQueryParamsTutorial005(t *testing.T) { // tests/test_tutorial/test_query_params/test_tutorial005.py
	type params struct {
		ItemID string `path:"item_id"`
		Needy  string `query:"needy"`
	}
	app := fastAPIApp()
	app.Get("/items/{item_id}", func(p params) (any, error) {
		return map[string]any{"item_id": p.ItemID, "needy": p.Needy}, nil
	})
	faRun(t, app, []faCase{
		{name: "test_foo_needy_very", do: faGet("/items/foo?needy=very"), status: 200, body: `{"item_id":"foo","needy":"very"}`},
		{name: "test_foo_no_needy", do: faGet("/items/foo"), status: 422, body: faDetail(faMissing(`["query","needy"]`))},
	})
}

func TestQueryParamsTutorial006(t *testing.T) { // tests/test_tutorial/test_query_params/test_tutorial006.py
	type params struct {
		ItemID string `path:"item_id"`
		Needy  string `query:"needy"`
		Skip   int    `query:"skip" default:"0"`
		Limit  *int   `query:"limit"`
	}
	app := fastAPIApp()
	app.Get("/items/{item_id}", func(p params) (any, error) {
		return map[string]any{"item_id": p.ItemID, "needy": p.Needy, "skip": p.Skip, "limit": p.Limit}, nil
	})
	faRun(t, app, []faCase{
		{name: "test_foo_needy_very", do: faGet("/items/foo?needy=very"), status: 200, body: `{"item_id":"foo","needy":"very","skip":0,"limit":null}`},
		{name: "test_foo_no_needy", do: faGet("/items/foo?skip=a&limit=b"), status: 422, body: faDetail(
			faMissing(`["query","needy"]`),
			faIntParsing(`["query","skip"]`, `"a"`),
			faIntParsing(`["query","limit"]`, `"b"`))},
	})
}

// qsItemsResult is query_params_str_validations' results.
func qsItems(q *string) map[string]any {
	r := map[string]any{"items": []map[string]string{{"item_id": "Foo"}, {"item_id": "Bar"}}}
	if q != nil && *q != "" {
		r["q"] = *q
	}
	return r
}

const qsFooBar = `[{"item_id":"Foo"},{"item_id":"Bar"}]`

func TestQueryParamsStrValidationsTutorial002(t *testing.T) { // tests/test_tutorial/test_query_params_str_validations/test_tutorial002.py
	type params struct {
		Q *string `query:"q" validate:"max=50"`
	}
	app := fastAPIApp()
	app.Get("/items/", func(p params) (any, error) { return qsItems(p.Q), nil })
	long := "0123456789012345678901234567890123456789012345678901"
	faRun(t, app, []faCase{
		{name: "no_query", do: faGet("/items/"), status: 200, body: `{"items":` + qsFooBar + `}`},
		{name: "q", do: faGet("/items/?q=query"), status: 200, body: `{"items":` + qsFooBar + `,"q":"query"}`},
		{name: "too_long", do: faGet("/items/?q=" + long), status: 422, body: faDetail(
			`{"type":"string_too_long","loc":["query","q"],"msg":"String should have at most 50 characters","input":"` + long + `","ctx":{"max_length":50}}`)},
	})
}

func TestQueryParamsStrValidationsTutorial004(t *testing.T) { // tests/test_tutorial/test_query_params_str_validations/test_tutorial004.py
	type params struct {
		Q *string `query:"q" validate:"min=3,max=50" pattern:"^fixedquery$"`
	}
	app := fastAPIApp()
	app.Get("/items/", func(p params) (any, error) { return qsItems(p.Q), nil })
	faRun(t, app, []faCase{
		{name: "no_query", do: faGet("/items/"), status: 200, body: `{"items":` + qsFooBar + `}`},
		{name: "q_fixedquery", do: faGet("/items/?q=fixedquery"), status: 200, body: `{"items":` + qsFooBar + `,"q":"fixedquery"}`},
		{name: "q_nonregexquery", do: faGet("/items/?q=nonregexquery"), status: 422, body: faDetail(
			`{"type":"string_pattern_mismatch","loc":["query","q"],"msg":"String should match pattern '^fixedquery$'","input":"nonregexquery","ctx":{"pattern":"^fixedquery$"}}`)},
		{name: "q_too_short", do: faGet("/items/?q=fa"), status: 422, body: faDetail(
			`{"type":"string_too_short","loc":["query","q"],"msg":"String should have at least 3 characters","input":"fa","ctx":{"min_length":3}}`)},
	})
}

func TestQueryParamsStrValidationsTutorial006(t *testing.T) { // tests/test_tutorial/test_query_params_str_validations/test_tutorial006.py
	type params struct {
		Q string `query:"q" validate:"min=3"`
	}
	app := fastAPIApp()
	app.Get("/items/", func(p params) (any, error) { return qsItems(&p.Q), nil })
	faRun(t, app, []faCase{
		{name: "no_query", do: faGet("/items/"), status: 422, body: faDetail(faMissing(`["query","q"]`))},
		{name: "q", do: faGet("/items/?q=fixedquery"), status: 200, body: `{"items":` + qsFooBar + `,"q":"fixedquery"}`},
		{name: "q_empty", do: faGet("/items/?q="), status: 422, body: faDetail(
			`{"type":"string_too_short","loc":["query","q"],"msg":"String should have at least 3 characters","input":"","ctx":{"min_length":3}}`)},
	})
}

func TestQueryParamsStrValidationsTutorial010(t *testing.T) { // tests/test_tutorial/test_query_params_str_validations/test_tutorial010.py
	type params struct {
		Q *string `query:"item-query" title:"Query string" description:"Query string for the items to search in the database that have a good match" validate:"min=3,max=50" pattern:"^fixedquery$" deprecated:"true"`
	}
	app := fastAPIApp()
	app.Get("/items/", func(p params) (any, error) { return qsItems(p.Q), nil })
	faRun(t, app, []faCase{
		{name: "test_query_params_str_validations_no_query", do: faGet("/items/"), status: 200, body: `{"items":` + qsFooBar + `}`},
		{name: "test_query_params_str_validations_item_query_fixedquery", do: faGet("/items/?item-query=fixedquery"), status: 200, body: `{"items":` + qsFooBar + `,"q":"fixedquery"}`},
		{name: "test_query_params_str_validations_q_fixedquery", do: faGet("/items/?q=fixedquery"), status: 200, body: `{"items":` + qsFooBar + `}`},
		{name: "test_query_params_str_validations_item_query_nonregexquery", do: faGet("/items/?item-query=nonregexquery"), status: 422, body: faDetail(
			`{"type":"string_pattern_mismatch","loc":["query","item-query"],"msg":"String should match pattern '^fixedquery$'","input":"nonregexquery","ctx":{"pattern":"^fixedquery$"}}`)},
	})
	t.Run("test_openapi_schema_parameter", func(t *testing.T) {
		secReport(t, oaCheckPart(t, app, `[{
  "description":"Query string for the items to search in the database that have a good match",
  "required":false,"deprecated":true,
  "schema":{"anyOf":[{"type":"string","minLength":3,"maxLength":50,"pattern":"^fixedquery$"},{"type":"null"}],
    "title":"Query string","description":"Query string for the items to search in the database that have a good match","deprecated":true},
  "name":"item-query","in":"query"}]`, "paths", "/items/", "get", "parameters"))
	})
}

func TestQueryParamsStrValidationsTutorial011(t *testing.T) { // tests/test_tutorial/test_query_params_str_validations/test_tutorial011.py
	type params struct {
		Q []string `query:"q"`
	}
	app := fastAPIApp()
	app.Get("/items/", func(p params) (any, error) { return map[string]any{"q": p.Q}, nil })
	faRun(t, app, []faCase{
		{name: "test_multi_query_values", do: faGet("/items/?q=foo&q=bar"), status: 200, body: `{"q":["foo","bar"]}`},
		{name: "test_query_no_values", do: faGet("/items/"), status: 200, body: `{"q":null}`},
	})
}

func TestQueryParamsStrValidationsTutorial012(t *testing.T) { // tests/test_tutorial/test_query_params_str_validations/test_tutorial012.py
	type params struct {
		Q []string `query:"q" default:"[\"foo\",\"bar\"]"`
	}
	app := fastAPIApp()
	app.Get("/items/", func(p params) (any, error) { return map[string]any{"q": p.Q}, nil })
	faRun(t, app, []faCase{
		{name: "test_default_query_values", do: faGet("/items/"), status: 200, body: `{"q":["foo","bar"]}`},
		{name: "test_multi_query_values", do: faGet("/items/?q=baz&q=foobar"), status: 200, body: `{"q":["baz","foobar"]}`},
	})
}

func TestQueryParamsStrValidationsTutorial013(t *testing.T) { // tests/test_tutorial/test_query_params_str_validations/test_tutorial013.py
	type params struct {
		Q []string `query:"q" default:"[]"`
	}
	app := fastAPIApp()
	app.Get("/items/", func(p params) (any, error) { return map[string]any{"q": p.Q}, nil })
	faRun(t, app, []faCase{
		{name: "test_multi_query_values", do: faGet("/items/?q=foo&q=bar"), status: 200, body: `{"q":["foo","bar"]}`},
		{name: "test_query_no_values", do: faGet("/items/"), status: 200, body: `{"q":[]}`},
	})
}

func TestQueryParamsStrValidationsTutorial014(t *testing.T) { // tests/test_tutorial/test_query_params_str_validations/test_tutorial014.py
	type params struct {
		HiddenQuery *string `query:"hidden_query" hidden:"true"`
	}
	app := fastAPIApp()
	app.Get("/items/", func(p params) (any, error) {
		if p.HiddenQuery != nil && *p.HiddenQuery != "" {
			return map[string]any{"hidden_query": *p.HiddenQuery}, nil
		}
		return map[string]any{"hidden_query": "Not found"}, nil
	}, router.Name("read_items"))
	faRun(t, app, []faCase{
		{name: "test_hidden_query", do: faGet("/items?hidden_query=somevalue"), status: 200, body: `{"hidden_query":"somevalue"}`},
		{name: "test_no_hidden_query", do: faGet("/items"), status: 200, body: `{"hidden_query":"Not found"}`},
	})
	t.Run("test_openapi_schema", func(t *testing.T) {
		// The operation has no "parameters" at all.
		secReport(t, oaCheckPart(t, app, `{"responses":{`+oa200Any+`,`+oa422+`},"summary":"Read Items","operationId":"read_items_items__get"}`, "paths", "/items/", "get"))
	})
}

// ptModelName is docs_src/path_params/tutorial005's ModelName enum.
type ptModelName string

// Enum lists the values, as the Python Enum class does.
func (ptModelName) Enum() []any { return []any{"alexnet", "resnet", "lenet"} }

func TestPathParamsTutorial005(t *testing.T) { // tests/test_tutorial/test_path_params/test_tutorial005.py
	type params struct {
		ModelName ptModelName `path:"model_name"`
	}
	app := fastAPIApp()
	app.Get("/models/{model_name}", func(p params) (any, error) {
		switch p.ModelName {
		case "alexnet":
			return map[string]any{"model_name": p.ModelName, "message": "Deep Learning FTW!"}, nil
		case "lenet":
			return map[string]any{"model_name": p.ModelName, "message": "LeCNN all the images"}, nil
		}
		return map[string]any{"model_name": p.ModelName, "message": "Have some residuals"}, nil
	})
	faRun(t, app, []faCase{
		{name: "alexnet", do: faGet("/models/alexnet"), status: 200, body: `{"model_name":"alexnet","message":"Deep Learning FTW!"}`},
		{name: "lenet", do: faGet("/models/lenet"), status: 200, body: `{"model_name":"lenet","message":"LeCNN all the images"}`},
		{name: "resnet", do: faGet("/models/resnet"), status: 200, body: `{"model_name":"resnet","message":"Have some residuals"}`},
		{name: "test_get_enums_invalid", do: faGet("/models/foo"), status: 422, body: faDetail(
			`{"type":"enum","loc":["path","model_name"],"msg":"Input should be 'alexnet', 'resnet' or 'lenet'","input":"foo","ctx":{"expected":"'alexnet', 'resnet' or 'lenet'"}}`)},
	})
}

func TestPathParamsTutorial004(t *testing.T) { // tests/test_tutorial/test_path_params/test_tutorial004.py
	type params struct {
		FilePath string `path:"file_path"`
	}
	app := fastAPIApp()
	app.Get("/files/{file_path...}", func(p params) (any, error) { return map[string]any{"file_path": p.FilePath}, nil })
	faRun(t, app, []faCase{
		{name: "test_file_path", do: faGet("/files/home/johndoe/myfile.txt"), status: 200, body: `{"file_path":"home/johndoe/myfile.txt"}`},
	})
}

func TestPathParamsTutorial003(t *testing.T) { // tests/test_tutorial/test_path_params/test_tutorial003.py
	type params struct {
		UserID string `path:"user_id"`
	}
	app := fastAPIApp()
	app.Get("/users/me", func() (any, error) { return map[string]any{"user_id": "the current user"}, nil })
	app.Get("/users/{user_id}", func(p params) (any, error) { return map[string]any{"user_id": p.UserID}, nil })
	faRun(t, app, []faCase{
		{name: "me", do: faGet("/users/me"), status: 200, body: `{"user_id":"the current user"}`},
		{name: "foo", do: faGet("/users/foo"), status: 200, body: `{"user_id":"foo"}`},
	})
}

func TestPathParamsTutorial002(t *testing.T) { // tests/test_tutorial/test_path_params/test_tutorial002.py (and test_path_params/test_tutorial001)
	type params struct {
		ItemID int `path:"item_id"`
	}
	app := fastAPIApp()
	app.Get("/items/{item_id}", func(p params) (any, error) { return map[string]any{"item_id": p.ItemID}, nil })
	faRun(t, app, []faCase{
		{name: "42", do: faGet("/items/42"), status: 200, body: `{"item_id":42}`},
		{name: "foo", do: faGet("/items/foo"), status: 422, body: faDetail(faIntParsing(`["path","item_id"]`, `"foo"`))},
		{name: "42.5", do: faGet("/items/42.5"), status: 422, body: faDetail(faIntParsing(`["path","item_id"]`, `"42.5"`))},
	})
}

func TestPathParamsNumericValidationsTutorial006(t *testing.T) { // tests/test_tutorial/test_path_params_numeric_validations/test_tutorial006.py
	type params struct {
		ItemID int     `path:"item_id" title:"The ID of the item to get" validate:"gte=0,lte=1000"`
		Q      string  `query:"q"`
		Size   float64 `query:"size" validate:"gt=0,lt=10.5"`
	}
	app := fastAPIApp()
	app.Get("/items/{item_id}", func(p params) (any, error) {
		r := map[string]any{"item_id": p.ItemID}
		if p.Q != "" {
			r["q"] = p.Q
		}
		if p.Size != 0 {
			r["size"] = p.Size
		}
		return r, nil
	})
	faRun(t, app, []faCase{
		{name: "test_read_items", do: faGet("/items/42?q=somequery&size=5"), status: 200, body: `{"item_id":42,"q":"somequery","size":5.0}`},
		{name: "test_read_items_invalid_item_id", do: faGet("/items/-1?q=somequery&size=5"), status: 422, body: faDetail(
			`{"type":"greater_than_equal","loc":["path","item_id"],"msg":"Input should be greater than or equal to 0","input":"-1","ctx":{"ge":0}}`)},
		{name: "test_read_items_greater_than_1000", do: faGet("/items/1001?q=somequery&size=5"), status: 422, body: faDetail(
			`{"type":"less_than_equal","loc":["path","item_id"],"msg":"Input should be less than or equal to 1000","input":"1001","ctx":{"le":1000}}`)},
		{name: "test_read_items_size_too_small", do: faGet("/items/42?q=somequery&size=0.0"), status: 422, body: faDetail(
			`{"type":"greater_than","loc":["query","size"],"msg":"Input should be greater than 0","input":"0.0","ctx":{"gt":0.0}}`)},
		{name: "test_read_items_size_too_large", do: faGet("/items/42?q=somequery&size=10.5"), status: 422, body: faDetail(
			`{"type":"less_than","loc":["query","size"],"msg":"Input should be less than 10.5","input":"10.5","ctx":{"lt":10.5}}`)},
	})
}

func TestHeaderParamsTutorial001(t *testing.T) { // tests/test_tutorial/test_header_params/test_tutorial001.py
	type params struct {
		UserAgent *string `header:""`
	}
	app := fastAPIApp()
	app.Get("/items/", func(p params) (any, error) { return map[string]any{"User-Agent": p.UserAgent}, nil })
	// TestClient sends "User-Agent: testclient".
	faRun(t, app, []faCase{
		{name: "default", do: faGet("/items", "User-Agent", "testclient"), status: 200, body: `{"User-Agent":"testclient"}`},
		{name: "X-Header", do: faGet("/items", "User-Agent", "testclient", "X-Header", "a"), status: 200, body: `{"User-Agent":"testclient"}`},
		{name: "User-Agent", do: faGet("/items", "User-Agent", "FastAPI test"), status: 200, body: `{"User-Agent":"FastAPI test"}`},
		{name: "none", do: faGet("/items"), status: 200, body: `{"User-Agent":null}`},
	})
}

func TestHeaderParamsTutorial002(t *testing.T) { // tests/test_tutorial/test_header_params/test_tutorial002.py
	type params struct {
		StrangeHeader *string `header:"strange_header"`
	}
	app := fastAPIApp()
	app.Get("/items/", func(p params) (any, error) { return map[string]any{"strange_header": p.StrangeHeader}, nil })
	faRun(t, app, []faCase{
		{name: "none", do: faGet("/items"), status: 200, body: `{"strange_header":null}`},
		{name: "X-Header", do: faGet("/items", "X-Header", "Invalid"), status: 200, body: `{"strange_header":null}`},
		{name: "strange_header", do: faGet("/items", "strange_header", "FastAPI test"), status: 200, body: `{"strange_header":"FastAPI test"}`},
		{name: "strange-header", do: faGet("/items", "strange-header", "Not really underscore"), status: 200, body: `{"strange_header":null}`},
	})
}

func TestHeaderParamsTutorial003(t *testing.T) { // tests/test_tutorial/test_header_params/test_tutorial003.py
	type params struct {
		XToken []string `header:""`
	}
	app := fastAPIApp()
	app.Get("/items/", func(p params) (any, error) { return map[string]any{"X-Token values": p.XToken}, nil })
	faRun(t, app, []faCase{
		{name: "none", do: faGet("/items/"), status: 200, body: `{"X-Token values":null}`},
		{name: "two", do: faGet("/items/", "x-token", "foo", "x-token", "bar"), status: 200, body: `{"X-Token values":["foo","bar"]}`},
	})
}

func TestCookieParamsTutorial001(t *testing.T) { // tests/test_tutorial/test_cookie_params/test_tutorial001.py
	type params struct {
		AdsID *string `cookie:"ads_id"`
	}
	app := fastAPIApp()
	app.Get("/items/", func(p params) (any, error) { return map[string]any{"ads_id": p.AdsID}, nil })
	faRun(t, app, []faCase{
		{name: "none", do: faGet("/items"), status: 200, body: `{"ads_id":null}`},
		{name: "ads_id", do: faGet("/items", "Cookie", "ads_id=ads_track"), status: 200, body: `{"ads_id":"ads_track"}`},
		{name: "ads_id_session", do: faGet("/items", "Cookie", "ads_id=ads_track; session=cookiesession"), status: 200, body: `{"ads_id":"ads_track"}`},
		{name: "session", do: faGet("/items", "Cookie", "session=cookiesession"), status: 200, body: `{"ads_id":null}`},
	})
}
