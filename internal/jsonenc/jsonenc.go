// Package jsonenc writes JSON responses: the exact bytes encoding/json writes
// for a value (json.Encoder with SetEscapeHTML(false), without the trailing
// newline), appended into a caller's buffer by an encoder compiled once per
// type, with no reflection per value for structs, slices, pointers and scalars
// and no allocation for them.
//
// The value is encoded as json.Marshal(&v) would encode it: it is
// addressable, so methods with pointer receivers (MarshalJSON, MarshalText,
// IsZero) are used where encoding/json uses them for addressable values, and
// not where it does not (map values, values held in interfaces).
//
// What is followed, from encoding/json (Go 1.26) and its documentation:
//
//   - json.Marshaler, then encoding.TextMarshaler (the value, or its address
//     when addressable and only the pointer has the method); MarshalJSON's
//     output is compacted and checked (json.Compact), MarshalText's written as
//     a string;
//   - struct fields by internal/jsonfields (names, order, embedding, nil
//     embedded pointers skipped), omitempty, omitzero (IsZero methods
//     included), the string option on booleans, numbers and strings (and
//     pointers to them);
//   - strings with '"', '\\' and control characters escaped (\b \f \n \r \t
//     short), U+2028 and U+2029 as \u2028 and \u2029, invalid UTF-8 as
//     \ufffd, and '<', '>', '&' as they are (FastAPI does not escape them);
//   - floats as ES6 numbers ('e' notation below 1e-6 and from 1e21, exponent
//     without a leading zero), NaN and infinities an error; json.Number
//     checked and written as is ("0" when empty);
//   - maps with string, integer or TextMarshaler keys, sorted by key; nil
//     maps, slices, pointers and interfaces as null; []byte as base64;
//   - anything else encoding/json refuses (channels, functions, complex
//     numbers, maps with other keys) is handed to encoding/json, which
//     reports the error; so is a value nested more than 1,000 pointers, maps
//     or slices deep (encoding/json then checks it for cycles).
//
// TestDifferential and FuzzDifferential compare the output with encoding/json's
// over generated values of many shapes.
package jsonenc

import (
	"bytes"
	"encoding"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
	"unsafe"

	"github.com/keelgo/keel/internal/jsonfields"
)

// Encoders compiles encoders and keeps them, one per type and addressability.
// It is safe for concurrent use; an App owns one.
type Encoders struct {
	mu    sync.Mutex // serializes compilation
	cache sync.Map   // key → *Encoder
}

type key struct {
	t    reflect.Type
	addr bool
}

// Encoder appends the JSON encoding of values of one type.
type Encoder struct {
	t    reflect.Type
	addr bool
	fn   encFn
}

// encFn appends the encoding of the value at p. depth counts the pointers,
// maps and slices above it.
type encFn func(b []byte, p unsafe.Pointer, depth int) ([]byte, error)

// maxDepth is the nesting past which encoding is handed to encoding/json,
// which from there checks for pointer cycles (its startDetectingCyclesAfter).
const maxDepth = 1000

// errDeep stops an encoding that went past maxDepth.
var errDeep = errors.New("jsonenc: too deep")

// For returns the encoder of values of type t, compiling it on first use.
func (c *Encoders) For(t reflect.Type) *Encoder { return c.get(t, true) }

// Append appends the encoding of the value p points to (a *T for the
// encoder's type T), exactly as encoding/json writes it with HTML escaping
// off and without its trailing newline. On error b is returned as it was.
func (e *Encoder) Append(b []byte, p unsafe.Pointer) ([]byte, error) {
	n := len(b)
	out, err := e.fn(b, p, 0)
	if err == errDeep {
		return e.fallback(b[:n], p)
	}
	if err != nil {
		return b[:n], err
	}
	return out, nil
}

// fallback encodes with encoding/json.
func (e *Encoder) fallback(b []byte, p unsafe.Pointer) ([]byte, error) {
	v := reflect.NewAt(e.t, p)
	var x any
	if e.addr {
		x = v.Interface()
	} else {
		x = v.Elem().Interface()
	}
	return marshal(b, x)
}

// marshal appends encoding/json's encoding of x, HTML escaping off.
func marshal(b []byte, x any) ([]byte, error) {
	n := len(b)
	buf := bytes.NewBuffer(b)
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(x); err != nil {
		return b[:n], err
	}
	out := buf.Bytes()
	return out[:len(out)-1], nil // Encode's newline
}

