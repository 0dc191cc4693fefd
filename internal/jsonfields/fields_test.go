//lint:file-ignore SA5008 the table holds the odd tags encoding/json must be matched on
//lint:file-ignore U1000 unexported fields are part of the shapes under test

package jsonfields

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"unsafe"
)

// The embedding shapes of the table.
type (
	dX struct {
		X int `json:"x"`
	}
	bD   struct{ dX }
	cD   struct{ dX }
	aBCY struct { // the case: x is ambiguous at depth 2, encoding/json drops it
		bD
		cD
		Y int `json:"y"`
	}
	flat struct {
		A      int     `json:"a"`
		B      string  `json:"b,omitempty"`
		C      bool    `json:"-"`
		D      int     `json:"-,"`
		E      float64 `json:",string"`
		F      *int    `json:"f,string"`
		G      []int   `json:"g,string"` // string does not apply
		H      int     `json:"h,omitzero"`
		hidden int
		Plain  string
	}
	shadowInner struct{ X, Z int }
	shadow      struct {
		X int
		shadowInner
	}
	taggedWinsInner1 struct {
		N int `json:"N"`
	}
	taggedWinsInner2 struct{ N int }
	taggedWins       struct {
		taggedWinsInner1
		taggedWinsInner2
	}
	// BothTaggedInner1 and BothTaggedInner2 tag a field "v" each: embedded
	// side by side (bothTagged, built with reflect.StructOf, since go vet
	// rightly reports such a struct written in Go), v is ambiguous.
	BothTaggedInner1 struct {
		V int `json:"v"`
	}
	BothTaggedInner2 struct {
		W int `json:"v"`
	}
	PtrInner struct {
		P int `json:"p"`
		Q string
	}
	embedPtr struct {
		*PtrInner
		R int `json:"r"`
	}
	unexpInner struct{ U int }
	embedUnexp struct {
		unexpInner
		V int
	}
	MyInt       int
	myInt       int
	embedNonStr struct {
		MyInt
		myInt
		W int
	}
	NamedInner struct{ A, B int }
	embedNamed struct {
		NamedInner `json:"inner"`
		C          int
	}
	badTag struct {
		X int `json:"a€b"`
		Y int `json:"ünï"`
		Z int `json:"a b!#$%&()*+-./:;<=>?@[]^_{|}~"`
	}
	levels struct { // dX at depth 1 and again at depth 2: the deeper one is not looked into
		bD
		dX
		T int
	}
	ptrAndValue struct { // dX twice at depth 2, once through a pointer
		bD
		cDPtr
	}
	cDPtr  struct{ *dX }
	thrice struct {
		bD
		cD
		eD
	}
	eD        struct{ dX }
	recursive struct {
		*recursive
		R int `json:"r"`
	}
	Rec2 struct {
		*Rec2
		S int
	}
	deepPtr struct {
		*embedPtr
		O int
	}
	unexpPtr struct {
		*unexpInner
		O int
	}
)

// TestAgainstEncodingJSON checks Of over the table against what encoding/json
// writes for a value with every field set, and reads from a document holding
// every name.
func TestAgainstEncodingJSON(t *testing.T) {
	for _, v := range []any{
		aBCY{}, flat{}, shadow{}, taggedWins{}, bothTagged(), embedPtr{}, embedUnexp{}, embedNonStr{},
		embedNamed{}, badTag{}, levels{}, ptrAndValue{}, thrice{}, recursive{}, Rec2{}, deepPtr{}, unexpPtr{},
	} {
		typ := reflect.TypeOf(v)
		name := typ.Name()
		if name == "" {
			name = "bothTagged"
		}
		t.Run(name, func(t *testing.T) {
			fields := Of(typ)
			val := reflect.New(typ).Elem()
			fill(val, new(int), 2)
			data, err := json.Marshal(val.Interface())
			if err != nil {
				t.Fatal(err)
			}
			keys, raws := objectKeys(t, data)
			var names []string
			for _, f := range fields {
				names = append(names, f.Name)
			}
			if !slices.Equal(keys, names) {
				t.Fatalf("encoding/json writes %q, Of gives %q (%s)", keys, names, data)
			}
			for i, f := range fields {
				fv, ok := f.Value(val)
				if !ok {
					t.Fatalf("%s: absent in a filled value", f.Name)
				}
				want, _ := json.Marshal(fv.Interface())
				if f.Quoted {
					q, _ := json.Marshal(string(want))
					want = q
				}
				if !bytes.Equal(raws[i], want) {
					t.Errorf("%s: encoding/json writes %s, the field at %v holds %s", f.Name, raws[i], f.Index, want)
				}
				// Steps reach the same memory as the index path.
				if p := walk(val.Addr().UnsafePointer(), f.Steps); p != fv.Addr().UnsafePointer() {
					t.Errorf("%s: Steps %v reach %p, the index path %p", f.Name, f.Steps, p, fv.Addr().UnsafePointer())
				}
			}
			// Reading: each of the fields is set from its name, and nothing else is.
			for _, f := range fields {
				if f.ThroughUnexported || f.Go.Type.Kind() != reflect.Int || f.Quoted {
					continue
				}
				dst := reflect.New(typ)
				if err := json.Unmarshal([]byte(fmt.Sprintf(`{%q: 7}`, f.Name)), dst.Interface()); err != nil {
					t.Fatalf("%s: %v", f.Name, err)
				}
				if got := f.Alloc(reflect.New(typ).Elem()); got.Int() != 0 {
					t.Fatal("Alloc on a zero value is not zero")
				}
				if got, ok := f.Value(dst.Elem()); !ok || got.Int() != 7 {
					t.Errorf("%s: encoding/json did not read it into %v", f.Name, f.Index)
				}
			}
		})
	}
}

