package openapi

import (
	"encoding/json"
	"reflect"

	"github.com/getkin/kin-openapi/openapi3"
)

// kinPkg is the package of kin-openapi's document types.
var kinPkg = reflect.TypeFor[openapi3.T]().PkgPath()

type yamlMarshaler interface {
	MarshalYAML() (any, error)
}

// marshalDoc encodes a kin-openapi document exactly as json.Marshal does,
// faster. kin-openapi's MarshalJSON methods each marshal their subtree to
// bytes that the parent then re-validates and compacts, so encoding costs
// grow with the depth of the document. Here every kin-openapi value is first
// turned into plain maps and slices through its MarshalYAML (which its
// MarshalJSON encodes), and the tree is encoded once. TestMarshalDocMatches
// checks the bytes are the same.
func marshalDoc(doc any) ([]byte, error) {
	tree, err := plain(doc)
	if err != nil {
		return nil, err
	}
	return json.Marshal(tree)
}

func plain(v any) (any, error) {
	switch x := v.(type) {
	case nil, string, bool, float64, int, int64, uint64, []string, json.RawMessage, json.Number:
		return v, nil
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			p, err := plain(e)
			if err != nil {
				return nil, err
			}
			out[k] = p
		}
		return out, nil
	case *openapi3.SchemaRef:
		if x == nil {
			return nil, nil
		}
		if x.Ref == "" && x.Value != nil {
			return plainSchema(x.Value)
		}
	case *openapi3.Schema:
		if x == nil {
			return nil, nil
		}
		return plainSchema(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			p, err := plain(e)
			if err != nil {
				return nil, err
			}
			out[i] = p
		}
		return out, nil
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer && rv.IsNil() {
		return nil, nil // as json.Marshal writes a nil pointer, Marshaler or not
	}
	if m, ok := v.(yamlMarshaler); ok && deref(rv.Type()).PkgPath() == kinPkg {
		y, err := m.MarshalYAML()
		if err != nil {
			return nil, err
		}
		return plain(y)
	}
	if _, ok := v.(json.Marshaler); ok {
		return v, nil
	}
	switch rv.Kind() {
	case reflect.Pointer, reflect.Interface:
		return plain(rv.Elem().Interface())
	case reflect.Slice:
		if rv.IsNil() {
			return nil, nil
		}
		if rv.Type().Elem().Kind() == reflect.Uint8 {
			return v, nil
		}
		fallthrough
	case reflect.Array:
		out := make([]any, rv.Len())
		for i := range out {
			p, err := plain(rv.Index(i).Interface())
			if err != nil {
				return nil, err
			}
			out[i] = p
		}
		return out, nil
	case reflect.Map:
		if rv.IsNil() {
			return nil, nil
		}
		if rv.Type().Key().Kind() != reflect.String {
			return v, nil
		}
		out := make(map[string]any, rv.Len())
		for it := rv.MapRange(); it.Next(); {
			p, err := plain(it.Value().Interface())
			if err != nil {
				return nil, err
			}
			out[it.Key().String()] = p
		}
		return out, nil
	}
	return v, nil
}

// plainSchema is Schema.MarshalYAML for the keywords Build writes, with a
// map sized to them rather than to every keyword of JSON Schema. A schema
// using any other keyword (from a SchemaProvider) goes through kin-openapi.
func plainSchema(s *openapi3.Schema) (any, error) {
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
	if !reflect.ValueOf(rest).IsZero() {
		y, err := s.MarshalYAML()
		if err != nil {
			return nil, err
		}
		return plain(y)
	}

	m := make(map[string]any, 4+len(s.Extensions))
	var err error
	set := func(k string, v any) {
		if err == nil {
			m[k], err = plain(v)
		}
	}
	for k, v := range s.Extensions {
		set(k, v)
	}
	if len(s.AnyOf) != 0 {
		set("anyOf", s.AnyOf)
	}
	if s.Type != nil && len(*s.Type) != 0 {
		set("type", s.Type)
	}
	if s.Title != "" {
		m["title"] = s.Title
	}
	if s.Format != "" {
		m["format"] = s.Format
	}
	if s.Description != "" {
		m["description"] = s.Description
	}
	if len(s.Enum) != 0 {
		set("enum", s.Enum)
	}
	if s.Default != nil {
		set("default", s.Default)
	}
	if s.Example != nil {
		set("example", s.Example)
	}
	if s.ExclusiveMin.IsSet() {
		set("exclusiveMinimum", s.ExclusiveMin)
	}
	if s.ExclusiveMax.IsSet() {
		set("exclusiveMaximum", s.ExclusiveMax)
	}
	if s.Deprecated {
		m["deprecated"] = true
	}
	if s.Min != nil {
		m["minimum"] = *s.Min
	}
	if s.Max != nil {
		m["maximum"] = *s.Max
	}
	if s.MultipleOf != nil {
		m["multipleOf"] = *s.MultipleOf
	}
	if s.MinLength != 0 {
		m["minLength"] = s.MinLength
	}
	if s.MaxLength != nil {
		m["maxLength"] = *s.MaxLength
	}
	if s.Pattern != "" {
		m["pattern"] = s.Pattern
	}
	if s.MinItems != 0 {
		m["minItems"] = s.MinItems
	}
	if s.MaxItems != nil {
		m["maxItems"] = *s.MaxItems
	}
	if s.Items != nil {
		set("items", s.Items)
	}
	if len(s.Required) != 0 {
		m["required"] = s.Required
	}
	if len(s.Properties) != 0 {
		props := make(map[string]any, len(s.Properties))
		for k, v := range s.Properties {
			if err == nil {
				props[k], err = plain(v)
			}
		}
		m["properties"] = props
	}
	if s.MinProps != 0 {
		m["minProperties"] = s.MinProps
	}
	if s.MaxProps != nil {
		m["maxProperties"] = *s.MaxProps
	}
	if ap := s.AdditionalProperties; ap.Has != nil {
		m["additionalProperties"] = *ap.Has
	} else if ap.Schema != nil {
		set("additionalProperties", ap.Schema)
	}
	if len(s.Examples) != 0 {
		set("examples", s.Examples)
	}
	if s.ContentEncoding != "" {
		m["contentEncoding"] = s.ContentEncoding
	}
	return m, err
}
