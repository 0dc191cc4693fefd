package params

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/keelgo/keel"
)

// dstate carries the location and the collected errors while a JSON value is
// decoded into Go values.
type dstate struct {
	loc  []any
	errs []keel.ErrorDetail
}

func (d *dstate) push(k any) { d.loc = append(d.loc, k) }
func (d *dstate) pop()       { d.loc = d.loc[:len(d.loc)-1] }

func (d *dstate) fail(f *failure, input any) {
	d.errs = append(d.errs, detail(f, append([]any(nil), d.loc...), input))
}

// decodeFn decodes a parsed JSON value (nil, bool, json.Number, string, []any,
// map[string]any) into dst, which is settable, recording errors in d with
// pydantic's lax Python-mode rules (the body is validated after json.loads).
type decodeFn func(d *dstate, in any, dst reflect.Value)

// typeDecoder is a cached decoder; fn is set once the type is compiled, which
// lets recursive types refer to themselves.
type typeDecoder struct{ fn decodeFn }

func (td *typeDecoder) call(d *dstate, in any, dst reflect.Value) { td.fn(d, in, dst) }

var (
	jsonUnmarshalerType = reflect.TypeFor[json.Unmarshaler]()
	anyType             = reflect.TypeFor[any]()
)

func usesJSONUnmarshaler(t reflect.Type) bool {
	return t.Kind() != reflect.Pointer && t.Kind() != reflect.Interface &&
		reflect.PointerTo(t).Implements(jsonUnmarshalerType) && !implementsText(t)
}

// decoderLocked returns the decoder of t without field constraints. c.mu is held.
func (c *Compiler) decoderLocked(t reflect.Type) (*typeDecoder, error) {
	if td, ok := c.decoders[t]; ok {
		return td, nil
	}
	td := &typeDecoder{}
	c.decoders[t] = td
	fn, err := c.buildDecoder(t)
	if err != nil {
		delete(c.decoders, t)
		return nil, err
	}
	td.fn = fn
	return td, nil
}

func (c *Compiler) buildDecoder(t reflect.Type) (decodeFn, error) {
	if usesJSONUnmarshaler(t) {
		return decodeUnmarshaler, nil
	}
	if sc, ok := scalarOf(t); ok {
		el := &elem{sc: sc, minLen: -1, maxLen: -1}
		return el.decoder(), nil
	}
	switch t.Kind() {
	case reflect.Pointer:
		inner, err := c.decoderLocked(t.Elem())
		if err != nil {
			return nil, err
		}
		return pointerDecoder(t, inner.call), nil
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 && !usesJSONUnmarshaler(t.Elem()) && !implementsText(t.Elem()) {
			return decodeBytes, nil
		}
		inner, err := c.decoderLocked(t.Elem())
		if err != nil {
			return nil, err
		}
		return sliceDecoder(t, inner), nil
	case reflect.Map:
		return c.mapDecoder(t)
	case reflect.Struct:
		return c.structDecoder(t)
	case reflect.Interface:
		if t == anyType {
			return decodeAny, nil
		}
	}
	return nil, fmt.Errorf("type %s cannot be decoded from JSON; use strings, numbers, bools, structs, slices, maps with string or integer keys, pointers or any", t)
}

