package bind

import (
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
)

type Item struct {
	Name        string   `json:"name"`
	Description *string  `json:"description"`
	Price       float64  `json:"price"`
	Tax         *float64 `json:"tax"`
}

type Sub struct {
	X int `json:"x"`
}

type Model struct {
	Name  string         `json:"name"`
	Price float64        `json:"price"`
	Sub   *Sub           `json:"sub"`
	Subs  []Sub          `json:"subs"`
	Tags  map[string]int `json:"tags"`
	B     bool           `json:"b" default:"false"`
	I     int            `json:"i" default:"0"`
	S     string         `json:"s" default:""`
	F     float64        `json:"f" default:"0"`
	Opt   *int           `json:"opt"`
	Skip  string         `json:"-"`
}

// The whole-body model, docs/fastapi-compat.md §4.5 and §5.2 examples 5–7.
func TestJSONBody(t *testing.T) {
	c := NewCompiler(Options{})
	const js = "application/json"
	for _, tc := range []struct{ name, ct, body, want string }{
		{"ok", js, `{"name":"Foo","price":50.5}`, ``},
		{"numeric string", js, `{"name":"Foo","price":"50.5"}`, ``},
		{"missing price", js, `{"name":"Foo"}`, `[{"type":"missing","loc":["body","price"],"msg":"Field required","input":{"name":"Foo"}}]`},
		{"empty object", js, `{}`, `[{"type":"missing","loc":["body","name"],"msg":"Field required","input":{}},{"type":"missing","loc":["body","price"],"msg":"Field required","input":{}}]`},
		{"no body", js, ``, `[{"type":"missing","loc":["body"],"msg":"Field required","input":null}]`},
		{"null body", js, `null`, `[{"type":"missing","loc":["body"],"msg":"Field required","input":null}]`},
		{"twenty", js, `{"name":"Foo","price":"twenty"}`, `[{"type":"float_parsing","loc":["body","price"],"msg":"Input should be a valid number, unable to parse string as a number","input":"twenty"}]`},
		{"not an object", js, `[1,2]`, `[{"type":"model_attributes_type","loc":["body"],"msg":"Input should be a valid dictionary or object to extract fields from","input":[1,2]}]`},
		{"text/plain", "text/plain", `{"name":"Foo","price":1}`, `[{"type":"model_attributes_type","loc":["body"],"msg":"Input should be a valid dictionary or object to extract fields from","input":"{\"name\":\"Foo\",\"price\":1}"}]`},
		{"no content type", "", `{"name":"Foo","price":1}`, `[{"type":"model_attributes_type","loc":["body"],"msg":"Input should be a valid dictionary or object to extract fields from","input":"{\"name\":\"Foo\",\"price\":1}"}]`},
		{"form to json", "application/x-www-form-urlencoded", `name=Foo&price=50.5`, `[{"type":"model_attributes_type","loc":["body"],"msg":"Input should be a valid dictionary or object to extract fields from","input":"name=Foo&price=50.5"}]`},
		{"geo+json", "application/geo+json", `{"name":"Foo","price":1}`, ``},
		{"charset", "Application/JSON; charset=utf-8", `{"name":"Foo","price":1}`, ``},
		{"json-seq", "application/geo+json-seq", `{"name":"Foo","price":1}`, `[{"type":"model_attributes_type","loc":["body"],"msg":"Input should be a valid dictionary or object to extract fields from","input":"{\"name\":\"Foo\",\"price\":1}"}]`},
		{"not-really-json", "application/not-really-json", `{}`, `[{"type":"model_attributes_type","loc":["body"],"msg":"Input should be a valid dictionary or object to extract fields from","input":"{}"}]`},
		{"broken", js, `{some broken json}`, `[{"type":"json_invalid","loc":["body",1],"msg":"JSON decode error","input":{},"ctx":{"error":"Expecting property name enclosed in double quotes"}}]`},
		{"truncated", js, `{"name": `, `[{"type":"json_invalid","loc":["body",9],"msg":"JSON decode error","input":{},"ctx":{"error":"Expecting value"}}]`},
		{"unterminated", js, `{"name": "é`, `[{"type":"json_invalid","loc":["body",9],"msg":"JSON decode error","input":{},"ctx":{"error":"Unterminated string starting at"}}]`},
		{"comma", js, `{"name":"a" "price":1}`, `[{"type":"json_invalid","loc":["body",12],"msg":"JSON decode error","input":{},"ctx":{"error":"Expecting ',' delimiter"}}]`},
		{"extra", js, `{} x`, `[{"type":"json_invalid","loc":["body",3],"msg":"JSON decode error","input":{},"ctx":{"error":"Extra data"}}]`},
		{"bad utf-8", js, "{\"name\":\"\xff\"}", `400 "There was an error parsing the body"`},
		{"too deep", js, strings.Repeat("[", 600), `400 "There was an error parsing the body"`},
		{"types", js, `{"name":5,"price":true}`, `[{"type":"string_type","loc":["body","name"],"msg":"Input should be a valid string","input":5}]`},
		{"null field", js, `{"name":null,"price":null,"description":null}`, `[{"type":"string_type","loc":["body","name"],"msg":"Input should be a valid string","input":null},{"type":"float_type","loc":["body","price"],"msg":"Input should be a valid number","input":null}]`},
	} {
		var it Item
		got := bindErr(t, c, &it, req("POST", "/items/", tc.ct, tc.body))
		if !sameJSON(t, got, tc.want) {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, got, tc.want)
		}
	}
	var it Item
	if got := bindErr(t, c, &it, req("POST", "/", "application/json", `{"name":"Foo","price":"50.5","tax":1,"unknown":[1]}`)); got != "" || it.Price != 50.5 || *it.Tax != 1 || it.Description != nil {
		t.Fatalf("%s %+v", got, it)
	}
	lax := NewCompiler(Options{LaxContentType: true})
	if got := bindErr(t, lax, &it, req("POST", "/", "", `{"name":"Foo","price":1}`)); got != "" {
		t.Fatalf("lax: %s", got)
	}
	var opt *Item
	if got := bindErr(t, c, &opt, req("POST", "/", "", "")); got != "" || opt != nil {
		t.Fatalf("optional body: %s %v", got, opt)
	}
}

