package bind

import (
	"encoding"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
	"unsafe"

	"github.com/keelgo/keel/internal/pycompat"
)

// scalarKind is how a string input is converted to a Go value.
type scalarKind uint8

const (
	kString scalarKind = iota + 1
	kBool
	kInt
	kUint
	kFloat
	kText // encoding.TextUnmarshaler (time.Time included)
)

var (
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
	timeType            = reflect.TypeFor[time.Time]()
)

// scalar is a Go type that a single string can be converted to.
type scalar struct {
	kind scalarKind
	typ  reflect.Type
	bits int // ints and floats
}

// scalarOf classifies t, reporting false for types a string cannot fill.
func scalarOf(t reflect.Type) (scalar, bool) {
	if t.Kind() != reflect.Pointer && t.Kind() != reflect.Interface && reflect.PointerTo(t).Implements(textUnmarshalerType) {
		return scalar{kind: kText, typ: t}, true
	}
	switch t.Kind() {
	case reflect.String:
		return scalar{kind: kString, typ: t}, true
	case reflect.Bool:
		return scalar{kind: kBool, typ: t}, true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return scalar{kind: kInt, typ: t, bits: t.Bits()}, true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return scalar{kind: kUint, typ: t, bits: t.Bits()}, true
	case reflect.Float32, reflect.Float64:
		return scalar{kind: kFloat, typ: t, bits: t.Bits()}, true
	}
	return scalar{}, false
}

func (s scalar) numeric() bool { return s.kind == kInt || s.kind == kUint || s.kind == kFloat }

// Pydantic messages (docs/fastapi-compat.md §4.3, §5.2).
const (
	msgMissing         = "Field required"
	msgIntParsing      = "Input should be a valid integer, unable to parse string as an integer"
	msgIntType         = "Input should be a valid integer"
	msgIntFromFloat    = "Input should be a valid integer, got a number with a fractional part"
	msgFiniteNumber    = "Input should be a finite number"
	msgFloatParsing    = "Input should be a valid number, unable to parse string as a number"
	msgFloatType       = "Input should be a valid number"
	msgBoolParsing     = "Input should be a valid boolean, unable to interpret input"
	msgBoolType        = "Input should be a valid boolean"
	msgStringType      = "Input should be a valid string"
	msgListType        = "Input should be a valid list"
	msgDictType        = "Input should be a valid dictionary"
	msgModelAttributes = "Input should be a valid dictionary or object to extract fields from"
	msgDatetimeType    = "Input should be a valid datetime"
)

// failure is one validation problem before it gets a location and an input.
type failure struct {
	typ string
	msg string
	ctx map[string]any
}

func fail(typ, msg string) *failure { return &failure{typ: typ, msg: msg} }

// trimSpace strips Unicode white space, as pydantic does before parsing
// numbers (" 2 ", "\t2\n" and "\u00a02" are all 2).
func trimSpace(s string) string {
	if s == "" {
		return s
	}
	if c0, c1 := s[0], s[len(s)-1]; c0 < utf8.RuneSelf && c1 < utf8.RuneSelf && c0 > ' ' && c1 > ' ' {
		return s
	}
	return strings.TrimFunc(s, unicode.IsSpace)
}

// parseLaxInt parses s with pydantic's lax str→int rules (docs/fastapi-compat.md §4.3): white
// space trimmed, an optional sign, ASCII digits with single underscores between
// digits, and an optional fraction made only of zeros ("1.0"). It returns the
// sign and magnitude; big is set when the magnitude does not fit in 64 bits
// (pydantic accepts such numbers; Keel reports them out of range).
func parseLaxInt(s string) (neg bool, mag uint64, big bool, ok bool) {
	t := trimSpace(s)
	if dot := strings.IndexByte(t, '.'); dot >= 0 {
		frac := t[dot+1:]
		if dot == 0 || frac == "" {
			return false, 0, false, false
		}
		for i := 0; i < len(frac); i++ {
			if frac[i] != '0' {
				return false, 0, false, false
			}
		}
		t = t[:dot]
	}
	if t == "" {
		return false, 0, false, false
	}
	switch t[0] {
	case '-':
		neg = true
		t = t[1:]
	case '+':
		t = t[1:]
	}
	if t == "" || !pycompat.IsDigit(t[0]) || !pycompat.IsDigit(t[len(t)-1]) {
		return false, 0, false, false
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		if c == '_' {
			if !pycompat.IsDigit(t[i+1]) { // t ends with a digit, so i+1 exists
				return false, 0, false, false
			}
			continue
		}
		if !pycompat.IsDigit(c) {
			return false, 0, false, false
		}
		d := uint64(c - '0')
		if mag > (math.MaxUint64-d)/10 {
			big = true
			continue
		}
		if !big {
			mag = mag*10 + d
		}
	}
	return neg, mag, big, true
}

// parseLaxFloat parses s with pydantic's lax str→float rules: the trimmed text
// as a decimal (or inf/infinity/nan, any case, signed), else the untrimmed text
// with single underscores between characters removed ("1_0", "1_000.5").
func parseLaxFloat(s string) (float64, bool) {
	if f, ok := parseFloatText(trimSpace(s)); ok {
		return f, true
	}
	if strings.IndexByte(s, '_') < 0 || strings.HasPrefix(s, "_") || strings.HasSuffix(s, "_") || strings.Contains(s, "__") {
		return 0, false
	}
	return parseFloatText(strings.ReplaceAll(s, "_", ""))
}