// fieldDecoderLocked returns the decoder of a value with its constraints: scalar
// checks, list lengths, validator tags. Pointers are looked through.
func (c *Compiler) fieldDecoderLocked(t reflect.Type, cons Constraints, omitEmpty bool) (decodeFn, error) {
	base, isPtr := t, false
	if t.Kind() == reflect.Pointer {
		base, isPtr = t.Elem(), true
	}
	var fn decodeFn
	if sc, ok := scalarOf(base); ok && !usesJSONUnmarshaler(base) {
		el, err := c.buildElem(sc, cons, omitEmpty, false)
		if err != nil {
			return nil, err
		}
		fn = el.decoder()
	} else {
		if cons.Enum != nil || cons.Pattern != "" || cons.MultipleOf != nil || cons.Gt != nil || cons.Ge != nil || cons.Lt != nil || cons.Le != nil {
			return nil, fmt.Errorf("constraints on values do not apply to %s", base)
		}
		td, err := c.decoderLocked(base)
		if err != nil {
			return nil, err
		}
		fn = td.call
		minL, maxL := -1, -1
		if cons.MinLength != nil {
			minL = *cons.MinLength
		}
		if cons.MaxLength != nil {
			maxL = *cons.MaxLength
		}
		if minL >= 0 || maxL >= 0 {
			fn = lengthDecoder(fn, minL, maxL, base.Kind() == reflect.Map)
		}
		if cons.Other != "" {
			fn = validatorDecoder(fn, c.opts.Validate.Var, cons.Other)
		}
	}
	if isPtr {
		fn = pointerDecoder(t, fn)
	}
	return fn, nil
}

// decoder returns the JSON decoder of a scalar with its checks.
func (e *elem) decoder() decodeFn {
	return func(d *dstate, in any, dst reflect.Value) {
		if f := e.decodeJSON(in, dst); f != nil {
			d.fail(f, in)
		}
	}
}

func (e *elem) decodeJSON(in any, dst reflect.Value) *failure {
	switch e.sc.kind {
	case kString:
		s, ok := in.(string)
		if !ok {
			return fail("string_type", msgStringType)
		}
		if f := e.checkString(s); f != nil {
			return f
		}
		dst.SetString(s)
	case kInt:
		neg, mag, big, f := jsonInt(in)
		if f != nil {
			if e.hasEnum() {
				return e.literalFailure()
			}
			return f
		}
		v, f := signedFromMag(neg, mag, big, e.sc.bits)
		if f == nil {
			f = e.checkInt(v)
		}
		if f != nil {
			return f
		}
		dst.SetInt(v)
	case kUint:
		neg, mag, big, f := jsonInt(in)
		if f != nil {
			if e.hasEnum() {
				return e.literalFailure()
			}
			return f
		}
		v, f := unsignedFromMag(neg, mag, big, e.sc.bits)
		if f == nil {
			f = e.checkUint(v)
		}
		if f != nil {
			return f
		}
		dst.SetUint(v)
	case kFloat:
		v, f := jsonFloat(in)
		if f != nil {
			if e.hasEnum() {
				return e.literalFailure()
			}
			return f
		}
		if f := e.checkFloat(v); f != nil {
			return f
		}
		dst.SetFloat(v)
	case kBool:
		v, f := jsonBool(in)
		if f != nil {
			return f
		}
		dst.SetBool(v)
	case kText:
		s, ok := in.(string)
		if !ok {
			if e.sc.typ == timeType {
				return fail("datetime_type", msgDatetimeType)
			}
			return fail("string_type", msgStringType)
		}
		if f := e.checkString(s); f != nil {
			return f
		}
		u := dst.Addr().Interface().(interface{ UnmarshalText([]byte) error })
		if err := u.UnmarshalText([]byte(s)); err != nil {
			return textFailure(e.sc.typ, err)
		}
	}
	if e.other != "" {
		return validatorFailure(e.validate.Var(dst.Interface(), e.other))
	}
	return nil
}

// isIntLiteral reports whether a JSON number has no fraction or exponent
// (Python's json makes it an int, otherwise a float).
func isIntLiteral(s string) bool { return !strings.ContainsAny(s, ".eE") }

