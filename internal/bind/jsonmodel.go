package bind

import (
	"fmt"
	"reflect"
	"strconv"
	"unsafe"

	"github.com/keelgo/keel/internal/jsonfields"
	"github.com/keelgo/keel/params"
)

// modelField is one JSON field of a struct.
type modelField struct {
	desc     params.Field
	name     string
	field    jsonfields.Field
	offset   uintptr // from the struct's address, when direct
	direct   bool    // no embedded pointer on the way: the field is at offset
	dec      decodeFn
	required bool
	def      *defaultValue // nil: no default
}

// ptr returns the address of the field in the struct at p, allocating nil
// embedded struct pointers on the way.
func (mf *modelField) ptr(st reflect.Type, p unsafe.Pointer) unsafe.Pointer {
	if mf.direct {
		return unsafe.Add(p, mf.offset)
	}
	return mf.field.Alloc(reflect.NewAt(st, p).Elem()).Addr().UnsafePointer()
}

// modelFieldsLocked compiles the JSON fields of struct t.
func (c *Compiler) modelFieldsLocked(t reflect.Type) ([]modelField, error) {
	var out []modelField
	for _, jf := range jsonfields.Of(t) {
		f := jf.Go
		if jf.ThroughUnexported {
			return nil, fmt.Errorf("field %s of %s is reached through an embedded pointer to an unexported struct, which cannot be allocated to decode it (encoding/json refuses it too); export the embedded type or embed it by value", f.Name, t)
		}
		cons, err := ParseConstraints(f)
		if err != nil {
			return nil, fmt.Errorf("field %s of %s: %v", f.Name, t, err)
		}
		desc := params.Field{
			In: params.InBody, Name: jf.Name, GoName: f.Name, Index: jf.Index, Type: f.Type,
			Constraints: cons,
			Title:       f.Tag.Get("title"),
			Description: f.Tag.Get("description"),
			Format:      f.Tag.Get("format"),
		}
		if v, ok := f.Tag.Lookup("deprecated"); ok {
			desc.Deprecated, _ = strconv.ParseBool(v)
		}
		if v, ok := f.Tag.Lookup("hidden"); ok {
			desc.Hidden, _ = strconv.ParseBool(v)
		}
		if v, ok := f.Tag.Lookup("example"); ok {
			desc.Examples = []any{parseExample(v)}
		}
		dec, err := c.fieldDecoderLocked(f.Type, cons, hasOmitEmpty(f.Tag.Get("validate")))
		if err != nil {
			return nil, fmt.Errorf("field %s of %s: %v", f.Name, t, err)
		}
		if err := c.checkValidatorTags(f.Type, cons.Other); err != nil {
			return nil, fmt.Errorf("field %s of %s: %v", f.Name, t, err)
		}
		mf := modelField{desc: desc, name: jf.Name, field: jf, dec: dec}
		mf.offset, mf.direct = jf.Direct()
		if text, ok := f.Tag.Lookup("default"); ok {
			def, val, err := c.bodyDefault(f.Type, text)
			if err != nil {
				return nil, fmt.Errorf("field %s of %s: default %q is not a valid %s: %v", f.Name, t, text, f.Type, err)
			}
			mf.def = def
			mf.desc.Default = val.Interface()
		}
		mf.required = cons.Required || (mf.def == nil && requiredByType(f.Type))
		mf.desc.Required = mf.required
		out = append(out, mf)
	}
	return out, nil
}

// ModelFields describes the JSON fields of a struct used in a body, as the
// binder decodes them: wire (json) names, required-ness (a non-pointer,
// non-slice, non-map field without a default, or validate:"required"),
// defaults and constraints. The openapi package builds schemas from it.
func (c *Compiler) ModelFields(t reflect.Type) ([]params.Field, error) {
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("params: %s is not a struct", t)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	mfs, err := c.modelFieldsLocked(t)
	if err != nil {
		return nil, fmt.Errorf("params: %v", err)
	}
	out := make([]params.Field, len(mfs))
	for i, mf := range mfs {
		out[i] = mf.desc
	}
	return out, nil
}
