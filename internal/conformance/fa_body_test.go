package conformance

import (
	"net/http"
	"testing"

	"github.com/keelgo/keel"
	"github.com/keelgo/keel/router"
)

// Ports of tests/test_tutorial/test_body*/* (docs_src/body*), docs/fastapi-compat.md §4.5, §5.2.

// bdItem is docs_src/body/tutorial001's Item.
type bdItem struct {
	Name        string   `json:"name"`
	Description *string  `json:"description"`
	Price       float64  `json:"price"`
	Tax         *float64 `json:"tax"`
}

func bdAttrs(input string) string {
	return faDetail(`{"type":"model_attributes_type","loc":["body"],"msg":"Input should be a valid dictionary or object to extract fields from","input":` + input + `}`)
}

func TestBodyTutorial001(t *testing.T) { // tests/test_tutorial/test_body/test_tutorial001.py
	app := fastAPIApp()
	app.Post("/items/", func(item bdItem) (bdItem, error) { return item, nil })
	post := func(ct, body string) func(http.Handler) secResp {
		return func(h http.Handler) secResp { return faDo(h, "POST", "/items/", ct, body) }
	}
	raw := `{"name": "Foo", "price": 50.5}`
	foo := `{"name":"Foo","price":50.5,"description":null,"tax":null}`
	faRun(t, app, []faCase{
		{name: "test_body_float", do: faPostJSON("/items/", `{"name":"Foo","price":50.5}`), status: 200, body: foo},
		{name: "test_post_with_str_float", do: faPostJSON("/items/", `{"name":"Foo","price":"50.5"}`), status: 200, body: foo},
		{name: "test_post_with_str_float_description", do: faPostJSON("/items/", `{"name":"Foo","price":"50.5","description":"Some Foo"}`), status: 200,
			body: `{"name":"Foo","price":50.5,"description":"Some Foo","tax":null}`},
		{name: "test_post_with_str_float_description_tax", do: faPostJSON("/items/", `{"name":"Foo","price":"50.5","description":"Some Foo","tax":0.3}`), status: 200,
			body: `{"name":"Foo","price":50.5,"description":"Some Foo","tax":0.3}`},
		{name: "test_post_with_only_name", do: faPostJSON("/items/", `{"name":"Foo"}`), status: 422,
			body: faDetail(`{"type":"missing","loc":["body","price"],"msg":"Field required","input":{"name":"Foo"}}`)},
		{name: "test_post_with_only_name_price", do: faPostJSON("/items/", `{"name":"Foo","price":"twenty"}`), status: 422,
			body: faDetail(`{"type":"float_parsing","loc":["body","price"],"msg":"Input should be a valid number, unable to parse string as a number","input":"twenty"}`)},
		{name: "test_post_with_no_data", do: faPostJSON("/items/", `{}`), status: 422,
			body: faDetail(`{"type":"missing","loc":["body","name"],"msg":"Field required","input":{}}`,
				`{"type":"missing","loc":["body","price"],"msg":"Field required","input":{}}`)},
		{name: "test_post_with_none", do: faPostJSON("/items/", ``), status: 422, body: faDetail(faMissing(`["body"]`))},
		{name: "test_post_broken_body", do: post("application/json", "{some broken json}"), status: 422,
			body: faDetail(`{"type":"json_invalid","loc":["body",1],"msg":"JSON decode error","input":{},"ctx":{"error":"Expecting property name enclosed in double quotes"}}`)},
		{name: "test_post_form_for_json", do: post("application/x-www-form-urlencoded", "name=Foo&price=50.5"), status: 422,
			body: bdAttrs(`"name=Foo&price=50.5"`)},
		{name: "test_explicit_content_type", do: post("application/json", raw), status: 200, body: foo},
		{name: "test_geo_json", do: post("application/geo+json", raw), status: 200, body: foo},
		{name: "test_no_content_type_is_json", do: post("", raw), status: 422, body: bdAttrs(`"{\"name\": \"Foo\", \"price\": 50.5}"`)},
		{name: "test_wrong_headers_text_plain", do: post("text/plain", raw), status: 422, body: bdAttrs(`"{\"name\": \"Foo\", \"price\": 50.5}"`)},
		{name: "test_wrong_headers_geo_json_seq", do: post("application/geo+json-seq", raw), status: 422, body: bdAttrs(`"{\"name\": \"Foo\", \"price\": 50.5}"`)},
		{name: "test_wrong_headers_not_really_json", do: post("application/not-really-json", raw), status: 422, body: bdAttrs(`"{\"name\": \"Foo\", \"price\": 50.5}"`)},
		{name: "body_not_object", do: faPostJSON("/items/", `[1,2]`), status: 422, body: bdAttrs(`[1,2]`)},
		{name: "partial_json", do: post("application/json", `{"name": `), status: 422,
			body: faDetail(`{"type":"json_invalid","loc":["body",9],"msg":"JSON decode error","input":{},"ctx":{"error":"Expecting value"}}`)},
	})
	t.Run("strict_content_type_false", func(t *testing.T) {
		lax := fastAPIApp(router.WithLaxContentType())
		lax.Post("/items/", func(item bdItem) (bdItem, error) { return item, nil })
		secReport(t, faDo(lax, "POST", "/items/", "", raw).check(200, foo, ""))
	})
}

