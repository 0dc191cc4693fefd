package openapi

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
)

// schemaOf documents t alone: the schema where it is used, and the
// components it needs.
func schemaOf(t *testing.T, typ reflect.Type) (use, comps []byte) {
	t.Helper()
	g := newSchemas()
	s, err := g.of(typ)
	if err != nil {
		t.Fatalf("of(%v): %v", typ, err)
	}
	g.assignNames()
	c := g.components()
	if c == nil {
		c = openapi3.Schemas{}
	}
	return mustJSON(t, s), mustJSON(t, c)
}

type Color string

func (Color) Enum() []any { return []any{"red", "green", "blue"} }

type Level int

func (*Level) Enum() []any { return []any{1, 2, 3} }

type Point struct{ X, Y float64 }

func (Point) OpenAPISchema() *openapi3.Schema {
	return &openapi3.Schema{Type: &openapi3.Types{"array"}, Items: openapi3.NewSchemaRef("", openapi3.NewFloat64Schema())}
}

type Plain struct {
	Name string `json:"name"`
}

type Node struct {
	Value    int     `json:"value"`
	Children []Node  `json:"children"`
	Parent   *Node   `json:"parent"`
	Color    Color   `json:"color"`
	Shade    *Color  `json:"shade"`
	Level    Level   `json:"level"`
	At       Point   `json:"at"`
	Note     *string `json:"note,omitempty"`
}

type Base struct {
	ID      int    `json:"id"`
	Created string `json:"created"`
	Shadow  string `json:"name"`
}

type Extra struct {
	Flag bool `json:"flag"`
}

type Derived struct {
	Base
	*Extra
	Name     string `json:"name"`
	Skip     string `json:"-"`
	Count    int    `json:"count,string"`
	Maybe    int    `json:"maybe,omitempty"`
	Untagged float32
	Secret   string `json:"secret" hidden:"true"`
	//lint:ignore U1000 unexported fields are skipped
	hidden int
}

type Paged[T any] struct {
	Items []T `json:"items"`
	Total int `json:"total"`
}

type Cookie struct {
	Flavor string `json:"flavor"`
}

type Tagged struct {
	Full     string   `json:"full_name" title:"Name shown" description:"The full name." example:"Ann"`
	Age      int      `json:"age" validate:"gte=0,lt=150" default:"18" example:"30"`
	Price    float64  `json:"price" validate:"gt=0,max=1000.5"`
	Code     string   `json:"code" validate:"required,min=2,max=8" pattern:"^[A-Z]+$"`
	Email    *string  `json:"email" validate:"omitempty,email"`
	Kind     string   `json:"kind" validate:"oneof=a b c"`
	Size     int      `json:"size" validate:"oneof=1 2 3"`
	Tags     []string `json:"tags" validate:"min=1,max=3,dive,min=1"`
	ID       string   `json:"id" validate:"uuid4"`
	Home     string   `json:"home" validate:"url" format:"uri-reference"`
	Old      bool     `json:"old" deprecated:"true"`
	Secret   string   `json:"secret" format:"password"`
	Parent   Plain    `json:"parent" description:"The parent."`
	Exact    []int    `json:"exact" validate:"len=2"`
	Required *int     `json:"required" validate:"required"`
}

func TestSchemaBasicTypes(t *testing.T) {
	tests := []struct {
		typ  reflect.Type
		want string
	}{
		{reflect.TypeFor[string](), `{"type":"string"}`},
		{reflect.TypeFor[*string](), `{"type":"string"}`},
		{reflect.TypeFor[int](), `{"type":"integer"}`},
		{reflect.TypeFor[int64](), `{"type":"integer"}`},
		{reflect.TypeFor[uint8](), `{"type":"integer","minimum":0}`},
		{reflect.TypeFor[float32](), `{"type":"number"}`},
		{reflect.TypeFor[bool](), `{"type":"boolean"}`},
		{reflect.TypeFor[any](), `{}`},
		{reflect.TypeFor[json.RawMessage](), `{}`},
		{reflect.TypeFor[json.Number](), `{"type":"number"}`},
		{reflect.TypeFor[time.Time](), `{"type":"string","format":"date-time"}`},
		{reflect.TypeFor[time.Duration](), `{"type":"integer"}`},
		{reflect.TypeFor[[]byte](), `{"type":"string","contentEncoding":"base64"}`},
		{reflect.TypeFor[[]int](), `{"type":"array","items":{"type":"integer"}}`},
		{reflect.TypeFor[[2]string](), `{"type":"array","items":{"type":"string"},"minItems":2,"maxItems":2}`},
		{reflect.TypeFor[map[string]float64](), `{"type":"object","additionalProperties":{"type":"number"}}`},
		{reflect.TypeFor[map[int][]string](), `{"type":"object","additionalProperties":{"type":"array","items":{"type":"string"}}}`},
		{reflect.TypeFor[struct {
			A int `json:"a"`
		}](), `{"type":"object","properties":{"a":{"type":"integer","title":"A"}},"required":["a"]}`},
		{reflect.TypeFor[Point](), `{"type":"array","items":{"type":"number"}}`},
	}
	for _, tt := range tests {
		use, comps := schemaOf(t, tt.typ)
		jsonEqual(t, tt.typ.String(), use, tt.want)
		jsonEqual(t, tt.typ.String()+" components", comps, `{}`)
	}
}

