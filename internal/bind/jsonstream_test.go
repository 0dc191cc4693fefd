package bind

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/keelgo/keel"
)

// Duplicate keys count once, with their last value, as in the dict Python's
// json.loads makes; errors come in declaration order (struct fields) or key
// order (maps), whatever the order of the document.
func TestJSONDuplicatesAndOrder(t *testing.T) {
	c := NewCompiler(Options{})
	for _, tc := range []struct{ body, want string }{
		{`{"name":"x","price":"bad","price":2}`, ``},
		{`{"name":"x","price":2,"price":"bad"}`, `[{"type":"float_parsing","loc":["body","price"],"msg":"Input should be a valid number, unable to parse string as a number","input":"bad"}]`},
		{`{"price":"bad","name":5}`,
			`[{"type":"string_type","loc":["body","name"],"msg":"Input should be a valid string","input":5},` +
				`{"type":"float_parsing","loc":["body","price"],"msg":"Input should be a valid number, unable to parse string as a number","input":"bad"}]`},
		{`{"price":"bad","price":"worse","name":5,"name":"ok","price":"worst"}`,
			`[{"type":"float_parsing","loc":["body","price"],"msg":"Input should be a valid number, unable to parse string as a number","input":"worst"}]`},
		{`{"name":"x","price":1,"sub":{"x":1},"sub":{}}`, `[{"type":"missing","loc":["body","sub","x"],"msg":"Field required","input":{}}]`},
		{`{"name":"x","price":1,"sub":{},"sub":{"x":1}}`, ``},
		{`{"name":"x","price":1,"subs":[{"x":"a"}],"subs":[{"x":1},{"x":"b"}]}`,
			`[{"type":"int_parsing","loc":["body","subs",1,"x"],"msg":"Input should be a valid integer, unable to parse string as an integer","input":"b"}]`},
		{`{"name":"x","price":1,"tags":{"b":"x","a":"y","b":1,"c":"z"}}`,
			`[{"type":"int_parsing","loc":["body","tags","a"],"msg":"Input should be a valid integer, unable to parse string as an integer","input":"y"},` +
				`{"type":"int_parsing","loc":["body","tags","c"],"msg":"Input should be a valid integer, unable to parse string as an integer","input":"z"}]`},
		{`{"price":1,"sub":{"y":1,"y":2}}`,
			`[{"type":"missing","loc":["body","name"],"msg":"Field required","input":{"price":1,"sub":{"y":2}}},` +
				`{"type":"missing","loc":["body","sub","x"],"msg":"Field required","input":{"y":2}}]`},
		{`{"n\u0061me":"x","pr\u0069ce":1}`, ``},
	} {
		var m Model
		got := bindErr(t, c, &m, req("POST", "/", "application/json", tc.body))
		if !sameJSON(t, got, tc.want) {
			t.Errorf("%s:\n got %s\nwant %s", tc.body, got, tc.want)
		}
	}
	var m Model
	if got := bindErr(t, c, &m, req("POST", "/", "application/json", `{"name":"a","name":"b","price":1,"sub":{"x":1},"sub":{"x":2},"tags":{"k":1,"k":2},"subs":[{"x":1}],"subs":[]}`)); got != "" {
		t.Fatal(got)
	}
	if m.Name != "b" || m.Sub.X != 2 || m.Tags["k"] != 2 || len(m.Tags) != 1 || m.Subs == nil || len(m.Subs) != 0 {
		t.Fatalf("%+v", m)
	}
}

// Many errors for one duplicated key do not pile up.
func TestJSONDuplicateErrorsDropped(t *testing.T) {
	c := NewCompiler(Options{})
	var b strings.Builder
	b.WriteString(`{"name":"x"`)
	for range 2000 {
		b.WriteString(`,"price":"bad","i":"bad"`)
	}
	b.WriteString(`,"price":1,"i":2}`)
	var m Model
	if got := bindErr(t, c, &m, req("POST", "/", "application/json", b.String())); got != "" || m.Price != 1 || m.I != 2 {
		t.Fatalf("%.300s %+v", got, m)
	}
}

