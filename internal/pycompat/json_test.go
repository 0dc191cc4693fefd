package pycompat

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
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
		var se *JSONSyntaxError
		switch {
		case c.OK:
			if err != nil {
				t.Errorf("%q: Python accepts, got %v", in, err)
			}
		case c.Other != "":
			if !errors.Is(err, ErrJSONEncoding) {
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
	text, err := JSONText(b)
	if err != nil {
		return err
	}
	return CheckJSON(text)
}

func TestJSONDepth(t *testing.T) {
	deep := strings.Repeat("[", MaxJSONDepth+1) + strings.Repeat("]", MaxJSONDepth+1)
	if err := checkText([]byte(deep)); !errors.Is(err, ErrJSONTooDeep) {
		t.Fatalf("deep: %v", err)
	}
	ok := strings.Repeat("[", MaxJSONDepth) + strings.Repeat("]", MaxJSONDepth)
	if err := checkText([]byte(ok)); err != nil {
		t.Fatalf("depth %d: %v", MaxJSONDepth, err)
	}
	for _, s := range []string{"NaN", "Infinity", "-Infinity", `{"a":NaN}`} {
		var se *JSONSyntaxError
		if err := checkText([]byte(s)); !errors.As(err, &se) || se.Msg != msgExpectingValue {
			t.Errorf("%s: %v", s, err)
		}
	}
}

// FuzzJSONParse: never panics, and agrees with encoding/json on validity for
// plain UTF-8 input (the scanner differs only where documented).
// internal/bind's FuzzJSONDecodeAny checks the values decoded from it.
func FuzzJSONParse(f *testing.F) {
	for _, s := range []string{`{"a":1}`, `[1,2`, `"\ud800"`, `{"a":"\u00zz"}`, `01`, `-`, "\xef\xbb\xbf{}", `1e5`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		err := checkText(b)
		if detectEncoding(b) != "utf-8" || errors.Is(err, ErrJSONTooDeep) || errors.Is(err, ErrJSONEncoding) {
			return
		}
		if (err == nil) != json.Valid(b) {
			t.Fatalf("%q: parse err %v, json.Valid %v", b, err, json.Valid(b))
		}
	})
}
