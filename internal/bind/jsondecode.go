package bind

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unsafe"

	"github.com/keelgo/keel"
	"github.com/keelgo/keel/internal/pycompat"
	"github.com/keelgo/keel/params"
)

// The typed JSON decoders. Each Go type gets, once, a decodeFn that reads one
// value of a document pycompat.CheckJSON accepted, straight into memory of that type,
// with pydantic's lax Python-mode rules (FastAPI validates the body after
// json.loads) and FastAPI's errors. Nothing builds a generic tree: strings
// are copied once into the value, numbers are parsed from the document's
// bytes, and an error's input is made from the value's bytes only when the
// error happens.

// dstate is one decoding pass over a document: where it is, the location of
// the value being decoded, and the errors so far.
type dstate struct {
	buf []byte // the document (UTF-8 text accepted by pycompat.CheckJSON)
	pos int    // offset of the current value (white space skipped)

	// isText: the one value is text, not JSON (a body whose Content-Type is
	// not JSON, or a scalar's default tag), held in text.
	isText bool
	text   string

	path  []pathElem
	errs  []keel.ErrorDetail
	count int // set by list and map decoders: how many items they read

	scratch []byte // unescaped object keys
	pathBuf [8]pathElem

	// limit bounds len(errs) (0: no bound); capped is set once the limit is
	// reached, and makes the decoders skip what is left of the document.
	limit  int
	capped bool
}

// maxBodyErrors is how many errors one request body reports at most. Pydantic
// has no such bound, but a 10 MiB body of wrong values would otherwise give
// millions of errors, each echoed: hundreds of megabytes for one request.
const maxBodyErrors = 1000

// full reports whether no more errors can be recorded (and then sets capped).
func (d *dstate) full() bool {
	if d.limit > 0 && len(d.errs) >= d.limit {
		d.capped = true
		return true
	}
	return false
}

// pathElem is one step of an error location: a name, or an index when idx >= 0.
type pathElem struct {
	name string
	idx  int
}

func (d *dstate) push(name string) { d.path = append(d.path, pathElem{name: name, idx: -1}) }
func (d *dstate) pushIdx(i int)    { d.path = append(d.path, pathElem{idx: i}) }
func (d *dstate) pop()             { d.path = d.path[:len(d.path)-1] }

// loc returns the current location, for an error.
func (d *dstate) loc() []any {
	loc := make([]any, len(d.path))
	for i, p := range d.path {
		if p.idx >= 0 {
			loc[i] = p.idx
		} else {
			loc[i] = p.name
		}
	}
	return loc
}

// kind returns the first byte of the current value: '"', '{', '[', 't',
// 'f', 'n', a digit or '-' for a number, or 'T' for text.
func (d *dstate) kind() byte {
	if d.isText {
		return 'T'
	}
	return d.buf[d.pos]
}

// skip moves past the current value.
func (d *dstate) skip() {
	if !d.isText {
		d.pos = pycompat.SkipValue(d.buf, d.pos)
	}
}

func (d *dstate) ws() { d.pos = pycompat.SkipSpace(d.buf, d.pos) }

// fail records f at the current location for the value that started at start
// and ends at d.pos.
func (d *dstate) fail(f *failure, start int) {
	if d.full() {
		return
	}
	d.errs = append(d.errs, detail(f, d.loc(), d.input(start, d.pos)))
}

// input is the value between start and end as an error reports it (FastAPI
// echoes the value json.loads made): a string, json.Number, bool or nil for
// scalars, and for an array or object its JSON text, as json.RawMessage
// sharing the document's bytes (encoding/json writes it compacted). Text is
// the text, sharing the body's bytes too: an error about a large body copies
// nothing of it.
func (d *dstate) input(start, end int) any {
	if d.isText {
		return d.text
	}
	switch d.buf[start] {
	case '"':
		return string(pycompat.AppendUnescaped(nil, d.buf[start+1:end-1]))
	case 't':
		return true
	case 'f':
		return false
	case 'n':
		return nil
	case '[', '{':
		return json.RawMessage(d.buf[start:end])
	}
	return json.Number(d.buf[start:end])
}

