package jsonenc

import (
	"encoding/json"
	"math"
	"testing"
)

var appendStrings = []string{
	"", "plain", `quote " and \ backslash`, "<script>&amp;</script>", "a<b", "tab\tnew\nline\r",
	"\x00\x01\x1f\x7f", "\b\f", "é ü 日本", "\u2028\u2029", "bad \xff utf8 \xc3", "<\xff>&\u2028",
	"emoji 😀 & more", "a long string with nothing to escape at all, past the stack buffer's 64 bytes",
	"a long string with <html> & \"quotes\" past the stack buffer's sixty-four bytes \xfe",
}

// TestAppendStringHTML: json.Marshal's bytes for every string, after a prefix.
func TestAppendStringHTML(t *testing.T) {
	for _, s := range appendStrings {
		checkHTML(t, s)
	}
}

func checkHTML(t *testing.T, s string) {
	t.Helper()
	want, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	got := AppendStringHTML([]byte("x"), s)
	if string(got) != "x"+string(want) {
		t.Errorf("AppendStringHTML(%q) = %s, want %s", s, got[1:], want)
	}
}

func FuzzAppendStringHTML(f *testing.F) {
	for _, s := range appendStrings {
		f.Add(s)
	}
	f.Fuzz(checkHTML)
}

func TestAppendFloat(t *testing.T) {
	for _, f := range []float64{0, math.Copysign(0, -1), 1, -1.5, 1e-7, 1e21, 123456789, 0.1, math.MaxFloat64, math.SmallestNonzeroFloat64} {
		want, _ := json.Marshal(f)
		got, err := AppendFloat(nil, f)
		if err != nil || string(got) != string(want) {
			t.Errorf("AppendFloat(%v) = %s, %v; want %s", f, got, err, want)
		}
	}
	for _, f := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		if _, err := AppendFloat(nil, f); err == nil {
			t.Errorf("AppendFloat(%v): no error", f)
		}
	}
}

func TestSafeHTML(t *testing.T) {
	for c := range 256 {
		want := safeASCII[c] != 0 && c != '<' && c != '>' && c != '&'
		if got := safeHTML[c] != 0; got != want {
			t.Errorf("safeHTML[%#x] = %v, want %v", c, got, want)
		}
	}
}
