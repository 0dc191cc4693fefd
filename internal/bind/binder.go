package bind

import (
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"unsafe"

	"github.com/keelgo/keel"
	"github.com/keelgo/keel/internal/wire"
	"github.com/keelgo/keel/params"
)

// bindMode is the shape of a bound field.
type bindMode uint8

const (
	modeScalar         bindMode = iota // T
	modePtr                            // *T: optional, nil when missing
	modeSlice                          // []T: all values
	modeFile                           // params.File
	modeFilePtr                        // *params.File
	modeFileSlice                      // []params.File
	modeFilePtrSlice                   // []*params.File
	modeFileBytes                      // []byte: the contents of one file
	modeFileBytesPtr                   // *[]byte: the contents of an optional file
	modeFileBytesSlice                 // [][]byte: the contents of several files
)

// binding is one compiled path/query/header/cookie/form/file field.
type binding struct {
	loc      params.Location
	name     string // wire name
	canon    string // canonical header key
	offset   uintptr
	typ      reflect.Type
	mode     bindMode
	el       *elem
	required bool
	hasDef   bool
	def      reflect.Value
	desc     int // index in Binder.fields

	minItems, maxItems int    // slices; -1 none
	sliceOther         string // validator tags for the whole slice
}

// bodyBinding is one compiled JSON body value.
type bodyBinding struct {
	name     string // embedding key
	offset   uintptr
	typ      reflect.Type
	dec      decodeFn
	required bool
	def      *defaultValue // nil: no default
	desc     int
}

// Binder binds one parameter struct (or one body type) from a request. It is
// immutable after compilation and safe for concurrent use.
type Binder struct {
	c      *Compiler
	typ    reflect.Type
	fields []params.Field

	path, query, header, cookie, form []*binding
	queryFields                       *wire.QueryFields // the query bindings' names, for one scan

	body        []*bodyBinding
	whole       *bodyBinding // the single non-embedded body (also Compiler.Body)
	embedForced bool
	embed       bool
	isBody      bool // compiled by Compiler.Body: the value is the body
	media       string
	unbound     bool // some field is not bound (param:"-", unexported)
}

// add files a binding under its location.
func (b *Binder) add(bd *binding) {
	switch bd.loc {
	case params.InPath:
		b.path = append(b.path, bd)
	case params.InQuery:
		b.query = append(b.query, bd)
	case params.InHeader:
		b.header = append(b.header, bd)
	case params.InCookie:
		b.cookie = append(b.cookie, bd)
	default:
		b.form = append(b.form, bd)
	}
}

// finish checks the struct as a whole and settles the body shape.
func (b *Binder) finish() error {
	seen := map[string]string{}
	for _, f := range b.fields {
		key := string(f.In) + "\x00" + f.Name
		if f.In == params.InHeader {
			key = "header\x00" + strings.ToLower(f.Name)
		}
		if f.In == params.InForm || f.In == params.InFile || f.In == params.InBody {
			key = "body\x00" + f.Name
		}
		if other, ok := seen[key]; ok {
			return fmt.Errorf("params: fields %s and %s of %s both bind %s %q; give one of them another name", other, f.GoName, b.typ, f.In, f.Name)
		}
		seen[key] = f.GoName
	}
	if len(b.body) > 0 && len(b.form) > 0 {
		return fmt.Errorf("params: %s mixes body fields with form/file fields; a request body is either JSON or a form, so keep one kind", b.typ)
	}
	switch {
	case len(b.form) > 0:
		b.media = "application/x-www-form-urlencoded"
		for _, f := range b.form {
			if f.loc == params.InFile {
				b.media = "multipart/form-data"
			}
		}
	case len(b.body) > 0:
		b.media = "application/json"
		b.embed = b.embedForced || len(b.body) > 1
		if !b.embed {
			b.whole = b.body[0]
		}
	}
	if len(b.query) > 0 {
		names := make([]string, len(b.query))
		for i, q := range b.query {
			names[i] = q.name
		}
		b.queryFields = wire.NewQueryFields(names...)
	}
	return nil
}

// FillsAll reports whether BindPtr, when it succeeds, has written every field
// of the value, so that the value need not be zeroed before binding: every
// field is a path, query, header or cookie parameter (each written with its
// value, default or zero value), none is left unbound (param:"-",
// unexported) and no body is read.
func (b *Binder) FillsAll() bool {
	return !b.isBody && !b.unbound && len(b.body) == 0 && len(b.form) == 0
}

// Type returns the bound type.
func (b *Binder) Type() reflect.Type { return b.typ }

// Fields describes every bound field (body, form and file fields included) in
// declaration order, for OpenAPI. The slice must not be modified.
func (b *Binder) Fields() []params.Field { return b.fields }

// PathNames returns the wire names of the path fields.
func (b *Binder) PathNames() []string {
	names := make([]string, len(b.path))
	for i, p := range b.path {
		names[i] = p.name
	}
	return names
}

// HasPath reports whether the binder has path fields.
func (b *Binder) HasPath() bool { return len(b.path) > 0 }