// Keel's floats are finite: numbers beyond float64's range and the strings
// "inf" and "nan" are finite_number (Pydantic with allow_inf_nan=False), so
// that no request body makes a response that cannot be encoded.
func TestJSONNonFinite(t *testing.T) {
	type Floats struct {
		F   float64            `json:"f" default:"0"`
		F32 float32            `json:"f32" default:"0"`
		P   *float64           `json:"p"`
		L   []float64          `json:"l"`
		M   map[string]float32 `json:"m"`
		A   any                `json:"a"`
		I   int                `json:"i" default:"0"`
	}
	const finite = `{"type":"finite_number","loc":%s,"msg":"Input should be a finite number","input":%s}`
	c := NewCompiler(Options{})
	for _, tc := range []struct{ body, want string }{
		{`{"f":1e400}`, sprintf(finite, `["body","f"]`, `1e400`)},
		{`{"f":-1e400}`, sprintf(finite, `["body","f"]`, `-1e400`)},
		{`{"f":"inf"}`, sprintf(finite, `["body","f"]`, `"inf"`)},
		{`{"f":"-Infinity"}`, sprintf(finite, `["body","f"]`, `"-Infinity"`)},
		{`{"f":"nan"}`, sprintf(finite, `["body","f"]`, `"nan"`)},
		{`{"f":"1e400"}`, sprintf(finite, `["body","f"]`, `"1e400"`)},
		{`{"f32":1e39}`, sprintf(finite, `["body","f32"]`, `1e39`)},
		{`{"f32":3.4028235e38,"f":1.7976931348623157e308}`, ``},
		{`{"p":1E400}`, sprintf(finite, `["body","p"]`, `1E400`)},
		{`{"l":[1,1e999,2]}`, sprintf(finite, `["body","l",1]`, `1e999`)},
		{`{"m":{"a":1e39}}`, sprintf(finite, `["body","m","a"]`, `1e39`)},
		{`{"a":{"x":[1,-1e400]}}`, sprintf(finite, `["body","a","x",1]`, `-1e400`)},
		{`{"i":1e400}`, sprintf(finite, `["body","i"]`, `1e400`)},
		{`{"f":1e-400,"a":1e-400}`, ``},
	} {
		var v Floats
		got := bindErr(t, c, &v, req("POST", "/", "application/json", tc.body))
		if !sameJSON(t, got, "["+tc.want+"]") && !(tc.want == "" && got == "") {
			t.Errorf("%s:\n got %s\nwant [%s]", tc.body, got, tc.want)
		}
		if got == "" {
			if _, err := json.Marshal(v); err != nil {
				t.Errorf("%s: decoded value does not encode: %v", tc.body, err)
			}
		}
	}
}

// The input of an error about an array or object is its JSON text, which
// encodes compacted; scalars are Go values.
func TestJSONErrorInputs(t *testing.T) {
	c := NewCompiler(Options{})
	b, _ := c.Body(typeOf[Item]())
	r := req("POST", "/", "application/json", "")
	body := NewBody([]byte("{ \"name\" : [ 1 , {\"a\" : \"\\u00e9\"} ] , \"price\" : 1.50 }"), "application/json")
	var it Item
	err := b.Bind(r, body, valueOf(&it))
	got := errString(err)
	want := `[{"type":"string_type","loc":["body","name"],"msg":"Input should be a valid string","input":[1,{"a":"\u00e9"}]}]`
	if got != want {
		t.Fatalf("got %s\nwant %s", got, want)
	}
	body = NewBody([]byte(`{"name":"x","price":"1.5x"}`), "application/json")
	if got := errString(b.Bind(r, body, valueOf(&it))); !strings.Contains(got, `"input":"1.5x"`) {
		t.Fatal(got)
	}
}

// A body that is not JSON is handed over as it is: a []byte body gets the
// exact bytes, invalid UTF-8 included.
func TestTextBodyBytes(t *testing.T) {
	type Raw struct {
		Data []byte `body:"data"`
	}
	type Text struct {
		S string `body:"s"`
	}
	c := NewCompiler(Options{})
	raw := []byte("\xff\x00binary\x80")
	var v Raw
	if got := bindErr(t, c, &v, req("POST", "/", "application/octet-stream", string(raw))); got != "" || !bytes.Equal(v.Data, raw) {
		t.Fatalf("%s %q", got, v.Data)
	}
	var s Text
	if got := bindErr(t, c, &s, req("POST", "/", "text/plain", "héllo")); got != "" || s.S != "héllo" {
		t.Fatalf("%s %q", got, s.S)
	}
}

