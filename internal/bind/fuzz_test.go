package bind

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/keelgo/keel"
	"github.com/keelgo/keel/internal/pycompat"
	"github.com/keelgo/keel/params"
)

type fuzzQuery struct {
	ID    int       `path:"id"`
	Limit int       `query:"limit" default:"10" validate:"gte=1,lte=100"`
	Q     *string   `query:"q" validate:"max=5" pattern:"^[a-z]*$"`
	F     []float64 `query:"f" validate:"max=3"`
	B     *bool     `query:"b"`
	U     *uint8    `query:"u" validate:"oneof=1 2 3"`
	S     []string  `query:"s"`
	H     *string   `header:"x-h"`
	C     *string   `cookie:"c"`
}

// checkResult asserts Bind's contract on any input: nil, a ValidationError
// whose every item is well-formed and encodes as JSON, or an HTTPError with a
// 4xx status.
func checkResult(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var ve *keel.ValidationError
	var he *keel.HTTPError
	switch {
	case errors.As(err, &ve):
		if len(ve.Errors) == 0 {
			t.Fatal("empty ValidationError")
		}
		for _, e := range ve.Errors {
			if e.Type == "" || e.Msg == "" || len(e.Loc) == 0 {
				t.Fatalf("malformed %+v", e)
			}
		}
		if _, merr := json.Marshal(ve.Errors); merr != nil {
			t.Fatalf("errors do not encode: %v", merr)
		}
	case errors.As(err, &he):
		if he.Status < 400 || he.Status > 499 {
			t.Fatalf("status %d", he.Status)
		}
	default:
		t.Fatalf("unexpected error type %T: %v", err, err)
	}
}

func FuzzQueryBinding(f *testing.F) {
	for _, s := range []string{"limit=5&q=abc", "limit=0&f=1&f=x&f=2&f=3", "q=%zz&b=yes&u=4", "s=&s=%FF&limit=1_0", "limit=+1.0&u=1", "&&=&q"} {
		f.Add(s, "42", "v", "c=1")
	}
	c := NewCompiler(Options{})
	b, err := c.Struct(typeOf[fuzzQuery]())
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, rawQuery, id, header, cookie string) {
		r := &http.Request{Method: "GET", URL: &url.URL{Path: "/", RawQuery: rawQuery}, Header: http.Header{"X-H": {header}, "Cookie": {cookie}}}
		r.SetPathValue("id", id)
		var p fuzzQuery
		checkResult(t, b.Bind(r, nil, reflect.ValueOf(&p).Elem()))
	})
}

type fuzzModel struct {
	Name  string            `json:"name" validate:"max=10"`
	Price float64           `json:"price" validate:"gt=0"`
	Tags  []string          `json:"tags" validate:"max=3"`
	Sub   *fuzzModel        `json:"sub"`
	M     map[string]int    `json:"m"`
	Any   any               `json:"any"`
	N     int8              `json:"n" default:"1"`
	K     map[uint8]float32 `json:"k"`
}

func FuzzJSONBody(f *testing.F) {
	for _, s := range []string{`{"name":"a","price":1}`, `{"sub":{"sub":{"tags":[1,2]}}}`, `[1,2]`, `{"n":300,"k":{"1":1e40}}`, `{"name":`, "\xff\xfe{\x00}\x00"} {
		f.Add([]byte(s), "application/json")
	}
	f.Add([]byte(`{"name":"a"}`), "text/plain")
	f.Add([]byte(`{"name":"a"}`), "")
	c := NewCompiler(Options{LaxContentType: true})
	whole, err := c.Body(typeOf[fuzzModel]())
	if err != nil {
		f.Fatal(err)
	}
	type embedded struct {
		A fuzzModel `body:"a"`
		B *int      `body:"b"`
	}
	emb, err := c.Struct(typeOf[embedded]())
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte, ct string) {
		r := &http.Request{Method: "POST", URL: &url.URL{Path: "/"}, Header: http.Header{"Content-Type": {ct}}}
		body := NewBody(data, ct)
		var m fuzzModel
		checkResult(t, whole.Bind(r, body, reflect.ValueOf(&m).Elem()))
		var e embedded
		checkResult(t, emb.Bind(r, body, reflect.ValueOf(&e).Elem()))
	})
}