func TestSchemaComponents(t *testing.T) {
	tests := []struct {
		name  string
		typ   reflect.Type
		use   string
		comps string
	}{
		{"enum", reflect.TypeFor[Color](), `{"$ref":"#/components/schemas/Color"}`,
			`{"Color":{"type":"string","enum":["red","green","blue"],"title":"Color"}}`},
		{"enum, pointer receiver", reflect.TypeFor[*Level](), `{"$ref":"#/components/schemas/Level"}`,
			`{"Level":{"type":"integer","enum":[1,2,3],"title":"Level"}}`},
		{"list of enum", reflect.TypeFor[[]Color](), `{"type":"array","items":{"$ref":"#/components/schemas/Color"}}`,
			`{"Color":{"type":"string","enum":["red","green","blue"],"title":"Color"}}`},
		{"recursive", reflect.TypeFor[Node](), `{"$ref":"#/components/schemas/Node"}`, `{
			"Color":{"type":"string","enum":["red","green","blue"],"title":"Color"},
			"Level":{"type":"integer","enum":[1,2,3],"title":"Level"},
			"Node":{"type":"object","title":"Node","required":["value","color","level","at"],"properties":{
				"value":{"type":"integer","title":"Value"},
				"children":{"type":"array","items":{"$ref":"#/components/schemas/Node"},"title":"Children"},
				"parent":{"anyOf":[{"$ref":"#/components/schemas/Node"},{"type":"null"}],"title":"Parent"},
				"color":{"$ref":"#/components/schemas/Color"},
				"shade":{"anyOf":[{"$ref":"#/components/schemas/Color"},{"type":"null"}],"title":"Shade"},
				"level":{"$ref":"#/components/schemas/Level"},
				"at":{"type":"array","items":{"type":"number"},"title":"At"},
				"note":{"anyOf":[{"type":"string"},{"type":"null"}],"title":"Note"}}}}`},
		{"embedded", reflect.TypeFor[Derived](), `{"$ref":"#/components/schemas/Derived"}`, `{
			"Derived":{"type":"object","title":"Derived","required":["id","created","flag","name","count","maybe","Untagged"],"properties":{
				"id":{"type":"integer","title":"Id"},
				"created":{"type":"string","title":"Created"},
				"flag":{"type":"boolean","title":"Flag"},
				"name":{"type":"string","title":"Name"},
				"count":{"type":"string","title":"Count"},
				"maybe":{"type":"integer","title":"Maybe"},
				"Untagged":{"type":"number","title":"Untagged"}}}}`},
		{"generic", reflect.TypeFor[Paged[Plain]](), `{"$ref":"#/components/schemas/Paged_Plain_"}`, `{
			"Paged_Plain_":{"type":"object","title":"Paged[Plain]","required":["total"],"properties":{
				"items":{"type":"array","items":{"$ref":"#/components/schemas/Plain"},"title":"Items"},
				"total":{"type":"integer","title":"Total"}}},
			"Plain":{"type":"object","title":"Plain","required":["name"],"properties":{"name":{"type":"string","title":"Name"}}}}`},
		{"generic of slice", reflect.TypeFor[Paged[[]int]](), `{"$ref":"#/components/schemas/Paged_List_int_"}`, `{
			"Paged_List_int_":{"type":"object","title":"Paged[[]int]","required":["total"],"properties":{
				"items":{"type":"array","items":{"type":"array","items":{"type":"integer"}},"title":"Items"},
				"total":{"type":"integer","title":"Total"}}}}`},
		{"tags", reflect.TypeFor[Tagged](), `{"$ref":"#/components/schemas/Tagged"}`, `{
			"Plain":{"type":"object","title":"Plain","required":["name"],"properties":{"name":{"type":"string","title":"Name"}}},
			"Tagged":{"type":"object","title":"Tagged",
			"required":["full_name","price","code","kind","size","id","home","old","secret","parent","required"],
			"properties":{
				"full_name":{"type":"string","title":"Name shown","description":"The full name.","examples":["Ann"]},
				"age":{"type":"integer","minimum":0,"exclusiveMaximum":150,"default":18,"examples":[30],"title":"Age"},
				"price":{"type":"number","exclusiveMinimum":0,"maximum":1000.5,"title":"Price"},
				"code":{"type":"string","minLength":2,"maxLength":8,"pattern":"^[A-Z]+$","title":"Code"},
				"email":{"anyOf":[{"type":"string","format":"email"},{"type":"null"}],"title":"Email"},
				"kind":{"type":"string","enum":["a","b","c"],"title":"Kind"},
				"size":{"type":"integer","enum":[1,2,3],"title":"Size"},
				"tags":{"type":"array","items":{"type":"string"},"minItems":1,"maxItems":3,"title":"Tags"},
				"id":{"type":"string","format":"uuid","title":"Id"},
				"home":{"type":"string","format":"uri-reference","title":"Home"},
				"old":{"type":"boolean","deprecated":true,"title":"Old"},
				"secret":{"type":"string","format":"password","title":"Secret"},
				"parent":{"$ref":"#/components/schemas/Plain","description":"The parent."},
				"exact":{"type":"array","items":{"type":"integer"},"minItems":2,"maxItems":2,"title":"Exact"},
				"required":{"anyOf":[{"type":"integer"},{"type":"null"}],"title":"Required"}}}}`},
	}
	for _, tt := range tests {
		use, comps := schemaOf(t, tt.typ)
		jsonEqual(t, tt.name, use, tt.use)
		jsonEqual(t, tt.name+" components", comps, tt.comps)
	}
}

