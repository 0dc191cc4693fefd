// Package jsonfields is encoding/json's field rules, implemented once for
// Keel: which fields of a struct type encoding/json writes and reads, under
// which names, in which order, with which options. The request body decoder
// (internal/bind) and the OpenAPI schemas (openapi) use it, so that what is
// decoded, what is documented and what encoding/json writes agree; a response
// encoder can use it to write what encoding/json writes.
//
// The rules, as encoding/json documents and applies them:
//
//   - Exported fields are fields; unexported ones are not, except that an
//     embedded struct (or pointer to struct) is looked into even when its
//     type is unexported. An embedded field of an unexported non-struct type
//     is ignored.
//   - The json tag's name replaces the Go name; "-" drops the field ("-,"
//     names it "-"); a name with characters other than letters, digits and
//     the punctuation !#$%&()*+-./:;<=>?@[]^_{|}~ and space is ignored (the Go
//     name is used). The options omitempty, omitzero and string are read; string
//     applies to booleans, numbers and strings (and pointers to them).
//   - An embedded struct without a tag name has its fields promoted, level by
//     level (breadth first). A struct type met again at a deeper level is not
//     looked into again; one met several times at the same level has its
//     fields counted once per occurrence.
//   - For each name, the fields at the smallest depth compete: one alone
//     wins; among several, the only tagged one wins; otherwise none does and
//     the name is dropped (encoding/json neither writes nor reads it).
//   - The fields come in the order of their index paths: declaration order,
//     embedded fields in place.
package jsonfields

import (
	"reflect"
	"slices"
	"strings"
	"unicode"
)

// Field is one field encoding/json writes and reads for a struct type.
type Field struct {
	// Name is the JSON object key.
	Name string
	// Tagged reports that Name comes from the json tag.
	Tagged bool
	// Index is the path from the struct to the field, as
	// reflect.Value.FieldByIndex takes it.
	Index []int
	// Go is the struct field at the end of Index (its Type is the field's
	// declared type, its Tag the whole tag).
	Go reflect.StructField
	// OmitEmpty, OmitZero and Quoted are the tag's omitempty, omitzero and
	// string options; Quoted only where string applies (a bool, number or
	// string, or an unnamed pointer to one).
	OmitEmpty, OmitZero, Quoted bool
	// Steps walk from the struct's address to the field's: see Step. A field
	// not reached through an embedded pointer has one step, its offset.
	Steps []Step
	// ThroughUnexported reports that a step loads an embedded pointer to an
	// unexported struct type: encoding/json writes the field when the pointer
	// is set but cannot allocate it to read one (it reports an error), and
	// neither can Alloc.
	ThroughUnexported bool
}

// Step is one move along a field's path from the address of the struct: add
// Offset, then, when Indirect, load the embedded pointer stored there; a nil
// pointer means the field is absent (encoding/json writes nothing for it, and
// a decoder allocates the embedded struct: see Alloc).
type Step struct {
	Offset   uintptr
	Indirect bool
}

// Direct reports whether the field is at a fixed offset from the struct
// (no embedded pointer on the way), and the offset.
func (f Field) Direct() (uintptr, bool) {
	if len(f.Steps) == 1 && !f.Steps[0].Indirect {
		return f.Steps[0].Offset, true
	}
	return 0, false
}

// Value returns the field of the struct value v (of the type Of was given),
// and false when an embedded pointer on the way is nil: the field is absent,
// as encoding/json sees it when writing.
func (f Field) Value(v reflect.Value) (reflect.Value, bool) {
	for i, x := range f.Index {
		if i > 0 && v.Kind() == reflect.Pointer {
			if v.IsNil() {
				return reflect.Value{}, false
			}
			v = v.Elem()
		}
		v = v.Field(x)
	}
	return v, true
}

