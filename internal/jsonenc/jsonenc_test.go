package jsonenc

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"net/netip"
	"reflect"
	"testing"
	"time"
	"unsafe"
)

// source hands out the bytes that decide a generated value; past its end it
// hands out zeros (nil, empty, zero values), so every input is a value.
type source struct {
	b []byte
}

func (s *source) byte() byte {
	if len(s.b) == 0 {
		return 0
	}
	c := s.b[0]
	s.b = s.b[1:]
	return c
}

func (s *source) uint64() uint64 {
	var x [8]byte
	for i := range x {
		x[i] = s.byte()
	}
	return binary.LittleEndian.Uint64(x[:])
}

var (
	sampleStrings = []string{"", "abc", "<a href=\"x\">&amp;</a>", "\u2028\u2029", "\x00\x01\x1f\x7f", "\xff\xfe\xc3",
		"é€𝄞", "\"\\/\b\f\n\r\t", "text:err", "err", "bad", "\xed\xa0\x80", "a\u2028b\xe2\x80"}
	sampleFloats = []float64{0, math.Copysign(0, -1), 1e-7, 1e-6, 9.999999e-7, 1e20, 1e21, 1e22, -1e21, 123.456,
		0.1, 1.0 / 3, math.MaxFloat64, math.SmallestNonzeroFloat64, 5e-324, 1e-10, 100, math.NaN(), math.Inf(1), math.Inf(-1)}
	sampleNumbers = []json.Number{"", "0", "-1.5e3", "12", "01", "abc", "1.", ".5", "-", "1e", "1E+7", "-0.0e-0", "1.5e+"}
	sampleRaw     = []json.RawMessage{nil, []byte(`{}`), []byte(` [ 1 , "<&>" , {"a" : null} ] `), []byte(`"x\u2028"`),
		[]byte(`{"a":`), []byte(`nul`), []byte(`1 2`), []byte(`"\ud800"`), []byte("\"\xff\"")}
	sampleAddrs = []string{"", "127.0.0.1", "::1", "fe80::1%eth0"}
)