// readStr reads the current string (or text). owned is false when s shares
// memory with the document: copy it before keeping it.
func (d *dstate) readStr() (s string, owned bool) {
	if d.isText {
		return d.text, false
	}
	start := d.pos + 1
	i := start
	b := d.buf
	for b[i] != '"' {
		if b[i] == '\\' {
			end := pycompat.SkipString(b, d.pos)
			d.pos = end
			return string(pycompat.AppendUnescaped(make([]byte, 0, end-start), b[start:end-1])), true
		}
		i++
	}
	d.pos = i + 1
	if i == start {
		return "", true
	}
	return unsafe.String(&b[start], i-start), false
}

// readNumber reads the current number: its text, and whether it is an
// integer literal (no fraction, no exponent: Python's json makes it an int).
func (d *dstate) readNumber() (raw []byte, isInt bool) {
	start := d.pos
	isInt = true
	i := start
	for ; i < len(d.buf); i++ {
		c := d.buf[i]
		if pycompat.IsDigit(c) || c == '-' {
			continue
		}
		if c == '.' || c == 'e' || c == 'E' || c == '+' {
			isInt = false
			continue
		}
		break
	}
	d.pos = i
	return d.buf[start:i], isInt
}

// bytesString is a view of b as a string, for parsing only.
func bytesString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// decodeFn decodes the current value into the memory at p, a *T for the
// decoder's type, which holds T's zero value or a previous value to replace.
// It leaves d.pos after the value and records errors in d.
type decodeFn func(d *dstate, p unsafe.Pointer)

// typeDecoder is a cached decoder; fn is set once the type is compiled, which
// lets recursive types refer to themselves.
type typeDecoder struct{ fn decodeFn }

func (td *typeDecoder) call(d *dstate, p unsafe.Pointer) { td.fn(d, p) }

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
		return unmarshalerDecoder(t), nil
	}
	if sc, ok := scalarOf(t); ok {
		el := &elem{sc: sc, minLen: -1, maxLen: -1}
		return el.jsonDecoder(), nil
	}
	switch t.Kind() {
	case reflect.Pointer:
		inner, err := c.decoderLocked(t.Elem())
		if err != nil {
			return nil, err
		}
		return pointerDecoder(t.Elem(), inner.call), nil
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
func (c *Compiler) fieldDecoderLocked(t reflect.Type, cons params.Constraints, omitEmpty bool) (decodeFn, error) {
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
		fn = el.jsonDecoder()
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
			fn = validatorDecoder(fn, base, c.opts.Validate.Var, cons.Other)
		}
	}
	if isPtr {
		fn = pointerDecoder(base, fn)
	}
	return fn, nil
}

// jsonDecoder returns the JSON decoder of a scalar with its checks.
func (e *elem) jsonDecoder() decodeFn {
	return func(d *dstate, p unsafe.Pointer) {
		start := d.pos
		if f := e.decodeJSON(d, p); f != nil {
			d.fail(f, start)
		}
	}
}

// decodeJSON reads the current value into p, always moving past it.
func (e *elem) decodeJSON(d *dstate, p unsafe.Pointer) *failure {
	switch e.sc.kind {
	case kString:
		if k := d.kind(); k != '"' && k != 'T' {
			d.skip()
			return fail("string_type", msgStringType)
		}
		s, owned := d.readStr()
		if f := e.checkString(s); f != nil {
			return f
		}
		if !owned {
			s = strings.Clone(s)
		}
		*(*string)(p) = s
	case kInt:
		neg, mag, big, f := d.jsonInt()
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
		storeInt(p, e.sc.bits, v)
	case kUint:
		neg, mag, big, f := d.jsonInt()
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
		storeUint(p, e.sc.bits, v)
	case kFloat:
		v, f := d.jsonFloat()
		if f == nil && e.sc.bits == 32 && math.IsInf(float64(float32(v)), 0) {
			f = fail("finite_number", msgFiniteNumber) // beyond float32's range
		}
		if f != nil {
			if e.hasEnum() {
				return e.literalFailure()
			}
			return f
		}
		if f := e.checkFloat(v); f != nil {
			return f
		}
		storeFloat(p, e.sc.bits, v)
	case kBool:
		v, f := d.jsonBool()
		if f != nil {
			return f
		}
		*(*bool)(p) = v
	case kText:
		if k := d.kind(); k != '"' && k != 'T' {
			d.skip()
			if e.sc.typ == timeType {
				return fail("datetime_type", msgDatetimeType)
			}
			return fail("string_type", msgStringType)
		}
		s, _ := d.readStr()
		if f := e.setText(p, s); f != nil {
			return f
		}
	}
	if e.other != "" {
		return e.runValidator(p)
	}
	return nil
}