func FuzzForm(f *testing.F) {
	f.Add([]byte("username=a&password=b&grant_type=password"), "application/x-www-form-urlencoded")
	f.Add([]byte("grant_type=%zz&scope=+a+b&username="), "application/x-www-form-urlencoded")
	var buf bytes.Buffer
	buf.WriteString("--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\nhello\r\n--b\r\nContent-Disposition: form-data; name=\"username\"\r\n\r\nx\r\n--b--\r\n")
	f.Add(buf.Bytes(), "multipart/form-data; boundary=b")
	f.Add([]byte("--b\r\n\r\n"), "multipart/form-data; boundary=b")
	c := NewCompiler(Options{MaxFileSize: 64, MaxMemory: 1024})
	type form struct {
		passwordForm
		File  *params.File  `file:"file"`
		Files []params.File `file:"files" validate:"max=2"`
		Nums  []int         `form:"nums"`
	}
	b, err := c.Struct(typeOf[form]())
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte, ct string) {
		r := &http.Request{Method: "POST", URL: &url.URL{Path: "/"}, Header: http.Header{"Content-Type": {ct}}}
		var v form
		checkResult(t, b.Bind(r, NewBody(data, ct), reflect.ValueOf(&v).Elem()))
	})
}

// FuzzJSONBodyCanonical: a document decodes to the same value and the same
// errors as the dict Python's json.loads makes of it (duplicate keys resolved
// to their last value, key order irrelevant), here written out again by
// encoding/json with numbers kept as written. It checks the one-pass decoder's
// handling of duplicates and of error order against a plain tree.
func FuzzJSONBodyCanonical(f *testing.F) {
	for _, s := range []string{
		`{"name":"a","price":1,"name":5,"price":"x"}`,
		`{"sub":{"name":1},"sub":{"tags":[1,"a"]},"m":{"b":"x","a":"y","b":2}}`,
		`{"k":{"300":1,"1":1e40,"x":2},"tags":["a","b","c","d"],"tags":["a"]}`,
		`{"any":{"a":[1,{"b":null}],"a":2},"n":"7","name":"01234567890"}`,
		`{"price":-0.0,"sub":{"sub":{"sub":{"price":"nan"}}},"price":1e400}`,
	} {
		f.Add([]byte(s))
	}
	c := NewCompiler(Options{})
	whole, err := c.Body(typeOf[fuzzModel]())
	if err != nil {
		f.Fatal(err)
	}
	type embedded struct {
		A fuzzModel `body:"a"`
		B *int      `body:"b"`
	}
	emb, err := c.Struct(typeOf[embedded]())
	if err != nil {
		f.Fatal(err)
	}
	r := &http.Request{Method: "POST", URL: &url.URL{Path: "/"}}
	f.Fuzz(func(t *testing.T, data []byte) {
		text, err := pycompat.JSONText(data)
		if err != nil || pycompat.CheckJSON(text) != nil {
			return
		}
		dec := json.NewDecoder(bytes.NewReader(text))
		dec.UseNumber()
		var tree any
		if dec.Decode(&tree) != nil {
			return
		}
		canon, err := json.Marshal(tree)
		if err != nil {
			return
		}
		for _, doc := range [][]byte{data, []byte(`{"b":1,"a":` + string(text) + `}`)} {
			canonDoc := canon
			b := whole
			if len(doc) > 0 && doc[0] == '{' && bytes.HasPrefix(doc, []byte(`{"b":1,"a":`)) {
				canonDoc = []byte(`{"a":` + string(canon) + `,"b":1}`)
				b = emb
			}
			var v1, v2 embedded
			dst1, dst2 := reflect.ValueOf(&v1.A).Elem(), reflect.ValueOf(&v2.A).Elem()
			if b == emb {
				dst1, dst2 = reflect.ValueOf(&v1).Elem(), reflect.ValueOf(&v2).Elem()
			}
			e1 := errString(b.Bind(r, NewBody(doc, "application/json"), dst1))
			e2 := errString(b.Bind(r, NewBody(canonDoc, "application/json"), dst2))
			if !sameJSONNumbers(e1, e2) {
				t.Fatalf("%q\n errors %s\n canonical %q\n errors %s", doc, e1, canonDoc, e2)
			}
			if e1 == "" && !reflect.DeepEqual(v1, v2) {
				t.Fatalf("%q: %+v\ncanonical %q: %+v", doc, v1, canonDoc, v2)
			}
		}
	})
}

// sameJSONNumbers compares two JSON texts by value, numbers as written.
func sameJSONNumbers(a, b string) bool {
	if a == b {
		return true
	}
	parse := func(s string) (any, bool) {
		d := json.NewDecoder(strings.NewReader(s))
		d.UseNumber()
		var v any
		return v, d.Decode(&v) == nil
	}
	x, ok1 := parse(a)
	y, ok2 := parse(b)
	return ok1 && ok2 && reflect.DeepEqual(x, y)
}
