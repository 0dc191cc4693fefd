package openapi

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/keelgo/keel/di"
	"github.com/keelgo/keel/params"
)

type scheme struct {
	name string
	s    *openapi3.SecurityScheme
}

func (s scheme) SchemeName() string                              { return s.name }
func (s scheme) Dependency() di.Dependency                       { return di.Dependency{} }
func (s scheme) OpenAPISecurityScheme() *openapi3.SecurityScheme { return s.s }

var passwordBearer = scheme{"OAuth2PasswordBearer", &openapi3.SecurityScheme{
	Type: "oauth2",
	Flows: &openapi3.OAuthFlows{Password: &openapi3.OAuthFlow{
		TokenURL: "token",
		Scopes:   map[string]string{"me": "Read information about the current user.", "items": "Read items."},
	}},
}}

type Item struct {
	Name  string  `json:"name"`
	Price float64 `json:"price"`
}

type Token struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
}

func num(text string, v float64) *params.Number { return &params.Number{Text: text, Value: v} }
func intp(n int) *int                           { return &n }

func TestMinimalDocument(t *testing.T) {
	// docs/fastapi-compat.md §6.1
	_, data := build(t, Config{Title: "FastAPI", Version: "0.1.0"}, nil)
	jsonEqual(t, "doc", data, `{"openapi":"3.1.0","info":{"title":"FastAPI","version":"0.1.0"},"paths":{}}`)
	_, data = build(t, Config{}, []Route{{Method: "GET", Path: "/hidden", Name: "h", Hidden: true, Security: []Requirement{{Scheme: passwordBearer}}}})
	jsonEqual(t, "defaults, hidden route", data, `{"openapi":"3.1.0","info":{"title":"Keel","version":"0.1.0"},"paths":{}}`)
}

func TestTopLevel(t *testing.T) {
	cfg := Config{
		Title: "Shop", Version: "2.0", Summary: "A shop.", Description: "Sells things.",
		TermsOfService: "https://example.com/terms",
		Contact:        &openapi3.Contact{Name: "Ann", Email: "ann@example.com"},
		License:        &openapi3.License{Name: "MIT", Identifier: "MIT"},
		Servers:        []*openapi3.Server{{URL: "https://api.example.com"}},
		RootPath:       "/api/v1",
		Tags:           openapi3.Tags{{Name: "items", Description: "Items."}},
		ExternalDocs:   &openapi3.ExternalDocs{URL: "https://example.com/docs"},
	}
	_, data := build(t, cfg, nil)
	jsonEqual(t, "doc", data, `{"openapi":"3.1.0",
		"info":{"title":"Shop","version":"2.0","summary":"A shop.","description":"Sells things.",
			"termsOfService":"https://example.com/terms","contact":{"name":"Ann","email":"ann@example.com"},
			"license":{"name":"MIT","identifier":"MIT"}},
		"servers":[{"url":"/api/v1"},{"url":"https://api.example.com"}],
		"paths":{},
		"tags":[{"name":"items","description":"Items."}],
		"externalDocs":{"url":"https://example.com/docs"}}`)

	// The root path is not repeated when listed.
	cfg = Config{RootPath: "/api/v1", Servers: []*openapi3.Server{{URL: "https://x"}, {URL: "/api/v1"}}}
	_, data = build(t, cfg, nil)
	jsonEqual(t, "servers", pick(t, data, "servers"), `[{"url":"https://x"},{"url":"/api/v1"}]`)
}