// Python-mode lax conversions inside bodies (docs/fastapi-compat.md §4.3 "Inside JSON bodies";
// probed with pydantic 2.13 from_attributes validation).
func TestJSONBodyTypes(t *testing.T) {
	c := NewCompiler(Options{})
	for _, tc := range []struct{ body, want string }{
		{`{"name":"x","price":true,"i":true,"b":1.0}`, ``},
		{`{"name":"x","price":1,"i":1.5,"b":2,"s":null,"f":null,"opt":null}`,
			`[{"type":"bool_parsing","loc":["body","b"],"msg":"Input should be a valid boolean, unable to interpret input","input":2},` +
				`{"type":"int_from_float","loc":["body","i"],"msg":"Input should be a valid integer, got a number with a fractional part","input":1.5},` +
				`{"type":"string_type","loc":["body","s"],"msg":"Input should be a valid string","input":null},` +
				`{"type":"float_type","loc":["body","f"],"msg":"Input should be a valid number","input":null}]`},
		{`{"name":"x","price":1,"i":1e400}`, `[{"type":"finite_number","loc":["body","i"],"msg":"Input should be a finite number","input":1e400}]`},
		{`{"name":"x","price":1,"i":"1.0","b":"yes"}`, ``},
		{`{"name":"x","price":1,"i":[1],"b":[1],"s":[],"f":{}}`,
			`[{"type":"bool_type","loc":["body","b"],"msg":"Input should be a valid boolean","input":[1]},` +
				`{"type":"int_type","loc":["body","i"],"msg":"Input should be a valid integer","input":[1]},` +
				`{"type":"string_type","loc":["body","s"],"msg":"Input should be a valid string","input":[]},` +
				`{"type":"float_type","loc":["body","f"],"msg":"Input should be a valid number","input":{}}]`},
		{`{"name":"x","price":1,"sub":[1]}`, `[{"type":"model_attributes_type","loc":["body","sub"],"msg":"Input should be a valid dictionary or object to extract fields from","input":[1]}]`},
		{`{"name":"x","price":1,"sub":{}}`, `[{"type":"missing","loc":["body","sub","x"],"msg":"Field required","input":{}}]`},
		{`{"name":"x","price":1,"subs":{"a":1}}`, `[{"type":"list_type","loc":["body","subs"],"msg":"Input should be a valid list","input":{"a":1}}]`},
		{`{"name":"x","price":1,"subs":[{"x":1},{"y":2},5]}`,
			`[{"type":"missing","loc":["body","subs",1,"x"],"msg":"Field required","input":{"y":2}},` +
				`{"type":"model_attributes_type","loc":["body","subs",2],"msg":"Input should be a valid dictionary or object to extract fields from","input":5}]`},
		{`{"name":"x","price":1,"tags":[1]}`, `[{"type":"dict_type","loc":["body","tags"],"msg":"Input should be a valid dictionary","input":[1]}]`},
		{`{"name":"x","price":1,"tags":{"a":"x","b":1.5}}`,
			`[{"type":"int_parsing","loc":["body","tags","a"],"msg":"Input should be a valid integer, unable to parse string as an integer","input":"x"},` +
				`{"type":"int_from_float","loc":["body","tags","b"],"msg":"Input should be a valid integer, got a number with a fractional part","input":1.5}]`},
		{`{"name":"x","price":1,"f":` + strings.Repeat("1", 400) + `}`, `[{"type":"float_type","loc":["body","f"],"msg":"Input should be a valid number","input":` + strings.Repeat("1", 400) + `}]`},
		{`{"name":"x","price":1,"i":"abc","f":"abc"}`,
			`[{"type":"int_parsing","loc":["body","i"],"msg":"Input should be a valid integer, unable to parse string as an integer","input":"abc"},` +
				`{"type":"float_parsing","loc":["body","f"],"msg":"Input should be a valid number, unable to parse string as a number","input":"abc"}]`},
		{`{"name":"x","price":1,"subs":null,"tags":null,"sub":null,"Skip":"no"}`, ``},
	} {
		var m Model
		got := bindErr(t, c, &m, req("POST", "/", "application/json", tc.body))
		if !sameJSON(t, got, tc.want) {
			t.Errorf("%s:\n got %s\nwant %s", tc.body, got, tc.want)
		}
	}
	var m Model
	if got := bindErr(t, c, &m, req("POST", "/", "application/json", `{"name":"x","price":"1_0","i":true,"subs":[{"x":"2"}],"tags":{"a":1},"Skip":"no"}`)); got != "" {
		t.Fatal(got)
	}
	if m.Price != 10 || m.I != 1 || m.Subs[0].X != 2 || m.Tags["a"] != 1 || m.Skip != "" {
		t.Fatalf("%+v", m)
	}
}