// jsonInt applies pydantic's lax int rules to the current value: bools are
// 0/1, floats must be whole and finite, strings are parsed like query values.
func (d *dstate) jsonInt() (neg bool, mag uint64, big bool, f *failure) {
	switch d.kind() {
	case 't':
		d.pos += 4
		return false, 1, false, nil
	case 'f':
		d.pos += 5
		return false, 0, false, nil
	case '"', 'T':
		s, _ := d.readStr()
		neg, mag, big, ok := parseLaxInt(s)
		if !ok {
			return false, 0, false, fail("int_parsing", msgIntParsing)
		}
		return neg, mag, big, nil
	case 'n', '[', '{':
		d.skip()
		return false, 0, false, fail("int_type", msgIntType)
	}
	raw, isInt := d.readNumber()
	if isInt {
		neg, mag, big = intLiteral(raw)
		return neg, mag, big, nil
	}
	v, _ := strconv.ParseFloat(bytesString(raw), 64)
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
}

// intLiteral reads a JSON integer literal: sign, magnitude, and big when the
// magnitude does not fit in 64 bits.
func intLiteral(raw []byte) (neg bool, mag uint64, big bool) {
	if raw[0] == '-' {
		neg = true
		raw = raw[1:]
	}
	for _, c := range raw {
		x := uint64(c - '0')
		if mag > (math.MaxUint64-x)/10 {
			return neg, 0, true
		}
		mag = mag*10 + x
	}
	return neg, mag, false
}

// jsonFloat applies pydantic's lax float rules: bools, numbers, numeric
// strings ("50.5", docs/fastapi-compat.md §4.3). An integer too large for a
// float is float_type. Keel's floats are finite: a number beyond float64's
// range (1e400) and the strings "inf" and "nan" are finite_number, pydantic's
// answer with allow_inf_nan=False (docs/parameters.md).
func (d *dstate) jsonFloat() (float64, *failure) {
	switch d.kind() {
	case 't':
		d.pos += 4
		return 1, nil
	case 'f':
		d.pos += 5
		return 0, nil
	case '"', 'T':
		s, _ := d.readStr()
		v, ok := parseLaxFloat(s)
		if !ok {
			return 0, fail("float_parsing", msgFloatParsing)
		}
		if math.IsInf(v, 0) || math.IsNaN(v) {
			return 0, fail("finite_number", msgFiniteNumber)
		}
		return v, nil
	case 'n', '[', '{':
		d.skip()
		return 0, fail("float_type", msgFloatType)
	}
	raw, isInt := d.readNumber()
	v, err := strconv.ParseFloat(bytesString(raw), 64)
	if err != nil && isInt {
		return 0, fail("float_type", msgFloatType)
	}
	if math.IsInf(v, 0) {
		return 0, fail("finite_number", msgFiniteNumber)
	}
	return v, nil
}