func TestOperation(t *testing.T) {
	// docs/fastapi-compat.md §6.2
	tests := []struct {
		name  string
		route Route
		want  string
	}{
		{"derived", Route{Method: "GET", Path: "/items/", Name: "readItems"},
			`{"summary":"Read Items","operationId":"read_items_items__get",
			"responses":{"200":{"description":"Successful Response","content":{"application/json":{"schema":{}}}}}}`},
		{"options", Route{Method: "post", Path: "/items/{item_id}", Name: "updateItem",
			Summary: "Change it", Description: "Changes an item.\n\fInternal notes.", OperationID: "change",
			Tags: []string{"items", "admin"}, Deprecated: true, Status: 202, ResponseDescription: "Accepted it",
			Params: []params.Field{{In: params.InPath, Name: "item_id", Type: reflect.TypeFor[int](), Required: true}}},
			`{"summary":"Change it","description":"Changes an item.","operationId":"change","tags":["items","admin"],"deprecated":true,
			"parameters":[{"name":"item_id","in":"path","required":true,"schema":{"type":"integer","title":"Item Id"}}],
			"responses":{"202":{"description":"Accepted it","content":{"application/json":{"schema":{}}}}}}`},
		{"no name", Route{Method: "GET", Path: "/x"},
			`{"summary":"Get X","operationId":"x_get","responses":{"200":{"description":"Successful Response","content":{"application/json":{"schema":{}}}}}}`},
		{"no name, longer path", Route{Method: "put", Path: "/users/me/items/"},
			`{"summary":"Put Users Me Items","operationId":"users_me_items__put","responses":{"200":{"description":"Successful Response","content":{"application/json":{"schema":{}}}}}}`},
		{"no name, root", Route{Method: "GET", Path: "/"},
			`{"summary":"Get","operationId":"get","responses":{"200":{"description":"Successful Response","content":{"application/json":{"schema":{}}}}}}`},
	}
	for _, tt := range tests {
		_, data := build(t, Config{}, []Route{tt.route})
		jsonEqual(t, tt.name, pick(t, data, "paths", tt.route.Path, strings.ToLower(tt.route.Method)), tt.want)
	}
}

func TestDuplicates(t *testing.T) {
	_, _, err := Build(Config{}, []Route{
		{Method: "GET", Path: "/a", Name: "one", OperationID: "same"},
		{Method: "POST", Path: "/b", Name: "two", OperationID: "same"},
	})
	if err == nil || !strings.Contains(err.Error(), `operationId "same" of POST /b is already used by GET /a`) {
		t.Errorf("duplicate operationId: %v", err)
	}
	_, _, err = Build(Config{}, []Route{
		{Method: "GET", Path: "/items-x", Name: "read"},
		{Method: "GET", Path: "/items_x", Name: "read"},
	})
	if err == nil || !strings.Contains(err.Error(), `"read_items_x_get"`) {
		t.Errorf("duplicate derived operationId: %v", err)
	}
	_, _, err = Build(Config{}, []Route{
		{Method: "GET", Path: "/a", Name: "one"},
		{Method: "GET", Path: "/a", Name: "two"},
	})
	if err == nil || !strings.Contains(err.Error(), "GET /a is documented twice") {
		t.Errorf("duplicate route: %v", err)
	}
	// Hidden routes take no operationId.
	if _, _, err = Build(Config{}, []Route{
		{Method: "GET", Path: "/a", Name: "one", OperationID: "x", Hidden: true},
		{Method: "GET", Path: "/b", Name: "two", OperationID: "x"},
	}); err != nil {
		t.Errorf("hidden route: %v", err)
	}
}