type Offer struct {
	Items []Item `json:"items" validate:"min=1"`
	Note  string `json:"note" validate:"max=5" default:"none"`
	Rank  int    `json:"rank" validate:"gte=1" default:"1"`
}

func TestJSONNestedLocAndConstraints(t *testing.T) {
	c := NewCompiler(Options{})
	for _, tc := range []struct{ body, want string }{
		{`{"items":[{"name":"a","price":1},{"name":"b","price":2},{"name":"c","price":"x"}]}`,
			`[{"type":"float_parsing","loc":["body","items",2,"price"],"msg":"Input should be a valid number, unable to parse string as a number","input":"x"}]`},
		{`{"items":[],"note":"toolong","rank":0}`,
			`[{"type":"too_short","loc":["body","items"],"msg":"List should have at least 1 item after validation, not 0","input":[],"ctx":{"field_type":"List","min_length":1,"actual_length":0}},` +
				`{"type":"string_too_long","loc":["body","note"],"msg":"String should have at most 5 characters","input":"toolong","ctx":{"max_length":5}},` +
				`{"type":"greater_than_equal","loc":["body","rank"],"msg":"Input should be greater than or equal to 1","input":0,"ctx":{"ge":1}}]`},
	} {
		var o Offer
		got := bindErr(t, c, &o, req("POST", "/", "application/json", tc.body))
		if !sameJSON(t, got, tc.want) {
			t.Errorf("%s:\n got %s\nwant %s", tc.body, got, tc.want)
		}
	}
	var o Offer
	if got := bindErr(t, c, &o, req("POST", "/", "application/json", `{"items":[{"name":"a","price":1}]}`)); got != "" || o.Note != "none" || o.Rank != 1 {
		t.Fatalf("%s %+v", got, o)
	}
}

