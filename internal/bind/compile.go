package bind

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/textproto"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unsafe"

	"github.com/go-playground/validator/v10"

	"github.com/keelgo/keel/internal/names"
	"github.com/keelgo/keel/params"
)

// Options configure a Compiler. The zero value is usable.
type Options struct {
	// Validate runs the validator tags Keel does not compile itself (email,
	// uuid, custom tags). It is the App's instance; nil makes New create one.
	Validate *validator.Validate
	// MaxMemory bounds the decoded size of a multipart body held in memory
	// (values and files together). Default 32 MiB; beyond it the request gets
	// 413 {"detail":"Request body too large"}.
	MaxMemory int64
	// MaxFileSize bounds each uploaded file. Default 10 MiB; beyond it the
	// request gets 413 {"detail":"File too large"}.
	MaxFileSize int64
	// LaxContentType parses a body that has no Content-Type as JSON, like
	// FastAPI's strict_content_type=False (docs/fastapi-compat.md §4.5).
	LaxContentType bool
}

// Compiler turns parameter struct types into Binders, once per type. An App
// owns one. It is safe for concurrent use.
type Compiler struct {
	opts     Options
	mu       sync.Mutex
	structs  map[reflect.Type]*Binder
	bodies   map[reflect.Type]*Binder
	decoders map[reflect.Type]*typeDecoder
}

// NewCompiler returns a Compiler with the given options, defaults filled in.
func NewCompiler(o Options) *Compiler {
	if o.Validate == nil {
		o.Validate = validator.New(validator.WithRequiredStructEnabled())
	}
	if o.MaxMemory <= 0 {
		o.MaxMemory = 32 << 20
	}
	if o.MaxFileSize <= 0 {
		o.MaxFileSize = 10 << 20
	}
	return &Compiler{
		opts:     o,
		structs:  map[reflect.Type]*Binder{},
		bodies:   map[reflect.Type]*Binder{},
		decoders: map[reflect.Type]*typeDecoder{},
	}
}

// Options returns the compiler's options with defaults filled in.
func (c *Compiler) Options() Options { return c.opts }

// locationTags are the struct tags that bind a field, in validation order.
var locationTags = []params.Location{params.InPath, params.InQuery, params.InHeader, params.InCookie, params.InForm, params.InFile, params.InBody}

// IsParamStruct reports whether t is a parameter struct: a struct (not a
// pointer to one) with at least one field, possibly in an embedded struct,
// tagged path, query, header, cookie, form, file or body.
func IsParamStruct(t reflect.Type) bool {
	if t == nil || t.Kind() != reflect.Struct {
		return false
	}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		for _, l := range locationTags {
			if _, ok := f.Tag.Lookup(string(l)); ok {
				return true
			}
		}
		if f.Anonymous && f.Type.Kind() == reflect.Struct && IsParamStruct(f.Type) {
			return true
		}
	}
	return false
}

// regError is a registration error about one field.
func regError(t reflect.Type, goName string, format string, args ...any) error {
	return fmt.Errorf("params: field %s of %s: %s", goName, t, fmt.Sprintf(format, args...))
}

// Struct compiles a parameter struct (see IsParamStruct and the package
// documentation for the tags). The result is cached per type. Errors name the
// struct, the field, the tag and the fix.
func (c *Compiler) Struct(t reflect.Type) (*Binder, error) {
	if t == nil || t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("params: %v is not a struct; a parameter struct is a struct value type with fields tagged path, query, header, cookie, form, file or body", t)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if b, ok := c.structs[t]; ok {
		return b, nil
	}
	b := &Binder{c: c, typ: t}
	if err := c.collect(b, t, t, nil, 0); err != nil {
		return nil, err
	}
	if err := b.finish(); err != nil {
		return nil, err
	}
	c.structs[t] = b
	return b, nil
}