func TestParameters(t *testing.T) {
	// docs/fastapi-compat.md §4.6
	str := reflect.TypeFor[string]()
	strp := reflect.TypeFor[*string]()
	tests := []struct {
		name  string
		field params.Field
		want  string
	}{
		{"required query", params.Field{In: params.InQuery, Name: "q", Type: str, Required: true},
			`{"name":"q","in":"query","required":true,"schema":{"type":"string","title":"Q"}}`},
		{"optional cookie", params.Field{In: params.InCookie, Name: "ads_id", Type: strp},
			`{"name":"ads_id","in":"cookie","required":false,"schema":{"anyOf":[{"type":"string"},{"type":"null"}],"title":"Ads Id"}}`},
		{"header title", params.Field{In: params.InHeader, Name: "user-agent", Type: strp},
			`{"name":"user-agent","in":"header","required":false,"schema":{"anyOf":[{"type":"string"},{"type":"null"}],"title":"User-Agent"}}`},
		{"alias title", params.Field{In: params.InHeader, Name: "X-Custom_Name", Type: str, Required: true},
			`{"name":"X-Custom_Name","in":"header","required":true,"schema":{"type":"string","title":"X-Custom Name"}}`},
		{"default", params.Field{In: params.InQuery, Name: "z", Type: reflect.TypeFor[int](), Default: 0},
			`{"name":"z","in":"query","required":false,"schema":{"type":"integer","default":0,"title":"Z"}}`},
		{"tutorial010", params.Field{In: params.InQuery, Name: "item-query", Type: strp,
			Title: "Query string", Description: "Query string for the items to search in the database that have a good match",
			Deprecated:  true,
			Constraints: params.Constraints{MinLength: intp(3), MaxLength: intp(50), Pattern: "^fixedquery$"}},
			`{"name":"item-query","in":"query","required":false,
			"description":"Query string for the items to search in the database that have a good match","deprecated":true,
			"schema":{"anyOf":[{"type":"string","minLength":3,"maxLength":50,"pattern":"^fixedquery$"},{"type":"null"}],
				"title":"Query string","description":"Query string for the items to search in the database that have a good match","deprecated":true}}`},
		{"numbers", params.Field{In: params.InPath, Name: "item_id", Type: reflect.TypeFor[int](), Required: true,
			Constraints: params.Constraints{Ge: num("0", 0), Le: num("1000", 1000)}},
			`{"name":"item_id","in":"path","required":true,"schema":{"type":"integer","minimum":0,"maximum":1000,"title":"Item Id"}}`},
		{"float", params.Field{In: params.InQuery, Name: "size", Type: reflect.TypeFor[float64](), Required: true,
			Constraints: params.Constraints{Gt: num("0", 0), Lt: num("10.5", 10.5), MultipleOf: num("0.5", 0.5)}},
			`{"name":"size","in":"query","required":true,"schema":{"type":"number","exclusiveMinimum":0,"exclusiveMaximum":10.5,"multipleOf":0.5,"title":"Size"}}`},
		{"unsigned with gt", params.Field{In: params.InQuery, Name: "n", Type: reflect.TypeFor[uint](), Required: true,
			Constraints: params.Constraints{Gt: num("0", 0)}},
			`{"name":"n","in":"query","required":true,"schema":{"type":"integer","exclusiveMinimum":0,"title":"N"}}`},
		{"list", params.Field{In: params.InQuery, Name: "q", Type: reflect.TypeFor[[]string](), Default: []string{"foo", "bar"},
			Constraints: params.Constraints{MinLength: intp(1), Enum: []string{"foo", "bar", "baz"}}},
			`{"name":"q","in":"query","required":false,"schema":{"type":"array","items":{"type":"string","enum":["foo","bar","baz"]},"minItems":1,"default":["foo","bar"],"title":"Q"}}`},
		{"int enum, examples", params.Field{In: params.InQuery, Name: "level", Type: reflect.TypeFor[int](), Required: true,
			Examples: []any{1}, Constraints: params.Constraints{Enum: []string{"1", "2"}}},
			`{"name":"level","in":"query","required":true,"schema":{"type":"integer","enum":[1,2],"examples":[1],"title":"Level"}}`},
		{"format", params.Field{In: params.InQuery, Name: "mail", Type: str, Required: true, Format: "email"},
			`{"name":"mail","in":"query","required":true,"schema":{"type":"string","format":"email","title":"Mail"}}`},
		{"enum type: bare $ref", params.Field{In: params.InPath, Name: "color", Type: reflect.TypeFor[Color](), Required: true},
			`{"name":"color","in":"path","required":true,"schema":{"$ref":"#/components/schemas/Color"}}`},
		{"optional enum type", params.Field{In: params.InQuery, Name: "color", Type: reflect.TypeFor[*Color]()},
			`{"name":"color","in":"query","required":false,"schema":{"anyOf":[{"$ref":"#/components/schemas/Color"},{"type":"null"}],"title":"Color"}}`},
		{"enum with default", params.Field{In: params.InQuery, Name: "color", Type: reflect.TypeFor[Color](), Default: Color("red")},
			`{"name":"color","in":"query","required":false,"schema":{"$ref":"#/components/schemas/Color","default":"red"}}`},
	}
	for _, tt := range tests {
		path := "/p"
		if tt.field.In == params.InPath {
			path = "/p/{" + tt.field.Name + "}"
		}
		_, data := build(t, Config{}, []Route{{Method: "GET", Path: path, Name: "p", Params: []params.Field{tt.field}}})
		jsonEqual(t, tt.name, pick(t, data, "paths", path, "get", "parameters"), "["+tt.want+"]")
	}

	// Hidden fields are left out; order is kept as given.
	_, data := build(t, Config{}, []Route{{Method: "GET", Path: "/p", Name: "p", HasValidatedInputs: true, Params: []params.Field{
		{In: params.InQuery, Name: "b", Type: str, Required: true},
		{In: params.InQuery, Name: "secret", Type: str, Hidden: true},
		{In: params.InHeader, Name: "a", Type: str, Required: true},
	}}})
	jsonEqual(t, "order", pick(t, data, "paths", "/p", "get", "parameters"), `[
		{"name":"b","in":"query","required":true,"schema":{"type":"string","title":"B"}},
		{"name":"a","in":"header","required":true,"schema":{"type":"string","title":"A"}}]`)
}