// jsonBool applies pydantic's lax bool rules: 0/1 (int or float), the
// boolean words in strings.
func (d *dstate) jsonBool() (bool, *failure) {
	switch d.kind() {
	case 't':
		d.pos += 4
		return true, nil
	case 'f':
		d.pos += 5
		return false, nil
	case '"', 'T':
		s, _ := d.readStr()
		v, ok := parseLaxBool(s)
		if !ok {
			return false, fail("bool_parsing", msgBoolParsing)
		}
		return v, nil
	case 'n', '[', '{':
		d.skip()
		return false, fail("bool_type", msgBoolType)
	}
	raw, _ := d.readNumber()
	v, err := strconv.ParseFloat(bytesString(raw), 64)
	if err == nil && v == 0 {
		return false, nil
	}
	if err == nil && v == 1 {
		return true, nil
	}
	return false, fail("bool_parsing", msgBoolParsing)
}

// decodeBytes fills a []byte from a JSON string (its UTF-8 bytes, as pydantic
// does for bytes; not base64 like encoding/json), or from a text body as is.
func decodeBytes(d *dstate, p unsafe.Pointer) {
	start := d.pos
	switch d.kind() {
	case 'n':
		d.pos += 4
		*(*[]byte)(p) = nil
	case '"', 'T':
		s, _ := d.readStr()
		*(*[]byte)(p) = []byte(s)
	default:
		d.skip()
		d.fail(fail("bytes_type", "Input should be a valid bytes"), start)
	}
}

// decodeAny stores the value as encoding/json would into an interface:
// float64 numbers, string, bool, nil, []any, map[string]any (the last of
// duplicate keys). A number beyond float64's range is finite_number.
func decodeAny(d *dstate, p unsafe.Pointer) {
	n := len(d.errs)
	v := d.anyValue()
	if len(d.errs) > n {
		v = nil
	}
	*(*any)(p) = v
}

func (d *dstate) anyValue() any {
	start := d.pos
	switch d.kind() {
	case 'T':
		return strings.Clone(d.text)
	case '"':
		s, owned := d.readStr()
		if !owned {
			s = strings.Clone(s)
		}
		return s
	case 't':
		d.pos += 4
		return true
	case 'f':
		d.pos += 5
		return false
	case 'n':
		d.pos += 4
		return nil
	case '[':
		a := []any{}
		d.pos = pycompat.SkipSpace(d.buf, d.pos+1)
		if d.buf[d.pos] == ']' {
			d.pos++
			return a
		}
		for i := 0; ; i++ {
			d.pushIdx(i)
			a = append(a, d.anyValue())
			d.pop()
			if d.capped {
				d.pos = pycompat.SkipValue(d.buf, start)
				return a
			}
			if d.next() {
				return a
			}
		}
	case '{':
		m := map[string]any{}
		d.pos = pycompat.SkipSpace(d.buf, d.pos+1)
		if d.buf[d.pos] == '}' {
			d.pos++
			return m
		}
		for {
			k := d.key(true)
			d.push(k)
			m[k] = d.anyValue()
			d.pop()
			if d.capped {
				d.pos = pycompat.SkipValue(d.buf, start)
				return m
			}
			if d.next() {
				return m
			}
		}
	}
	raw, _ := d.readNumber()
	f, _ := strconv.ParseFloat(bytesString(raw), 64)
	if math.IsInf(f, 0) {
		d.fail(fail("finite_number", msgFiniteNumber), start)
		return nil
	}
	return f
}

// next moves past the ',' or the closing bracket after an item. It reports
// whether the container ended.
func (d *dstate) next() bool {
	d.ws()
	if d.buf[d.pos] == ',' {
		d.pos = pycompat.SkipSpace(d.buf, d.pos+1)
		return false
	}
	d.pos++
	return true
}

// key reads an object key and the ':' after it, leaving d.pos at the value.
// With own, the key is a new string; without, it is valid until the next
// call (it may share the document's or the scratch buffer's memory).
func (d *dstate) key(own bool) string {
	start := d.pos + 1
	end := pycompat.SkipString(d.buf, d.pos)
	raw := d.buf[start : end-1]
	var k string
	if slices.Contains(raw, '\\') {
		d.scratch = pycompat.AppendUnescaped(d.scratch[:0], raw)
		if own {
			k = string(d.scratch)
		} else {
			k = bytesString(d.scratch)
		}
	} else if own {
		k = string(raw)
	} else {
		k = bytesString(raw)
	}
	d.pos = pycompat.SkipSpace(d.buf, end)
	d.pos = pycompat.SkipSpace(d.buf, d.pos+1) // ':'
	return k
}