// get returns the encoder of (t, addr), compiling it if needed.
func (c *Encoders) get(t reflect.Type, addr bool) *Encoder {
	k := key{t, addr}
	if e, ok := c.cache.Load(k); ok {
		return e.(*Encoder)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.cache.Load(k); ok {
		return e.(*Encoder)
	}
	cp := &compiler{c: c, building: map[key]*Encoder{}}
	e := cp.encoder(t, addr)
	for k, e := range cp.building {
		c.cache.Store(k, e)
	}
	return e
}

// compiler compiles one type and the types it reaches, under Encoders.mu.
type compiler struct {
	c        *Encoders
	building map[key]*Encoder
}

// encoder returns the encoder of (t, addr); a type reached again while it is
// being compiled (a recursive type) gets the same *Encoder, filled in later.
func (cp *compiler) encoder(t reflect.Type, addr bool) *Encoder {
	k := key{t, addr}
	if e, ok := cp.c.cache.Load(k); ok {
		return e.(*Encoder)
	}
	if e, ok := cp.building[k]; ok {
		return e
	}
	e := &Encoder{t: t, addr: addr}
	cp.building[k] = e
	e.fn = cp.compile(t, addr, false)
	return e
}

// call returns an encFn that calls the encoder of (t, addr), which may still
// be under construction.
func (cp *compiler) call(t reflect.Type, addr bool) encFn {
	e := cp.encoder(t, addr)
	if e.fn != nil {
		return e.fn
	}
	return func(b []byte, p unsafe.Pointer, depth int) ([]byte, error) { return e.fn(b, p, depth) }
}

var (
	marshalerType     = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
	numberType        = reflect.TypeFor[json.Number]()
	isZeroerType      = reflect.TypeFor[interface{ IsZero() bool }]()
)

// usesMarshaler reports which marshaler encoding/json uses for a value of
// type t, addressable or not: json.Marshaler, encoding.TextMarshaler, or
// none; and whether through the value's address.
func usesMarshaler(t reflect.Type, addr bool) (jsonM, textM, viaAddr bool) {
	ptrOK := t.Kind() != reflect.Pointer && addr
	switch {
	case ptrOK && reflect.PointerTo(t).Implements(marshalerType):
		return true, false, !t.Implements(marshalerType)
	case t.Implements(marshalerType):
		return true, false, false
	case ptrOK && reflect.PointerTo(t).Implements(textMarshalerType):
		return false, true, !t.Implements(textMarshalerType)
	case t.Implements(textMarshalerType):
		return false, true, false
	}
	return false, false, false
}

// compile builds the encoding of (t, addr); quoted is the string option.
func (cp *compiler) compile(t reflect.Type, addr, quoted bool) encFn {
	if jm, tm, viaAddr := usesMarshaler(t, addr); jm || tm {
		return marshalerFn(t, jm, viaAddr)
	}
	switch t.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.String:
		k := scalarOf(t)
		if quoted {
			return func(b []byte, p unsafe.Pointer, _ int) ([]byte, error) { return appendQuoted(b, k, p) }
		}
		return func(b []byte, p unsafe.Pointer, _ int) ([]byte, error) { return appendScalar(b, k, p) }
	case reflect.Struct:
		return cp.structFn(t, addr)
	case reflect.Pointer:
		return cp.pointerFn(t, quoted)
	case reflect.Slice:
		return cp.sliceFn(t)
	case reflect.Array:
		return cp.arrayFn(t, addr)
	case reflect.Map:
		return cp.mapFn(t)
	case reflect.Interface:
		return cp.interfaceFn(t)
	}
	return fallbackFn(t, addr) // channels, functions, complex numbers: encoding/json's error
}

// fallbackFn hands a value of type t to encoding/json.
func fallbackFn(t reflect.Type, addr bool) encFn {
	return func(b []byte, p unsafe.Pointer, _ int) ([]byte, error) {
		v := reflect.NewAt(t, p)
		if addr {
			return marshal(b, v.Interface())
		}
		return marshal(b, v.Elem().Interface())
	}
}

