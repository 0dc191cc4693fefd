package conformance

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/keelgo/keel/di"
	"github.com/keelgo/keel/router"
	"github.com/keelgo/keel/security"
)

// Ports of FastAPI's OpenAPI snapshot tests (docs/fastapi-compat.md §4.6, §5.3, §6).

func TestOpenAPIUnannotatedResponse(t *testing.T) {
	// Every FastAPI snapshot whose endpoint has no return annotation documents
	// the success response as {"schema": {}} (docs/fastapi-compat.md §6.3), e.g.
	// tests/test_top_level_security_scheme_in_openapi.py. A Keel handler that
	// returns a value must declare a result type; `any` stands for FastAPI's
	// endpoint without a return annotation and documents {}.
	app := fastAPIApp()
	app.Get("/", func() (any, error) { return map[string]string{"message": "Hello, World!"}, nil },
		router.Name("get_root"))
	errs := oaCheckExact(t, app, fmt.Sprintf(`{
  "openapi": "3.1.0",
  "info": {"title": "FastAPI", "version": "0.1.0"},
  "paths": {"/": {"get": {"summary": "Get Root", "operationId": "get_root__get", "responses": {%s}}}}
}`, oa200Any))
	secDiff(t, errs, `KEEL-DIFF: a handler returning any documents {"title":"Response <Op Id>"}; FastAPI's unannotated endpoint documents {} (openapi/build.go buildResponses: decorate with wireTitle for every non-$ref response schema)`)
	secReport(t, errs)
}

func TestOpenAPITopLevelSecuritySchemeInOpenAPI(t *testing.T) {
	// tests/test_top_level_security_scheme_in_openapi.py: a scheme used only
	// in dependencies=[Depends(bearer_scheme)] is documented.
	app := fastAPIApp()
	app.Get("/", func() (any, error) { return map[string]string{"message": "Hello, World!"}, nil },
		router.Dependencies(&security.HTTPBearer{}), router.Name("get_root"))
	t.Run("test_get_root", func(t *testing.T) {
		secReport(t, secGet(app, "/", "Authorization", "Bearer token").check(200, `{"message":"Hello, World!"}`, ""))
	})
	t.Run("test_get_root_no_token", func(t *testing.T) {
		secReport(t, secGet(app, "/").check(401, secNotAuth, "Bearer"))
	})
	t.Run("test_openapi_schema", func(t *testing.T) {
		secReport(t, oaCheck(t, app, fmt.Sprintf(`{
  "openapi": "3.1.0",
  "info": {"title": "FastAPI", "version": "0.1.0"},
  "paths": {"/": {"get": {"summary": "Get Root", "operationId": "get_root__get", "responses": {%s},
    "security": [{"HTTPBearer": []}]}}},
  "components": {"securitySchemes": {"HTTPBearer": {"type": "http", "scheme": "bearer"}}}
}`, oa200Any)))
	})
}

func TestOpenAPIRepeatedDependencySchema(t *testing.T) {
	// tests/test_repeated_dependency_schema.py: the header of a dependency used
	// twice is listed once. Both dependencies give a str, bound by position.
	type hdr struct {
		Someheader string `header:"someheader"`
	}
	getHeader := di.Provide(func(h hdr) (string, error) { return h.Someheader, nil })
	getSomethingElse := di.Provide(func(someheader string) (string, error) { return someheader + "123", nil }, getHeader)
	app := fastAPIApp()
	app.Get("/", func(dep1, dep2 string) (any, error) { return map[string]string{"dep1": dep1, "dep2": dep2}, nil },
		di.Args(di.Depends(getHeader), di.Depends(getSomethingElse)), router.Name("get_deps"))
	t.Run("test_schema", func(t *testing.T) {
		secReport(t, oaCheck(t, app, fmt.Sprintf(`{
  "openapi": "3.1.0",
  "info": {"title": "FastAPI", "version": "0.1.0"},
  "paths": {"/": {"get": {
    "operationId": "get_deps__get",
    "parameters": [{"in": "header", "name": "someheader", "required": true, "schema": {"title": "Someheader", "type": "string"}}],
    "responses": {%s, %s},
    "summary": "Get Deps"
  }}},
  "components": {"schemas": {%s}}
}`, oa200Any, oa422, oaValidationSchemas)))
	})
	t.Run("test_response", func(t *testing.T) {
		secReport(t, secGet(app, "/", "someheader", "hello").check(200, `{"dep1":"hello","dep2":"hello123"}`, ""))
	})
}