// unmarshalerDecoder hands the value's JSON text to the type's UnmarshalJSON
// (a text body as a JSON string).
func unmarshalerDecoder(t reflect.Type) decodeFn {
	return func(d *dstate, p unsafe.Pointer) {
		start := d.pos
		var raw []byte
		if d.isText {
			raw, _ = json.Marshal(d.text)
		} else {
			d.skip()
			raw = d.buf[start:d.pos]
		}
		if err := reflect.NewAt(t, p).Interface().(json.Unmarshaler).UnmarshalJSON(raw); err != nil {
			d.fail(valueError("invalid value"), start)
		}
	}
}

// pointerDecoder: null is nil, anything else is decoded into a new value,
// kept when it is valid.
func pointerDecoder(elemType reflect.Type, inner decodeFn) decodeFn {
	return func(d *dstate, p unsafe.Pointer) {
		if d.kind() == 'n' {
			d.pos += 4
			*(*unsafe.Pointer)(p) = nil
			return
		}
		np := reflect.New(elemType).UnsafePointer()
		n := len(d.errs)
		inner(d, np)
		if len(d.errs) == n {
			*(*unsafe.Pointer)(p) = np
		} else {
			*(*unsafe.Pointer)(p) = nil
		}
	}
}

// isContainer reports whether values of t are JSON arrays or objects that a
// decoder walks into (so that counting an array of them would read them twice).
func isContainer(t reflect.Type) bool {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if usesJSONUnmarshaler(t) || implementsText(t) {
		return false
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map, reflect.Array:
		return true
	case reflect.Slice:
		return t.Elem().Kind() != reflect.Uint8
	}
	return false
}

// sliceDecoder: a JSON array, item by item into the slice's memory (errors
// at integer indexes); null is a nil slice. An array of scalars is counted
// first and allocated once; an array of arrays or objects grows as it is read,
// so that no byte is read more than twice whatever the nesting.
func sliceDecoder(t reflect.Type, inner *typeDecoder) decodeFn {
	et := t.Elem()
	esize := et.Size()
	counted := !isContainer(et)
	return func(d *dstate, p unsafe.Pointer) {
		start := d.pos
		sv := reflect.NewAt(t, p).Elem()
		switch d.kind() {
		case 'n':
			d.pos += 4
			sv.SetZero()
			return
		case '[':
		default:
			d.skip()
			d.fail(fail("list_type", msgListType), start)
			return
		}
		sv.SetZero()
		n := 4
		if counted {
			n = pycompat.CountItems(d.buf, d.pos)
		}
		d.pos = pycompat.SkipSpace(d.buf, d.pos+1)
		i := 0
		if d.buf[d.pos] == ']' {
			d.pos++
			sv.Set(reflect.MakeSlice(t, 0, 0)) // [] is an empty slice, not nil
		} else {
			sv.Grow(n) // zeroed memory, in place
			if counted {
				sv.SetLen(n)
			}
			base, length := sv.UnsafePointer(), sv.Len()
			d.pushIdx(0)
			at := len(d.path) - 1 // the index, updated in place
			for ; ; i++ {
				if i == length {
					if i == sv.Cap() {
						sv.Grow(1) // zeroes the new memory
					}
					sv.SetLen(i + 1)
					base, length = sv.UnsafePointer(), i+1
				}
				d.path[at].idx = i
				inner.fn(d, unsafe.Add(base, uintptr(i)*esize))
				if d.capped {
					d.pos = pycompat.SkipValue(d.buf, start)
					i++
					break
				}
				if d.next() {
					i++
					break
				}
			}
			d.pop()
		}
		sv.SetLen(i)
		d.count = i
	}
}