// Body compiles a type used as the whole JSON request body: FastAPI's single,
// not embedded body parameter (docs/fastapi-compat.md §4.5). A pointer type makes the body
// optional (nil when the request has none). Fields() reports one InBody field
// with an empty Name and a nil Index.
func (c *Compiler) Body(t reflect.Type) (*Binder, error) {
	if t == nil {
		return nil, errors.New("params: nil body type")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if b, ok := c.bodies[t]; ok {
		return b, nil
	}
	dec, err := c.decoderLocked(t)
	if err != nil {
		return nil, fmt.Errorf("params: body type %s: %v", t, err)
	}
	bb := &bodyBinding{typ: t, dec: dec.fn, required: t.Kind() != reflect.Pointer}
	b := &Binder{c: c, typ: t, whole: bb, media: "application/json", isBody: true}
	b.fields = []params.Field{{In: params.InBody, Type: t, Required: bb.required}}
	c.bodies[t] = b
	return b, nil
}

// collect walks the fields of t (the parameter struct root, or an embedded
// struct at offset base with index prefix) and adds their bindings to b.
func (c *Compiler) collect(b *Binder, root, t reflect.Type, prefix []int, base uintptr) error {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		index := append(append([]int(nil), prefix...), i)
		var loc params.Location
		var tagVal string
		n := 0
		for _, l := range locationTags {
			if v, ok := f.Tag.Lookup(string(l)); ok {
				if n == 0 {
					loc, tagVal = l, v
				}
				n++
			}
		}
		if n > 1 {
			return regError(root, f.Name, "has more than one location tag; keep exactly one of path, query, header, cookie, form, file, body")
		}
		if n == 0 {
			if f.Tag.Get("param") == "-" {
				b.unbound = true
				continue
			}
			if f.Anonymous && f.Type.Kind() == reflect.Struct {
				if err := c.collect(b, root, f.Type, index, base+f.Offset); err != nil {
					return err
				}
				continue
			}
			if !f.IsExported() {
				b.unbound = true
				continue
			}
			return regError(root, f.Name, "has no location tag; add one of path, query, header, cookie, form, file or body (for example query:\"\"), or param:\"-\" to leave it unbound")
		}
		if !f.IsExported() {
			return regError(root, f.Name, "is unexported, so it cannot be set; export it")
		}
		if err := c.addField(b, root, f, loc, tagVal, index, base+f.Offset); err != nil {
			return err
		}
	}
	return nil
}

// addField compiles one tagged field.
func (c *Compiler) addField(b *Binder, root reflect.Type, f reflect.StructField, loc params.Location, tagVal string, index []int, offset uintptr) error {
	name, opts, _ := strings.Cut(tagVal, ",")
	embed := false
	if opts != "" {
		for _, o := range strings.Split(opts, ",") {
			if o == "embed" && loc == params.InBody {
				embed = true
				continue
			}
			return regError(root, f.Name, "%s:%q has unknown option %q (the only option is embed, on body fields)", loc, tagVal, o)
		}
	}
	name = strings.TrimSpace(name)
	if name == "" {
		name = names.Snake(f.Name)
		if loc == params.InHeader {
			name = strings.ReplaceAll(name, "_", "-")
		}
	}
	cons, err := ParseConstraints(f)
	if err != nil {
		return regError(root, f.Name, "%v", err)
	}
	desc := params.Field{
		In: loc, Name: name, GoName: f.Name, Index: index, Type: f.Type,
		Constraints: cons,
		Title:       f.Tag.Get("title"),
		Description: f.Tag.Get("description"),
		Format:      f.Tag.Get("format"),
	}
	if v, ok := f.Tag.Lookup("deprecated"); ok {
		d, err := strconv.ParseBool(v)
		if err != nil {
			return regError(root, f.Name, "deprecated:%q must be true or false", v)
		}
		desc.Deprecated = d
	}
	if v, ok := f.Tag.Lookup("hidden"); ok {
		h, err := strconv.ParseBool(v)
		if err != nil {
			return regError(root, f.Name, "hidden:%q must be true or false", v)
		}
		desc.Hidden = h
	}
	if v, ok := f.Tag.Lookup("example"); ok {
		desc.Examples = []any{parseExample(v)}
	}
	defText, hasDef := f.Tag.Lookup("default")
	omitEmpty := hasOmitEmpty(f.Tag.Get("validate"))

	switch loc {
	case params.InBody:
		if embed {
			b.embedForced = true
		}
		return c.addBodyField(b, root, f, desc, offset, defText, hasDef, omitEmpty)
	case params.InFile:
		return c.addFileField(b, root, f, desc, offset)
	}

	bd := &binding{loc: loc, name: name, offset: offset, typ: f.Type}
	if loc == params.InHeader {
		bd.canon = textproto.CanonicalMIMEHeaderKey(name)
	}
	t := f.Type
	switch {
	case t.Kind() == reflect.Pointer:
		bd.mode = modePtr
		t = t.Elem()
	case t.Kind() == reflect.Slice && !implementsText(t):
		bd.mode = modeSlice
		t = t.Elem()
	default:
		bd.mode = modeScalar
	}
	sc, ok := scalarOf(t)
	if !ok {
		return regError(root, f.Name, "type %s cannot be read from a %s parameter; use a string, bool, number, a type implementing encoding.TextUnmarshaler, a pointer to one (optional) or a slice of them", f.Type, loc)
	}
	switch loc {
	case params.InPath:
		if bd.mode != modeScalar {
			return regError(root, f.Name, "path parameters are always required and single-valued; use a non-pointer, non-slice type (%s given)", f.Type)
		}
		if hasDef {
			return regError(root, f.Name, "path parameters are always required; remove default:%q", defText)
		}
	case params.InCookie:
		if bd.mode == modeSlice {
			return regError(root, f.Name, "a cookie has one value; use a non-slice type (%s given)", f.Type)
		}
	}
	if bd.mode == modePtr && hasDef {
		return regError(root, f.Name, "has both a pointer type and default:%q; use %s with the default, or the pointer without it", defText, t)
	}
	if bd.mode == modeSlice && (cons.Enum != nil || cons.Pattern != "") && classify(f.Type) == classList {
		return regError(root, f.Name, "oneof and pattern check single values; they do not apply to the slice %s", f.Type)
	}
	bd.el, err = c.buildElem(sc, cons, omitEmpty, bd.mode == modeSlice)
	if err != nil {
		return regError(root, f.Name, "%v", err)
	}
	// Floats from a request body are finite, like those of JSON bodies
	// (jsonFloat); query, path, header and cookie values keep FastAPI's
	// inf and nan (docs/parameters.md).
	bd.el.finite = loc == params.InForm
	if bd.mode == modeSlice {
		bd.minItems, bd.maxItems = -1, -1
		if cons.MinLength != nil {
			bd.minItems = *cons.MinLength
		}
		if cons.MaxLength != nil {
			bd.maxItems = *cons.MaxLength
		}
		if cons.Other != "" {
			bd.sliceOther = cons.Other
		}
	}
	bd.required = loc == params.InPath || cons.Required || (bd.mode == modeScalar && !hasDef)
	if hasDef {
		def, err := c.parseDefault(bd, defText)
		if err != nil {
			return regError(root, f.Name, "default %q is not a valid %s: %v", defText, f.Type, err)
		}
		bd.def = def
		bd.hasDef = true
		desc.Default = def.Interface()
	}
	if err := c.checkValidatorTags(f.Type, cons.Other); err != nil {
		return regError(root, f.Name, "%v", err)
	}
	desc.Required = bd.required
	bd.desc = len(b.fields)
	b.fields = append(b.fields, desc)
	b.add(bd)
	return nil
}