// marshalerFn calls MarshalJSON (jsonM) or MarshalText, on the value or,
// with viaAddr, on its address.
func marshalerFn(t reflect.Type, jsonM, viaAddr bool) encFn {
	return func(b []byte, p unsafe.Pointer, _ int) ([]byte, error) {
		var v reflect.Value
		if viaAddr {
			v = reflect.NewAt(t, p)
		} else {
			v = reflect.NewAt(t, p).Elem()
			if v.Kind() == reflect.Pointer && v.IsNil() {
				return append(b, "null"...), nil
			}
		}
		if jsonM {
			m, ok := reflect.TypeAssert[json.Marshaler](v)
			if !ok {
				return append(b, "null"...), nil // a nil interface value
			}
			out, err := m.MarshalJSON()
			if err != nil {
				return b, &json.MarshalerError{Type: t, Err: err}
			}
			buf := bytes.NewBuffer(b)
			if err := json.Compact(buf, out); err != nil {
				return b, &json.MarshalerError{Type: t, Err: err}
			}
			return buf.Bytes(), nil
		}
		m, ok := reflect.TypeAssert[encoding.TextMarshaler](v)
		if !ok {
			return append(b, "null"...), nil
		}
		out, err := m.MarshalText()
		if err != nil {
			return b, &json.MarshalerError{Type: t, Err: err}
		}
		return appendString(b, unsafe.String(unsafe.SliceData(out), len(out))), nil
	}
}

// scalar is the representation of a bool, number or string kind.
type scalar uint8

const (
	sBool scalar = iota + 1
	sInt
	sInt8
	sInt16
	sInt32
	sInt64
	sUint
	sUint8
	sUint16
	sUint32
	sUint64
	sUintptr
	sFloat32
	sFloat64
	sString
	sNumber // json.Number
)

func scalarOf(t reflect.Type) scalar {
	if t == numberType {
		return sNumber
	}
	switch t.Kind() {
	case reflect.Bool:
		return sBool
	case reflect.Int:
		return sInt
	case reflect.Int8:
		return sInt8
	case reflect.Int16:
		return sInt16
	case reflect.Int32:
		return sInt32
	case reflect.Int64:
		return sInt64
	case reflect.Uint:
		return sUint
	case reflect.Uint8:
		return sUint8
	case reflect.Uint16:
		return sUint16
	case reflect.Uint32:
		return sUint32
	case reflect.Uint64:
		return sUint64
	case reflect.Uintptr:
		return sUintptr
	case reflect.Float32:
		return sFloat32
	case reflect.Float64:
		return sFloat64
	case reflect.String:
		return sString
	}
	return 0
}

// appendScalar appends the scalar at p.
func appendScalar(b []byte, k scalar, p unsafe.Pointer) ([]byte, error) {
	switch k {
	case sBool:
		return strconv.AppendBool(b, *(*bool)(p)), nil
	case sInt:
		return strconv.AppendInt(b, int64(*(*int)(p)), 10), nil
	case sInt8:
		return strconv.AppendInt(b, int64(*(*int8)(p)), 10), nil
	case sInt16:
		return strconv.AppendInt(b, int64(*(*int16)(p)), 10), nil
	case sInt32:
		return strconv.AppendInt(b, int64(*(*int32)(p)), 10), nil
	case sInt64:
		return strconv.AppendInt(b, *(*int64)(p), 10), nil
	case sUint:
		return strconv.AppendUint(b, uint64(*(*uint)(p)), 10), nil
	case sUint8:
		return strconv.AppendUint(b, uint64(*(*uint8)(p)), 10), nil
	case sUint16:
		return strconv.AppendUint(b, uint64(*(*uint16)(p)), 10), nil
	case sUint32:
		return strconv.AppendUint(b, uint64(*(*uint32)(p)), 10), nil
	case sUint64:
		return strconv.AppendUint(b, *(*uint64)(p), 10), nil
	case sUintptr:
		return strconv.AppendUint(b, uint64(*(*uintptr)(p)), 10), nil
	case sFloat32:
		return appendFloat(b, float64(*(*float32)(p)), 32)
	case sFloat64:
		return appendFloat(b, *(*float64)(p), 64)
	case sString:
		return appendString(b, *(*string)(p)), nil
	case sNumber:
		return appendNumber(b, *(*string)(p))
	}
	panic("jsonenc: not a scalar")
}

// appendQuoted appends the scalar at p with the string option: inside a JSON
// string (a string is encoded, then encoded again).
func appendQuoted(b []byte, k scalar, p unsafe.Pointer) ([]byte, error) {
	if k == sString {
		inner := appendString(nil, *(*string)(p))
		return appendString(b, unsafe.String(unsafe.SliceData(inner), len(inner))), nil
	}
	n := len(b)
	b = append(b, '"')
	b, err := appendScalar(b, k, p)
	if err != nil {
		return b[:n], err
	}
	return append(b, '"'), nil
}