// oauth2Form is security.OAuth2PasswordRequestForm as the params package
// describes it (docs/fastapi-compat.md §1.3).
func oauth2Form(strict bool) []params.Field {
	str := reflect.TypeFor[string]()
	strp := reflect.TypeFor[*string]()
	grant := params.Field{In: params.InForm, Name: "grant_type", Type: strp, Constraints: params.Constraints{Pattern: "^password$"}}
	pwFormat := "password"
	if strict {
		grant.Type, grant.Required = str, true
		pwFormat = ""
	}
	return []params.Field{
		grant,
		{In: params.InForm, Name: "username", Type: str, Required: true},
		{In: params.InForm, Name: "password", Type: str, Required: true, Format: pwFormat},
		{In: params.InForm, Name: "scope", Type: str, Default: ""},
		{In: params.InForm, Name: "client_id", Type: strp},
		{In: params.InForm, Name: "client_secret", Type: strp, Format: pwFormat},
	}
}

func TestOAuth2PasswordForm(t *testing.T) {
	route := func(strict bool) Route {
		return Route{Method: "POST", Path: "/token", Name: "loginForAccessToken",
			Body: &Body{Required: true, Fields: oauth2Form(strict)}, HasValidatedInputs: true,
			Response: reflect.TypeFor[Token]()}
	}
	_, data := build(t, Config{}, []Route{route(false)})
	op := pick(t, data, "paths", "/token", "post")
	jsonEqual(t, "requestBody", pick(t, op, "requestBody"),
		`{"content":{"application/x-www-form-urlencoded":{"schema":{"$ref":"#/components/schemas/Body_login_for_access_token_token_post"}}},"required":true}`)
	jsonEqual(t, "component", pick(t, data, "components", "schemas", "Body_login_for_access_token_token_post"), `{
		"properties":{
			"grant_type":{"anyOf":[{"type":"string","pattern":"^password$"},{"type":"null"}],"title":"Grant Type"},
			"username":{"type":"string","title":"Username"},
			"password":{"type":"string","format":"password","title":"Password"},
			"scope":{"type":"string","title":"Scope","default":""},
			"client_id":{"anyOf":[{"type":"string"},{"type":"null"}],"title":"Client Id"},
			"client_secret":{"anyOf":[{"type":"string"},{"type":"null"}],"format":"password","title":"Client Secret"}},
		"type":"object","required":["username","password"],"title":"Body_login_for_access_token_token_post"}`)

	_, data = build(t, Config{}, []Route{route(true)})
	jsonEqual(t, "strict component", pick(t, data, "components", "schemas", "Body_login_for_access_token_token_post"), `{
		"properties":{
			"grant_type":{"type":"string","pattern":"^password$","title":"Grant Type"},
			"username":{"type":"string","title":"Username"},
			"password":{"type":"string","title":"Password"},
			"scope":{"type":"string","title":"Scope","default":""},
			"client_id":{"anyOf":[{"type":"string"},{"type":"null"}],"title":"Client Id"},
			"client_secret":{"anyOf":[{"type":"string"},{"type":"null"}],"title":"Client Secret"}},
		"type":"object","required":["grant_type","username","password"],"title":"Body_login_for_access_token_token_post"}`)
}