func implementsText(t reflect.Type) bool {
	return reflect.PointerTo(t).Implements(textUnmarshalerType)
}

func hasOmitEmpty(tag string) bool {
	for _, p := range strings.Split(tag, ",") {
		p = strings.TrimSpace(p)
		if p == "dive" || p == "keys" {
			return false
		}
		if p == "omitempty" {
			return true
		}
	}
	return false
}

// parseExample reads an `example` tag: JSON when it parses, else the text.
func parseExample(v string) any {
	var x any
	if err := json.Unmarshal([]byte(v), &x); err == nil {
		return x
	}
	return v
}

// buildElem compiles the constraints of one scalar value. For slices the
// length constraints are the slice's, not the items'.
func (c *Compiler) buildElem(sc scalar, cons params.Constraints, omitEmpty, isSlice bool) (*elem, error) {
	e := &elem{sc: sc, minLen: -1, maxLen: -1, validate: c.opts.Validate, omitEmpty: omitEmpty}
	if isSlice {
		e.compileFast()
		return e, nil
	}
	if cons.Other != "" {
		e.other = cons.Other
	}
	if sc.kind == kString || sc.kind == kText {
		if cons.MinLength != nil {
			e.minLen = *cons.MinLength
		}
		if cons.MaxLength != nil {
			e.maxLen = *cons.MaxLength
		}
		if cons.Pattern != "" {
			e.pattern = cons.Pattern
			e.re = regexp.MustCompile(cons.Pattern) // checked by ParseConstraints
		}
	}
	if cons.Enum == nil {
		vals, isEnum, err := enumValues(sc.typ)
		if err != nil {
			return nil, err
		}
		if isEnum {
			cons.Enum, e.enumType = vals, true
		}
	}
	if cons.Enum != nil {
		var err error
		switch sc.kind {
		case kString, kText:
			e.enumStr = cons.Enum
			e.expected = expectedText(cons.Enum, true)
		case kInt:
			e.enumInt, err = parseEnum(cons.Enum, sc, func(v string) (int64, bool) {
				neg, mag, big, ok := parseLaxInt(v)
				x, f := signedFromMag(neg, mag, big, sc.bits)
				return x, ok && f == nil
			})
		case kUint:
			e.enumUint, err = parseEnum(cons.Enum, sc, func(v string) (uint64, bool) {
				neg, mag, big, ok := parseLaxInt(v)
				x, f := unsignedFromMag(neg, mag, big, sc.bits)
				return x, ok && f == nil
			})
		case kFloat:
			e.enumFloat, err = parseEnum(cons.Enum, sc, parseLaxFloat)
		default:
			return nil, fmt.Errorf("oneof does not apply to %s", sc.typ)
		}
		if err != nil {
			return nil, err
		}
		if sc.kind != kString && sc.kind != kText {
			e.expected = expectedText(cons.Enum, false)
		}
	}
	if sc.numeric() {
		add := func(op checkOp, n *params.Number) {
			if n == nil {
				return
			}
			typ, prefix, key := op.describe()
			nc := numCheck{op: op, f: n.Value, typ: typ, msg: prefix + n.Text, key: key, ctxVal: n.Value}
			if sc.kind != kFloat {
				if i, err := strconv.ParseInt(n.Text, 10, 64); err == nil {
					nc.isInt, nc.i, nc.ctxVal = true, i, i
				} else if n.Value == float64(int64(n.Value)) && n.Value >= -1<<63 && n.Value < 1<<63 {
					nc.isInt, nc.i, nc.ctxVal = true, int64(n.Value), int64(n.Value)
				}
			}
			e.nums = append(e.nums, nc)
		}
		add(opMultiple, cons.MultipleOf)
		add(opLe, cons.Le)
		add(opLt, cons.Lt)
		add(opGe, cons.Ge)
		add(opGt, cons.Gt)
	}
	e.compileFast()
	return e, nil
}