func TestBodyTutorial002(t *testing.T) { // tests/test_tutorial/test_body/test_tutorial002.py
	app := fastAPIApp()
	app.Post("/items/", func(item bdItem) (any, error) {
		d := map[string]any{"name": item.Name, "description": item.Description, "price": item.Price, "tax": item.Tax}
		if item.Tax != nil && *item.Tax != 0 {
			d["price_with_tax"] = item.Price + *item.Tax
		}
		return d, nil
	})
	faRun(t, app, []faCase{
		{name: "tax", do: faPostJSON("/items/", `{"name":"Foo","price":50.5,"tax":0.3}`), status: 200,
			body: `{"name":"Foo","price":50.5,"description":null,"tax":0.3,"price_with_tax":50.8}`},
		{name: "no_tax", do: faPostJSON("/items/", `{"name":"Foo","price":50.5}`), status: 200,
			body: `{"name":"Foo","price":50.5,"description":null,"tax":null}`},
	})
}

func TestBodyTutorial004(t *testing.T) { // tests/test_tutorial/test_body/test_tutorial004.py (and 003)
	type params struct {
		ItemID int     `path:"item_id"`
		Item   bdItem  `body:"item"`
		Q      *string `query:"q"`
	}
	app := fastAPIApp()
	app.Put("/items/{item_id}", func(p params) (any, error) {
		r := map[string]any{"item_id": p.ItemID, "name": p.Item.Name, "description": p.Item.Description, "price": p.Item.Price, "tax": p.Item.Tax}
		if p.Q != nil && *p.Q != "" {
			r["q"] = *p.Q
		}
		return r, nil
	})
	put := func(target, body string) func(http.Handler) secResp {
		return func(h http.Handler) secResp { return faJSON(h, "PUT", target, body) }
	}
	faRun(t, app, []faCase{
		{name: "test_put_all", do: put("/items/123", `{"name":"Foo","description":"Some Foo","price":50.1,"tax":0.3}`), status: 200,
			body: `{"item_id":123,"name":"Foo","description":"Some Foo","price":50.1,"tax":0.3}`},
		{name: "test_put_only_required", do: put("/items/123?q=query", `{"name":"Foo","price":50.1}`), status: 200,
			body: `{"item_id":123,"name":"Foo","description":null,"price":50.1,"tax":null,"q":"query"}`},
		{name: "test_put_with_no_data", do: put("/items/123", `{}`), status: 422,
			body: faDetail(`{"type":"missing","loc":["body","name"],"msg":"Field required","input":{}}`,
				`{"type":"missing","loc":["body","price"],"msg":"Field required","input":{}}`)},
		{name: "bad_path_and_body", do: put("/items/abc", `{}`), status: 422,
			body: faDetail(faIntParsing(`["path","item_id"]`, `"abc"`),
				`{"type":"missing","loc":["body","name"],"msg":"Field required","input":{}}`,
				`{"type":"missing","loc":["body","price"],"msg":"Field required","input":{}}`)},
	})
}