// NeedsBody reports whether the binder reads the request body (body, form or
// file fields).
func (b *Binder) NeedsBody() bool { return b.whole != nil || len(b.body) > 0 || len(b.form) > 0 }

// NeedsJSON reports whether the binder decodes a JSON body (as opposed to a form).
func (b *Binder) NeedsJSON() bool { return b.whole != nil || len(b.body) > 0 }

// BodyEmbedded reports whether the JSON body is an object keyed by the body
// fields' names (more than one body field, or the embed option; docs/fastapi-compat.md §4.5).
func (b *Binder) BodyEmbedded() bool { return b.embed }

// BodyMedia is the request body's media type for OpenAPI: "application/json",
// "application/x-www-form-urlencoded", "multipart/form-data" (any file field),
// or "" when the binder reads no body.
func (b *Binder) BodyMedia() string { return b.media }

// Embedded returns a binder whose body fields are embedded under their names
// even if there is only one. The router uses it when the route as a whole has
// more than one body parameter (FastAPI counts them across all dependencies,
// docs/fastapi-compat.md §4.5). A binder without body fields is returned as is.
func (b *Binder) Embedded() *Binder {
	if b.embed || len(b.body) == 0 {
		return b
	}
	nb := *b
	nb.embed = true
	nb.whole = nil
	return &nb
}

// CheckBody parses the body the way FastAPI does before anything is validated
// (docs/fastapi-compat.md §4.5) and returns what would stop the request there: a
// *keel.ValidationError holding the single json_invalid error, or a
// *keel.HTTPError (400 "There was an error parsing the body"). It returns nil
// when the binder reads no JSON, or when the body parses. The router may call
// it for every binder of a route before resolving dependencies; Bind calls it
// too.
func (b *Binder) CheckBody(body *Body) error {
	if !b.NeedsJSON() || body == nil {
		return nil
	}
	_, _, _, err := body.jsonDoc(b.c.opts.LaxContentType)
	return err
}

// Bind fills dst, an addressable value of Type(), from the request. body is
// the request body from ReadBody (nil is an empty body). It returns nil, a
// *keel.ValidationError listing every error of this struct in the order path,
// query, header, cookie, body (docs/fastapi-compat.md §3.3, §5.1), or a *keel.HTTPError when the
// body cannot be read as a form (400, 413). A JSON syntax error is returned
// alone, as FastAPI reports it before validating anything.
//
// Every bound field is written: missing optional values get their default or
// the zero value, so dst may be reused.
func (b *Binder) Bind(r *http.Request, body *Body, dst reflect.Value) error {
	if dst.Type() != b.typ || !dst.CanAddr() {
		panic("params: Bind needs an addressable " + b.typ.String() + ", got " + dst.Type().String())
	}
	return b.BindPtr(r, nil, body, dst.Addr().UnsafePointer())
}

// BindPtr is Bind into the value base points to, which must be of Type(),
// with the path fields read from path, the values the router's match found,
// or from r.PathValue when path is nil or was not set for this request (a
// route whose code sees the request: there the router sets them on r).
func (b *Binder) BindPtr(r *http.Request, path *wire.PathValues, body *Body, base unsafe.Pointer) error {
	var errs []keel.ErrorDetail
	if b.isBody {
		// Compiler.Body: the value is the body.
		if err := b.bindJSON(body, base, &errs); err != nil {
			return err
		}
		return result(errs)
	}
	for _, bd := range b.path {
		p := fieldPtr(base, bd.offset)
		var v string
		if path != nil && path.Matched() {
			v = path.Get(bd.name)
		} else {
			v = r.PathValue(bd.name)
		}
		v = wire.TextString(v)
		if f := bd.el.set(p, v); f != nil {
			errs = append(errs, detail(f, []any{"path", bd.name}, v))
		}
	}
	if len(b.query) > 0 {
		b.bindQuery(r.URL.RawQuery, base, &errs)
	}
	for _, bd := range b.header {
		vals := wire.HeaderValues(r, bd.canon)
		if len(vals) == 0 {
			bd.missing(base, &errs)
			continue
		}
		bd.bindValues(base, vals, vals[0], &errs)
	}
	for _, bd := range b.cookie {
		v, ok := wire.CookieIn(r.Header["Cookie"], bd.name)
		if !ok {
			bd.missing(base, &errs)
			continue
		}
		bd.bindOne(base, v, &errs)
	}
	if len(b.form) > 0 {
		if err := b.bindForm(body, base, &errs); err != nil {
			return err
		}
	}
	if len(b.body) > 0 {
		if err := b.bindJSON(body, base, &errs); err != nil {
			return err
		}
	}
	return result(errs)
}

func result(errs []keel.ErrorDetail) error {
	if len(errs) == 0 {
		return nil
	}
	return &keel.ValidationError{Errors: errs}
}

// detail turns a failure into an ErrorDetail.
func detail(f *failure, loc []any, input any) keel.ErrorDetail {
	return keel.ErrorDetail{Type: f.typ, Loc: loc, Msg: f.msg, Input: input, Ctx: f.ctx}
}