// checkValidatorTags makes sure the App's validator knows every tag in other
// (validator panics on an unknown tag; this turns that into a registration
// error).
func (c *Compiler) checkValidatorTags(t reflect.Type, other string) (err error) {
	if other == "" {
		return nil
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("validate:%q is not known to the validator (%v); register it with Validate.RegisterValidation or fix the spelling", other, r)
		}
	}()
	_ = c.opts.Validate.Var(reflect.Zero(t).Interface(), other)
	return nil
}

// parseDefault converts a default tag for a query/header/cookie/form field:
// scalars with the field's own string coercion (constraints are not applied,
// as pydantic does not validate defaults), slices from a JSON array.
func (c *Compiler) parseDefault(bd *binding, text string) (reflect.Value, error) {
	bare := &elem{sc: bd.el.sc, minLen: -1, maxLen: -1}
	if bd.mode == modeSlice {
		var items []any
		d := json.NewDecoder(strings.NewReader(text))
		d.UseNumber()
		if err := d.Decode(&items); err != nil {
			return reflect.Value{}, errors.New("a slice default is a JSON array, as in default:\"[\\\"a\\\",\\\"b\\\"]\"")
		}
		s := reflect.MakeSlice(bd.typ, len(items), len(items))
		for i, it := range items {
			var str string
			switch x := it.(type) {
			case string:
				str = x
			case json.Number:
				str = x.String()
			case bool:
				str = strconv.FormatBool(x)
			default:
				return reflect.Value{}, fmt.Errorf("item %d is not a string, number or bool", i)
			}
			if f := bare.set(s.Index(i).Addr().UnsafePointer(), str); f != nil {
				return reflect.Value{}, errors.New(f.msg)
			}
		}
		return s, nil
	}
	v := reflect.New(bd.el.sc.typ)
	if f := bare.set(v.UnsafePointer(), text); f != nil {
		return reflect.Value{}, errors.New(f.msg)
	}
	return v.Elem(), nil
}