// lengthDecoder applies min/max item counts around a list or map decoder:
// too_long is reported alone (pydantic checks it before the items), too_short
// only when the items are valid.
func lengthDecoder(inner decodeFn, minL, maxL int, isMap bool) decodeFn {
	want := byte('[')
	if isMap {
		want = '{'
	}
	return func(d *dstate, p unsafe.Pointer) {
		if d.kind() != want {
			inner(d, p)
			return
		}
		start := d.pos
		before := len(d.errs)
		inner(d, p)
		n := d.count
		if d.capped {
			n = pycompat.CountItems(d.buf, start) // the decoder stopped early
		}
		if maxL >= 0 && n > maxL {
			d.errs = d.errs[:before]
			f := lengthFailure(false, maxL, n)
			if isMap {
				f = dictLength(f)
			}
			d.fail(f, start)
			return
		}
		if len(d.errs) == before && !d.capped && minL >= 0 && n < minL {
			f := lengthFailure(true, minL, n)
			if isMap {
				f = dictLength(f)
			}
			d.fail(f, start)
		}
	}
}

// dictLength rewords a list length failure for a dictionary.
func dictLength(f *failure) *failure {
	f.msg = "Dictionary" + strings.TrimPrefix(f.msg, "List")
	f.ctx["field_type"] = "Dictionary"
	return f
}

// validatorDecoder runs validator tags on a decoded value of type t.
func validatorDecoder(inner decodeFn, t reflect.Type, run func(any, string) error, tag string) decodeFn {
	return func(d *dstate, p unsafe.Pointer) {
		start := d.pos
		before := len(d.errs)
		inner(d, p)
		if len(d.errs) == before && !d.capped {
			if f := validatorFailure(run(reflect.NewAt(t, p).Elem().Interface(), tag)); f != nil {
				d.fail(f, start)
			}
		}
	}
}

// errSeg is the run d.errs[from:to] of errors that one object member produced.
type errSeg struct {
	key      int    // the struct field
	name     string // the map key
	from, to int
}

// segments collects, while an object is read, which member produced which
// errors, so that errors can be put in FastAPI's order and those of a
// duplicate key dropped (Python keeps the last value of a key).
type segments struct {
	live    []errSeg
	dropped int // errors in d.errs that belong to no live segment
}

// add records the errors d.errs[from:] of a member.
func (s *segments) add(d *dstate, seg errSeg) {
	seg.to = len(d.errs)
	if seg.to > seg.from {
		s.live = append(s.live, seg)
	}
}

// drop forgets the errors of the earlier member that matches, compacting
// d.errs[base:] when dropped errors pile up.
func (s *segments) drop(d *dstate, base int, match func(*errSeg) bool) {
	for i := range s.live {
		if !match(&s.live[i]) {
			continue
		}
		seg := s.live[i]
		s.live = slices.Delete(s.live, i, i+1)
		if seg.to == len(d.errs) {
			d.errs = d.errs[:seg.from]
		} else {
			s.dropped += seg.to - seg.from
		}
		break
	}
	if s.dropped > 64 && s.dropped > len(d.errs)-base-s.dropped {
		s.compact(d, base)
	}
}

// compact removes the dropped errors from d.errs[base:].
func (s *segments) compact(d *dstate, base int) {
	out := base
	for i := range s.live {
		seg := &s.live[i]
		n := copy(d.errs[out:], d.errs[seg.from:seg.to])
		seg.from, seg.to = out, out+n
		out += n
	}
	clear(d.errs[out:])
	d.errs = d.errs[:out]
	s.dropped = 0
}