// bothTagged is struct{ BothTaggedInner1; BothTaggedInner2; K int `json:"k"` }.
func bothTagged() any {
	t := reflect.StructOf([]reflect.StructField{
		{Name: "BothTaggedInner1", Type: reflect.TypeFor[BothTaggedInner1](), Anonymous: true},
		{Name: "BothTaggedInner2", Type: reflect.TypeFor[BothTaggedInner2](), Anonymous: true},
		{Name: "K", Type: reflect.TypeFor[int](), Tag: `json:"k"`},
	})
	return reflect.New(t).Elem().Interface()
}

// The case in words: the schema must not document x.
func TestAmbiguousDropped(t *testing.T) {
	var names []string
	for _, f := range Of(reflect.TypeFor[aBCY]()) {
		names = append(names, f.Name)
	}
	if !slices.Equal(names, []string{"y"}) {
		t.Fatalf("got %q, want only y", names)
	}
	dst := aBCY{}
	if err := json.Unmarshal([]byte(`{"x":1,"y":2}`), &dst); err != nil || dst.bD.X != 0 || dst.cD.X != 0 || dst.Y != 2 {
		t.Fatalf("encoding/json read %+v, %v", dst, err)
	}
}

func TestOptionsAndSteps(t *testing.T) {
	fs := Of(reflect.TypeFor[flat]())
	byName := map[string]Field{}
	for _, f := range fs {
		byName[f.Name] = f
	}
	if !byName["b"].OmitEmpty || !byName["h"].OmitZero || !byName["E"].Quoted || !byName["f"].Quoted || byName["g"].Quoted {
		t.Errorf("options: %+v", fs)
	}
	if _, ok := byName["-"]; !ok {
		t.Error(`json:"-," names the field "-"`)
	}
	if off, ok := byName["a"].Direct(); !ok || off != 0 {
		t.Errorf("a: %d %v", off, ok)
	}
	p := Of(reflect.TypeFor[deepPtr]())
	if _, ok := p[0].Direct(); ok || len(p[0].Steps) != 3 || !p[0].Steps[0].Indirect || !p[0].Steps[1].Indirect || p[0].Steps[2].Indirect {
		t.Errorf("deepPtr %s: steps %+v", p[0].Name, p[0].Steps)
	}
	if u := Of(reflect.TypeFor[unexpPtr]()); !u[0].ThroughUnexported || u[1].ThroughUnexported {
		t.Errorf("unexpPtr: %+v", u)
	}
	var zero deepPtr
	if _, ok := p[0].Value(reflect.ValueOf(zero)); ok {
		t.Error("a field behind a nil embedded pointer is not absent")
	}
	if Of(reflect.TypeFor[int]()) != nil {
		t.Error("Of(int) is not nil")
	}
}

// fill sets every field of v, allocating embedded pointers (to depth levels
// of recursion), with distinct numbers and strings.
func fill(v reflect.Value, n *int, depth int) {
	v = reflect.NewAt(v.Type(), unsafe.Pointer(v.UnsafeAddr())).Elem() // settable even when unexported
	switch v.Kind() {
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			fill(v.Field(i), n, depth)
		}
	case reflect.Pointer:
		if depth == 0 {
			return
		}
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem(), n, depth-1)
	case reflect.Int:
		*n++
		v.SetInt(int64(*n))
	case reflect.Float64:
		*n++
		v.SetFloat(float64(*n) + 0.5)
	case reflect.String:
		*n++
		v.SetString(fmt.Sprint("s", *n))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Slice:
		*n++
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		fill(v.Index(0), n, depth)
	}
}

// objectKeys returns the keys of a JSON object in order, and their values.
func objectKeys(t *testing.T, data []byte) ([]string, []json.RawMessage) {
	d := json.NewDecoder(bytes.NewReader(data))
	if tok, err := d.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not an object: %s", data)
	}
	var keys []string
	var raws []json.RawMessage
	for d.More() {
		tok, err := d.Token()
		if err != nil {
			t.Fatal(err)
		}
		var raw json.RawMessage
		if err := d.Decode(&raw); err != nil {
			t.Fatal(err)
		}
		keys = append(keys, tok.(string))
		raws = append(raws, raw)
	}
	return keys, raws
}

// walk follows steps from p, as an encoder would.
func walk(p unsafe.Pointer, steps []Step) unsafe.Pointer {
	for _, s := range steps {
		p = unsafe.Add(p, s.Offset)
		if s.Indirect {
			p = *(*unsafe.Pointer)(p)
		}
	}
	return p
}

func TestValidName(t *testing.T) {
	for s, want := range map[string]bool{"": false, "a": true, "a b": true, "a€b": false, `a"b`: false, `a\b`: false, "ünï": true, "a'b": false, "a,b": false, "x-y.z": true} {
		if validName(s) != want {
			t.Errorf("validName(%q) = %v", s, !want)
		}
	}
}