// appendFloat appends f as encoding/json does (ES6 number formatting).
func appendFloat(b []byte, f float64, bits int) ([]byte, error) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return b, &json.UnsupportedValueError{Value: reflect.ValueOf(f), Str: strconv.FormatFloat(f, 'g', -1, bits)}
	}
	format := byte('f')
	if a := math.Abs(f); a != 0 {
		if bits == 64 && (a < 1e-6 || a >= 1e21) || bits == 32 && (float32(a) < 1e-6 || float32(a) >= 1e21) {
			format = 'e'
		}
	}
	b = strconv.AppendFloat(b, f, format, -1, bits)
	if format == 'e' {
		// e-07 is written e-7
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, nil
}

// appendNumber appends a json.Number, checked against JSON's number grammar.
func appendNumber(b []byte, s string) ([]byte, error) {
	if s == "" {
		s = "0"
	}
	if !validNumber(s) {
		return b, fmt.Errorf("json: invalid number literal %q", s)
	}
	return append(b, s...), nil
}

// validNumber reports whether s is a JSON number (RFC 8259 §6).
func validNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && '1' <= s[i] && s[i] <= '9':
		for i++; i < len(s) && isDigit(s[i]); i++ {
		}
	default:
		return false
	}
	if i+1 < len(s) && s[i] == '.' && isDigit(s[i+1]) {
		for i += 2; i < len(s) && isDigit(s[i]); i++ {
		}
	}
	if i+1 < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if s[i] == '+' || s[i] == '-' {
			i++
			if i == len(s) {
				return false
			}
		}
		for ; i < len(s) && isDigit(s[i]); i++ {
		}
	}
	return i == len(s)
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// safeASCII[c] is 1 for the bytes appendString copies as they are: printable
// ASCII except '"' and '\\'.
const safeASCII = "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x01\x00\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x00\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"

// appendString appends s as a JSON string: '"', '\\' and control characters
// escaped, U+2028 and U+2029 too, each byte of invalid UTF-8 as \ufffd; '<',
// '>' and '&' as they are.
func appendString(b []byte, s string) []byte {
	return appendStringTail(append(b, '"'), s)
}

// appendStringTail is appendString after the opening quote: the escaped
// contents and the closing quote. A string of safe bytes only (the common
// case) is copied at once.
func appendStringTail(b []byte, s string) []byte {
	i := 0
	for i < len(s) && safeASCII[s[i]] != 0 {
		i++
	}
	if i == len(s) {
		return append(append(b, s...), '"')
	}
	return appendEscaped(b, s, i)
}