// jsonInt applies pydantic's lax int rules to a JSON value: bools are 0/1,
// floats must be whole and finite, strings are parsed like query values.
func jsonInt(in any) (neg bool, mag uint64, big bool, f *failure) {
	switch x := in.(type) {
	case bool:
		if x {
			return false, 1, false, nil
		}
		return false, 0, false, nil
	case json.Number:
		s := string(x)
		if isIntLiteral(s) {
			neg, mag, big, _ = parseLaxInt(s)
			return neg, mag, big, nil
		}
		v, _ := strconv.ParseFloat(s, 64)
		if math.IsInf(v, 0) || math.IsNaN(v) {
			return false, 0, false, fail("finite_number", msgFiniteNumber)
		}
		if v != math.Trunc(v) {
			return false, 0, false, fail("int_from_float", msgIntFromFloat)
		}
		a := math.Abs(v)
		if a >= 1<<64 {
			return v < 0, 0, true, nil
		}
		return v < 0, uint64(a), false, nil
	case string:
		neg, mag, big, ok := parseLaxInt(x)
		if !ok {
			return false, 0, false, fail("int_parsing", msgIntParsing)
		}
		return neg, mag, big, nil
	}
	return false, 0, false, fail("int_type", msgIntType)
}

// jsonFloat applies pydantic's lax float rules: bools, numbers, numeric
// strings ("50.5", docs/fastapi-compat.md §4.3). An integer too large for a float is float_type.
func jsonFloat(in any) (float64, *failure) {
	switch x := in.(type) {
	case bool:
		if x {
			return 1, nil
		}
		return 0, nil
	case json.Number:
		v, err := strconv.ParseFloat(string(x), 64)
		if err != nil && isIntLiteral(string(x)) {
			return 0, fail("float_type", msgFloatType)
		}
		return v, nil
	case string:
		v, ok := parseLaxFloat(x)
		if !ok {
			return 0, fail("float_parsing", msgFloatParsing)
		}
		return v, nil
	}
	return 0, fail("float_type", msgFloatType)
}

// jsonBool applies pydantic's lax bool rules: 0/1 (int or float), the
// boolean words in strings.
func jsonBool(in any) (bool, *failure) {
	switch x := in.(type) {
	case bool:
		return x, nil
	case json.Number:
		v, err := strconv.ParseFloat(string(x), 64)
		if err == nil && v == 0 {
			return false, nil
		}
		if err == nil && v == 1 {
			return true, nil
		}
		return false, fail("bool_parsing", msgBoolParsing)
	case string:
		v, ok := parseLaxBool(x)
		if !ok {
			return false, fail("bool_parsing", msgBoolParsing)
		}
		return v, nil
	}
	return false, fail("bool_type", msgBoolType)
}

// decodeBytes fills a []byte from a JSON string (its UTF-8 bytes, as pydantic
// does for bytes; not base64 like encoding/json).
func decodeBytes(d *dstate, in any, dst reflect.Value) {
	switch x := in.(type) {
	case nil:
		dst.SetZero()
	case string:
		dst.SetBytes([]byte(x))
	default:
		d.fail(fail("bytes_type", "Input should be a valid bytes"), in)
	}
}

// decodeAny stores the value as encoding/json would into an interface:
// float64 numbers, map[string]any, []any.
func decodeAny(_ *dstate, in any, dst reflect.Value) {
	v := plainJSON(in)
	if v == nil {
		dst.SetZero()
		return
	}
	dst.Set(reflect.ValueOf(v))
}