// UTF-16 and UTF-32 bodies are decoded as Python's json.loads does.
func TestJSONBodyEncodings(t *testing.T) {
	c := NewCompiler(Options{})
	doc := `{"name":"é😀","price":2}`
	u16 := utf16.Encode([]rune(doc))
	le := []byte{0xFF, 0xFE}
	for _, u := range u16 {
		le = append(le, byte(u), byte(u>>8))
	}
	var u32be []byte
	for _, r := range doc {
		u32be = append(u32be, byte(r>>24), byte(r>>16), byte(r>>8), byte(r))
	}
	for _, body := range [][]byte{le, u32be, append([]byte("\xef\xbb\xbf"), doc...)} {
		var it Item
		if got := bindErr(t, c, &it, req("POST", "/", "application/json", string(body))); got != "" || it.Name != "é😀" || it.Price != 2 {
			t.Errorf("%q: %s %+v", body, got, it)
		}
	}
}

// Decoding allocates per value kept, not per array element: a list of
// numbers is counted and allocated once, and neither its numbers nor its
// indexes are boxed.
func TestJSONBodyAllocations(t *testing.T) {
	type Junk struct {
		Name  string   `json:"name"`
		Price float64  `json:"price"`
		Tags  []string `json:"tags"`
		Junk  []int    `json:"junk"`
		Skip  []any    `json:"-"`
	}
	c := NewCompiler(Options{})
	b, err := c.Body(typeOf[Junk]())
	if err != nil {
		t.Fatal(err)
	}
	allocs := func(n int) float64 {
		var buf bytes.Buffer
		buf.WriteString(`{"name":"x","price":1.5,"tags":["a","b"],"junk":[`)
		for i := range n {
			if i > 0 {
				buf.WriteByte(',')
			}
			buf.WriteString(strconv.Itoa(i % 1000))
		}
		buf.WriteString(`],"unknown":[[1,2],{"a":[3]}]}`)
		data := buf.Bytes()
		r := req("POST", "/", "application/json", "")
		return testing.AllocsPerRun(5, func() {
			var v Junk
			body := NewBody(data, "application/json")
			if err := b.CheckBody(body); err != nil {
				t.Fatal(err)
			}
			if err := b.Bind(r, body, reflect.ValueOf(&v).Elem()); err != nil || len(v.Junk) != n {
				t.Fatal(err)
			}
		})
	}
	small, large := allocs(10), allocs(100000)
	if large != small || large > 8 {
		t.Fatalf("allocations: %v for 10 items, %v for 100,000", small, large)
	}
}

// A float's finiteness survives every path: a default too.
func TestJSONFloatDefault(t *testing.T) {
	type D struct {
		F float64 `json:"f" default:"1.5"`
		G float64 `json:"g" default:"inf"`
	}
	c := NewCompiler(Options{})
	if _, err := c.Body(typeOf[D]()); err == nil || !strings.Contains(err.Error(), "finite") {
		t.Fatalf("an infinite default is a registration error, got %v", err)
	}
	_ = math.Inf
}

// Form floats are body values too: finite. Query floats keep FastAPI's inf
// and nan.
func TestFormNonFinite(t *testing.T) {
	type F struct {
		P  float64   `form:"p"`
		L  []float32 `form:"l"`
		Q  *float64  `query:"q"`
		Ok float64   `form:"ok" default:"1"`
	}
	c := NewCompiler(Options{})
	var v F
	got := bindErr(t, c, &v, req("POST", "/?q=inf", "application/x-www-form-urlencoded", "p=nan&l=1&l=1e39&ok=2.5"))
	want := `[{"type":"finite_number","loc":["body","p"],"msg":"Input should be a finite number","input":"nan"},` +
		`{"type":"finite_number","loc":["body","l",1],"msg":"Input should be a finite number","input":"1e39"}]`
	if !sameJSON(t, got, want) {
		t.Fatalf("got %s\nwant %s", got, want)
	}
	if got := bindErr(t, c, &v, req("POST", "/?q=-inf", "application/x-www-form-urlencoded", "p=-1e308&l=3.4e38")); got != "" || !math.IsInf(*v.Q, -1) || v.P != -1e308 {
		t.Fatalf("%s %+v", got, v)
	}
}

