package bind

import (
	"encoding/json"
	"testing"
	"unsafe"

	"github.com/keelgo/keel/internal/pycompat"
)

// anyOf decodes a checked document as an `any` body value.
func anyOf(t *testing.T, b []byte) any {
	t.Helper()
	text, err := pycompat.JSONText(b)
	if err == nil {
		err = pycompat.CheckJSON(text)
	}
	if err != nil {
		t.Fatalf("%q: %v", b, err)
	}
	var v any
	d := dstate{buf: text, pos: pycompat.SkipSpace(text, 0)}
	decodeAny(&d, unsafe.Pointer(&v))
	if len(d.errs) > 0 {
		t.Fatalf("%q: %+v", b, d.errs)
	}
	return v
}

// An `any` body keeps the last of duplicate keys, decodes escapes and turns a
// lone surrogate into U+FFFD, as Python's json module does.
func TestJSONValues(t *testing.T) {
	v := anyOf(t, []byte(`{"a":[1,2.5,"x\u00e9\ud83d\ude00",true,null],"a2":{}, "a":[1,2.5,"x\u00e9\ud83d\ude00\ud800\u0041",true,null]}`))
	got, _ := json.Marshal(v)
	if string(got) != `{"a":[1,2.5,"xé😀�A",true,null],"a2":{}}` {
		t.Fatalf("got %s", got)
	}
}

// FuzzJSONDecodeAny: a document the scanner accepts decodes, as an `any`
// body, to the values encoding/json finds.
func FuzzJSONDecodeAny(f *testing.F) {
	for _, s := range []string{`{"a":1}`, `[1,2]`, `"\ud800"`, `{"a":"\u00e9"}`, `1e5`, `{"a":1,"a":2}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		text, err := pycompat.JSONText(b)
		if err != nil || pycompat.CheckJSON(text) != nil || len(text) != len(b) {
			return // not plain UTF-8 JSON: nothing to compare with encoding/json
		}
		var want any
		if json.Unmarshal(b, &want) != nil {
			return // beyond float64's range: decodeAny answers finite_number
		}
		got, _ := json.Marshal(anyOf(t, b))
		exp, _ := json.Marshal(want)
		if string(got) != string(exp) {
			t.Fatalf("%q: decoded %s, encoding/json %s", b, got, exp)
		}
	})
}