func TestOpenAPIQueryParamsStrValidationsTutorial010(t *testing.T) {
	// tests/test_tutorial/test_query_params_str_validations/test_tutorial010.py
	type params struct {
		Q *string `query:"item-query" title:"Query string" description:"Query string for the items to search in the database that have a good match" validate:"omitempty,min=3,max=50" pattern:"^fixedquery$" deprecated:"true"`
	}
	app := fastAPIApp()
	app.Get("/items/", func(p params) (any, error) {
		res := map[string]any{"items": []map[string]string{{"item_id": "Foo"}, {"item_id": "Bar"}}}
		if p.Q != nil && *p.Q != "" {
			res["q"] = *p.Q
		}
		return res, nil
	}, router.Name("read_items"))
	items := `[{"item_id":"Foo"},{"item_id":"Bar"}]`
	t.Run("test_query_params_str_validations_no_query", func(t *testing.T) {
		secReport(t, secGet(app, "/items/").check(200, `{"items":`+items+`}`, ""))
	})
	t.Run("test_query_params_str_validations_item_query_fixedquery", func(t *testing.T) {
		secReport(t, secGet(app, "/items/?item-query=fixedquery").check(200, `{"items":`+items+`,"q":"fixedquery"}`, ""))
	})
	t.Run("test_query_params_str_validations_q_fixedquery", func(t *testing.T) {
		secReport(t, secGet(app, "/items/?q=fixedquery").check(200, `{"items":`+items+`}`, ""))
	})
	t.Run("test_query_params_str_validations_item_query_nonregexquery", func(t *testing.T) {
		secReport(t, secGet(app, "/items/?item-query=nonregexquery").check(422, `{"detail":[{"type":"string_pattern_mismatch",
			"loc":["query","item-query"],"msg":"String should match pattern '^fixedquery$'","input":"nonregexquery",
			"ctx":{"pattern":"^fixedquery$"}}]}`, ""))
	})
	t.Run("test_openapi_schema", func(t *testing.T) {
		desc := "Query string for the items to search in the database that have a good match"
		secReport(t, oaCheck(t, app, fmt.Sprintf(`{
  "openapi": "3.1.0",
  "info": {"title": "FastAPI", "version": "0.1.0"},
  "paths": {"/items/": {"get": {
    "responses": {%s, %s},
    "summary": "Read Items",
    "operationId": "read_items_items__get",
    "parameters": [{
      "description": %q,
      "required": false,
      "deprecated": true,
      "schema": {
        "anyOf": [{"type": "string", "minLength": 3, "maxLength": 50, "pattern": "^fixedquery$"}, {"type": "null"}],
        "title": "Query string",
        "description": %q,
        "deprecated": true
      },
      "name": "item-query",
      "in": "query"
    }]
  }}},
  "components": {"schemas": {%s}}
}`, oa200Any, oa422, desc, desc, oaValidationSchemas)))
	})
}

func TestOpenAPIBodyTutorial001(t *testing.T) {
	// tests/test_tutorial/test_body/test_tutorial001.py; the component is
	// named after the Go type, declared here to be called Item.
	type Item struct {
		Name        string   `json:"name"`
		Description *string  `json:"description"`
		Price       float64  `json:"price"`
		Tax         *float64 `json:"tax"`
	}
	app := fastAPIApp()
	app.Post("/items/", func(item Item) (any, error) { return item, nil }, router.Name("create_item"))
	post := func(body string) secResp {
		r := httptest.NewRequest("POST", "/items/", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		app.ServeHTTP(w, r)
		return secResp{w.Code, w.Body.String(), w.Header()}
	}
	t.Run("test_body_float", func(t *testing.T) {
		secReport(t, post(`{"name":"Foo","price":50.5}`).check(200, `{"name":"Foo","price":50.5,"description":null,"tax":null}`, ""))
	})
	t.Run("test_post_with_only_name", func(t *testing.T) {
		secReport(t, post(`{"name":"Foo"}`).check(422, `{"detail":[{"type":"missing","loc":["body","price"],"msg":"Field required","input":{"name":"Foo"}}]}`, ""))
	})
	t.Run("test_post_with_str_float", func(t *testing.T) {
		secReport(t, post(`{"name":"Foo","price":"50.5"}`).check(200, `{"name":"Foo","price":50.5,"description":null,"tax":null}`, ""))
	})
	t.Run("test_post_with_only_price", func(t *testing.T) {
		secReport(t, post(`{"price":50.5}`).check(422, `{"detail":[{"type":"missing","loc":["body","name"],"msg":"Field required","input":{"price":50.5}}]}`, ""))
	})
	t.Run("test_post_with_no_data", func(t *testing.T) {
		secReport(t, post(`{}`).check(422, `{"detail":[{"type":"missing","loc":["body","name"],"msg":"Field required","input":{}},{"type":"missing","loc":["body","price"],"msg":"Field required","input":{}}]}`, ""))
	})
	t.Run("test_post_with_none", func(t *testing.T) {
		secReport(t, post(`null`).check(422, `{"detail":[{"type":"missing","loc":["body"],"msg":"Field required","input":null}]}`, ""))
	})
	t.Run("test_post_broken_body", func(t *testing.T) {
		secReport(t, post(`{some broken json}`).check(422, `{"detail":[{"type":"json_invalid","loc":["body",1],"msg":"JSON decode error","input":{},"ctx":{"error":"Expecting property name enclosed in double quotes"}}]}`, ""))
	})
	t.Run("test_openapi_schema", func(t *testing.T) {
		secReport(t, oaCheck(t, app, fmt.Sprintf(`{
  "openapi": "3.1.0",
  "info": {"title": "FastAPI", "version": "0.1.0"},
  "paths": {"/items/": {"post": {
    "responses": {%s, %s},
    "summary": "Create Item",
    "operationId": "create_item_items__post",
    "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}}, "required": true}
  }}},
  "components": {"schemas": {
    "Item": {
      "title": "Item",
      "required": ["name", "price"],
      "type": "object",
      "properties": {
        "name": {"title": "Name", "type": "string"},
        "description": {"title": "Description", "anyOf": [{"type": "string"}, {"type": "null"}]},
        "price": {"title": "Price", "type": "number"},
        "tax": {"title": "Tax", "anyOf": [{"type": "number"}, {"type": "null"}]}
      }
    },
    %s
  }}
}`, oa200Any, oa422, oaValidationSchemas)))
	})
}