// ReadBody's buffer ends the size of the body, and beyond its first MiB never
// grows to more than twice what arrived.
func TestReadBodyBuffer(t *testing.T) {
	for _, n := range []int{1, 4095, 4096, 4097, 1 << 20, 1<<20 + 1, 3<<20 + 7} {
		data := bytes.Repeat([]byte("x"), n)
		for _, declared := range []int64{int64(n), -1} {
			r := req("POST", "/", "application/json", "")
			r.Body = io.NopCloser(bytes.NewReader(data))
			r.ContentLength = declared
			b, err := ReadBody(r, 10<<20)
			if err != nil || !bytes.Equal(b.Bytes(), data) {
				t.Fatalf("%d/%d: %v", n, declared, err)
			}
			if declared > 0 && cap(b.Bytes()) != n+1 {
				t.Errorf("%d bytes declared: buffer of %d", n, cap(b.Bytes()))
			}
		}
	}
	// A client that declares 10 MiB and sends 3 MiB gets a 400, having made
	// the server allocate little more than twice that.
	r := req("POST", "/", "application/json", "")
	r.Body = io.NopCloser(bytes.NewReader(make([]byte, 3<<20)))
	r.ContentLength = 10 << 20
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := ReadBody(r, 10<<20)
	runtime.ReadMemStats(&after)
	if errString(err) != `400 "There was an error parsing the body"` || after.TotalAlloc-before.TotalAlloc > 8<<20 {
		t.Fatalf("%v, %d bytes allocated", errString(err), after.TotalAlloc-before.TotalAlloc)
	}
	r = req("POST", "/", "application/json", "")
	r.Body = io.NopCloser(strings.NewReader(strings.Repeat("x", 5000)))
	r.ContentLength = -1
	if _, err := ReadBody(r, 4096); errString(err) != `413 "Request body too large"` {
		t.Fatalf("chunked over the limit: %v", errString(err))
	}
}

// A body reports at most maxBodyErrors errors, and stops decoding there: a
// megabyte of wrong values costs about what a valid one does.
func TestJSONErrorCap(t *testing.T) {
	type Many struct {
		Name string   `json:"name"`
		Nums []int    `json:"nums"`
		Max  []int    `json:"max" validate:"max=3"`
		Subs []Sub    `json:"subs"`
		Any  []any    `json:"any"`
		More []string `json:"more"`
	}
	c := NewCompiler(Options{})
	b, err := c.Body(typeOf[Many]())
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.Repeat(`"a",`, 250000) + `"a"`
	for _, body := range []string{
		`{"name":"x","nums":[` + bad + `]}`,
		`{"name":"x","subs":[` + strings.Repeat(`{"x":"a"},`, 100000) + `{}],"more":[1]}`,
		`{"name":"x","any":[` + strings.Repeat(`1e400,`, 100000) + `1]}`,
		`{"nums":[` + bad + `],"name":5}`,
	} {
		var v Many
		r := req("POST", "/", "application/json", "")
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		err := b.Bind(r, NewBody([]byte(body), "application/json"), valueOf(&v))
		runtime.ReadMemStats(&after)
		var ve *keel.ValidationError
		if !errors.As(err, &ve) || len(ve.Errors) != maxBodyErrors {
			t.Fatalf("%.40s: %d errors", body, len(ve.Errors))
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > uint64(len(body))*3+1<<20 {
			t.Errorf("%.40s: %d bytes allocated for a %d-byte body", body, alloc, len(body))
		}
	}
	// A list over its maximum reports too_long with its real length, even
	// past the cap.
	var v Many
	got := bindErr(t, c, &v, req("POST", "/", "application/json", `{"name":"x","max":[`+bad+`]}`))
	if !strings.Contains(got, `"type":"too_long"`) || !strings.Contains(got, `"actual_length":250001`) || strings.Count(got, `"type"`) != 1 {
		t.Fatalf("%.300s", got)
	}
}

// Locations stay right when nesting is deeper than the location buffer.
func TestJSONDeepLocations(t *testing.T) {
	type Deep struct {
		L [][][][][][][][][][]int `json:"l"`
	}
	c := NewCompiler(Options{})
	var v Deep
	// Two deep items: the second is read after the location buffer has grown.
	x, ok := `[4,"x"]`, `[1]` // level 10: the []int
	for range 8 {             // levels 2 to 9
		x, ok = "["+x+"]", "["+ok+"]"
	}
	got := bindErr(t, c, &v, req("POST", "/", "application/json", `{"l":[`+ok+`,`+x+`]}`))
	want := `[{"type":"int_parsing","loc":["body","l",1,0,0,0,0,0,0,0,0,1],"msg":"Input should be a valid integer, unable to parse string as an integer","input":"x"}]`
	if got != want {
		t.Fatalf("got %s\nwant %s", got, want)
	}
}