// mapDecoder: a JSON object with string, integer or TextUnmarshaler keys.
// Errors come in key order, so that they are deterministic; a key given twice
// is read once, with its last value.
func (c *Compiler) mapDecoder(t reflect.Type) (decodeFn, error) {
	kt, vt := t.Key(), t.Elem()
	var keyEl *elem
	if sc, ok := scalarOf(kt); ok && sc.kind != kBool && sc.kind != kFloat {
		keyEl = &elem{sc: sc, minLen: -1, maxLen: -1}
	} else {
		return nil, fmt.Errorf("map key type %s is not supported; use string or integer keys", kt)
	}
	vdec, err := c.decoderLocked(vt)
	if err != nil {
		return nil, err
	}
	return func(d *dstate, p unsafe.Pointer) {
		start := d.pos
		mv := reflect.NewAt(t, p).Elem()
		switch d.kind() {
		case 'n':
			d.pos += 4
			mv.SetZero()
			return
		case '{':
		default:
			d.skip()
			d.fail(fail("dict_type", msgDictType), start)
			return
		}
		out := reflect.MakeMap(t)
		kv := reflect.New(kt).Elem()
		vv := reflect.New(vt).Elem()
		base := len(d.errs)
		var segs segments
		var bad map[string]bool // keys that failed to convert
		d.pos = pycompat.SkipSpace(d.buf, d.pos+1)
		if d.buf[d.pos] == '}' {
			d.pos++
		} else {
			for {
				k := d.key(true)
				if len(segs.live) > 0 {
					segs.drop(d, base, func(s *errSeg) bool { return s.name == k })
				}
				from := len(d.errs)
				kv.SetZero()
				if f := keyEl.set(kv.Addr().UnsafePointer(), k); f != nil {
					if !d.full() {
						d.push(k)
						d.push("[key]")
						d.errs = append(d.errs, detail(f, d.loc(), k))
						d.pop()
						d.pop()
					}
					d.skip()
					if bad == nil {
						bad = map[string]bool{}
					}
					bad[k] = true
				} else {
					vv.SetZero()
					d.push(k)
					vdec.fn(d, vv.Addr().UnsafePointer())
					d.pop()
					out.SetMapIndex(kv, vv)
				}
				segs.add(d, errSeg{name: k, from: from})
				if d.capped {
					d.pos = pycompat.SkipValue(d.buf, start)
					break
				}
				if d.next() {
					break
				}
			}
		}
		mv.Set(out)
		d.count = out.Len() + len(bad)
		if len(segs.live) > 1 {
			segs.compact(d, base)
			sorted := slices.Clone(segs.live)
			slices.SortStableFunc(sorted, func(a, b errSeg) int { return strings.Compare(a.name, b.name) })
			reorder(d, base, sorted)
		} else if segs.dropped > 0 {
			segs.compact(d, base)
		}
	}, nil
}

// reorder rewrites d.errs[base:], which holds exactly the segments' errors,
// as those errors in the order given.
func reorder(d *dstate, base int, order []errSeg) {
	tail := slices.Clone(d.errs[base:])
	d.errs = d.errs[:base]
	for _, s := range order {
		d.errs = append(d.errs, tail[s.from-base:s.to-base]...)
	}
}

