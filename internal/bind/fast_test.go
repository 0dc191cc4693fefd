package bind

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"testing"

	"github.com/keelgo/keel/params"
)

// fastElems are integer and string elems with the constraints set's fast
// paths fold (type ranges, le/lt/ge/gt, max length), and some they must not
// take (multiple_of, enums, a float bound, an empty range, omitempty).
func fastElems(t testing.TB) map[string]*elem {
	t.Helper()
	num := func(s string) *params.Number {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatal(err)
		}
		return &params.Number{Value: f, Text: s}
	}
	ip := func(n int) *int { return &n }
	c := NewCompiler(Options{})
	build := func(typ reflect.Type, cons params.Constraints, omitEmpty bool) *elem {
		sc, ok := scalarOf(typ)
		if !ok {
			t.Fatal(typ)
		}
		e, err := c.buildElem(sc, cons, omitEmpty, false)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	return map[string]*elem{
		"int":                        build(reflect.TypeFor[int](), params.Constraints{}, false),
		"int ge1 le100":              build(reflect.TypeFor[int](), params.Constraints{Ge: num("1"), Le: num("100")}, false),
		"int gt-5 lt5":               build(reflect.TypeFor[int](), params.Constraints{Gt: num("-5"), Lt: num("5")}, false),
		"int8":                       build(reflect.TypeFor[int8](), params.Constraints{}, false),
		"int8 le1000":                build(reflect.TypeFor[int8](), params.Constraints{Le: num("1000")}, false),
		"int16 omitempty":            build(reflect.TypeFor[int16](), params.Constraints{Ge: num("10")}, true),
		"int32 multiple":             build(reflect.TypeFor[int32](), params.Constraints{MultipleOf: num("3"), Le: num("30")}, false),
		"int64 float":                build(reflect.TypeFor[int64](), params.Constraints{Le: num("2.5")}, false),
		"int empty":                  build(reflect.TypeFor[int](), params.Constraints{Ge: num("5"), Lt: num("5")}, false),
		"int64 extremes":             build(reflect.TypeFor[int64](), params.Constraints{Lt: num(strconv.FormatInt(math.MinInt64, 10))}, false),
		"int enum":                   build(reflect.TypeFor[int](), params.Constraints{Enum: []string{"1", "2"}}, false),
		"string max3":                build(reflect.TypeFor[string](), params.Constraints{MaxLength: ip(3)}, false),
		"string min0 max3":           build(reflect.TypeFor[string](), params.Constraints{MinLength: ip(0), MaxLength: ip(3)}, false),
		"string max3 omitempty enum": build(reflect.TypeFor[string](), params.Constraints{MaxLength: ip(3), Enum: []string{"a", "bb"}}, true),
		"string min2":                build(reflect.TypeFor[string](), params.Constraints{MinLength: ip(2)}, false),
	}
}

// fastInputs cover plain decimals at and around every bound, and what plainInt
// must leave to parseLaxInt.
var fastInputs = []string{
	"", "0", "-0", "00", "007", "1", "-1", "4", "5", "-5", "-4", "6", "10", "30", "99", "100", "101",
	"127", "128", "-128", "-129", "1000", "32767", "-32768", "2147483647", "2147483648",
	"999999999999999999", "-999999999999999999", "1000000000000000000", "9223372036854775807",
	"9223372036854775808", "-9223372036854775808", "-9223372036854775809", "99999999999999999999",
	"+1", " 1", "1 ", "1.0", "1_0", "1e2", "-", "--1", "0x10", "١", "a", "é", "abcd", "ab", "日本",
}

// TestFastPathsMatchGeneral is the fast paths' correctness condition: for
// every elem and input, set with its fast paths gives exactly what the
// general path gives (the value stored, or the failure).
func TestFastPathsMatchGeneral(t *testing.T) {
	for name, e := range fastElems(t) {
		general := *e
		general.fastInt = false
		general.lenUncounted = -1
		for _, in := range fastInputs {
			got, gotF := setOnce(e, in)
			want, wantF := setOnce(&general, in)
			if got != want || !reflect.DeepEqual(gotF, wantF) {
				t.Errorf("%s %q: fast %v %+v, general %v %+v", name, in, got, gotF, want, wantF)
			}
		}
	}
	// The fast path is taken where it should be.
	es := fastElems(t)
	if !es["int ge1 le100"].fastInt || es["int32 multiple"].fastInt || es["int enum"].fastInt || es["int64 float"].fastInt || es["int empty"].fastInt {
		t.Error("fastInt set where it should not be, or not set")
	}
	if es["string max3"].lenUncounted != 3 || es["string min2"].lenUncounted != -1 || es["string max3 omitempty enum"].lenUncounted != -1 {
		t.Error("lenUncounted wrong")
	}
}

func FuzzFastPaths(f *testing.F) {
	for _, in := range fastInputs {
		f.Add(in)
	}
	elems := fastElems(f)
	f.Fuzz(func(t *testing.T, in string) {
		for name, e := range elems {
			general := *e
			general.fastInt = false
			general.lenUncounted = -1
			got, gotF := setOnce(e, in)
			want, wantF := setOnce(&general, in)
			if got != want || !reflect.DeepEqual(gotF, wantF) {
				t.Errorf("%s %q: fast %v %+v, general %v %+v", name, in, got, gotF, want, wantF)
			}
		}
	})
}

// setOnce sets in into a fresh value of e's type and returns it as text.
func setOnce(e *elem, in string) (string, *failure) {
	v := reflect.New(e.sc.typ)
	f := e.set(v.UnsafePointer(), in)
	return fmt.Sprintf("%#v", v.Elem().Interface()), f
}
