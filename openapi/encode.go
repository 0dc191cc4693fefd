package openapi

import (
	"encoding"
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"unsafe"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/keelgo/keel/internal/jsonenc"
)

// kinPkg is the package of kin-openapi's document types.
var kinPkg = reflect.TypeFor[openapi3.T]().PkgPath()

type yamlMarshaler interface {
	MarshalYAML() (any, error)
}

// marshalDoc encodes a kin-openapi document exactly as json.Marshal does,
// faster. kin-openapi's MarshalJSON methods each marshal their subtree to
// bytes that the parent then re-validates and compacts, so encoding costs
// grow with the depth of the document. Here every kin-openapi value is
// turned into a map through its MarshalYAML (which its MarshalJSON encodes),
// and that map is written straight into one buffer, keys sorted as
// encoding/json sorts them; schemas, most of the document, are written
// keyword by keyword without a map. TestMarshalDocMatches, every Build in the
// tests (helpers_test.go) and FuzzMarshalDoc check the bytes are
// json.Marshal's.
func marshalDoc(doc any) ([]byte, error) {
	e := docEncoder{b: make([]byte, 0, 64<<10)}
	if err := e.value(doc); err != nil {
		return nil, err
	}
	return slices.Clone(e.b), nil
}

// docEncoder appends JSON to b. keys is a stack of the keys of the maps being
// written, reused from map to map.
type docEncoder struct {
	b    []byte
	keys []string
	// siblings is the index of SchemaRef's unexported siblingExtras field
	// (the keywords kin-openapi's loader read next to a $ref), found on first
	// use; -1 when there is none.
	siblings []int
}

// refFields is the key Ref.MarshalYAML writes for a SchemaRef.
var refFields = [...]string{"$ref"}

// noSiblings reports whether r holds no keywords read next to its $ref,
// which SchemaRef.MarshalYAML would add: the fast path writes only its
// extensions and $ref. It reads the length of an unexported field through
// reflect; if kin-openapi renames the field, every $ref goes through
// kin-openapi again (TestSchemaRefSiblings).
func (e *docEncoder) noSiblings(r *openapi3.SchemaRef) bool {
	if e.siblings == nil {
		e.siblings = []int{-1}
		if f, ok := reflect.TypeFor[openapi3.SchemaRef]().FieldByName("siblingExtras"); ok && f.Type.Kind() == reflect.Map {
			e.siblings = f.Index
		}
	}
	if e.siblings[0] < 0 {
		return false
	}
	return reflect.ValueOf(r).Elem().FieldByIndex(e.siblings).Len() == 0
}

// marshal appends json.Marshal's encoding of v.
func (e *docEncoder) marshal(v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	e.b = append(e.b, data...)
	return nil
}

func (e *docEncoder) str(s string) { e.b = jsonenc.AppendStringHTML(e.b, s) }

// strings writes a non-nil []string.
func (e *docEncoder) strings(ss []string) {
	e.b = append(e.b, '[')
	for i, s := range ss {
		if i > 0 {
			e.b = append(e.b, ',')
		}
		e.str(s)
	}
	e.b = append(e.b, ']')
}

func (e *docEncoder) float(f float64) error {
	var err error
	e.b, err = jsonenc.AppendFloat(e.b, f)
	return err
}