func TestBodies(t *testing.T) {
	fileT := reflect.TypeFor[*struct{ Name string }]() // any type: In decides
	tests := []struct {
		name   string
		method string
		body   Body
		want   string // requestBody
		comps  string // components.schemas without the 422 ones, "" = none
	}{
		{"model", "POST", Body{Required: true, Type: reflect.TypeFor[Item]()},
			`{"content":{"application/json":{"schema":{"$ref":"#/components/schemas/Item"}}},"required":true}`,
			`{"Item":{"type":"object","title":"Item","required":["name","price"],"properties":{"name":{"type":"string","title":"Name"},"price":{"type":"number","title":"Price"}}}}`},
		{"optional model", "PUT", Body{Type: reflect.TypeFor[*Item](), Name: "item"},
			`{"content":{"application/json":{"schema":{"anyOf":[{"$ref":"#/components/schemas/Item"},{"type":"null"}],"title":"Item"}}}}`, ""},
		{"list", "POST", Body{Required: true, Type: reflect.TypeFor[[]int](), Name: "ids"},
			`{"content":{"application/json":{"schema":{"type":"array","items":{"type":"integer"},"title":"Ids"}}},"required":true}`, ""},
		{"media type", "PATCH", Body{Required: true, Type: reflect.TypeFor[Item](), MediaType: "application/merge-patch+json"},
			`{"content":{"application/merge-patch+json":{"schema":{"$ref":"#/components/schemas/Item"}}},"required":true}`, ""},
		{"embedded", "POST", Body{Required: true, Fields: []params.Field{
			{In: params.InBody, Name: "item", Type: reflect.TypeFor[Item](), Required: true},
			{In: params.InBody, Name: "importance", Type: reflect.TypeFor[int](), Required: true, Constraints: params.Constraints{Gt: num("0", 0)}},
			{In: params.InBody, Name: "note", Type: reflect.TypeFor[*string]()},
		}},
			`{"content":{"application/json":{"schema":{"$ref":"#/components/schemas/Body_b_b_post"}}},"required":true}`,
			`{"Body_b_b_post":{"type":"object","title":"Body_b_b_post","required":["item","importance"],"properties":{
				"item":{"$ref":"#/components/schemas/Item"},
				"importance":{"type":"integer","exclusiveMinimum":0,"title":"Importance"},
				"note":{"anyOf":[{"type":"string"},{"type":"null"}],"title":"Note"}}},
			"Item":{"type":"object","title":"Item","required":["name","price"],"properties":{"name":{"type":"string","title":"Name"},"price":{"type":"number","title":"Price"}}}}`},
		{"multipart", "POST", Body{Required: true, Fields: []params.Field{
			{In: params.InFile, Name: "file", Type: fileT, Required: true, Description: "A file."},
			{In: params.InFile, Name: "more", Type: reflect.TypeFor[[]*struct{}](), Constraints: params.Constraints{MaxLength: intp(3)}},
			{In: params.InFile, Name: "raw", Type: reflect.TypeFor[[]byte](), Required: true},
			{In: params.InFile, Name: "opt", Type: fileT},
			{In: params.InForm, Name: "token", Type: reflect.TypeFor[string](), Required: true},
			{In: params.InForm, Name: "hidden", Type: reflect.TypeFor[string](), Hidden: true},
		}},
			`{"content":{"multipart/form-data":{"schema":{"$ref":"#/components/schemas/Body_b_b_post"}}},"required":true}`,
			`{"Body_b_b_post":{"type":"object","title":"Body_b_b_post","required":["file","raw","token"],"properties":{
				"file":{"type":"string","format":"binary","title":"File","description":"A file."},
				"more":{"anyOf":[{"type":"array","items":{"type":"string","format":"binary"},"maxItems":3},{"type":"null"}],"title":"More"},
				"raw":{"type":"string","format":"binary","title":"Raw"},
				"opt":{"anyOf":[{"type":"string","format":"binary"},{"type":"null"}],"title":"Opt"},
				"token":{"type":"string","title":"Token"}}}}`},
	}
	for _, tt := range tests {
		body := tt.body
		_, data := build(t, Config{}, []Route{{Method: tt.method, Path: "/b", Name: "b", Body: &body, HasValidatedInputs: true}})
		jsonEqual(t, tt.name, pick(t, data, "paths", "/b", strings.ToLower(tt.method), "requestBody"), tt.want)
		if tt.comps != "" {
			got := pick(t, data, "components", "schemas")
			jsonEqual(t, tt.name+" components", withoutValidation(t, got), tt.comps)
		}
	}

	// OPTIONS and TRACE document no body (docs/fastapi-compat.md §6.2).
	_, data := build(t, Config{}, []Route{{Method: "OPTIONS", Path: "/b", Name: "b", Body: &Body{Type: reflect.TypeFor[Item]()}}})
	jsonEqual(t, "options", pick(t, data, "paths", "/b", "options"),
		`{"summary":"B","operationId":"b_b_options","responses":{"200":{"description":"Successful Response","content":{"application/json":{"schema":{}}}}}}`)
}