// Embedding, docs/fastapi-compat.md §4.5 probe examples.
func TestEmbeddedBody(t *testing.T) {
	type Two struct {
		Item       Item `body:"item"`
		Importance int  `body:"importance"`
	}
	type One struct {
		Item Item `body:"item,embed"`
	}
	type Single struct {
		Item Item    `body:"item"`
		Q    *string `query:"q" validate:"min=3"`
	}
	c := NewCompiler(Options{})
	var two Two
	got := bindErr(t, c, &two, req("POST", "/", "application/json", `{"item":{"name":"x"}}`))
	want := `[{"type":"missing","loc":["body","item","price"],"msg":"Field required","input":{"name":"x"}},{"type":"missing","loc":["body","importance"],"msg":"Field required","input":null}]`
	if !sameJSON(t, got, want) {
		t.Errorf("two: %s", got)
	}
	got = bindErr(t, c, &two, req("POST", "/", "application/json", `{"item":{"name":"x","price":1},"importance":null}`))
	if !sameJSON(t, got, `[{"type":"missing","loc":["body","importance"],"msg":"Field required","input":null}]`) {
		t.Errorf("null embedded: %s", got)
	}
	got = bindErr(t, c, &two, req("POST", "/", "application/json", `[1]`))
	if !sameJSON(t, got, `[{"type":"missing","loc":["body","item"],"msg":"Field required","input":null},{"type":"missing","loc":["body","importance"],"msg":"Field required","input":null}]`) {
		t.Errorf("list body: %s", got)
	}
	var one One
	got = bindErr(t, c, &one, req("POST", "/", "application/json", `{"name":"x","price":1}`))
	if !sameJSON(t, got, `[{"type":"missing","loc":["body","item"],"msg":"Field required","input":null}]`) {
		t.Errorf("embed one: %s", got)
	}
	if got := bindErr(t, c, &one, req("POST", "/", "application/json", `{"item":{"name":"x","price":1}}`)); got != "" || one.Item.Name != "x" {
		t.Errorf("embed ok: %s", got)
	}
	b, _ := c.Struct(typeOf[Single]())
	if b.BodyEmbedded() || b.BodyMedia() != "application/json" || !b.NeedsBody() {
		t.Fatal("single body shape")
	}
	var s Single
	got = bindErr(t, c, &s, req("POST", "/?q=ab", "application/json", `{"name":"x"}`))
	want = `[{"type":"string_too_short","loc":["query","q"],"msg":"String should have at least 3 characters","input":"ab","ctx":{"min_length":3}},{"type":"missing","loc":["body","price"],"msg":"Field required","input":{"name":"x"}}]`
	if !sameJSON(t, got, want) {
		t.Errorf("order: %s", got)
	}
	// A JSON syntax error is reported alone, before other errors (FastAPI parses first).
	got = bindErr(t, c, &s, req("POST", "/?q=ab", "application/json", `{`))
	if !sameJSON(t, got, `[{"type":"json_invalid","loc":["body",1],"msg":"JSON decode error","input":{},"ctx":{"error":"Expecting property name enclosed in double quotes"}}]`) {
		t.Errorf("json first: %s", got)
	}
	// The router can force embedding when a route has several body parameters.
	eb := b.Embedded()
	if !eb.BodyEmbedded() || b.BodyEmbedded() {
		t.Fatal("Embedded")
	}
	r := req("POST", "/?q=abc", "application/json", `{"item":{"name":"x","price":2}}`)
	body, _ := ReadBody(r, 0)
	if err := eb.Bind(r, body, valueOf(&s)); err != nil || s.Item.Price != 2 {
		t.Fatal(err)
	}
}