// appendEscaped appends s, whose bytes before i are safe, escaped, and the
// closing quote.
func appendEscaped(b []byte, s string, i int) []byte {
	const hex = "0123456789abcdef"
	start := 0
	for i < len(s) {
		c := s[i]
		if safeASCII[c] != 0 {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(append(b, s[start:i]...), `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(append(b, s[start:i]...), '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	return append(append(b, s[start:]...), '"')
}

// field is one compiled struct field.
type field struct {
	key    string // `"name":`
	off    uintptr
	steps  []jsonfields.Step // set when the field is reached through embedded pointers
	scalar scalar            // a plain scalar written inline; 0: fn
	fn     encFn
	omit   func(p unsafe.Pointer) bool // nil: never omitted
}

// structFn encodes a struct's fields in order, as objects.
func (cp *compiler) structFn(t reflect.Type, addr bool) encFn {
	fields := cp.fieldsOf(t, addr)
	if fixed := fixedFields(fields); fixed != nil {
		return fixed
	}
	return func(b []byte, p unsafe.Pointer, depth int) ([]byte, error) {
		n := len(b)
		b = append(b, '{')
		first := true
	fieldLoop:
		for i := range fields {
			f := &fields[i]
			var fp unsafe.Pointer
			if f.steps == nil {
				fp = unsafe.Add(p, f.off)
			} else {
				fp = p
				for _, s := range f.steps {
					fp = unsafe.Add(fp, s.Offset)
					if s.Indirect {
						fp = *(*unsafe.Pointer)(fp)
						if fp == nil {
							continue fieldLoop
						}
					}
				}
			}
			if f.omit != nil && f.omit(fp) {
				continue
			}
			if !first {
				b = append(b, ',')
			}
			first = false
			b = append(b, f.key...)
			if f.scalar != 0 {
				if f.scalar == sString {
					b = appendString(b, *(*string)(fp))
					continue
				}
				var err error
				if b, err = appendScalar(b, f.scalar, fp); err != nil {
					return b[:n], err
				}
				continue
			}
			var err error
			if b, err = f.fn(b, fp, depth); err != nil {
				return b[:n], err
			}
		}
		return append(b, '}'), nil
	}
}

// fieldsOf compiles the fields of struct type t, in order.
func (cp *compiler) fieldsOf(t reflect.Type, addr bool) []field {
	jf := jsonfields.Of(t)
	fields := make([]field, 0, len(jf))
	for _, f := range jf {
		ft := f.Go.Type
		// A field is addressable when its struct is, or when it is reached
		// through an embedded pointer.
		faddr := addr
		if _, direct := f.Direct(); !direct {
			faddr = true
		}
		fe := field{key: `"` + f.Name + `":`}
		if off, ok := f.Direct(); ok {
			fe.off = off
		} else {
			fe.steps = f.Steps
		}
		if jm, tm, _ := usesMarshaler(ft, faddr); !jm && !tm && !f.Quoted && scalarOf(ft) != 0 && scalarOf(ft) != sNumber {
			fe.scalar = scalarOf(ft)
		} else if f.Quoted {
			fe.fn = cp.quotedField(ft, faddr)
		} else {
			fe.fn = cp.call(ft, faddr)
		}
		switch {
		case f.OmitEmpty && f.OmitZero:
			empty, zero := emptyFn(ft), zeroFn(ft, faddr)
			fe.omit = func(p unsafe.Pointer) bool { return empty(p) || zero(p) }
		case f.OmitEmpty:
			fe.omit = emptyFn(ft)
		case f.OmitZero:
			fe.omit = zeroFn(ft, faddr)
		}
		fields = append(fields, fe)
	}
	return fields
}

// fixedFields is structFn's encoder for a struct whose fields are all written
// (none omitted, none behind an embedded pointer), or nil: what precedes each
// value is then known at compilation, '{' or ',' with the key, and the opening
// quote of a string.
func fixedFields(fields []field) encFn {
	if len(fields) == 0 {
		return nil
	}
	for i := range fields {
		if fields[i].omit != nil || fields[i].steps != nil {
			return nil
		}
	}
	fixed := make([]field, len(fields))
	copy(fixed, fields)
	for i := range fixed {
		lead := ","
		if i == 0 {
			lead = "{"
		}
		fixed[i].key = lead + fixed[i].key
		if fixed[i].scalar == sString {
			fixed[i].key += `"`
		}
	}
	return func(b []byte, p unsafe.Pointer, depth int) ([]byte, error) {
		n := len(b)
		for i := range fixed {
			f := &fixed[i]
			fp := unsafe.Add(p, f.off)
			b = append(b, f.key...)
			var err error
			switch f.scalar {
			case sString:
				b = appendStringTail(b, *(*string)(fp))
			case sInt:
				b = strconv.AppendInt(b, int64(*(*int)(fp)), 10)
			case 0:
				b, err = f.fn(b, fp, depth)
			default:
				b, err = appendScalar(b, f.scalar, fp)
			}
			if err != nil {
				return b[:n], err
			}
		}
		return append(b, '}'), nil
	}
}

// quotedField encodes a field with the string option: a bool, number or
// string, or an unnamed pointer to one (null when nil, unquoted).
func (cp *compiler) quotedField(ft reflect.Type, addr bool) encFn {
	if ft.Kind() == reflect.Pointer && ft.Name() == "" {
		return cp.pointerFn(ft, true)
	}
	return cp.compile(ft, addr, true)
}

// pointerFn encodes a pointer: null, or what it points to (addressable).
func (cp *compiler) pointerFn(t reflect.Type, quoted bool) encFn {
	var elem encFn
	if quoted {
		elem = cp.compile(t.Elem(), true, true)
	} else {
		elem = cp.call(t.Elem(), true)
	}
	return func(b []byte, p unsafe.Pointer, depth int) ([]byte, error) {
		q := *(*unsafe.Pointer)(p)
		if q == nil {
			return append(b, "null"...), nil
		}
		if depth++; depth > maxDepth {
			return b, errDeep
		}
		return elem(b, q, depth)
	}
}

// sliceFn encodes a slice: null, base64 for bytes, or an array of its
// (addressable) elements.
func (cp *compiler) sliceFn(t reflect.Type) encFn {
	et := t.Elem()
	if et.Kind() == reflect.Uint8 {
		pt := reflect.PointerTo(et)
		if !pt.Implements(marshalerType) && !pt.Implements(textMarshalerType) {
			return func(b []byte, p unsafe.Pointer, _ int) ([]byte, error) {
				s := *(*[]byte)(p)
				if s == nil {
					return append(b, "null"...), nil
				}
				b = append(b, '"')
				b = base64.StdEncoding.AppendEncode(b, s)
				return append(b, '"'), nil
			}
		}
	}
	elem := cp.call(et, true)
	size := et.Size()
	return func(b []byte, p unsafe.Pointer, depth int) ([]byte, error) {
		h := (*sliceHeader)(p)
		if h.data == nil {
			return append(b, "null"...), nil
		}
		if depth++; depth > maxDepth {
			return b, errDeep
		}
		return appendElems(b, h.data, h.len, size, elem, depth)
	}
}

type sliceHeader struct {
	data unsafe.Pointer
	len  int
	cap  int
}

func appendElems(b []byte, data unsafe.Pointer, n int, size uintptr, elem encFn, depth int) ([]byte, error) {
	start := len(b)
	b = append(b, '[')
	for i := 0; i < n; i++ {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = elem(b, unsafe.Add(data, uintptr(i)*size), depth); err != nil {
			return b[:start], err
		}
	}
	return append(b, ']'), nil
}

// arrayFn encodes an array's elements, addressable when the array is.
func (cp *compiler) arrayFn(t reflect.Type, addr bool) encFn {
	elem := cp.call(t.Elem(), addr)
	size, n := t.Elem().Size(), t.Len()
	return func(b []byte, p unsafe.Pointer, depth int) ([]byte, error) {
		return appendElems(b, p, n, size, elem, depth)
	}
}

// mapFn encodes a map as an object sorted by key. Its values are not
// addressable: each is copied into a temporary and encoded from there.
func (cp *compiler) mapFn(t reflect.Type) encFn {
	kt := t.Key()
	switch kt.Kind() {
	case reflect.String, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
	default:
		if !kt.Implements(textMarshalerType) {
			return fallbackFn(t, false) // encoding/json's UnsupportedTypeError
		}
	}
	elem := cp.call(t.Elem(), false)
	return func(b []byte, p unsafe.Pointer, depth int) ([]byte, error) {
		m := reflect.NewAt(t, p).Elem()
		if m.IsNil() {
			return append(b, "null"...), nil
		}
		if depth++; depth > maxDepth {
			return b, errDeep
		}
		type entry struct {
			k string
			v reflect.Value
		}
		entries := make([]entry, 0, m.Len())
		it := m.MapRange()
		for it.Next() {
			k, err := keyString(it.Key())
			if err != nil {
				return b, fmt.Errorf("json: encoding error for type %q: %q", t.String(), err.Error())
			}
			entries = append(entries, entry{k, it.Value()})
		}
		slices.SortFunc(entries, func(x, y entry) int { return strings.Compare(x.k, y.k) })
		tmp := reflect.New(t.Elem())
		tp := tmp.UnsafePointer()
		start := len(b)
		b = append(b, '{')
		for i, e := range entries {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, e.k)
			b = append(b, ':')
			tmp.Elem().Set(e.v)
			var err error
			if b, err = elem(b, tp, depth); err != nil {
				return b[:start], err
			}
		}
		return append(b, '}'), nil
	}
}