func plainJSON(in any) any {
	switch x := in.(type) {
	case json.Number:
		f, _ := strconv.ParseFloat(string(x), 64)
		return f
	case []any:
		out := make([]any, len(x))
		for i, v := range x {
			out[i] = plainJSON(v)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, v := range x {
			out[k] = plainJSON(v)
		}
		return out
	}
	return in
}

// decodeUnmarshaler hands the value, re-encoded, to the type's UnmarshalJSON.
func decodeUnmarshaler(d *dstate, in any, dst reflect.Value) {
	raw, err := json.Marshal(in)
	if err == nil {
		err = dst.Addr().Interface().(json.Unmarshaler).UnmarshalJSON(raw)
	}
	if err != nil {
		d.fail(valueError("invalid value"), in)
	}
}

// pointerDecoder: null is nil, anything else is decoded into a new value.
func pointerDecoder(t reflect.Type, inner decodeFn) decodeFn {
	return func(d *dstate, in any, dst reflect.Value) {
		if in == nil {
			dst.SetZero()
			return
		}
		nv := reflect.New(t.Elem())
		n := len(d.errs)
		inner(d, in, nv.Elem())
		if len(d.errs) == n {
			dst.Set(nv)
		}
	}
}

// sliceDecoder: a JSON array, item by item (errors at integer indexes); null
// is a nil slice.
func sliceDecoder(t reflect.Type, inner *typeDecoder) decodeFn {
	return func(d *dstate, in any, dst reflect.Value) {
		if in == nil {
			dst.SetZero()
			return
		}
		a, ok := in.([]any)
		if !ok {
			d.fail(fail("list_type", msgListType), in)
			return
		}
		s := reflect.MakeSlice(t, len(a), len(a))
		for i, x := range a {
			d.push(i)
			inner.fn(d, x, s.Index(i))
			d.pop()
		}
		dst.Set(s)
	}
}

// lengthDecoder applies min/max item counts around a list or map decoder.
func lengthDecoder(inner decodeFn, minL, maxL int, isMap bool) decodeFn {
	return func(d *dstate, in any, dst reflect.Value) {
		n := -1
		switch x := in.(type) {
		case []any:
			if !isMap {
				n = len(x)
			}
		case map[string]any:
			if isMap {
				n = len(x)
			}
		}
		if n < 0 {
			inner(d, in, dst)
			return
		}
		if maxL >= 0 && n > maxL {
			f := lengthFailure(false, maxL, n)
			if isMap {
				f = dictLength(f)
			}
			d.fail(f, in)
			return
		}
		before := len(d.errs)
		inner(d, in, dst)
		if len(d.errs) == before && minL >= 0 && n < minL {
			f := lengthFailure(true, minL, n)
			if isMap {
				f = dictLength(f)
			}
			d.fail(f, in)
		}
	}
}

// dictLength rewords a list length failure for a dictionary.
func dictLength(f *failure) *failure {
	f.msg = "Dictionary" + strings.TrimPrefix(f.msg, "List")
	f.ctx["field_type"] = "Dictionary"
	return f
}

// validatorDecoder runs validator tags on a decoded value.
func validatorDecoder(inner decodeFn, run func(any, string) error, tag string) decodeFn {
	return func(d *dstate, in any, dst reflect.Value) {
		before := len(d.errs)
		inner(d, in, dst)
		if len(d.errs) == before {
			if f := validatorFailure(run(dst.Interface(), tag)); f != nil {
				d.fail(f, in)
			}
		}
	}
}

// mapDecoder: a JSON object with string, integer or TextUnmarshaler keys.
// Keys are visited in sorted order so that errors are deterministic.
func (c *Compiler) mapDecoder(t reflect.Type) (decodeFn, error) {
	kt := t.Key()
	var keyEl *elem
	if sc, ok := scalarOf(kt); ok && sc.kind != kBool && sc.kind != kFloat {
		keyEl = &elem{sc: sc, minLen: -1, maxLen: -1}
	} else {
		return nil, fmt.Errorf("map key type %s is not supported; use string or integer keys", kt)
	}
	vdec, err := c.decoderLocked(t.Elem())
	if err != nil {
		return nil, err
	}
	return func(d *dstate, in any, dst reflect.Value) {
		if in == nil {
			dst.SetZero()
			return
		}
		m, ok := in.(map[string]any)
		if !ok {
			d.fail(fail("dict_type", msgDictType), in)
			return
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		out := reflect.MakeMapWithSize(t, len(m))
		for _, k := range keys {
			kv := reflect.New(kt)
			if f := keyEl.set(kv.UnsafePointer(), k); f != nil {
				d.push(k)
				d.push("[key]")
				d.fail(f, k)
				d.pop()
				d.pop()
				continue
			}
			vv := reflect.New(t.Elem()).Elem()
			d.push(k)
			vdec.fn(d, m[k], vv)
			d.pop()
			out.SetMapIndex(kv.Elem(), vv)
		}
		dst.Set(out)
	}, nil
}

// modelField is one JSON field of a struct.
type modelField struct {
	desc     Field
	name     string
	index    []int
	dec      decodeFn
	required bool
	hasDef   bool
	defIn    any
	defDec   decodeFn
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
		desc := Field{
			In: InBody, Name: jf.name, GoName: f.Name, Index: jf.index, Type: f.Type,
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
		if text, ok := f.Tag.Lookup("default"); ok {
			in, val, defDec, err := c.bodyDefault(f.Type, text)
			if err != nil {
				return nil, fmt.Errorf("field %s of %s: default %q is not a valid %s: %v", f.Name, t, text, f.Type, err)
			}
			mf.hasDef, mf.defIn, mf.defDec = true, in, defDec
			mf.desc.Default = val.Interface()
		}
		mf.required = cons.Required || (!mf.hasDef && requiredByType(f.Type))
		mf.desc.Required = mf.required
		out = append(out, mf)
	}
	return out, nil
}

// structDecoder: a JSON object; fields in declaration order; a missing
// required field is reported with the enclosing object as input (docs/fastapi-compat.md §5.1);
// unknown keys are ignored; anything but an object is model_attributes_type
// (FastAPI validates bodies with from_attributes, docs/fastapi-compat.md §5.2 example 7).
func (c *Compiler) structDecoder(t reflect.Type) (decodeFn, error) {
	fields, err := c.modelFieldsLocked(t)
	if err != nil {
		return nil, err
	}
	return func(d *dstate, in any, dst reflect.Value) {
		m, ok := in.(map[string]any)
		if !ok {
			d.fail(fail("model_attributes_type", msgModelAttributes), in)
			return
		}
		for i := range fields {
			mf := &fields[i]
			v, present := m[mf.name]
			if !present {
				if mf.required {
					d.push(mf.name)
					d.errs = append(d.errs, missingDetail(append([]any(nil), d.loc...), in))
					d.pop()
				} else if mf.hasDef {
					mf.defDec(&dstate{}, mf.defIn, fieldAlloc(dst, mf.index))
				}
				continue
			}
			d.push(mf.name)
			mf.dec(d, v, fieldAlloc(dst, mf.index))
			d.pop()
		}
	}, nil
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

// bodyDefault parses a default for a JSON-decoded value: scalars from the
// text (with the lax string coercion), anything else as JSON. It returns the
// JSON value to decode at each use, the decoded value and the decoder
// (without constraints: defaults are not validated, as in pydantic).
func (c *Compiler) bodyDefault(t reflect.Type, text string) (any, reflect.Value, decodeFn, error) {
	var in any = text
	if _, ok := scalarOf(t); !ok || usesJSONUnmarshaler(t) {
		v, err := parseJSON([]byte(text))
		if err != nil {
			return nil, reflect.Value{}, nil, fmt.Errorf("not valid JSON (%v)", err)
		}
		in = v
	}
	td, err := c.decoderLocked(t)
	if err != nil {
		return nil, reflect.Value{}, nil, err
	}
	v := reflect.New(t).Elem()
	d := &dstate{}
	td.fn(d, in, v)
	if len(d.errs) > 0 {
		return nil, reflect.Value{}, nil, fmt.Errorf("%s", d.errs[0].Msg)
	}
	return in, v, td.call, nil
}

// ModelFields describes the JSON fields of a struct used in a body, as the
// binder decodes them: wire (json) names, required-ness (a non-pointer,
// non-slice, non-map field without a default, or validate:"required"),
// defaults and constraints. The openapi package builds schemas from it.
func (c *Compiler) ModelFields(t reflect.Type) ([]Field, error) {
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("params: %s is not a struct", t)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	mfs, err := c.modelFieldsLocked(t)
	if err != nil {
		return nil, fmt.Errorf("params: %v", err)
	}
	out := make([]Field, len(mfs))
	for i, mf := range mfs {
		out[i] = mf.desc
	}
	return out, nil
}