func TestBodyMultipleParamsTutorial001(t *testing.T) { // tests/test_tutorial/test_body_multiple_params/test_tutorial001.py
	type params struct {
		ItemID int     `path:"item_id" title:"The ID of the item to get" validate:"gte=0,lte=1000"`
		Q      *string `query:"q"`
		Item   *bdItem `body:"item"`
	}
	app := fastAPIApp()
	app.Put("/items/{item_id}", func(p params) (any, error) {
		r := map[string]any{"item_id": p.ItemID}
		if p.Q != nil && *p.Q != "" {
			r["q"] = *p.Q
		}
		if p.Item != nil {
			r["item"] = p.Item
		}
		return r, nil
	})
	put := func(target, body string) func(http.Handler) secResp {
		return func(h http.Handler) secResp { return faJSON(h, "PUT", target, body) }
	}
	faRun(t, app, []faCase{
		{name: "test_post_body_q_bar_content", do: put("/items/5?q=bar", `{"name":"Foo","price":50.5}`), status: 200,
			body: `{"item_id":5,"item":{"name":"Foo","price":50.5,"description":null,"tax":null},"q":"bar"}`},
		{name: "test_post_no_body_q_bar", do: put("/items/5?q=bar", ``), status: 200, body: `{"item_id":5,"q":"bar"}`},
		{name: "test_post_no_body", do: put("/items/5", ``), status: 200, body: `{"item_id":5}`},
		{name: "test_post_id_foo", do: put("/items/foo", ``), status: 422, body: faDetail(faIntParsing(`["path","item_id"]`, `"foo"`))},
		{name: "test_post_id_1001", do: put("/items/1001", ``), status: 422, body: faDetail(
			`{"type":"less_than_equal","loc":["path","item_id"],"msg":"Input should be less than or equal to 1000","input":"1001","ctx":{"le":1000}}`)},
	})
}

// TestBodyMultipleParamsTutorial001Optional ports the same test with FastAPI's
// signature: the optional body `item: Item | None = None` is a handler
// parameter of pointer type, documented with "required": false.
func TestBodyMultipleParamsTutorial001Optional(t *testing.T) {
	type Item bdItem
	type params struct {
		ItemID int     `path:"item_id" title:"The ID of the item to get" validate:"gte=0,lte=1000"`
		Q      *string `query:"q"`
	}
	app := fastAPIApp()
	app.Put("/items/{item_id}", func(p params, item *Item) (any, error) {
		r := map[string]any{"item_id": p.ItemID}
		if p.Q != nil && *p.Q != "" {
			r["q"] = *p.Q
		}
		if item != nil {
			r["item"] = item
		}
		return r, nil
	}, router.Name("update_item"))
	put := func(target, body string) func(http.Handler) secResp {
		return func(h http.Handler) secResp { return faJSON(h, "PUT", target, body) }
	}
	faRun(t, app, []faCase{
		{name: "test_post_body_q_bar_content", do: put("/items/5?q=bar", `{"name":"Foo","price":50.5}`), status: 200,
			body: `{"item_id":5,"item":{"name":"Foo","price":50.5,"description":null,"tax":null},"q":"bar"}`},
		{name: "test_post_no_body_q_bar", do: put("/items/5?q=bar", ``), status: 200, body: `{"item_id":5,"q":"bar"}`},
		{name: "test_post_no_body", do: put("/items/5", ``), status: 200, body: `{"item_id":5}`},
		{name: "test_post_id_foo", do: put("/items/foo", ``), status: 422, body: faDetail(faIntParsing(`["path","item_id"]`, `"foo"`))},
	})
	t.Run("test_openapi_schema", func(t *testing.T) {
		secReport(t, oaCheckPart(t, app, `{"content":{"application/json":{"schema":{
			"anyOf":[{"$ref":"#/components/schemas/Item"},{"type":"null"}],"title":"Item"}}}}`,
			"paths", "/items/{item_id}", "put", "requestBody"))
		secReport(t, oaCheckPart(t, app, `{"title":"Item","type":"object","required":["name","price"],"properties":{
			"name":{"title":"Name","type":"string"},
			"description":{"title":"Description","anyOf":[{"type":"string"},{"type":"null"}]},
			"price":{"title":"Price","type":"number"},
			"tax":{"title":"Tax","anyOf":[{"type":"number"},{"type":"null"}]}}}`,
			"components", "schemas", "Item"))
	})
}