// gen fills the value v (settable) from s; depth bounds recursion.
func gen(s *source, v reflect.Value, depth int) {
	t := v.Type()
	switch t {
	case reflect.TypeFor[time.Time]():
		if c := s.byte(); c%3 != 0 {
			v.Set(reflect.ValueOf(time.Unix(int64(s.uint64()%4e9), int64(c)*1000).UTC()))
		}
		return
	case reflect.TypeFor[netip.Addr]():
		if a := sampleAddrs[int(s.byte())%len(sampleAddrs)]; a != "" {
			v.Set(reflect.ValueOf(netip.MustParseAddr(a)))
		}
		return
	case reflect.TypeFor[netip.AddrPort]():
		if a := sampleAddrs[int(s.byte())%len(sampleAddrs)]; a != "" {
			v.Set(reflect.ValueOf(netip.AddrPortFrom(netip.MustParseAddr(a), uint16(s.uint64()))))
		}
		return
	case reflect.TypeFor[json.Number]():
		v.SetString(string(sampleNumbers[int(s.byte())%len(sampleNumbers)]))
		return
	case reflect.TypeFor[json.RawMessage]():
		v.SetBytes(sampleRaw[int(s.byte())%len(sampleRaw)])
		return
	}
	switch t.Kind() {
	case reflect.Bool:
		v.SetBool(s.byte()&1 == 1)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		switch s.byte() % 4 {
		case 0:
			v.SetInt(int64(s.byte()) - 128)
		case 1:
			v.SetInt(math.MinInt64 >> (64 - t.Bits()))
		default:
			v.SetInt(int64(s.uint64()) >> (64 - t.Bits()))
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		v.SetUint(s.uint64() >> (64 - t.Bits()))
	case reflect.Float32, reflect.Float64:
		c := s.byte()
		f := sampleFloats[int(c)%len(sampleFloats)]
		if c >= 128 {
			f = math.Float64frombits(s.uint64())
			if t.Kind() == reflect.Float32 {
				f = float64(math.Float32frombits(uint32(s.uint64())))
			}
		}
		if (math.IsNaN(f) || math.IsInf(f, 0)) && c%7 != 0 {
			f = 2.5 // errors stay rare
		}
		v.SetFloat(f)
	case reflect.Complex64, reflect.Complex128:
		v.SetComplex(complex(float64(s.byte()), 1))
	case reflect.String:
		c := s.byte()
		if c < 200 {
			v.SetString(sampleStrings[int(c)%len(sampleStrings)])
		} else {
			b := make([]byte, int(c-200)%12)
			for i := range b {
				b[i] = s.byte()
			}
			v.SetString(string(b))
		}
	case reflect.Pointer:
		if c := s.byte(); c%3 == 0 || depth > 4 {
			return
		}
		p := reflect.New(t.Elem())
		gen(s, p.Elem(), depth+1)
		v.Set(p)
	case reflect.Slice:
		c := s.byte()
		if c%4 == 0 || depth > 4 {
			return
		}
		n := int(c/4) % 4
		sl := reflect.MakeSlice(t, n, n)
		for i := range n {
			gen(s, sl.Index(i), depth+1)
		}
		v.Set(sl)
	case reflect.Array:
		for i := range v.Len() {
			gen(s, v.Index(i), depth+1)
		}
	case reflect.Map:
		c := s.byte()
		if c%4 == 0 || depth > 4 {
			return
		}
		m := reflect.MakeMap(t)
		seen := map[string]bool{}
		for range int(c/4) % 5 {
			k := reflect.New(t.Key()).Elem()
			gen(s, k, depth+1)
			// Keys that write the same text (pointers to equal values) would
			// come out in no defined order, in encoding/json as here.
			if k.Kind() != reflect.Array { // BadKey: encoding fails anyway
				if ks, err := keyString(k); err == nil && seen[ks] {
					continue
				} else {
					seen[ks] = true
				}
			}
			e := reflect.New(t.Elem()).Elem()
			gen(s, e, depth+1)
			m.SetMapIndex(k, e)
		}
		v.Set(m)
	case reflect.Struct:
		for i := range t.NumField() {
			f := v.Field(i)
			gen(s, reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem(), depth+1)
		}
	case reflect.Interface:
		c := s.byte()
		if c%5 == 0 || depth > 4 {
			return
		}
		var cands []reflect.Type
		for _, ct := range ifaceCandidates {
			if ct.Implements(t) {
				cands = append(cands, ct)
			}
		}
		if len(cands) == 0 {
			return
		}
		x := reflect.New(cands[int(c/5)%len(cands)]).Elem()
		gen(s, x, depth+1)
		v.Set(x)
	}
}

// ifaceCandidates are the dynamic types gen puts in interfaces.
var ifaceCandidates = []reflect.Type{
	reflect.TypeFor[string](), reflect.TypeFor[float64](), reflect.TypeFor[int](), reflect.TypeFor[bool](),
	reflect.TypeFor[[]any](), reflect.TypeFor[map[string]any](), reflect.TypeFor[Plain](), reflect.TypeFor[*Inner](),
	reflect.TypeFor[ValMarsh](), reflect.TypeFor[PtrMarsh](), reflect.TypeFor[*PtrMarsh](), reflect.TypeFor[Text](),
	reflect.TypeFor[*PtrText](), reflect.TypeFor[PtrText](), reflect.TypeFor[json.Number](), reflect.TypeFor[Zeroer](),
	reflect.TypeFor[*PtrZeroer](), reflect.TypeFor[stringer](), reflect.TypeFor[[1]*int](), reflect.TypeFor[struct{ P *int }](),
	reflect.TypeFor[map[int]string](), reflect.TypeFor[Embedding](), reflect.TypeFor[[]byte](), reflect.TypeFor[*errorValue](),
	reflect.TypeFor[Quoted](), reflect.TypeFor[Omit](),
}

type errorValue struct{ Msg string }

func (e *errorValue) Error() string { return e.Msg }

// corpus are the types the differential tests generate values of.
var corpus = []reflect.Type{
	reflect.TypeFor[Plain](), reflect.TypeFor[Tagged](), reflect.TypeFor[Quoted](), reflect.TypeFor[Marshalers](),
	reflect.TypeFor[Omit](), reflect.TypeFor[Embedding](), reflect.TypeFor[Collections](), reflect.TypeFor[Ifaces](),
	reflect.TypeFor[Tree](), reflect.TypeFor[*Plain](), reflect.TypeFor[[]Tagged](), reflect.TypeFor[map[string]Inner](),
	reflect.TypeFor[any](), reflect.TypeFor[string](), reflect.TypeFor[float32](), reflect.TypeFor[[]byte](),
	reflect.TypeFor[ValMarsh](), reflect.TypeFor[PtrMarsh](), reflect.TypeFor[Text](), reflect.TypeFor[PtrText](),
	reflect.TypeFor[Unsupported](), reflect.TypeFor[BadKey](), reflect.TypeFor[Complex](), reflect.TypeFor[json.Number](),
	reflect.TypeFor[[]any](), reflect.TypeFor[Zeroer](),
}

// want is encoding/json's encoding of the value p points to (as
// json.Marshal(p)), HTML escaping off, without the newline.
func want(t reflect.Type, p unsafe.Pointer) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(reflect.NewAt(t, p).Interface()); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// check encodes the value at p both ways, also as the element of a []any
// (not addressable), and reports any difference.
func check(t *testing.T, c *Encoders, typ reflect.Type, p unsafe.Pointer) {
	t.Helper()
	compare(t, c, typ, p)
	wrapped := []any{reflect.NewAt(typ, p).Elem().Interface()}
	compare(t, c, reflect.TypeFor[[]any](), unsafe.Pointer(&wrapped))
}

func compare(t *testing.T, c *Encoders, typ reflect.Type, p unsafe.Pointer) {
	t.Helper()
	w, werr := want(typ, p)
	prefix := []byte("prefix")
	g, gerr := c.For(typ).Append(prefix, p)
	switch {
	case werr != nil && gerr == nil:
		t.Errorf("%s: encoding/json fails (%v), jsonenc writes %s", typ, werr, g[len(prefix):])
	case werr == nil && gerr != nil:
		t.Errorf("%s: jsonenc fails (%v), encoding/json writes %s", typ, gerr, w)
	case werr != nil:
		if string(g) != "prefix" {
			t.Errorf("%s: on error, Append changed the buffer: %q", typ, g)
		}
	case !bytes.HasPrefix(g, prefix) || !bytes.Equal(g[len(prefix):], w):
		t.Errorf("%s:\n got %s\nwant %s", typ, g, w)
	}
}

// TestDifferential encodes many generated values of every corpus type with
// jsonenc and encoding/json and requires the same bytes, or both failing.
func TestDifferential(t *testing.T) {
	c := &Encoders{}
	rng := rand.New(rand.NewPCG(1, 2))
	n := 300
	if testing.Short() {
		n = 60
	}
	for _, typ := range corpus {
		for range n {
			b := make([]byte, 256)
			for i := range b {
				b[i] = byte(rng.Uint32())
			}
			v := reflect.New(typ)
			gen(&source{b}, v.Elem(), 0)
			check(t, c, typ, v.UnsafePointer())
		}
	}
}

// FuzzDifferential is TestDifferential with the fuzzer choosing the type and
// the bytes that decide the value.
func FuzzDifferential(f *testing.F) {
	f.Add(byte(0), []byte{1, 2, 3})
	f.Add(byte(3), bytes.Repeat([]byte{7, 200, 13}, 40))
	f.Add(byte(7), bytes.Repeat([]byte{9, 1}, 60))
	c := &Encoders{}
	f.Fuzz(func(t *testing.T, which byte, data []byte) {
		typ := corpus[int(which)%len(corpus)]
		v := reflect.New(typ)
		gen(&source{data}, v.Elem(), 0)
		check(t, c, typ, v.UnsafePointer())
	})
}

// TestDeep covers the hand-over to encoding/json: an acyclic list deeper
// than maxDepth is encoded, a cycle is an error.
func TestDeep(t *testing.T) {
	c := &Encoders{}
	root := &Tree{Name: "0"}
	n := root
	for i := range maxDepth + 200 {
		n.Children = []*Tree{{Name: string(rune('a' + i%26))}}
		n = n.Children[0]
	}
	check(t, c, reflect.TypeFor[*Tree](), unsafe.Pointer(&root))

	cyc := &Tree{Name: "cycle"}
	cyc.Children = []*Tree{cyc}
	if _, err := c.For(reflect.TypeFor[*Tree]()).Append(nil, unsafe.Pointer(&cyc)); err == nil {
		t.Error("a cycle encodes without error")
	}
	m := map[string]any{}
	m["self"] = m
	if _, err := c.For(reflect.TypeFor[map[string]any]()).Append(nil, unsafe.Pointer(&m)); err == nil {
		t.Error("a map cycle encodes without error")
	}
}

// TestDirectIface checks directIface against the runtime: for a value held
// in an interface, the data word is the value itself exactly when
// directIface says so.
func TestDirectIface(t *testing.T) {
	x := 7
	for _, v := range []any{&x, map[int]int{}, make(chan int), func() {}, unsafe.Pointer(&x), [1]*int{&x},
		struct{ P *int }{&x}, struct{ A [1]map[int]int }{[1]map[int]int{{}}}, 3, "s", [2]*int{&x, &x},
		struct{ P, Q *int }{&x, &x}, struct{}{}, [0]*int{}, Plain{I: 1}, errors.New("e"), time.Now()} {
		typ := reflect.TypeOf(v)
		data := (*[2]unsafe.Pointer)(unsafe.Pointer(&v))[1]
		direct := directIface(typ)
		rv := reflect.ValueOf(v)
		var same bool
		if direct {
			// The data word is the value: compare it with the value's bits.
			c := reflect.New(typ)
			c.Elem().Set(rv)
			same = *(*unsafe.Pointer)(c.UnsafePointer()) == data
		} else {
			// The data word points to a copy of the value.
			same = typ.Size() == 0 || reflect.NewAt(typ, data).Elem().Equal(rv) || typ.Kind() == reflect.Func
		}
		if !same {
			t.Errorf("%s: directIface %v disagrees with the runtime", typ, direct)
		}
	}
}

// TestAllocs: a struct of scalars, strings, a slice and a pointer encodes
// without allocating.
func TestAllocs(t *testing.T) {
	type item struct {
		ID    int     `json:"id"`
		Name  string  `json:"name"`
		Price float64 `json:"price"`
		Tags  []string
		Owner *Inner `json:"owner,omitempty"`
		OK    bool
	}
	c := &Encoders{}
	v := item{ID: 42, Name: "widget \"<x>\"", Price: 9.5, Tags: []string{"a", "b"}, Owner: &Inner{A: 1, C: "c"}, OK: true}
	enc := c.For(reflect.TypeFor[item]())
	buf := make([]byte, 0, 512)
	if n := testing.AllocsPerRun(100, func() {
		var err error
		if buf, err = enc.Append(buf[:0], unsafe.Pointer(&v)); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("%v allocations per encoding", n)
	}
	check(t, c, reflect.TypeFor[item](), unsafe.Pointer(&v))
}

type benchItem struct {
	ID    int    `json:"id"`
	Limit int    `json:"limit"`
	Q     string `json:"q"`
	User  string `json:"user"`
}

// BenchmarkItem compares the Items endpoint's answer encoded by jsonenc and
// by a reused json.Encoder.
func BenchmarkItem(b *testing.B) {
	v := benchItem{ID: 42, Limit: 10, Q: "abc", User: "johndoe"}
	b.Run("impl=encoding-json", func(b *testing.B) {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		b.ReportAllocs()
		for b.Loop() {
			buf.Reset()
			if err := enc.Encode(&v); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=jsonenc", func(b *testing.B) {
		c := &Encoders{}
		enc := c.For(reflect.TypeFor[benchItem]())
		buf := make([]byte, 0, 128)
		b.ReportAllocs()
		for b.Loop() {
			var err error
			if buf, err = enc.Append(buf[:0], unsafe.Pointer(&v)); err != nil {
				b.Fatal(err)
			}
		}
	})
}
