package jsonenc

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"unsafe"
)

// encodingJSONString is encoding/json's encoding of s, HTML escaping off.
func encodingJSONString(t *testing.T, s string) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// TestStringEscaping: appendString's copy of safe runs and its escaping give
// encoding/json's bytes for every one- and two-byte string, and for every
// byte between safe runs and after them (the fast path hands over to the
// escaping loop at the first byte that needs it).
func TestStringEscaping(t *testing.T) {
	check := func(s string) {
		if got, want := appendString([]byte("x"), s), append([]byte("x"), encodingJSONString(t, s)...); !bytes.Equal(got, want) {
			t.Fatalf("%q: got %s, want %s", s, got, want)
		}
	}
	check("")
	for a := range 256 {
		check(string([]byte{byte(a)}))
		check("safe run " + string([]byte{byte(a)}) + " and another")
		for b := range 256 {
			check(string([]byte{byte(a), byte(b)}))
		}
	}
	for _, s := range sampleStrings {
		check(s)
		check("abc" + s + "def")
	}
}

// TestFixedFields: a struct whose fields are all written takes fixedFields's
// encoder, one with an omittable field or one behind an embedded pointer does
// not (the differential tests cover both through Plain, Omit and Embedding).
func TestFixedFields(t *testing.T) {
	type small struct {
		ID int
		Q  string
		N  *int
	}
	c := &Encoders{}
	n := 7
	v := small{ID: -3, Q: "a\"b", N: &n}
	got, err := c.For(reflect.TypeFor[small]()).Append(nil, unsafe.Pointer(&v))
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"ID":-3,"Q":"a\"b","N":7}`; string(got) != want {
		t.Fatalf("got %s, want %s", got, want)
	}
	for _, tc := range []struct {
		typ   reflect.Type
		fixed bool
	}{{reflect.TypeFor[Plain](), true}, {reflect.TypeFor[small](), true}, {reflect.TypeFor[Omit](), false}, {reflect.TypeFor[Embedding](), false}} {
		cp := &compiler{c: c, building: map[key]*Encoder{}}
		fixed := fixedFields(cp.fieldsOf(tc.typ, true))
		if (fixed != nil) != tc.fixed {
			t.Errorf("%s: fixed %v, want %v", tc.typ, fixed != nil, tc.fixed)
		}
	}
}