func TestReadBodyLimits(t *testing.T) {
	r := req("POST", "/", "application/json", strings.Repeat("x", 100))
	if _, err := ReadBody(r, 10); errString(err) != `413 "Request body too large"` {
		t.Errorf("content-length: %v", errString(err))
	}
	r = req("POST", "/", "application/json", strings.Repeat("x", 100))
	r.ContentLength = -1
	if _, err := ReadBody(r, 10); errString(err) != `413 "Request body too large"` {
		t.Errorf("chunked: %v", errString(err))
	}
	r = req("POST", "/", "application/json", strings.Repeat("x", 100))
	r.Body = http.MaxBytesReader(nil, r.Body, 5)
	if _, err := ReadBody(r, 0); errString(err) != `413 "Request body too large"` {
		t.Errorf("MaxBytesReader: %v", errString(err))
	}
	r = req("POST", "/", "application/json", "")
	r.Body = errReader{}
	if _, err := ReadBody(r, 0); errString(err) != `400 "There was an error parsing the body"` {
		t.Errorf("read error: %v", errString(err))
	}
	r = req("POST", "/", "application/json", strings.Repeat("x", 10))
	b, err := ReadBody(r, 10)
	if err != nil || len(b.Bytes()) != 10 || b.ContentType() != "application/json" {
		t.Errorf("exact limit: %v", err)
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errTest }
func (errReader) Close() error             { return nil }

func TestCheckBody(t *testing.T) {
	c := NewCompiler(Options{})
	b, _ := c.Body(typeOf[Item]())
	if err := b.CheckBody(NewBody([]byte(`{"a"`), "application/json")); !strings.Contains(errString(err), "Expecting ':' delimiter") {
		t.Fatal(errString(err))
	}
	if err := b.CheckBody(NewBody([]byte(`{"a"`), "text/plain")); err != nil {
		t.Fatal(err)
	}
}

type (
	ambD struct {
		X int `json:"x"`
	}
	ambB struct{ ambD }
	ambC struct{ ambD }
	ambA struct {
		ambB
		ambC
		Y int `json:"y"`
	}
	EmbPtr struct {
		Z int `json:"z"`
	}
	withEmbPtr struct {
		*EmbPtr
		W int `json:"w"`
	}
	hiddenPtr  struct{ V int }
	withHidden struct {
		*hiddenPtr
	}
)

// The decoder reads what encoding/json reads (internal/jsonfields): not an
// ambiguous name, and fields behind an embedded pointer, allocated.
func TestJSONBodyEmbedding(t *testing.T) {
	c := NewCompiler(Options{})
	bind := func(typ reflect.Type, body string) reflect.Value {
		t.Helper()
		b, err := c.Body(typ)
		if err != nil {
			t.Fatal(err)
		}
		r := httptest.NewRequest("POST", "/", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		data, err := ReadBody(r, 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		v := reflect.New(typ).Elem()
		if err := b.Bind(r, data, v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	a := bind(reflect.TypeFor[ambA](), `{"x":1,"y":2}`).Interface().(ambA)
	if a.ambB.X != 0 || a.ambC.X != 0 || a.Y != 2 {
		t.Errorf("ambiguous x was read: %+v", a)
	}
	e := bind(reflect.TypeFor[withEmbPtr](), `{"z":1,"w":2}`).Interface().(withEmbPtr)
	if e.EmbPtr == nil || e.Z != 1 || e.W != 2 {
		t.Errorf("embedded pointer: %+v", e)
	}
	if _, err := c.Body(reflect.TypeFor[withHidden]()); err == nil || !strings.Contains(err.Error(), "embedded pointer to an unexported struct") {
		t.Errorf("unexported embedded pointer: %v", err)
	}
}