// bdUser is docs_src/body_multiple_params' User.
type bdUser struct {
	Username string  `json:"username"`
	FullName *string `json:"full_name"`
}

func TestBodyMultipleParamsTutorial003(t *testing.T) { // tests/test_tutorial/test_body_multiple_params/test_tutorial003.py
	type params struct {
		ItemID     int    `path:"item_id"`
		Item       bdItem `body:"item"`
		User       bdUser `body:"user"`
		Importance int    `body:"importance"`
	}
	app := fastAPIApp()
	app.Put("/items/{item_id}", func(p params) (any, error) {
		return map[string]any{"item_id": p.ItemID, "item": p.Item, "user": p.User, "importance": p.Importance}, nil
	})
	put := func(target, body string) func(http.Handler) secResp {
		return func(h http.Handler) secResp { return faJSON(h, "PUT", target, body) }
	}
	faRun(t, app, []faCase{
		{name: "test_post_body_valid", do: put("/items/5", `{"importance":2,"item":{"name":"Foo","price":50.5},"user":{"username":"Dave"}}`), status: 200,
			body: `{"item_id":5,"importance":2,"item":{"name":"Foo","price":50.5,"description":null,"tax":null},"user":{"username":"Dave","full_name":null}}`},
		{name: "test_post_body_no_data", do: put("/items/5", ``), status: 422,
			body: faDetail(faMissing(`["body","item"]`), faMissing(`["body","user"]`), faMissing(`["body","importance"]`))},
		{name: "test_post_body_empty_list", do: put("/items/5", `{}`), status: 422,
			body: faDetail(faMissing(`["body","item"]`), faMissing(`["body","user"]`), faMissing(`["body","importance"]`))},
		{name: "nested_missing", do: put("/items/5", `{"item":{"name":"x"},"user":{"username":"Dave"}}`), status: 422,
			body: faDetail(`{"type":"missing","loc":["body","item","price"],"msg":"Field required","input":{"name":"x"}}`, faMissing(`["body","importance"]`))},
	})
}

func TestBodyMultipleParamsTutorial005(t *testing.T) { // tests/test_tutorial/test_body_multiple_params/test_tutorial005.py
	type params struct {
		ItemID int    `path:"item_id"`
		Item   bdItem `body:"item,embed"`
	}
	app := fastAPIApp()
	app.Put("/items/{item_id}", func(p params) (any, error) {
		return map[string]any{"item_id": p.ItemID, "item": p.Item}, nil
	})
	put := func(target, body string) func(http.Handler) secResp {
		return func(h http.Handler) secResp { return faJSON(h, "PUT", target, body) }
	}
	faRun(t, app, []faCase{
		{name: "test_post_all", do: put("/items/5", `{"item":{"name":"Foo","price":50.5,"description":"Some Foo","tax":0.1}}`), status: 200,
			body: `{"item_id":5,"item":{"name":"Foo","price":50.5,"description":"Some Foo","tax":0.1}}`},
		{name: "test_post_required", do: put("/items/5", `{"item":{"name":"Foo","price":50.5}}`), status: 200,
			body: `{"item_id":5,"item":{"name":"Foo","price":50.5,"description":null,"tax":null}}`},
		{name: "test_post_missing_required_field_in_item", do: put("/items/5", `{"item":{"name":"Foo"}}`), status: 422,
			body: faDetail(`{"type":"missing","loc":["body","item","price"],"msg":"Field required","input":{"name":"Foo"}}`)},
		{name: "test_post_no_item", do: put("/items/5", `{}`), status: 422, body: faDetail(faMissing(`["body","item"]`))},
		{name: "test_embed_body_without_wrapper", do: put("/items/5", `{"name":"Foo","price":50.5}`), status: 422, body: faDetail(faMissing(`["body","item"]`))},
	})
}

