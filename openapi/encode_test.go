package openapi

import (
	"bytes"
	"encoding/json"
	"math"
	"net"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// TestFieldsSorted: the schema encoder writes its keywords in this
// order, which must be encoding/json's order of a map's keys.
func TestFieldsSorted(t *testing.T) {
	if !slices.IsSorted(schemaKeywords[:]) {
		t.Errorf("schemaKeywords not sorted: %q", schemaKeywords)
	}
	// Every field kin-openapi's types have (with a JSON name) is one their
	// encoder writes: a kin-openapi upgrade adding one fails here.
	for _, tc := range []struct {
		t      reflect.Type
		fields []string
	}{
		{reflect.TypeFor[openapi3.Parameter](), parameterFields[:]},
		{reflect.TypeFor[openapi3.Operation](), operationFields[:]},
		{reflect.TypeFor[openapi3.Response](), responseFields[:]},
		{reflect.TypeFor[openapi3.MediaType](), mediaTypeFields[:]},
	} {
		if !slices.IsSorted(tc.fields) {
			t.Errorf("the fields of %v are not sorted: %q", tc.t, tc.fields)
		}
		var names []string
		for i := range tc.t.NumField() {
			if name, _, _ := strings.Cut(tc.t.Field(i).Tag.Get("json"), ","); name != "-" {
				names = append(names, name)
			}
		}
		slices.Sort(names)
		if !slices.Equal(names, tc.fields) {
			t.Errorf("%v has the fields %q; its encoder writes %q", tc.t, names, tc.fields)
		}
	}
}

// gen builds documents from fuzz bytes: schemas with every keyword the fast
// encoder writes, extensions named like those keywords or not, values of
// every kind encoding/json meets (nil maps and slices, pointers, Marshalers,
// TextMarshalers, NaN), strings with characters encoding/json escapes.
type gen struct {
	data []byte
	n    int // values made, to bound the size
}

func (g *gen) byte() byte {
	if len(g.data) == 0 {
		return 0
	}
	c := g.data[0]
	g.data = g.data[1:]
	return c
}

var genStrings = []string{"", "a", "title", "Item", "<b>&</b>", "quote\"back\\slash", "tab\tnl\n", "\u2028", "bad\xff", "é日本", "\x00", "type", "properties"}

func (g *gen) str() string {
	c := g.byte()
	if c < 200 {
		return genStrings[int(c)%len(genStrings)]
	}
	n := int(c-200) % 8
	b := make([]byte, n)
	for i := range b {
		b[i] = g.byte()
	}
	return string(b)
}

func (g *gen) float() float64 {
	switch g.byte() % 8 {
	case 0:
		return 0
	case 1:
		return 1e-7
	case 2:
		return 1e21
	case 3:
		return -2.5
	case 4:
		return math.NaN()
	}
	return float64(g.byte()) / 4
}

type textKey string

func (k textKey) MarshalText() ([]byte, error) { return []byte("text:" + string(k)), nil }

type plainStruct struct {
	A string `json:"a"`
	B []int  `json:"b,omitempty"`
}

func (g *gen) value(depth int) any {
	g.n++
	if depth > 3 || g.n > 200 {
		return g.str()
	}
	switch g.byte() % 20 {
	case 0:
		return nil
	case 1:
		return g.byte()%2 == 0
	case 2:
		return g.float()
	case 3:
		return int(g.byte()) - 100
	case 4:
		return uint64(g.byte())
	case 5:
		if g.byte()%3 == 0 {
			return []string(nil)
		}
		return []string{g.str(), g.str()}
	case 6:
		if g.byte()%3 == 0 {
			return map[string]any(nil)
		}
		m := map[string]any{}
		for range g.byte() % 4 {
			m[g.str()] = g.value(depth + 1)
		}
		return m
	case 7:
		if g.byte()%3 == 0 {
			return []any(nil)
		}
		var a []any
		for range g.byte() % 4 {
			a = append(a, g.value(depth+1))
		}
		return a
	case 8:
		return json.RawMessage(`{"z": 1, "a": "<&>"}`)
	case 9:
		return json.Number("12.5e3")
	case 10:
		return plainStruct{A: g.str(), B: []int{1}}
	case 11:
		s := g.str()
		return &s
	case 12:
		return textKey(g.str())
	case 13:
		return map[textKey]int{textKey(g.str()): 1, "b": 2}
	case 14:
		return map[int]string{3: g.str(), 1: "x"}
	case 15:
		return []byte(g.str())
	case 16:
		return net.IP{127, 0, 0, 1} // a []byte with MarshalText
	case 17:
		return g.schemaRef(depth + 1)
	case 18:
		return [2]float64{g.float(), 1}
	}
	return g.str()
}

func (g *gen) schemaRef(depth int) *openapi3.SchemaRef {
	switch g.byte() % 6 {
	case 0:
		return nil
	case 1:
		return &openapi3.SchemaRef{Ref: "#/components/schemas/" + g.str(), Extensions: g.ext(depth)}
	}
	return &openapi3.SchemaRef{Value: g.schema(depth)}
}

func (g *gen) ext(depth int) map[string]any {
	if g.byte()%3 != 0 {
		return nil
	}
	m := map[string]any{}
	for range g.byte() % 4 {
		name := g.str()
		if g.byte()%2 == 0 {
			name = schemaKeywords[int(g.byte())%len(schemaKeywords)]
		}
		m[name] = g.value(depth + 1)
	}
	return m
}

func (g *gen) schema(depth int) *openapi3.Schema {
	s := &openapi3.Schema{Extensions: g.ext(depth)}
	if depth > 4 || g.n > 200 {
		return s
	}
	f := func() *float64 { v := g.float(); return &v }
	u := func() *uint64 { v := uint64(g.byte()); return &v }
	for range g.byte() % 8 {
		g.n++
		switch g.byte() % 30 {
		case 0:
			s.AnyOf = openapi3.SchemaRefs{g.schemaRef(depth + 1), g.schemaRef(depth + 1)}
		case 1:
			ts := openapi3.Types{"string", "null"}
			ts = ts[:g.byte()%3]
			s.Type = &ts
		case 2:
			s.Title = g.str()
		case 3:
			s.Format = g.str()
		case 4:
			s.Description = g.str()
		case 5:
			s.Enum = []any{g.value(depth + 1), g.str()}
		case 6:
			s.Default = g.value(depth + 1)
		case 7:
			s.Example = g.value(depth + 1)
		case 8:
			s.ExclusiveMin = openapi3.ExclusiveBound{Value: f()}
		case 9:
			b := g.byte()%2 == 0
			s.ExclusiveMax = openapi3.ExclusiveBound{Bool: &b}
		case 10:
			s.Deprecated = true
		case 11:
			s.Min = f()
		case 12:
			s.Max = f()
		case 13:
			s.MultipleOf = f()
		case 14:
			s.MinLength = uint64(g.byte())
		case 15:
			s.MaxLength = u()
		case 16:
			s.Pattern = g.str()
		case 17:
			s.MinItems = uint64(g.byte())
		case 18:
			s.MaxItems = u()
		case 19:
			s.Items = g.schemaRef(depth + 1)
		case 20:
			s.Required = []string{g.str(), g.str()}
		case 21:
			s.Properties = openapi3.Schemas{}
			for range g.byte() % 4 {
				s.Properties[g.str()] = g.schemaRef(depth + 1)
			}
		case 22:
			s.MinProps = uint64(g.byte())
		case 23:
			s.MaxProps = u()
		case 24:
			b := g.byte()%2 == 0
			s.AdditionalProperties = openapi3.AdditionalProperties{Has: &b}
		case 25:
			s.AdditionalProperties = openapi3.AdditionalProperties{Schema: g.schemaRef(depth + 1)}
		case 26:
			s.Examples = []any{g.value(depth + 1)}
		case 27:
			s.ContentEncoding = g.str()
		case 28:
			s.UniqueItems = true // a keyword the fast encoder leaves to kin-openapi
		case 29:
			s.Not = g.schemaRef(depth + 1)
		}
	}
	return s
}

func (g *gen) parameter() *openapi3.Parameter {
	p := &openapi3.Parameter{Name: g.str(), In: "query", Schema: g.schemaRef(0), Extensions: g.ext(0)}
	if p.Extensions != nil && g.byte()%2 == 0 {
		p.Extensions[parameterFields[int(g.byte())%len(parameterFields)]] = g.value(1)
	}
	for range g.byte() % 6 {
		switch g.byte() % 13 {
		case 0:
			p.Name = ""
		case 1:
			p.In = g.str()
		case 2:
			p.Description = g.str()
		case 3:
			p.Style = g.str()
		case 4:
			b := g.byte()%2 == 0
			p.Explode = &b
		case 5:
			p.AllowEmptyValue = true
		case 6:
			p.AllowReserved = true
		case 7:
			p.Deprecated = true
		case 8:
			p.Required = true
		case 9:
			p.Example = g.value(1)
		case 10:
			p.Examples = openapi3.Examples{g.str(): {Value: &openapi3.Example{Summary: g.str(), Value: g.value(1)}}}
		case 11:
			p.Content = openapi3.NewContentWithJSONSchemaRef(g.schemaRef(1))
		case 12:
			p.Schema = nil
		}
	}
	return p
}

// extFor is ext, sometimes with an extension named like one of fields.
func (g *gen) extFor(fields []string) map[string]any {
	m := g.ext(1)
	if m != nil && g.byte()%2 == 0 {
		m[fields[int(g.byte())%len(fields)]] = g.value(1)
	}
	return m
}

func (g *gen) mediaType() *openapi3.MediaType {
	m := &openapi3.MediaType{Schema: g.schemaRef(1), Extensions: g.extFor(mediaTypeFields[:])}
	for range g.byte() % 4 {
		switch g.byte() % 5 {
		case 0:
			m.Schema = nil
		case 1:
			m.ItemSchema = g.schemaRef(1)
		case 2:
			m.Example = g.value(1)
		case 3:
			m.Examples = openapi3.Examples{g.str(): {Value: &openapi3.Example{Value: g.value(1)}}}
		case 4:
			m.Encoding = map[string]*openapi3.Encoding{g.str(): {ContentType: g.str()}}
		}
	}
	return m
}

func (g *gen) content() openapi3.Content {
	switch g.byte() % 5 {
	case 0:
		return nil
	case 1:
		return openapi3.Content{}
	}
	c := openapi3.Content{}
	for range 1 + g.byte()%3 {
		c[g.str()] = g.mediaType()
	}
	if g.byte()%5 == 0 {
		c["nil"] = nil
	}
	return c
}

func (g *gen) response() *openapi3.ResponseRef {
	if g.byte()%6 == 0 {
		return &openapi3.ResponseRef{Ref: "#/components/responses/" + g.str()}
	}
	r := &openapi3.Response{Content: g.content(), Extensions: g.extFor(responseFields[:])}
	if g.byte()%4 != 0 {
		d := g.str()
		r.Description = &d
	}
	if g.byte()%4 == 0 {
		r.Headers = openapi3.Headers{g.str(): {Value: &openapi3.Header{Parameter: openapi3.Parameter{Schema: g.schemaRef(1)}}}}
	}
	if g.byte()%6 == 0 {
		r.Links = openapi3.Links{g.str(): {Value: &openapi3.Link{OperationID: g.str()}}}
	}
	return &openapi3.ResponseRef{Value: r}
}

func (g *gen) operation(i int) *openapi3.Operation {
	op := &openapi3.Operation{
		OperationID: g.str() + string(rune('a'+i)),
		Summary:     g.str(),
		Extensions:  g.extFor(operationFields[:]),
		Parameters:  openapi3.Parameters{{Value: g.parameter()}, {Value: g.parameter()}, {Ref: "#/components/parameters/" + g.str()}},
		Responses:   openapi3.NewResponses(openapi3.WithStatus(200, g.response()), openapi3.WithStatus(422, g.response())),
	}
	for range g.byte() % 8 {
		switch g.byte() % 12 {
		case 0:
			op.Tags = []string{g.str(), g.str()}
		case 1:
			op.Description = g.str()
		case 2:
			op.Deprecated = true
		case 3:
			op.RequestBody = &openapi3.RequestBodyRef{Value: &openapi3.RequestBody{Required: true, Content: g.content()}}
		case 4:
			op.Security = &openapi3.SecurityRequirements{{g.str(): {}}, {"b": {g.str(), "x"}}}
		case 5:
			op.Servers = &openapi3.Servers{{URL: g.str()}}
		case 6:
			op.ExternalDocs = &openapi3.ExternalDocs{URL: "https://example.com/" + g.str()}
		case 7:
			op.Callbacks = openapi3.Callbacks{g.str(): {Ref: "#/components/callbacks/x"}}
		case 8:
			op.Parameters = nil
		case 9:
			op.Responses = nil
		case 10:
			op.OperationID, op.Summary = "", ""
		case 11:
			op.Responses = openapi3.NewResponses()
		}
	}
	return op
}

// doc is a document around generated operations, schemas and extension values.
func (g *gen) doc() *openapi3.T {
	paths := openapi3.NewPaths()
	for i := range 1 + g.byte()%3 {
		item := &openapi3.PathItem{}
		item.SetOperation([]string{"GET", "POST", "PUT"}[i], g.operation(int(i)))
		paths.Set("/p"+strings.Repeat("x", int(i)), item)
	}
	return &openapi3.T{
		OpenAPI: "3.1.0",
		Info:    &openapi3.Info{Title: g.str(), Version: "1", Extensions: g.ext(0)},
		Paths:   paths,
		Components: &openapi3.Components{Schemas: openapi3.Schemas{
			g.str(): &openapi3.SchemaRef{Value: g.schema(0)},
			"Fixed": &openapi3.SchemaRef{Value: g.schema(0)},
		}},
	}
}

// checkMarshalDoc requires marshalDoc's bytes to be json.Marshal's, or both
// to fail.
func checkMarshalDoc(t *testing.T, doc *openapi3.T) {
	t.Helper()
	want, werr := json.Marshal(doc)
	got, gerr := marshalDoc(doc)
	switch {
	case (werr == nil) != (gerr == nil):
		t.Fatalf("json.Marshal: %v; marshalDoc: %v\n%s\n%s", werr, gerr, want, got)
	case werr == nil && !bytes.Equal(got, want):
		t.Fatalf("marshalDoc differs from json.Marshal:\n got %s\nwant %s", got, want)
	}
}

// TestMarshalDocDifferential compares marshalDoc with json.Marshal over
// generated documents.
func TestMarshalDocDifferential(t *testing.T) {
	n := 3000
	if testing.Short() {
		n = 300
	}
	for i := range n {
		data := make([]byte, 400)
		x := uint32(i*2654435761 + 1)
		for j := range data {
			x ^= x << 13
			x ^= x >> 17
			x ^= x << 5
			data[j] = byte(x)
		}
		checkMarshalDoc(t, (&gen{data: data}).doc())
	}
}

func FuzzMarshalDoc(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5})
	f.Add(bytes.Repeat([]byte{17, 6, 200, 3, 21, 9}, 30))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkMarshalDoc(t, (&gen{data: data}).doc())
	})
}

