package openapi

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/keelgo/keel/params"
)

var update = flag.Bool("update", false, "rewrite testdata/*.json from the current output")

type User struct {
	Username string  `json:"username"`
	Email    *string `json:"email"`
	FullName *string `json:"full_name"`
	Disabled *bool   `json:"disabled"`
}

type Product struct {
	ID        int               `json:"id" validate:"gte=1"`
	Name      string            `json:"name" validate:"min=1,max=100" description:"Display name."`
	Price     float64           `json:"price" validate:"gt=0"`
	Tags      []string          `json:"tags"`
	Color     *Color            `json:"color"`
	Attrs     map[string]string `json:"attrs,omitempty"`
	CreatedAt time.Time         `json:"created_at"`
	Related   []Product         `json:"related,omitempty"`
}

// goldenRoutes is a small app in the style of FastAPI's security tutorial
// (tutorial005) plus one route per other feature.
func goldenRoutes() []Route {
	str := reflect.TypeFor[string]()
	strp := reflect.TypeFor[*string]()
	intT := reflect.TypeFor[int]()
	apiKey := scheme{"APIKeyHeader", &openapi3.SecurityScheme{Type: "apiKey", In: "header", Name: "X-Key"}}
	return []Route{
		{Method: "POST", Path: "/token", Name: "loginForAccessToken", Response: reflect.TypeFor[Token](),
			Body: &Body{Required: true, Fields: oauth2Form(false)}, HasValidatedInputs: true},
		{Method: "GET", Path: "/users/me/", Name: "readUsersMe", Response: reflect.TypeFor[User](),
			Security: []Requirement{{Scheme: passwordBearer, Scopes: []string{"me"}}}},
		{Method: "GET", Path: "/users/me/items/", Name: "readOwnItems",
			Security: []Requirement{{Scheme: passwordBearer, Scopes: []string{"items", "me"}}}},
		{Method: "GET", Path: "/status/", Name: "readSystemStatus",
			Security: []Requirement{{Scheme: passwordBearer, Scopes: []string{}}}},
		{Method: "GET", Path: "/products/", Name: "listProducts", Tags: []string{"products"},
			Description: "Lists products.\n\f\nInternal.",
			Response:    reflect.TypeFor[Paged[Product]](), HasValidatedInputs: true,
			Params: []params.Field{
				{In: params.InQuery, Name: "q", Type: strp, Description: "Search text.",
					Constraints: params.Constraints{MinLength: intp(3), MaxLength: intp(50)}},
				{In: params.InQuery, Name: "skip", Type: intT, Default: 0, Constraints: params.Constraints{Ge: num("0", 0)}},
				{In: params.InQuery, Name: "limit", Type: intT, Default: 100, Constraints: params.Constraints{Gt: num("0", 0), Le: num("1000", 1000)}},
				{In: params.InQuery, Name: "tag", Type: reflect.TypeFor[[]string]()},
				{In: params.InHeader, Name: "x-token", Type: str, Required: true},
				{In: params.InCookie, Name: "session_id", Type: strp, Deprecated: true},
			},
			Responses: map[string]ResponseDoc{"404": {Description: "No such page"}}},
		{Method: "PUT", Path: "/products/{product_id}", Name: "updateProduct", Tags: []string{"products"},
			Response: reflect.TypeFor[Product](), HasValidatedInputs: true,
			Params: []params.Field{{In: params.InPath, Name: "product_id", Type: intT, Required: true,
				Constraints: params.Constraints{Ge: num("1", 1)}}},
			Body:     &Body{Required: true, Type: reflect.TypeFor[Product](), Name: "product"},
			Security: []Requirement{{Scheme: apiKey}}},
		{Method: "DELETE", Path: "/products/{product_id}", Name: "deleteProduct", Tags: []string{"products"},
			Status: 204, Deprecated: true, HasValidatedInputs: true,
			Params:   []params.Field{{In: params.InPath, Name: "product_id", Type: intT, Required: true}},
			Security: []Requirement{{Scheme: apiKey}}},
		{Method: "GET", Path: "/colors/{color}", Name: "readColor", Summary: "One color", OperationID: "color",
			Response: reflect.TypeFor[Color](), HasValidatedInputs: true,
			Params: []params.Field{{In: params.InPath, Name: "color", Type: reflect.TypeFor[Color](), Required: true}}},
		{Method: "POST", Path: "/files/", Name: "uploadFiles", Status: 201, HasValidatedInputs: true,
			Response: reflect.TypeFor[map[string]int](),
			Body: &Body{Required: true, Fields: []params.Field{
				{In: params.InFile, Name: "files", Type: reflect.TypeFor[[]*struct{}](), Required: true},
				{In: params.InForm, Name: "note", Type: strp},
			}}},
		{Method: "GET", Path: "/internal", Name: "internal", Hidden: true,
			Security: []Requirement{{Scheme: scheme{"Hidden", &openapi3.SecurityScheme{Type: "http", Scheme: "basic"}}}}},
	}
}

func TestGolden(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Title, cfg.Version = "Keel tutorial", "1.0.0"
	cfg.Tags = openapi3.Tags{{Name: "products", Description: "Things to sell."}}
	_, data := build(t, cfg, goldenRoutes())
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, data, "", "  "); err != nil {
		t.Fatal(err)
	}
	pretty.WriteByte('\n')
	path := filepath.Join("testdata", "app.json")
	if *update {
		if err := os.WriteFile(path, pretty.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run TestGolden -update ./openapi/)", err)
	}
	if !bytes.Equal(pretty.Bytes(), want) {
		t.Errorf("document differs from %s (run with -update if intended):\n%s", path, pretty.Bytes())
	}
}