// Two types named Cookie (net/http's and this package's) get qualified
// names, whatever the order they are met in.
func TestSchemaNameCollisions(t *testing.T) {
	type both struct {
		A Cookie      `json:"a"`
		B http.Cookie `json:"b"`
	}
	type reversed struct {
		B http.Cookie `json:"b"`
		A Cookie      `json:"a"`
	}
	for _, typ := range []reflect.Type{reflect.TypeFor[both](), reflect.TypeFor[reversed]()} {
		_, comps := schemaOf(t, typ)
		jsonEqual(t, "a", pick(t, comps, typ.Name(), "properties", "a"), `{"$ref":"#/components/schemas/openapi_Cookie"}`)
		jsonEqual(t, "b", pick(t, comps, typ.Name(), "properties", "b"), `{"$ref":"#/components/schemas/http_Cookie"}`)
		jsonEqual(t, "title", pick(t, comps, "http_Cookie", "title"), `"Cookie"`)
		jsonEqual(t, "title", pick(t, comps, "openapi_Cookie", "title"), `"Cookie"`)
	}

	// A type whose name a fixed component holds is qualified too.
	g := newSchemas()
	g.fixed["Plain"] = &openapi3.Schema{}
	s, err := g.of(reflect.TypeFor[Plain]())
	if err != nil {
		t.Fatal(err)
	}
	g.assignNames()
	if s.Ref != refPrefix+"openapi_Plain" {
		t.Errorf("ref = %q", s.Ref)
	}
}

func TestSchemaErrors(t *testing.T) {
	for _, typ := range []reflect.Type{
		reflect.TypeFor[chan int](),
		reflect.TypeFor[func()](),
		reflect.TypeFor[map[Plain]int](),
		reflect.TypeFor[struct {
			C chan int `json:"c"`
		}](),
		reflect.TypeFor[struct {
			N int `json:"n" validate:"gt=abc"`
		}](),
	} {
		_, err := newSchemas().of(typ)
		if err == nil || !strings.HasPrefix(err.Error(), "openapi: ") {
			t.Errorf("of(%v) error = %v", typ, err)
		}
	}
}

type panicky string

func (panicky) Enum() []any { panic("boom") }

func TestSchemaUserPanic(t *testing.T) {
	_, err := newSchemas().of(reflect.TypeFor[panicky]())
	if err == nil || !strings.Contains(err.Error(), "panicked: boom") {
		t.Errorf("err = %v", err)
	}
}

type (
	ambD struct {
		X int `json:"x"`
	}
	ambB struct{ ambD }
	ambC struct{ ambD }
	// AmbA is issue 10's case: B and C both embed D{X}; x is ambiguous at
	// depth 2, so encoding/json neither writes nor reads it.
	AmbA struct {
		ambB
		ambC
		Y int `json:"y"`
	}
)

// The schema documents exactly the fields encoding/json writes and the body
// decoder reads (internal/jsonfields, one implementation).
func TestSchemaAmbiguousEmbeddedField(t *testing.T) {
	_, comps := schemaOf(t, reflect.TypeFor[AmbA]())
	want := `{"AmbA":{"properties":{"y":{"title":"Y","type":"integer"}},"required":["y"],"title":"AmbA","type":"object"}}`
	if string(comps) != want {
		t.Errorf("got  %s\nwant %s", comps, want)
	}
	var a AmbA
	a.ambB.X, a.ambC.X, a.Y = 1, 2, 3
	if out, _ := json.Marshal(a); string(out) != `{"y":3}` {
		t.Errorf("encoding/json writes %s", out)
	}
}