// structDecoder: a JSON object; unknown keys are ignored; a key given twice
// counts once, with its last value (a Python dict); errors come in field
// declaration order; a missing required field is reported with the enclosing
// object as input (docs/fastapi-compat.md §5.1); anything but an object is
// model_attributes_type (FastAPI validates bodies with from_attributes,
// docs/fastapi-compat.md §5.2 example 7).
func (c *Compiler) structDecoder(t reflect.Type) (decodeFn, error) {
	fields, err := c.modelFieldsLocked(t)
	if err != nil {
		return nil, err
	}
	var byName map[string]int
	if len(fields) > 8 {
		byName = make(map[string]int, len(fields))
		for i, f := range fields {
			byName[f.name] = i
		}
	}
	lookup := func(k string) int {
		if byName != nil {
			if i, ok := byName[k]; ok {
				return i
			}
			return -1
		}
		for i := range fields {
			if fields[i].name == k {
				return i
			}
		}
		return -1
	}
	words := (len(fields) + 63) / 64
	return func(d *dstate, p unsafe.Pointer) {
		start := d.pos
		if d.kind() != '{' {
			d.skip()
			d.fail(fail("model_attributes_type", msgModelAttributes), start)
			return
		}
		var seen0 uint64
		seen := []uint64(nil)
		if words > 1 {
			seen = make([]uint64, words)
		}
		isSeen := func(i int) bool {
			if seen == nil {
				return seen0&(1<<i) != 0
			}
			return seen[i/64]&(1<<(i%64)) != 0
		}
		base := len(d.errs)
		var segs segments
		d.pos = pycompat.SkipSpace(d.buf, d.pos+1)
		if d.buf[d.pos] == '}' {
			d.pos++
		} else {
			for {
				i := lookup(d.key(false))
				if i < 0 {
					d.skip()
				} else {
					mf := &fields[i]
					fp := mf.ptr(t, p)
					if isSeen(i) {
						// A duplicate key: only the last value counts.
						reflect.NewAt(mf.desc.Type, fp).Elem().SetZero()
						if len(segs.live) > 0 {
							segs.drop(d, base, func(s *errSeg) bool { return s.key == i })
						}
					} else if seen == nil {
						seen0 |= 1 << i
					} else {
						seen[i/64] |= 1 << (i % 64)
					}
					from := len(d.errs)
					d.push(mf.name)
					mf.dec(d, fp)
					d.pop()
					segs.add(d, errSeg{key: i, from: from})
				}
				if d.capped {
					d.pos = pycompat.SkipValue(d.buf, start)
					break
				}
				if d.next() {
					break
				}
			}
		}
		end := d.pos
		missing := false
		for i := range fields {
			if isSeen(i) {
				continue
			}
			if mf := &fields[i]; mf.required {
				missing = !d.capped
			} else if mf.def != nil {
				mf.def.store(mf.ptr(t, p))
			}
		}
		if !missing && segs.dropped == 0 && slices.IsSortedFunc(segs.live, func(a, b errSeg) int { return a.key - b.key }) {
			return
		}
		// Put errors in declaration order, with the missing fields in place.
		segs.compact(d, base)
		tail := slices.Clone(d.errs[base:])
		d.errs = d.errs[:base]
		for i := range fields {
			if isSeen(i) {
				for _, s := range segs.live {
					if s.key == i {
						d.errs = append(d.errs, tail[s.from-base:s.to-base]...)
					}
				}
				continue
			}
			if fields[i].required && !d.capped { // once capped, the rest of the object was not read
				d.push(fields[i].name)
				d.errs = append(d.errs, missingDetail(d.loc(), json.RawMessage(d.buf[start:end])))
				d.pop()
			}
		}
	}, nil
}

// defaultValue is a default of a JSON-decoded value, decoded afresh at each
// use so that nothing is shared between requests.
type defaultValue struct {
	text   string // a scalar's default: the tag's text, converted as a string input
	doc    []byte // any other default: JSON
	isText bool
	dec    decodeFn // without constraints: defaults are not validated, as in pydantic
}

// store writes the default at p, which holds a zero value.
func (dv *defaultValue) store(p unsafe.Pointer) {
	d := dstate{buf: dv.doc, isText: dv.isText, text: dv.text}
	dv.dec(&d, p)
}

// bodyDefault parses a default for a JSON-decoded value: scalars from the
// text (with the lax string coercion), anything else as JSON. It returns the
// default and its decoded value.
func (c *Compiler) bodyDefault(t reflect.Type, text string) (*defaultValue, reflect.Value, error) {
	dv := &defaultValue{text: text, isText: true}
	if _, ok := scalarOf(t); !ok || usesJSONUnmarshaler(t) {
		doc := []byte(text)
		if err := pycompat.CheckJSON(doc); err != nil {
			return nil, reflect.Value{}, fmt.Errorf("not valid JSON (%v)", err)
		}
		dv.doc, dv.isText, dv.text = doc[pycompat.SkipSpace(doc, 0):], false, ""
	}
	td, err := c.decoderLocked(t)
	if err != nil {
		return nil, reflect.Value{}, err
	}
	dv.dec = td.call
	v := reflect.New(t)
	d := dstate{buf: dv.doc, isText: dv.isText, text: dv.text}
	dv.dec(&d, v.UnsafePointer())
	if len(d.errs) > 0 {
		return nil, reflect.Value{}, fmt.Errorf("%s", d.errs[0].Msg)
	}
	return dv, v.Elem(), nil
}