// keyString is a map key as an object key: a string kind as it is, else
// MarshalText (a nil pointer gives ""), else the integer in decimal.
func keyString(k reflect.Value) (string, error) {
	if k.Kind() == reflect.String {
		return k.String(), nil
	}
	if tm, ok := reflect.TypeAssert[encoding.TextMarshaler](k); ok {
		if k.Kind() == reflect.Pointer && k.IsNil() {
			return "", nil
		}
		b, err := tm.MarshalText()
		return string(b), err
	}
	switch k.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(k.Int(), 10), nil
	default:
		return strconv.FormatUint(k.Uint(), 10), nil
	}
}

// interfaceFn encodes an interface: null, or its dynamic value (not
// addressable), with that type's encoder.
func (cp *compiler) interfaceFn(t reflect.Type) encFn {
	c := cp.c
	return func(b []byte, p unsafe.Pointer, depth int) ([]byte, error) {
		v := reflect.NewAt(t, p).Elem()
		if v.IsNil() {
			return append(b, "null"...), nil
		}
		dt := v.Elem().Type()
		data := (*[2]unsafe.Pointer)(p)[1]
		vp := data
		if directIface(dt) {
			vp = unsafe.Pointer(&(*[2]unsafe.Pointer)(p)[1])
		}
		return c.get(dt, false).fn(b, vp, depth)
	}
}