// addBodyField compiles a `body` field: decoded from JSON, embedded under its
// name or (alone and not embedded) the whole body.
func (c *Compiler) addBodyField(b *Binder, root reflect.Type, f reflect.StructField, desc params.Field, offset uintptr, defText string, hasDef, omitEmpty bool) error {
	dec, err := c.fieldDecoderLocked(f.Type, desc.Constraints, omitEmpty)
	if err != nil {
		return regError(root, f.Name, "%v", err)
	}
	bb := &bodyBinding{name: desc.Name, offset: offset, typ: f.Type, dec: dec}
	if hasDef {
		if f.Type.Kind() == reflect.Pointer {
			return regError(root, f.Name, "has both a pointer type and default:%q; use one of them", defText)
		}
		def, val, err := c.bodyDefault(f.Type, defText)
		if err != nil {
			return regError(root, f.Name, "default %q is not a valid %s: %v", defText, f.Type, err)
		}
		bb.def = def
		desc.Default = val.Interface()
	}
	bb.required = desc.Constraints.Required || (bb.def == nil && requiredByType(f.Type))
	if err := c.checkValidatorTags(f.Type, desc.Constraints.Other); err != nil {
		return regError(root, f.Name, "%v", err)
	}
	desc.Required = bb.required
	bb.desc = len(b.fields)
	b.fields = append(b.fields, desc)
	b.body = append(b.body, bb)
	return nil
}

// requiredByType: a body value without a default is required unless it is a
// pointer, slice, map or interface (those accept null and may be absent).
func requiredByType(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Map, reflect.Interface:
		return false
	}
	return true
}

// fileType is the type of an uploaded file field.
var fileType = reflect.TypeFor[params.File]()

func (c *Compiler) addFileField(b *Binder, root reflect.Type, f reflect.StructField, desc params.Field, offset uintptr) error {
	bd := &binding{loc: params.InFile, name: desc.Name, offset: offset, typ: f.Type, minItems: -1, maxItems: -1}
	switch f.Type {
	case fileType:
		bd.mode = modeFile
	case reflect.PointerTo(fileType):
		bd.mode = modeFilePtr
	case reflect.SliceOf(fileType):
		bd.mode = modeFileSlice
	case reflect.SliceOf(reflect.PointerTo(fileType)):
		bd.mode = modeFilePtrSlice
	case reflect.TypeFor[[]byte]():
		bd.mode = modeFileBytes
	case reflect.TypeFor[*[]byte]():
		bd.mode = modeFileBytesPtr
	case reflect.TypeFor[[][]byte]():
		bd.mode = modeFileBytesSlice
	default:
		return regError(root, f.Name, "a file field must be params.File, *params.File (optional), []params.File, []*params.File, or the contents as []byte, *[]byte (optional) or [][]byte, not %s", f.Type)
	}
	if _, ok := f.Tag.Lookup("default"); ok {
		return regError(root, f.Name, "a file field cannot have a default; use *params.File for an optional file")
	}
	cons := desc.Constraints
	if cons.MinLength != nil && bd.mode != modeFileBytes {
		bd.minItems = *cons.MinLength
	}
	if cons.MaxLength != nil && bd.mode != modeFileBytes {
		bd.maxItems = *cons.MaxLength
	}
	bd.required = cons.Required || bd.mode == modeFile || bd.mode == modeFileBytes
	desc.Required = bd.required
	bd.desc = len(b.fields)
	b.fields = append(b.fields, desc)
	b.add(bd)
	return nil
}

// fieldPtr returns the address of a field at offset inside the struct at base.
func fieldPtr(base unsafe.Pointer, offset uintptr) unsafe.Pointer {
	return unsafe.Add(base, offset)
}

// enumType is the method set of a type that declares its values, the same
// interface the openapi package documents as an enum component.
type enumType interface{ Enum() []any }

// enumValues returns the values of a type implementing Enum() []any, as text.
// Such a field accepts only those values, failing with Pydantic's "enum" error
// (docs/fastapi-compat.md §4.4).
func enumValues(t reflect.Type) (vals []string, ok bool, err error) {
	if t == nil || !t.Implements(reflect.TypeFor[enumType]()) {
		return nil, false, nil
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%s.Enum panicked: %v", t, p)
		}
	}()
	for _, v := range reflect.Zero(t).Interface().(enumType).Enum() {
		vals = append(vals, fmt.Sprint(v))
	}
	if len(vals) == 0 {
		return nil, false, fmt.Errorf("%s.Enum returns no values", t)
	}
	return vals, true, nil
}

// parseEnum parses the values of a oneof (or Enum) constraint as the field's
// numeric type, at registration.
func parseEnum[T any](vals []string, sc scalar, parse func(string) (T, bool)) ([]T, error) {
	out := make([]T, 0, len(vals))
	for _, v := range vals {
		x, ok := parse(v)
		if !ok {
			return nil, fmt.Errorf("oneof value %q is not a valid %s", v, sc.typ)
		}
		out = append(out, x)
	}
	return out, nil
}