func TestBodyFieldsTutorial001(t *testing.T) { // tests/test_tutorial/test_body_fields/test_tutorial001.py
	type item struct {
		Name        string   `json:"name"`
		Description *string  `json:"description" title:"The description of the item" validate:"omitempty,max=300"`
		Price       float64  `json:"price" validate:"gt=0" description:"The price must be greater than zero"`
		Tax         *float64 `json:"tax"`
	}
	type params struct {
		ItemID int  `path:"item_id"`
		Item   item `body:"item,embed"`
	}
	app := fastAPIApp()
	app.Put("/items/{item_id}", func(p params) (any, error) {
		return map[string]any{"item_id": p.ItemID, "item": p.Item}, nil
	})
	put := func(target, body string) func(http.Handler) secResp {
		return func(h http.Handler) secResp { return faJSON(h, "PUT", target, body) }
	}
	faRun(t, app, []faCase{
		{name: "test_items_5", do: put("/items/5", `{"item":{"name":"Foo","price":3.0}}`), status: 200,
			body: `{"item_id":5,"item":{"name":"Foo","price":3.0,"description":null,"tax":null}}`},
		{name: "test_items_6", do: put("/items/6", `{"item":{"name":"Bar","price":0.2,"description":"Some bar","tax":5.4}}`), status: 200,
			body: `{"item_id":6,"item":{"name":"Bar","price":0.2,"description":"Some bar","tax":5.4}}`},
		{name: "test_invalid_price", do: put("/items/5", `{"item":{"name":"Foo","price":-3.0}}`), status: 422,
			body: faDetail(`{"type":"greater_than","loc":["body","item","price"],"msg":"Input should be greater than 0","input":-3.0,"ctx":{"gt":0.0}}`)},
	})
}

func TestBodyNestedModelsTutorial009(t *testing.T) { // tests/test_tutorial/test_body_nested_models/test_tutorial009.py
	app := fastAPIApp()
	app.Post("/index-weights/", func(w map[int]float64) (map[int]float64, error) { return w, nil })
	faRun(t, app, []faCase{
		{name: "test_post_body", do: faPostJSON("/index-weights/", `{"2":2.2,"3":3.3}`), status: 200, body: `{"2":2.2,"3":3.3}`},
		{name: "test_post_invalid_body", do: faPostJSON("/index-weights/", `{"foo":2.2,"3":3.3}`), status: 422,
			body: faDetail(`{"type":"int_parsing","loc":["body","foo","[key]"],"msg":"Input should be a valid integer, unable to parse string as an integer","input":"foo"}`)},
	})
}

func TestBodyNestedModelsTutorial004(t *testing.T) { // tests/test_tutorial/test_body_nested_models (nested model and list of models)
	type image struct {
		URL  string `json:"url"`
		Name string `json:"name"`
	}
	type item struct {
		Name   string   `json:"name"`
		Price  float64  `json:"price"`
		Tags   []string `json:"tags" default:"[]"`
		Images []image  `json:"images"`
	}
	app := fastAPIApp()
	app.Put("/items/{item_id}", func(p struct {
		ItemID int  `path:"item_id"`
		Item   item `body:"item"`
	}) (any, error) {
		return map[string]any{"item_id": p.ItemID, "item": p.Item}, nil
	})
	put := func(target, body string) func(http.Handler) secResp {
		return func(h http.Handler) secResp { return faJSON(h, "PUT", target, body) }
	}
	faRun(t, app, []faCase{
		{name: "ok", do: put("/items/5", `{"name":"Foo","price":1,"images":[{"url":"http://a","name":"a"}]}`), status: 200,
			body: `{"item_id":5,"item":{"name":"Foo","price":1,"tags":[],"images":[{"url":"http://a","name":"a"}]}}`},
		{name: "nested_error", do: put("/items/5", `{"name":"Foo","price":1,"images":[{"url":"http://a","name":"a"},{"url":"http://b"}]}`), status: 422,
			body: faDetail(`{"type":"missing","loc":["body","images",1,"name"],"msg":"Field required","input":{"url":"http://b"}}`)},
	})
}

