package bind

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"unsafe"
)

// TestJSONMatchesPython checks the parser against Python 3.11's json.loads on
// ~1300 documents (testdata/gen_json_python.py made them): the same verdict,
// and for rejected documents the same message and character offset (docs/fastapi-compat.md §4.5).
func TestJSONMatchesPython(t *testing.T) {
	raw, err := os.ReadFile("testdata/json_python.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		In    *string `json:"in"`
		B64   string  `json:"b64"`
		OK    bool    `json:"ok"`
		Msg   string  `json:"msg"`
		Pos   int     `json:"pos"`
		Other string  `json:"other"`
	}
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		var in []byte
		if c.In != nil {
			in = []byte(*c.In)
		} else {
			in, _ = base64.StdEncoding.DecodeString(c.B64)
		}
		err := checkText(in)
		var se *jsonSyntaxError
		switch {
		case c.OK:
			if err != nil {
				t.Errorf("%q: Python accepts, got %v", in, err)
			}
		case c.Other != "":
			if !errors.Is(err, errJSONEncoding) {
				t.Errorf("%q: Python raises %s, got %v", in, c.Other, err)
			}
		case errors.As(err, &se):
			if se.Msg != c.Msg || se.Pos != c.Pos {
				t.Errorf("%q: got %q at %d, Python says %q at %d", in, se.Msg, se.Pos, c.Msg, c.Pos)
			}
		default:
			t.Errorf("%q: want %q at %d, got %v", in, c.Msg, c.Pos, err)
		}
	}
}

// checkText is what a request body goes through: decoding, then the check.
func checkText(b []byte) error {
	text, err := jsonText(b)
	if err != nil {
		return err
	}
	return checkJSON(text)
}

// anyOf decodes a checked document as an `any` body value.
func anyOf(t *testing.T, b []byte) any {
	t.Helper()
	text, err := jsonText(b)
	if err == nil {
		err = checkJSON(text)
	}
	if err != nil {
		t.Fatalf("%q: %v", b, err)
	}
	var v any
	d := dstate{buf: text, pos: skipWS(text, 0)}
	decodeAny(&d, unsafe.Pointer(&v))
	if len(d.errs) > 0 {
		t.Fatalf("%q: %+v", b, d.errs)
	}
	return v
}

func TestJSONDepthAndValues(t *testing.T) {
	deep := strings.Repeat("[", maxJSONDepth+1) + strings.Repeat("]", maxJSONDepth+1)
	if err := checkText([]byte(deep)); !errors.Is(err, errJSONTooDeep) {
		t.Fatalf("deep: %v", err)
	}
	ok := strings.Repeat("[", maxJSONDepth) + strings.Repeat("]", maxJSONDepth)
	if err := checkText([]byte(ok)); err != nil {
		t.Fatalf("depth %d: %v", maxJSONDepth, err)
	}
	v := anyOf(t, []byte(`{"a":[1,2.5,"x\u00e9\ud83d\ude00",true,null],"a2":{}, "a":[1,2.5,"x\u00e9\ud83d\ude00\ud800\u0041",true,null]}`))
	got, _ := json.Marshal(v)
	if string(got) != `{"a":[1,2.5,"xé😀�A",true,null],"a2":{}}` {
		t.Fatalf("got %s", got)
	}
	for _, s := range []string{"NaN", "Infinity", "-Infinity", `{"a":NaN}`} {
		var se *jsonSyntaxError
		if err := checkText([]byte(s)); !errors.As(err, &se) || se.Msg != msgExpectingValue {
			t.Errorf("%s: %v", s, err)
		}
	}
}

// FuzzJSONParse: never panics, agrees with encoding/json on validity for
// plain UTF-8 input (the scanner differs only where documented), and
// decodes valid documents to the values encoding/json finds.
func FuzzJSONParse(f *testing.F) {
	for _, s := range []string{`{"a":1}`, `[1,2`, `"\ud800"`, `{"a":"\u00zz"}`, `01`, `-`, "\xef\xbb\xbf{}", `1e5`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		err := checkText(b)
		if detectEncoding(b) != "utf-8" || errors.Is(err, errJSONTooDeep) || errors.Is(err, errJSONEncoding) {
			return
		}
		if (err == nil) != json.Valid(b) {
			t.Fatalf("%q: parse err %v, json.Valid %v", b, err, json.Valid(b))
		}
		if err == nil {
			var want any
			if json.Unmarshal(b, &want) != nil {
				return // beyond float64's range: decodeAny answers finite_number
			}
			got, _ := json.Marshal(anyOf(t, b))
			exp, _ := json.Marshal(want)
			if string(got) != string(exp) {
				t.Fatalf("%q: decoded %s, encoding/json %s", b, got, exp)
			}
		}
	})
}