func missingDetail(loc []any, input any) keel.ErrorDetail {
	return keel.ErrorDetail{Type: "missing", Loc: loc, Msg: msgMissing, Input: input}
}

// errLoc is the location prefix of a binding in errors: form and file fields
// are reported under "body" (docs/fastapi-compat.md §5.2 example 10).
func (bd *binding) errLoc() string {
	switch bd.loc {
	case params.InForm, params.InFile:
		return "body"
	}
	return string(bd.loc)
}

// missing handles an absent value: an error when required, else the default
// (copied for slices) or the zero value.
func (bd *binding) missing(base unsafe.Pointer, errs *[]keel.ErrorDetail) {
	if bd.required {
		*errs = append(*errs, missingDetail([]any{bd.errLoc(), bd.name}, nil))
		return
	}
	v := reflect.NewAt(bd.typ, fieldPtr(base, bd.offset)).Elem()
	switch {
	case !bd.hasDef:
		v.SetZero()
	case bd.mode == modeSlice:
		s := reflect.MakeSlice(bd.typ, bd.def.Len(), bd.def.Len())
		reflect.Copy(s, bd.def)
		v.Set(s)
	default:
		v.Set(bd.def)
	}
}

// bindOne binds a single present value (scalar or pointer mode).
func (bd *binding) bindOne(base unsafe.Pointer, s string, errs *[]keel.ErrorDetail) {
	p := fieldPtr(base, bd.offset)
	if bd.mode == modePtr {
		nv := reflect.New(bd.el.sc.typ)
		if f := bd.el.set(nv.UnsafePointer(), s); f != nil {
			*errs = append(*errs, detail(f, []any{bd.errLoc(), bd.name}, s))
			*(*unsafe.Pointer)(p) = nil
			return
		}
		*(*unsafe.Pointer)(p) = nv.UnsafePointer()
		return
	}
	if f := bd.el.set(p, s); f != nil {
		*errs = append(*errs, detail(f, []any{bd.errLoc(), bd.name}, s))
	}
}

// bindValues binds a present value list: all of them for a slice, else one.
func (bd *binding) bindValues(base unsafe.Pointer, all []string, one string, errs *[]keel.ErrorDetail) {
	if bd.mode != modeSlice {
		bd.bindOne(base, one, errs)
		return
	}
	bd.bindSlice(base, all, errs)
}

// bindSlice converts every value, one error per failing index (docs/fastapi-compat.md §5.2
// example 2); too_long is reported alone, too_short only when the items are
// valid (pydantic's order, §4.4).
func (bd *binding) bindSlice(base unsafe.Pointer, vals []string, errs *[]keel.ErrorDetail) {
	loc := bd.errLoc()
	if bd.maxItems >= 0 && len(vals) > bd.maxItems {
		*errs = append(*errs, detail(lengthFailure(false, bd.maxItems, len(vals)), []any{loc, bd.name}, stringsAny(vals)))
		return
	}
	s := reflect.MakeSlice(bd.typ, len(vals), len(vals))
	n := len(*errs)
	for i, v := range vals {
		if f := bd.el.set(s.Index(i).Addr().UnsafePointer(), v); f != nil {
			*errs = append(*errs, detail(f, []any{loc, bd.name, i}, v))
		}
	}
	if len(*errs) > n {
		return
	}
	if bd.minItems >= 0 && len(vals) < bd.minItems {
		*errs = append(*errs, detail(lengthFailure(true, bd.minItems, len(vals)), []any{loc, bd.name}, stringsAny(vals)))
		return
	}
	if bd.sliceOther != "" {
		if f := validatorFailure(bd.el.validate.Var(s.Interface(), bd.sliceOther)); f != nil {
			*errs = append(*errs, detail(f, []any{loc, bd.name}, stringsAny(vals)))
			return
		}
	}
	reflect.NewAt(bd.typ, fieldPtr(base, bd.offset)).Elem().Set(s)
}

func stringsAny(vals []string) []any {
	a := make([]any, len(vals))
	for i, v := range vals {
		a[i] = v
	}
	return a
}

// bindQuery scans the raw query once with the wire package's rules
// (docs/fastapi-compat.md §4.2: '&'-separated, '+' is a space, lenient
// percent-decoding, a key without '=' has the value ""). Values are decoded
// only when they are used.
func (b *Binder) bindQuery(raw string, base unsafe.Pointer, errs *[]keel.ErrorDetail) {
	var stack [8]wire.QueryField
	var found []wire.QueryField
	if len(b.query) <= len(stack) {
		found = stack[:len(b.query)]
	} else {
		found = make([]wire.QueryField, len(b.query))
	}
	b.queryFields.Scan(raw, found)
	for i, bd := range b.query {
		f := found[i]
		if f.N == 0 {
			bd.missing(base, errs)
			continue
		}
		if bd.mode == modeSlice {
			bd.bindSlice(base, b.queryFields.Values(raw, i, make([]string, 0, f.N)), errs)
			continue
		}
		bd.bindOne(base, wire.Unquote(f.Raw), errs)
	}
}
