package bind

import (
	"errors"
	"math"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/go-playground/validator/v10"

	"github.com/keelgo/keel/internal/pycompat"
)

// checkOp is a numeric constraint. The constants are in the order pydantic
// checks them: multiple_of, le, lt, ge, gt (probe: a value breaking several
// bounds reports the first of these).
type checkOp uint8

const (
	opMultiple checkOp = iota
	opLe
	opLt
	opGe
	opGt
)

// describe returns the error type, message prefix and ctx key (docs/fastapi-compat.md §4.4).
func (op checkOp) describe() (typ, msgPrefix, key string) {
	switch op {
	case opMultiple:
		return "multiple_of", "Input should be a multiple of ", "multiple_of"
	case opLe:
		return "less_than_equal", "Input should be less than or equal to ", "le"
	case opLt:
		return "less_than", "Input should be less than ", "lt"
	case opGe:
		return "greater_than_equal", "Input should be greater than or equal to ", "ge"
	default:
		return "greater_than", "Input should be greater than ", "gt"
	}
}

// numCheck is one compiled numeric constraint.
type numCheck struct {
	op     checkOp
	isInt  bool  // bound is an integer that fits int64 and the field is an integer
	i      int64 // the bound, when isInt
	f      float64
	typ    string
	msg    string
	key    string
	ctxVal any // the bound typed as the field (int64 or float64)
}

func (c *numCheck) failure() *failure {
	return &failure{typ: c.typ, msg: c.msg, ctx: map[string]any{c.key: c.ctxVal}}
}

func (c *numCheck) okInt(v int64) bool {
	if !c.isInt {
		return c.okFloat(float64(v))
	}
	switch c.op {
	case opMultiple:
		return c.i == 0 || v%c.i == 0
	case opLe:
		return v <= c.i
	case opLt:
		return v < c.i
	case opGe:
		return v >= c.i
	default:
		return v > c.i
	}
}

func (c *numCheck) okUint(v uint64) bool {
	if v <= math.MaxInt64 {
		return c.okInt(int64(v))
	}
	if c.isInt && c.op == opMultiple {
		return c.i <= 0 || v%uint64(c.i) == 0
	}
	if c.isInt {
		// v exceeds every int64 bound.
		return c.op == opGe || c.op == opGt
	}
	return c.okFloat(float64(v))
}

func (c *numCheck) okFloat(v float64) bool {
	switch c.op {
	case opMultiple:
		// pydantic-core's float multiple_of test, tolerant to rounding.
		rem := math.Mod(v, c.f)
		threshold := math.Abs(v) / 1e9
		return !(math.Abs(rem) > threshold && math.Abs(rem-c.f) > threshold)
	case opLe:
		return v <= c.f
	case opLt:
		return v < c.f
	case opGe:
		return v >= c.f
	default:
		return v > c.f
	}
}

// elem converts one string (or one decoded JSON scalar) to a value of a scalar
// type and checks it. It is compiled once per field.
type elem struct {
	sc   scalar
	nums []numCheck

	minLen, maxLen int // -1: none; runes for strings
	pattern        string
	re             *regexp.Regexp

	enumStr   []string // oneof, for string-kinded values
	enumInt   []int64
	enumUint  []uint64
	enumFloat []float64
	expected  string // "'a' or 'b'"
	enumType  bool   // the values come from the type's Enum method: error type "enum"

	other     string // validator tags run through validate.Var
	validate  *validator.Validate
	omitEmpty bool
	finite    bool // floats must be finite (body values): inf and nan are finite_number

	// fastInt: an integer field whose checks are all integer bounds. A plain
	// decimal (plainInt) within [fastLo, fastHi] passes every check of the
	// general path (type range, bounds); anything else takes that path, which
	// also produces the errors. Set by compileFast.
	fastInt        bool
	fastLo, fastHi int64
	// lenUncounted: a string of at most this many bytes meets the length
	// constraints without counting its runes (it has no more runes than
	// bytes, and there is no minimum); -1 when every string is counted.
	lenUncounted int
}

// compileFast settles set's fast paths: lenUncounted, and for an integer the
// type's range and the elem's integer bounds folded into one interval, when
// nothing else (an enum, multiple_of, a bound that is not an integer) has to
// be checked.
func (e *elem) compileFast() {
	e.lenUncounted = -1
	if !e.omitEmpty && e.minLen <= 0 && e.maxLen >= 0 {
		e.lenUncounted = e.maxLen
	}
	if e.sc.kind != kInt || e.hasEnum() {
		return
	}
	lo, hi := intRange(e.sc.bits)
	for _, c := range e.nums {
		if !c.isInt {
			return
		}
		switch c.op {
		case opLe:
			hi = min(hi, c.i)
		case opLt:
			if c.i == math.MinInt64 {
				return
			}
			hi = min(hi, c.i-1)
		case opGe:
			lo = max(lo, c.i)
		case opGt:
			if c.i == math.MaxInt64 {
				return
			}
			lo = max(lo, c.i+1)
		default: // multiple_of
			return
		}
	}
	if lo > hi {
		return // nothing passes: every value takes the general path to its error
	}
	e.fastInt, e.fastLo, e.fastHi = true, lo, hi
}