// Alloc returns the field of the addressable struct value v, allocating the
// nil embedded pointers on the way, as encoding/json does when reading. It
// panics when ThroughUnexported is set.
func (f Field) Alloc(v reflect.Value) reflect.Value {
	for i, x := range f.Index {
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

// candidate is a field found while walking, before names compete.
type candidate struct {
	Field
	depth int
}

// embedded is a struct type to look into at the next level, and how it is
// reached.
type embedded struct {
	t        reflect.Type
	index    []int
	steps    []Step
	unexpPtr bool
}

// Of returns the fields encoding/json writes and reads for the struct type t,
// in order. It returns nil when t is not a struct.
func Of(t reflect.Type) []Field {
	if t == nil || t.Kind() != reflect.Struct {
		return nil
	}
	var found []candidate
	seen := map[reflect.Type]bool{} // looked into at an earlier level (or this one)
	level := []embedded{{t: t}}
	for depth := 0; len(level) > 0; depth++ {
		times := map[reflect.Type]int{} // occurrences of each type at this level
		for _, e := range level {
			times[e.t]++
		}
		var next []embedded
		for _, e := range level {
			if seen[e.t] {
				continue
			}
			seen[e.t] = true
			for i := 0; i < e.t.NumField(); i++ {
				sf := e.t.Field(i)
				name, opts, skip := tagOf(sf)
				if skip {
					continue
				}
				index := append(slices.Clip(e.index), i)
				steps := appendStep(e.steps, sf.Offset)
				ft := sf.Type
				if ft.Name() == "" && ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if name == "" && sf.Anonymous && ft.Kind() == reflect.Struct {
					n := embedded{t: ft, index: index, steps: steps, unexpPtr: e.unexpPtr}
					if sf.Type.Kind() == reflect.Pointer {
						n.steps = append(slices.Clip(steps), Step{})
						n.steps[len(n.steps)-2].Indirect = true
						n.unexpPtr = n.unexpPtr || !sf.IsExported()
					}
					if !slices.ContainsFunc(next, func(x embedded) bool { return x.t == ft }) {
						next = append(next, n)
					} else {
						next = append(next, embedded{t: ft}) // counted again; looked into once
					}
					continue
				}
				f := Field{Name: name, Tagged: name != "", Index: index, Go: sf, Steps: steps, ThroughUnexported: e.unexpPtr}
				if f.Name == "" {
					f.Name = sf.Name
				}
				for _, o := range opts {
					switch o {
					case "omitempty":
						f.OmitEmpty = true
					case "omitzero":
						f.OmitZero = true
					case "string":
						f.Quoted = quotable(ft.Kind())
					}
				}
				found = append(found, candidate{f, depth})
				if times[e.t] > 1 {
					found = append(found, candidate{f, depth}) // a second occurrence: the name is ambiguous
				}
			}
		}
		level = next
	}
	return dominant(found)
}

// tagOf reads sf's json tag: the name ("" when absent or not a valid name),
// the options, and whether the field is no field at all.
func tagOf(sf reflect.StructField) (name string, opts []string, skip bool) {
	if sf.Anonymous {
		t := sf.Type
		if t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if !sf.IsExported() && t.Kind() != reflect.Struct {
			return "", nil, true
		}
	} else if !sf.IsExported() {
		return "", nil, true
	}
	tag := sf.Tag.Get("json")
	if tag == "-" {
		return "", nil, true
	}
	name, rest, _ := strings.Cut(tag, ",")
	if !validName(name) {
		name = ""
	}
	if rest != "" {
		opts = strings.Split(rest, ",")
	}
	return name, opts, false
}

// validName reports whether encoding/json accepts s as a key name: letters,
// digits, space and ASCII punctuation other than quotes and backslash.
func validName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune(" !#$%&()*+-./:;<=>?@[]^_{|}~", r) {
			continue
		}
		return false
	}
	return true
}

// quotable reports whether the string option applies to a value of kind k.
func quotable(k reflect.Kind) bool {
	switch k {
	case reflect.Bool, reflect.String, reflect.Float32, reflect.Float64,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return true
	}
	return false
}

// appendStep adds offset to the last step of steps (a copy), or starts them.
func appendStep(steps []Step, offset uintptr) []Step {
	out := slices.Clone(steps)
	if len(out) == 0 {
		return []Step{{Offset: offset}}
	}
	out[len(out)-1].Offset += offset
	return out
}

// dominant keeps, for each name, the field that wins it (see the package
// documentation), in the order of the index paths.
func dominant(found []candidate) []Field {
	byName := map[string][]candidate{}
	for _, c := range found {
		byName[c.Name] = append(byName[c.Name], c)
	}
	var out []Field
	for _, group := range byName {
		top := group[0].depth
		for _, c := range group {
			top = min(top, c.depth)
		}
		var best []candidate
		for _, c := range group {
			if c.depth == top {
				best = append(best, c)
			}
		}
		if len(best) > 1 {
			tagged := slices.DeleteFunc(slices.Clone(best), func(c candidate) bool { return !c.Tagged })
			if len(tagged) != 1 {
				continue // ambiguous: dropped
			}
			best = tagged
		}
		out = append(out, best[0].Field)
	}
	slices.SortFunc(out, func(a, b Field) int { return slices.Compare(a.Index, b.Index) })
	return out
}
