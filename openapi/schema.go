package openapi

import (
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/keelgo/keel/internal/bind"
	"github.com/keelgo/keel/internal/jsonfields"
	"github.com/keelgo/keel/params"
)

const refPrefix = "#/components/schemas/"

var (
	timeType          = reflect.TypeFor[time.Time]()
	rawMessageType    = reflect.TypeFor[json.RawMessage]()
	jsonNumberType    = reflect.TypeFor[json.Number]()
	jsonMarshalerType = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
	enumType          = reflect.TypeFor[Enum]()
	providerType      = reflect.TypeFor[SchemaProvider]()
)

// component is a named schema of components.schemas built from a Go type.
// Its name is chosen once every type is known (see assignNames), and written
// into every $ref that points to it.
type component struct {
	t      reflect.Type
	base   string // preferred name: the type's name, generics flattened
	schema *openapi3.Schema
	refs   []*openapi3.SchemaRef
	name   string
}

// schemas turns Go types into JSON Schema (OpenAPI 3.1) and collects the
// named ones as components.
type schemas struct {
	byType map[reflect.Type]*component
	all    []*component
	// fixed are components not built from a Go type (Body_<id>,
	// ValidationError, HTTPValidationError); their names are reserved.
	fixed map[string]*openapi3.Schema
}

func newSchemas() *schemas {
	return &schemas{byType: map[reflect.Type]*component{}, fixed: map[string]*openapi3.Schema{}}
}

func (g *schemas) ref(c *component) *openapi3.SchemaRef {
	// The name is provisional until assignNames; a non-empty Ref also tells
	// decorate and applyConstraints to leave the shared component alone.
	r := &openapi3.SchemaRef{Ref: refPrefix + c.base, Value: c.schema}
	c.refs = append(c.refs, r)
	return r
}

// fixedRef adds (or reuses) a component with a fixed name.
func (g *schemas) fixedRef(name string, s *openapi3.Schema) *openapi3.SchemaRef {
	if old, ok := g.fixed[name]; ok {
		s = old
	} else {
		g.fixed[name] = s
	}
	return &openapi3.SchemaRef{Ref: refPrefix + name, Value: s}
}

func typeSchema(typ string) *openapi3.Schema {
	return &openapi3.Schema{Type: &openapi3.Types{typ}}
}

func implements(t, iface reflect.Type) bool {
	return t.Implements(iface) || reflect.PointerTo(t).Implements(iface)
}

// zeroValue returns the zero value of t, addressable when a method needs a
// pointer receiver.
func zeroValue(t, iface reflect.Type) any {
	if t.Implements(iface) {
		return reflect.Zero(t).Interface()
	}
	return reflect.New(t).Interface()
}

// call runs a user method at registration, turning a panic into an error.
func call[T any](t reflect.Type, what string, f func() T) (v T, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("openapi: %s of %v panicked: %v", what, t, r)
		}
	}()
	return f(), nil
}

