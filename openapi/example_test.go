package openapi_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"

	"github.com/keelgo/keel/openapi"
	"github.com/keelgo/keel/params"
)

type Item struct {
	Name  string  `json:"name" description:"What it is called."`
	Price float64 `json:"price" validate:"gt=0"`
	Note  *string `json:"note"`
}

func ExampleBuild() {
	routes := []openapi.Route{{
		Method: "GET", Path: "/items/{item_id}", Name: "readItem",
		Params: []params.Field{
			{In: params.InPath, Name: "item_id", Type: reflect.TypeFor[int](), Required: true},
		},
		HasValidatedInputs: true, // a path parameter: the 422 response is documented
		Response:           reflect.TypeFor[Item](),
	}}
	doc, data, err := openapi.Build(openapi.Config{Title: "Shop", Version: "1.0.0"}, routes)
	if err != nil {
		panic(err)
	}
	op := doc.Paths.Value("/items/{item_id}").Get
	fmt.Println(op.Summary, "|", op.OperationID)
	fmt.Println(slices.Sorted(maps.Keys(doc.Components.Schemas)))

	var parsed struct {
		Components struct {
			Schemas map[string]json.RawMessage
		}
	}
	_ = json.Unmarshal(data, &parsed)
	fmt.Println(string(parsed.Components.Schemas["Item"]))
	// Output:
	// Read Item | read_item_items__item_id__get
	// [HTTPValidationError Item ValidationError]
	// {"properties":{"name":{"description":"What it is called.","title":"Name","type":"string"},"note":{"anyOf":[{"type":"string"},{"type":"null"}],"title":"Note"},"price":{"exclusiveMinimum":0,"title":"Price","type":"number"}},"required":["name","price"],"title":"Item","type":"object"}
}

func ExampleMount() {
	_, data, err := openapi.Build(openapi.Config{Title: "Shop"}, nil)
	if err != nil {
		panic(err)
	}
	cfg := openapi.DefaultConfig() // /openapi.json, /docs, /docs/oauth2-redirect, /redoc
	cfg.Title = "Shop"
	cfg.InitOAuth = map[string]any{"clientId": "shop-docs"}

	mux := http.NewServeMux()
	if err := openapi.Mount(mux, cfg, func() ([]byte, error) { return data, nil }); err != nil {
		panic(err)
	}
	for _, path := range []string{"/openapi.json", "/docs", "/docs/swagger-ui/swagger-ui-bundle.js", "/docs/oauth2-redirect", "/redoc"} {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		fmt.Println(path, rec.Code, rec.Header().Get("Content-Type"))
	}
	// Output:
	// /openapi.json 200 application/json
	// /docs 200 text/html; charset=utf-8
	// /docs/swagger-ui/swagger-ui-bundle.js 200 text/javascript; charset=utf-8
	// /docs/oauth2-redirect 200 text/html; charset=utf-8
	// /redoc 200 text/html; charset=utf-8
}