func withoutValidation(t *testing.T, schemas []byte) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(schemas, &m); err != nil {
		t.Fatal(err)
	}
	delete(m, "ValidationError")
	delete(m, "HTTPValidationError")
	return mustJSON(t, m)
}

const validationComponents = `{
	"ValidationError": {
		"title": "ValidationError", "type": "object",
		"properties": {
			"loc":   {"title": "Location", "type": "array",
			          "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}},
			"msg":   {"title": "Message", "type": "string"},
			"type":  {"title": "Error Type", "type": "string"},
			"input": {"title": "Input"},
			"ctx":   {"title": "Context", "type": "object"}
		},
		"required": ["loc", "msg", "type"]
	},
	"HTTPValidationError": {
		"title": "HTTPValidationError", "type": "object",
		"properties": {
			"detail": {"title": "Detail", "type": "array",
			           "items": {"$ref": "#/components/schemas/ValidationError"}}
		}
	}}`

const response422 = `{"description": "Validation Error",
	"content": {"application/json": {"schema": {"$ref": "#/components/schemas/HTTPValidationError"}}}}`

func TestResponses(t *testing.T) {
	// docs/fastapi-compat.md §6.3
	ok := `{"description":"Successful Response","content":{"application/json":{"schema":{}}}}`
	tests := []struct {
		name  string
		route Route
		want  string
	}{
		{"model", Route{Response: reflect.TypeFor[Item]()},
			`{"200":{"description":"Successful Response","content":{"application/json":{"schema":{"$ref":"#/components/schemas/Item"}}}}}`},
		{"inline", Route{Response: reflect.TypeFor[[]Item]()},
			`{"200":{"description":"Successful Response","content":{"application/json":{"schema":{"type":"array","items":{"$ref":"#/components/schemas/Item"},"title":"Response Read Items Items  Get"}}}}}`},
		{"created", Route{Status: 201, Response: reflect.TypeFor[Item]()},
			`{"201":{"description":"Successful Response","content":{"application/json":{"schema":{"$ref":"#/components/schemas/Item"}}}}}`},
		{"204", Route{Status: 204}, `{"204":{"description":"Successful Response"}}`},
		{"304", Route{Status: 304, Response: reflect.TypeFor[Item]()}, `{"304":{"description":"Successful Response"}}`},
		{"102", Route{Status: 102}, `{"102":{"description":"Successful Response"}}`},
		{"205", Route{Status: 205}, `{"205":{"description":"Successful Response"}}`},
		{"422 with inputs", Route{HasValidatedInputs: true}, `{"200":` + ok + `,"422":` + response422 + `}`},
		{"extras", Route{Responses: map[string]ResponseDoc{
			"404":     {Type: reflect.TypeFor[Token]()},
			"4xx":     {},
			"default": {},
			"DEFAULT": {Description: "Oops"},
			"418":     {Description: ""},
			"599":     {},
			"302":     {Description: "Moved", MediaType: "text/plain", Type: reflect.TypeFor[string]()},
		}, HasValidatedInputs: true},
			`{"200":` + ok + `,
			"404":{"description":"Not Found","content":{"application/json":{"schema":{"$ref":"#/components/schemas/Token"}}}},
			"4XX":{"description":"Client Error"},
			"default":{"description":"Default Response"},
			"418":{"description":"I'm a Teapot"},
			"599":{"description":"Additional Response"},
			"302":{"description":"Moved","content":{"text/plain":{"schema":{"type":"string"}}}}}`},
		{"extra on the success status", Route{Response: reflect.TypeFor[Item](), Responses: map[string]ResponseDoc{"200": {}}},
			`{"200":{"description":"OK","content":{"application/json":{"schema":{"$ref":"#/components/schemas/Item"}}}}}`},
		{"extra model on the success status", Route{Responses: map[string]ResponseDoc{"200": {Description: "The item", Type: reflect.TypeFor[Item]()}}},
			`{"200":{"description":"The item","content":{"application/json":{"schema":{"$ref":"#/components/schemas/Item"}}}}}`},
		{"declared 422", Route{HasValidatedInputs: true, Responses: map[string]ResponseDoc{"422": {Description: "Bad"}}},
			`{"200":` + ok + `,"422":{"description":"Bad"}}`},
	}
	for _, tt := range tests {
		r := tt.route
		r.Method, r.Path, r.Name = "GET", "/items/", "readItems"
		_, data := build(t, Config{}, []Route{r})
		jsonEqual(t, tt.name, pick(t, data, "paths", "/items/", "get", "responses"), tt.want)
	}

	// The 422 components are exactly docs/fastapi-compat.md §5.3, and only present when used.
	_, data := build(t, Config{}, []Route{{Method: "GET", Path: "/a", Name: "a", HasValidatedInputs: true}, {Method: "GET", Path: "/b", Name: "b", HasValidatedInputs: true}})
	jsonEqual(t, "validation components", pick(t, data, "components", "schemas"), validationComponents)
	_, data = build(t, Config{}, []Route{{Method: "GET", Path: "/a", Name: "a", HasValidatedInputs: true, Responses: map[string]ResponseDoc{"4XX": {}}}})
	if strings.Contains(string(data), "ValidationError") {
		t.Errorf("4XX declared, yet: %s", data)
	}
}