// TestSchemaRefSiblings: a $ref read by kin-openapi's loader with keywords
// next to it (OpenAPI 3.1) is written with them, as json.Marshal writes it;
// and the fast path finds the field that holds them.
func TestSchemaRefSiblings(t *testing.T) {
	data := `{"openapi":"3.1.0","info":{"title":"t","version":"1"},"paths":{"/a":{"get":{
		"parameters":[{"name":"q","in":"query","schema":{"$ref":"#/components/schemas/S","description":"<next to $ref>","x-a":1}}],
		"responses":{"200":{"description":"ok","content":{"application/json":{"schema":{"$ref":"#/components/schemas/S","x-b":"&"}}}}}}}},
		"components":{"schemas":{"S":{"type":"string","title":"S"}}}}`
	doc, err := openapi3.NewLoader().LoadFromData([]byte(data))
	if err != nil {
		t.Fatal(err)
	}
	got, err := marshalDoc(doc)
	if err != nil {
		t.Fatal(err)
	}
	want, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("marshalDoc differs from json.Marshal:\n got %s\nwant %s", got, want)
	}
	if !bytes.Contains(got, []byte(`"description":"\u003cnext to $ref\u003e"`)) {
		t.Errorf("the keyword next to $ref is lost: %s", got)
	}
	e := &docEncoder{}
	if e.noSiblings(doc.Paths.Value("/a").Get.Parameters[0].Value.Schema) || e.siblings[0] < 0 {
		t.Errorf("SchemaRef's siblingExtras field not found (index %v): kin-openapi changed; update noSiblings", e.siblings)
	}
	if !e.noSiblings(&openapi3.SchemaRef{Ref: "#/components/schemas/S"}) {
		t.Error("a built $ref has siblings")
	}
}