// value appends json.Marshal's encoding of v, a document or a part of one:
// kin-openapi values are written as the maps their MarshalYAML returns (what
// their MarshalJSON encodes), schemas keyword by keyword, other values as
// encoding/json writes them.
func (e *docEncoder) value(v any) error {
	switch x := v.(type) {
	case nil:
		e.b = append(e.b, "null"...)
		return nil
	case string:
		e.str(x)
		return nil
	case bool:
		e.b = strconv.AppendBool(e.b, x)
		return nil
	case float64:
		return e.float(x)
	case int:
		e.b = strconv.AppendInt(e.b, int64(x), 10)
		return nil
	case int64:
		e.b = strconv.AppendInt(e.b, x, 10)
		return nil
	case uint64:
		e.b = strconv.AppendUint(e.b, x, 10)
		return nil
	case []string:
		if x == nil {
			e.b = append(e.b, "null"...)
			return nil
		}
		e.strings(x)
		return nil
	case json.RawMessage, json.Number:
		return e.marshal(x)
	case map[string]any:
		if x == nil {
			e.b = append(e.b, "null"...)
			return nil
		}
		return writeMap(e, x)
	case []any:
		if x == nil {
			e.b = append(e.b, "null"...)
			return nil
		}
		e.b = append(e.b, '[')
		for i, el := range x {
			if i > 0 {
				e.b = append(e.b, ',')
			}
			if err := e.value(el); err != nil {
				return err
			}
		}
		e.b = append(e.b, ']')
		return nil
	case *openapi3.SchemaRef:
		if x == nil {
			e.b = append(e.b, "null"...)
			return nil
		}
		if x.Ref == "" && x.Value != nil {
			return e.schema(x.Value)
		}
		if x.Ref != "" && e.noSiblings(x) {
			// SchemaRef.MarshalYAML: its extensions and "$ref" (and the
			// keywords read next to a $ref, when it was loaded with some).
			return e.fields(x.Extensions, refFields[:], func(_ int, write bool) (bool, error) {
				if write {
					e.str(x.Ref)
				}
				return true, nil
			})
		}
	case *openapi3.Schema:
		if x == nil {
			e.b = append(e.b, "null"...)
			return nil
		}
		return e.schema(x)
	case *openapi3.ParameterRef:
		// ParameterRef.MarshalYAML is its Value's without a $ref.
		if x != nil && x.Ref == "" && x.Value != nil {
			return e.parameter(x.Value)
		}
	case *openapi3.Parameter:
		if x != nil {
			return e.parameter(x)
		}
	case *openapi3.Operation:
		if x != nil {
			return e.operation(x)
		}
	case *openapi3.ResponseRef:
		// ResponseRef.MarshalYAML is its Value's without a $ref.
		if x != nil && x.Ref == "" && x.Value != nil {
			return e.response(x.Value)
		}
	case *openapi3.Response:
		if x != nil {
			return e.response(x)
		}
	case *openapi3.MediaType:
		if x != nil {
			return e.mediaType(x)
		}
	case openapi3.Content:
		if x == nil {
			e.b = append(e.b, "null"...)
			return nil
		}
		return writeMap(e, x)
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer && rv.IsNil() {
		e.b = append(e.b, "null"...) // as json.Marshal writes a nil pointer, Marshaler or not
		return nil
	}
	if m, ok := v.(yamlMarshaler); ok && deref(rv.Type()).PkgPath() == kinPkg {
		y, err := m.MarshalYAML()
		if err != nil {
			return err
		}
		return e.value(y)
	}
	switch v.(type) {
	case json.Marshaler, encoding.TextMarshaler:
		return e.marshal(v)
	}
	switch rv.Kind() {
	case reflect.Pointer, reflect.Interface:
		return e.value(rv.Elem().Interface())
	case reflect.Slice:
		if rv.IsNil() {
			e.b = append(e.b, "null"...)
			return nil
		}
		if rv.Type().Elem().Kind() == reflect.Uint8 {
			return e.marshal(v)
		}
		fallthrough
	case reflect.Array:
		e.b = append(e.b, '[')
		for i := range rv.Len() {
			if i > 0 {
				e.b = append(e.b, ',')
			}
			if err := e.value(rv.Index(i).Interface()); err != nil {
				return err
			}
		}
		e.b = append(e.b, ']')
		return nil
	case reflect.Map:
		if rv.IsNil() {
			e.b = append(e.b, "null"...)
			return nil
		}
		if rv.Type().Key().Kind() != reflect.String {
			return e.marshal(v)
		}
		type entry struct {
			k string
			v reflect.Value
		}
		entries := make([]entry, 0, rv.Len())
		for it := rv.MapRange(); it.Next(); {
			entries = append(entries, entry{it.Key().String(), it.Value()})
		}
		slices.SortFunc(entries, func(a, b entry) int {
			if a.k < b.k {
				return -1
			}
			return 1 // keys are distinct
		})
		e.b = append(e.b, '{')
		for i, en := range entries {
			if i > 0 {
				e.b = append(e.b, ',')
			}
			e.str(en.k)
			e.b = append(e.b, ':')
			if err := e.value(en.v.Interface()); err != nil {
				return err
			}
		}
		e.b = append(e.b, '}')
		return nil
	}
	return e.marshal(v)
}

// writeMap writes a non-nil string-keyed map as encoding/json does, keys
// sorted (on the encoder's reused key stack).
func writeMap[V any](e *docEncoder, m map[string]V) error {
	base := len(e.keys)
	e.keys = slices.AppendSeq(e.keys, maps.Keys(m))
	keys := e.keys[base:]
	sort.Strings(keys)
	e.b = append(e.b, '{')
	for i, k := range keys {
		if i > 0 {
			e.b = append(e.b, ',')
		}
		e.str(k)
		e.b = append(e.b, ':')
		if err := e.value(m[k]); err != nil {
			return err
		}
	}
	e.b = append(e.b, '}')
	clear(e.keys[base:])
	e.keys = e.keys[:base]
	return nil
}

// schemaKeywords are the keywords the schema encoder writes, sorted as
// encoding/json sorts a map's keys (TestFieldsSorted).
var schemaKeywords = [...]string{
	"additionalProperties", "anyOf", "contentEncoding", "default", "deprecated",
	"description", "enum", "example", "examples", "exclusiveMaximum",
	"exclusiveMinimum", "format", "items", "maxItems", "maxLength",
	"maxProperties", "maximum", "minItems", "minLength", "minProperties",
	"minimum", "multipleOf", "pattern", "properties", "required", "title", "type",
}

// keyword reports whether s has the keyword schemaKeywords[k] and, when
// write is set, appends its value.
func (e *docEncoder) keyword(s *openapi3.Schema, k int, write bool) (bool, error) {
	switch schemaKeywords[k] {
	case "additionalProperties":
		ap := s.AdditionalProperties
		if ap.Has == nil && ap.Schema == nil {
			return false, nil
		}
		if !write {
			return true, nil
		}
		if ap.Has != nil {
			e.b = strconv.AppendBool(e.b, *ap.Has)
			return true, nil
		}
		return true, e.value(ap.Schema)
	case "anyOf":
		if len(s.AnyOf) == 0 || !write {
			return len(s.AnyOf) != 0, nil
		}
		e.b = append(e.b, '[')
		for i, r := range s.AnyOf {
			if i > 0 {
				e.b = append(e.b, ',')
			}
			if err := e.value(r); err != nil {
				return true, err
			}
		}
		e.b = append(e.b, ']')
		return true, nil
	case "contentEncoding":
		return e.text(s.ContentEncoding, write)
	case "default":
		return e.some(s.Default != nil, write, s.Default)
	case "deprecated":
		return e.flag(s.Deprecated, write)
	case "description":
		return e.text(s.Description, write)
	case "enum":
		return e.some(len(s.Enum) != 0, write, s.Enum)
	case "example":
		return e.some(s.Example != nil, write, s.Example)
	case "examples":
		return e.some(len(s.Examples) != 0, write, s.Examples)
	case "exclusiveMaximum":
		return e.some(s.ExclusiveMax.IsSet(), write, s.ExclusiveMax)
	case "exclusiveMinimum":
		return e.some(s.ExclusiveMin.IsSet(), write, s.ExclusiveMin)
	case "format":
		return e.text(s.Format, write)
	case "items":
		return e.some(s.Items != nil, write, s.Items)
	case "maxItems":
		n, ok := set(s.MaxItems)
		return e.count(n, ok, write)
	case "maxLength":
		n, ok := set(s.MaxLength)
		return e.count(n, ok, write)
	case "maxProperties":
		n, ok := set(s.MaxProps)
		return e.count(n, ok, write)
	case "maximum":
		return e.number(s.Max, write)
	case "minItems":
		n, ok := nonZero(s.MinItems)
		return e.count(n, ok, write)
	case "minLength":
		n, ok := nonZero(s.MinLength)
		return e.count(n, ok, write)
	case "minProperties":
		n, ok := nonZero(s.MinProps)
		return e.count(n, ok, write)
	case "minimum":
		return e.number(s.Min, write)
	case "multipleOf":
		return e.number(s.MultipleOf, write)
	case "pattern":
		return e.text(s.Pattern, write)
	case "properties":
		if len(s.Properties) == 0 || !write {
			return len(s.Properties) != 0, nil
		}
		return true, writeMap(e, s.Properties)
	case "required":
		if len(s.Required) != 0 && write {
			e.strings(s.Required)
		}
		return len(s.Required) != 0, nil
	case "title":
		return e.text(s.Title, write)
	case "type":
		if s.Type == nil || len(*s.Type) == 0 || !write {
			return s.Type != nil && len(*s.Type) != 0, nil
		}
		if ts := *s.Type; len(ts) == 1 { // Types.MarshalYAML: one type as a string
			e.str(ts[0])
		} else {
			e.strings(ts)
		}
		return true, nil
	}
	return false, nil
}

func nonZero(n uint64) (uint64, bool) { return n, n != 0 }

func set(n *uint64) (uint64, bool) {
	if n == nil {
		return 0, false
	}
	return *n, true
}

func (e *docEncoder) some(present, write bool, v any) (bool, error) {
	if !present || !write {
		return present, nil
	}
	return true, e.value(v)
}

func (e *docEncoder) text(s string, write bool) (bool, error) {
	if s != "" && write {
		e.str(s)
	}
	return s != "", nil
}

func (e *docEncoder) count(n uint64, present, write bool) (bool, error) {
	if present && write {
		e.b = strconv.AppendUint(e.b, n, 10)
	}
	return present, nil
}

func (e *docEncoder) number(f *float64, write bool) (bool, error) {
	if f == nil || !write {
		return f != nil, nil
	}
	return true, e.float(*f)
}

// schema writes s as Schema.MarshalYAML's map would be written, for the
// keywords of schemaKeywords (a keyword overrides an extension of the same
// name, as it does in that map). A schema using any other keyword (from a
// SchemaProvider) goes through kin-openapi.
func (e *docEncoder) schema(s *openapi3.Schema) error {
	rest := *s
	rest.Extensions, rest.Origin = nil, nil
	rest.AnyOf, rest.Type, rest.Title, rest.Format, rest.Description = nil, nil, "", "", ""
	rest.Enum, rest.Default, rest.Example, rest.Examples = nil, nil, nil, nil
	rest.ExclusiveMin, rest.ExclusiveMax = openapi3.ExclusiveBound{}, openapi3.ExclusiveBound{}
	rest.Deprecated, rest.Min, rest.Max, rest.MultipleOf = false, nil, nil, nil
	rest.MinLength, rest.MaxLength, rest.Pattern = 0, nil, ""
	rest.MinItems, rest.MaxItems, rest.Items = 0, nil, nil
	rest.Required, rest.Properties, rest.MinProps, rest.MaxProps = nil, nil, 0, nil
	rest.AdditionalProperties, rest.ContentEncoding = openapi3.AdditionalProperties{}, ""
	if !allZero(&rest) {
		y, err := s.MarshalYAML()
		if err != nil {
			return err
		}
		return e.value(y)
	}

	return e.fields(s.Extensions, schemaKeywords[:], func(k int, write bool) (bool, error) {
		return e.keyword(s, k, write)
	})
}

// fields writes an object as the map a kin-openapi MarshalYAML returns: ext
// copied in first, then each of names (sorted) that field reports present,
// over an extension of the same name; keys sorted as encoding/json sorts them.
func (e *docEncoder) fields(ext map[string]any, names []string, field func(k int, write bool) (bool, error)) error {
	base := len(e.keys)
	e.keys = slices.AppendSeq(e.keys, maps.Keys(ext))
	keys := e.keys[base:]
	sort.Strings(keys)
	e.b = append(e.b, '{')
	first := true
	sep := func(name string) {
		if !first {
			e.b = append(e.b, ',')
		}
		first = false
		e.str(name)
		e.b = append(e.b, ':')
	}
	i := 0
	for k, name := range names {
		for ; i < len(keys) && keys[i] < name; i++ {
			sep(keys[i])
			if err := e.value(ext[keys[i]]); err != nil {
				return err
			}
		}
		if present, _ := field(k, false); !present {
			continue
		}
		if i < len(keys) && keys[i] == name {
			i++ // the field wins
		}
		sep(name)
		if _, err := field(k, true); err != nil {
			return err
		}
	}
	for ; i < len(keys); i++ {
		sep(keys[i])
		if err := e.value(ext[keys[i]]); err != nil {
			return err
		}
	}
	e.b = append(e.b, '}')
	clear(e.keys[base:])
	e.keys = e.keys[:base]
	return nil
}

// parameterFields are the keys of Parameter.MarshalYAML, sorted
// (TestFieldsSorted).
var parameterFields = [...]string{
	"allowEmptyValue", "allowReserved", "content", "deprecated", "description",
	"example", "examples", "explode", "in", "name", "required", "schema", "style",
}

// parameter writes p as Parameter.MarshalYAML's map would be written.
func (e *docEncoder) parameter(p *openapi3.Parameter) error {
	return e.fields(p.Extensions, parameterFields[:], func(k int, write bool) (bool, error) {
		switch parameterFields[k] {
		case "allowEmptyValue":
			return e.flag(p.AllowEmptyValue, write)
		case "allowReserved":
			return e.flag(p.AllowReserved, write)
		case "content":
			return e.some(len(p.Content) != 0, write, p.Content)
		case "deprecated":
			return e.flag(p.Deprecated, write)
		case "description":
			return e.text(p.Description, write)
		case "example":
			return e.some(p.Example != nil, write, p.Example)
		case "examples":
			return e.some(len(p.Examples) != 0, write, p.Examples)
		case "explode":
			if p.Explode == nil || !write {
				return p.Explode != nil, nil
			}
			e.b = strconv.AppendBool(e.b, *p.Explode)
			return true, nil
		case "in":
			return e.text(p.In, write)
		case "name":
			return e.text(p.Name, write)
		case "required":
			return e.flag(p.Required, write)
		case "schema":
			return e.some(p.Schema != nil, write, p.Schema)
		case "style":
			return e.text(p.Style, write)
		}
		return false, nil
	})
}

// operationFields are the keys of Operation.MarshalYAML, sorted
// (TestFieldsSorted).
var operationFields = [...]string{
	"callbacks", "deprecated", "description", "externalDocs", "operationId", "parameters",
	"requestBody", "responses", "security", "servers", "summary", "tags",
}

// operation writes o as Operation.MarshalYAML's map would be written.
func (e *docEncoder) operation(o *openapi3.Operation) error {
	return e.fields(o.Extensions, operationFields[:], func(k int, write bool) (bool, error) {
		switch operationFields[k] {
		case "callbacks":
			return e.some(len(o.Callbacks) != 0, write, o.Callbacks)
		case "deprecated":
			return e.flag(o.Deprecated, write)
		case "description":
			return e.text(o.Description, write)
		case "externalDocs":
			return e.some(o.ExternalDocs != nil, write, o.ExternalDocs)
		case "operationId":
			return e.text(o.OperationID, write)
		case "parameters":
			return e.some(len(o.Parameters) != 0, write, o.Parameters)
		case "requestBody":
			return e.some(o.RequestBody != nil, write, o.RequestBody)
		case "responses":
			return e.some(o.Responses != nil, write, o.Responses)
		case "security":
			return e.some(o.Security != nil, write, o.Security)
		case "servers":
			return e.some(o.Servers != nil, write, o.Servers)
		case "summary":
			return e.text(o.Summary, write)
		case "tags":
			return e.some(len(o.Tags) != 0, write, o.Tags)
		}
		return false, nil
	})
}

// responseFields are the keys of Response.MarshalYAML, sorted.
var responseFields = [...]string{"content", "description", "headers", "links"}

// response writes r as Response.MarshalYAML's map would be written.
func (e *docEncoder) response(r *openapi3.Response) error {
	return e.fields(r.Extensions, responseFields[:], func(k int, write bool) (bool, error) {
		switch responseFields[k] {
		case "content":
			return e.some(len(r.Content) != 0, write, r.Content)
		case "description":
			return e.some(r.Description != nil, write, r.Description)
		case "headers":
			return e.some(len(r.Headers) != 0, write, r.Headers)
		case "links":
			return e.some(len(r.Links) != 0, write, r.Links)
		}
		return false, nil
	})
}

// mediaTypeFields are the keys of MediaType.MarshalYAML, sorted.
var mediaTypeFields = [...]string{"encoding", "example", "examples", "itemSchema", "schema"}

// mediaType writes m as MediaType.MarshalYAML's map would be written.
func (e *docEncoder) mediaType(m *openapi3.MediaType) error {
	return e.fields(m.Extensions, mediaTypeFields[:], func(k int, write bool) (bool, error) {
		switch mediaTypeFields[k] {
		case "encoding":
			return e.some(len(m.Encoding) != 0, write, m.Encoding)
		case "example":
			return e.some(m.Example != nil, write, m.Example)
		case "examples":
			return e.some(len(m.Examples) != 0, write, m.Examples)
		case "itemSchema":
			return e.some(m.ItemSchema != nil, write, m.ItemSchema)
		case "schema":
			return e.some(m.Schema != nil, write, m.Schema)
		}
		return false, nil
	})
}

func (e *docEncoder) flag(b, write bool) (bool, error) {
	if b && write {
		e.b = append(e.b, "true"...)
	}
	return b, nil
}

// allZero reports whether every byte of *s is zero, and so every field (a
// cheaper test than reflect's IsZero; padding that is not zero would only
// send the schema through kin-openapi, whose output is the same).
func allZero(s *openapi3.Schema) bool {
	type raw [unsafe.Sizeof(openapi3.Schema{})]byte
	return *(*raw)(unsafe.Pointer(s)) == raw{}
}