func TestSecurity(t *testing.T) {
	// docs/fastapi-compat.md §2.3, §1.2
	bearer := scheme{"HTTPBearer", &openapi3.SecurityScheme{Type: "http", Scheme: "bearer"}}
	noScopes := scheme{"OAuth2PasswordBearer", &openapi3.SecurityScheme{Type: "oauth2",
		Flows: &openapi3.OAuthFlows{Password: &openapi3.OAuthFlow{TokenURL: "token"}}}}
	routes := []Route{
		{Method: "GET", Path: "/users/me/items/", Name: "readOwnItems",
			Security: []Requirement{{Scheme: passwordBearer, Scopes: []string{"items", "me"}}}},
		{Method: "GET", Path: "/status/", Name: "readSystemStatus",
			Security: []Requirement{{Scheme: passwordBearer}, {Scheme: bearer, Scopes: []string{"x"}}}},
	}
	_, data := build(t, Config{}, routes)
	jsonEqual(t, "items", pick(t, data, "paths", "/users/me/items/", "get", "security"), `[{"OAuth2PasswordBearer":["items","me"]}]`)
	jsonEqual(t, "status", pick(t, data, "paths", "/status/", "get", "security"), `[{"OAuth2PasswordBearer":[]},{"HTTPBearer":["x"]}]`)
	jsonEqual(t, "schemes", pick(t, data, "components", "securitySchemes"), `{
		"OAuth2PasswordBearer":{"type":"oauth2","flows":{"password":{"scopes":{"me":"Read information about the current user.","items":"Read items."},"tokenUrl":"token"}}},
		"HTTPBearer":{"type":"http","scheme":"bearer"}}`)
	if strings.Contains(string(data), `"schemas"`) {
		t.Errorf("security-only operations need no schemas: %s", data)
	}

	// Scopes are always written, even when the scheme gives none; the
	// scheme's own object is left alone. The last writer wins (docs/fastapi-compat.md §1.5).
	_, data = build(t, Config{}, []Route{
		{Method: "GET", Path: "/a", Name: "a", Security: []Requirement{{Scheme: passwordBearer}}},
		{Method: "GET", Path: "/b", Name: "b", Security: []Requirement{{Scheme: noScopes}}},
	})
	jsonEqual(t, "scopes", pick(t, data, "components", "securitySchemes"),
		`{"OAuth2PasswordBearer":{"type":"oauth2","flows":{"password":{"scopes":{},"tokenUrl":"token"}}}}`)
	if noScopes.s.Flows.Password.Scopes != nil {
		t.Error("the scheme's flow was changed")
	}
}