// plainInt parses s when it is a plain decimal integer of at most 18 digits
// with an optional leading '-': a subset of parseLaxInt's grammar that it
// reads to the same value, and that cannot overflow int64.
func plainInt(s string) (int64, bool) {
	if len(s) == 0 || len(s) > 19 {
		return 0, false
	}
	neg := s[0] == '-'
	d := s
	if neg {
		d = s[1:]
		if len(d) == 0 {
			return 0, false
		}
	}
	if len(d) > 18 {
		return 0, false
	}
	var v int64
	for i := 0; i < len(d); i++ {
		c := d[i] - '0'
		if c > 9 {
			return 0, false
		}
		v = v*10 + int64(c)
	}
	if neg {
		v = -v
	}
	return v, true
}

func (e *elem) hasEnum() bool {
	return e.enumStr != nil || e.enumInt != nil || e.enumUint != nil || e.enumFloat != nil
}

func (e *elem) literalFailure() *failure {
	typ := "literal_error"
	if e.enumType {
		typ = "enum"
	}
	return &failure{typ: typ, msg: "Input should be " + e.expected, ctx: map[string]any{"expected": e.expected}}
}

// set converts s, checks it and stores it at p (a *T for the elem's type).
func (e *elem) set(p unsafe.Pointer, s string) *failure {
	switch e.sc.kind {
	case kString:
		if f := e.checkString(s); f != nil {
			return f
		}
		*(*string)(p) = s
	case kInt:
		if e.fastInt {
			if v, ok := plainInt(s); ok && v >= e.fastLo && v <= e.fastHi {
				storeInt(p, e.sc.bits, v)
				break
			}
		}
		neg, mag, big, ok := parseLaxInt(s)
		if !ok {
			if e.hasEnum() {
				return e.literalFailure()
			}
			return fail("int_parsing", msgIntParsing)
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
		neg, mag, big, ok := parseLaxInt(s)
		if !ok {
			if e.hasEnum() {
				return e.literalFailure()
			}
			return fail("int_parsing", msgIntParsing)
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
		v, ok := parseLaxFloat(s)
		if !ok {
			if e.hasEnum() {
				return e.literalFailure()
			}
			return fail("float_parsing", msgFloatParsing)
		}
		if e.finite && (math.IsInf(v, 0) || math.IsNaN(v) || (e.sc.bits == 32 && math.IsInf(float64(float32(v)), 0))) {
			return fail("finite_number", msgFiniteNumber)
		}
		if f := e.checkFloat(v); f != nil {
			return f
		}
		storeFloat(p, e.sc.bits, v)
	case kBool:
		v, ok := parseLaxBool(s)
		if !ok {
			return fail("bool_parsing", msgBoolParsing)
		}
		*(*bool)(p) = v
	case kText:
		if f := e.setText(p, s); f != nil {
			return f
		}
	}
	if e.other != "" {
		return e.runValidator(p)
	}
	return nil
}

// setText stores s in the encoding.TextUnmarshaler at p after the string
// constraints; the parameter and the JSON body paths share it.
func (e *elem) setText(p unsafe.Pointer, s string) *failure {
	if f := e.checkString(s); f != nil {
		return f
	}
	u := reflect.NewAt(e.sc.typ, p).Interface().(interface{ UnmarshalText([]byte) error })
	if err := u.UnmarshalText([]byte(s)); err != nil {
		return textFailure(e.sc.typ, err)
	}
	return nil
}

// textFailure reports a TextUnmarshaler's error. time.Time gets pydantic's
// datetime error type; other types a value_error carrying their message.
func textFailure(t reflect.Type, err error) *failure {
	if t == timeType {
		return &failure{typ: "datetime_parsing", msg: "Input should be a valid datetime, invalid RFC 3339 date-time", ctx: map[string]any{"error": "invalid RFC 3339 date-time"}}
	}
	return valueError(err.Error())
}

// valueError is pydantic's shape for a failed custom validator as FastAPI
// renders it: the exception object in ctx.error encodes as {}.
func valueError(reason string) *failure {
	return &failure{typ: "value_error", msg: "Value error, " + reason, ctx: map[string]any{"error": map[string]any{}}}
}

func (e *elem) checkString(s string) *failure {
	if (e.minLen >= 0 || e.maxLen >= 0) && len(s) > e.lenUncounted {
		n := utf8.RuneCountInString(s)
		if e.omitEmpty && n == 0 {
			return nil
		}
		if e.minLen >= 0 && n < e.minLen {
			return &failure{typ: "string_too_short", msg: "String should have at least " + plural(e.minLen, "character"), ctx: map[string]any{"min_length": e.minLen}}
		}
		if e.maxLen >= 0 && n > e.maxLen {
			return &failure{typ: "string_too_long", msg: "String should have at most " + plural(e.maxLen, "character"), ctx: map[string]any{"max_length": e.maxLen}}
		}
	}
	if e.re != nil && !(e.omitEmpty && s == "") && !e.re.MatchString(s) {
		return &failure{typ: "string_pattern_mismatch", msg: "String should match pattern '" + e.pattern + "'", ctx: map[string]any{"pattern": e.pattern}}
	}
	if e.enumStr != nil {
		for _, x := range e.enumStr {
			if x == s {
				return nil
			}
		}
		return e.literalFailure()
	}
	return nil
}

func (e *elem) checkInt(v int64) *failure { return checkNumber(e, v, e.enumInt, (*numCheck).okInt) }

func (e *elem) checkUint(v uint64) *failure {
	return checkNumber(e, v, e.enumUint, (*numCheck).okUint)
}

func (e *elem) checkFloat(v float64) *failure {
	return checkNumber(e, v, e.enumFloat, (*numCheck).okFloat)
}

// checkNumber checks v against the elem's enum (oneof or an Enum type) and its
// numeric bounds, in that order.
func checkNumber[T int64 | uint64 | float64](e *elem, v T, enum []T, ok func(*numCheck, T) bool) *failure {
	if e.omitEmpty && v == 0 {
		return nil
	}
	if enum != nil && !slices.Contains(enum, v) {
		return e.literalFailure()
	}
	for i := range e.nums {
		if !ok(&e.nums[i], v) {
			return e.nums[i].failure()
		}
	}
	return nil
}

// runValidator runs the tags Keel does not compile itself through the App's
// validator, reporting a value_error that names what failed.
func (e *elem) runValidator(p unsafe.Pointer) *failure {
	v := reflect.NewAt(e.sc.typ, p).Elem().Interface()
	return validatorFailure(e.validate.Var(v, e.other))
}

func validatorFailure(err error) *failure {
	if err == nil {
		return nil
	}
	var ves validator.ValidationErrors
	tag := ""
	if errors.As(err, &ves) && len(ves) > 0 {
		tag = ves[0].Tag()
	}
	return valueError(validatorReason(tag))
}

// validatorReason is the message for a failed validator tag.
func validatorReason(tag string) string {
	switch {
	case tag == "email":
		return "value is not a valid email address"
	case strings.HasPrefix(tag, "uuid"):
		return "value is not a valid UUID"
	case tag == "url", tag == "uri", tag == "http_url", tag == "https_url":
		return "value is not a valid URL"
	case tag == "ip", tag == "ipv4", tag == "ipv6", tag == "ip_addr", tag == "ip4_addr", tag == "ip6_addr":
		return "value is not a valid IP address"
	case strings.HasPrefix(tag, "hostname"), tag == "fqdn":
		return "value is not a valid hostname"
	case tag == "":
		return "value is not valid"
	}
	return "value does not satisfy '" + tag + "'"
}

// plural renders "1 character" / "2 characters" as pydantic does.
func plural(n int, unit string) string {
	s := strconv.Itoa(n) + " " + unit
	if n != 1 {
		s += "s"
	}
	return s
}

// lengthFailure is the list length error (docs/fastapi-compat.md §4.4): too_long is checked
// before the items (pydantic stops there), too_short after them.
func lengthFailure(short bool, limit, actual int) *failure {
	if short {
		return &failure{typ: "too_short",
			msg: "List should have at least " + plural(limit, "item") + " after validation, not " + strconv.Itoa(actual),
			ctx: map[string]any{"field_type": "List", "min_length": limit, "actual_length": actual}}
	}
	return &failure{typ: "too_long",
		msg: "List should have at most " + plural(limit, "item") + " after validation, not " + strconv.Itoa(actual),
		ctx: map[string]any{"field_type": "List", "max_length": limit, "actual_length": actual}}
}

// expectedText renders literal choices as pydantic does: 'a' or 'b';
// 'a', 'b' or 'c'; numbers unquoted.
func expectedText(vals []string, quote bool) string {
	q := make([]string, len(vals))
	for i, v := range vals {
		if quote {
			q[i] = pycompat.Repr(v)
		} else {
			q[i] = v
		}
	}
	switch len(q) {
	case 0:
		return ""
	case 1:
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}