// parseFloatText accepts Rust's f64 grammar: [+-] (inf|infinity|nan) or
// [+-] digits [. digits] [(e|E) [+-] digits] with at least one mantissa digit.
func parseFloatText(t string) (float64, bool) {
	if t == "" {
		return 0, false
	}
	body := t
	neg := false
	if body[0] == '+' || body[0] == '-' {
		neg = body[0] == '-'
		body = body[1:]
	}
	switch {
	case strings.EqualFold(body, "inf"), strings.EqualFold(body, "infinity"):
		if neg {
			return math.Inf(-1), true
		}
		return math.Inf(1), true
	case strings.EqualFold(body, "nan"):
		return math.NaN(), true
	}
	i, digits := 0, 0
	for i < len(body) && pycompat.IsDigit(body[i]) {
		i++
		digits++
	}
	if i < len(body) && body[i] == '.' {
		i++
		for i < len(body) && pycompat.IsDigit(body[i]) {
			i++
			digits++
		}
	}
	if digits == 0 {
		return 0, false
	}
	if i < len(body) && (body[i] == 'e' || body[i] == 'E') {
		i++
		if i < len(body) && (body[i] == '+' || body[i] == '-') {
			i++
		}
		start := i
		for i < len(body) && pycompat.IsDigit(body[i]) {
			i++
		}
		if i == start {
			return 0, false
		}
	}
	if i != len(body) {
		return 0, false
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); !ok || ne.Err != strconv.ErrRange {
			return 0, false
		}
	}
	return f, true
}

// parseLaxBool accepts pydantic's boolean words, case-insensitively, untrimmed.
func parseLaxBool(s string) (v, ok bool) {
	switch len(s) {
	case 1:
		switch s[0] {
		case '1', 't', 'T', 'y', 'Y':
			return true, true
		case '0', 'f', 'F', 'n', 'N':
			return false, true
		}
	case 2:
		if strings.EqualFold(s, "on") {
			return true, true
		}
		if strings.EqualFold(s, "no") {
			return false, true
		}
	case 3:
		if strings.EqualFold(s, "yes") {
			return true, true
		}
		if strings.EqualFold(s, "off") {
			return false, true
		}
	case 4:
		if strings.EqualFold(s, "true") {
			return true, true
		}
	case 5:
		if strings.EqualFold(s, "false") {
			return false, true
		}
	}
	return false, false
}

// intRange returns the bounds of a signed integer of the given size.
func intRange(bits int) (lo int64, hi int64) {
	hi = int64(uint64(1)<<(bits-1) - 1)
	return -hi - 1, hi
}

// signedFromMag turns sign+magnitude into an int of the given size, or the
// pydantic-style bound error (Keel's documented rule for values out of the Go
// type's range).
func signedFromMag(neg bool, mag uint64, big bool, bits int) (int64, *failure) {
	lo, hi := intRange(bits)
	if neg {
		if big || mag > uint64(hi)+1 {
			return 0, boundFailure(opGe, strconv.FormatInt(lo, 10), lo)
		}
		return -int64(mag), nil
	}
	if big || mag > uint64(hi) {
		return 0, boundFailure(opLe, strconv.FormatInt(hi, 10), hi)
	}
	return int64(mag), nil
}

func unsignedFromMag(neg bool, mag uint64, big bool, bits int) (uint64, *failure) {
	if neg && (mag != 0 || big) {
		return 0, boundFailure(opGe, "0", int64(0))
	}
	hi := uint64(math.MaxUint64)
	if bits < 64 {
		hi = uint64(1)<<bits - 1
	}
	if big || mag > hi {
		return 0, boundFailure(opLe, strconv.FormatUint(hi, 10), hi)
	}
	return mag, nil
}

func boundFailure(op checkOp, text string, ctx any) *failure {
	typ, msgPrefix, key := op.describe()
	return &failure{typ: typ, msg: msgPrefix + text, ctx: map[string]any{key: ctx}}
}

// Stores through a field pointer. p points at a value of the scalar's type,
// whose underlying representation is that of its kind.
func storeInt(p unsafe.Pointer, bits int, v int64) {
	switch bits {
	case 8:
		*(*int8)(p) = int8(v)
	case 16:
		*(*int16)(p) = int16(v)
	case 32:
		*(*int32)(p) = int32(v)
	default:
		*(*int64)(p) = v
	}
}

func storeUint(p unsafe.Pointer, bits int, v uint64) {
	switch bits {
	case 8:
		*(*uint8)(p) = uint8(v)
	case 16:
		*(*uint16)(p) = uint16(v)
	case 32:
		*(*uint32)(p) = uint32(v)
	default:
		*(*uint64)(p) = v
	}
}

func storeFloat(p unsafe.Pointer, bits int, v float64) {
	if bits == 32 {
		*(*float32)(p) = float32(v)
	} else {
		*(*float64)(p) = v
	}
}