func deref(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// of returns the schema of values of t. Pointers are followed (their
// nullability is the caller's business). Named structs and Enum types are
// components, returned as a $ref.
func (g *schemas) of(t reflect.Type) (*openapi3.SchemaRef, error) {
	t = deref(t)
	if c, ok := g.byType[t]; ok {
		return g.ref(c), nil
	}
	if implements(t, providerType) {
		s, err := call(t, "OpenAPISchema", func() *openapi3.Schema {
			return zeroValue(t, providerType).(SchemaProvider).OpenAPISchema()
		})
		if err != nil {
			return nil, err
		}
		if s == nil {
			s = &openapi3.Schema{}
		}
		return &openapi3.SchemaRef{Value: s}, nil
	}
	if implements(t, enumType) {
		return g.enum(t)
	}
	switch {
	case t == timeType:
		return &openapi3.SchemaRef{Value: &openapi3.Schema{Type: &openapi3.Types{"string"}, Format: "date-time"}}, nil
	case t == rawMessageType:
		return &openapi3.SchemaRef{Value: &openapi3.Schema{}}, nil
	case t == jsonNumberType:
		return &openapi3.SchemaRef{Value: typeSchema("number")}, nil
	case t.Name() == "UUID" && t.Kind() == reflect.Array && implements(t, textMarshalerType):
		// github.com/google/uuid and look-alikes.
		return &openapi3.SchemaRef{Value: &openapi3.Schema{Type: &openapi3.Types{"string"}, Format: "uuid"}}, nil
	case implements(t, jsonMarshalerType):
		return &openapi3.SchemaRef{Value: &openapi3.Schema{}}, nil
	case implements(t, textMarshalerType):
		return &openapi3.SchemaRef{Value: typeSchema("string")}, nil
	}
	switch t.Kind() {
	case reflect.Bool:
		return &openapi3.SchemaRef{Value: typeSchema("boolean")}, nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return &openapi3.SchemaRef{Value: typeSchema("integer")}, nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		s := typeSchema("integer")
		zero := 0.0
		s.Min = &zero
		return &openapi3.SchemaRef{Value: s}, nil
	case reflect.Float32, reflect.Float64:
		return &openapi3.SchemaRef{Value: typeSchema("number")}, nil
	case reflect.String:
		return &openapi3.SchemaRef{Value: typeSchema("string")}, nil
	case reflect.Interface:
		return &openapi3.SchemaRef{Value: &openapi3.Schema{}}, nil
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 && t.Kind() == reflect.Slice {
			// encoding/json writes []byte as a base64 string.
			return &openapi3.SchemaRef{Value: &openapi3.Schema{Type: &openapi3.Types{"string"}, ContentEncoding: "base64"}}, nil
		}
		items, err := g.of(t.Elem())
		if err != nil {
			return nil, err
		}
		s := typeSchema("array")
		s.Items = items
		if t.Kind() == reflect.Array {
			n := uint64(t.Len())
			s.MinItems, s.MaxItems = n, &n
		}
		return &openapi3.SchemaRef{Value: s}, nil
	case reflect.Map:
		switch k := t.Key(); {
		case k.Kind() == reflect.String, implements(k, textMarshalerType),
			k.Kind() >= reflect.Int && k.Kind() <= reflect.Uintptr:
		default:
			return nil, fmt.Errorf("openapi: map key type %v of %v cannot be JSON", k, t)
		}
		vals, err := g.of(t.Elem())
		if err != nil {
			return nil, err
		}
		s := typeSchema("object")
		s.AdditionalProperties = openapi3.AdditionalProperties{Schema: vals}
		return &openapi3.SchemaRef{Value: s}, nil
	case reflect.Struct:
		if t.Name() == "" {
			s := &openapi3.Schema{}
			if err := g.fillStruct(s, t); err != nil {
				return nil, err
			}
			return &openapi3.SchemaRef{Value: s}, nil
		}
		c := g.newComponent(t)
		c.schema.Title = displayName(t)
		if err := g.fillStruct(c.schema, t); err != nil {
			return nil, err
		}
		return g.ref(c), nil
	}
	return nil, fmt.Errorf("openapi: type %v (kind %v) cannot be documented as JSON", t, t.Kind())
}

func (g *schemas) newComponent(t reflect.Type) *component {
	c := &component{t: t, base: componentBase(t), schema: &openapi3.Schema{}}
	g.byType[t] = c
	g.all = append(g.all, c)
	return c
}

// enum documents an Enum type as a component (docs/fastapi-compat.md §4.4: enum via $ref).
func (g *schemas) enum(t reflect.Type) (*openapi3.SchemaRef, error) {
	vals, err := call(t, "Enum", func() []any { return zeroValue(t, enumType).(Enum).Enum() })
	if err != nil {
		return nil, err
	}
	s := &openapi3.Schema{Enum: slices.Clone(vals)}
	switch k := t.Kind(); {
	case k == reflect.String:
		s.Type = &openapi3.Types{"string"}
	case k == reflect.Bool:
		s.Type = &openapi3.Types{"boolean"}
	case k >= reflect.Int && k <= reflect.Uintptr:
		s.Type = &openapi3.Types{"integer"}
	case k == reflect.Float32 || k == reflect.Float64:
		s.Type = &openapi3.Types{"number"}
	}
	if t.Name() == "" {
		return &openapi3.SchemaRef{Value: s}, nil
	}
	c := g.newComponent(t)
	*c.schema = *s
	c.schema.Title = displayName(t)
	return g.ref(c), nil
}

// fillStruct makes s the object schema of struct type t.
func (g *schemas) fillStruct(s *openapi3.Schema, t reflect.Type) error {
	s.Type = &openapi3.Types{"object"}
	s.Properties = openapi3.Schemas{}
	for _, f := range jsonfields.Of(t) {
		if hidden, _ := strconv.ParseBool(f.Go.Tag.Get("hidden")); hidden {
			continue
		}
		prop, required, err := g.property(f)
		if err != nil {
			return fmt.Errorf("%w (field %s.%s)", err, t.Name(), f.Go.Name)
		}
		s.Properties[f.Name] = prop
		if required {
			s.Required = append(s.Required, f.Name)
		}
	}
	return nil
}

// property is the schema of one struct field of a JSON model, and whether it
// is required, by the rule of the params body decoder: validate:"required",
// or no `default` tag and a type that is not a pointer, slice, map or
// interface. Tags read: validate, pattern, multipleOf (through
// bind.ParseConstraints), title, description, format, default, example,
// deprecated.
func (g *schemas) property(f jsonfields.Field) (*openapi3.SchemaRef, bool, error) {
	sf := f.Go
	ft := sf.Type
	cons, err := bind.ParseConstraints(sf)
	if err != nil {
		return nil, false, fmt.Errorf("openapi: %v", err)
	}
	var base *openapi3.SchemaRef
	switch k := deref(ft).Kind(); {
	case f.Quoted && k != reflect.String: // the string option: a number or bool written as a string
		base = &openapi3.SchemaRef{Value: typeSchema("string")}
	default:
		if base, err = g.of(ft); err != nil {
			return nil, false, err
		}
	}
	applyConstraints(base, cons, ft)
	defText, hasDefault := sf.Tag.Lookup("default")
	kind := ft.Kind()
	required := cons.Required || (!hasDefault &&
		kind != reflect.Pointer && kind != reflect.Slice && kind != reflect.Map && kind != reflect.Interface)
	m := meta{
		title:       sf.Tag.Get("title"),
		description: sf.Tag.Get("description"),
		format:      sf.Tag.Get("format"),
	}
	m.deprecated, _ = strconv.ParseBool(sf.Tag.Get("deprecated"))
	if m.title == "" {
		m.title = wireTitle(f.Name)
	}
	if hasDefault {
		m.def = parseLiteral(defText, ft)
	}
	if ex, ok := sf.Tag.Lookup("example"); ok {
		m.examples = []any{parseLiteral(ex, ft)}
	}
	return decorate(nullable(base, kind == reflect.Pointer), m), required, nil
}

// nullable wraps s as anyOf [s, {"type": "null"}] (docs/fastapi-compat.md §4.6, FastAPI's
// `T | None`).
func nullable(s *openapi3.SchemaRef, ok bool) *openapi3.SchemaRef {
	if !ok {
		return s
	}
	return &openapi3.SchemaRef{Value: &openapi3.Schema{AnyOf: openapi3.SchemaRefs{s, {Value: typeSchema("null")}}}}
}

// meta is what decorates a field's schema: title, description ... They sit
// next to anyOf for nullable fields, as Pydantic writes them.
type meta struct {
	title, description, format string
	deprecated                 bool
	def                        any
	examples                   []any
}

// jsonNative returns v as encoding/json would decode its encoding (float64,
// string, bool, nil, []any, map[string]any), which is what schema validators
// expect of default and example values. v is kept when it cannot be encoded.
func jsonNative(v any) any {
	switch v.(type) {
	case nil, string, bool, float64:
		return v
	}
	data, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var out any
	if err := json.Unmarshal(data, &out); err != nil {
		return v
	}
	return out
}

func jsonNatives(vs []any) []any {
	if len(vs) == 0 {
		return nil
	}
	out := make([]any, len(vs))
	for i, v := range vs {
		out[i] = jsonNative(v)
	}
	return out
}

// decorate adds m to s. A bare $ref gets no title (docs/fastapi-compat.md §4.6); its other
// keywords are written next to $ref, as OpenAPI 3.1 allows.
func decorate(s *openapi3.SchemaRef, m meta) *openapi3.SchemaRef {
	m.def = jsonNative(m.def)
	m.examples = jsonNatives(m.examples)
	if s.Ref != "" || s.Value == nil {
		ext := map[string]any{}
		if m.description != "" {
			ext["description"] = m.description
		}
		if m.def != nil {
			ext["default"] = m.def
		}
		if m.deprecated {
			ext["deprecated"] = true
		}
		if len(m.examples) > 0 {
			ext["examples"] = m.examples
		}
		if len(ext) > 0 {
			s.Extensions = ext
		}
		return s
	}
	v := s.Value
	if v.Title == "" {
		v.Title = m.title
	}
	if m.description != "" {
		v.Description = m.description
	}
	if m.format != "" {
		v.Format = m.format
	}
	if m.def != nil {
		v.Default = m.def
	}
	if m.deprecated {
		v.Deprecated = true
	}
	if len(m.examples) > 0 {
		v.Examples = m.examples
	}
	return s
}

// parseLiteral reads a tag's text as a value of t's kind: numbers and bools
// as such, strings as written, anything else as JSON (else the text).
func parseLiteral(text string, t reflect.Type) any {
	switch deref(t).Kind() {
	case reflect.String:
		return text
	case reflect.Bool:
		if b, err := strconv.ParseBool(text); err == nil {
			return b
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if n, err := strconv.ParseInt(text, 10, 64); err == nil {
			return n
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if n, err := strconv.ParseUint(text, 10, 64); err == nil {
			return n
		}
	case reflect.Float32, reflect.Float64:
		if n, err := strconv.ParseFloat(text, 64); err == nil {
			return n
		}
	}
	var v any
	if err := json.Unmarshal([]byte(text), &v); err == nil {
		return v
	}
	return text
}

// applyConstraints writes c into s as JSON Schema keywords (docs/fastapi-compat.md §4.4).
// Nothing is written into a $ref (the component is shared). For slices,
// lengths become minItems/maxItems and the other checks go to the items.
func applyConstraints(sr *openapi3.SchemaRef, c params.Constraints, t reflect.Type) {
	if sr.Ref != "" || sr.Value == nil {
		return
	}
	s := sr.Value
	t = deref(t)
	switch k := t.Kind(); {
	case k == reflect.Slice || k == reflect.Array:
		if s.Type == nil || !s.Type.Is("array") {
			break // []byte and friends
		}
		if c.MinLength != nil {
			s.MinItems = uint64(*c.MinLength)
		}
		if c.MaxLength != nil {
			n := uint64(*c.MaxLength)
			s.MaxItems = &n
		}
		if s.Items != nil {
			inner := c
			inner.MinLength, inner.MaxLength = nil, nil
			applyConstraints(s.Items, inner, t.Elem())
		}
		return
	case k == reflect.Map:
		if c.MinLength != nil {
			s.MinProps = uint64(*c.MinLength)
		}
		if c.MaxLength != nil {
			n := uint64(*c.MaxLength)
			s.MaxProps = &n
		}
		return
	}
	num := func(n *params.Number) *float64 {
		v := n.Value
		return &v
	}
	if c.Gt != nil {
		s.ExclusiveMin = openapi3.ExclusiveBound{Value: num(c.Gt)}
		if s.Min != nil && *s.Min <= c.Gt.Value {
			s.Min = nil
		}
	}
	if c.Ge != nil {
		s.Min = num(c.Ge)
	}
	if c.Lt != nil {
		s.ExclusiveMax = openapi3.ExclusiveBound{Value: num(c.Lt)}
	}
	if c.Le != nil {
		s.Max = num(c.Le)
	}
	if c.MultipleOf != nil {
		s.MultipleOf = num(c.MultipleOf)
	}
	if c.MinLength != nil {
		s.MinLength = uint64(*c.MinLength)
	}
	if c.MaxLength != nil {
		n := uint64(*c.MaxLength)
		s.MaxLength = &n
	}
	if c.Pattern != "" {
		s.Pattern = c.Pattern
	}
	if len(c.Enum) > 0 {
		s.Enum = make([]any, len(c.Enum))
		for i, e := range c.Enum {
			s.Enum[i] = parseLiteral(e, t)
		}
	}
	if c.Format != "" {
		s.Format = c.Format
	}
}

// componentBase is the preferred component name of t: its name, with the
// type arguments of a generic flattened as Pydantic does (Page[main.User] is
// Page_User_), restricted to the characters OpenAPI allows.
func componentBase(t reflect.Type) string {
	name := strings.ReplaceAll(displayName(t), "[]", "List_")
	return sanitizeName(name)
}

func sanitizeName(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '.', r == '-':
			b.WriteRune(r)
		case r == '*' || r == ' ':
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}

// displayName is t's name with package paths dropped from type arguments:
// "Page[User]". It is the title of the component.
func displayName(t reflect.Type) string {
	name := t.Name()
	if !strings.Contains(name, "[") {
		return name
	}
	var b strings.Builder
	start := 0
	flush := func(end int) {
		tok := name[start:end]
		if i := strings.LastIndexByte(tok, '.'); i >= 0 {
			tok = tok[i+1:]
		}
		b.WriteString(tok)
	}
	for i := 0; i < len(name); i++ {
		switch name[i] {
		case '[', ']', ',', '*', ' ':
			flush(i)
			b.WriteByte(name[i])
			start = i + 1
		}
	}
	flush(len(name))
	return b.String()
}

// assignNames gives every component a name, independently of the order
// types were met: a type keeps its own name when no other type (and no fixed
// component) wants it; otherwise each contender is qualified by its package
// ("models_User"), then by its full package path, then numbered.
func (g *schemas) assignNames() {
	taken := map[string]bool{}
	for name := range g.fixed {
		taken[name] = true
	}
	groups := map[string][]*component{}
	for _, c := range g.all {
		groups[c.base] = append(groups[c.base], c)
	}
	bases := make([]string, 0, len(groups))
	for b := range groups {
		bases = append(bases, b)
	}
	sort.Strings(bases)
	var contested []*component
	for _, b := range bases {
		if cs := groups[b]; len(cs) == 1 && !taken[b] {
			cs[0].name = b
			taken[b] = true
		} else {
			contested = append(contested, cs...)
		}
	}
	sort.Slice(contested, func(i, j int) bool {
		a, b := contested[i], contested[j]
		if a.base != b.base {
			return a.base < b.base
		}
		if a.t.PkgPath() != b.t.PkgPath() {
			return a.t.PkgPath() < b.t.PkgPath()
		}
		return a.t.String() < b.t.String()
	})
	for _, c := range contested {
		pkg := c.t.PkgPath()
		last := pkg[strings.LastIndexByte(pkg, '/')+1:]
		candidates := []string{
			sanitizeName(last) + "_" + c.base,
			sanitizeName(strings.ReplaceAll(pkg, "/", "_")) + "_" + c.base,
		}
		name := ""
		for _, cand := range candidates {
			if !taken[cand] {
				name = cand
				break
			}
		}
		for n := 2; name == ""; n++ {
			if cand := candidates[0] + strconv.Itoa(n); !taken[cand] {
				name = cand
			}
		}
		c.name = name
		taken[name] = true
	}
	for _, c := range g.all {
		for _, r := range c.refs {
			r.Ref = refPrefix + c.name
		}
	}
}

// components returns every named schema, or nil when there is none.
func (g *schemas) components() openapi3.Schemas {
	if len(g.all) == 0 && len(g.fixed) == 0 {
		return nil
	}
	out := make(openapi3.Schemas, len(g.all)+len(g.fixed))
	for _, c := range g.all {
		out[c.name] = &openapi3.SchemaRef{Value: c.schema}
	}
	for name, s := range g.fixed {
		out[name] = &openapi3.SchemaRef{Value: s}
	}
	return out
}