func TestHandlingErrorsTutorial001(t *testing.T) { // tests/test_tutorial/test_handling_errors/test_tutorial001.py
	items := map[string]string{"foo": "The Foo Wrestlers"}
	app := fastAPIApp()
	app.Get("/items/{item_id}", func(p struct {
		ItemID string `path:"item_id"`
	}) (any, error) {
		v, ok := items[p.ItemID]
		if !ok {
			return nil, keel.NewHTTPError(404, "Item not found")
		}
		return map[string]string{"item": v}, nil
	})
	faRun(t, app, []faCase{
		{name: "test_get_item", do: faGet("/items/foo"), status: 200, body: `{"item":"The Foo Wrestlers"}`},
		{name: "test_get_item_not_found", do: faGet("/items/bar"), status: 404, body: `{"detail":"Item not found"}`},
	})
}

func TestHandlingErrorsTutorial002(t *testing.T) { // tests/test_tutorial/test_handling_errors/test_tutorial002.py
	items := map[string]string{"foo": "The Foo Wrestlers"}
	app := fastAPIApp()
	app.Get("/items-header/{item_id}", func(p struct {
		ItemID string `path:"item_id"`
	}) (any, error) {
		v, ok := items[p.ItemID]
		if !ok {
			return nil, keel.NewHTTPError(404, "Item not found").WithHeader("X-Error", "There goes my error")
		}
		return map[string]string{"item": v}, nil
	})
	t.Run("test_get_item_header", func(t *testing.T) {
		secReport(t, secGet(app, "/items-header/foo").check(200, `{"item":"The Foo Wrestlers"}`, ""))
	})
	t.Run("test_get_item_not_found_header", func(t *testing.T) {
		r := secGet(app, "/items-header/bar")
		errs := r.check(404, `{"detail":"Item not found"}`, "")
		if got := r.header.Get("X-Error"); got != "There goes my error" {
			errs = append(errs, "X-Error = "+got)
		}
		secReport(t, errs)
	})
}

func TestHTTPExceptionShapes(t *testing.T) { // docs/fastapi-compat.md §3.9 probes (HTTPException detail any JSON, reason phrase default, 304)
	app := fastAPIApp()
	app.Get("/dict", func() (any, error) {
		return nil, keel.NewHTTPError(403, map[string]any{"msg": "nope", "code": 7}).WithHeader("X-Err", "1")
	})
	app.Get("/teapot", func() (any, error) { return nil, keel.NewHTTPError(418) })
	app.Get("/304", func() (any, error) { return nil, keel.NewHTTPError(304).WithHeader("ETag", `"x"`) })
	t.Run("dict", func(t *testing.T) {
		r := secGet(app, "/dict")
		errs := r.check(403, `{"detail":{"msg":"nope","code":7}}`, "")
		if r.header.Get("X-Err") != "1" {
			errs = append(errs, "no X-Err header")
		}
		secReport(t, errs)
	})
	t.Run("teapot", func(t *testing.T) { secReport(t, secGet(app, "/teapot").check(418, `{"detail":"I'm a Teapot"}`, "")) })
	t.Run("304", func(t *testing.T) {
		r := secGet(app, "/304")
		if r.code != 304 || r.raw != "" || r.header.Get("ETag") != `"x"` {
			t.Errorf("got %d %q ETag %q, want 304 empty with ETag", r.code, r.raw, r.header.Get("ETag"))
		}
	})
}

func TestRoutingErrors(t *testing.T) { // docs/fastapi-compat.md §3.9: Starlette's 404, 405 and redirect_slashes
	app := fastAPIApp()
	app.Get("/items/", func() (any, error) { return []int{}, nil })
	app.Post("/items/", func() (any, error) { return []int{}, nil })
	t.Run("404", func(t *testing.T) { secReport(t, secGet(app, "/nothing").check(404, `{"detail":"Not Found"}`, "")) })
	t.Run("405", func(t *testing.T) {
		r := faDo(app, "DELETE", "/items/", "", "")
		errs := r.check(405, `{"detail":"Method Not Allowed"}`, "")
		// Starlette answers with the methods of the first route whose path
		// matches: GET /items/, registered first.
		if got := r.header.Get("Allow"); got != "GET" {
			errs = append(errs, "Allow = "+got+", want GET")
		}
		secReport(t, errs)
	})
	t.Run("307", func(t *testing.T) {
		r := faDoOnce(app, "GET", "/items?a=1", "", "")
		if r.code != 307 || r.header.Get("Location") == "" {
			t.Errorf("got %d Location %q, want 307", r.code, r.header.Get("Location"))
		}
	})
}
