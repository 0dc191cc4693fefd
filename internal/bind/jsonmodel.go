package bind

import (
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"unsafe"

	"github.com/keelgo/keel/params"
)

// modelField is one JSON field of a struct.
type modelField struct {
	desc     params.Field
	name     string
	index    []int
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
	return fieldAlloc(reflect.NewAt(st, p).Elem(), mf.index).Addr().UnsafePointer()
}

// fieldOffset returns the offset of the field at index in t, and false when
// the path goes through an embedded pointer.
func fieldOffset(t reflect.Type, index []int) (uintptr, bool) {
	var off uintptr
	for i, x := range index {
		if i > 0 {
			if t.Kind() == reflect.Pointer {
				return 0, false
			}
		}
		f := t.Field(x)
		off += f.Offset
		t = f.Type
	}
	return off, true
}

// jsonField is a candidate field found while flattening a struct.
type jsonField struct {
	f      reflect.StructField
	name   string
	index  []int
	tagged bool
}

// jsonFieldsOf lists the JSON fields of t with encoding/json's rules: json tag
// names, "-" skipped, embedded structs flattened, the shallowest (then the
// tagged) field winning a name, declaration order.
func jsonFieldsOf(t reflect.Type) []jsonField {
	type cand struct {
		jsonField
		depth int
	}
	var all []cand
	var walk func(t reflect.Type, index []int, depth int, seen map[reflect.Type]bool)
	walk = func(t reflect.Type, index []int, depth int, seen map[reflect.Type]bool) {
		if seen[t] {
			return
		}
		seen[t] = true
		defer delete(seen, t)
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			tag := f.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, _, _ := strings.Cut(tag, ",")
			idx := append(append([]int(nil), index...), i)
			if f.Anonymous && name == "" {
				ft := f.Type
				if ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if ft.Kind() == reflect.Struct {
					walk(ft, idx, depth+1, seen)
					continue
				}
			}
			if !f.IsExported() {
				continue
			}
			tagged := name != ""
			if !tagged {
				name = f.Name
			}
			all = append(all, cand{jsonField{f: f, name: name, index: idx, tagged: tagged}, depth})
		}
	}
	walk(t, nil, 0, map[reflect.Type]bool{})
	byName := map[string][]cand{}
	for _, c := range all {
		byName[c.name] = append(byName[c.name], c)
	}
	var out []jsonField
	for _, c := range all {
		group := byName[c.name]
		best := group[0].depth
		for _, g := range group {
			best = min(best, g.depth)
		}
		var atBest []cand
		for _, g := range group {
			if g.depth == best {
				atBest = append(atBest, g)
			}
		}
		winner := -1
		if len(atBest) == 1 {
			winner = 0
		} else {
			n := 0
			for i, g := range atBest {
				if g.tagged {
					winner, n = i, n+1
				}
			}
			if n != 1 {
				winner = -1
			}
		}
		if winner >= 0 && equalIndex(atBest[winner].index, c.index) {
			out = append(out, c.jsonField)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return lessIndex(out[i].index, out[j].index) })
	return out
}

func equalIndex(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func lessIndex(a, b []int) bool {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return len(a) < len(b)
}

// modelFieldsLocked compiles the JSON fields of struct t.
func (c *Compiler) modelFieldsLocked(t reflect.Type) ([]modelField, error) {
	var out []modelField
	for _, jf := range jsonFieldsOf(t) {
		f := jf.f
		cons, err := ParseConstraints(f)
		if err != nil {
			return nil, fmt.Errorf("field %s of %s: %v", f.Name, t, err)
		}
		desc := params.Field{
			In: params.InBody, Name: jf.name, GoName: f.Name, Index: jf.index, Type: f.Type,
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
		mf := modelField{desc: desc, name: jf.name, index: jf.index, dec: dec}
		mf.offset, mf.direct = fieldOffset(t, jf.index)
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

// fieldAlloc is Value.FieldByIndex that allocates nil embedded pointers.
func fieldAlloc(v reflect.Value, index []int) reflect.Value {
	for i, x := range index {
		if i > 0 && v.Kind() == reflect.Pointer {
			if v.IsNil() {
				v.Set(reflect.New(v.Type().Elem()))
			}
			v = v.Elem()
		}
		v = v.Field(x)
	}
	return v
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

// HasJSONFields reports whether encoding/json would read or write any field of
// the struct type t.
func HasJSONFields(t reflect.Type) bool { return len(jsonFieldsOf(t)) > 0 }