// directIface reports whether an interface holding a value of type t holds
// the value itself in its data word (a pointer-shaped type) rather than a
// pointer to it: the compiler's rule, checked by TestDirectIface.
func directIface(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Chan, reflect.Func, reflect.UnsafePointer:
		return true
	case reflect.Array:
		return t.Len() == 1 && directIface(t.Elem())
	case reflect.Struct:
		return t.NumField() == 1 && directIface(t.Field(0).Type)
	}
	return false
}

// emptyFn is omitempty's test: false, 0, "", and nil or empty pointers,
// interfaces, maps, slices; an array of length 0. Structs are never empty.
func emptyFn(t reflect.Type) func(unsafe.Pointer) bool {
	switch t.Kind() {
	case reflect.Array:
		n := t.Len() == 0
		return func(unsafe.Pointer) bool { return n }
	case reflect.String:
		return func(p unsafe.Pointer) bool { return len(*(*string)(p)) == 0 }
	case reflect.Slice:
		return func(p unsafe.Pointer) bool { return (*sliceHeader)(p).len == 0 }
	case reflect.Map:
		return func(p unsafe.Pointer) bool { return reflect.NewAt(t, p).Elem().Len() == 0 }
	case reflect.Bool:
		return func(p unsafe.Pointer) bool { return !*(*bool)(p) }
	case reflect.Pointer:
		return func(p unsafe.Pointer) bool { return *(*unsafe.Pointer)(p) == nil }
	case reflect.Interface:
		return func(p unsafe.Pointer) bool { return reflect.NewAt(t, p).Elem().IsNil() }
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		size := t.Size()
		return func(p unsafe.Pointer) bool { return allZero(p, size) }
	case reflect.Float32:
		return func(p unsafe.Pointer) bool { return *(*float32)(p) == 0 } // -0 too
	case reflect.Float64:
		return func(p unsafe.Pointer) bool { return *(*float64)(p) == 0 }
	}
	return func(unsafe.Pointer) bool { return false }
}

func allZero(p unsafe.Pointer, size uintptr) bool {
	for _, c := range unsafe.Slice((*byte)(p), size) {
		if c != 0 {
			return false
		}
	}
	return true
}

// zeroFn is omitzero's test: the type's IsZero method when it has one (as
// encoding/json finds it), else reflect.Value.IsZero.
func zeroFn(t reflect.Type, addr bool) func(unsafe.Pointer) bool {
	switch {
	case t.Kind() == reflect.Interface && t.Implements(isZeroerType):
		return func(p unsafe.Pointer) bool {
			v := reflect.NewAt(t, p).Elem()
			return v.IsNil() || (v.Elem().Kind() == reflect.Pointer && v.Elem().IsNil()) ||
				v.Interface().(interface{ IsZero() bool }).IsZero()
		}
	case t.Kind() == reflect.Pointer && t.Implements(isZeroerType):
		return func(p unsafe.Pointer) bool {
			v := reflect.NewAt(t, p).Elem()
			return v.IsNil() || v.Interface().(interface{ IsZero() bool }).IsZero()
		}
	case t.Implements(isZeroerType):
		return func(p unsafe.Pointer) bool {
			return reflect.NewAt(t, p).Elem().Interface().(interface{ IsZero() bool }).IsZero()
		}
	case reflect.PointerTo(t).Implements(isZeroerType):
		return func(p unsafe.Pointer) bool {
			if !addr { // encoding/json boxes a copy to take its address
				c := reflect.New(t)
				c.Elem().Set(reflect.NewAt(t, p).Elem())
				return c.Interface().(interface{ IsZero() bool }).IsZero()
			}
			return reflect.NewAt(t, p).Interface().(interface{ IsZero() bool }).IsZero()
		}
	}
	return func(p unsafe.Pointer) bool { return reflect.NewAt(t, p).Elem().IsZero() }
}
